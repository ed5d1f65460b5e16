//! The `sessionkit` binary end to end: exit codes, output formats, standard input.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn corpus(path: &str) -> String {
    format!("{}/../../corpus/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn sessionkit(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessionkit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn validate_accepts_every_seed_example() {
    let files: Vec<String> = std::fs::read_dir(corpus("schema/seed"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    assert!(files.len() > 20);
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = sessionkit(&args, None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.ends_with(": valid (documented profile)"))
            .count(),
        files.len()
    );
}

#[test]
fn validate_json_lists_every_error_in_file_order() {
    let typo = corpus("schema/hand/person-firstname-typo.json");
    let several = corpus("schema/hand/several-errors-at-once.json");
    let out = sessionkit(
        &[
            "validate",
            "--format",
            "json",
            "--profile",
            "strict",
            &typo,
            &several,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, [typo.as_str(), several.as_str()]);
    assert_eq!(
        report[0]["errors"][0]["pointer"],
        "/verification/person/firstname"
    );
    assert_eq!(report[0]["errors"][0]["code"], "unknown_property");
    let pointers: Vec<&str> = report[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/verification/tag",
            "/verification/person/dateOfBirth",
            "/verification/document/country",
            "/verification/document/number"
        ]
    );
}

#[test]
fn validate_reads_standard_input_and_names_lines() {
    let out = sessionkit(
        &["validate", "-"],
        Some(b"{\n\"verification\": {\n\"tag\": 7\n}\n}"),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("<stdin>:3: error[wrong_type] /verification/tag"),
        "{stdout}"
    );
}

#[test]
fn validate_exits_2_on_io_and_usage_errors() {
    let out = sessionkit(&["validate", "/nonexistent/body.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/body.json"));
    let out = sessionkit(&["validate", "--profile", "lenient", "x.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile"));
}
