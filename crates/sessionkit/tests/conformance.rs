//! Runs every case of `corpus/manifest.json` and reports all mismatches at once, in one table.

use std::collections::BTreeSet;

use sessionkit::json;
use sessionkit::schema::{self, Profile};
use sessionkit_testkit::corpus::{self, Finding};
use sha2::{Digest, Sha256};

fn findings(list: &[schema::Violation]) -> BTreeSet<Finding> {
    list.iter()
        .map(|v| Finding {
            pointer: v.pointer.clone(),
            code: v.code.to_owned(),
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
        let bytes = case.bytes();
        let digest = format!("{:x}", Sha256::digest(&bytes));
        if digest != case.sha256 {
            mismatches.push(format!(
                "{:>4} {:<50} sha256 differs from the manifest",
                case.id, case.file
            ));
            continue;
        }
        let body = match json::parse(&bytes) {
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
            let report = schema::validate(&body, profile);
            checked += 1;
            let valid = if report.is_valid() {
                "valid"
            } else {
                "invalid"
            };
            let want_errors: BTreeSet<Finding> = verdict.errors.iter().cloned().collect();
            let want_warnings: BTreeSet<Finding> = verdict.warnings.iter().cloned().collect();
            let (got_errors, got_warnings) = (findings(&report.errors), findings(&report.warnings));
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
