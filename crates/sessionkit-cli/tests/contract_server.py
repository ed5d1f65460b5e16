#!/usr/bin/env python3
"""An independent, minimal implementation of the POST /v1/sessions contract (docs/contract.md),
written with Python's standard library only (http.server, hmac, zlib, json): it shares no code
with sessionkit, so `sessionkit conform` is tested against a server it did not write. It answers
failures in the vendor's shape, {"status": "fail", "code": n, "message": "..."}, with no
diagnostics.

    python3 contract_server.py [--api-key K] [--secret S] [--profile documented|strict] [--bug NAME]

It prints "listening on http://127.0.0.1:PORT" once it listens (port 0: a free one). Each --bug
plants one realistic bug (see BUGS), for testing that conform catches it.
"""
import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import re
import sys
import threading
import uuid
import zlib

LIMIT = 1 << 20
MAX_DEPTH = 64

BUGS = {
    "sign-wire": "the signature is checked over the wire bytes, not the decoded ones",
    "combined-encodings": "Content-Encoding lists such as 'gzip, deflate' are accepted (first token used)",
    "no-decoded-limit": "no limit on the decoded size (a bomb is inflated whole)",
    "raw-deflate": "raw DEFLATE is accepted as deflate",
    "duplicate-keys": "duplicate keys are accepted (the last one wins)",
    "bytes-length": "tag and vendorData lengths are counted in UTF-8 bytes",
    "no-accept-encoding": "a 415 for the encoding carries no Accept-Encoding",
    "json-before-signature": "the body is parsed before the signature is checked",
    "unsigned-answers": "201 answers carry no X-HMAC-SIGNATURE",
    "answer-signed-reserialized": "the 201 answer is signed over a re-serialization, not its bytes",
    "no-echo": "vendorData is not echoed in the 201 answer",
    "trailing-data": "bytes after the gzip stream are ignored",
    "truncated-ok": "a truncated stream is decoded as far as it goes",
    "uppercase-hex": "an uppercase hex signature is accepted",
    "missing-signature-ok": "a request without a signature is accepted in the strict profile too",
    "unsigned-refused": "a request without a signature is refused in the documented profile (a project choice)",
    "no-uuid-check": "endUserId is not checked",
    "date-regex-only": "dates are checked by their shape only (1990-02-30 passes)",
    "decoded-too-large-400": "a body over the decoded limit is answered 400, not 413",
    "charset-refused": "Content-Type with a charset parameter is refused with 415",
    "encoding-case-sensitive": "Content-Encoding is compared case-sensitively (GZIP refused)",
    "single-vendor-code": "every schema violation is answered with code 1104",
    "first-gzip-member": "only the first gzip member is read; more members are trailing data",
    "code-as-string": "code is sent as a numeric string (allowed; a note, not a failure)",
    "http-callback-ok": "strict profile: an http:// callback is accepted",
    "unknown-properties-ok": "strict profile: unknown properties are accepted",
    "eid-text-optional": "an approved eid consent without text is accepted",
    "answer-status-ok": "failure answers say status 'error' instead of 'fail'",
    "verify-reserialized": "the signature is checked over the body parsed and serialized again",
    # Bugs that show only for some inputs: the fixed corpus misses them, `sessionkit fuzz` finds them.
    "utf16-length": "lengths are counted in UTF-16 code units (JavaScript's length): characters beyond the BMP count twice",
    "leap-day": "leap years are taken to be those divisible by 400 only (2024-02-29 refused, 2000-02-29 accepted)",
    "rare-char-500": "a body holding the character U+1E9E (capital sharp s) is answered 500",
    "third-gzip-member-500": "a gzip body of three or more members is answered 500",
    "decoded-512k": "the decoded-size limit is 512 KiB instead of 1 MiB",
    # Bugs of cost: what a stranger's request may cost the server.
    "header-case-sensitive": "header names are matched case-sensitively (x-auth-client is not X-AUTH-CLIENT)",
    "ten-consents-max": "more than ten consents are refused with 400",
    "late-413": "a declared Content-Length over the limit is read in full before it is refused",
    "stalls-on-bomb": "a body that inflates past the limit stalls its worker, which holds a lock every request takes",
}

# Taken by every request when a bug makes the server serial (`stalls-on-bomb`).
SERIAL = threading.Lock()


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def refuse(status, code, message):
    raise Refused(status, code, message)


# --- decode ---------------------------------------------------------------------------------


