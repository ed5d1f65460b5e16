import gzip
import hashlib
import hmac
import json
import requests
API_KEY = "your-api-key"
SHARED_SECRET = "your-shared-secret"
BASE_URL = "https://stationapi.veriff.com"
# A realistic consent text is typically much longer than this snippet.
CONSENT_TEXT = (
"I consent to Veriff processing my personal data, including biometric data, "
"for identity verification purposes in accordance with the Privacy Notice. "
# ... full legal text continues, often several KB ...
)
# Step 1–2: Build and serialize the JSON payload
payload = {
"verification": {
"callback": "https://example.com/callback",
"vendorData": "customer-123",
"consents": [
{
"type": "general",
"approved": True,
"text": CONSENT_TEXT,
"timestamp": "2026-05-08T10:00:00Z",
}
],
}
}
payload_bytes = json.dumps(payload, separators=(",", ":")).encode("utf-8")
# Step 3: Sign the UNCOMPRESSED payload
signature = hmac.new(
SHARED_SECRET.encode("utf-8"),
payload_bytes,
hashlib.sha256,
).hexdigest()
# Step 4: Compress
compressed = gzip.compress(payload_bytes)
# Step 5: Send with Content-Encoding: gzip
response = requests.post(
f"{BASE_URL}/v1/sessions",
data=compressed, # raw bytes, not json=
headers={
"X-AUTH-CLIENT": API_KEY,
"X-HMAC-SIGNATURE": signature,
"Content-Type": "application/json",
"Content-Encoding": "gzip",
},
)
print(response.status_code, response.json())