// The client a team tests: builds the payload, signs the uncompressed bytes, gzips, sends.
// `signCompressed: true` makes the documentation's most common mistake instead.
"use strict";
const crypto = require("node:crypto");
const zlib = require("node:zlib");

async function createSession({ url, apiKey, secret, signCompressed = false }) {
  const body = Buffer.from(JSON.stringify({ verification: { vendorData: "customer-123" } }));
  const compressed = zlib.gzipSync(body);
  const signed = signCompressed ? compressed : body;
  const signature = crypto.createHmac("sha256", secret).update(signed).digest("hex");
  const answer = await fetch(url, {
    method: "POST",
    body: compressed,
    headers: {
      "X-AUTH-CLIENT": apiKey,
      "X-HMAC-SIGNATURE": signature,
      "Content-Type": "application/json",
      "Content-Encoding": "gzip",
    },
  });
  return { status: answer.status, body: await answer.json() };
}

module.exports = { createSession };
