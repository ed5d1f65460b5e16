//! Shrinking a finding to the smallest input that still shows it (same group: stage, expected,
//! got), and writing it out as a corpus case.

use std::path::Path;

use serde_json::{Value, json};
use sessionkit::codec::Encoding;
use sha2::{Digest, Sha256};

use super::generate::{self, Credentials, Input, Mutation, SignMistake};
use super::oracle::{Finding, Run};
use crate::Error;

/// The error of writing `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error(format!("cannot write {}: {e}", path.display()))
}

/// Requests one shrink may send.
const ATTEMPTS: usize = 400;

/// Shrinks `finding` in place: its input becomes the smallest found that still shows its group.
/// No attempt starts after `deadline`: against a server that stalls, each attempt can take the
/// whole answer timeout, and a run must end.
pub(super) fn shrink(run: &Run, finding: &mut Finding, deadline: std::time::Instant) {
    let group = finding.group.clone();
    let mut attempts = 0;
    let mut still = |input: &Input| -> Option<Finding> {
        if attempts >= ATTEMPTS || std::time::Instant::now() >= deadline {
            return None;
        }
        attempts += 1;
        run.judge(finding.case, input).filter(|f| f.group == group)
    };
    let mut best = finding.clone();
    loop {
        let now = generate::weight(&best.input);
        let better = candidates(&best.input)
            .into_iter()
            .filter(|c| generate::weight(c) < now)
            .find_map(|c| still(&c));
        match better {
            Some(found) => best = found,
            None => break,
        }
    }
    best.shrunk_bytes = Some(generate::build(&best.input, &run.credentials).body.len());
    // The shrunk request stands for the one seen, when it was seen.
    (best.case, best.seconds) = (finding.case, finding.seconds);
    *finding = best;
}

/// Simpler inputs than `input`, most promising first.
fn candidates(input: &Input) -> Vec<Input> {
    let mut out = Vec::new();
    let with = |f: &dyn Fn(&mut Input)| {
        let mut c = input.clone();
        f(&mut c);
        c
    };
    if input.encoding != Encoding::Identity {
        out.push(with(&|c| c.encoding = Encoding::Identity));
    }
    if input.spelling != super::generate::Spelling::Documented {
        out.push(with(&|c| {
            c.spelling = super::generate::Spelling::Documented
        }));
    }
    // The mutation's own value: shorter strings, fewer members, smaller sizes.
    match &input.mutation {
        Mutation::Set(pointer, Value::String(s)) => {
            let chars: Vec<char> = s.chars().collect();
            for cut in [chars.len() / 2, chars.len() / 4, chars.len() / 8, 16, 4, 1] {
                if cut == 0 || cut > chars.len() {
                    continue;
                }
                for start in [0, chars.len() - cut] {
                    let shorter: String =
                        chars[..start].iter().chain(&chars[start + cut..]).collect();
                    out.push(with(&|c| {
                        c.mutation = Mutation::Set(pointer.clone(), Value::String(shorter.clone()))
                    }));
                }
            }
        }
        Mutation::Members(n) if *n > 2 => {
            out.push(with(&|c| c.mutation = Mutation::Members(n - 1)))
        }
        Mutation::Size(n) => {
            for smaller in [
                n / 2,
                n * 3 / 4,
                n * 7 / 8,
                n * 15 / 16,
                n * 31 / 32,
                // Halving can bring a size below 1 KiB: wrapped, it would ask for an 18 EB body.
                n.saturating_sub(1024),
            ] {
                out.push(with(&|c| c.mutation = Mutation::Size(smaller)));
            }
        }
        _ => {}
    }
    // The payload: members removed, strings shortened.
    if let Some(verification) = input.payload["verification"].as_object() {
        for key in verification.keys() {
            out.push(with(&|c| {
                if let Some(v) = c.payload["verification"].as_object_mut() {
                    v.remove(key);
                }
            }));
        }
        for (key, value) in verification {
            if let Some(inner) = value.as_object() {
                for inner_key in inner.keys() {
                    out.push(with(&|c| {
                        if let Some(v) = c.payload["verification"][key].as_object_mut() {
                            v.remove(inner_key);
                        }
                    }));
                }
            }
        }
    }
    let mut halved = input.payload.clone();
    if halve_strings(&mut halved) {
        out.push(with(&|c| c.payload = halved.clone()));
    }
    out
}

/// Halves every string longer than 8 characters; false when there was none.
fn halve_strings(value: &mut Value) -> bool {
    match value {
        Value::String(s) if s.chars().count() > 8 => {
            *s = s.chars().take(s.chars().count() / 2).collect();
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| halve_strings(v) | any),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |any, v| halve_strings(v) | any),
        _ => false,
    }
}

