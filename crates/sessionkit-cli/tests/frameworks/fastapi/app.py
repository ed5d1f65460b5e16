"""POST /v1/sessions as a Python team writes it with FastAPI and pydantic.

The body is decompressed by the gzip `Request` subclass from FastAPI's own documentation
("Custom Request and APIRoute class"), extended to deflate; the HMAC is verified over the
decoded bytes with `hmac.compare_digest`; the body is parsed and validated by a pydantic model
of the documented fields. Written from the API's documentation, not from sessionkit's corpus
(see ../README.md for what conform reports against it, and why).

    python3 app.py --api-key K --secret S    # prints "listening on http://127.0.0.1:PORT"
"""

import argparse
import datetime
import gzip
import hashlib
import hmac
import json
import socket
import uuid
import zlib
from typing import Literal, Optional, Union

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError

parser = argparse.ArgumentParser()
parser.add_argument("--api-key", default="your-api-key")
parser.add_argument("--secret", default="your-shared-secret")
args = parser.parse_args()
SECRET = args.secret.encode()


class GzipRequest(Request):
    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            body = await super().body()
            encodings = self.headers.getlist("Content-Encoding")
            if "gzip" in encodings:
                body = gzip.decompress(body)
            elif "deflate" in encodings:
                body = zlib.decompress(body)
            self._body = body
        return self._body


class GzipRoute(APIRoute):
    def get_route_handler(self):
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await original(GzipRequest(request.scope, request.receive))

        return handler


class Person(BaseModel):
    firstName: Optional[str] = None
    lastName: Optional[str] = None
    idNumber: Optional[Union[str, int]] = None
    dateOfBirth: Optional[datetime.date] = None
    maritalStatus: Optional[Literal["single", "married", "divorced", "widowed"]] = None


class Document(BaseModel):
    number: Optional[str] = Field(None, pattern=r"^[a-zA-Z0-9]+$")
    country: Optional[str] = Field(None, pattern=r"^[A-Z]{2}$")
    type: Optional[Literal["PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA"]] = None
    firstIssue: Optional[datetime.date] = None
    idCardType: Optional[str] = Field(None, pattern=r"^[a-zA-Z]+$")


class Consent(BaseModel):
    type: str
    approved: bool
    text: Optional[str] = None
    timestamp: Optional[datetime.datetime] = None


class ServiceCoverage(BaseModel):
    country: Optional[str] = Field(None, pattern=r"^[A-Z]{2}$")


class Verification(BaseModel):
    callback: Optional[str] = None
    person: Optional[Person] = None
    document: Optional[Document] = None
    vendorData: Optional[Union[int, str]] = None
    endUserId: Optional[uuid.UUID] = None
    tag: Optional[str] = Field(None, max_length=64)
    consents: Optional[list[Consent]] = None
    serviceCoverage: Optional[ServiceCoverage] = None
    hostAppLink: Optional[str] = None


class CreateSession(BaseModel):
    verification: Verification


def fail(status, code, message, headers=None):
    return Response(json.dumps({"status": "fail", "code": code, "message": message}), status_code=status,
                    media_type="application/json", headers=headers)


def sign(data: bytes) -> str:
    return hmac.new(SECRET, data, hashlib.sha256).hexdigest()


app = FastAPI()
app.router.route_class = GzipRoute


@app.post("/v1/sessions")
async def create_session(request: Request):
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return fail(415, 415, "Content-Type must be application/json")
    encoding = request.headers.get("content-encoding")
    if encoding not in (None, "gzip", "deflate"):
        return fail(415, 415, "unsupported Content-Encoding", {"Accept-Encoding": "gzip, deflate"})
    try:
        body = await request.body()
    except (OSError, EOFError, zlib.error) as e:
        return fail(400, 1104, f"body cannot be decoded: {e}")
    if len(body) > 1 << 20:
        return fail(413, 413, "body too large")
    if request.headers.get("x-auth-client") != args.api_key:
        return fail(401, 1801, "unknown or missing X-AUTH-CLIENT")
    if not hmac.compare_digest(request.headers.get("x-hmac-signature", ""), sign(body)):
        return fail(401, 1819, "signature mismatch")
    try:
        session = CreateSession.model_validate_json(body)
    except ValidationError as e:
        first = e.errors()[0]
        code = 1102 if first["type"] == "missing" else 1104
        return fail(400, code, f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
    v = session.verification
    token = uuid.uuid4().hex
    data = json.dumps({"status": "success", "verification": {
        "id": str(uuid.uuid4()), "url": f"https://example.invalid/v/{token}", "sessionToken": token,
        "baseUrl": "https://example.invalid", "status": "created",
        "endUserId": str(v.endUserId) if v.endUserId else None, "vendorData": v.vendorData}}).encode()
    return Response(data, status_code=201, media_type="application/json",
                    headers={"X-AUTH-CLIENT": args.api_key, "X-HMAC-SIGNATURE": sign(data)})


def serve(application):
    """Listens on a free loopback port, says which, and serves `application` there."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(application, log_level="warning")).run(sockets=[sock])


if __name__ == "__main__":
    serve(app)
