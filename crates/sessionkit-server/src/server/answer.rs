//! Answers: every non-2xx answer of the server is one [`ServerError`], turned into a response in
//! one place ([`ServerError::into_answer`]), and every answer is signed like the 201 answer so that
//! clients can check any answer they get (docs/contract.md §3).

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use sessionkit::Config;

use super::script::Forgery;
use sessionkit::Diagnostic;
use sessionkit::Outcome;
use sessionkit::Rejection;
use sessionkit::model::FailureAnswer;

/// An HTTP answer of the server.
pub(crate) type Answer = Response<Full<Bytes>>;

/// Signs answers with the server's first API key and secret.
pub(crate) struct Signer {
    api_key: Option<HeaderValue>,
    secret: Option<Vec<u8>>,
}

impl Signer {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            api_key: config
                .api_keys
                .first()
                .and_then(|k| HeaderValue::from_str(k).ok()),
            secret: config.secrets.first().cloned(),
        }
    }

    /// A JSON answer with `X-AUTH-CLIENT` and `X-HMAC-SIGNATURE` over its exact bytes.
    pub(crate) fn answer(&self, status: u16, body: Vec<u8>) -> Answer {
        let signature = self
            .secret
            .as_ref()
            .map(|secret| sessionkit::crypto::sign(secret, &body).to_string());
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert(
            "sessionkit-version",
            HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
        );
        if let (Some(key), Some(signature)) = (&self.api_key, signature) {
            headers.insert("x-auth-client", key.clone());
            if let Ok(signature) = HeaderValue::from_str(&signature) {
                headers.insert("x-hmac-signature", signature);
            }
        }
        response
    }
}

impl Signer {
    /// A 201 forged as a test scripted it: what a client that verifies answers must refuse.
    pub(crate) fn forged(&self, body: Vec<u8>, forgery: Forgery) -> Answer {
        let sign =
            |secret: &[u8], bytes: &[u8]| sessionkit::crypto::sign(secret, bytes).to_string();
        let secret = self.secret.clone().unwrap_or_default();
        let (sent, signature, api_key) = match forgery {
            Forgery::WrongSignature => {
                let mut other = body.clone();
                other.push(b' ');
                let signature = sign(&secret, &other);
                (body, Some(signature), self.api_key.clone())
            }
            Forgery::NoSignature => (body, None, self.api_key.clone()),
            Forgery::ReserializedSignature => {
                let pretty = serde_json::from_slice::<serde_json::Value>(&body)
                    .and_then(|v| serde_json::to_vec_pretty(&v))
                    .unwrap_or_default();
                (body, Some(sign(&secret, &pretty)), self.api_key.clone())
            }
            Forgery::OtherSecret => {
                let signature = sign(FORGED_SECRET, &body);
                (body, Some(signature), self.api_key.clone())
            }
            Forgery::TruncatedBody => {
                let signature = sign(&secret, &body);
                let half = body[..body.len() / 2].to_vec();
                (half, Some(signature), self.api_key.clone())
            }
            Forgery::OtherApiKey => {
                let signature = sign(&secret, &body);
                (
                    body,
                    Some(signature),
                    Some(HeaderValue::from_static(FORGED_API_KEY)),
                )
            }
        };
        let mut response = Response::new(Full::new(Bytes::from(sent)));
        *response.status_mut() = StatusCode::CREATED;
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert(
            "sessionkit-version",
            HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
        );
        headers.insert(
            "sessionkit-forged",
            HeaderValue::from_static(forgery.name()),
        );
        if let Some(key) = api_key {
            headers.insert("x-auth-client", key);
        }
        if let Some(signature) = signature.and_then(|s| HeaderValue::from_str(&s).ok()) {
            headers.insert("x-hmac-signature", signature);
        }
        response
    }
}

/// The secret an `other-secret` forgery signs with.
const FORGED_SECRET: &[u8] = b"sessionkit-forged-secret";

/// The key an `other-api-key` forgery sends in X-AUTH-CLIENT.
const FORGED_API_KEY: &str = "sessionkit-forged-api-key";

