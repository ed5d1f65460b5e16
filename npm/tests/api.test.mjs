// The API itself, under node --test: startServer, script, requests, verify's error as data, the
// documentation's own Node.js example pointed at the server, and the time to the first answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { startServer, SessionkitVerifyError } from "sessionkit";
import { createSession } from "./client.cjs";

test("startServer, script, requests and verify", async () => {
  const started = performance.now();
  const server = await startServer({ apiKey: "their-key", secret: "their-secret" });
  try {
    const options = { url: server.sessionsUrl, apiKey: server.apiKey, secret: server.secret };
    const first = await createSession(options);
    const firstAnswerMs = performance.now() - started;
    console.log(`startServer() to the first answer: ${firstAnswerMs.toFixed(1)} ms`);
    assert.equal(first.status, 201);
    await server.script([429, 500, 201]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await createSession(options)).status);
    assert.deepEqual(statuses, [429, 500, 201]);
    assert.equal((await server.requests()).length, 4);
    await server.verify();
    await server.reset();
    await createSession({ ...options, signCompressed: true });
    const error = await server.verify().then(() => null, (e) => e);
    assert.ok(error instanceof SessionkitVerifyError, String(error));
    assert.match(error.message, /mistake\[signed_compressed_bytes\]/);
    assert.match(error.message, /hint: sign the serialized JSON before compressing it/);
    assert.equal(error.failures.length, 1);
    assert.equal(error.failures[0].outcome.diagnostics.at(-1).code, "signed_compressed_bytes");
  } finally {
    await server.close();
  }
});

test("my client refuses a forged answer", async () => {
  const server = await startServer();
  try {
    const options = { url: server.sessionsUrl, apiKey: server.apiKey, secret: server.secret };
    const kinds = ["wrong-signature", "no-signature", "reserialized-signature", "other-secret", "truncated-body", "other-api-key"];
    await server.script(kinds.map((forge) => ({ status: 201, forge })));
    for (const kind of kinds) {
      const answer = await createSession(options);
      assert.equal(answer.status, 201);
      assert.equal(answer.trusted, false, `${kind} was trusted`);
    }
    assert.equal((await createSession(options)).trusted, true);
    await server.verify();
  } finally {
    await server.close();
  }
});

test("the documentation's Node.js example, pointed at the server, gets 201", async () => {
  const server = await startServer();
  try {
    const port = new URL(server.url).port;
    const code = readFileSync(new URL("./node-example.js", import.meta.url), "utf8")
      .replace("require('https')", "require('http')")
      .replace("https.request(", "http.request(")
      .replace("'stationapi.veriff.com'", "'127.0.0.1'")
      .replace("hostname: BASE_URL,", `hostname: BASE_URL, port: ${port},`);
    const printed = execFileSync("node", ["-e", code], { encoding: "utf8" });
    assert.match(printed, /^201 \{/);
    await server.verify();
  } finally {
    await server.close();
  }
});

test("an unsigned client is accepted, as the API accepts it, unless a signature is required", async () => {
  const unsigned = (server) =>
    fetch(server.sessionsUrl, {
      method: "POST",
      headers: { "X-AUTH-CLIENT": server.apiKey, "Content-Type": "application/json" },
      body: '{"verification":{}}',
    });
  const lenient = await startServer();
  try {
    const answer = await unsigned(lenient);
    assert.equal(answer.status, 201);
    const body = await answer.json();
    assert.equal(body.diagnostics[0].code, "unsigned_request");
    await lenient.verify();
  } finally {
    await lenient.close();
  }
  const strict = await startServer({ requireSignature: true });
  try {
    assert.equal((await unsigned(strict)).status, 401);
    const error = await strict.verify().then(() => null, (e) => e);
    assert.ok(error instanceof SessionkitVerifyError, String(error));
    assert.match(error.message, /401 missing_signature/);
  } finally {
    await strict.close();
  }
});
