"""app.py once its team fixed every deviation `sessionkit conform` and `sessionkit fuzz` found.

Still FastAPI and pydantic, still written from the API's documentation; what changed is what
../README.md lists for FastAPI (the MUST rows and the SHOULD warnings), each fixed the way the
documentation or the RFC it cites asks:

- the checks run in the documented order: API key, media type, content coding (codings are
  case-insensitive, and a list, also one spread over two header lines, is refused), a declared
  length over the limit answered 413 before the body is read, the wire size, then decoding;
- decoding stops at the decoded limit (a bomb costs at most 1 MiB of output), refuses bytes
  after the stream, and runs on a worker thread, so the event loop keeps answering;
- a signature that is not 64 lowercase hex digits is 1812, a wrong one 1819; an unknown API key
  is 1803;
- the JSON is UTF-8, without repeated keys, NaN, numbers beyond a double, or nesting deeper
  than 64;
- the pydantic model is strict (no "yes" for a boolean, no midnight datetime or Unix time for a
  date), consent members are optional, an approved eid consent needs its text, vendorData is at
  most 1,000 characters, the endUserId is echoed as it was sent.

    python3 fixed.py --api-key K --secret S    # prints "listening on http://127.0.0.1:PORT"
"""

import asyncio
import datetime
import hmac
import json
import math
import re
import zlib
from typing import Annotated, Literal, Optional, Union

from fastapi import FastAPI, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

import app as first