def inflate(data, wbits, limit, bug):
    """One zlib/gzip stream; returns (output, bytes after it)."""
    d = zlib.decompressobj(wbits)
    out = bytearray()
    buf = data
    try:
        while True:
            room = limit + 1 - len(out) if limit is not None else 0
            chunk = d.decompress(buf, room)
            out += chunk
            if limit is not None and len(out) > limit:
                if "stalls-on-bomb" in bug:
                    threading.Event().wait()  # a worker stuck for good, holding SERIAL
                if "decoded-too-large-400" in bug:
                    refuse(400, 1104, "decoded body too large")
                refuse(413, 413, "decoded body exceeds limit")
            if d.eof:
                return bytes(out), d.unused_data
            buf = d.unconsumed_tail
            if not buf:
                if "truncated-ok" in bug:
                    return bytes(out) + d.flush(), b""
                refuse(400, 1104, "stream ends early")
    except zlib.error as e:
        refuse(400, 1104, f"corrupt stream ({e})")


class Crash(Exception):
    """A planted server error: answered 500."""


def decode(wire, encoding, bug):
    limit = None if "no-decoded-limit" in bug else LIMIT
    if "decoded-512k" in bug and encoding is not None:
        limit = 512 * 1024
    if encoding is None:
        if len(wire) > LIMIT:
            refuse(413, 413, "decoded body exceeds limit")
        return wire
    if encoding == "deflate":
        if "raw-deflate" in bug and not (len(wire) >= 2 and (wire[0] << 8 | wire[1]) % 31 == 0):
            out, rest = inflate(wire, -15, limit, bug)
        else:
            out, rest = inflate(wire, 15, limit, bug)
        if rest and "trailing-data" not in bug:
            refuse(400, 1104, "bytes follow the zlib stream")
        return out
    # gzip, multi-member
    out = b""
    rest = wire
    members = 0
    while True:
        room = None if limit is None else limit - len(out)
        member, rest = inflate(rest, 31, room, bug)
        out += member
        members += 1
        if members >= 3 and "third-gzip-member-500" in bug:
            raise Crash("third gzip member")
        if not rest or "trailing-data" in bug:
            return out
        if "first-gzip-member" in bug or not rest.startswith(b"\x1f\x8b"):
            refuse(400, 1104, "bytes follow the last gzip member")


# --- json -----------------------------------------------------------------------------------


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        refuse(400, 1104, "duplicate key")
    return dict(pairs)


def depth(value):
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def parse(decoded, bug):
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        refuse(400, 1104, "body is not UTF-8")

    def constant(name):
        refuse(400, 1104, f"{name} is not JSON")

    def number(s):
        value = float(s)
        if value in (float("inf"), float("-inf")):
            refuse(400, 1104, f"number {s} is out of range")
        return value

    hook = dict if "duplicate-keys" in bug else no_duplicates
    try:
        body = json.loads(text, object_pairs_hook=hook, parse_constant=constant, parse_float=number)
    except (ValueError, RecursionError):
        refuse(400, 1104, "body is not JSON")
    if depth(body) > MAX_DEPTH:
        refuse(400, 1104, "nesting too deep")
    if not isinstance(body, dict):
        refuse(400, 1104, "body is not an object")
    if "verification" not in body:
        refuse(400, 1102, "verification is missing")
    if not isinstance(body["verification"], dict):
        refuse(400, 1104, "verification is not an object")
    return body


# --- schema ---------------------------------------------------------------------------------

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3986: printable ASCII only (an internationalized name is sent punycoded, a path
# percent-encoded). `sessionkit fuzz` found this server accepting raw Unicode here.
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]*")
TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?Z")


def is_int(v):
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def length(s, bug):
    if "bytes-length" in bug:
        return len(s.encode("utf-8"))
    if "utf16-length" in bug:
        return len(s.encode("utf-16-le")) // 2
    return len(s)


