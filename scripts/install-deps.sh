#!/usr/bin/env bash
# Installs the Debian packages hookline builds, tests and runs with, when any is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates tzdata
  libssl-dev libsimdjson-dev libsqlitecpp-dev libsqlite3-dev sqlite3
  libpq-dev postgresql
  libcpp-httplib-dev libcli11-dev libfmt-dev libhowardhinnant-date-dev
  libboost-test-dev libbenchmark-dev libpqxx-dev
  clang libclang-rt-14-dev
  curl procps
  wrk openssl nginx haproxy
  libjs-chart.js chromium nodejs
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "hookline: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm for the browser tests' puppeteer-core: it comes with NodeSource's nodejs, and as a package of
# its own with Debian's.
if ! command -v npm >/dev/null; then
  echo "hookline: installing npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
