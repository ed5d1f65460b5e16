#!/usr/bin/env python3
"""Writes sessionkit's corpus: the files under corpus/ and corpus/manifest.json.

Run from anywhere: python3 corpus/generate.py [--doc PATH]. The seed examples are the API
documentation's example bodies byte for byte: with --doc (or SESSIONKIT_API_DOC) naming the
documentation's text file they are read from it anew; without, from the copies already committed
under corpus/schema/seed/ (with the titles the manifest records), so the repository regenerates its
corpus on its own. Expected verdicts are written here by hand, from the
contract, never computed by sessionkit: the corpus is what sessionkit is checked against.
Signatures and compressed bodies are made with Python's own hmac, gzip and zlib, an implementation
independent of the Rust code under test. Case ids are never reused: new cases take new ids.
"""
import base64
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
# The corpus lives in the crate that embeds it (crates/sessionkit-conform/corpus); the repository's
# corpus/ is a link to it. Either way the repository root is the folder above that holds docs/.
REPO = next(p for p in (os.path.dirname(ROOT), os.path.abspath(os.path.join(ROOT, "..", "..", "..")))
            if os.path.isdir(os.path.join(p, "docs", "examples")))

def doc_path():
    """The documentation's text file, when given: --doc PATH or SESSIONKIT_API_DOC."""
    if "--doc" in sys.argv:
        return sys.argv[sys.argv.index("--doc") + 1]
    return os.environ.get("SESSIONKIT_API_DOC")

CASES = []
WRITTEN = {}  # sha256 -> path below corpus/, so a recipe can name the file holding signed bytes

# The vendor code the contract gives each schema violation (docs/contract.md §3): what a server
# answers when that violation is the one it reports first.
VENDOR_CODES = {
    "missing_property": 1102,
    "invalid_date": 1203,
    "callback_not_https": 1302,
    "vendor_data_too_long": 1500,
    "vendor_data_not_string": 1501,
}


def write(rel, data):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    digest = hashlib.sha256(data).hexdigest()
    WRITTEN.setdefault(digest, rel)
    return digest


