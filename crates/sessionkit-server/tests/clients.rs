//! The documentation's own client examples (`docs/examples/`), run as written but for where they send: its Python
//! example (`requests`, gzip) and its Node.js example (`https`, gzip) against the reference
//! server; then the same code altered to make each documented common mistake, and the real-world
//! mistakes the signature doctor names, made with Python, Node.js and curl themselves.
//!
//! The Node.js example speaks HTTPS to a fixed host; the reference server is plain HTTP on
//! loopback, so `https` becomes `http` and a port is added. Nothing else is changed.
#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::process::Command;

use sessionkit_testkit::examples::{example, node_example, python_example, replace};

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the documentation"))
        + start.len();
    let to = from
        + text[from..]
            .find(end)
            .unwrap_or_else(|| panic!("{end:?} not in the documentation"));
    &text[from..to]
}

/// The fixtures are the documentation's examples byte for byte. The documentation is not part of
/// the repository: this comparison runs when `SESSIONKIT_API_DOC` names its text file, and is
/// skipped with a printed reason otherwise.
#[test]
fn examples_match_the_documentation() {
    let Some(path) = std::env::var_os("SESSIONKIT_API_DOC") else {
        println!(
            "skipped: SESSIONKIT_API_DOC is not set, so docs/examples/ cannot be compared with \
             the documentation (set it to the documentation's text file to compare)"
        );
        return;
    };
    let doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("SESSIONKIT_API_DOC={}: {e}", path.to_string_lossy()));
    assert_eq!(
        example("python-example.py"),
        between(&doc, "Python\n", "Node.js\n"),
        "docs/examples/python-example.py differs from the documentation"
    );
    assert_eq!(
        example("node-example.js"),
        between(&doc, "Node.js\n", "Common mistakes"),
        "docs/examples/node-example.js differs from the documentation"
    );
}

