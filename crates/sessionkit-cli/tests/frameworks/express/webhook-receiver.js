// Decision webhooks received with Express 5, two ways teams write it:
//   node webhook-receiver.js --secret S            # verifies the HMAC over the raw body (express.raw)
//   node webhook-receiver.js --secret S --parsed   # the vendor's JavaScript demo: express.json(), then
//                                                  # the HMAC of JSON.stringify(req.body)
// Prints "listening on http://127.0.0.1:PORT" first.
const crypto = require("node:crypto");
const express = require("express");

const arg = (name) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const secrets = [arg("secret"), arg("old-secret")].filter(Boolean);
const parsed = process.argv.includes("--parsed");
const matches = (bytes, given) =>
  secrets.some((secret) => {
    const wanted = Buffer.from(crypto.createHmac("sha256", secret).update(bytes).digest("hex"));
    const got = Buffer.from(given || "");
    return got.length === wanted.length && crypto.timingSafeEqual(got, wanted);
  });

const app = express();
if (parsed) {
  app.post("/webhooks/decision", express.json(), (req, res) => {
    const ok = matches(Buffer.from(JSON.stringify(req.body)), req.get("X-HMAC-SIGNATURE"));
    res.sendStatus(ok ? 200 : 401);
  });
} else {
  app.post("/webhooks/decision", express.raw({ type: "application/json" }), (req, res) => {
    if (!matches(req.body, req.get("X-HMAC-SIGNATURE"))) return res.sendStatus(401);
    try {
      JSON.parse(req.body.toString("utf8"));
    } catch {
      return res.sendStatus(400);
    }
    res.sendStatus(200);
  });
}
app.use((err, req, res, next) => res.sendStatus(err.status || 400));
const server = app.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