/// Why the server does not answer 200 or 201.
#[derive(Debug)]
pub(crate) enum ServerError {
    /// The contract refuses the request: the answer `receive` (or one of its stages) decided.
    Refused(Box<Outcome>),
    /// A route of the API with another method.
    MethodNotAllowed { allow: &'static str },
    /// No such route.
    NotFound { path: String },
    /// `GET /v1/sessions/{id}/decision` for an id this key never created.
    SessionNotFound,
    /// Over the rate limit, or forced with `Prefer: code=429`.
    RateLimited { retry_after: u64 },
    /// Injected by the fault rate, or forced with `Prefer: code=500`.
    InjectedFault,
    /// The body did not arrive whole: late (408) or malformed (400).
    BodyIncomplete(super::request::BodyError),
}

impl From<Box<Outcome>> for ServerError {
    fn from(outcome: Box<Outcome>) -> Self {
        ServerError::Refused(outcome)
    }
}

impl ServerError {
    /// A stage's rejection, answered as `receive` answers it.
    pub(crate) fn rejected(config: &Config, rejection: Rejection) -> Self {
        ServerError::Refused(Box::new(Outcome::rejected(config.profile, rejection)))
    }

    /// The one conversion into a response: status, the vendor's failure shape with one
    /// diagnostic, and the headers the status calls for.
    pub(crate) fn into_answer(self, signer: &Signer) -> Answer {
        type Header = Option<(&'static str, HeaderValue)>;
        let (status, message, code, hint, header): (u16, String, &str, &str, Header) = match self {
            ServerError::Refused(outcome) => {
                let Some(failure) = outcome.failure_answer() else {
                    return signer.answer(500, Vec::new());
                };
                let body = serde_json::to_vec(&failure).unwrap_or_default();
                let mut answer = signer.answer(outcome.status(), body);
                for (name, value) in outcome.answer_headers() {
                    answer
                        .headers_mut()
                        .insert(*name, HeaderValue::from_static(value));
                }
                return answer;
            }
            ServerError::MethodNotAllowed { allow } => (
                405,
                "method not allowed".into(),
                "method_not_allowed",
                "use POST /v1/sessions or GET /v1/sessions/{id}/decision",
                Some(("allow", HeaderValue::from_static(allow))),
            ),
            ServerError::RateLimited { retry_after } => (
                429,
                "too many requests".into(),
                "rate_limited",
                "wait for the Retry-After seconds, then retry",
                Some(("retry-after", HeaderValue::from(retry_after))),
            ),
            ServerError::NotFound { path } => (
                404,
                format!("no route for {path}"),
                "not_found",
                "the server serves /v1/sessions",
                None,
            ),
            ServerError::SessionNotFound => (
                404,
                "no session with this id".into(),
                "session_not_found",
                "use the id from the 201 answer",
                None,
            ),
            ServerError::InjectedFault => (
                500,
                "internal server error (injected)".into(),
                "injected_fault",
                "retry with backoff",
                None,
            ),
            ServerError::BodyIncomplete(why @ super::request::BodyError::Late) => (
                408,
                why.message().into(),
                "request_timeout",
                "send the whole body promptly",
                None,
            ),
            ServerError::BodyIncomplete(why @ super::request::BodyError::Malformed) => (
                400,
                why.message().into(),
                "malformed_body_framing",
                "send chunks as RFC 9112 §7.1 writes them (hex size, CRLF, data, CRLF), or a Content-Length",
                None,
            ),
        };
        let mut answer = failure(signer, status, message, code, hint);
        if let Some((name, value)) = header {
            answer.headers_mut().insert(name, value);
        }
        answer
    }
}

/// The vendor's failure shape with the HTTP status as `code` (no vendor code exists for these).
fn failure(signer: &Signer, status: u16, message: String, code: &str, hint: &str) -> Answer {
    let body = FailureAnswer {
        status: "fail".into(),
        code: status,
        diagnostics: vec![Diagnostic {
            code: code.into(),
            pointer: String::new(),
            message: message.clone(),
            hint: hint.into(),
        }],
        message,
        receipt: None,
    };
    signer.answer(status, serde_json::to_vec(&body).unwrap_or_default())
}