/// Writes the finding as a corpus case below `dir`: `finding-N.bin` (the wire bytes), the signed
/// bytes when they differ, an entry in `dir/manifest.json` (the corpus's format: header lines with
/// the documentation's credentials and a signing recipe, so `conform` rebuilds it for any
/// server) and `finding-N.curl` (the request as sent to the target).
pub(super) fn write(run: &Run, finding: &mut Finding, dir: &Path, n: usize) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let documented = Credentials {
        api_key: sessionkit::EXAMPLE_API_KEY.into(),
        secret: sessionkit::EXAMPLE_SHARED_SECRET.into(),
    };
    let as_documented = generate::build(&finding.input, &documented);
    let as_sent = generate::build(&finding.input, &run.credentials);
    let file = format!("finding-{n}.bin");
    let path = dir.join(&file);
    std::fs::write(&path, &as_sent.body).map_err(io(&path))?;
    let hex = |bytes: &[u8]| format!("{:x}", Sha256::digest(bytes));
    let mut sign = match &as_documented.signed {
        Some(signed) if *signed == as_documented.body => {
            json!({"bytes": "wire", "sha256": hex(signed), "form": "hex"})
        }
        Some(signed) => {
            let signed_file = format!("finding-{n}.signed.bin");
            let signed_path = dir.join(&signed_file);
            std::fs::write(&signed_path, signed).map_err(io(&signed_path))?;
            json!({"bytes": signed_file, "sha256": hex(signed), "form": "hex"})
        }
        None => Value::Null,
    };
    // A signature not made as an HMAC of bytes with the secret is recorded as it was sent.
    if let (Mutation::Sign(mistake), None) = (&finding.input.mutation, &as_documented.signed) {
        let literal = as_documented
            .headers
            .get_one("x-hmac-signature")
            .map(str::to_owned);
        sign = match mistake {
            // No X-HMAC-SIGNATURE line: the header lines are the whole story.
            SignMistake::Missing | SignMistake::OtherHeader => Value::Null,
            _ => json!({"literal": literal}),
        };
    }
    let mut request = json!({
        "headers": as_documented.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "profile": run.config.profile.name(),
    });
    if !sign.is_null() {
        request["sign"] = sign;
    }
    let mut expect = json!({"status": finding.expected.status});
    if let Some(code) = finding.expected.codes.first() {
        expect["code"] = json!(code);
    }
    if let Some(error) = finding.expected.error {
        expect["error"] = json!(error);
    }
    let entry = json!({
        "id": 9000 + n,
        "file": file,
        "source": format!("sessionkit fuzz --seed {} (case {}, shrunk): {}", run.seed, finding.case, finding.what),
        "sha256": hex(&as_sent.body),
        "result": if finding.expected.status == 201 { "valid" } else { "invalid" },
        "request": request,
        "expect": expect,
        // The finding's level and source: the replay grades it as the run did.
        "level": finding.level,
        "rule": finding.rule,
        "reference": finding.reference,
    });
    let manifest_path = dir.join("manifest.json");
    let mut manifest: Value = std::fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .filter(|m: &Value| m["cases"].is_array())
        .unwrap_or_else(|| json!({"description": "findings of sessionkit fuzz, in the corpus format", "cases": []}));
    if let Some(cases) = manifest["cases"].as_array_mut() {
        cases.retain(|c| c["file"] != file.as_str());
        cases.push(entry);
    }
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error(e.to_string()))?;
    std::fs::write(&manifest_path, text + "\n").map_err(io(&manifest_path))?;
    let curl = sessionkit::curl_command(&as_sent.headers, &run.url, &path.display().to_string());
    let curl_path = dir.join(format!("finding-{n}.curl"));
    std::fs::write(&curl_path, format!("{curl}\n")).map_err(io(&curl_path))?;
    finding.curl = Some(curl);
    finding.file = Some(path.display().to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A size halved below 1 KiB is shrunk further, never wrapped around to a huge one.
    #[test]
    fn size_candidates_only_get_smaller() {
        for size in [0, 1, 700, 1024, 1500, 400 * 1024] {
            let input = Input {
                payload: json!({"verification": {}}),
                encoding: Encoding::Identity,
                mutation: Mutation::Size(size),
                spelling: super::generate::Spelling::Documented,
            };
            for candidate in candidates(&input) {
                if let Mutation::Size(smaller) = candidate.mutation {
                    assert!(smaller <= size, "{smaller} from {size}");
                }
            }
        }
    }
}
