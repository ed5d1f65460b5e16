//! Runs every case of `corpus/manifest.json` and reports all mismatches at once, in one table.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::collections::{BTreeSet, HashSet};

use sessionkit::Profile;
use sessionkit::corpus::Validity;
use sessionkit::{Entry, ErrorKind, Mistake, ViolationKind};
use sessionkit_testkit::corpus::{self, Finding};

/// The violations as manifest findings; errors with their vendor code, warnings without.
fn findings(list: &[sessionkit::Violation], errors: bool) -> BTreeSet<Finding> {
    list.iter()
        .map(|v| Finding {
            pointer: v.pointer.clone(),
            code: v.code.to_owned(),
            vendor_code: errors.then_some(v.vendor_code),
        })
        .collect()
}

fn show(set: &BTreeSet<Finding>) -> String {
    let items: Vec<String> = set
        .iter()
        .map(|f| format!("{} {}", f.code, f.pointer))
        .collect();
    format!("[{}]", items.join(", "))
}

#[test]
fn every_body_case_gets_its_verdict_in_every_profile() {
    let manifest = corpus::manifest();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for case in manifest.cases.iter().filter(|c| !c.profiles.is_empty()) {
        let bytes = match corpus::verified_bytes(case) {
            Ok(bytes) => bytes,
            Err(why) => {
                mismatches.push(why);
                continue;
            }
        };
        let body = match sessionkit::json::parse(&bytes) {
            Ok(body) => body,
            Err(e) => {
                mismatches.push(format!(
                    "{:>4} {:<50} does not parse: {e:?}",
                    case.id, case.file
                ));
                continue;
            }
        };
        for (name, verdict) in &case.profiles {
            let profile =
                Profile::from_name(name).expect("profile names in the manifest are known");
            let report = sessionkit::schema::validate(&body, profile);
            checked += 1;
            let valid = if report.is_valid() {
                Validity::Valid
            } else {
                Validity::Invalid
            };
            let want_errors: BTreeSet<Finding> = verdict.errors.iter().cloned().collect();
            let want_warnings: BTreeSet<Finding> = verdict.warnings.iter().cloned().collect();
            let (got_errors, got_warnings) = (
                findings(&report.errors, true),
                findings(&report.warnings, false),
            );
            if valid != verdict.result || got_errors != want_errors || got_warnings != want_warnings
            {
                mismatches.push(format!(
                    "{:>4} {:<50} {:<10} want {} {} warnings {}\n{:>77} got  {} {} warnings {}",
                    case.id,
                    case.file,
                    name,
                    verdict.result,
                    show(&want_errors),
                    show(&want_warnings),
                    "",
                    valid,
                    show(&got_errors),
                    show(&got_warnings)
                ));
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} verdicts checked: is the manifest complete?"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {checked} verdicts differ from corpus/manifest.json:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The manifest itself conforms to `schemas/manifest.schema.json`, and ids are never repeated.
#[test]
fn the_manifest_conforms_to_its_schema() {
    let read = |path: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let schema = read(corpus::schemas_dir().join("manifest.schema.json"));
    let manifest = read(corpus::corpus_dir().join("manifest.json"));
    let validator = jsonschema::draft202012::options().build(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&manifest)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "manifest.json violates its schema:\n{}",
        errors.join("\n")
    );
    let ids: Vec<u32> = corpus::manifest().cases.iter().map(|c| c.id).collect();
    let unique: BTreeSet<u32> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "case ids repeat");
}

/// The typed model and the schema name the same properties, object by object.
#[test]
fn model_and_schema_agree_on_property_names() {
    let full = serde_json::to_value(sessionkit_testkit::full_request()).unwrap();
    let v = &full["verification"];
    let model: Vec<(&str, &serde_json::Value)> = vec![
        ("verification", v),
        ("person", &v["person"]),
        ("document", &v["document"]),
        (
            "documentNumberIdentifiers",
            &v["document"]["documentNumberIdentifiers"],
        ),
        ("address", &v["address"]),
        ("proofOfAddress", &v["proofOfAddress"]),
        ("acceptableType", &v["proofOfAddress"]["acceptableTypes"][0]),
        ("serviceCoverage", &v["serviceCoverage"]),
        ("consent", &v["consents"][0]),
    ];
    let schema: std::collections::BTreeMap<String, BTreeSet<String>> =
        sessionkit::schema::known_properties()
            .into_iter()
            .map(|(name, props)| (name, props.into_iter().collect()))
            .collect();
    let mut differences = Vec::new();
    for (name, object) in &model {
        let in_model: BTreeSet<String> = object.as_object().unwrap().keys().cloned().collect();
        let in_schema = schema.get(*name).cloned().unwrap_or_default();
        if in_model != in_schema {
            differences.push(format!(
                "{name}: only in the model {:?}, only in the schema {:?}",
                in_model.difference(&in_schema).collect::<Vec<_>>(),
                in_schema.difference(&in_model).collect::<Vec<_>>()
            ));
        }
    }
    let named: BTreeSet<&str> = model.iter().map(|(n, _)| *n).collect();
    for name in schema.keys().filter(|n| !named.contains(n.as_str())) {
        differences.push(format!(
            "$defs/{name} has properties but no model object is compared with it"
        ));
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Every wire-level case through `receive`: status, vendor code, error kind and named mistake.
#[test]
fn every_wire_case_gets_its_answer() {
    let manifest = corpus::manifest();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for case in &manifest.cases {
        let (Some(_), Some(expect)) = (&case.request, &case.expect) else {
            continue;
        };
        let bytes = match corpus::verified_bytes(case) {
            Ok(bytes) => bytes,
            Err(why) => {
                mismatches.push(why);
                continue;
            }
        };
        // A case that names no profile must get its answer in every profile.
        for profile in case.request.as_ref().expect("a wire case").profiles() {
            let outcome = case.receive_in(&bytes, profile).expect("a wire case");
            checked += 1;
            let answer = outcome.failure_answer();
            let named: Vec<&str> = answer
                .iter()
                .flat_map(|a| a.diagnostics.iter())
                .chain(&outcome.advisories)
                .map(|d| d.code.as_str())
                .collect();
            let got = corpus::Expect {
                status: outcome.status(),
                code: (outcome.vendor_code() != 0).then_some(outcome.vendor_code()),
                error: outcome.error_code().map(str::to_owned),
                diagnostic: expect
                    .diagnostic
                    .clone()
                    .filter(|d| named.contains(&d.as_str())),
            };
            if &got != expect {
                mismatches.push(format!(
                "{:>4} {:<50} want {} {:?} {:?} {:?}\n{:>55} got  {} {:?} {:?} named {:?} ({profile}): {}",
                case.id,
                case.file,
                expect.status,
                expect.code,
                expect.error,
                expect.diagnostic,
                "",
                got.status,
                got.code,
                got.error,
                named,
                outcome.message()
            ));
            }
        }
    }
    assert!(
        checked > 60,
        "only {checked} wire cases: is the manifest complete?"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {checked} wire cases differ from corpus/manifest.json:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The catalogue and the corpus cover each other: every error kind is some case's error, every
/// named mistake some case's diagnostic, and no case expects a code the catalogue lacks.
#[test]
fn every_catalogue_entry_has_a_corpus_case() {
    let manifest = corpus::manifest();
    let expects: Vec<&corpus::Expect> = manifest
        .cases
        .iter()
        .filter_map(|c| c.expect.as_ref())
        .collect();
    let errors: HashSet<&str> = expects.iter().filter_map(|e| e.error.as_deref()).collect();
    let mistakes: HashSet<&str> = expects
        .iter()
        .filter_map(|e| e.diagnostic.as_deref())
        .collect();
    let mut missing: Vec<&str> = ErrorKind::ALL
        .iter()
        .map(|k| k.code())
        .filter(|code| !errors.contains(code))
        .collect();
    missing.extend(
        Mistake::ALL
            .iter()
            .map(|m| m.code())
            .filter(|code| !mistakes.contains(code)),
    );
    assert!(missing.is_empty(), "no corpus case for {missing:?}");
    for code in &errors {
        assert!(
            ErrorKind::from_code(code).is_some(),
            "{code} is not in the catalogue"
        );
    }
    for code in &mistakes {
        let known = Mistake::from_code(code).is_some() || ErrorKind::from_code(code).is_some();
        assert!(known, "{code} is not in the catalogue");
    }
}

/// The catalogue entry of a diagnostic's code: an error kind's, a mistake's or a violation's.
fn entry_of(code: &str) -> Option<&'static Entry> {
    ErrorKind::from_code(code)
        .map(ErrorKind::entry)
        .or_else(|| Mistake::from_code(code).map(Mistake::entry))
        .or_else(|| ViolationKind::from_code(code).map(ViolationKind::entry))
}

/// Every message a detector, a stage or the schema writes, over every corpus case in every
/// profile, has the shape its catalogue entry states: the wording cannot drift from the catalogue.
#[test]
fn every_message_has_its_entrys_shape() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    let mut check = |case: &corpus::Case, code: &str, message: &str| {
        checked += 1;
        match entry_of(code) {
            Some(entry) if entry.admits(message) => {}
            Some(entry) => wrong.push(format!(
                "{:>4} {code}: {message:?} is not of the shape {:?}",
                case.id, entry.message
            )),
            None => wrong.push(format!("{:>4} {code} is not in the catalogue", case.id)),
        }
    };
    for case in corpus::manifest().cases {
        let bytes = corpus::bytes(&case);
        if let Some(request) = &case.request {
            for profile in request.profiles() {
                let outcome = case.receive_in(&bytes, profile).expect("a wire case");
                let answer = outcome.failure_answer();
                let diagnostics = answer.iter().flat_map(|a| a.diagnostics.iter());
                for d in diagnostics.chain(&outcome.advisories) {
                    check(&case, &d.code, &d.message);
                }
            }
        }
        let Ok(body) = sessionkit::json::parse(&bytes) else {
            continue;
        };
        for profile in Profile::ALL {
            let report = sessionkit::schema::validate(&body, profile);
            for v in report.errors.iter().chain(&report.warnings) {
                check(&case, v.code, &v.message);
            }
        }
    }
    assert!(
        checked > 300,
        "only {checked} messages: is the corpus complete?"
    );
    assert!(
        wrong.is_empty(),
        "{} messages:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// No failure answer of any wire case lists the same finding twice (code and pointer).
#[test]
fn no_answer_lists_a_code_twice() {
    for case in corpus::manifest().cases {
        let Some(outcome) = case.receive(&corpus::bytes(&case)) else {
            continue;
        };
        let Some(answer) = outcome.failure_answer() else {
            continue;
        };
        let mut seen = HashSet::new();
        for d in &answer.diagnostics {
            assert!(
                seen.insert((d.code.as_str(), d.pointer.as_str())),
                "case {} ({}) lists {} {} twice",
                case.id,
                case.file,
                d.code,
                d.pointer
            );
        }
    }
}

/// The documentation's tables of error kinds, named mistakes (README.md) and violations
/// (docs/validation.md) are the catalogue's, as it renders them. `SESSIONKIT_BLESS=1` rewrites
/// them in their files instead (never in CI).
#[test]
fn documented_tables_are_the_catalogue() {
    let bless = std::env::var_os("SESSIONKIT_BLESS").is_some();
    for (file, name, table) in [
        ("README.md", "errors", sessionkit::internal::errors_table()),
        (
            "README.md",
            "mistakes",
            sessionkit::internal::mistakes_table(),
        ),
        (
            "docs/validation.md",
            "violations",
            sessionkit::internal::violations_table(),
        ),
    ] {
        let path = corpus::repo_dir().join(file);
        let mut readme = std::fs::read_to_string(&path).unwrap();
        if readme.contains(&table) {
            continue;
        }
        assert!(
            bless,
            "{file} lacks the catalogue's {name} table; it should read (SESSIONKIT_BLESS=1 \
             writes it):\n{table}"
        );
        // The file's table starts with the same header and first row as the catalogue's.
        let head: String = table.lines().take(3).collect::<Vec<_>>().join("\n");
        let first_code = head
            .lines()
            .nth(2)
            .and_then(|l| l.split('|').nth(1))
            .unwrap();
        let start = readme
            .lines()
            .scan(0, |at, line| {
                let here = *at;
                *at += line.len() + 1;
                Some((here, line))
            })
            .find(|(_, line)| line.starts_with(&format!("|{first_code}|")))
            .map(|(at, _)| at)
            .and_then(|row| readme[..row].rfind("| code |"))
            .unwrap_or_else(|| panic!("{file} has no {name} table to rewrite"));
        let len: usize = readme[start..]
            .lines()
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.len() + 1)
            .sum();
        readme.replace_range(start..start + len, &table);
        std::fs::write(&path, readme).unwrap();
    }
}

/// Cases are recipes: rebuilt with the documentation's credentials, every wire case's header lines
/// are the recorded ones, byte for byte, so a runner can rebuild them for any other credentials.
#[test]
fn every_wire_case_rebuilds_from_its_recipe() {
    let secret = sessionkit::EXAMPLE_SHARED_SECRET.as_bytes();
    let read = |file: &str| {
        std::fs::read(corpus::corpus_dir().join(file)).map_err(|e| format!("{file}: {e}"))
    };
    let mut rebuilt = 0;
    for case in corpus::manifest().cases {
        let Some(request) = &case.request else {
            continue;
        };
        let wire = corpus::verified_bytes(&case).unwrap();
        let api_key = sessionkit::EXAMPLE_API_KEY;
        let secret = request.secret.as_ref().map_or(secret, |s| s.as_bytes());
        let headers = request.headers_for(api_key, secret, &wire, read).unwrap();
        assert_eq!(
            headers,
            request.headers(),
            "case {} ({})",
            case.id,
            case.file
        );
        // With other credentials, the signature lines change and the key follows the target.
        let other = request
            .headers_for("their-key", b"their-secret", &wire, read)
            .unwrap();
        if request
            .sign
            .as_ref()
            .is_some_and(|s| s.literal.is_none() && s.secret.is_none())
        {
            assert_ne!(
                other, headers,
                "case {} ignores the target's secret",
                case.id
            );
        }
        rebuilt += 1;
    }
    assert!(rebuilt > 70, "{rebuilt} wire cases");
}

/// Every wire case's curl command, run by a real curl against a raw listener, sends exactly the
/// case's header lines (in order, empty values and absent Content-Type included) and its bytes:
/// a reproduction that is not the request would replay as something else.
#[test]
fn every_curl_sends_the_exact_request() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = std::env::temp_dir().join(format!("sessionkit-curl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = sessionkit::EXAMPLE_SHARED_SECRET.as_bytes();
    let read = |file: &str| {
        std::fs::read(corpus::corpus_dir().join(file)).map_err(|e| format!("{file}: {e}"))
    };
    let mut checked = 0;
    let mut wrong = Vec::new();
    for case in corpus::manifest().cases {
        let Some(request) = &case.request else {
            continue;
        };
        let body = corpus::verified_bytes(&case).unwrap();
        let api_key = sessionkit::EXAMPLE_API_KEY;
        let secret = request.secret.as_ref().map_or(secret, |s| s.as_bytes());
        let headers = request.headers_for(api_key, secret, &body, read).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/sessions", listener.local_addr().unwrap());
        let file = dir.join(format!("{}.bin", case.id));
        std::fs::write(&file, &body).unwrap();
        let curl = sessionkit::curl_command(&headers, &url, &file.display().to_string());
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end_matches("\r\n").to_owned();
                if line.is_empty() {
                    break;
                }
                lines.push(line);
            }
            let length: usize = lines
                .iter()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .map_or(0, |n| n.parse().unwrap());
            let mut sent = vec![0; length];
            reader.read_exact(&mut sent).unwrap();
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
            (lines, sent)
        });
        let out = std::process::Command::new("sh")
            .args(["-c", &curl])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{curl}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (lines, sent) = server.join().unwrap();
        // The request line, Host and Content-Length are HTTP/1.1's; the rest must be the case's.
        let got: Vec<&str> = lines[1..]
            .iter()
            .map(String::as_str)
            .filter(|l| !l.starts_with("Host: ") && !l.starts_with("Content-Length: "))
            .collect();
        // As the raw client writes them: an empty value as `Name:`.
        let want: Vec<String> = headers
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    format!("{n}:")
                } else {
                    format!("{n}: {v}")
                }
            })
            .collect();
        if got != want.iter().map(String::as_str).collect::<Vec<_>>() || sent != body {
            wrong.push(format!(
                "{} {}: sent {got:?}, {} bytes; the case is {want:?}, {} bytes\n  {curl}",
                case.id,
                case.file,
                sent.len(),
                body.len()
            ));
        }
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(checked > 60, "only {checked} wire cases");
    assert!(
        wrong.is_empty(),
        "{} curls:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The Python, Node.js and Go blocks of the README and docs/ are copied from files CI runs: every
/// line of a block that names its file in its first line is a line of that file.
#[test]
fn readme_code_blocks_are_from_files_ci_runs() {
    let root = corpus::repo_dir();
    let mut pages = vec![root.join("README.md")];
    let docs = std::fs::read_dir(root.join("docs")).unwrap();
    pages.extend(
        docs.map(|e| e.unwrap().path())
            .filter(|p| p.extension() == Some("md".as_ref())),
    );
    let mut checked = 0;
    for page in &pages {
        let readme = std::fs::read_to_string(page).unwrap();
        for block in readme.split("```").skip(1).step_by(2) {
            let mut lines = block.lines().skip(1); // the fence's language
            let Some(first) = lines.next() else { continue };
            let named = first
                .strip_prefix("// ")
                .or_else(|| first.strip_prefix("# "));
            let Some(file) = named.filter(|f| f.contains('/') && !f.contains(' ')) else {
                continue;
            };
            let text = std::fs::read_to_string(root.join(file))
                .unwrap_or_else(|e| panic!("{} names {file}: {e}", page.display()));
            for line in lines.filter(|l| !l.trim().is_empty()) {
                assert!(
                    text.lines().any(|l| l == line),
                    "{}'s block from {file} has a line the file lacks: {line:?}",
                    page.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} blocks name their file");
}

/// Every hint and named mistake the READMEs and docs/ quote is the catalogue's own words (a
/// quote that drifted from what the tools print sends a reader looking for the wrong text).
#[test]
fn quoted_hints_and_mistakes_are_the_catalogues() {
    let root = corpus::repo_dir();
    let mut pages: Vec<std::path::PathBuf> = ["README.md", "python/README.md", "go/README.md"]
        .iter()
        .map(|p| root.join(p))
        .collect();
    for dir in ["docs", "npm/sessionkit"] {
        let entries = std::fs::read_dir(root.join(dir)).unwrap();
        pages.extend(
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension() == Some("md".as_ref())),
        );
    }
    let entries: Vec<&sessionkit::Entry> = sessionkit::Mistake::ALL
        .iter()
        .map(|m| m.entry())
        .chain(sessionkit::ErrorKind::ALL.iter().map(|k| k.entry()))
        .collect();
    let mut checked = 0;
    for page in pages.iter().filter(|p| p.exists()) {
        let text = std::fs::read_to_string(page).unwrap();
        for line in text.lines() {
            if let Some((_, hint)) = line.split_once("hint: ") {
                let hint = hint.trim_end_matches(['`', ' ']);
                assert!(
                    entries.iter().any(|e| e.hint == hint),
                    "{}: the hint {hint:?} is no catalogue entry's",
                    page.display()
                );
                checked += 1;
            }
            if let Some((_, rest)) = line.split_once("mistake[") {
                let Some((code, message)) = rest.split_once("]: ") else {
                    continue;
                };
                let entry = entries.iter().find(|e| e.code == code);
                let entry =
                    entry.unwrap_or_else(|| panic!("{}: no mistake {code}", page.display()));
                // A message shape's fixed words up to its first varying part.
                let fixed = entry.message.split('{').next().unwrap_or_default();
                assert!(
                    message.starts_with(fixed),
                    "{}: mistake[{code}] quoted as {message:?}, printed as {:?}",
                    page.display(),
                    entry.message
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "only {checked} quotes found");
}

/// The manifest's types write what they read: `corpus/manifest.json` read and written again is
/// the same JSON, a `null` member being an absent one (what `fuzz --out` and `check --promote`
/// write through them is the corpus's own format, every member kept).
#[test]
fn the_manifest_types_write_what_they_read() {
    fn without_nulls(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) => map
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
            Value::Array(items) => items.into_iter().map(without_nulls).collect(),
            other => other,
        }
    }
    let path = corpus::corpus_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let read = sessionkit::corpus::Manifest::from_json(&text).unwrap();
    let original = without_nulls(serde_json::from_str(&text).unwrap());
    let written = without_nulls(serde_json::from_str(&read.to_json()).unwrap());
    let (original, written) = (&original["cases"], &written["cases"]);
    for (a, b) in original
        .as_array()
        .unwrap()
        .iter()
        .zip(written.as_array().unwrap())
    {
        assert_eq!(a, b, "case {} written differently", a["id"]);
    }
    assert_eq!(original, written);
}

/// A violation names the part of its constraint a value breaks where the corpus grades parts of
/// one constraint at different levels: the judge reads a captured request's level from it.
#[test]
fn violations_name_the_part_of_the_constraint_broken() {
    use sessionkit::Facet;
    let facet = |verification: serde_json::Value, profile: Profile| {
        let body = serde_json::json!({ "verification": verification });
        let errors = sessionkit::schema::validate(&body, profile).errors;
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].facet
    };
    let timestamp =
        |t: &str| serde_json::json!({"consents": [{"type": "general", "timestamp": t}]});
    let doc = Profile::Documented;
    let on_no_calendar = Some(Facet::NotOnTheCalendar);
    let date = |d: &str| serde_json::json!({"person": {"dateOfBirth": d}});
    assert_eq!(facet(date("1990-02-30"), doc), on_no_calendar);
    assert_eq!(facet(date("1900-02-29"), doc), on_no_calendar);
    assert_eq!(facet(date("01/01/1990"), doc), None);
    assert_eq!(
        facet(date("0000-01-01"), Profile::Strict),
        Some(Facet::YearZero)
    );
    assert_eq!(facet(date("1990-01-01T00:00:00"), doc), None);
    assert_eq!(
        facet(timestamp("2026-02-30T10:00:00Z"), doc),
        on_no_calendar
    );
    assert_eq!(
        facet(timestamp("2026-05-07T24:00:00.5Z"), doc),
        on_no_calendar
    );
    assert_eq!(
        facet(timestamp("2026-05-07 08:00:00Z"), doc),
        Some(Facet::SpaceForT)
    );
    assert_eq!(facet(timestamp("2026-05-07T10:00:00+02:00"), doc), None);
    assert_eq!(
        facet(timestamp("2024-02-29T23:59:60Z"), Profile::Strict),
        Some(Facet::LeapSecond)
    );
    let number = |n: &str| serde_json::json!({"document": {"number": n}});
    assert_eq!(facet(number(""), doc), Some(Facet::Empty));
    assert_eq!(facet(number("A-1"), doc), None);
    let vendor_data = |v: serde_json::Value| serde_json::json!({ "vendorData": v });
    assert_eq!(
        facet(vendor_data(serde_json::json!(12345)), Profile::Strict),
        Some(Facet::Integer)
    );
    assert_eq!(facet(vendor_data(serde_json::json!(1.5)), doc), None);
}
