const crypto = require('crypto');
const zlib = require('zlib');
const https = require('https');
const API_KEY = 'your-api-key';
const SHARED_SECRET = 'your-shared-secret';
const BASE_URL = 'stationapi.veriff.com';
// A realistic consent text is typically much longer than this snippet.
const CONSENT_TEXT =
'I consent to Veriff processing my personal data, including biometric data, ' +
'for identity verification purposes in accordance with the Privacy Notice. ' +
// ... full legal text continues, often several KB ...
'';
// Step 1–2: Build and serialize the JSON payload
const payload = {
verification: {
callback: 'https://example.com/callback',
vendorData: 'customer-123',
consents: [
{
type: 'general',
approved: true,
text: CONSENT_TEXT,
timestamp: '2026-05-08T10:00:00Z',
},
],
},
};
const payloadBytes = Buffer.from(JSON.stringify(payload));
// Step 3: Sign the UNCOMPRESSED payload
const signature = crypto
.createHmac('sha256', SHARED_SECRET)
.update(payloadBytes)
.digest('hex');
// Step 4: Compress
const compressed = zlib.gzipSync(payloadBytes);
// Step 5: Send with Content-Encoding: gzip
const req = https.request(
{
hostname: BASE_URL,
path: '/v1/sessions',
method: 'POST',
headers: {
'X-AUTH-CLIENT': API_KEY,
'X-HMAC-SIGNATURE': signature,
'Content-Type': 'application/json',
'Content-Encoding': 'gzip',
'Content-Length': compressed.length,
},
},
(res) => {
let body = '';
res.on('data', (chunk) => (body += chunk));
res.on('end', () => console.log(res.statusCode, body));
}
);
req.write(compressed);
req.end();