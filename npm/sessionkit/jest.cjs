// `useSessionkit()` for Jest (its hooks are globals): one server per file, reset before each
// test, verified after.
"use strict";
const { hooksWith } = require("./index.cjs");

function useSessionkit(options) {
  /* global beforeAll, afterAll, beforeEach, afterEach */
  return hooksWith({ beforeAll, afterAll, beforeEach, afterEach }, options);
}

module.exports = { useSessionkit };
