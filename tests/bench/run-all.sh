#!/usr/bin/env bash
# Runs hookline's benchmarks against their peers in one run, prints one table per section and writes
# the figures with the machine they were measured on to tests/bench/results.md.
#
# usage: tests/bench/run-all.sh [SECTION...]        (default: every section in SECTIONS)
# environment: HOOKLINE_BENCH_BUILD_DIR (default build/bench): the Release build used;
#              HOOKLINE_BENCH_ROUNDS (default 21): timed rounds per measurement, the median is kept.
#
# Each section is one function, section_<name>, that prints its Markdown (a heading, a table, notes)
# on stdout; the script shows it and puts it in results.md. To add a section, write its function
# and add its name to SECTIONS.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
bench_dir="$root/tests/bench"
node_dir="$bench_dir/node"
build_dir="${HOOKLINE_BENCH_BUILD_DIR:-$root/build/bench}"
rounds="${HOOKLINE_BENCH_ROUNDS:-21}"
work_dir="$build_dir/bench-work"
results="$bench_dir/results.md"

SECTIONS=(sdk)

log() { echo "run-all: $*" >&2; }

# --- setup -------------------------------------------------------------------------------------

build_hookline() {
  log "building hookline (Release) in $build_dir"
  # Warnings are the ci preset's gate; a compiler false positive must not stop a measurement.
  cmake --preset release -B "$build_dir" -DHOOKLINE_WARNINGS_AS_ERRORS=OFF >/dev/null
  cmake --build "$build_dir" --target hookline_cli -j "${HOOKLINE_BENCH_JOBS:-$(nproc)}" >/dev/null
  hookline="$build_dir/sdk/cli/hookline"
}

install_node_peers() {
  command -v node >/dev/null && command -v npm >/dev/null || {
    log "node and npm are needed (Debian: apt-get install nodejs npm)"
    exit 1
  }
  log "installing the Node.js peers (standardwebhooks, svix) into $node_dir/node_modules"
  npm install --prefix "$node_dir" --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null
}

# payload_file BYTES: a VRIO shipment payload of at most BYTES bytes, generated from the sample.
payload_file() {
  local file="$work_dir/shipment_$1.json"
  [[ -f "$file" ]] || node "$node_dir/make-payload.mjs" "$root/samples/vrio/shipment_scheduled.json" "$1" "$file" >&2
  echo "$file"
}

# median_of COMMAND...: runs a benchmark command and prints the N of its last line, "median_ns_per_event: N".
median_of() {
  local output last
  output="$("$@")"
  last="$(tail -n 1 <<<"$output")"
  [[ "$last" == median_ns_per_event:* ]] || { log "unexpected output from $*: $last"; exit 1; }
  echo "${last#median_ns_per_event: }"
}

# microseconds NS: nanoseconds as microseconds with two decimals.
microseconds() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1000 }'; }
# ratio A B: A / B with one decimal, followed by "x".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
# met CONDITION_TEXT: "met" when awk finds the condition true, else "missed".
met() { awk "BEGIN { exit !($1) }" && echo met || echo missed; }

# --- sections ----------------------------------------------------------------------------------

# SDK: verify + parse of 1, 10 and 100 KB Standard Webhooks-signed VRIO payloads, in-process.
section_sdk() {
  local rows="" sizes=(1024 10240 102400) first_hookline="" first_standard=""
  for size in "${sizes[@]}"; do
    local file bytes ours standard svix crypto
    file="$(payload_file "$size")"
    bytes="$(wc -c <"$file")"
    log "sdk: $bytes bytes: hookline"
    ours="$(median_of "$hookline" bench --scheme standard --rounds "$rounds" "$file")"
    log "sdk: $bytes bytes: standardwebhooks, svix, node crypto"
    standard="$(median_of node "$node_dir/standardwebhooks.mjs" "$file")"
    svix="$(median_of node "$node_dir/svix.mjs" "$file")"
    crypto="$(median_of node "$node_dir/crypto.mjs" "$file")"
    if [[ -z "$first_hookline" ]]; then first_hookline="$ours" first_standard="$standard"; fi
    rows+="| $((size / 1024)) KB | $bytes | $(microseconds "$ours") | $(microseconds "$standard") | $(microseconds "$svix") | $(microseconds "$crypto") | $(ratio "$standard" "$ours") | $(ratio "$svix" "$ours") | $(ratio "$crypto" "$ours") |"$'\n'
  done
  cat <<MARKDOWN
## SDK: verify + parse, in-process

Median µs per event (Standard Webhooks signature on the raw bytes, then the JSON parsed; lower is
better) and how many times longer each peer takes than hookline. hookline: \`hookline bench --scheme
standard\` (\`vrio::parse\` to typed structs). Peers on Node.js $(node --version): \`standardwebhooks\`
(\`Webhook.verify\`, which parses), \`svix\` (\`Webhook.verify\`, then \`JSON.parse\`) and hand-written
\`crypto.createHmac\` + \`timingSafeEqual\` + \`JSON.parse\`. Each figure is the median of $rounds rounds.

| payload | bytes | hookline | standardwebhooks | svix | node crypto + JSON.parse | standardwebhooks / hookline | svix / hookline | crypto / hookline |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows}
Targets: 1 KB in at most 1.5 µs: $(met "$first_hookline <= 1500") ($(microseconds "$first_hookline") µs);
at least 15x faster than \`standardwebhooks\` at 1 KB: $(met "$first_standard >= 15 * $first_hookline") ($(ratio "$first_standard" "$first_hookline")).
MARKDOWN
}

# --- main --------------------------------------------------------------------------------------

machine_markdown() {
  local cpu
  cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  cat <<MARKDOWN
# hookline benchmark results

Written by \`tests/bench/run-all.sh\`; rerun it to measure your own machine.

| machine | |
|---|---|
| date | $(date -u '+%Y-%m-%d %H:%M UTC') |
| cores (nproc) | $(nproc) |
| CPU | ${cpu:-unknown} |
| kernel | $(uname -sr) |
| load average at start | $(cut -d' ' -f1-3 /proc/loadavg) |
| hookline commit | $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown) |

MARKDOWN
}

main() {
  local sections=("$@")
  ((${#sections[@]})) || sections=("${SECTIONS[@]}")
  mkdir -p "$work_dir"
  local report="$work_dir/results.md"
  machine_markdown >"$report"
  build_hookline
  install_node_peers
  for section in "${sections[@]}"; do
    declare -F "section_$section" >/dev/null || { log "no section named $section (one of ${SECTIONS[*]})"; exit 2; }
    "section_$section" | tee -a "$report"
    echo >>"$report"
  done
  cat >>"$report" <<MARKDOWN
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). On a machine busy with other work every
figure is slower than on an idle one; compare the figures of one run (the ratios), not across runs.
MARKDOWN
  cp "$report" "$results"
  log "wrote $results"
}

main "$@"