LIMIT = 1 << 20
MAX_DEPTH = 64
SIGNATURE = re.compile(r"[0-9a-f]{64}")
UTC_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def calendar_date(value: str) -> str:
    """Format: YYYY-MM-DD, a day of the calendar (1203, the vendor's code for a bad date)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            datetime.date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise PydanticCustomError("bad_date", "not a YYYY-MM-DD date of the calendar")


def utc_timestamp(value: str) -> str:
    """ISO 8601 date and time in UTC: the `Z` form, a real instant."""
    try:
        if UTC_TIMESTAMP.fullmatch(value):
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return value
    except ValueError:
        pass
    raise PydanticCustomError("bad_timestamp", "not an ISO 8601 date and time in UTC")


def vendor_data(value):
    if isinstance(value, str) and len(value) > 1000:
        raise PydanticCustomError("vendor_data_too_long", "more than 1,000 characters")
    return value


def matching(pattern: str, kind: str, message: str):
    """A string that `pattern` matches whole, else the pydantic error `kind`."""
    def check(value: str) -> str:
        if re.fullmatch(pattern, value):
            return value
        raise PydanticCustomError(kind, message)
    return Annotated[StrictStr, AfterValidator(check)]


Date = Annotated[StrictStr, AfterValidator(calendar_date)]
# RFC 3986 §3.1: an absolute URI starts with a scheme.
Uri = matching(r"[A-Za-z][A-Za-z0-9+.-]*:[!-~]*", "bad_uri", "not an absolute URI (ASCII, no spaces)")
Country = matching(r"[A-Z]{2}", "bad_country", "not ISO 3166-1 alpha-2")


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)


Text = Optional[StrictStr]
TextOrNumber = Optional[Union[StrictStr, StrictInt]]


class Person(Strict):
    firstName: Text = None
    lastName: Text = None
    middleName: Text = None
    secondLastName: Text = None
    fullName: Text = None
    idNumber: TextOrNumber = None
    phoneNumber: Text = None
    landlinePhoneNumber: Text = None
    email: Text = None
    gender: Text = None
    occupation: Text = None
    dateOfBirth: Optional[Date] = None
    maritalStatus: Optional[Literal["single", "married", "divorced", "widowed"]] = None
    isDeceased: Optional[StrictBool] = None
    partnerFirstName: Text = None
    partnerLastName: Text = None
    marriageDate: Optional[Date] = None


class DocumentNumberIdentifiers(Strict):
    mxIne: TextOrNumber = None
    mxIfe: TextOrNumber = None


class Document(Strict):
    number: Optional[matching(r"[a-zA-Z0-9]+", "bad_number", "[a-zA-Z0-9] characters only")] = None
    country: Optional[Country] = None
    type: Optional[Literal["PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA"]] = None
    firstIssue: Optional[Date] = None
    idCardType: Optional[matching(r"[a-zA-Z]+", "bad_card_type", "[a-zA-Z] characters only")] = None
    documentNumberIdentifiers: Optional[DocumentNumberIdentifiers] = None
    issueDate: Optional[Date] = None
    expiryDate: Optional[Date] = None
    version: Text = None
    category: Text = None
    uniqueNumber: Text = None
    issuingState: Text = None
    referenceNumber: Text = None
    registrationNumber: Text = None


class Address(Strict):
    fullAddress: Text = None
    street: Text = None
    houseNumber: Text = None
    postalCode: Text = None
    city: Text = None
    state: Text = None
    unit: Text = None
    neighbourhood: Text = None


class Consent(Strict):
    type: Text = None
    approved: Optional[StrictBool] = None
    text: Text = None
    timestamp: Optional[Annotated[StrictStr, AfterValidator(utc_timestamp)]] = None


class AcceptableType(Strict):
    name: StrictStr


class ProofOfAddress(Strict):
    acceptableTypes: Optional[list[AcceptableType]] = None


class ServiceCoverage(Strict):
    country: Optional[Country] = None


class Verification(Strict):
    callback: Optional[Uri] = None
    person: Optional[Person] = None
    document: Optional[Document] = None
    address: Optional[Address] = None
    proofOfAddress: Optional[ProofOfAddress] = None
    vendorData: Optional[Annotated[Union[StrictInt, StrictStr], AfterValidator(vendor_data)]] = None
    endUserId: Optional[matching(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", "bad_uuid", "not a UUID")] = None
    tag: Optional[matching(r"(?s).{0,64}", "tag_too_long", "more than 64 characters")] = None
    consents: Optional[list[Consent]] = None
    serviceCoverage: Optional[ServiceCoverage] = None
    hostAppLink: Optional[Uri] = None


class CreateSession(Strict):
    verification: Verification


# The vendor's codes for what a pydantic error type names; everything else is 1104.
CODES = {"missing": 1102, "bad_date": 1203, "vendor_data_too_long": 1500}


class Refused(Exception):
    def __init__(self, status, code, message, headers=None):
        self.answer = first.fail(status, code, message, headers)


def codings(request: Request) -> list[str]:
    """Every `Content-Encoding` line, read as the one list RFC 9110 §5.3 makes of them."""
    joined = ", ".join(request.headers.getlist("content-encoding"))
    return [c.strip().lower() for c in joined.split(",")] if joined else []


def decode(body: bytes, coding: Optional[str]) -> bytes:
    """At most LIMIT + 1 bytes of output: a bomb stops there; bytes after the stream refuse it."""
    if coding is None:
        return body
    out = b""
    rest = body
    while True:
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS)
        try:
            out += stream.decompress(rest, LIMIT + 1 - len(out))
        except zlib.error as e:
            raise Refused(400, 1104, f"the body is not {coding}: {e}")
        if len(out) > LIMIT or stream.unconsumed_tail:
            raise Refused(413, 413, "decoded body too large")
        if not stream.eof:
            raise Refused(400, 1104, f"the {coding} stream is truncated")
        rest = stream.unused_data
        # A gzip body may be several members (RFC 1952 §2.2); a zlib stream is one.
        if coding != "gzip" or not rest.startswith(b"\x1f\x8b"):
            break
    if rest:
        raise Refused(400, 1104, f"bytes after the {coding} stream")
    return out


def no_duplicates(pairs):
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise Refused(400, 1104, "an object repeats a key")
    return dict(pairs)


def refuse_constant(name):
    raise Refused(400, 1104, f"{name} is not JSON")


def finite(text):
    """A number a double can hold (RFC 8259 §6 lets a reader limit range): 1e400 is refused."""
    number = float(text)
    if math.isinf(number):
        raise Refused(400, 1104, f"{text} is beyond the range of a double")
    return number


def depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > LIMIT:
        raise Refused(413, 413, "body too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > LIMIT:
            raise Refused(413, 413, "body too large")
    return body


async def create_session(request: Request):
    try:
        key = request.headers.get("x-auth-client")
        if key is None:
            raise Refused(401, 1801, "missing X-AUTH-CLIENT")
        if not hmac.compare_digest(key.encode(), first.args.api_key.encode()):
            raise Refused(401, 1803, "unknown X-AUTH-CLIENT")
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise Refused(415, 415, "Content-Type must be application/json")
        coding = codings(request)
        if len(coding) > 1 or (coding and coding[0] not in ("gzip", "deflate")):
            raise Refused(415, 415, "unsupported Content-Encoding", {"Accept-Encoding": "gzip, deflate"})
        wire = await read_body(request)
        body = await asyncio.to_thread(decode, wire, coding[0] if coding else None)
        signature = request.headers.get("x-hmac-signature", "")
        if not SIGNATURE.fullmatch(signature):
            raise Refused(401, 1812, "X-HMAC-SIGNATURE is not 64 lowercase hex digits")
        if not hmac.compare_digest(signature, first.sign(body)):
            raise Refused(401, 1819, "signature mismatch")
        try:
            document = json.loads(body.decode("utf-8"), object_pairs_hook=no_duplicates,
                                  parse_constant=refuse_constant, parse_float=finite)
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise Refused(400, 1104, f"invalid JSON: {e}")
        if depth(document) > MAX_DEPTH:
            raise Refused(400, 1104, f"nested deeper than {MAX_DEPTH}")
        if not isinstance(document, dict) or "verification" not in document:
            raise Refused(400, 1102, "verification is missing")
        try:
            session = CreateSession.model_validate(document)
        except ValidationError as e:
            error = e.errors()[0]
            raise Refused(400, CODES.get(error["type"], 1104),
                          f"{'.'.join(map(str, error['loc']))}: {error['msg']}")
        v = session.verification
        for consent in v.consents or []:
            if consent.type == "eid" and consent.approved is True and consent.text is None:
                raise Refused(400, 1102, "an approved eid consent needs its text")
    except Refused as refused:
        return refused.answer
    token = first.uuid.uuid4().hex
    data = json.dumps({"status": "success", "verification": {
        "id": str(first.uuid.uuid4()), "url": f"https://example.invalid/v/{token}", "sessionToken": token,
        "baseUrl": "https://example.invalid", "status": "created",
        "endUserId": v.endUserId, "vendorData": v.vendorData}}).encode()
    return first.Response(data, status_code=201, media_type="application/json",
                          headers={"X-AUTH-CLIENT": first.args.api_key, "X-HMAC-SIGNATURE": first.sign(data)})


app = FastAPI()
app.add_api_route("/v1/sessions", create_session, methods=["POST"])

if __name__ == "__main__":
    first.serve(app)
