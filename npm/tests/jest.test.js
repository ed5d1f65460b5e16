// jest
const { useSessionkit } = require("sessionkit/jest");
const { createSession } = require("./client.cjs");

const sessionkit = useSessionkit(); // one server per file, reset and verified around each test

test("my client creates a session", async () => {
  const { status } = await createSession({ url: sessionkit.sessionsUrl, apiKey: sessionkit.apiKey, secret: sessionkit.secret });
  expect(status).toBe(201);
});

test("a client that signs the compressed bytes fails its test", async () => {
  await createSession({ url: sessionkit.sessionsUrl, apiKey: sessionkit.apiKey, secret: sessionkit.secret, signCompressed: true });
});
