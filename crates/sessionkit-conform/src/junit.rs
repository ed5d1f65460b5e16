//! JUnit XML, the one writer of every report (conform's and fuzz's): a suite of test cases, each
//! passed or failed with a message and a body.

use std::fmt::Write;

/// One test case of a report.
pub(crate) struct TestCase {
    /// The group it is shown under (a stage).
    pub(crate) classname: String,
    pub(crate) name: String,
    pub(crate) seconds: f64,
    /// `(message, body)` when it failed.
    pub(crate) failure: Option<(String, String)>,
}

/// The report as JUnit XML: `<testsuites>` holding one `<testsuite>` named `suite`.
pub(crate) fn write(suite: &str, cases: &[TestCase]) -> String {
    let failed = cases.iter().filter(|c| c.failure.is_some()).count();
    let total: f64 = cases.iter().map(|c| c.seconds).sum();
    let counts = format!(
        "tests=\"{}\" failures=\"{failed}\" time=\"{total:.3}\"",
        cases.len()
    );
    let suite = escape(suite);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"{suite}\" {counts}>");
    let _ = writeln!(out, "  <testsuite name=\"{suite}\" {counts}>");
    for case in cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&case.classname),
            escape(&case.name),
            case.seconds
        );
        match &case.failure {
            None => out.push_str("/>\n"),
            Some((message, body)) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(message),
                    escape(body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// `text` with XML's special characters escaped, for attributes and text alike.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
