// node --test: the README's Node.js block is this file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSessionkit } from "sessionkit/node-test";
import { createSession } from "./client.cjs";

const sessionkit = useSessionkit(); // one server per file, reset and verified around each test

test("my client creates a session", async () => {
  const { status } = await createSession({ url: sessionkit.sessionsUrl, apiKey: sessionkit.apiKey, secret: sessionkit.secret });
  assert.equal(status, 201);
});

test("a client that signs the compressed bytes fails its test", async () => {
  await createSession({ url: sessionkit.sessionsUrl, apiKey: sessionkit.apiKey, secret: sessionkit.secret, signCompressed: true });
});
