// A HAR as Playwright writes it: Chromium (Debian's, via playwright-core) with `recordHar`, a page
// on the server's origin sending POST /v1/sessions with fetch(): JSON signed right, JSON signed
// with another secret, gzip signed right, and gzip without an API key.
//
//   node playwright-har.js http://127.0.0.1:PORT out.har    # CHROMIUM=/usr/bin/chromium
const { chromium } = require('playwright-core');
const crypto = require('crypto');
const zlib = require('zlib');

(async () => {
  const [base, har] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({ recordHar: { path: har, content: 'embed' } });
  const page = await context.newPage();
  await page.goto(`${base}/__sessionkit/health`);
  const payload = Buffer.from(JSON.stringify({ verification: { vendorData: 'customer-123' } }));
  const sign = (secret) => crypto.createHmac('sha256', secret).update(payload).digest('hex');
  const requests = [
    { secret: 'your-shared-secret', gzip: false, key: true },
    { secret: 'another-secret', gzip: false, key: true },
    { secret: 'your-shared-secret', gzip: true, key: true },
    { secret: 'your-shared-secret', gzip: true, key: false },
  ];
  for (const r of requests) {
    const headers = { 'X-HMAC-SIGNATURE': sign(r.secret), 'Content-Type': 'application/json' };
    if (r.key) headers['X-AUTH-CLIENT'] = 'your-api-key';
    if (r.gzip) headers['Content-Encoding'] = 'gzip';
    const body = [...(r.gzip ? zlib.gzipSync(payload) : payload)];
    const status = await page.evaluate(async ({ body, headers }) => {
      const answer = await fetch('/v1/sessions', { method: 'POST', body: new Uint8Array(body), headers });
      return answer.status;
    }, { body, headers });
    console.log(status);
  }
  await context.close();
  await browser.close();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
