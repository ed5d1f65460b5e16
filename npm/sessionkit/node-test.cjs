// `useSessionkit()` for node:test: one server per file, reset before each test, verified after.
"use strict";
const { before, after, beforeEach, afterEach } = require("node:test");
const { hooksWith } = require("./index.cjs");

function useSessionkit(options) {
  return hooksWith({ beforeAll: before, afterAll: after, beforeEach, afterEach }, options);
}

module.exports = { useSessionkit };