def verdict(errors=(), warnings=()):
    """errors/warnings: (pointer, code) pairs that must be reported."""
    return {
        "result": "invalid" if errors else "valid",
        "errors": [{"pointer": p, "code": c, "vendor_code": VENDOR_CODES.get(c, 1104)} for p, c in errors],
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


def committed_seed_examples():
    """(title, bytes) of every seed example, from corpus/schema/seed/ and the manifest's titles."""
    with open(os.path.join(ROOT, "manifest.json"), encoding="utf-8") as f:
        sources = {c["file"]: c["source"] for c in json.load(f)["cases"]}
    found = []
    for name in SEED_NAMES:
        rel = f"schema/seed/{name}.json"
        with open(os.path.join(ROOT, rel), "rb") as f:
            found.append((sources[rel].removeprefix("seed example: "), f.read()))
    return found


def seed_examples():
    path = doc_path()
    if path is None:
        return committed_seed_examples()
    text = open(path, encoding="utf-8").read()
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
    """The payload of the documentation's Python example (docs/examples/python-example.py),
    serialized exactly as that example does: its code up to the signing step, run as written."""
    with open(os.path.join(REPO, "docs", "examples", "python-example.py"), encoding="utf-8") as f:
        code = f.read()
    code = code[: code.index("# Step 3")].replace("import requests\n", "")
    scope = {}
    exec(code, scope)
    return scope["payload_bytes"]


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
    flood = {f"x{i:02}": i for i in range(25)}
    listed = [(V + f"/x{i:02}", "unknown_property") for i in range(20)] + [("", "more_findings")]
    hand(373, "unknown-member-flood", flood, (), listed, warnings=listed,
         note="25 unknown members: the first 20 listed, the other 5 counted in one more_findings line "
              "(docs/contract.md §2: linear work and a few lines per unauthenticated body)")
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
    hand(139, "person-array", {"person": [], "consents": [[]]}, [(P, "wrong_type"), (C, "wrong_type")],
         note="fuzz:schema found the typed model reading arrays as empty objects")
    # What servers built on real frameworks got wrong (issue: fair grading): JSON names matched
    # case-insensitively (Go's encoding/json), large integers echoed altered (JavaScript), dates
    # and timestamps in other shapes, an empty document number.
    hand(140, "key-case-verification", None, [(V, "missing_property")], top={"Verification": {}},
         strict=[(V, "missing_property"), ("/Verification", "unknown_property")],
         warnings=[("/Verification", "unknown_property")],
         note="JSON names are case-sensitive: Go's encoding/json matches Verification to verification")
    hand(141, "key-case-end-user-id", {"ENDUSERID": "c1de400b-1877-4284-8494-071d37916197"},
         strict=[(V + "/ENDUSERID", "unknown_property")], warnings=[(V + "/ENDUSERID", "unknown_property")],
         note="ENDUSERID is not endUserId: the answer echoes endUserId as null")
    hand(142, "vendor-data-big-integer", {"vendorData": 12345678901234567890},
         strict=[(V + "/vendorData", "vendor_data_not_string")],
         note="above 2^53: JavaScript's JSON.parse echoes 12345678901234567000")
    hand(143, "date-of-birth-date-time", {"person": {"dateOfBirth": "1990-01-01T00:00:00"}},
         [(P + "/dateOfBirth", "invalid_date")], note="a date-time is not YYYY-MM-DD")
    hand(144, "date-of-birth-zero", {"person": {"dateOfBirth": "0"}}, [(P + "/dateOfBirth", "invalid_date")])
    hand(145, "consent-timestamp-space", {"consents": [{"type": "ine", "approved": True,
                                                         "timestamp": "2026-05-07 08:00:00Z"}]},
         [(C + "/timestamp", "invalid_timestamp")], note="RFC 3339 §5.6 lets applications use a space; the seed's format has T")
    hand(146, "document-number-empty", {"document": {"number": ""}}, [(D + "/number", "invalid_document_number")],
         note="no characters is not [a-zA-Z0-9] characters")
    hand(380, "consent-timestamp-feb-30", {"consents": [{"type": "general", "timestamp": "2026-02-30T10:00:00Z"}]},
         [(C + "/timestamp", "invalid_timestamp")], note="the seed's form, on no calendar")
    hand(381, "consent-timestamp-leap-second-in-february",
         {"consents": [{"type": "general", "timestamp": "2024-02-29T23:59:60Z"}]},
         (), [(C + "/timestamp", "invalid_timestamp")],
         note="a leap second is inserted at the end of June or December only")
    hand(382, "date-of-birth-year-0000", {"person": {"dateOfBirth": "0000-01-01"}},
         (), [(P + "/dateOfBirth", "invalid_date")], note="RFC 3339 has a year 0000; many date types start at 1")
    hand(384, "optional-member-null", {"callback": None}, [(V + "/callback", "wrong_type")],
         note="pydantic's Optional, Go's pointers and Jackson read null as the member left out")
    hand(383, "vendor-data-integral-fraction", {"vendorData": 100.0},
         strict=[(V + "/vendorData", "vendor_data_not_string")],
         note="100.0 is an integer by value (JSON Schema), a float to pydantic's strict int and Go's int")


# --- Wire-level cases: headers + body bytes + the expected answer ----------------------------

import gzip
import hmac as hmac_module
import struct
import zlib

API_KEY = "your-api-key"
SECRET = b"your-shared-secret"


def sign(data, secret=SECRET):
    return hmac_module.new(secret, data, "sha256").hexdigest()


def gz(data, level=9, mtime=0):
    return gzip.compress(data, compresslevel=level, mtime=mtime)


def zl(data, level=6):
    return zlib.compress(data, level)


def raw_deflate(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


class Headers(list):
    """Header lines, and how their signature was made (the case's recipe)."""
    signed = None  # the bytes signed, or None
    secret = None  # a literal secret other than the server's, or None
    key = None  # how the key is made from the server's secret: suffix:S, prefix:S, hex, base64, api_key
    algorithm = "hmac-sha256"  # or hmac-sha1, hmac-sha512, sha256 (a plain digest of the bytes),
    #                            sha256-body-secret (the legacy scheme: sha256 of bytes then secret)
    header = "X-HMAC-SIGNATURE"  # the header the signature is sent in
    form = "hex"  # how the digest is written: hex, upper, base64, or a prefix before the hex
    literal = None  # a value written as is, not computed
    FIELDS = ("signed", "secret", "key", "algorithm", "header", "form", "literal")

    def __add__(self, more):
        out = Headers(list(self) + list(more))
        for f in self.FIELDS:
            setattr(out, f, getattr(self, f))
        return out


def render(digest, form):
    if form == "upper":
        return digest.hex().upper()
    if form == "base64":
        return base64.b64encode(digest).decode()
    if form != "hex":
        return form + digest.hex()
    return digest.hex()


def signing_key(server_secret, key):
    """The key a client used, made from the server's secret as the recipe's `key` says."""
    if key is None:
        return server_secret
    if key == "api_key":
        return API_KEY.encode()
    if key == "hex":
        return bytes.fromhex(server_secret.decode())
    if key == "base64":
        return base64.b64decode(server_secret)
    where, text = key.split(":", 1)
    return text.encode() + server_secret if where == "prefix" else server_secret + text.encode()


def digest_of(key, data, algorithm):
    if algorithm == "sha256":
        return hashlib.sha256(data).digest()
    if algorithm == "sha256-body-secret":  # the API's legacy X-SIGNATURE scheme
        return hashlib.sha256(data + key).digest()
    return hmac_module.new(key, data, algorithm.removeprefix("hmac-")).digest()


def headers(signed, encoding=None, key=API_KEY, literal=None, ctype="application/json", form="hex", secret=None,
            key_from=None, algorithm="hmac-sha256", header="X-HMAC-SIGNATURE", server_secret=SECRET):
    out = Headers()
    out.signed, out.secret, out.key, out.algorithm, out.header, out.form, out.literal = (
        signed, secret, key_from, algorithm, header, form, literal)
    if key is not None:
        out.append(["X-AUTH-CLIENT", key])
    sig = literal
    if sig is None and signed is not None:
        k = secret if secret is not None else signing_key(server_secret, key_from)
        sig = render(digest_of(k, signed, algorithm), form)
    if sig is not None:
        out.append([header, sig])
    if ctype is not None:
        out.append(["Content-Type", ctype])
    if encoding is not None:
        for value in [encoding] if isinstance(encoding, str) else encoding:
            out.append(["Content-Encoding", value])
    return out


def recipe(id_, data, hdrs):
    """How the case's signature is made, so that a runner rebuilds it for any API key and secret:
    which bytes are signed (the body on the wire, or a corpus file), with which key (the server's
    secret, a literal one, or one made from the server's secret), which algorithm, in which form and
    header; or the literal value sent."""
    if hdrs.literal is not None:
        return {"literal": hdrs.literal}
    if hdrs.signed is None:
        return None
    digest = hashlib.sha256(hdrs.signed).hexdigest()
    if hdrs.signed == data:
        source = "wire"
    elif digest in WRITTEN:
        source = WRITTEN[digest]
    else:
        source = f"signature/signed/{id_}.bin"
        write(source, hdrs.signed)
    out = {"bytes": source, "sha256": digest, "form": hdrs.form}
    if hdrs.secret is not None:
        out["secret"] = hdrs.secret.decode()
    if hdrs.key is not None:
        out["key"] = hdrs.key
    if hdrs.algorithm != "hmac-sha256":
        out["algorithm"] = hdrs.algorithm
    if hdrs.header != "X-HMAC-SIGNATURE":
        out["header"] = hdrs.header
    return out


def wire(id_, stage, name, data, hdrs, status, code=None, error=None, diagnostic=None, result=None,
         note="", profile=None, policy=None, file=None, allowed=None, server_secret=None, labelled=None):
    rel = file or f"{stage}/{name}.bin"
    case = {
        "id": id_,
        "file": rel,
        "source": "hand-written" + (f": {note}" if note else ""),
        "sha256": write(rel, data),
        "result": result or ("valid" if status == 201 else "invalid"),
        "request": {"headers": hdrs},
        "expect": {"status": status, "code": code, "error": error, "diagnostic": diagnostic},
    }
    how = recipe(id_, data, hdrs)
    if how is not None:
        case["request"]["sign"] = how
    if allowed:
        case["allowed"] = [{"status": s, "code": c} for s, c in allowed]
    if profile:
        case["request"]["profile"] = profile
    if server_secret is not None:
        case["request"]["secret"] = server_secret.decode()
    if labelled:
        case["request"]["labelled_secrets"] = labelled
    if policy:
        case["policy"] = policy
    CASES.append(case)


def wire_cases():
    body = SEED_BODIES["python-client"]
    small = SEED_BODIES["consent-ine"]
    big = b'{"verification":{}}' + b" " * (1 << 20)
    H = "headers"
    # headers: API key, Content-Type, Content-Encoding
    wire(200, H, "missing-api-key", body, headers(body, key=None), 401, 1801, "missing_api_key")
    wire(201, H, "unknown-api-key", body, headers(body, key="not-a-key"), 401, 1803, "unknown_api_key")
    wire(202, H, "content-type-text-plain", body, headers(body, ctype="text/plain"), 415, 415, "unsupported_media_type")
    wire(203, H, "content-type-missing", body, headers(body, ctype=None), 415, 415, "unsupported_media_type")
    wire(204, H, "content-type-charset-mixed-case", body, headers(body, ctype="Application/JSON; charset=utf-8"), 201)
    for id_, name, value in [(205, "br", "br"), (206, "gzip-deflate-list", "gzip, deflate"),
                             (207, "deflate-gzip-list", "deflate, gzip"), (209, "identity", "identity"),
                             (210, "x-gzip", "x-gzip"), (211, "zstd", "zstd")]:
        wire(id_, H, f"encoding-{name}", gz(body), headers(body, value), 415, 415, "unsupported_encoding",
             "unsupported_encoding")
    wire(208, H, "encoding-two-lines", gz(body), headers(body, ["gzip", "gzip"]), 415, 415, "unsupported_encoding",
         "unsupported_encoding")
    wire(212, H, "encoding-gzip-capitals", gz(body), headers(body, "GZIP"), 201)
    wire(213, H, "encoding-gzip-spaces", gz(body), headers(body, "  gzip "), 201)
    # size
    wire(220, "size", "over-1mib", big, headers(big), 413, 413, "body_too_large")
    # decode
    D = "decode"
    bomb = gz(b"\0" * (64 << 20))
    wire(230, D, "gzip-bomb-64mib", bomb, headers(b"\0" * 16, "gzip"), 413, 413, "decoded_too_large",
         note="64 MiB of zeros in 64 KiB: rejected after inflating just past the 1 MiB limit")
    for id_, level in [(231, 1), (232, 6), (233, 9)]:
        wire(id_, D, f"gzip-level-{level}", gz(body, level), headers(body, "gzip"), 201)
    for id_, level in [(234, 1), (235, 6), (236, 9)]:
        wire(id_, D, f"deflate-level-{level}", zl(body, level), headers(body, "deflate"), 201)
    half = len(body) // 2
    wire(237, D, "gzip-multi-member", gz(body[:half]) + gz(body[half:]), headers(body, "gzip"), 201)
    g = gz(body)
    wire(238, D, "gzip-truncated", g[:-10], headers(body, "gzip"), 400, 1104, "truncated_stream")
    bad_crc = bytearray(g)
    bad_crc[-8] ^= 0xFF
    wire(239, D, "gzip-bad-crc", bytes(bad_crc), headers(body, "gzip"), 400, 1104, "bad_checksum")
    wire(240, D, "gzip-trailing-garbage", g + b"garbage", headers(body, "gzip"), 400, 1104, "trailing_data")
    wire(241, D, "raw-deflate-as-deflate", raw_deflate(body), headers(body, "deflate"), 400, 1104, "not_encoded",
         "raw_deflate")
    wire(242, D, "gzip-as-deflate", g, headers(body, "deflate"), 400, 1104, "not_encoded", "encoding_mismatch")
    wire(243, D, "plain-json-as-gzip", body, headers(body, "gzip"), 400, 1104, "not_encoded", "intermediary_decompressed",
         note="the documented encoding/header mismatch")
    wire(244, D, "deflate-as-gzip", zl(body), headers(body, "gzip"), 400, 1104, "not_encoded", "encoding_mismatch")
    z = zl(body)
    wire(245, D, "deflate-truncated", z[:-6], headers(body, "deflate"), 400, 1104, "truncated_stream")
    bad_adler = bytearray(z)
    bad_adler[-1] ^= 0xFF
    wire(246, D, "deflate-bad-adler", bytes(bad_adler), headers(body, "deflate"), 400, 1104, "bad_checksum")
    wire(247, D, "deflate-trailing-garbage", z + b"\0", headers(body, "deflate"), 400, 1104, "trailing_data")
    wire(248, "json", "empty-body", b"", headers(b""), 400, 1104, "invalid_json", note="signed empty body")
    wire(249, D, "empty-body-as-gzip", b"", headers(b"", "gzip"), 400, 1104, "not_encoded", "encoding_mismatch")
    wire(250, D, "double-compression", gz(gz(body)), headers(body, "gzip"), 401, 1819, "signature_mismatch",
         "double_compression", note="a proxy compressed the compressed body again")
    wire(251, D, "undeclared-compression", gz(body), headers(body), 401, 1819, "signature_mismatch",
         "undeclared_compression")
    fname = b"\x1f\x8b\x08\x1c" + b"\0\0\0\0\0\xff" + struct.pack("<H", 4) + b"abcd" + b"body.json\0" + \
        b"a comment\0" + raw_deflate(body) + struct.pack("<II", zlib.crc32(body), len(body))
    wire(214, D, "gzip-header-extra-name-comment", fname, headers(body, "gzip"), 201,
         note="FEXTRA, FNAME and FCOMMENT header fields")
    # signature
    S = "signature"
    # The API accepts session creation unsigned (vendor FAQ: "Exception is POST /sessions which does
    # not require an X-HMAC-SIGNATURE"; its browser SDK sends X-AUTH-CLIENT alone): the documented
    # profile accepts it, refusing it is a project choice; the strict profile refuses it.
    wire(260, S, "missing-signature", body, headers(None), 201, result="acceptable", profile="documented",
         allowed=[(401, 1812)], diagnostic="unsigned_request",
         policy="accepted with the unsigned_request advisory, as the API accepts POST /v1/sessions unsigned; "
                "a server that requires a signature (serve --require-signature) answers 401 code 1812")
    wire(374, S, "missing-signature-strict", body, headers(None), 401, 1812, "missing_signature", profile="strict")
    wire(261, S, "uppercase-hex", body, headers(body, form="upper"), 401, 1812, "malformed_signature",
         "signature_not_lowercase_hex")
    wire(262, S, "sha256-prefix", body, headers(body, form="sha256="), 401, 1812,
         "malformed_signature", "signature_not_lowercase_hex")
    wire(263, S, "base64", body, headers(body, form="base64"), 401, 1812, "malformed_signature",
         "signature_not_lowercase_hex")
    wire(264, S, "wrong-secret", body, headers(body, secret=b"another-secret"), 401, 1819,
         "signature_mismatch")
    wire(265, S, "signed-compressed-gzip", g, headers(g, "gzip"), 401, 1819, "signature_mismatch",
         "signed_compressed_bytes", note="the seed's Python example, signing after compressing")
    wire(266, S, "signed-compressed-deflate", z, headers(z, "deflate"), 401, 1819,
         "signature_mismatch", "signed_compressed_bytes")
    payload = json.loads(body)
    python_json = json.dumps(payload).encode()
    wire(267, S, "python-json-kwarg", python_json, headers(body), 401, 1819, "signature_mismatch",
         "signed_other_serialization", note="requests' json= re-serialized the signed compact bytes")
    pretty = json.dumps(payload, indent=2, ensure_ascii=False).encode()
    wire(268, S, "pretty-reserialized-gzip", gz(pretty), headers(body, "gzip"), 401, 1819, "signature_mismatch",
         "signed_other_serialization")
    wire(269, S, "python-example-gzip", gz(body), headers(body, "gzip"), 201,
         note="the seed's Python example as written")
    corrupt = bytearray(g)
    corrupt[10] = 0x07  # the first DEFLATE block: final, block type 3, which RFC 1951 reserves
    wire(252, D, "gzip-invalid-block-type", bytes(corrupt), headers(body, "gzip"), 400, 1104, "corrupt_stream",
         note="a DEFLATE block of the reserved type 3")
    wire(253, D, "small-body-gzip", gz(small), headers(small, "gzip"), 201, diagnostic="compression_not_worth_it",
         note="advisory only: a 300-byte body compressed, where compression costs more than it saves")
    wire(270, S, "signature-two-lines", body, headers(body) + [["X-HMAC-SIGNATURE", sign(body)]], 401, 1812,
         "malformed_signature")
    # json
    J = "json"

    def signed(name, id_, data, status, code, error, note="", profile=None):
        wire(id_, J, name, data, headers(data), status, code, error, note=note, profile=profile)

    signed("invalid-utf8", 280, b'{"verification":{"tag":"\xff"}}', 400, 1104, "invalid_utf8")
    signed("not-json", 281, b"verification=1", 400, 1104, "invalid_json")
    signed("duplicate-key", 282, b'{"verification":{"tag":"a","tag":"b"}}', 400, 1104, "duplicate_key")
    signed("depth-65", 283, b'{"verification":{"x":' + b"[" * 63 + b"]" * 63 + b"}}", 400, 1104, "too_deep")
    signed("depth-64", 284, b'{"verification":{"x":' + b"[" * 62 + b"]" * 62 + b"}}", 201, None, None,
           note="64 levels: the limit, accepted (the unknown property is a warning)", profile="documented")
    signed("top-level-array", 285, b'[{"verification":{}}]', 400, 1104, "not_an_object")
    signed("missing-verification", 286, b'{"session":{}}', 400, 1102, "missing_verification")
    signed("verification-string", 287, b'{"verification":"yes"}', 400, 1104, "verification_not_object")
    signed("number-out-of-range", 288, b'{"verification":{"vendorData":1e999999}}', 400, 1104,
           "number_out_of_range")
    # schema
    C = "schema/wire"
    tag65 = json.dumps({"verification": {"tag": "x" * 65}}).encode()
    wire(290, C, "tag-65", tag65, headers(tag65), 400, 1104, "schema_violation")
    vd = json.dumps({"verification": {"vendorData": "v" * 1001}}).encode()
    wire(291, C, "vendor-data-1001", gz(vd), headers(vd, "gzip"), 400, 1500, "schema_violation")
    dob = json.dumps({"verification": {"person": {"dateOfBirth": "1990-02-30"}}}).encode()
    wire(292, C, "date-feb-30", dob, headers(dob), 400, 1203, "schema_violation")
    cb = json.dumps({"verification": {"callback": "http://example.com/cb"}}).encode()
    wire(293, C, "callback-http-strict", cb, headers(cb), 400, 1302, "schema_violation", profile="strict")
    wire(294, C, "callback-http-documented", cb, headers(cb), 201, profile="documented")
    num = SEED_BODIES["custom-tag"]
    wire(295, C, "vendor-data-number-strict", num, headers(num), 400, 1501, "schema_violation", profile="strict")
    wire(296, C, "vendor-data-number-documented", zl(num), headers(num, "deflate"), 201, profile="documented")
    wire(297, C, "small-body-gzip", gz(small), headers(small, "gzip"), 201,
         note="accepted; verify adds the compression_not_worth_it advisory")
    # several faults at once pin the check order
    O = "headers/order"
    wire(300, O, "no-key-bad-type-br-bad-sig", g, headers(body, "br", key=None, literal="00", ctype="text/plain"),
         401, 1801, "missing_api_key")
    wire(301, O, "bad-type-br", g, headers(body, "br", ctype="text/plain"), 415, 415, "unsupported_media_type")
    wire(302, O, "br-oversize", big, headers(big, "br"), file="size/over-1mib.bin",
         status=415, code=415, error="unsupported_encoding", diagnostic="unsupported_encoding")
    wire(303, "size/order", "oversize-not-gzip-bad-sig", big, headers(big, "gzip", literal="0" * 64),
         file="size/over-1mib.bin", status=413, code=413, error=
         "body_too_large")
    wire(304, "decode/order", "trailing-bad-sig", g + b"x", headers(body, "gzip", literal="0" * 64), 400, 1104,
         "trailing_data")
    bad_json = b'{"verification":{"tag":"a","tag":"b"}'
    wire(305, "signature/order", "bad-sig-bad-json", gz(bad_json), headers(body, "gzip"), 401, 1819,
         "signature_mismatch")
    wire(306, "signature/order", "no-sig-bad-json", bad_json, headers(None), 401, 1812, "missing_signature",
         profile="strict")
    dup_schema = b'{"verification":{"tag":1,"tag":2,"person":{"dateOfBirth":"x"}}}'
    wire(307, "json/order", "duplicate-and-schema", dup_schema, headers(dup_schema), 400, 1104, "duplicate_key")
    huge = b'{"verification":{"vendorData":123456789012345678901234567890}}'
    wire(308, "json/order", "huge-integer", huge, headers(huge), 201, result="acceptable", profile="documented",
         allowed=[(400, 1104)],
         policy="integers beyond 64 bits are read as the nearest double, which the documented profile accepts as an "
                "integer; the echo of vendorData then differs from the bytes sent (the strict profile refuses numbers)")


def doctor_cases():
    """The real-world mistakes behind a 401 or 400 (issue: the signature doctor), each request made
    the way the tool that makes the mistake makes it."""
    body = SEED_BODIES["python-client"]
    payload = json.loads(body)
    S = "signature/doctor"
    mismatch = dict(status=401, code=1819, error="signature_mismatch")
    # A secret read from a file or a Kubernetes secret keeps its trailing newline:
    # open("secret.txt").read() in Python, fs.readFileSync in Node.
    wire(330, S, "secret-trailing-newline", body, headers(body, key_from="suffix:\n"), **mismatch,
         diagnostic="secret_whitespace", note="the secret read from a file with its newline")
    hex_secret = b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    wire(331, S, "secret-hex-decoded", body, headers(body, key_from="hex", server_secret=hex_secret), **mismatch,
         diagnostic="secret_decoded", server_secret=hex_secret,
         note="bytes.fromhex(secret): a hex-looking secret used decoded")
    wire(332, S, "signed-with-api-key", body, headers(body, key_from="api_key"), **mismatch,
         diagnostic="signed_with_api_key")
    wire(333, S, "sandbox-secret", body, headers(body, secret=b"sandbox-secret"), **mismatch,
         diagnostic="secret_of_other_environment", labelled={"sandbox": "sandbox-secret"},
         note="signed with the sandbox secret, sent to this environment")
    wire(334, S, "echo-added-newline", body + b"\n", headers(body), **mismatch, diagnostic="body_newline",
         note="echo \"$BODY\" | curl --data-binary @-: the body sent gained a newline")
    pretty = json.dumps(payload, indent=2).encode()
    wire(335, S, "crlf-checkout", pretty.replace(b"\n", b"\r\n"), headers(pretty), **mismatch,
         diagnostic="line_endings_converted", note="signed with LF, sent from a CRLF checkout")
    wire(336, S, "utf8-bom", b"\xef\xbb\xbf" + body, headers(body), **mismatch, diagnostic="byte_order_mark",
         note="the VS Code REST client sent the file with its byte order mark")
    wire(337, S, "curl-d-strips-newlines", pretty.replace(b"\n", b""), headers(pretty), **mismatch,
         diagnostic="newlines_stripped", note="curl -d @body.json strips newlines; the file was signed")
    person = json.dumps({"verification": {"person": {"firstName": "João", "lastName": "Müller"}}},
                        ensure_ascii=False, separators=(",", ":")).encode()
    wire(338, S, "signed-latin1", person, headers(person.decode().encode("latin-1")), **mismatch,
         diagnostic="signed_other_text_encoding", note="Java's String.getBytes() in ISO-8859-1 was signed")
    latin1 = person.decode().encode("latin-1")
    wire(339, "json", "sent-latin1", latin1, headers(latin1), 400, 1104, "invalid_utf8", diagnostic="body_not_utf8",
         note="PowerShell's Invoke-RestMethod sent Latin-1")
    twice = json.dumps(json.dumps(payload)).encode()
    wire(340, S, "json-encoded-twice", twice, headers(body), **mismatch, diagnostic="json_encoded_twice",
         note="requests.post(json=json.dumps(payload)) with the compact bytes signed")
    wire(341, S, "signed-empty-object", body, headers(b"{}"), **mismatch, diagnostic="signed_placeholder",
         note="a pre-request script signed before the body existed")
    wire(342, S, "hmac-sha512", body, headers(body, algorithm="hmac-sha512"), 401, 1812, "malformed_signature",
         diagnostic="wrong_algorithm")
    wire(343, S, "plain-sha256", body, headers(body, algorithm="sha256"), **mismatch, diagnostic="wrong_algorithm",
         note="sha256sum of the body, no HMAC")
    wire(366, S, "legacy-sha256-body-secret", body, headers(body, algorithm="sha256-body-secret"), **mismatch,
         diagnostic="legacy_signature_scheme",
         note="the vendor FAQ's legacy X-SIGNATURE scheme, sha256(payload + secret), sent in X-HMAC-SIGNATURE")
    wire(344, S, "openssl-stdin-output", body, headers(body, form="(stdin)= "), 401, 1812, "malformed_signature",
         diagnostic="signature_tool_output", note="openssl dgst -sha256 -hmac output pasted whole")
    earlier = hmac_module.new(SECRET, b'{"verification":{}}', hashlib.sha256).hexdigest()
    wire(376, S, "signatures-in-one-line", body, headers(body, form=earlier + ", "), 401, 1812, "malformed_signature",
         diagnostic="signatures_in_one_line",
         note="a .NET client added X-HMAC-SIGNATURE to a shared HttpClient's default headers: the second request "
              "carries the first one's signature and its own, joined by a comma")
    # The legacy header alone (a public Ruby gem sends only X-SIGNATURE = sha256(body + secret)): valid in
    # the legacy scheme, named; accepted unsigned in the documented profile, refused in the strict one; a
    # wrong legacy digest gets the vendor's legacy code 1814 (its authorization codes table).
    legacy = headers(body, algorithm="sha256-body-secret", header="X-SIGNATURE")
    wire(377, S, "legacy-x-signature-only", body, legacy, 201, result="acceptable", profile="documented",
         allowed=[(401, 1812)], diagnostic="legacy_signature_scheme",
         policy="accepted unsigned with the legacy digest named; a server that requires X-HMAC-SIGNATURE answers 401 "
                "code 1812")
    wire(378, S, "legacy-x-signature-only-strict", body, legacy, 401, 1812, "missing_signature",
         diagnostic="legacy_signature_scheme", profile="strict")
    wire(379, S, "legacy-x-signature-wrong", body,
         headers(b'{"verification":{}}', algorithm="sha256-body-secret", header="X-SIGNATURE"), 401, 1814,
         "legacy_signature_mismatch", result="acceptable", allowed=[(201, None), (401, 1812)],
         policy="a wrong legacy digest is refused with the vendor's legacy code 1814; a server that does not know "
                "the legacy header accepts the request unsigned (201) or requires X-HMAC-SIGNATURE (401 1812)")
    wire(345, S, "signature-in-x-signature", body, headers(body, header="X-Signature"), 401, 1812,
         "missing_signature", diagnostic="signature_in_other_header", profile="strict")
    wire(375, S, "signature-in-x-signature-documented", body, headers(body, header="X-Signature"), 201,
         result="acceptable", profile="documented", allowed=[(401, 1812)], diagnostic="signature_in_other_header",
         policy="no X-HMAC-SIGNATURE: accepted unsigned, the digest in X-Signature named beside unsigned_request")
    wire(346, S, "gateway-decompressed-deflate", body, headers(body, "deflate"), 400, 1104, "not_encoded",
         diagnostic="intermediary_decompressed", note="a gateway inflated the body and kept Content-Encoding: deflate")
    wire(347, S, "compressed-twice-signed-other", gz(body, mtime=1700000001),
         headers(gz(body, mtime=1700000000), "gzip"), **mismatch, diagnostic="signed_other_compression",
         note="gzip.compress called twice a second apart: one copy signed, the other sent")
    wire(348, S, "body-dropped", b"", headers(body), **mismatch, diagnostic="body_dropped",
         note="a redirect turned the POST into a GET and dropped the body")
    wire(349, S, "php-escaped-slashes", body, headers(body.replace(b"/", b"\\/")), **mismatch,
         diagnostic="signed_other_serialization", note="PHP's json_encode escapes / as \\/")
    # Python's json.dumps writes a float 1.0 as `1.0`; JavaScript's JSON.stringify writes it as
    # `1`: a Python-signed body relayed through Node is re-serialized with its floats changed.
    amounts = b'{"verification":{"vendorData":"customer-123"},"score":1.0,"weights":[2.0,0.5]}'
    wire(350, S, "float-style-changed", amounts.replace(b"1.0", b"1").replace(b"2.0", b"2"),
         headers(amounts), **mismatch, diagnostic="signed_other_serialization",
         note="signed by Python (1.0), re-serialized by JavaScript's JSON.stringify (1)")
    wire(351, S, "signed-other-level", gz(body, level=6, mtime=1700000000),
         headers(gz(body, level=9, mtime=1700000000), "gzip"), **mismatch,
         diagnostic="signed_other_compression",
         note="gzip.compress(body) (level 9) signed, a copy compressed at level 6 sent")

    # Signed bytes that are valid JSON no serializer would produce: a server that verifies a
    # re-serialization of the body instead of the bytes received refuses them.
    U = "json/unusual"
    for id_, name, data, profile in [
        (360, "odd-whitespace", b'{ "verification" :{"tag"\t:  "a" ,"vendorData":"x"}\r\n}', None),
        (361, "reversed-key-order", b'{"verification":{"vendorData":"v","tag":"t","callback":"https://example.com/cb"}}', None),
        (362, "escaped-slashes", b'{"verification":{"callback":"https:\\/\\/example.com\\/callback"}}', None),
        (363, "unicode-escapes", b'{"verification":{"person":{"firstName":"Jo\\u00e3o","lastName":"M\\u00fcller"}}}', None),
        (364, "float-one-point-zero", b'{"verification":{},"n":1.0}', "documented"),
        (365, "twenty-digit-integer", b'{"verification":{},"n":12345678901234567890}', "documented"),
    ]:
        wire(id_, U, name, data, headers(data), 201, profile=profile,
             note="valid JSON signed as sent; re-serializing it changes the bytes")

    # Bodies and headers servers built on real frameworks accepted (issue: fair grading).
    H, J = "headers", "json"
    wire(367, H, "content-type-vnd-api-json", body, headers(body, ctype="application/vnd.api+json"), 415, 415,
         "unsupported_media_type", note="a +json media type is not application/json")
    wire(372, H, "content-encoding-empty", body, headers(body, ""), 415, 415, "unsupported_encoding",
         "unsupported_encoding", note="an empty Content-Encoding value (curl -H 'Content-Encoding;')")
    text = body.decode("utf-8")
    utf16 = text.encode("utf-16")  # with its byte order mark, as Python and .NET write it
    wire(368, J, "utf16-with-bom", utf16, headers(utf16), 400, 1104, "invalid_utf8", "body_utf16_or_utf32",
         note="UTF-16 with a byte order mark, signed as sent (RFC 8259 §8.1: UTF-8 only)")
    utf32 = text.encode("utf-32-le")
    wire(369, J, "utf32-le", utf32, headers(utf32), 400, 1104, "invalid_json", "body_utf16_or_utf32",
         note="UTF-32LE without a byte order mark: valid UTF-8 bytes, but not JSON")
    for id_, name, literal in [(370, "nan", b"NaN"), (371, "infinity", b"Infinity")]:
        data = b'{"verification":{"vendorData":' + literal + b"}}"
        wire(id_, J, f"vendor-data-{name}", data, headers(data), 400, 1104, "invalid_json",
             note=f"{literal.decode()} is not JSON (Python's json module writes and reads it)")


# --- Levels: how strongly each case's answer is fixed, and by what --------------------------
# MUST: the API's documentation (the seed) or a standard it relies on fixes the answer; a server
# that answers otherwise is wrong. SHOULD: this project's hardening that a careful server follows
# (check order, limits, duplicate keys, trailing data). MAY: where the documentation is silent
# and real implementations differ (inferred field names, enums it does not list, vendor codes
# of 413/415, identity, uppercase hex accepted...): informational only. docs/contract.md gives
# every rule its level; `conform` reports each case with its level, rule and reference (its source).

SEED = "seed"
BY_ERROR = {
    None: ("must", "a valid request is accepted with 201", 'seed: "Created session" (201)'),
    "missing_api_key": ("must", "a request without X-AUTH-CLIENT is refused with 401",
                        'seed: "Required for all API requests"; "Unauthorized"'),
    "unknown_api_key": ("must", "an API key the server does not know is refused with 401", 'seed: "Unauthorized"'),
    "unsupported_media_type": ("must", "a Content-Type other than application/json is refused with 415",
                               'seed: "Must be set to application/json"; RFC 9110 §15.5.16'),
    "unsupported_encoding": ("must", "a Content-Encoding other than exactly gzip or deflate is refused with 415",
                             'seed: "Combined values ... are not supported. br is not supported"; "fail with a 415"'),
    "body_too_large": ("should", "a body over the size limit is refused with 413",
                       "contract §2 step 3: size limits; RFC 9110 §15.5.14"),
    "decoded_too_large": ("should", "decompression stops at the decoded-size limit with 413",
                          "contract §2 step 4: bounded decoding of unauthenticated bytes"),
    "not_encoded": ("must", "a body that is not of its declared Content-Encoding is refused with 400",
                    'seed: "Encoding/header mismatch ... the request fails with a 400"'),
    "corrupt_stream": ("must", "a corrupt compressed body is refused with 400",
                       'seed: "the compressed payload must decompress back to the exact bytes that were signed"'),
    "truncated_stream": ("must", "a truncated compressed body is refused with 400", "RFC 1952 §2.2; RFC 1950 §2.2"),
    "bad_checksum": ("must", "a compressed body whose checksum does not match is refused with 400",
                     "RFC 1952 §2.3.1 (CRC-32, ISIZE); RFC 1950 §2.2 (Adler-32)"),
    "trailing_data": ("should", "bytes after the compressed stream are refused with 400", "contract §1: trailing data"),
    "legacy_signature_mismatch": ("may", "a legacy X-SIGNATURE that is not sha256(body + secret) of this body is refused with 401 code 1814",
                                  "the vendor's authorization codes table: 1814, the SHA-256 of the body plus the secret does not match; the seed does not document the legacy header"),
    "missing_signature": ("may", "in the strict profile, a request without X-HMAC-SIGNATURE is refused with 401",
                          'a project choice: the vendor FAQ says "POST /sessions does not require an X-HMAC-SIGNATURE"; '
                          'the strict profile holds a client to the seed\'s headers ("x-hmac-signature = Lowercase hex HMAC-SHA256")'),
    "malformed_signature": ("must", "a signature that is not the HMAC-SHA256 hex digest of the body is refused with 401",
                            'seed: "Lowercase hex HMAC-SHA256 (64 chars, no prefix) of the uncompressed JSON body"'),
    "signature_mismatch": ("must", "a signature that does not match the uncompressed body is refused with 401",
                           'seed: "Your signature is always computed over the uncompressed JSON body"; "reject the request with a 401"'),
    "invalid_utf8": ("must", "a body that is not UTF-8 is refused with 400", "RFC 8259 §8.1"),
    "invalid_json": ("must", "a body that is not JSON is refused with 400", 'RFC 8259; seed: "Bad request"'),
    "number_out_of_range": ("should", "a number beyond the range of a double is refused with 400",
                            "RFC 8259 §6 (implementations may limit range)"),
    "duplicate_key": ("should", "an object with a repeated key is refused with 400",
                      "contract §2 step 6; RFC 8259 §4 (names SHOULD be unique)"),
    "too_deep": ("should", "nesting deeper than 64 levels is refused with 400", "contract §2 step 6: the nesting limit"),
    "not_an_object": ("must", "a body that is not a JSON object is refused with 400",
                      'seed: "Minimum request body: Empty verification object"'),
    "missing_verification": ("must", "a body without verification is refused with 400",
                             'seed: "Minimum request body: Empty verification object"'),
    "verification_not_object": ("must", "a verification that is not an object is refused with 400",
                                'seed: "verification object"'),
    "schema_violation": ("must", "a body that breaks a documented constraint is refused with 400",
                         "seed: the field descriptions"),
}
ORDER = ("should", "the contract's check order decides which fault is answered",
         "contract §2: the first failing step decides the answer")
UNSIGNED = ("may", "a request without X-HMAC-SIGNATURE is accepted, as the API accepts session creation unsigned; "
                   "refusing it with 401 code 1812 is a project choice",
            'vendor FAQ: "Exception is POST /sessions which does not require an X-HMAC-SIGNATURE"; '
            "the vendor's browser SDK sends X-AUTH-CLIENT alone")
WIRE_OVERRIDES = {
    260: UNSIGNED,
    375: UNSIGNED,
    204: ("must", "media types are compared case-insensitively, parameters allowed", "RFC 9110 §8.3.1"),
    209: ("may", "identity is refused with 415", "seed: supported values are exactly gzip or deflate; RFC 9110 §8.4.1 reserves identity"),
    210: ("may", "x-gzip is refused with 415", "seed: exactly gzip or deflate; RFC 9110 §8.4.1.3 lets a recipient treat x-gzip as gzip"),
    212: ("must", "content codings are case-insensitive", "RFC 9110 §8.4.1"),
    213: ("must", "spaces around a field value are not part of it", "RFC 9110 §5.5"),
    208: ("must", "a coding list on two header lines is a list, refused with 415", 'RFC 9110 §5.3; seed: "Combined values ... are not supported"'),
    214: ("must", "a gzip member with FEXTRA, FNAME and FCOMMENT decodes", "RFC 1952 §2.3.1"),
    237: ("must", "a multi-member gzip body decodes to all its members", "RFC 1952 §2.2"),
    241: ("should", "raw DEFLATE sent as deflate is refused with 400", "RFC 9110 §8.4.1.2: deflate is the zlib format"),
    261: ("may", "uppercase hex is refused", 'seed: "Lowercase hex"; accepting it is defensible'),
    262: ("should", "a prefixed signature is refused", 'seed: "64 chars, no prefix"'),
    263: ("should", "a base64 signature is refused", 'seed: "Lowercase hex"'),
    270: ("may", "two X-HMAC-SIGNATURE lines are refused", "the seed says nothing of repeated lines"),
    283: ("should", "nesting deeper than 64 levels is refused with 400", "contract §2 step 6: the nesting limit"),
    284: ("should", "nesting of 64 levels is accepted", "contract §2 step 6: the nesting limit"),
    292: ("should", "a date that is not on the calendar is refused", "RFC 3339 §5.7; seed: Format: YYYY-MM-DD"),
    293: ("may", "the strict profile refuses an http callback", "this project's strict profile"),
    294: ("may", "the documented profile accepts an http callback", "the seed does not require https"),
    295: ("should", "the strict profile refuses a numeric vendorData", "the strict profile: the field description says characters"),
    296: ("must", "a numeric vendorData is accepted in the documented profile", 'seed: its examples send "vendorData": 12345678'),
    308: ("may", "a 30-digit integer is accepted or refused", "RFC 8259 §6: implementations may limit number precision"),
    342: ("must", "an HMAC-SHA512 signature is refused with 401", 'seed: "HMAC-SHA256"'),
    365: ("should", "a 20-digit integer is accepted", "RFC 8259 §6: interoperable as text"),
    367: ("must", "a +json media type is refused with 415", 'seed: "Must be set to application/json"'),
    372: ("may", "an empty Content-Encoding value is refused with 415", "RFC 9110 §8.4 does not say what an empty value means"),
}
BODY_OVERRIDES = {
    # (level, rule, source) for the whole case; strict-only refusals are SHOULD unless listed.
    104: ("should", "a date that is not on the calendar is refused", "RFC 3339 §5.7; seed: Format: YYYY-MM-DD"),
    105: ("should", "a date that is not on the calendar is refused", "RFC 3339 §5.7; seed: Format: YYYY-MM-DD"),
    108: ("may", "an inferred date field is checked", "name inferred from description (contract §4)"),
    109: ("may", "an inferred date field is checked", "name inferred from description (contract §4)"),
    115: ("may", "a document.type outside the project's list is refused", "the seed lists no values"),
    116: ("may", "a maritalStatus outside the project's list is refused", "the seed lists no values"),
    117: ("may", "isDeceased must be a boolean", "the seed states no type"),
    124: ("should", "a callback that is not an absolute URI is refused", 'seed: "The callback URL"'),
    125: ("may", "an http callback", "the seed does not require https; the strict profile does"),
    129: ("should", "an acceptable type without name is refused", 'seed: "Name of the accepted proof of address document type"'),
    130: ("may", "an acceptable type name with a dash is accepted", "the seed lists no values"),
    131: ("may", "an unknown property is accepted (documented) or refused (strict)", "the seed says nothing of unknown properties"),
    132: ("may", "an unknown property is accepted (documented) or refused (strict)", "the seed says nothing of unknown properties"),
    134: ("may", "a body with every field, inferred names included, is accepted", "names inferred from descriptions (contract §4)"),
    136: ("may", "mxIne with letters", "the seed's examples send numbers; the strict profile wants digits"),
    137: ("may", "a fractional vendorData", "contract §4: the documented profile accepts numbers; which numbers is open"),
    138: ("should", "a numeric tag is refused", 'seed: "max length 64 characters"'),
    141: ("may", "an unknown property is accepted (documented) or refused (strict); either way it is not endUserId",
          "RFC 8259 §4: names are strings, compared exactly; the seed names endUserId"),
    142: ("should", "an integer above 2^53 is accepted and echoed exactly",
          'seed: its examples send numeric vendorData; "returns it unmodified"; RFC 8259 §6'),
    145: ("should", "a consent timestamp with a space for T is refused",
          "seed: Format: YYYY-MM-DDTHH:MM:SS.sssZ; RFC 3339 §5.6 allows a space by agreement"),
    146: ("should", "an empty document number is refused", 'seed: "[a-zA-Z0-9] characters only"'),
    380: ("should", "a date-time that is not on the calendar is refused",
          "RFC 3339 §5.7; seed: Format: YYYY-MM-DDTHH:MM:SS.sssZ"),
    381: ("may", "a leap second where none is inserted is accepted (documented) or refused (strict)",
          "RFC 3339 §5.7: leap seconds at the end of a month only, by the table of those inserted"),
    382: ("may", "year 0000 is accepted (documented) or refused (strict)",
          "RFC 3339 §5.6 allows year 0000; ISO 8601 makes it 1 BC; Python's date starts at year 1"),
    384: ("may", "null for an optional member is refused, or read as the member left out",
          "the seed types each optional member and says nothing of null"),
    383: ("may", "an integer written with a fraction (100.0) is accepted as an integer, or refused",
          "RFC 8259 §6 has numbers, not integers; JSON Schema's integer is by value, a typed reader's is not"),
}


def grade(case):
    """Gives a case its level, rule and source (and a multi-fault case its faults)."""
    if "request" in case:
        error = case["expect"]["error"]
        level, rule, source = WIRE_OVERRIDES.get(case["id"], BY_ERROR[error])
        if case.get("result") == "acceptable":
            level = "may"
        case.update(level=level, rule=rule, reference=source)
        return
    for name, v in case["profiles"].items():
        if case["id"] in BODY_OVERRIDES:
            level, rule, source = BODY_OVERRIDES[case["id"]]
        elif v["result"] == "valid":
            level, rule, source = BY_ERROR[None]
            if case["file"].startswith("schema/seed/"):
                rule, source = "the documentation's own example is accepted", "seed: its example bodies"
        elif name == "strict" and case["profiles"]["documented"]["result"] == "valid":
            level, rule, source = ("should", "the strict profile refuses what the field descriptions do not state",
                                   "this project's strict profile (contract §4)")
        else:
            level, rule, source = BY_ERROR["schema_violation"]
        v.update(level=level, rule=rule, reference=source)


# Multi-fault cases: every fault the request has, in the contract's check order. Any fault's
# answer conforms (the documentation fixes no order between them: MUST that it is one of them);
# answering another than the first is a SHOULD finding (contract §2's order).
FAULTS = {
    300: ["missing_api_key", "unsupported_media_type", "unsupported_encoding", "malformed_signature"],
    301: ["unsupported_media_type", "unsupported_encoding"],
    302: ["unsupported_encoding", "body_too_large"],
    303: ["body_too_large", "not_encoded", "signature_mismatch"],
    304: ["trailing_data", "signature_mismatch"],
    305: ["signature_mismatch", "duplicate_key"],
    306: ["missing_signature", "duplicate_key"],
    307: ["duplicate_key", "schema_violation"],
    # A signature that matches nothing over a body that is not JSON either: a server that parses
    # before it verifies answers 400, which is that fault's answer.
    250: ["signature_mismatch", "invalid_utf8"],
    251: ["signature_mismatch", "invalid_utf8"],
    336: ["signature_mismatch", "invalid_json"],
    340: ["signature_mismatch", "not_an_object"],
    348: ["signature_mismatch", "invalid_json"],
}
ANSWERS = {
    "missing_api_key": (401, 1801), "unsupported_media_type": (415, None), "unsupported_encoding": (415, None),
    "malformed_signature": (401, 1812), "body_too_large": (413, None), "not_encoded": (400, 1104),
    "signature_mismatch": (401, 1819), "trailing_data": (400, 1104), "duplicate_key": (400, 1104),
    "missing_signature": (401, 1812), "schema_violation": (400, None), "invalid_utf8": (400, 1104),
    "invalid_json": (400, 1104), "number_out_of_range": (400, 1104), "not_an_object": (400, 1104),
}


def add_faults(case):
    faults = FAULTS.get(case["id"])
    if not faults:
        return
    assert faults[0] == case["expect"]["error"], case["id"]
    case["faults"] = [{"error": e, "status": ANSWERS[e][0], "code": ANSWERS[e][1], "rule": BY_ERROR[e][1],
                       "reference": BY_ERROR[e][2]} for e in faults]
    # The faults' own answers are MUST; which one comes first is the contract's order.
    case["level"] = "must"
    case["rule"] = "a request with several faults is refused with the answer of one of them"
    case["reference"] = "; ".join(dict.fromkeys(BY_ERROR[e][2] for e in faults))


def main():
    seed_cases()
    hand_cases()
    wire_cases()
    doctor_cases()
    for case in CASES:
        grade(case)
        add_faults(case)
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
