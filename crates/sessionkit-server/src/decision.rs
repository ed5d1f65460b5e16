//! The answer direction's payloads: decision webhooks (and the decision endpoint's answer) and
//! event webhooks, in the shapes `schemas/decision.json` and `schemas/event.json` describe, and
//! the delivery of a signed webhook to an integrator's receiver.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

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
pub fn deliver(url: &str, api_key: &str, secret: &[u8], body: &[u8]) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: webhooks are delivered to http:// URLs on loopback"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let signature = sessionkit::crypto::sign(secret, body);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Type: application/json\r\nX-AUTH-CLIENT: {api_key}\r\nX-HMAC-SIGNATURE: {signature}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let _ = stream.take(64 * 1024).read_to_end(&mut answer);
    let line = String::from_utf8_lossy(&answer);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "no HTTP answer".to_owned())
}
