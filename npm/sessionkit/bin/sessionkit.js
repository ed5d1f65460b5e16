#!/usr/bin/env node
// `npx sessionkit ...`: runs the native binary with the same arguments, stdio and exit code.
"use strict";
const { spawnSync } = require("node:child_process");
const { sessionkitBin } = require("../platform.cjs");

let bin;
try {
  bin = sessionkitBin();
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const run = spawnSync(bin, process.argv.slice(2), { stdio: "inherit" });
if (run.error) {
  console.error(`sessionkit: cannot run ${bin}: ${run.error.message}`);
  process.exit(2);
}
process.exit(run.status ?? (run.signal ? 1 : 0));
