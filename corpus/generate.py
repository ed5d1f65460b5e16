#!/usr/bin/env python3
"""Writes sessionkit's corpus: the files under corpus/ and corpus/manifest.json.

Run from anywhere: python3 corpus/generate.py. It reads the API documentation at
../shared/seed/create-session-api.txt (relative to the repository) for the seed examples, so their
bytes are exactly the documented ones. Expected verdicts are written here by hand, from the
contract, never computed by sessionkit: the corpus is what sessionkit is checked against.
Signatures and compressed bodies are made with Python's own hmac, gzip and zlib, an implementation
independent of the Rust code under test. Case ids are never reused: new cases take new ids.
"""
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(ROOT)
SEED = os.path.join(REPO, "..", "shared", "seed", "create-session-api.txt")

CASES = []


def write(rel, data):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def verdict(errors=(), warnings=()):
    """errors/warnings: (pointer, code) pairs that must be reported."""
    return {
        "result": "invalid" if errors else "valid",
        "errors": [{"pointer": p, "code": c} for p, c in errors],
        "warnings": [{"pointer": p, "code": c} for p, c in warnings],
    }


def body_case(id_, rel, data, source, documented, strict=None):
    CASES.append({
        "id": id_,
        "file": rel,
        "source": source,
        "sha256": write(rel, data),
        "profiles": {"documented": documented, "strict": strict if strict is not None else documented},
    })


# --- The seed's examples, exact bytes -------------------------------------------------------

SEED_NAMES = [
    "empty-verification",
    "person-document-end-user",
    "host-app-link",
    "service-coverage",
    "consent-ine",
    "aml-screening",
    "br-cpf-biometric",
    "br-social-benefits",
    "br-betting-exclusion",
    "mx-curp",
    "mx-ine-card-d",
    "mx-ine-card-efgh",
    "proof-of-address-matching",
    "proof-of-address-extraction",
    "proof-of-address-extraction-with-person",
    "biometric-authentication",
    "custom-tag",
    "uk-diatf-m1b",
    "us-database-light-kyc",
    "unstructured-docs-no-init-data",
    "unstructured-docs-init-data",
    "us-database-ssn",
]

V = "/verification"
# What the strict profile must report on each seed example (the documented profile accepts all).
SEED_STRICT = {
    "br-cpf-biometric": [(V + "/person/idNumber", "wrong_type"), (V + "/vendorData", "vendor_data_not_string")],
    "br-social-benefits": [(V + "/person/idNumber", "wrong_type")],
    "br-betting-exclusion": [(V + "/person/idNumber", "wrong_type")],
    "mx-ine-card-d": [(V + "/document/documentNumberIdentifiers/mxIfe", "wrong_type")],
    "mx-ine-card-efgh": [(V + "/document/documentNumberIdentifiers/mxIne", "wrong_type")],
    "biometric-authentication": [(V + "/vendorData", "vendor_data_not_string")],
    "custom-tag": [(V + "/vendorData", "vendor_data_not_string")],
}


def seed_examples():
    text = open(SEED, encoding="utf-8").read()
    text = text[: text.index("Verification object\n")]
    decoder = json.JSONDecoder()
    found, i = [], 0
    while True:
        j = text.find('{\n"verification"', i)
        if j < 0:
            return found
        title = text[i:j].strip().splitlines()[-1]
        _, end = decoder.raw_decode(text, j)
        found.append((title, text[j:end].encode("utf-8")))
        i = end


def python_client_payload():
    """The payload of the seed's Python example, serialized exactly as that example does."""
    consent_text = (
        "I consent to Veriff processing my personal data, including biometric data, "
        "for identity verification purposes in accordance with the Privacy Notice. "
    )
    payload = {
        "verification": {
            "callback": "https://example.com/callback",
            "vendorData": "customer-123",
            "consents": [
                {"type": "general", "approved": True, "text": consent_text, "timestamp": "2026-05-08T10:00:00Z"}
            ],
        }
    }
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


SEED_BODIES = {}


def seed_cases():
    examples = seed_examples()
    assert len(examples) == len(SEED_NAMES), f"the seed has {len(examples)} examples"
    for n, ((title, data), name) in enumerate(zip(examples, SEED_NAMES)):
        SEED_BODIES[name] = data
        strict = verdict(SEED_STRICT.get(name, ()))
        body_case(1 + n, f"schema/seed/{name}.json", data, f"seed example: {title}", verdict(), strict)
    data = python_client_payload()
    SEED_BODIES["python-client"] = data
    body_case(30, "schema/seed/python-client.json", data, "seed example: the Python client's payload", verdict())


