#!/usr/bin/env bash
# The action's step (action.yml), runnable outside GitHub: SESSIONKIT_* settings from the
# environment, the binary from SESSIONKIT_BIN, a release asset (SESSIONKIT_VERSION, the one part
# that needs GitHub), or a cargo build of this checkout; the Markdown report appended to
# GITHUB_STEP_SUMMARY (stdout when unset), JUnit to SESSIONKIT_JUNIT, the report page to
# SESSIONKIT_HTML (none when unset). Exits as sessionkit conform.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=${RUNNER_TEMP:-$(mktemp -d)}
bin=${SESSIONKIT_BIN:-}
if [ -z "$bin" ] && [ -n "${SESSIONKIT_VERSION:-}" ]; then
  url="https://github.com/sessionkit/sessionkit/releases/download/$SESSIONKIT_VERSION/sessionkit-x86_64-unknown-linux-gnu.tar.gz"
  echo "installing sessionkit $SESSIONKIT_VERSION from $url"
  curl -fsSL "$url" | tar -xz -C "$tmp"
  bin="$tmp/sessionkit"
fi
if [ -z "$bin" ]; then
  echo "building sessionkit from $here"
  cargo install --quiet --locked --path "$here/crates/sessionkit-cli" --root "$tmp/sessionkit"
  bin="$tmp/sessionkit/bin/sessionkit"
fi
"$bin" --version
args=(conform --format markdown --junit "${SESSIONKIT_JUNIT:-sessionkit-conform.xml}"
  --profile "${SESSIONKIT_PROFILE:-documented}" --level "${SESSIONKIT_LEVEL:-must}")
if [ -n "${SESSIONKIT_HTML:-}" ]; then
  args+=(--html "$SESSIONKIT_HTML")
fi
if [ -n "${SESSIONKIT_TARGET:-}" ]; then
  args+=(--target "$SESSIONKIT_TARGET" --api-key "${SESSIONKIT_API_KEY:-your-api-key}"
    --secret "${SESSIONKIT_SECRET:-your-shared-secret}")
fi
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
status=0
"$bin" "${args[@]}" >> "$summary" || status=$?
echo "sessionkit conform exited $status; JUnit in ${SESSIONKIT_JUNIT:-sessionkit-conform.xml}"
exit "$status"