fn run(program: &str, flag: &str, code: &str) -> String {
    let out = Command::new(program)
        .arg(flag)
        .arg(code)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (.ci/run installs it): {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} failed: {stderr}\n{code}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn python_example_gets_201() {
    let server = sessionkit_testkit::server::default_settings();
    let printed = run("python3", "-c", &python_example(&server.url));
    assert!(printed.starts_with("201 {'status': 'success'"), "{printed}");
}

#[test]
fn node_example_gets_201() {
    let server = sessionkit_testkit::server::default_settings();
    let port = server.url.rsplit(':').next().unwrap().parse().unwrap();
    let printed = run("node", "-e", &node_example(port));
    assert!(printed.starts_with("201 {"), "{printed}");
    assert!(printed.contains("\"status\":\"success\""), "{printed}");
}

#[test]
fn python_example_mistakes_are_named() {
    let server = sessionkit_testkit::server::default_settings();
    let example = python_example(&server.url);
    let mistakes: Vec<(&str, String, &str, &str)> = vec![
        (
            "sign after compressing",
            sessionkit_testkit::examples::python_signing_compressed(&example),
            "401",
            "signed_compressed_bytes",
        ),
        (
            "json= re-serialization, no compression",
            replace(
                &example,
                "data=compressed, # raw bytes, not json=",
                "json=payload,",
            )
            .replacen("\"Content-Encoding\": \"gzip\",", "", 1),
            "401",
            "signed_other_serialization",
        ),
        (
            "json= with Content-Encoding: gzip",
            replace(
                &example,
                "data=compressed, # raw bytes, not json=",
                "json=payload,",
            ),
            "400",
            "encoding_mismatch",
        ),
        (
            "Content-Encoding: gzip, deflate",
            replace(
                &example,
                "\"Content-Encoding\": \"gzip\",",
                "\"Content-Encoding\": \"gzip, deflate\",",
            ),
            "415",
            "unsupported_encoding",
        ),
        (
            "encoding mismatch: gzip declared, deflate sent",
            replace(
                &example,
                "compressed = gzip.compress(payload_bytes)",
                "import zlib\ncompressed = zlib.compress(payload_bytes)",
            ),
            "400",
            "encoding_mismatch",
        ),
    ];
    assert_each_named(mistakes);
}

/// The real-world mistakes behind a 401 or 400, made with the documentation's own Python client
/// (`requests`) the way integrators make them; the answer names each.
#[test]
fn python_example_doctor_mistakes_are_named() {
    let server = sessionkit_testkit::server::default_settings();
    let example = python_example(&server.url);
    let key_line = "SHARED_SECRET.encode(\"utf-8\"),";
    let sign_line = "payload_bytes,\nhashlib.sha256,";
    let signature_header = "\"X-HMAC-SIGNATURE\": signature,";
    let latin1 = replace(
        &replace(
            &replace(
                &example,
                "\"vendorData\": \"customer-123\",",
                "\"vendorData\": \"cliente-João\",",
            ),
            "separators=(\",\", \":\"))",
            "separators=(\",\", \":\"), ensure_ascii=False)",
        ),
        sign_line,
        "payload_bytes.decode().encode(\"latin-1\"),\nhashlib.sha256,",
    );
    let mistakes: Vec<(&str, String, &str, &str)> = vec![
        (
            "the secret read from a file keeps its newline",
            replace(
                &example,
                key_line,
                "(SHARED_SECRET + \"\\n\").encode(\"utf-8\"),",
            ),
            "401",
            "secret_whitespace",
        ),
        (
            "json=json.dumps(payload): encoded twice",
            replace(
                &example,
                "data=compressed, # raw bytes, not json=",
                "json=json.dumps(payload),",
            )
            .replacen("\"Content-Encoding\": \"gzip\",", "", 1),
            "401",
            "json_encoded_twice",
        ),
        (
            "a UTF-8 byte order mark sent before the signed JSON",
            replace(
                &example,
                "compressed = gzip.compress(payload_bytes)",
                "compressed = gzip.compress(b\"\\xef\\xbb\\xbf\" + payload_bytes)",
            ),
            "401",
            "byte_order_mark",
        ),
        (
            "signed as Latin-1, sent as UTF-8",
            latin1,
            "401",
            "signed_other_text_encoding",
        ),
        (
            "HMAC-SHA512",
            replace(&example, sign_line, "payload_bytes,\nhashlib.sha512,"),
            "401",
            "wrong_algorithm",
        ),
        (
            "openssl's (stdin)= output pasted",
            replace(
                &example,
                signature_header,
                "\"X-HMAC-SIGNATURE\": \"(stdin)= \" + signature,",
            ),
            "401",
            "signature_tool_output",
        ),
    ];
    assert_each_named(mistakes);
    // A hex-looking secret used hex-decoded (bytes.fromhex), against a server with such a secret.
    let secret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let mut settings = sessionkit_server::Settings::default();
    settings.receive.secrets = vec![secret.as_bytes().to_vec()];
    let hex_server = sessionkit_testkit::server::start(settings);
    let code = replace(
        &replace(
            &python_example(&hex_server.url),
            "SHARED_SECRET = \"your-shared-secret\"",
            &format!("SHARED_SECRET = \"{secret}\""),
        ),
        key_line,
        "bytes.fromhex(SHARED_SECRET),",
    );
    assert_each_named(vec![(
        "bytes.fromhex(secret)",
        code,
        "401",
        "secret_decoded",
    )]);
}

/// The same real-world mistakes made with the documentation's Node.js client (`crypto`, `zlib`,
/// `http`), the way its users make them; the answer names each.
#[test]
fn node_example_doctor_mistakes_are_named() {
    let server = sessionkit_testkit::server::default_settings();
    let port = server.url.rsplit(':').next().unwrap().parse().unwrap();
    let example = node_example(port);
    let hmac = ".createHmac('sha256', SHARED_SECRET)";
    let signed = ".update(payloadBytes)";
    let gzipped = "zlib.gzipSync(payloadBytes)";
    let latin1 = replace(
        &replace(
            &example,
            "vendorData: 'customer-123'",
            "vendorData: 'cliente-João'",
        ),
        signed,
        ".update(Buffer.from(JSON.stringify(payload), 'latin1'))",
    );
    let mistakes: Vec<(&str, String, &str, &str)> = vec![
        (
            "the secret read with fs.readFileSync keeps its newline",
            replace(
                &example,
                hmac,
                ".createHmac('sha256', SHARED_SECRET + '\\n')",
            ),
            "401",
            "secret_whitespace",
        ),
        (
            "JSON.stringify of the JSON text: encoded twice",
            replace(
                &example,
                gzipped,
                "zlib.gzipSync(Buffer.from(JSON.stringify(payloadBytes.toString())))",
            ),
            "401",
            "json_encoded_twice",
        ),
        (
            "a UTF-8 byte order mark before the signed JSON",
            replace(
                &example,
                gzipped,
                "zlib.gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), payloadBytes]))",
            ),
            "401",
            "byte_order_mark",
        ),
        (
            "signed as Latin-1 (Buffer.from(text, 'latin1')), sent as UTF-8",
            latin1,
            "401",
            "signed_other_text_encoding",
        ),
        (
            "HMAC-SHA512",
            replace(&example, hmac, ".createHmac('sha512', SHARED_SECRET)"),
            "401",
            "wrong_algorithm",
        ),
        (
            "openssl's (stdin)= output pasted",
            replace(
                &example,
                "'X-HMAC-SIGNATURE': signature,",
                "'X-HMAC-SIGNATURE': '(stdin)= ' + signature,",
            ),
            "401",
            "signature_tool_output",
        ),
        (
            "signed the gzip bytes",
            replace(&example, signed, ".update(zlib.gzipSync(payloadBytes))"),
            "401",
            "signed_compressed_bytes",
        ),
    ];
    assert_each_named_by("node", mistakes);
    // A hex-looking secret used hex-decoded (Buffer.from(secret, 'hex')).
    let secret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let mut settings = sessionkit_server::Settings::default();
    settings.receive.secrets = vec![secret.as_bytes().to_vec()];
    let hex_server = sessionkit_testkit::server::start(settings);
    let hex_port = hex_server.url.rsplit(':').next().unwrap().parse().unwrap();
    let code = replace(
        &replace(
            &node_example(hex_port),
            "const SHARED_SECRET = 'your-shared-secret';",
            &format!("const SHARED_SECRET = '{secret}';"),
        ),
        hmac,
        ".createHmac('sha256', Buffer.from(SHARED_SECRET, 'hex'))",
    );
    assert_each_named_by(
        "node",
        vec![("Buffer.from(secret, 'hex')", code, "401", "secret_decoded")],
    );
}

/// Runs each altered Python example and checks the status it prints and the mistake its answer
/// names.
fn assert_each_named(mistakes: Vec<(&str, String, &str, &str)>) {
    assert_each_named_by("python3", mistakes);
}

/// Runs each altered example with `program` (`python3` or `node`); Python prints the answer as a
/// dict, Node as the JSON text.
fn assert_each_named_by(program: &str, mistakes: Vec<(&str, String, &str, &str)>) {
    let flag = if program == "node" { "-e" } else { "-c" };
    for (name, code, status, diagnostic) in mistakes {
        let printed = run(program, flag, &code);
        assert!(printed.starts_with(status), "{name}: {printed}");
        let named = if program == "node" {
            format!("\"code\":\"{diagnostic}\"")
        } else {
            format!("'code': '{diagnostic}'")
        };
        assert!(printed.contains(&named), "{name}: {printed}");
    }
}

/// curl's own behaviour, run for real: `-d @file` strips the file's newlines (the file was
/// signed), and `echo "$BODY" | curl --data-binary @-` adds one (the variable was signed).
#[test]
fn curl_mistakes_are_named() {
    let server = sessionkit_testkit::server::default_settings();
    let dir = std::env::temp_dir().join(format!("sessionkit-curl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pretty = "{\n  \"verification\": {\n    \"vendorData\": \"customer-123\"\n  }\n}";
    let file = dir.join("body.json");
    std::fs::write(&file, pretty).unwrap();
    let signature = sessionkit::crypto::sign(b"your-shared-secret", pretty.as_bytes());
    let curl = format!(
        "curl -s -w ' %{{http_code}}' -H 'X-AUTH-CLIENT: your-api-key' -H 'X-HMAC-SIGNATURE: {signature}' \
         -H 'Content-Type: application/json' {}/v1/sessions",
        server.url
    );
    for (name, script, diagnostic) in [
        (
            "curl -d @body.json",
            format!("{curl} -d @{}", file.display()),
            "newlines_stripped",
        ),
        (
            "echo \"$BODY\" | curl --data-binary @-",
            format!(
                "BODY=\"$(cat {})\"; echo \"$BODY\" | {curl} --data-binary @-",
                file.display()
            ),
            "body_newline",
        ),
    ] {
        let printed = run("sh", "-c", &script);
        assert!(printed.ends_with(" 401"), "{name}: {printed}");
        assert!(
            printed.contains(&format!("\"code\":\"{diagnostic}\"")),
            "{name}: {printed}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
