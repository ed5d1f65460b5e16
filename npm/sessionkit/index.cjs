// sessionkit for Node.js test suites: the reference server (`sessionkit serve`) on a free
// loopback port, and its control API. Nothing of the contract is re-implemented here: the binary
// decides, this module starts it and asks it.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { sessionkitBin } = require("./platform.cjs");

// requireSignature: false is the API's own behaviour (its FAQ: session creation does not require
// X-HMAC-SIGNATURE); a team that means to sign sets it, so a test fails when the client forgot to.
const DEFAULTS = {
  profile: "documented",
  apiKey: "your-api-key",
  secret: "your-shared-secret",
  requireSignature: false,
};
const STARTUP_MS = 10_000;

/** A failed `verify()`: the requests the server refused, each with its mistakes and hints. */
class SessionkitVerifyError extends Error {
  constructor(failures) {
    super(describe(failures));
    this.name = "SessionkitVerifyError";
    /** The refused requests, as `GET /__sessionkit/verify` lists them. */
    this.failures = failures;
  }
}

/** Each refused request with its error, named mistakes and hints, for a test failure. */
function describe(failures) {
  const lines = [`${failures.length} request(s) to the sessionkit server were not accepted:`];
  for (const record of failures) {
    const outcome = record.outcome || {};
    lines.push(
      `- ${record.method} ${record.path} -> ${record.status} ${outcome.error || "-"}: ${outcome.message || ""}`
    );
    for (const d of outcome.diagnostics || []) {
      lines.push(`    mistake[${d.code}]: ${d.message}`);
      if (d.hint) lines.push(`      hint: ${d.hint}`);
    }
  }
  return lines.join("\n");
}

/** A running reference server and its control API. */
class SessionkitServer {
  constructor(child, url, options, folder) {
    this._child = child;
    this._folder = folder;
    /** Base URL, `http://127.0.0.1:PORT`. */
    this.url = url;
    /** `POST` here to create a session. */
    this.sessionsUrl = `${url}/v1/sessions`;
    this.apiKey = options.apiKey;
    this.secret = options.secret;
    this.profile = options.profile;
  }

  async _control(method, route, body) {
    const init = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "Content-Type": "application/json" };
    }
    const answer = await fetch(`${this.url}/__sessionkit/${route}`, init);
    return { status: answer.status, body: await answer.json() };
  }

  /** Every request since the last reset, with its verdict, named mistakes and receipt. */
  async requests() {
    return (await this._control("GET", "requests")).body.requests;
  }

  /** Forgets the requests seen and any scripted answers. */
  async reset() {
    await this._control("POST", "reset");
  }

  /**
   * The next answers to `POST /v1/sessions`, for example `[429, 500, 201]`, or a forged 201 a
   * client must refuse: `{ status: 201, forge: "wrong-signature" }`.
   */
  async script(answers) {
    const { status, body } = await this._control("POST", "script", answers);
    if (status !== 200) throw new Error(`sessionkit: script refused: ${body.message || JSON.stringify(body)}`);
  }

  /** The requests since the reset that were not accepted (nor expected to fail). */
  async failures() {
    const { status, body } = await this._control("GET", "verify");
    return status === 200 ? [] : body.failed;
  }

  /** Throws a `SessionkitVerifyError` naming each refused request's mistake and hint. */
  async verify() {
    const failures = await this.failures();
    if (failures.length > 0) throw new SessionkitVerifyError(failures);
  }

  /** Stops the server. */
  async close() {
    if (this._child.exitCode === null && this._child.signalCode === null) {
      const exited = new Promise((resolve) => this._child.once("exit", resolve));
      this._child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(this._folder, { recursive: true, force: true });
  }
}

/**
 * Starts the reference server on a free loopback port.
 * @param {{profile?: "documented"|"strict", apiKey?: string, secret?: string, requireSignature?: boolean, bin?: string}} [options]
 */
async function startServer(options = {}) {
  const settings = { ...DEFAULTS, ...options };
  const bin = settings.bin || sessionkitBin();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "sessionkit-"));
  const ready = path.join(folder, "url");
  const child = spawn(
    bin,
    [
      "serve", "--addr", "127.0.0.1:0", "--ready-file", ready, "--profile", settings.profile,
      "--api-key", settings.apiKey, "--shared-secret", settings.secret,
      ...(settings.requireSignature ? ["--require-signature"] : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"] }
  );
  let log = "";
  let spawnError = null;
  child.on("error", (e) => {
    spawnError = e;
  });
  child.stderr.on("data", (chunk) => {
    if (log.length < 64 * 1024) log += chunk;
  });
  const started = Date.now();
  // The URL is written with a final newline: a file without one is not complete yet.
  for (;;) {
    const text = readIfComplete(ready);
    if (text) return new SessionkitServer(child, text.trim(), settings, folder);
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      fs.rmSync(folder, { recursive: true, force: true });
      const why = spawnError ? `cannot run ${bin}: ${spawnError.message}` : log;
      throw new Error(`sessionkit serve did not start: ${why}`);
    }
    if (Date.now() - started > STARTUP_MS) {
      child.kill();
      fs.rmSync(folder, { recursive: true, force: true });
      throw new Error(`sessionkit serve did not start within ${STARTUP_MS} ms: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function readIfComplete(file) {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.endsWith("\n") ? text : null;
  } catch {
    return null;
  }
}

/**
 * The hooks every runner gets, built on its own `beforeAll`/`afterAll`/`beforeEach`/`afterEach`:
 * one server per file, reset before each test, verified after each (a refused request fails the
 * test that sent it). The returned object's properties are the server's once it has started.
 */
function hooksWith({ beforeAll, afterAll, beforeEach, afterEach }, options) {
  let server;
  const handle = {};
  for (const name of ["url", "sessionsUrl", "apiKey", "secret", "profile"]) {
    Object.defineProperty(handle, name, { get: () => server && server[name], enumerable: true });
  }
  for (const name of ["requests", "reset", "script", "verify", "failures"]) {
    handle[name] = (...args) => server[name](...args);
  }
  beforeAll(async () => {
    server = await startServer(options);
  });
  afterAll(async () => {
    if (server) await server.close();
  });
  beforeEach(async () => {
    await server.reset();
  });
  afterEach(async () => {
    await server.verify();
  });
  return handle;
}

module.exports = { startServer, SessionkitServer, SessionkitVerifyError, describe, hooksWith, sessionkitBin };
