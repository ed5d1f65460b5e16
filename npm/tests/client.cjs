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
  const bytes = Buffer.from(await answer.arrayBuffer());
  return { status: answer.status, body: parse(bytes), trusted: trusts(answer.headers, bytes, apiKey, secret) };
}

function parse(bytes) {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return null;
  }
}

/** A client that verifies answers: its key, and the HMAC of the exact bytes received. */
function trusts(headers, bytes, apiKey, secret) {
  const sent = headers.get("x-hmac-signature") || "";
  const expected = crypto.createHmac("sha256", secret).update(bytes).digest("hex");
  return (
    headers.get("x-auth-client") === apiKey &&
    sent.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected)) &&
    parse(bytes) !== null
  );
}

module.exports = { createSession };