# --- Hand-written bodies, one per constraint and boundary -------------------------------------


def body(verification, top=None):
    doc = {"verification": verification} if top is None else top
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def hand(id_, name, verification, documented=(), strict=None, warnings=(), top=None, note=""):
    strict_v = verdict(documented if strict is None else strict)
    body_case(id_, f"schema/hand/{name}.json", body(verification, top),
              "hand-written" + (f": {note}" if note else ""), verdict(documented, warnings), strict_v)


def hand_cases():
    P, D, C = V + "/person", V + "/document", V + "/consents/0"
    hand(100, "tag-64-multibyte", {"tag": "é" * 64}, note="64 two-byte characters: at the limit")
    hand(101, "tag-65-multibyte", {"tag": "é" * 65}, [(V + "/tag", "tag_too_long")], note="one character over")
    hand(102, "vendor-data-1000-multibyte", {"vendorData": "ü" * 1000}, note="1,000 characters, 2,000 bytes")
    hand(103, "vendor-data-1001-multibyte", {"vendorData": "ü" * 1001}, [(V + "/vendorData", "vendor_data_too_long")])
    hand(104, "date-of-birth-feb-30", {"person": {"dateOfBirth": "1990-02-30"}}, [(P + "/dateOfBirth", "invalid_date")])
    hand(105, "date-of-birth-1900-02-29", {"person": {"dateOfBirth": "1900-02-29"}}, [(P + "/dateOfBirth", "invalid_date")],
         note="1900 is not a leap year")
    hand(106, "date-of-birth-2000-02-29", {"person": {"dateOfBirth": "2000-02-29"}}, note="2000 is a leap year")
    hand(107, "date-of-birth-slashes", {"person": {"dateOfBirth": "01/01/1990"}}, [(P + "/dateOfBirth", "invalid_date")])
    hand(108, "marriage-date-month-13", {"person": {"marriageDate": "2010-13-01"}}, [(P + "/marriageDate", "invalid_date")])
    hand(109, "document-expiry-date-bad", {"document": {"expiryDate": "2030-04-31"}}, [(D + "/expiryDate", "invalid_date")])
    hand(110, "document-country-lowercase", {"document": {"country": "us"}}, [(D + "/country", "invalid_country")])
    hand(111, "service-coverage-country-alpha3", {"serviceCoverage": {"country": "USA"}},
         [(V + "/serviceCoverage/country", "invalid_country")])
    hand(112, "document-number-dash", {"document": {"number": "B0123-4567"}}, [(D + "/number", "invalid_document_number")])
    hand(113, "document-number-non-ascii", {"document": {"number": "B01234567ñ"}}, [(D + "/number", "invalid_document_number")])
    hand(114, "id-card-type-digit", {"document": {"idCardType": "CC1"}}, [(D + "/idCardType", "invalid_id_card_type")])
    hand(115, "document-type-unknown", {"document": {"type": "PASSPORT_CARD"}}, [(D + "/type", "not_allowed_value")])
    hand(116, "marital-status-unknown", {"person": {"maritalStatus": "engaged"}}, [(P + "/maritalStatus", "not_allowed_value")])
    hand(117, "is-deceased-string", {"person": {"isDeceased": "no"}}, [(P + "/isDeceased", "wrong_type")])
    hand(118, "consent-approved-string", {"consents": [{"type": "ine", "approved": "true"}]}, [(C + "/approved", "wrong_type")])
    hand(119, "consent-eid-approved-without-text", {"consents": [{"type": "eid", "approved": True}]},
         [(C + "/text", "missing_property")])
    hand(120, "consent-eid-not-approved-without-text", {"consents": [{"type": "eid", "approved": False}]})
    hand(121, "consent-timestamp-offset", {"consents": [{"type": "general", "timestamp": "2026-05-07T10:00:00+02:00"}]},
         [(C + "/timestamp", "invalid_timestamp")])
    hand(122, "consent-timestamp-fraction", {"consents": [{"type": "general", "timestamp": "2026-05-07T08:00:00.123Z"}]})
    hand(123, "end-user-id-not-uuid", {"endUserId": "customer-123"}, [(V + "/endUserId", "invalid_uuid")])
    hand(124, "callback-not-absolute", {"callback": "example.com/callback"}, [(V + "/callback", "invalid_uri")],
         [(V + "/callback", "invalid_uri"), (V + "/callback", "callback_not_https")])
    hand(125, "callback-http", {"callback": "http://example.com/callback"}, (), [(V + "/callback", "callback_not_https")])
    hand(126, "host-app-link-custom-scheme", {"hostAppLink": "myapp://verification/complete"})
    hand(127, "missing-verification", None, [(V, "missing_property")],
         [(V, "missing_property"), ("/session", "unknown_property")], warnings=[("/session", "unknown_property")],
         top={"session": {}})
    hand(128, "verification-array", [], [(V, "wrong_type")])
    hand(129, "acceptable-type-without-name", {"proofOfAddress": {"acceptableTypes": [{}]}},
         [(V + "/proofOfAddress/acceptableTypes/0/name", "missing_property")])
    hand(130, "acceptable-type-with-dash", {"proofOfAddress": {"acceptableTypes": [{"name": "BANK-STATEMENT"}]}})
    hand(131, "person-firstname-typo", {"person": {"firstname": "John"}}, (),
         [(P + "/firstname", "unknown_property")], warnings=[(P + "/firstname", "unknown_property")],
         note="the classic silent bug: a warning in documented, an error in strict")
    hand(132, "unknown-top-level-property", None, (), [("/extra", "unknown_property")],
         warnings=[("/extra", "unknown_property")], top={"verification": {}, "extra": 1})
    hand(133, "several-errors-at-once",
         {"tag": "x" * 65, "person": {"dateOfBirth": "1990-02-30"}, "document": {"country": "us", "number": "A-1"}},
         [(V + "/tag", "tag_too_long"), (P + "/dateOfBirth", "invalid_date"), (D + "/country", "invalid_country"),
          (D + "/number", "invalid_document_number")], note="every violation is listed")
    hand(134, "all-fields", {
        "callback": "https://example.com/callback",
        "hostAppLink": "myapp://verification/complete",
        "person": {
            "firstName": "Zoë", "lastName": "Smith", "idNumber": "123456789", "phoneNumber": "8888888888",
            "gender": "F", "dateOfBirth": "1990-01-01", "email": "zoe@example.com", "maritalStatus": "married",
            "isDeceased": False, "fullName": "Zoë Ann Smith Jones", "occupation": "Driver",
            "landlinePhoneNumber": "5555555", "partnerFirstName": "Sam", "partnerLastName": "Jones",
            "marriageDate": "2015-06-20", "middleName": "Ann", "secondLastName": "Jones",
        },
        "document": {
            "number": "B01234567", "country": "US", "type": "PASSPORT", "firstIssue": "2010-01-01",
            "idCardType": "CC", "documentNumberIdentifiers": {"mxIne": "123456789", "mxIfe": "1234567890123"},
            "issueDate": "2020-01-01", "expiryDate": "2030-01-01", "version": "2", "category": "national",
            "uniqueNumber": "U123", "issuingState": "CA", "referenceNumber": "R1", "registrationNumber": "REG-1",
        },
        "address": {
            "fullAddress": "123, Main Street, Your County, Anytown 12345", "street": "Main Street",
            "houseNumber": "123", "postalCode": "12345", "city": "Anytown", "state": "Your County",
            "unit": "4B", "neighbourhood": "Harlem",
        },
        "proofOfAddress": {"acceptableTypes": [{"name": "UTILITY_BILL"}]},
        "serviceCoverage": {"country": "US"},
        "endUserId": "c1de400b-1877-4284-8494-071d37916197",
        "vendorData": "customer-123",
        "consents": [{"type": "eid", "approved": True, "text": "I agree", "timestamp": "2026-05-07T08:00:00Z"}],
        "tag": "campaign-7",
    }, note="every documented field, valid in both profiles")
    hand(135, "id-number-integer", {"person": {"idNumber": 12345678901}}, (), [(P + "/idNumber", "wrong_type")])
    hand(136, "mx-ine-letters", {"document": {"documentNumberIdentifiers": {"mxIne": "12AB"}}}, (),
         [(D + "/documentNumberIdentifiers/mxIne", "not_digits")])
    hand(137, "vendor-data-float", {"vendorData": 1.5}, [(V + "/vendorData", "vendor_data_not_string")])
    hand(138, "tag-number", {"tag": 64}, [(V + "/tag", "wrong_type")])


def main():
    seed_cases()
    hand_cases()
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    manifest = {
        "$schema": "../schemas/manifest.schema.json",
        "description": "sessionkit's corpus: one entry per file. Written by corpus/generate.py; expected verdicts come from the contract, not from sessionkit.",
        "cases": sorted(CASES, key=lambda c: c["id"]),
    }
    with open(os.path.join(ROOT, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(CASES)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
