// POST /v1/sessions as a Node.js team writes it with Express 5: `express.raw()` with
// `inflate: true` (body-parser decompresses gzip and deflate itself) and a 1 MB limit, the HMAC
// verified over the decoded bytes with `crypto.timingSafeEqual`, `JSON.parse`, and the
// documented constraints checked by hand. Written from the API's documentation, not from
// sessionkit's corpus (see ../README.md for what conform reports against it, and why).
//
//   node server.js --api-key K --secret S    # prints "listening on http://127.0.0.1:PORT"
const crypto = require("node:crypto");
const express = require("express");

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const apiKey = arg("api-key", "your-api-key");
const secret = arg("secret", "your-shared-secret");

const sign = (bytes) => crypto.createHmac("sha256", secret).update(bytes).digest("hex");
const fail = (res, status, code, message) => res.status(status).json({ status: "fail", code, message });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));

function invalid(v) {
  if (v.tag !== undefined && (typeof v.tag !== "string" || v.tag.length > 64)) return "tag: at most 64 characters";
  if (v.vendorData !== undefined) {
    if (typeof v.vendorData === "string" ? v.vendorData.length > 1000 : !Number.isInteger(v.vendorData))
      return "vendorData: a string of at most 1000 characters, or an integer";
  }
  if (v.endUserId !== undefined && !UUID.test(v.endUserId)) return "endUserId: a UUID";
  if (v.callback !== undefined) {
    try { new URL(v.callback); } catch { return "callback: a URL"; }
  }
  const p = v.person || {};
  if (p.dateOfBirth !== undefined && !isDate(p.dateOfBirth)) return "person.dateOfBirth: YYYY-MM-DD";
  const d = v.document || {};
  if (d.number !== undefined && !/^[a-zA-Z0-9]+$/.test(d.number)) return "document.number: [a-zA-Z0-9]";
  if (d.country !== undefined && !/^[A-Z]{2}$/.test(d.country)) return "document.country: ISO 3166-1 alpha-2";
  if (d.type !== undefined && !["PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA"].includes(d.type))
    return "document.type: one of the documented types";
  for (const c of v.consents || []) {
    if (c.type === "eid" && c.approved === true && c.text === undefined) return "consents: an approved eid consent needs text";
    if (c.timestamp !== undefined && Number.isNaN(Date.parse(c.timestamp))) return "consents: timestamp";
  }
  return null;
}

const app = express();
app.post(
  "/v1/sessions",
  express.raw({ type: "application/json", inflate: true, limit: "1mb" }),
  (req, res) => {
    if (!Buffer.isBuffer(req.body)) return fail(res, 415, 415, "Content-Type must be application/json");
    const key = req.get("X-AUTH-CLIENT");
    if (key !== apiKey) return fail(res, 401, 1801, "unknown or missing X-AUTH-CLIENT");
    const given = Buffer.from(req.get("X-HMAC-SIGNATURE") || "", "hex");
    const wanted = Buffer.from(sign(req.body), "hex");
    if (given.length !== wanted.length || !crypto.timingSafeEqual(given, wanted))
      return fail(res, 401, 1819, "signature mismatch");
    let body;
    try {
      body = JSON.parse(req.body.toString("utf8"));
    } catch (e) {
      return fail(res, 400, 1104, `invalid JSON: ${e.message}`);
    }
    const v = body && body.verification;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(res, 400, 1102, "verification is missing");
    const problem = invalid(v);
    if (problem) return fail(res, 400, 1104, problem);
    const token = crypto.randomBytes(16).toString("hex");
    const data = JSON.stringify({
      status: "success",
      verification: {
        id: crypto.randomUUID(), url: `https://example.invalid/v/${token}`, sessionToken: token,
        baseUrl: "https://example.invalid", status: "created",
        endUserId: v.endUserId ?? null, vendorData: v.vendorData ?? null,
      },
    });
    res.status(201).set({ "Content-Type": "application/json", "X-AUTH-CLIENT": apiKey, "X-HMAC-SIGNATURE": sign(data) }).send(data);
  },
);
// body-parser's own refusals (413, 415 for an encoding, 400 for a broken stream) in the vendor's shape.
app.use((err, req, res, next) => {
  const status = err.status || 500;
  if (status === 415) res.set("Accept-Encoding", "gzip, deflate");
  fail(res, status, status === 400 ? 1104 : status, err.message);
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