class Schema:
    def __init__(self, strict, bug):
        self.strict, self.bug, self.errors = strict, bug, []

    def fail(self, code):
        if "single-vendor-code" in self.bug:
            code = 1104
        self.errors.append(code)

    def string(self, v, **kw):
        if not isinstance(v, str):
            return self.fail(1104)

    def date(self, v):
        if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return self.fail(1203)
        if "date-regex-only" in self.bug:
            return
        if "leap-day" in self.bug and v[5:] == "02-29" and int(v[:4]) % 400 != 0:
            return self.fail(1203)
        # RFC 3339 allows the year 0000 (a leap year, as 2000), which Python's date cannot hold:
        # `sessionkit fuzz` found this server refusing 0000-01-01. The strict profile refuses it.
        if self.strict and v[:4] == "0000":
            return self.fail(1203)
        year = int(v[:4]) or 2000
        try:
            datetime.date(year, int(v[5:7]), int(v[8:]))
        except ValueError:
            self.fail(1203)

    def pattern(self, v, regex):
        if not isinstance(v, str) or not re.fullmatch(regex, v):
            self.fail(1104)

    def uri(self, v):
        if not isinstance(v, str) or not URI.fullmatch(v):
            self.fail(1104)

    def string_or_int(self, v, strict_string=False):
        if isinstance(v, str):
            return True
        if strict_string and self.strict:
            return False
        return is_int(v)

    def closed(self, obj, known):
        if self.strict and "unknown-properties-ok" not in self.bug:
            for key in obj:
                if key not in known:
                    self.fail(1104)

    def obj(self, v, known):
        if not isinstance(v, dict):
            self.fail(1104)
            return None
        self.closed(v, known)
        return v

    def check(self, body):
        self.closed(body, {"verification"})
        v = body["verification"]
        fields = {
            "callback": self.callback, "person": self.person, "document": self.document,
            "address": self.address, "proofOfAddress": self.proof_of_address,
            "serviceCoverage": self.service_coverage, "endUserId": self.end_user_id,
            "vendorData": self.vendor_data, "consents": self.consents, "tag": self.tag,
            "hostAppLink": self.uri,
        }
        self.closed(v, fields)
        for name, check in fields.items():
            if name in v:
                check(v[name])
        return self.errors

    def callback(self, v):
        self.uri(v)
        if self.strict and isinstance(v, str) and "http-callback-ok" not in self.bug:
            if not v.startswith("https://"):
                self.fail(1302)

    def end_user_id(self, v):
        if "no-uuid-check" not in self.bug and (not isinstance(v, str) or not UUID.fullmatch(v)):
            self.fail(1104)

    def vendor_data(self, v):
        if not self.string_or_int(v, strict_string=True):
            return self.fail(1501)
        if isinstance(v, str) and length(v, self.bug) > 1000:
            self.fail(1500)

    def tag(self, v):
        if not isinstance(v, str):
            return self.fail(1104)
        if length(v, self.bug) > 64:
            self.fail(1104)

    PERSON_STRINGS = ["firstName", "lastName", "phoneNumber", "gender", "email", "fullName", "occupation",
                      "landlinePhoneNumber", "partnerFirstName", "partnerLastName", "middleName",
                      "secondLastName"]

    def person(self, v):
        known = set(self.PERSON_STRINGS) | {"idNumber", "dateOfBirth", "marriageDate", "maritalStatus", "isDeceased"}
        p = self.obj(v, known)
        if p is None:
            return
        for name in self.PERSON_STRINGS:
            if name in p:
                self.string(p[name])
        if "idNumber" in p and not self.string_or_int(p["idNumber"], strict_string=True):
            self.fail(1104)
        for name in ("dateOfBirth", "marriageDate"):
            if name in p:
                self.date(p[name])
        if "maritalStatus" in p and p["maritalStatus"] not in ("single", "married", "divorced", "widowed"):
            self.fail(1104)
        if "isDeceased" in p and not isinstance(p["isDeceased"], bool):
            self.fail(1104)

    DOCUMENT_STRINGS = ["version", "category", "uniqueNumber", "issuingState", "referenceNumber",
                        "registrationNumber"]

    def document(self, v):
        known = set(self.DOCUMENT_STRINGS) | {"number", "country", "type", "firstIssue", "idCardType",
                                              "documentNumberIdentifiers", "issueDate", "expiryDate"}
        d = self.obj(v, known)
        if d is None:
            return
        for name in self.DOCUMENT_STRINGS:
            if name in d:
                self.string(d[name])
        if "number" in d:
            self.pattern(d["number"], r"[a-zA-Z0-9]+")
        if "country" in d:
            self.pattern(d["country"], r"[A-Z]{2}")
        if "type" in d and d["type"] not in ("PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA"):
            self.fail(1104)
        for name in ("firstIssue", "issueDate", "expiryDate"):
            if name in d:
                self.date(d[name])
        if "idCardType" in d:
            self.pattern(d["idCardType"], r"[a-zA-Z]+")
        if "documentNumberIdentifiers" in d:
            ids = self.obj(d["documentNumberIdentifiers"], {"mxIne", "mxIfe"})
            for name in ("mxIne", "mxIfe"):
                if ids is not None and name in ids:
                    value = ids[name]
                    if self.strict:
                        self.pattern(value, r"[0-9]+")
                    elif not self.string_or_int(value):
                        self.fail(1104)

    def address(self, v):
        names = ["fullAddress", "street", "houseNumber", "postalCode", "city", "state", "unit", "neighbourhood"]
        a = self.obj(v, set(names))
        for name in names:
            if a is not None and name in a:
                self.string(a[name])

    def proof_of_address(self, v):
        p = self.obj(v, {"acceptableTypes"})
        if p is None or "acceptableTypes" not in p:
            return
        if not isinstance(p["acceptableTypes"], list):
            return self.fail(1104)
        for item in p["acceptableTypes"]:
            t = self.obj(item, {"name"})
            if t is None:
                continue
            if "name" not in t:
                self.fail(1102)
            else:
                self.string(t["name"])

    def service_coverage(self, v):
        s = self.obj(v, {"country"})
        if s is not None and "country" in s:
            self.pattern(s["country"], r"[A-Z]{2}")

    def consents(self, v):
        if not isinstance(v, list):
            return self.fail(1104)
        if "ten-consents-max" in self.bug and len(v) > 10:
            return self.fail(1104)
        for item in v:
            c = self.obj(item, {"type", "approved", "text", "timestamp"})
            if c is None:
                continue
            for name in ("type", "text"):
                if name in c:
                    self.string(c[name])
            if "approved" in c and not isinstance(c["approved"], bool):
                self.fail(1104)
            if "timestamp" in c:
                self.timestamp(c["timestamp"])
            eid = c.get("type") == "eid" and c.get("approved") is True
            if eid and "text" not in c and "eid-text-optional" not in self.bug:
                self.fail(1102)

    def timestamp(self, v):
        m = TIMESTAMP.fullmatch(v) if isinstance(v, str) else None
        if not m:
            return self.fail(1104)
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        # A leap second: the strict profile takes one only where one may be inserted.
        if self.strict and s == 60 and ((mo, d) not in ((6, 30), (12, 31)) or (h, mi) != (23, 59)):
            return self.fail(1104)
        try:
            datetime.datetime(y or 2000, mo, d, h, mi, min(s, 59))
        except ValueError:
            self.fail(1104)


