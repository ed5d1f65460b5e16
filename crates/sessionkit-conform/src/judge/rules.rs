//! The answer rules: every rule an answer (of a server, a proxied upstream, a webhook receiver)
//! is judged by, with its level and its source, written once. docs/contract.md §6's table of
//! answer rules is [`rules_table`]'s output (a test holds the two together).

use serde::Serialize;
use sessionkit::corpus::Level;

/// How strongly a rule binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// As strongly as the case's own rule (a wrong status for a MAY case is a MAY problem).
    Case,
    /// At this level, never more strongly than the case's rule: what follows from the refusal the
    /// case checks (its vendor code, its named mistake).
    AtMostCase(Level),
    /// At this level whatever the case: the form of every answer.
    Always(Level),
}

impl Binding {
    /// The level in a case whose rule binds at `case`.
    pub fn level(self, case: Level) -> Level {
        match self {
            Binding::Case => case,
            Binding::AtMostCase(level) => level.at_most(case),
            Binding::Always(level) => level,
        }
    }

    /// As the table prints it.
    pub fn describe(self) -> String {
        match self {
            Binding::Case => "the case's".into(),
            Binding::AtMostCase(level) => format!("{level} (at most the case's)"),
            Binding::Always(level) => level.to_string(),
        }
    }
}

/// Writes the enum of answer rules, its `ALL` list and each rule's code, binding, source and
/// message shape from one line per rule, so that enum, list and table cannot fall out of step.
macro_rules! answer_rules {
    ($( $(#[doc = $doc:literal])* $name:ident => ($code:literal, $binding:expr, $source:literal, $shape:literal), )*) => {
        /// A rule an answer is judged by.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum AnswerRule {
            $( $(#[doc = $doc])* $name, )*
        }

        impl AnswerRule {
            /// Every rule, in the table's order.
            pub const ALL: &'static [AnswerRule] = &[$(AnswerRule::$name),*];

            /// Stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(AnswerRule::$name => $code,)* }
            }

            /// How strongly it binds.
            pub fn binding(self) -> Binding {
                match self { $(AnswerRule::$name => $binding,)* }
            }

            /// Where it comes from (for [`Binding::Case`]: the case's own source is cited too).
            pub fn source(self) -> &'static str {
                match self { $(AnswerRule::$name => $source,)* }
            }

            /// The message, with what varies in braces.
            pub fn shape(self) -> &'static str {
                match self { $(AnswerRule::$name => $shape,)* }
            }
        }
    };
}

use Binding::{Always, AtMostCase, Case};
use Level::{May, Must, Should};

