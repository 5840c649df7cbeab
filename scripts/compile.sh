#!/usr/bin/env bash
# Builds the single cstabox binary from mod.ts. `deno compile` downloads its runtime (denort) unless
# DENORT_BIN names a local copy, which is how offline build machines use it.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist/cstabox}"
if [ -n "${DENORT_BIN:-}" ] && [ ! -x "$DENORT_BIN" ]; then
  echo "compile: DENORT_BIN=$DENORT_BIN is not an executable file" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
# Web assets are imported as text/bytes (--unstable-raw-imports), so they are part of the module graph
# and need no --include. The V8 flags are the ones `deno task start` runs with (a smaller young
# generation keeps resident memory down with 1000 applications connected; see docs/BENCHMARKS.md).
# The webhook sender thread's module is started with `new Worker`, which the module graph does not follow.
deno compile --allow-all --unstable-raw-imports --unstable-net --v8-flags=--max-semi-space-size=8 \
  --include src/integrations/webhooks/webhook_http_worker.ts --output "$out" mod.ts
echo "compile: wrote $out"
