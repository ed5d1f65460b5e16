//! The answer direction's payloads: decision webhooks (and the decision endpoint's answer) and
//! event webhooks, in the shapes `schemas/decision.json` and `schemas/event.json` describe, and
//! the delivery of a signed webhook to an integrator's receiver.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;

use serde_json::{Value, json};

/// The decision statuses and their codes (the vendor's decision codes table; `expired` and
/// `abandoned` share 9104 there).
pub const DECISIONS: [(&str, u16); 6] = [
    ("approved", 9001),
    ("declined", 9102),
    ("resubmission_requested", 9103),
    ("expired", 9104),
    ("abandoned", 9104),
    ("review", 9121),
];

/// The code of decision `status`, `None` for a status the table does not list.
pub fn code_of(status: &str) -> Option<u16> {
    DECISIONS
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, c)| *c)
}

/// A decision payload for session `id` created with `vendor_data` and `end_user_id` (echoed
/// unmodified, `null` when the session had none).
pub fn payload(
    id: &str,
    status: &str,
    code: u16,
    vendor_data: &Value,
    end_user_id: &Value,
) -> Value {
    let declined = status == "declined";
    json!({
        "status": "success",
        "verification": {
            "id": id,
            "attemptId": "e30122d1-740b-4764-853f-470374a7abf4",
            "vendorData": vendor_data,
            "endUserId": end_user_id,
            "status": status,
            "code": code,
            "reason": if declined { json!("Suspected document tampering") } else { Value::Null },
            "reasonCode": if declined { json!(102) } else { Value::Null },
            "decisionTime": "2026-05-08T10:05:00.000Z",
            "acceptanceTime": "2026-05-08T10:00:00.000Z",
            "person": {"firstName": "SARAH", "lastName": "MORGAN", "dateOfBirth": "1967-03-30",
                       "gender": null, "idNumber": null, "nationality": null, "placeOfBirth": null,
                       "yearOfBirth": "1967", "citizenship": null, "pepSanctionMatch": null},
            "document": {"type": "DRIVERS_LICENSE", "number": "MORGA753116SM9IJ", "country": "GB",
                         "validFrom": null, "validUntil": "2030-01-01", "state": null,
                         "placeOfIssue": "DVLA/Swansea"},
            "additionalVerifiedData": {},
            "riskLabels": [],
            "comments": [],
            "highRisk": false,
        },
        "technicalData": {"ip": "186.153.67.122"},
    })
}

/// An event webhook's payload (`started` 7001, `submitted` 7002).
pub fn event(id: &str, action: &str, code: u16, vendor_data: &Value) -> Value {
    json!({"id": id, "attemptId": "e30122d1-740b-4764-853f-470374a7abf4",
           "feature": "selfid", "code": code, "action": action, "vendorData": vendor_data})
}

/// POSTs `body` to `url` (`http://`) signed with `secret`, from `api_key`; the receiver's status.
/// Sent with hyper's HTTP/1.1 client, header names in title case (`X-Auth-Client`): the raw
/// client that sends exact bytes is the conformance run's, in the crate above this one.
pub async fn deliver(
    url: &str,
    api_key: &str,
    secret: &[u8],
    body: Vec<u8>,
) -> Result<u16, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let authority = match (uri.scheme_str(), uri.authority()) {
        (Some("http"), Some(authority)) => authority.as_str().to_owned(),
        _ => {
            return Err(format!(
                "{url}: webhooks are delivered to http:// URLs on loopback"
            ));
        }
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let signature = sessionkit::crypto::sign(secret, &body).to_string();
    // The legacy digest beside the HMAC, as the vendor's own deliveries carry both (a captured
    // production decision webhook): sha256(body + secret).
    let legacy: String = sessionkit::crypto::Algorithm::LegacySha256
        .digest(secret, &body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, &authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("x-auth-client", api_key)
        .header("x-hmac-signature", signature)
        .header("x-signature", legacy)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| format!("connect {authority}: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
            .title_case_headers(true)
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let answer = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(answer.status().as_u16())
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| format!("{url}: no answer within 10 s"))?
}
