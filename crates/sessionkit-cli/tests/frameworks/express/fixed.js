// server.js once its team fixed every deviation `sessionkit conform` and `sessionkit fuzz` found.
// Still Express 5, still written from the API's documentation; what changed is what ../README.md
// lists for Express, fixed the way the documentation or the RFC it cites asks:
//
// - two Host lines are refused (RFC 9112 §3.2; Node's parser keeps the first);
// - the checks run in the documented order: API key (1801 missing, 1803 unknown), media type,
//   content coding (case-insensitive; a list, also over two header lines, refused: body-parser
//   decoded `br` itself), a declared length over the limit answered 413 before the body is read;
// - the body is read here, not by body-parser: decoding stops at the decoded limit
//   (`maxOutputLength`) and bytes after the stream are refused (`zlib` ignores them);
// - a signature that is not one line of 64 lowercase hex digits is 1812, a wrong one 1819;
// - the JSON is UTF-8 (`TextDecoder` with `fatal`), scanned before `JSON.parse` for repeated keys,
//   nesting deeper than 64 and numbers beyond a double; vendorData is echoed as its bytes were
//   sent (JSON.parse turns 12345678901234567890 into 12345678901234567000);
// - every documented member is checked, with its type.
//
//   node fixed.js --api-key K --secret S    # prints "listening on http://127.0.0.1:PORT"
const crypto = require("node:crypto");
const zlib = require("node:zlib");
const express = require("express");

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const apiKey = arg("api-key", "your-api-key");
const secret = arg("secret", "your-shared-secret");
const LIMIT = 1 << 20;
const MAX_DEPTH = 64;

const sign = (bytes) => crypto.createHmac("sha256", secret).update(bytes).digest("hex");
class Refused extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const refuse = (status, code, message) => { throw new Refused(status, code, message); };

// Every value of header `name`, over however many lines it came in.
const values = (req, name) => {
  const out = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === name) out.push(req.rawHeaders[i + 1]);
  }
  return out;
};

const readBody = (req) => new Promise((resolve, reject) => {
  const chunks = [];
  let length = 0;
  req.on("data", (chunk) => {
    length += chunk.length;
    if (length <= LIMIT) chunks.push(chunk);
  });
  req.on("end", () => (length > LIMIT ? reject(new Refused(413, 413, "body too large")) : resolve(Buffer.concat(chunks))));
  req.on("error", reject);
});

function decode(wire, coding) {
  if (coding === "") return wire;
  const options = { maxOutputLength: LIMIT, info: true };
  let result;
  try {
    result = coding === "gzip" ? zlib.gunzipSync(wire, options) : zlib.inflateSync(wire, options);
  } catch (e) {
    if (e.code === "ERR_BUFFER_TOO_LARGE") refuse(413, 413, "decoded body too large");
    refuse(400, 1104, `body is not ${coding}: ${e.message}`);
  }
  if (result.engine.bytesWritten < wire.length) refuse(400, 1104, `bytes after the ${coding} stream`);
  return result.buffer;
}

// Reads the JSON text once, before JSON.parse: repeated keys, depth and numbers beyond a double
// refuse it; returns the text of verification.vendorData as sent, when it is a number.
function scan(text) {
  const stack = []; // { object, keys, key }
  let vendorData = null;
  let i = 0;
  const space = () => { while (i < text.length && " \t\r\n".includes(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const value = () => {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (stack.length === MAX_DEPTH) refuse(400, 1104, `nested deeper than ${MAX_DEPTH}`);
      const frame = { object: c === "{", keys: new Set(), key: null };
      stack.push(frame);
      i++;
      space();
      const end = frame.object ? "}" : "]";
      if (text[i] === end) { i++; stack.pop(); return; }
      for (;;) {
        if (frame.object) {
          space();
          if (text[i] !== '"') refuse(400, 1104, "invalid JSON: a key is not a string");
          const key = string();
          if (frame.keys.has(key)) refuse(400, 1104, `repeated key ${JSON.stringify(key)}`);
          frame.keys.add(key);
          frame.key = key;
          space();
          if (text[i++] !== ":") refuse(400, 1104, "invalid JSON: no colon after a key");
        }
        value();
        space();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === end) { i++; stack.pop(); return; }
        refuse(400, 1104, "invalid JSON");
      }
    }
    if (c === '"') { string(); return; }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number) {
      if (!Number.isFinite(Number(number[0]))) refuse(400, 1104, `${number[0]} is beyond the range of a double`);
      const under = stack.map((f) => f.key);
      if (stack.length === 2 && under[0] === "verification" && under[1] === "vendorData") vendorData = number[0];
      i += number[0].length;
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) { i += word.length; return; }
    }
    refuse(400, 1104, `invalid JSON at ${i}`);
  };
  value();
  space();
  if (i < text.length) refuse(400, 1104, "invalid JSON: bytes after the value");
  return vendorData;
}