# --- the server -----------------------------------------------------------------------------


def sign(secret, data):
    return hmac.new(secret, data, hashlib.sha256).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    config = None

    def log_message(self, *args):
        pass

    def answer(self, status, body, extra=()):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.unread = 0
        if "stalls-on-bomb" in self.config.bug:
            with SERIAL:
                self.post()
        else:
            self.post()
        self.drain()

    def drain(self):
        """Reads what is left of a body answered before it was read, for a while: closing a socket
        with unread bytes resets the connection, and the client may lose the answer with it."""
        if not self.unread:
            return
        self.connection.settimeout(2.0)
        try:
            while self.unread > 0:
                chunk = self.rfile.read(min(self.unread, 1 << 16))
                if not chunk:
                    break
                self.unread -= len(chunk)
        except OSError:
            pass

    def post(self):
        c = self.config
        length = int(self.headers.get("Content-Length") or 0)
        if length > LIMIT and "late-413" not in c.bug:
            # Judged on the declared length, before a byte of the body is read (as nginx does):
            # the header checks, then 413; the body is drained after the answer, and the
            # connection ends.
            wire = b""
            self.unread = length
            self.close_connection = True
        else:
            wire = self.rfile.read(min(length, LIMIT + 1))
            left = length - len(wire)
            while left > 0:  # drain what is over the limit, so the client reads its 413
                left -= len(self.rfile.read(min(left, 1 << 16)) or b"x" * left)
        if self.path != "/v1/sessions":
            return self.answer(404, {"status": "fail", "code": 404, "message": "not found"})
        try:
            body = self.decide(wire, length)
        except Crash as e:
            return self.answer(500, {"status": "fail", "code": 500, "message": f"internal error ({e})"})
        except Refused as r:
            extra = []
            if r.status == 415 and r.code == 415 and getattr(r, "encoding", False) and "no-accept-encoding" not in c.bug:
                extra.append(("Accept-Encoding", "gzip, deflate"))
            code = str(r.code) if "code-as-string" in c.bug else r.code
            status = "error" if "answer-status-ok" in c.bug else "fail"
            return self.answer(r.status, {"status": status, "code": code, "message": r.message}, extra)
        v = body["verification"]
        token = uuid.uuid4().hex
        created = {"status": "success", "verification": {
            "id": str(uuid.uuid4()), "url": f"https://example.invalid/v/{token}", "sessionToken": token,
            "baseUrl": "https://example.invalid", "status": "created", "endUserId": v.get("endUserId"),
            "vendorData": None if "no-echo" in c.bug else v.get("vendorData")}}
        data = json.dumps(created, separators=(",", ":")).encode()
        signed = json.dumps(created).encode() if "answer-signed-reserialized" in c.bug else data
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-AUTH-CLIENT", c.api_key)
        if "unsigned-answers" not in c.bug:
            self.send_header("X-HMAC-SIGNATURE", sign(c.secret, signed))
        self.end_headers()
        self.wfile.write(data)

    def header_lines(self, name):
        """Every line of header `name` (case-insensitively, as RFC 9110 §5.1 says; exactly as
        spelled under the `header-case-sensitive` bug)."""
        if "header-case-sensitive" in self.config.bug:
            return [v for k, v in self.headers.items() if k == name] or None
        return self.headers.get_all(name)

    def decide(self, wire, declared):
        c, bug = self.config, self.config.bug
        keys = self.header_lines("X-AUTH-CLIENT") or []
        if not keys:
            refuse(401, 1801, "missing X-AUTH-CLIENT")
        if len(keys) > 1 or keys[0].strip() != c.api_key:
            refuse(401, 1803, "unknown API key")
        types = self.header_lines("Content-Type") or []
        media = types[0].split(";")[0].strip().lower() if len(types) == 1 else None
        if media != "application/json" or ("charset-refused" in bug and ";" in types[0]):
            refuse(415, 415, "Content-Type is not application/json")
        encodings = self.header_lines("Content-Encoding") or []
        encoding = None
        if encodings:
            value = encodings[0].strip()
            if "combined-encodings" in bug and "," in value:
                value = value.split(",")[0].strip()
            token = value if "encoding-case-sensitive" in bug else value.lower()
            if len(encodings) > 1 or token not in ("gzip", "deflate"):
                r = Refused(415, 415, "unsupported Content-Encoding")
                r.encoding = True
                raise r
            encoding = token
        if max(len(wire), declared) > LIMIT:
            refuse(413, 413, "body exceeds limit")
        decoded = decode(wire, encoding, bug)
        if "json-before-signature" in bug:
            body = parse(decoded, bug)
        signed = wire if "sign-wire" in bug else decoded
        if "verify-reserialized" in bug:
            try:
                signed = json.dumps(json.loads(decoded), separators=(",", ":"), ensure_ascii=False).encode()
            except ValueError:
                pass
        self.check_signature(signed)
        body = parse(decoded, bug)
        if "rare-char-500" in bug and "\u1e9e" in decoded.decode("utf-8", "replace"):
            raise Crash("unexpected character")
        errors = Schema(c.profile == "strict", bug).check(body)
        if errors:
            refuse(400, errors[0], f"{len(errors)} schema violation(s)")
        return body

    def check_signature(self, signed):
        c, bug = self.config, self.config.bug
        values = self.header_lines("X-HMAC-SIGNATURE") or []
        if not values:
            # The API accepts session creation unsigned (vendor FAQ); the strict profile does not.
            documented = c.profile == "documented" and "unsigned-refused" not in bug
            if documented or "missing-signature-ok" in bug:
                return
            refuse(401, 1812, "missing X-HMAC-SIGNATURE")
        value = values[0].strip()
        if "uppercase-hex" in bug:
            value = value.lower()
        if len(values) > 1 or not re.fullmatch(r"[0-9a-f]{64}", value):
            refuse(401, 1812, "malformed signature")
        if not hmac.compare_digest(value, sign(c.secret, signed)):
            refuse(401, 1819, "signature mismatch")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-key", default="your-api-key")
    parser.add_argument("--secret", default="your-shared-secret")
    parser.add_argument("--profile", choices=["documented", "strict"], default="documented")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bug", action="append", default=[], choices=sorted(BUGS))
    args = parser.parse_args()
    args.secret = args.secret.encode()
    Handler.config = args
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
