// Finds the sessionkit binary: SESSIONKIT_BIN, else the per-platform package npm installed
// through optionalDependencies (the way esbuild and biome ship native binaries), else an error
// that says what to do.
"use strict";
const path = require("node:path");
const fs = require("node:fs");

/** The per-platform package of this machine, by the names the optionalDependencies declare. */
function platformPackage() {
  const { platform, arch } = process;
  if (platform === "linux") {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime !== undefined;
    return `@sessionkit/cli-linux-${arch}-${glibc ? "gnu" : "musl"}`;
  }
  if (platform === "win32") return `@sessionkit/cli-win32-${arch}-msvc`;
  return `@sessionkit/cli-${platform}-${arch}`;
}

/** The path of the sessionkit binary to run. */
function sessionkitBin() {
  if (process.env.SESSIONKIT_BIN) return process.env.SESSIONKIT_BIN;
  const pkg = platformPackage();
  const exe = process.platform === "win32" ? "sessionkit.exe" : "sessionkit";
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    const bin = path.join(dir, "bin", exe);
    if (fs.existsSync(bin)) return bin;
  } catch {
    // not installed: reported below
  }
  throw new Error(
    `sessionkit: no binary for ${process.platform}-${process.arch} (${pkg} is not installed). ` +
      "Install it, or set SESSIONKIT_BIN to a sessionkit binary (cargo install --path crates/sessionkit-cli)."
  );
}

module.exports = { sessionkitBin, platformPackage };