const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[!-~]*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UTC = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$/;
const chars = (s) => [...s].length;
const isDate = (s) => {
  if (typeof s !== "string" || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(s)) return false;
  const [y, m, d] = s.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return y > 0 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

// The seed's form in UTC, on the calendar and the clock (Date.parse takes hour 24).
const isUtcTimestamp = (s) => {
  if (typeof s !== "string" || !UTC.test(s) || !isDate(s.slice(0, 10))) return false;
  const [hour, minute, second] = s.slice(11, 19).split(":").map(Number);
  return hour <= 23 && minute <= 59 && second <= 59;
};

// Every documented member, with its type; null is read as the member left out.
function validate(v) {
  const bad = (field, what) => refuse(400, 1104, `${field}: ${what}`);
  const object = (field, value) => {
    if (value === undefined || value === null) return null;
    if (typeof value !== "object" || Array.isArray(value)) bad(field, "not an object");
    return value;
  };
  const texts = (field, o, names) => names.forEach((n) => {
    if (o[n] != null && typeof o[n] !== "string") bad(`${field}.${n}`, "not a string");
  });
  const textOrInteger = (field, o, names) => names.forEach((n) => {
    if (o[n] != null && typeof o[n] !== "string" && !Number.isInteger(o[n])) bad(`${field}.${n}`, "not a string or an integer");
  });
  const dates = (field, o, names) => names.forEach((n) => {
    if (o[n] != null && !isDate(o[n])) refuse(400, 1203, `${field}.${n}: not a YYYY-MM-DD date of the calendar`);
  });
  const matching = (field, o, name, re) => {
    if (o[name] != null && (typeof o[name] !== "string" || !re.test(o[name]))) bad(`${field}.${name}`, `does not match ${re}`);
  };
  const oneOf = (field, o, name, allowed) => {
    if (o[name] != null && !allowed.includes(o[name])) bad(`${field}.${name}`, "not one of the documented values");
  };
  matching("verification", v, "callback", ABSOLUTE_URI);
  matching("verification", v, "hostAppLink", ABSOLUTE_URI);
  matching("verification", v, "endUserId", UUID);
  if (v.tag != null && (typeof v.tag !== "string" || chars(v.tag) > 64)) bad("tag", "a string of at most 64 characters");
  if (v.vendorData != null) {
    if (typeof v.vendorData === "string") {
      if (chars(v.vendorData) > 1000) refuse(400, 1500, "vendorData: more than 1,000 characters");
    } else if (!Number.isInteger(v.vendorData)) bad("vendorData", "a string or an integer");
  }
  const person = object("person", v.person);
  if (person) {
    texts("person", person, ["firstName", "lastName", "middleName", "secondLastName", "fullName", "phoneNumber",
      "landlinePhoneNumber", "email", "gender", "occupation", "partnerFirstName", "partnerLastName"]);
    textOrInteger("person", person, ["idNumber"]);
    dates("person", person, ["dateOfBirth", "marriageDate"]);
    oneOf("person", person, "maritalStatus", ["single", "married", "divorced", "widowed"]);
    if (person.isDeceased != null && typeof person.isDeceased !== "boolean") bad("person.isDeceased", "not a boolean");
  }
  const document = object("document", v.document);
  if (document) {
    matching("document", document, "number", /^[a-zA-Z0-9]+$/);
    matching("document", document, "country", /^[A-Z]{2}$/);
    matching("document", document, "idCardType", /^[a-zA-Z]+$/);
    oneOf("document", document, "type", ["PASSPORT", "ID_CARD", "DRIVERS_LICENSE", "RESIDENCE_PERMIT", "VISA"]);
    dates("document", document, ["firstIssue", "issueDate", "expiryDate"]);
    texts("document", document, ["version", "category", "uniqueNumber", "issuingState", "referenceNumber", "registrationNumber"]);
    const ids = object("document.documentNumberIdentifiers", document.documentNumberIdentifiers);
    if (ids) textOrInteger("document.documentNumberIdentifiers", ids, ["mxIne", "mxIfe"]);
  }
  const address = object("address", v.address);
  if (address) texts("address", address, ["fullAddress", "street", "houseNumber", "postalCode", "city", "state", "unit", "neighbourhood"]);
  const coverage = object("serviceCoverage", v.serviceCoverage);
  if (coverage) matching("serviceCoverage", coverage, "country", /^[A-Z]{2}$/);
  const proof = object("proofOfAddress", v.proofOfAddress);
  if (proof && proof.acceptableTypes != null) {
    if (!Array.isArray(proof.acceptableTypes)) bad("proofOfAddress.acceptableTypes", "not an array");
    for (const item of proof.acceptableTypes) {
      const kind = object("proofOfAddress.acceptableTypes[]", item);
      if (!kind || kind.name == null) refuse(400, 1102, "proofOfAddress.acceptableTypes[]: name is missing");
      texts("proofOfAddress.acceptableTypes[]", kind, ["name"]);
    }
  }
  if (v.consents != null) {
    if (!Array.isArray(v.consents)) bad("consents", "not an array");
    for (const item of v.consents) {
      const consent = object("consents[]", item);
      if (!consent) continue;
      texts("consents[]", consent, ["type", "text"]);
      if (consent.approved != null && typeof consent.approved !== "boolean") bad("consents[].approved", "not a boolean");
      if (consent.timestamp != null && !isUtcTimestamp(consent.timestamp)) {
        bad("consents[].timestamp", "not an ISO 8601 date and time in UTC");
      }
      if (consent.type === "eid" && consent.approved === true && consent.text == null) {
        refuse(400, 1102, "an approved eid consent needs its text");
      }
    }
  }
}

async function receive(req) {
  // RFC 9112 §3.2: a request with two Host lines is answered 400 (Node's parser keeps the first).
  if (values(req, "host").length > 1) refuse(400, 400, "two Host lines");
  const keys = values(req, "x-auth-client");
  if (keys.length === 0) refuse(401, 1801, "missing X-AUTH-CLIENT");
  if (keys.length > 1 || keys[0] !== apiKey) refuse(401, 1803, "unknown X-AUTH-CLIENT");
  const type = (req.get("content-type") || "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") refuse(415, 415, "Content-Type must be application/json");
  const joined = values(req, "content-encoding").join(",");
  let coding = "";
  if (joined.trim() !== "") {
    const list = joined.split(",").map((c) => c.trim().toLowerCase());
    coding = list[0];
    if (list.length > 1 || !["gzip", "deflate"].includes(coding)) refuse(415, 415, `unsupported Content-Encoding ${joined}`);
  }
  if (Number(req.get("content-length")) > LIMIT) refuse(413, 413, "body too large");
  const body = decode(await readBody(req), coding);
  const signatures = values(req, "x-hmac-signature");
  if (signatures.length !== 1 || !/^[0-9a-f]{64}$/.test(signatures[0])) {
    refuse(401, 1812, "X-HMAC-SIGNATURE must be one line of 64 lowercase hex digits");
  }
  if (!crypto.timingSafeEqual(Buffer.from(signatures[0]), Buffer.from(sign(body)))) refuse(401, 1819, "signature mismatch");
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    refuse(400, 1104, "body is not UTF-8");
  }
  const vendorDataText = scan(text);
  const top = JSON.parse(text);
  if (typeof top !== "object" || top === null || Array.isArray(top)) refuse(400, 1104, "body is not a JSON object");
  if (!("verification" in top)) refuse(400, 1102, "verification is missing");
  const v = top.verification;
  if (typeof v !== "object" || v === null || Array.isArray(v)) refuse(400, 1104, "verification is not an object");
  validate(v);
  return { v, vendorDataText };
}

const app = express();
app.post("/v1/sessions", async (req, res) => {
  let received;
  try {
    received = await receive(req);
  } catch (e) {
    // A client that went away mid-body (a reset) gets nothing.
    if (!(e instanceof Refused)) return res.destroy();
    if (e.status === 415) res.set("Accept-Encoding", "gzip, deflate");
    return res.status(e.status).json({ status: "fail", code: e.code, message: e.message });
  }
  const { v, vendorDataText } = received;
  const token = crypto.randomBytes(16).toString("hex");
  const created = JSON.stringify({
    status: "success",
    verification: {
      id: crypto.randomUUID(), url: `https://example.invalid/v/${token}`, sessionToken: token,
      baseUrl: "https://example.invalid", status: "created", endUserId: v.endUserId ?? null, vendorData: null,
    },
  });
  // vendorData as it was sent: a number keeps its digits, whatever a double can hold.
  const vendorData = vendorDataText ?? JSON.stringify(v.vendorData ?? null);
  const data = created.replace(/"vendorData":null}}$/, `"vendorData":${vendorData}}}`);
  res.status(201).set({ "Content-Type": "application/json", "X-AUTH-CLIENT": apiKey, "X-HMAC-SIGNATURE": sign(data) }).send(data);
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
