#!/usr/bin/env bash
# Runs the dashboard's browser tests: puppeteer-core (pinned in package-lock.json, installed with
# npm ci when missing) driving Debian's chromium against the real hookline-fulfillment binary fed by
# hookline simulate. Screenshots of every page go to BUILD_DIR/browser/.
#
# usage: tests/browser/run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
here="$source_dir/tests/browser"

for tool in node npm /usr/bin/chromium; do
  if ! command -v "$tool" >/dev/null; then
    echo "browser tests: $tool is missing (bash scripts/install-deps.sh)" >&2
    exit 77
  fi
done
if [[ ! -d "$here/node_modules/puppeteer-core" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$build_dir/browser"
exec node "$here/dashboard.test.mjs" \
  --server "$build_dir/reference-app/hookline-fulfillment" \
  --hookline "$build_dir/cli/hookline" \
  --out "$build_dir/browser"
