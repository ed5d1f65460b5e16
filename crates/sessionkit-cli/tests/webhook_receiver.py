"""A webhook receiver as integrators write it, for testing `sessionkit webhook`.

    python3 webhook_receiver.py --secret S [--old-secret S2] [--reserialize] [--tls-cert C --tls-key K]

The correct one verifies the HMAC over the raw body with hmac.compare_digest, against every active
secret (rotation), and answers 200 (a duplicate delivery too). `--reserialize` is the mistake the
vendor's own JavaScript demo makes: it parses the body and verifies the signature of its compact
re-serialization, so other valid serializations are refused and re-serialized forgeries accepted.
With `--tls-cert` and `--tls-key` (PEM files) it serves HTTPS, as the vendor requires of a
webhook URL. Prints `listening on http[s]://127.0.0.1:PORT` first.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--secret", required=True)
parser.add_argument("--old-secret")
parser.add_argument("--reserialize", action="store_true")
parser.add_argument("--tls-cert")
parser.add_argument("--tls-key")
args = parser.parse_args()
SECRETS = [s.encode() for s in (args.secret, args.old_secret) if s]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        signed = body
        if args.reserialize:
            try:
                signed = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
            except ValueError:
                return self.answer(400)
        given = self.headers.get("X-HMAC-SIGNATURE", "")
        if not any(hmac.compare_digest(hmac.new(s, signed, hashlib.sha256).hexdigest(), given) for s in SECRETS):
            return self.answer(401)
        try:
            json.loads(body)
        except ValueError:
            return self.answer(400)
        self.answer(200)

    def answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
scheme = "http"
if args.tls_cert:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https"
print(f"listening on {scheme}://127.0.0.1:{server.server_address[1]}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
