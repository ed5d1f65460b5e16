//! The documentation's own client examples (`docs/examples/`), pointed at a test server and
//! otherwise run as written, and the one way they are altered: a text replaced that must be there.

/// A client example of the documentation, as `docs/examples/` keeps it.
pub fn example(file: &str) -> String {
    let path = format!("{}/../../docs/examples/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// `code` with the first `from` replaced by `to`; panics when the example has no `from` (the
/// documentation changed, and the test must be looked at).
pub fn replace(code: &str, from: &str, to: &str) -> String {
    assert!(
        code.contains(from),
        "{from:?} not found in the example:\n{code}"
    );
    code.replacen(from, to, 1)
}

/// The Python example (`requests`, gzip), sending to `url` (`http://HOST:PORT`).
pub fn python_example(url: &str) -> String {
    let code = example("python-example.py");
    let code = replace(
        &code,
        "\"https://stationapi.veriff.com\"",
        &format!("{url:?}"),
    );
    // The example ends with `print(...)` glued to the next heading; keep the code only.
    code.trim_end().to_owned() + "\n"
}

/// The Node.js example (`https`, gzip), sending to `127.0.0.1:port` over plain HTTP: `https`
/// becomes `http` and a port is added, nothing else changes.
pub fn node_example(port: u16) -> String {
    let code = example("node-example.js");
    let code = replace(&code, "require('https')", "require('http')");
    let code = replace(&code, "https.request(", "http.request(");
    let code = replace(&code, "'stationapi.veriff.com'", "'127.0.0.1'");
    replace(
        &code,
        "hostname: BASE_URL,",
        &format!("hostname: BASE_URL, port: {port},"),
    )
}

/// The Python example with the documentation's first common mistake written in: the body
/// compressed before it is signed, and the compressed bytes signed (answered 401,
/// `signed_compressed_bytes`).
pub fn python_signing_compressed(example: &str) -> String {
    let compressed_first = replace(
        example,
        "# Step 3:",
        "compressed = gzip.compress(payload_bytes)\n# Step 3:",
    );
    replace(
        &compressed_first,
        "payload_bytes,\nhashlib.sha256,",
        "compressed,\nhashlib.sha256,",
    )
    .replacen(
        "# Step 4: Compress\ncompressed = gzip.compress(payload_bytes)",
        "# Step 4: (done above)",
        1,
    )
}
