"""The README's Python block, run as it stands there (the installed plugin gives the fixture)."""
import gzip, hashlib, hmac, json, requests

def test_client_creates_a_session(sessionkit_server):   # the reference server, reset per test
    body = json.dumps({"verification": {"vendorData": "customer-123"}}, separators=(",", ":")).encode()
    signature = hmac.new(sessionkit_server.secret.encode(), body, hashlib.sha256).hexdigest()
    answer = requests.post(sessionkit_server.sessions_url, data=gzip.compress(body), headers={
        "X-AUTH-CLIENT": sessionkit_server.api_key, "X-HMAC-SIGNATURE": signature,
        "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert answer.status_code == 201   # signing gzip.compress(body) instead fails the test with
                                       # mistake[signed_compressed_bytes] and a hint
