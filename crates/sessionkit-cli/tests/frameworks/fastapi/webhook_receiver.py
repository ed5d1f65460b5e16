"""Decision webhooks received with FastAPI, as a Python team writes it at first: the HMAC of the
raw body compared with `==` against the header lowercased (so uppercase hex passes, and the
comparison is not constant-time).

    python3 webhook_receiver.py --secret S    # prints "listening on http://127.0.0.1:PORT"
"""

import argparse
import hashlib
import hmac
import socket

import uvicorn
from fastapi import FastAPI, Request, Response

parser = argparse.ArgumentParser()
parser.add_argument("--secret", required=True)
parser.add_argument("--old-secret")
args = parser.parse_args()
app = FastAPI()


@app.post("/webhooks/decision")
async def decision(request: Request):
    body = await request.body()
    given = request.headers.get("x-hmac-signature", "").lower()
    for secret in filter(None, (args.secret, args.old_secret)):
        if hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() == given:
            return Response(status_code=200)
    return Response(status_code=401)


if __name__ == "__main__":
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