answer_rules! {
    /// No answer came (refused connection, timeout, a closed connection).
    NoAnswer => ("no_answer", Always(Must),
        "seed: every request is answered, with 201 or a documented 4xx; contract §2: nothing a client sends may make the server hang",
        "no answer: {error}"),
    /// The status is not the one the contract fixes for this request.
    Status => ("status", Case,
        "the case's rule",
        "status {got} where {level} requires {want}: {rule}{server said}"),
    /// A request with several faults got the answer of none of them.
    StatusOfNoFault => ("status_of_no_fault", Case,
        "contract §2: the answer of any of the request's faults conforms",
        "status {got} is the answer of none of the request's faults: {faults}"),
    /// A request with several faults got another fault's answer than the contract's first.
    FaultOrder => ("fault_order", Always(Should),
        "contract §2: the first failing step decides the answer",
        "answered the {error} fault ({status}) first; the contract's order answers {first} ({first status}) first"),
    /// Right status, another vendor code, where the vendor's tables fix one per failure (401).
    VendorCode => ("vendor_code", AtMostCase(Should),
        "the vendor's authorization codes table: 1801, 1803, 1812, 1813/1814 and 1818/1819 name different failures",
        "vendor code {got} where {want} is expected"),
    /// Right status, another vendor code, where the vendor's tables fix none per fault (400:
    /// one body can break several rules and the tables do not say which code wins; 413, 415).
    VendorCodeUnfixed => ("vendor_code_unfixed", AtMostCase(May),
        "the vendor's tables fix no code per fault at 400 (a body breaks several rules, any may be reported) and give none for 413 and 415: this project's choice",
        "vendor code {got} where {want} is expected"),
    /// The answer's diagnostics name mistakes, but not the client's.
    MistakeNotNamed => ("mistake_not_named", AtMostCase(May),
        "contract §3: diagnostics are sessionkit's extension",
        "diagnostics do not name {mistake} (named: {named})"),
    /// A refusal whose body is not JSON.
    NotJson => ("not_json", Always(Should),
        "seed: the answers are JSON (contract §3)",
        "answer body is not JSON{what}"),
    /// A 201 whose body is not the created session (not JSON, a field missing or of another type).
    CreatedShape => ("created_shape", Always(Must),
        "seed: the created session's fields (status, verification.id, url, sessionToken, ...)",
        "the 201 answer {is not JSON|violates its schema at {pointer}: {message}}"),
    /// A refusal that is JSON but not the vendor's failure shape.
    FailureShape => ("failure_shape", Always(Should),
        "the vendor's failure shape {status, code, message} (contract §3)",
        "answer violates its schema at {pointer}: {message}"),
    /// The answer's Content-Type.
    ContentType => ("content_type", Always(Should),
        "contract §3; RFC 9110 §8.3",
        "answer Content-Type {found} is not application/json"),
    /// A 415 for the content coding says which codings are accepted.
    AcceptEncoding => ("accept_encoding", Always(Should),
        "RFC 9110 §15.5.16: Accept-Encoding ought to be sent with a 415 for a content coding",
        "a 415 must carry Accept-Encoding: gzip, deflate (found {found})"),
    /// A 429 says when to come back.
    RetryAfter => ("retry_after", Always(May),
        "RFC 6585 §4: MAY include Retry-After",
        "a 429 must carry Retry-After"),
    /// A 201 signed over its exact bytes.
    AnswerSignature => ("answer_signature", Always(Should),
        "contract §3: a 201 carries X-AUTH-CLIENT and X-HMAC-SIGNATURE over its exact bytes (the vendor's pages)",
        "answer X-HMAC-SIGNATURE {does not match the answer bytes|malformed: {error}|missing}"),
    /// A 201 carries the API key.
    AnswerApiKey => ("answer_api_key", Always(Should),
        "contract §3: a 201 carries X-AUTH-CLIENT and X-HMAC-SIGNATURE over its exact bytes (the vendor's pages)",
        "answer X-AUTH-CLIENT is not the API key"),
    /// A 201 returns endUserId and vendorData unmodified: whatever the request side accepted.
    Echo => ("echo", Always(Must),
        "seed: \"Veriff returns it unmodified in webhooks and API response payloads\"",
        "answer {field} {got} is not the echo of {sent}"),
    /// A 960 MiB gzip bomb is refused 413 by the decoded-size limit, promptly.
    Bomb => ("bomb", Always(Should),
        "contract §2 step 4: decoding stops at the decoded limit; the seed: the server decompresses the payload before validating the signature",
        "{what the server did with a 960 MiB gzip bomb}"),
    /// 960 MiB of zeros is not JSON: accepting it is accepting a non-JSON body.
    BombAccepted => ("bomb_accepted", Always(Must),
        "RFC 8259; seed: \"Bad request\"",
        "status {status} for 960 MiB of zeros, which is not JSON"),
    /// A small valid request is still answered while bombs are in flight.
    Liveness => ("liveness", Always(Must),
        "seed: \"Created session\" (201) for a valid request, whatever else arrives",
        "{what a small valid request got while bombs were in flight}"),
    /// A declared Content-Length over the limit is answered 413 before the body is read.
    DeclaredLength => ("declared_length", Always(Should),
        "contract §2 step 3; RFC 9110 §15.5.14",
        "{what a declared over-limit body got}"),
    /// A request head with more than one reading, or none, that RFC 9112 says a server refuses.
    Framing => ("framing", Always(Should),
        "RFC 9112 §3, §3.2, §5.1, §5.2, §6.1, §6.3, §7: a head with more than one reading is answered 400 (an unknown transfer coding may be 501), and nothing after it is read as a request",
        "{shape}: {what the server did}"),
    /// A head RFC 9112 lets a server read one way (LF alone; a bare CR, NUL or fold replaced
    /// with SP; Transfer-Encoding processed and the connection closed after; equal lengths).
    FramingTolerated => ("framing_tolerated", Always(May),
        "RFC 9112 §2.2, §5.2, §6.1, §6.3 and RFC 9110 §5.5 let a server read it one way (LF alone; a bare CR, NUL or fold replaced with SP; Transfer-Encoding on HTTP/1.0 or beside Content-Length processed, the connection closed after; equal lengths); refusing it is safer behind another reader",
        "{shape}: {what the server did}"),
    /// A receiver accepts (2xx) a genuine delivery in the vendor's compact serialization.
    WebhookGenuine => ("webhook_genuine", Always(Must),
        "seed: webhooks are the primary way to get results; the vendor's deliveries are compact JSON signed over their bytes (a captured production webhook)",
        "{delivery}: must accept, {answered}"),
    /// A receiver refuses a forgery: changed content, another secret, no signature, another
    /// delivery's signature.
    WebhookForgery => ("webhook_forgery", Always(Must),
        "seed: the HMAC of the raw body with the shared secret authenticates the sender; accepting this admits a forgery",
        "{delivery}: must refuse, {answered}"),
    /// A receiver verifies the raw bytes, not a re-serialization: it accepts other valid
    /// serializations and refuses pretty bytes under the compact form's signature.
    WebhookRawBytes => ("webhook_raw_bytes", Always(Should),
        "the documentation signs the raw body: a receiver that verifies a re-serialization works while the vendor's bytes are compact, and breaks the day they differ",
        "{delivery}: should {accept|refuse}, {answered}"),
    /// A receiver answers a repeated delivery, and every delivery promptly.
    WebhookRetry => ("webhook_retry", Always(Should),
        "the vendor retries a delivery answered slowly or not 200",
        "{delivery}: should accept, {answered}"),
    /// Spellings and schemes no source fixes for a receiver: uppercase or prefixed hex of the
    /// right HMAC, the legacy X-SIGNATURE verified instead of the HMAC.
    WebhookSpelling => ("webhook_spelling", Always(May),
        "no source fixes it: the sender writes lowercase hex, and accepting another spelling of the right HMAC, or the vendor's own legacy X-SIGNATURE, admits no forgery",
        "{delivery}: {accepted|refused}, {answered}"),
}

/// The table docs/contract.md §6 holds: one row per rule.
pub fn rules_table() -> String {
    let mut out = String::from("| Rule | Level | Source |\n|---|---|---|\n");
    for rule in AnswerRule::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            rule.code(),
            rule.binding().describe(),
            rule.source().replace('|', "\\|")
        ));
    }
    out
}

impl Serialize for AnswerRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl std::fmt::Display for AnswerRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_code_a_source_and_a_shape() {
        let mut codes: Vec<&str> = AnswerRule::ALL.iter().map(|r| r.code()).collect();
        for rule in AnswerRule::ALL {
            assert!(!rule.source().trim().is_empty(), "{rule:?} has no source");
            assert!(!rule.shape().trim().is_empty(), "{rule:?} has no shape");
            assert!(
                rule.code()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{rule:?}"
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AnswerRule::ALL.len(), "codes are unique");
    }

    #[test]
    fn the_contract_holds_the_rules_table() {
        let contract = include_str!("../../../../docs/contract.md");
        let table = rules_table();
        assert!(
            contract.contains(&table),
            "docs/contract.md §6 must hold the answer rules table, exactly:\n\n{table}"
        );
    }
}
