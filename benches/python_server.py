#!/usr/bin/env python3
"""The baseline of the server-load benchmark: a minimal POST /v1/sessions server in Python's
standard library (http.server, gzip, hmac) plus jsonschema with sessionkit's request schema.
Prints `listening on http://HOST:PORT` first, like `sessionkit serve`.

    python3 benches/python_server.py [PORT]
"""
import gzip
import hashlib
import hmac
import json
import os
import sys
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import referencing

SECRET = b"your-shared-secret"
SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")
resources = [(n, referencing.Resource.from_contents(json.load(open(os.path.join(SCHEMAS, n)))))
             for n in ("request.defs.json", "request.documented.json")]
VALIDATOR = jsonschema.Draft202012Validator(
    json.load(open(os.path.join(SCHEMAS, "request.documented.json"))),
    registry=referencing.Registry().with_resources(resources),
    format_checker=jsonschema.FormatChecker(),
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-HMAC-SIGNATURE", hmac.new(SECRET, data, hashlib.sha256).hexdigest())
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        wire = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("X-AUTH-CLIENT") != "your-api-key":
            return self.answer(401, {"status": "fail", "code": 1801})
        encoding = (self.headers.get("Content-Encoding") or "").strip().lower()
        try:
            body = gzip.decompress(wire) if encoding == "gzip" else zlib.decompress(wire) if encoding == "deflate" else wire
        except Exception:
            return self.answer(400, {"status": "fail", "code": 1104})
        expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-HMAC-SIGNATURE", "")):
            return self.answer(401, {"status": "fail", "code": 1819})
        try:
            payload = json.loads(body)
            VALIDATOR.validate(payload)
        except Exception:
            return self.answer(400, {"status": "fail", "code": 1104})
        v = payload["verification"]
        token = uuid.uuid4().hex
        self.answer(201, {"status": "success", "verification": {
            "id": str(uuid.uuid4()), "url": f"http://127.0.0.1/v/{token}", "sessionToken": token,
            "baseUrl": "http://127.0.0.1", "status": "created",
            "endUserId": v.get("endUserId"), "vendorData": v.get("vendorData")}})


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
