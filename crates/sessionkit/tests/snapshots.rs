//! Snapshots of outputs and error renderings, so that any change of wording is reviewed.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use sessionkit::Profile;
use sessionkit::model::SessionRequest;

/// The compact serialization of each seed example, through the typed model.
#[test]
fn seed_examples_serialize_compactly() {
    insta::glob!("../../../corpus", "schema/seed/*.json", |path| {
        let request: SessionRequest =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        insta::assert_snapshot!(String::from_utf8(request.to_json_bytes()).unwrap());
    });
}

/// The rendered validation report of each hand-written corpus body, in both profiles.
#[test]
fn validation_reports_render() {
    insta::glob!("../../../corpus", "schema/hand/*.json", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let rendered: String = Profile::ALL
            .into_iter()
            .map(|profile| sessionkit::schema::check_body(&name, &bytes, profile).render(profile))
            .collect();
        insta::assert_snapshot!(rendered);
    });
}

/// The rendered outcome of every wire-level corpus case, and its failure answer body.
#[test]
fn wire_outcomes_render() {
    for case in sessionkit_testkit::corpus::manifest().cases {
        let Some(outcome) = case.receive(&sessionkit_testkit::corpus::bytes(&case)) else {
            continue;
        };
        let answer = outcome
            .failure_answer()
            .map(|a| serde_json::to_string_pretty(&a).unwrap())
            .unwrap_or_default();
        let name = case
            .file
            .replace('/', "__")
            .trim_end_matches(".bin")
            .to_owned();
        insta::assert_snapshot!(
            format!("wire_{:03}_{name}", case.id),
            format!("{}\n{answer}", outcome.render())
        );
    }
}
