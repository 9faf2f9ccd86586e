#!/usr/bin/env bash
# Runs hookline's benchmarks against their peers in one run, prints one table per section and writes
# the figures with the machine they were measured on to tests/bench/results.md.
#
# usage: tests/bench/run-all.sh [SECTION...]        (default: every section in SECTIONS)
# environment: HOOKLINE_BENCH_BUILD_DIR (default build/bench): the Release build used;
#              HOOKLINE_BENCH_ROUNDS (default 21): timed rounds per measurement, the median is kept;
#              HOOKLINE_BENCH_SECONDS (default 10): seconds of each receiver and tls measurement;
#              HOOKLINE_BENCH_REPETITIONS (default 5): runs of each sdk_receiver load and of each tls
#              configuration, the median is kept;
#              HOOKLINE_BENCH_BURST_SUBSCRIPTIONS (default 37420: 99,998 events with the
#              simulator's default mix and seed): burst size;
#              HOOKLINE_BENCH_BURST_TIMEOUT (default 900): seconds the burst may take before it is
#              reported unfinished.
# needs: node and npm (every section), Google Benchmark (sdk_receiver, tls, postgres, pq_client, http_head, handling), wrk
# (receiver, tls, postgres), openssl (tls), curl (receiver, burst, postgres), PostgreSQL's server and psql (postgres,
# pq_client, burst_postgres), sqlite3 (postgres, burst_postgres), libpqxx (pq_client), haproxy (burst_postgres); see
# scripts/install-deps.sh.
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

SECTIONS=(sdk sdk_receiver receiver tls postgres pq_client http_head dashboard handling burst burst_postgres)

log() { echo "run-all: $*" >&2; }

# --- setup -------------------------------------------------------------------------------------

# build_hookline SECTION...: builds what the sections need (Google Benchmark only for sdk_receiver).
build_hookline() {
  local targets=(hookline_cli hookline-fulfillment)
  if [[ " $* " == *" sdk_receiver "* || " $* " == *" tls "* || " $* " == *" postgres "* ]]; then
    targets+=(hookline_bench_receiver_load)
  fi
  if [[ " $* " == *" postgres "* ]]; then
    targets+=(hookline_receiver_example)
  fi
  if [[ " $* " == *" pq_client "* ]]; then
    targets+=(hookline_bench_pq_client)
  fi
  if [[ " $* " == *" http_head "* ]]; then
    targets+=(hookline_bench_http_head)
  fi
  if [[ " $* " == *" dashboard "* ]]; then
    targets+=(hookline_bench_dashboard)
  fi
  if [[ " $* " == *" handling "* ]]; then
    targets+=(hookline_bench_handling)
  fi
  log "building hookline (Release) in $build_dir"
  # Warnings are the ci preset's gate; a compiler false positive must not stop a measurement.
  cmake --preset release -B "$build_dir" -DHOOKLINE_WARNINGS_AS_ERRORS=OFF >/dev/null
  cmake --build "$build_dir" --target "${targets[@]}" -j "${HOOKLINE_BENCH_JOBS:-$(nproc)}" >/dev/null
  hookline="$build_dir/cli/hookline"
  receiver_load="$build_dir/tests/bench/hookline_bench_receiver_load"
  pq_client="$build_dir/tests/bench/hookline_bench_pq_client"
  http_head="$build_dir/tests/bench/hookline_bench_http_head"
  dashboard="$build_dir/tests/bench/hookline_bench_dashboard"
  handling="$build_dir/tests/bench/hookline_bench_handling"
  fulfillment="$build_dir/reference-app/hookline-fulfillment"
  receiver_example="$build_dir/tests/bench/hookline_receiver_example"
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

# field KEY LINE: the value of KEY=value in a line of key=value pairs.
field() { sed -nE "s/.*(^| )$1=([^ ]+).*/\2/p" <<<"$2"; }
# json_number KEY JSON: the number of "KEY": in a flat JSON object.
json_number() { sed -nE "s/.*\"$1\": *([0-9.]+).*/\1/p" <<<"$2"; }
# now_seconds: the wall clock in seconds with fractions, for elapsed times.
now_seconds() { date +%s.%N; }
# elapsed SINCE: seconds since SINCE (a now_seconds value), one decimal.
elapsed() { awk -v since="$1" -v now="$(now_seconds)" 'BEGIN { printf "%.1f", now - since }'; }
# fresh_secret: a random signing secret for one section (never printed).
fresh_secret() { echo "bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; }

# The admin token of every hookline-fulfillment started here (its admin listener serves /metrics).
HOOKLINE_ADMIN_TOKEN="$(fresh_secret)"
export HOOKLINE_ADMIN_TOKEN

# require_command NAME WHY: stops the run with WHY when NAME is not installed.
require_command() {
  command -v "$1" >/dev/null || { log "$1 is missing: $2"; exit 1; }
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# --- processes the sections start ------------------------------------------------------------------

started_pids=()

# start_process LOG COMMAND...: runs COMMAND in the background with its output in LOG; its process id
# is in $started_pid, and stop_started_processes stops it if the section does not.
start_process() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  started_pid=$!
  started_pids+=("$started_pid")
}

# stop_process PID: SIGTERM, SIGKILL if it is still there 10 s later; waits for it to end.
stop_process() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == [^Z]* ]] && ((waited < 100)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_started_processes() {
  local pid
  for pid in "${started_pids[@]}"; do stop_process "$pid"; done
  started_pids=()
}

# wait_ready URL PID LOG SECONDS: waits until URL answers 2xx; stops the run if PID ends or SECONDS pass.
wait_ready() {
  local url="$1" pid="$2" log_file="$3" deadline=$((SECONDS + $4))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      log "$url did not come up; the end of $log_file:"
      tail -n 5 "$log_file" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# metrics ADMIN_URL: hookline-fulfillment's /metrics, read from its admin listener with the token.
metrics() { curl -fsS -H "Authorization: Bearer $HOOKLINE_ADMIN_TOKEN" "$1/metrics"; }
# metric ADMIN_URL NAME: the value of one Prometheus sample (NAME with its labels) there.
metric() { metrics "$1" | awk -v name="$2" '$1 == name { print $2 }'; }

# peak_memory_mb PID: the process's peak resident memory (VmHWM) in MB.
peak_memory_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

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

# --- SDK receiver --------------------------------------------------------------------------------

# SDK receiver: the SDK alone (WebhookServer, Receiver, SqliteInbox; no handlers) under the load
# client of hookline_bench_receiver_load, in its process, at 32 and 256 keep-alive connections.
section_sdk_receiver() {
  local repetitions="${HOOKLINE_BENCH_REPETITIONS:-5}" report="$work_dir/receiver-load.json" rows=""
  local connections durable runs rate p50 p99 max failures inbox summary
  declare -A median_rate median_p99 slowest failed
  log "sdk_receiver: hookline_bench_receiver_load, $repetitions runs of each load"
  "$receiver_load" --benchmark_repetitions="$repetitions" \
    --benchmark_out="$report" --benchmark_out_format=json >/dev/null 2>"$work_dir/receiver-load.log" ||
    { log "hookline_bench_receiver_load failed; see $work_dir/receiver-load.log"; exit 1; }
  summary="$(node "$node_dir/receiver-load-runs.mjs" "$report")"
  while read -r connections durable runs rate p50 p99 max failures; do
    inbox="MemoryInbox (for comparison)"
    if ((durable)); then
      inbox="SqliteInbox (durable)"
      median_rate[$connections]="$rate" median_p99[$connections]="$p99" slowest[$connections]="$max"
      failed[$connections]="$failures"
    fi
    rows+="| $inbox | $connections | ${runs//,/, } | $rate | $p50 | $p99 | $max | $failures |"$'\n'
  done <<<"$summary"
  [[ -n "${median_rate[32]:-}" && -n "${slowest[256]:-}" ]] || { log "no durable runs at 32 and 256 connections in $report"; exit 1; }
  cat <<MARKDOWN
## SDK receiver: durable receive through HTTP, in-process

\`hookline_bench_receiver_load\` (\`tests/bench/receiver_load_bench.cpp\`): the SDK alone, a
\`WebhookServer\` with a VRIO \`Receiver\` (signature, parse) and a \`SqliteInbox\` (WAL,
synchronous=FULL, group commit), no handlers: each 200 comes only once its claim is synced. A load
client in the same process keeps one thread per keep-alive connection sending pre-signed unique
\`shipment_scheduled\` events back to back: 80,000 events at 32 connections, 51,200 at 256, $repetitions
runs of each. The last row is the load at 32 connections with a \`MemoryInbox\`: what HTTP,
signature and parse alone allow, and so what durability costs. Latencies in ms (request sent → whole
response read), medians over the runs; the slowest request is the slowest of all runs, failures
(answers other than 200) their sum.

| inbox | connections | events/s of each run | median events/s | p50 | p99 | slowest request | failures |
|---|---:|---|---:|---:|---:|---:|---:|
${rows}
Targets: at least 20,000 events/s at 32 connections: $(met "${median_rate[32]} >= 20000") (median ${median_rate[32]});
p99 at most 10 ms at 32 connections: $(met "${median_p99[32]} <= 10") (${median_p99[32]} ms);
no request over 2 s at 256 connections: $(met "${slowest[256]} <= 2000 && ${failed[256]} == 0") (slowest ${slowest[256]} ms, ${failed[256]} failures).
MARKDOWN
}

# --- receiver ------------------------------------------------------------------------------------

# start_receiver TARGET DIR: starts the receiver TARGET (hookline: hookline-fulfillment with its
# durable SQLite inbox; node: tests/bench/node/receiver.mjs) fresh, on an empty DIR and a free port,
# and waits until it answers /readyz; sets $started_pid, $receiver_url and (hookline) $receiver_admin_url.
start_receiver() {
  local target="$1" dir="$2" port admin_port
  port="$(free_port)"
  admin_port="$(free_port)"
  rm -rf "$dir" && mkdir -p "$dir"
  case "$target" in
    hookline)
      # Shipments in the load are due in 30 days (receiver_load.lua): nothing is shipped, and the
      # platform URL (nothing listens there) is never called.
      start_process "$dir/server.log" env HOOKLINE_SECRET="$HOOKLINE_BENCH_SECRET" HOOKLINE_PLATFORM_API_KEY=bench \
        "$fulfillment" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin_port" --db "$dir/fulfillment.db" \
        --platform-url "http://127.0.0.1:9" ;;
    node)
      start_process "$dir/server.log" node "$node_dir/receiver.mjs" "127.0.0.1:$port" ;;
  esac
  wait_ready "http://127.0.0.1:$port/readyz" "$started_pid" "$dir/server.log" 30
  receiver_url="http://127.0.0.1:$port"
  receiver_admin_url="http://127.0.0.1:$admin_port"
}

# wrk_load URL CONNECTIONS SECONDS RUN: wrk (2 threads) posting receiver_load.lua's signed unique
# events to URL/webhooks/vrio; prints its result line (RUN keeps ids apart from other runs).
# --timeout 10s: a slower answer is still counted in the latencies (at wrk's default of 2 s it would
# only show as a socket error).
wrk_load() {
  local output
  output="$(wrk -t2 -c"$2" -d"$3"s --timeout 10s -s "$bench_dir/receiver_load.lua" "$1/webhooks/vrio" \
    -- "$root/samples/vrio/shipment_scheduled.json" "$4")"
  grep '^receiver_load ' <<<"$output" || { log "no result from wrk: $output"; exit 1; }
}

# Receiver: HTTP throughput and latency of a durable hookline-fulfillment against a hand-written
# in-memory Node.js receiver, in the same run, under wrk at 32 and 256 keep-alive connections.
section_receiver() {
  require_command wrk "the receiver section drives its load with wrk (Debian: apt-get install wrk; scripts/install-deps.sh)"
  require_command curl "the receiver section checks the receivers with curl (Debian: apt-get install curl)"
  HOOKLINE_BENCH_SECRET="$(fresh_secret)"
  export HOOKLINE_BENCH_SECRET
  trap stop_started_processes EXIT
  local seconds="${HOOKLINE_BENCH_SECONDS:-10}" rows="" duplicates=0 connections target result
  declare -A rate p99 max errors
  for connections in 32 256; do
    for target in hookline node; do
      log "receiver: $target at $connections connections: 2 s warm-up, then $seconds s"
      start_receiver "$target" "$work_dir/receiver-$target"
      wrk_load "$receiver_url" "$connections" 2 1 >/dev/null
      result="$(wrk_load "$receiver_url" "$connections" "$seconds" 2)"
      local key="$target$connections" backlog="–" name="Node.js $(node --version) (in memory)"
      if [[ "$target" == hookline ]]; then
        backlog="$(metric "$receiver_admin_url" 'hookline_inbox_entries{state="pending"}')"
        duplicates=$((duplicates + $(metric "$receiver_admin_url" hookline_webhooks_duplicates_total)))
        name="hookline-fulfillment (durable)"
      fi
      stop_process "$started_pid"
      rate[$key]="$(field events_per_s "$result")" p99[$key]="$(field p99_ms "$result")"
      max[$key]="$(field max_ms "$result")"
      errors[$key]="$(field socket_errors "$result")"
      rows+="| $name | $connections | ${rate[$key]} | $(field p50_ms "$result") | ${p99[$key]} | ${max[$key]} | $(field non_2xx "$result") | ${errors[$key]} | $backlog |"$'\n'
    done
  done
  cat <<MARKDOWN
## Receiver: signed webhooks over HTTP

wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') (2 threads, keep-alive) posts VRIO \`shipment_scheduled\` events, each with its own
\`webhook_event_id\` and \`shipment_id\` and a valid \`X-Webhook-Signature\` (signed before wrk starts the
request's clock; \`tests/bench/receiver_load.lua\`), for $seconds s after a 2 s warm-up, to each receiver
started fresh on an empty database: **hookline-fulfillment** (the reference server: signature, parse,
claim in the durable SQLite inbox (WAL, synchronous=FULL, group commit) before the 200, handlers
storing each fulfillment behind it, JSON log lines to a file) and a hand-written **Node.js** receiver
(\`tests/bench/node/receiver.mjs\`: node:http, \`crypto\` HMAC + \`timingSafeEqual\`, \`JSON.parse\`, an
in-memory \`Set\` of ids; one process, nothing durable). Latencies in ms, from wrk (request written →
response read; wrk does not correct for coordinated omission). Backlog: events stored but not yet
handled when the load stopped (hookline's handlers run behind the 200; the Node receiver has none).
wrk and the receiver share the machine's cores.

| receiver | connections | events/s | p50 | p99 | max | non-2xx | socket errors | backlog |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows}
Each \`shipment_scheduled\` is due in 30 days, so hookline stores a waiting fulfillment per event and
ships nothing during the run. Duplicates hookline counted over all its runs: $duplicates (ids are unique, so 0).

Targets: hookline durable at least the Node receiver's throughput: $(met "${rate[hookline32]} >= ${rate[node32]}") at 32 connections
(${rate[hookline32]} vs ${rate[node32]} events/s), $(met "${rate[hookline256]} >= ${rate[node256]}") at 256 (${rate[hookline256]} vs ${rate[node256]});
p99 at most 10 ms at 32 connections: $(met "${p99[hookline32]} <= 10") (${p99[hookline32]} ms);
no request over 2 s at 256 connections: $(met "${max[hookline256]} <= 2000 && ${errors[hookline256]} == 0") (max ${max[hookline256]} ms, ${errors[hookline256]} socket errors).
MARKDOWN
}

# --- TLS -----------------------------------------------------------------------------------------

# throwaway_certificate DIR: a self-signed P-256 certificate for 127.0.0.1 (DIR/cert.pem) and its
# key (DIR/key.pem), made for this run.
throwaway_certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

# serve_load LISTENER DB DIR: starts \`hookline_bench_receiver_load --serve\` (secret "bench-secret") on a
# free port with DB (a fresh SQLite file, or :memory:), over TLS with DIR's throwaway certificate when
# LISTENER is tls; waits until it listens; sets $started_pid and $serve_url.
serve_load() {
  local listener="$1" db="$2" dir="$3" port scheme=http tls_files=() waited=0
  port="$(free_port)"
  if [[ "$listener" == tls ]]; then scheme=https tls_files=("$dir/cert.pem" "$dir/key.pem"); fi
  start_process "$dir/serve.log" "$receiver_load" --serve "127.0.0.1:$port" "$db" "${tls_files[@]}"
  until grep -q '^listening on ' "$dir/serve.log"; do
    if ! kill -0 "$started_pid" 2>/dev/null || ((waited > 100)); then
      log "hookline_bench_receiver_load --serve did not come up: $(tail -n 3 "$dir/serve.log")"
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  serve_url="$scheme://127.0.0.1:$port"
}

# median VALUES...: the median of whole or decimal numbers.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# TLS: the SDK's WebhookServer over HTTPS (its own TLS transport) against plain HTTP, under wrk at 32
# keep-alive connections, with the durable SQLite inbox and with a MemoryInbox (HTTP, TLS, signature
# and parse alone), several runs of each, plain and TLS alternating.
section_tls() {
  require_command wrk "the tls section drives its load with wrk (Debian: apt-get install wrk; scripts/install-deps.sh)"
  require_command openssl "the tls section makes a throwaway certificate with openssl (Debian: apt-get install openssl)"
  trap stop_started_processes EXIT
  export HOOKLINE_BENCH_SECRET=bench-secret  # the secret of hookline_bench_receiver_load --serve
  local repetitions="${HOOKLINE_BENCH_REPETITIONS:-5}" seconds="${HOOKLINE_BENCH_SECONDS:-10}" dir="$work_dir/tls"
  local rows="" ratios="" negotiated="" inbox listener run db result key
  declare -A rates p99s errors medians
  rm -rf "$dir" && mkdir -p "$dir"
  throwaway_certificate "$dir"
  for inbox in durable memory; do
    for run in $(seq "$repetitions"); do
      for listener in plain tls; do
        log "tls: $inbox inbox, $listener, run $run of $repetitions: 2 s warm-up, then $seconds s"
        db=":memory:"
        [[ "$inbox" == durable ]] && db="$dir/inbox-$listener-$run.db"
        serve_load "$listener" "$db" "$dir"
        if [[ "$listener" == tls && -z "$negotiated" ]]; then
          negotiated="$(openssl s_client -connect "${serve_url#https://}" </dev/null 2>/dev/null | sed -nE 's/^New, (.*), Cipher is (.*)/\1 with \2/p')"
        fi
        wrk_load "$serve_url" 32 2 1 >/dev/null
        result="$(wrk_load "$serve_url" 32 "$seconds" 2)"
        stop_process "$started_pid"
        rm -f "$dir"/inbox-*.db*
        key="$inbox$listener"
        rates[$key]+="$(field events_per_s "$result") " p99s[$key]+="$(field p99_ms "$result") "
        errors[$key]=$((${errors[$key]:-0} + $(field non_2xx "$result") + $(field socket_errors "$result")))
      done
    done
    for listener in plain tls; do
      key="$inbox$listener"
      # shellcheck disable=SC2086 # the runs are a list of numbers
      medians[$key]="$(median ${rates[$key]})"
      # shellcheck disable=SC2086
      rows+="| $([[ "$inbox" == durable ]] && echo "SqliteInbox (durable)" || echo "MemoryInbox") | $listener | $(sed 's/ $//; s/ /, /g' <<<"${rates[$key]}") | ${medians[$key]} | $(median ${p99s[$key]}) | ${errors[$key]} |"$'\n'
    done
    ratios+="$([[ "$inbox" == durable ]] && echo "durable" || echo "in memory"): TLS $(awk -v t="${medians[${inbox}tls]}" -v p="${medians[${inbox}plain]}" 'BEGIN { printf "%.2f", t / p }') of plain; "
  done
  cat <<MARKDOWN
## TLS: HTTPS against plain HTTP, in the SDK's server

\`hookline_bench_receiver_load --serve\` (\`tests/bench/receiver_load_bench.cpp\`: a \`WebhookServer\` with a
VRIO \`Receiver\`, signature and parse, on a durable \`SqliteInbox\` (WAL, synchronous=FULL, group commit)
or a \`MemoryInbox\`), plain or with \`ServerOptions::tls\` (the adapter's own TLS transport, a throwaway
P-256 certificate made by \`openssl req\`; \`openssl s_client\` negotiated ${negotiated:-nothing}), under wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') (2 threads, 32
keep-alive connections, \`tests/bench/receiver_load.lua\`: signed unique \`shipment_scheduled\` events)
for $seconds s after a 2 s warm-up; $repetitions runs of each, plain and TLS alternating, each on a fresh server.
p99 in ms (wrk); errors are non-2xx answers and socket errors over all runs. wrk and the server
share the machine's cores, and wrk's own TLS costs it CPU too.

| inbox | listener | events/s of each run | median events/s | median p99 | errors |
|---|---|---|---:|---:|---:|
${rows}
Ratio of the medians: ${ratios%; }.
MARKDOWN
}

# --- postgres ------------------------------------------------------------------------------------

# start_postgres: a throwaway PostgreSQL cluster (Debian's initdb and pg_ctl, as the user nobody when
# this runs as root, since PostgreSQL refuses root) in a temporary directory, on a free loopback port,
# fsync and synchronous_commit on; sets $pg_dir, $pg_port, $pg_as and $pg_bin. stop_postgres removes it.
# wal_init_zero off: a fresh cluster has no WAL segments to recycle yet and would fill each new 16 MB
# segment with zeros while commits wait (a p99 of 30 to 50 ms here, for every receiver alike), where a
# server that has run for a while reuses its old segments; fsync and full_page_writes stay on.
start_postgres() {
  local bin
  bin="$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$bin" ]] || { log "no PostgreSQL server under /usr/lib/postgresql (Debian: apt-get install postgresql)"; exit 1; }
  pg_bin="$(dirname "$bin")"
  pg_dir="$(mktemp -d /tmp/hookline-bench-pg-XXXXXX)"
  pg_as=()
  if ((EUID == 0)); then
    chown nobody: "$pg_dir"
    pg_as=(runuser -u nobody --)
  fi
  pg_port="$(free_port)"
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U hookline -A trust -E UTF8 --locale=C >"$pg_dir/initdb.log" 2>&1 ||
    { log "initdb failed: $(tail -n 3 "$pg_dir/initdb.log")"; exit 1; }
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=300 -c fsync=on -c synchronous_commit=on -c wal_init_zero=off" \
    start >/dev/null || { log "the PostgreSQL server did not start: $(tail -n 3 "$pg_dir/server.log")"; exit 1; }
}

stop_postgres() {
  [[ -n "${pg_dir:-}" ]] || return 0
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  pg_dir=""
}

# pg_sql SQL [DATABASE]: runs SQL on the throwaway cluster (database postgres by default); prints the rows.
pg_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U hookline -d "${2:-postgres}" -c "$1"; }

# start_pg_receivers TARGET INSTANCES DB: starts INSTANCES receivers of TARGET (hookline-pg: the
# receiver example on the PostgreSQL database DB; node-pg: tests/bench/node/pg-receiver.mjs on DB;
# hookline-sqlite: the receiver example on a SQLite file DB; sdk-pg: hookline_bench_receiver_load
# --serve on DB, the SDK's receive alone) on free ports and waits until each answers; sets $receiver_urls.
start_pg_receivers() {
  local target="$1" instances="$2" db="$3" instance port log_file uri="postgresql://hookline@127.0.0.1:$pg_port/$3"
  receiver_urls=()
  for instance in $(seq "$instances"); do
    port="$(free_port)"
    log_file="$work_dir/postgres/$target-$instance.log"
    : >"$log_file"  # now, not in start_process's background job: no line of the last run is read as this one's
    case "$target" in
      hookline-pg)
        start_process "$log_file" env HOOKLINE_SECRET="$HOOKLINE_BENCH_SECRET" \
          "$receiver_example" --listen "127.0.0.1:$port" --db "$uri" --drain-seconds 0 ;;
      node-pg)
        start_process "$log_file" node "$node_dir/pg-receiver.mjs" "127.0.0.1:$port" "$uri" ;;
      hookline-sqlite)
        start_process "$log_file" env HOOKLINE_SECRET="$HOOKLINE_BENCH_SECRET" \
          "$receiver_example" --listen "127.0.0.1:$port" --db "$db" --drain-seconds 0 ;;
      sdk-pg)
        start_process "$log_file" "$receiver_load" --serve "127.0.0.1:$port" "$uri" ;;
    esac
    if [[ "$target" == sdk-pg ]]; then
      until grep -q '^listening on ' "$log_file"; do
        kill -0 "$started_pid" 2>/dev/null || { log "$target did not come up: $(tail -n 3 "$log_file")"; exit 1; }
        sleep 0.1
      done
    else
      wait_ready "http://127.0.0.1:$port/readyz" "$started_pid" "$log_file" 30
    fi
    receiver_urls+=("http://127.0.0.1:$port")
  done
}

# wrk_split CONNECTIONS SECONDS RUN URL...: the load of wrk_load (2 wrk threads, CONNECTIONS in all)
# split evenly over the URLs, one wrk per URL at once (RUN, RUN+1, ... keep their ids apart); prints
# one result line: the sum of the requests, events/s, failures (non-2xx and socket errors) and 2xx
# answers, and the largest p50, p99 and max of the clients (for two, an upper bound of the whole load's).
wrk_split() {
  local connections="$1" seconds="$2" run="$3" url index=0 pids=() outputs=()
  shift 3
  local share=$((connections / $#)) threads=$((2 / $#))
  for url in "$@"; do
    outputs+=("$work_dir/postgres/wrk-$index.out")
    wrk -t"$threads" -c"$share" -d"$seconds"s --timeout 10s -s "$bench_dir/receiver_load.lua" "$url/webhooks/vrio" \
      -- "$root/samples/vrio/shipment_scheduled.json" "$((run + index))" >"${outputs[-1]}" &
    pids+=($!)
    index=$((index + 1))
  done
  for index in "${!pids[@]}"; do
    wait "${pids[$index]}" || { log "wrk failed: $(cat "${outputs[$index]}")"; exit 1; }
    grep -q '^receiver_load ' "${outputs[$index]}" || { log "no result from wrk: $(cat "${outputs[$index]}")"; exit 1; }
  done
  grep -h '^receiver_load ' "${outputs[@]}" | awk '
    function value(key,   i, pair) { for (i = 2; i <= NF; i++) { split($i, pair, "="); if (pair[1] == key) return pair[2] } }
    function most(a, b) { return a > b ? a : b }
    { requests += value("requests"); rate += value("events_per_s"); p50 = most(p50, value("p50_ms") + 0)
      p99 = most(p99, value("p99_ms") + 0); max = most(max, value("max_ms") + 0)
      failures += value("non_2xx") + value("socket_errors"); answered_2xx += value("requests") - value("non_2xx") }
    END { printf "receiver_load requests=%d events_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f failures=%d answered_2xx=%d\n",
                 requests, rate, p50, p99, max, failures, answered_2xx }'
}

# cpu_ticks PID...: the CPU time (user and system, in clock ticks) the processes have used so far.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    [[ -r "/proc/$pid/stat" ]] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
# postgres_pids: the cluster's postmaster and every process it started.
postgres_pids() {
  local postmaster
  postmaster="$(head -n 1 "$pg_dir/data/postmaster.pid")"
  echo "$postmaster" $(ps -o pid= --ppid "$postmaster")
}
# idle_ticks, all_ticks: the machine's idle (and iowait) and total CPU time so far, from /proc/stat.
idle_ticks() { awk '$1 == "cpu" { print $5 + $6 }' /proc/stat; }
all_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

# postgres_run TARGET INSTANCES CONNECTIONS RUN: one measurement (2 s warm-up, then $seconds s; wrk ids
# from RUN on) of INSTANCES fresh receivers of TARGET on a database of their own, dropped afterwards;
# appends its figures to the lists of postgres_section's tables under the key TARGET INSTANCES-CONNECTIONS.
postgres_run() {
  local target="$1" instances="$2" connections="$3" run="$4" key="$1$2-$3"
  local database="bench_${1//-/_}_$2_$3" warm_up result stored handled="–" receivers_before postgres_before idle_before all_before
  local cpu_receivers cpu_postgres cpu_idle
  log "postgres: $target x$instances at $connections connections, run $repetition of $repetitions: 2 s warm-up, then $seconds s"
  if [[ "$target" == hookline-sqlite ]]; then
    rm -f "$work_dir/postgres/$database".db*
    start_pg_receivers "$target" "$instances" "$work_dir/postgres/$database.db"
  else
    pg_sql "CREATE DATABASE $database"
    start_pg_receivers "$target" "$instances" "$database"
  fi
  warm_up="$(wrk_split "$connections" 2 "$run" "${receiver_urls[@]}")"
  receivers_before="$(cpu_ticks "${started_pids[@]}")" postgres_before="$(cpu_ticks $(postgres_pids))"
  idle_before="$(idle_ticks)" all_before="$(all_ticks)"
  result="$(wrk_split "$connections" "$seconds" "$((run + 2))" "${receiver_urls[@]}")"
  # CPU over the measurement, in % of one core: the receivers, PostgreSQL, and the machine left idle.
  read -r cpu_receivers cpu_postgres cpu_idle < <(awk -v r="$(($(cpu_ticks "${started_pids[@]}") - receivers_before))" \
    -v p="$(($(cpu_ticks $(postgres_pids)) - postgres_before))" -v i="$(($(idle_ticks) - idle_before))" \
    -v a="$(($(all_ticks) - all_before))" -v hz="$(getconf CLK_TCK)" -v s="$seconds" -v cores="$(nproc)" \
    'BEGIN { printf "%.0f %.0f %.0f\n", 100 * r / hz / s, 100 * p / hz / s, 100 * cores * i / a }')
  stop_started_processes
  case "$target" in
    hookline-sqlite)
      stored="$(sqlite3 "$work_dir/postgres/$database.db" 'SELECT count(*) FROM inbox_entries')"
      handled="$(sqlite3 "$work_dir/postgres/$database.db" 'SELECT count(*) FROM inbox_entries WHERE state = 2')"
      rm -f "$work_dir/postgres/$database".db* ;;
    node-pg) stored="$(pg_sql 'SELECT count(*) FROM webhook_events' "$database")" ;;
    hookline-pg)
      stored="$(pg_sql 'SELECT count(*) FROM hookline_inbox' "$database")"
      handled="$(pg_sql 'SELECT count(*) FROM hookline_inbox WHERE state = 2' "$database")" ;;
    sdk-pg) stored="$(pg_sql 'SELECT count(*) FROM hookline_inbox' "$database")" ;;
  esac
  [[ "$target" == hookline-sqlite ]] || pg_sql "DROP DATABASE $database WITH (FORCE)"
  rates[$key]+="$(field events_per_s "$result") " p50s[$key]+="$(field p50_ms "$result") " p99s[$key]+="$(field p99_ms "$result") "
  slowest[$key]="$(awk -v a="${slowest[$key]:-0}" -v b="$(field max_ms "$result")" 'BEGIN { print (b > a ? b : a) }')"
  failures[$key]=$((${failures[$key]:-0} + $(field failures "$result")))
  stored_rows[$key]=$((${stored_rows[$key]:-0} + stored))
  answered[$key]=$((${answered[$key]:-0} + $(field answered_2xx "$warm_up") + $(field answered_2xx "$result")))
  handled_rows[$key]+="$handled " cpu[$key]+="$cpu_receivers/$cpu_postgres/$cpu_idle "
  per_event[$key]+="$(awk -v c="$((cpu_receivers + cpu_postgres))" -v r="$(field events_per_s "$result")" 'BEGIN { printf "%.1f", c * 10000 / r }') "
}

# rounded DECIMALS NUMBER: NUMBER with DECIMALS decimals.
rounded() { awk -v d="$1" -v n="$2" 'BEGIN { printf "%.*f", d, n }'; }

# median_cpu RUNS: the median of each of the three numbers of "RECEIVERS/POSTGRES/IDLE" runs.
median_cpu() {
  local runs=($1) column values=()
  for column in 1 2 3; do
    values+=("$(rounded 0 "$(median $(printf '%s\n' "${runs[@]}" | cut -d/ -f"$column"))")")
  done
  echo "${values[0]} / ${values[1]} / ${values[2]}"
}

# PostgreSQL: durable receive on one PostgreSQL database, hookline (the receiver example, 1 and 2
# instances, and the SDK's receive alone) against a Node.js receiver with pg (1 and 2 processes),
# and hookline on SQLite, under the same wrk load at 32 and 256 keep-alive connections; several runs
# of each, the configurations taking turns, the medians kept.
section_postgres() {
  require_command wrk "the postgres section drives its load with wrk (Debian: apt-get install wrk; scripts/install-deps.sh)"
  require_command curl "the postgres section checks the receivers with curl (Debian: apt-get install curl)"
  require_command psql "the postgres section creates its databases with psql (Debian: apt-get install postgresql)"
  require_command sqlite3 "the postgres section counts the SQLite inbox's rows with sqlite3 (Debian: apt-get install sqlite3)"
  export HOOKLINE_BENCH_SECRET=bench-secret  # the secret of hookline_bench_receiver_load --serve
  trap 'stop_started_processes; stop_postgres' EXIT
  local seconds="${HOOKLINE_BENCH_SECONDS:-10}" repetitions="${HOOKLINE_BENCH_REPETITIONS:-5}" rows="" run=10
  local repetition connections config target instances key name
  local configs=("hookline-pg 1" "hookline-pg 2" "node-pg 1" "node-pg 2" "hookline-sqlite 1" "sdk-pg 1")
  declare -A rates p50s p99s slowest failures stored_rows answered handled_rows cpu per_event rate p99
  rm -rf "$work_dir/postgres" && mkdir -p "$work_dir/postgres"
  start_postgres
  local pg_version
  pg_version="$(pg_sql 'SHOW server_version' | cut -d' ' -f1)"
  local load_at_start
  load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
  for repetition in $(seq "$repetitions"); do
    for connections in 32 256; do
      for config in "${configs[@]}"; do
        read -r target instances <<<"$config"
        postgres_run "$target" "$instances" "$connections" "$run"
        run=$((run + 4))
      done
    done
  done
  stop_postgres
  for connections in 32 256; do
    for config in "${configs[@]}"; do
      read -r target instances <<<"$config"
      key="$target$instances-$connections"
      case "$target" in
        hookline-pg) name="hookline on PostgreSQL" ;;
        node-pg) name="Node.js + pg on PostgreSQL" ;;
        hookline-sqlite) name="hookline on SQLite" ;;
        sdk-pg) name="SDK receive alone on PostgreSQL (no dispatcher)" ;;
      esac
      # shellcheck disable=SC2086 # the runs are a list of numbers
      rate[$key]="$(rounded 0 "$(median ${rates[$key]})")" p99[$key]="$(rounded 2 "$(median ${p99s[$key]})")"
      local handled="–"
      # shellcheck disable=SC2086
      [[ "${handled_rows[$key]}" == *[0-9]* ]] && handled="$(rounded 0 "$(median ${handled_rows[$key]})")"
      # shellcheck disable=SC2086
      rows+="| $name | $instances | $connections | $(sed 's/ $//; s/ /, /g' <<<"${rates[$key]}") | ${rate[$key]} | $(rounded 2 "$(median ${p50s[$key]})") | ${p99[$key]} | ${slowest[$key]} | ${failures[$key]} | ${stored_rows[$key]} / ${answered[$key]} | $handled | $(median_cpu "${cpu[$key]}") | $(rounded 0 "$(median ${per_event[$key]})") |"$'\n'
    done
  done
  cat <<MARKDOWN
## PostgreSQL: durable receive on one database, hookline against Node.js + pg

wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') (\`tests/bench/receiver_load.lua\`: signed unique VRIO \`shipment_scheduled\` events, 2 wrk threads
in all, keep-alive) for $seconds s after a 2 s warm-up against each receiver started fresh on an empty database of
one throwaway PostgreSQL $pg_version cluster on loopback (fsync on, synchronous_commit on: a commit
returns once its WAL is flushed; wal_init_zero off, as a fresh cluster has no old WAL segments to
reuse), or a SQLite file on the same disk. **hookline**: the receiver example
(\`samples/receiver-example\`: signature, parse, claim in \`PostgresInbox\`, whose committer writes
concurrent claims in one multi-row \`INSERT ... ON CONFLICT DO NOTHING\` per transaction, before the
200; its dispatcher handles each event behind the 200, one log line each), with \`--db postgresql://...\`
or a SQLite file (\`SqliteInbox\`: WAL, synchronous=FULL, group commit). **Node.js $(node --version) + pg**
$(node -e 'console.log(require(process.argv[1] + "/node_modules/pg/package.json").version)' "$node_dir"): \`tests/bench/node/pg-receiver.mjs\` (node:http, the
HMAC-SHA256 check of receiver.mjs, \`JSON.parse\`, one \`INSERT ... ON CONFLICT DO NOTHING\` per request on
a \`pg.Pool\` of its default 10 connections, then the 200). With 2 instances both use the same database
and the load is split: one wrk (1 thread, half the connections) per instance, run at once; events/s
is their sum, p50, p99 and max the larger of the two clients' (an upper bound of the whole load's).
$repetitions runs of each, every configuration's run in turn before the next round; medians over the runs
of the events/s, p50, p99, handled and CPU figures, the slowest request of all runs, failures (non-2xx
answers and socket errors), rows and 2xx summed over them. Latencies in ms (wrk: request written →
response read). Stored / 2xx: rows in the databases afterwards / 2xx answers wrk read, warm-ups included (a request
still in flight when wrk stops may be stored unanswered; none answered may be missing). Handled:
entries hookline's dispatcher had handled by then (the rest waited in the inbox; the Node.js receiver
handles nothing). The last row is \`hookline_bench_receiver_load --serve\` on the same kind of database:
the SDK's \`WebhookServer\`, \`Receiver\` and \`PostgresInbox\` alone, no dispatcher, so what handling behind
the 200 costs the receive. CPU: % of one core over the measurement used by the receivers, by
PostgreSQL (every server process) and left idle on the machine ($(nproc) cores = $(($(nproc) * 100)) %), which the
receivers, the database and wrk share (and whatever else runs on the machine: the load average was
$load_at_start when the section started, $(cut -d' ' -f1-3 /proc/loadavg) when it ended). CPU µs per event: the
receivers' and PostgreSQL's CPU time over the events received (median of the runs), which a busy
machine changes less than the events/s.

| receiver | instances | connections | events/s of each run | median events/s | p50 | p99 | slowest request | failures | stored / 2xx | handled | CPU % receivers / PostgreSQL / idle | CPU µs per event |
|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows}
Targets for hookline on PostgreSQL (1 instance; 2 instances):
at least 3x the events/s of the Node.js receiver (1 process) at 32 connections: $(met "${rate[hookline-pg1-32]} >= 3 * ${rate[node-pg1-32]}") ($(ratio "${rate[hookline-pg1-32]}" "${rate[node-pg1-32]}"));
$(met "${rate[hookline-pg2-32]} >= 3 * ${rate[node-pg1-32]}") ($(ratio "${rate[hookline-pg2-32]}" "${rate[node-pg1-32]}"); against 2 Node.js processes $(ratio "${rate[hookline-pg2-32]}" "${rate[node-pg2-32]}"));
p99 at most 20 ms at 32 connections: $(met "${p99[hookline-pg1-32]} <= 20") (${p99[hookline-pg1-32]} ms); $(met "${p99[hookline-pg2-32]} <= 20") (${p99[hookline-pg2-32]} ms);
(the SDK's receive alone, no dispatcher: $(ratio "${rate[sdk-pg1-32]}" "${rate[node-pg1-32]}") the Node.js receiver's events/s at 32 connections, p99 ${p99[sdk-pg1-32]} ms);
no request over 2 s at 256 connections: $(met "${slowest[hookline-pg1-256]} <= 2000 && ${failures[hookline-pg1-256]} == 0") (slowest ${slowest[hookline-pg1-256]} ms, ${failures[hookline-pg1-256]} failures); $(met "${slowest[hookline-pg2-256]} <= 2000 && ${failures[hookline-pg2-256]} == 0") (slowest ${slowest[hookline-pg2-256]} ms, ${failures[hookline-pg2-256]} failures).
MARKDOWN
}

# --- PostgreSQL client library ---------------------------------------------------------------------

# pq_figure CSV NAME COLUMN: the median of benchmark NAME in Google Benchmark's CSV output, in µs with
# one decimal: its wall time (COLUMN 3) or its CPU time (COLUMN 4).
pq_figure() {
  awk -F, -v name="$2_median" -v column="$3" '
    { n = $1; gsub(/"/, "", n); gsub(/\/(process_time|real_time)/, "", n) }
    n == name { printf "%.1f", $column; found = 1 }
    END { exit !found }' <<<"$1"
}

# PostgreSQL client: hookline's hot statements with libpq (hookline's Connection) and with libpqxx,
# on the throwaway cluster; the client's CPU and the wall time per statement.
section_pq_client() {
  require_command psql "the pq_client section reads the server's version with psql (Debian: apt-get install postgresql)"
  trap stop_postgres EXIT
  start_postgres
  local version load_at_start output
  version="$(pg_sql 'SHOW server_version' | cut -d' ' -f1)"
  load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
  log "pq_client: hookline_bench_pq_client, $rounds repetitions of each benchmark, interleaved"
  output="$("$pq_client" --benchmark_repetitions="$rounds" --benchmark_report_aggregates_only=true \
    --benchmark_enable_random_interleaving=true --benchmark_format=csv \
    "postgresql://hookline@127.0.0.1:$pg_port/postgres" 2>"$work_dir/pq-client.log")" ||
    { log "hookline_bench_pq_client failed; see $work_dir/pq-client.log"; exit 1; }
  stop_postgres
  pq_figure "$output" read/libpqxx 4 >/dev/null ||
    { log "hookline_bench_pq_client was built without libpqxx (Debian: apt-get install libpqxx-dev; scripts/install-deps.sh)"; exit 1; }
  local rows="" statement name libpq_cpu libpqxx_cpu libpq_wall libpqxx_wall
  # row LABEL BENCHMARK LIBPQXX_VARIANT: one line of the table, libpq against libpqxx's VARIANT.
  row() {
    libpq_cpu="$(pq_figure "$output" "$2/libpq" 4)" libpqxx_cpu="$(pq_figure "$output" "$2/$3" 4)"
    libpq_wall="$(pq_figure "$output" "$2/libpq" 3)" libpqxx_wall="$(pq_figure "$output" "$2/$3" 3)"
    rows+="| $1 | $libpq_cpu | $libpqxx_cpu | $(awk -v a="$libpqxx_cpu" -v b="$libpq_cpu" 'BEGIN { printf "%.2fx", a / b }') | $libpq_wall | $libpqxx_wall |"$'\n'
  }
  row "claim, 1 row (\`nontransaction\`)" claim/1 libpqxx
  row "claim, 32 rows (\`nontransaction\`)" claim/32 libpqxx
  row "read by primary key, 12 columns (\`nontransaction\`)" read libpqxx
  row "claim, 1 row, libpqxx in \`pqxx::work\`" claim/1 libpqxx_work
  row "claim, 32 rows, libpqxx in \`pqxx::work\`" claim/32 libpqxx_work
  cat <<MARKDOWN
## PostgreSQL client: libpq against libpqxx, per statement

\`hookline_bench_pq_client\` (\`tests/bench/pq_client_bench.cpp\`) on one throwaway PostgreSQL $version
cluster on loopback, one connection per library, each session with \`synchronous_commit = off\` so that
the WAL flush of each commit does not drown the client's work (the product's sessions keep it on).
**libpq** $(pkg-config --modversion libpq 2>/dev/null || echo "") through hookline's own \`Connection\` (\`sdk/postgres/connection.hpp\`),
as the product runs its statements: prepared once per connection, parameters and results in binary.
**libpqxx** $(pkg-config --modversion libpqxx 2>/dev/null || echo ""): prepared statements (\`connection::prepare\`,
\`exec_prepared\`) in a \`pqxx::nontransaction\` per statement (one autocommitted statement, as
libpq's), bytea parameters as \`pqxx::binarystring\` (sent in binary), the others as text, results in
text (bytea unescaped by \`pqxx::binarystring\`). The claim is the inbox committer's statement: one
multi-row \`INSERT ... ON CONFLICT (platform, event_id) DO NOTHING RETURNING platform, event_id\` of new
events (1 KB bytea body, text, bytea and bigint columns), every returned row read; the read is one
inbox entry by its primary key (12 columns, the body among them), every column read. The last two
rows run the claim in a \`pqxx::work\` instead, the transaction type libpqxx's documentation says one normally wants
(\`BEGIN\`, the statement, \`COMMIT\`: two more round trips). CPU: the bench process's CPU time per
statement (what the library choice changes); wall: per statement, mostly the server's.
Medians of $rounds repetitions, the benchmarks interleaved at random; load average $load_at_start
at the start of the section, $(cut -d' ' -f1-3 /proc/loadavg) at its end (the server shares the machine).

| statement | libpq µs CPU | libpqxx µs CPU | libpqxx / libpq | libpq wall µs | libpqxx wall µs |
|---|---:|---:|---:|---:|---:|
${rows}
MARKDOWN
}

# --- HTTP head check -------------------------------------------------------------------------------

# HTTP head check: the cost per request of the adapter's RFC 9112 head check, in isolation.
section_http_head() {
  local output ns
  log "http_head: hookline_bench_http_head, median of $rounds repetitions"
  output="$("$http_head" --benchmark_repetitions="$rounds" --benchmark_report_aggregates_only=true 2>/dev/null)"
  ns="$(awk '/_median/ { print $4; exit }' <<<"$output")"  # CPU time: the machine may be busy
  [[ -n "$ns" ]] || { log "no result from hookline_bench_http_head: $output"; exit 1; }
  cat <<MARKDOWN
## HTTP head check: per request

\`hookline_bench_http_head\` (\`tests/bench/http_head_bench.cpp\`): the adapter's request head check
(RFC 9112 field syntax, the fields kept byte for byte) on the 11-line head of a signed VRIO delivery,
as the connection hands it over after one read: $ns ns of CPU per request (median of $rounds repetitions),
where a whole request through the SDK receiver takes tens of microseconds.

Target: at most 1 µs per request: $(met "$ns <= 1000") ($ns ns).
MARKDOWN
}

# --- dashboard -----------------------------------------------------------------------------------

section_dashboard() {
  local output overview_ms list_ms
  log "dashboard: hookline_bench_dashboard over 100,000 fulfillments, median of $rounds rounds"
  output="$("$dashboard" "$work_dir/dashboard" 100000 "$rounds")"
  overview_ms="$(awk -F'\t' '$1 ~ /^overview/ && $2 > max { max = $2 } END { print max }' <<<"$output")"
  list_ms="$(awk -F'\t' '$1 !~ /^overview/ && $2 > max { max = $2 } END { print max }' <<<"$output")"
  cat <<MARKDOWN
## Dashboard: the admin API's pages over 100,000 fulfillments

\`hookline_bench_dashboard\` (\`tests/bench/dashboard_bench.cpp\`): a fulfillment database of 100,000
fulfillments created over one day (100,000 events in the log, each with a history line, every 500th
a conflict), each request answered by the admin API with its JSON, without the network; median and
slowest of $rounds rounds.

| Request | Median (ms) | Slowest (ms) | Answer (bytes) |
|---|---:|---:|---:|
$(awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' <<<"$output")

Targets: the overview under 300 ms: $(met "$overview_ms < 300") (slowest median $overview_ms ms); every list page
under 100 ms: $(met "$list_ms < 100") (slowest median $list_ms ms).
MARKDOWN
}

# --- handling ------------------------------------------------------------------------------------

# Handling: the CPU the reference server's dispatcher threads spend per handled shipment_scheduled.
section_handling() {
  local output ns
  log "handling: hookline_bench_handling, $rounds rounds of 2000 events"
  output="$("$handling" 2000 "$rounds")"
  ns="$(tail -n 1 <<<"$output")"
  [[ "$ns" == median_ns_per_event:* ]] || { log "unexpected output from hookline_bench_handling: $ns"; exit 1; }
  ns="${ns#median_ns_per_event: }"
  cat <<MARKDOWN
## Handling: dispatcher CPU per shipment_scheduled

\`hookline_bench_handling\` (\`tests/bench/handling_bench.cpp\`): the reference server (\`fulfillment::App\`, its
SQLite inbox and fulfillment store in a temporary directory, its log to /dev/null) in the bench's process
receives signed unique \`shipment_scheduled\` events from 8 keep-alive connections, 2000 per round, and
handles them: each is loaded from the inbox, parsed, applied to its shipment's view, recorded in the
event log and the fulfillment history, and marked done. Measured: the CPU time of the dispatcher's
threads (\`hl-dispatch\`, Linux's per-thread schedstat) per event, median of $rounds rounds:
$(microseconds "$ns") µs per event.

Target: at most 25 µs per event: $(met "$ns <= 25000") ($(microseconds "$ns") µs).
MARKDOWN
}

# --- burst ---------------------------------------------------------------------------------------

# burst_run CHECK: one burst with --check-before-ship CHECK (on or off): the simulator queues about
# 100k generated VRIO shipment events and one batch delivers them all to a fresh hookline-fulfillment,
# whose platform API is the simulator's. Sets burst_<field>[CHECK] for the section's table.
declare -A burst_events burst_succeeded burst_delivered burst_due burst_sent burst_dead burst_took burst_finished
declare -A burst_peak burst_platform burst_checks
# burst_run KEY CHECK [INSTANCES]: one burst with --check-before-ship CHECK, its figures under KEY.
# Without INSTANCES, to one server on a SQLite file; with it, to INSTANCES servers on one database of
# the throwaway PostgreSQL cluster (start_postgres) behind HAProxy on loopback (round robin, health
# checks on /readyz, a failed delivery retried on another instance).
burst_run() {
  local key="$1" check="$2" instances="${3:-0}" subscriptions="${HOOKLINE_BENCH_BURST_SUBSCRIPTIONS:-37420}"
  local timeout="${HOOKLINE_BENCH_BURST_TIMEOUT:-900}"
  local dir="$work_dir/burst-$key" server admin platform_port simulator server_pids=() admins=() instance
  rm -rf "$dir" && mkdir -p "$dir"
  platform_port="$(free_port)"
  simulator="http://127.0.0.1:$platform_port"
  if ((instances == 0)); then
    local server_port admin_port
    server_port="$(free_port)" admin_port="$(free_port)"
    server="http://127.0.0.1:$server_port" admin="http://127.0.0.1:$admin_port"
    start_process "$dir/server.log" "$fulfillment" --listen "127.0.0.1:$server_port" --admin-listen "127.0.0.1:$admin_port" \
      --db "$dir/fulfillment.db" --platform-url "$simulator" --warehouse-delay-ms 0 --check-before-ship "$check"
    server_pids+=("$started_pid")
    admins+=("$admin")
    wait_ready "$server/readyz" "$started_pid" "$dir/server.log" 30
  else
    local database="burst_$key" balancer_port backends=""
    pg_sql "CREATE DATABASE $database" >/dev/null
    for instance in $(seq "$instances"); do
      local server_port admin_port
      server_port="$(free_port)" admin_port="$(free_port)"
      if ((instance == 1)); then admin="http://127.0.0.1:$admin_port"; fi  # the outbox's counts are the database's
      admins+=("http://127.0.0.1:$admin_port")
      start_process "$dir/server-$instance.log" "$fulfillment" --listen "127.0.0.1:$server_port" \
        --admin-listen "127.0.0.1:$admin_port" --db "postgresql://hookline@127.0.0.1:$pg_port/$database" \
        --platform-url "$simulator" --warehouse-delay-ms 0 --check-before-ship "$check" --drain-seconds 0
      server_pids+=("$started_pid")
      wait_ready "http://127.0.0.1:$server_port/readyz" "$started_pid" "$dir/server-$instance.log" 30
      backends+="  server s$instance 127.0.0.1:$server_port check inter 500ms fall 2 rise 2"$'\n'
    done
    balancer_port="$(free_port)"
    cat >"$dir/haproxy.cfg" <<HAPROXY
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check 2s
  retries 3
  option redispatch
  retry-on conn-failure empty-response response-timeout
frontend webhooks
  bind 127.0.0.1:$balancer_port
  default_backend fulfillment
backend fulfillment
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
$backends
HAPROXY
    start_process "$dir/haproxy.log" haproxy -db -f "$dir/haproxy.cfg"
    server="http://127.0.0.1:$balancer_port"
    wait_ready "$server/readyz" "$started_pid" "$dir/haproxy.log" 30
  fi
  log "burst ($key): generating $subscriptions subscriptions in the simulator (its batch waits for us)"
  start_process "$dir/simulator.log" "$hookline" simulate --mode vrio --listen "127.0.0.1:$platform_port" \
    --db "$dir/simulator.db" --shipment-url "$server/webhooks/vrio" --secret-env HOOKLINE_SECRET \
    --generate "$subscriptions" --batch-interval 86400 --first-batch-after 86400
  local simulator_pid="$started_pid"
  wait_ready "$simulator/api/deliveries" "$simulator_pid" "$dir/simulator.log" 600
  local generated due
  generated="$(grep -m1 '^generated ' "$dir/simulator.log")"
  burst_events[$key]="$(sed -nE 's/.* ([0-9]+) events queued.*/\1/p' <<<"$generated")"
  due="$(curl -fsS "$simulator/api/shipments" | node "$node_dir/shipments.mjs" "$(date -u '+%Y-%m-%d %H:%M:%S')")"
  due="$(field due "$due")"
  burst_due[$key]="$due"

  log "burst ($key): delivering ${burst_events[$key]} events in one batch; waiting for $due due shipments' tracking (at most $timeout s)"
  local started delivered_after="" sent=0 dead=0 finished=yes
  started="$(now_seconds)"
  start_process "$dir/batch.json" curl -fsS --max-time "$timeout" -d '' "$simulator/api/batches"
  local batch_pid="$started_pid"
  while :; do
    if [[ -z "$delivered_after" ]] && ! kill -0 "$batch_pid" 2>/dev/null; then delivered_after="$(elapsed "$started")"; fi
    # A busy server that misses one poll is asked again at the next.
    sent="$(metric "$admin" 'hookline_tracking_outbox_entries{state="sent"}' || true)"
    dead="$(metric "$admin" 'hookline_tracking_outbox_entries{state="dead"}' || true)"
    ((${sent:-0} + ${dead:-0} >= due)) && break
    if awk "BEGIN { exit !($(elapsed "$started") > $timeout) }"; then finished=no; break; fi
    sleep 1
  done
  burst_took[$key]="$(elapsed "$started")"
  burst_delivered[$key]="${delivered_after:-not finished}"
  burst_finished[$key]="$finished"
  burst_sent[$key]="${sent:-0}" burst_dead[$key]="${dead:-0}"
  local pid peak=0 one
  for pid in "${server_pids[@]}"; do
    one="$(peak_memory_mb "$pid")"
    ((one > peak)) && peak="$one"
  done
  burst_peak[$key]="$peak"  # of the largest instance
  local checks=0 each url
  for url in "${admins[@]}"; do
    each="$(metrics "$url" | awk '$1 ~ /^hookline_platform_checks_total\{purpose="release"/ { n += $2 } END { print n + 0 }')"
    checks=$((checks + each))
  done
  burst_checks[$key]="$checks"
  stop_process "$batch_pid"
  burst_succeeded[$key]="$(json_number succeeded "$(cat "$dir/batch.json")")"
  burst_platform[$key]="$(curl -fsS "$simulator/api/shipments" | node "$node_dir/shipments.mjs" "$(date -u '+%Y-%m-%d %H:%M:%S')")"
  stop_started_processes
  ((instances == 0)) || pg_sql "DROP DATABASE burst_$key" >/dev/null
}

# Burst: the same generated batch of about 100k events twice, to hookline-fulfillment with
# --check-before-ship off and then on (one GET /shipments/{id} to the simulator per release).
# Measured: the time from the start of the batch until the tracking of every due shipment was posted
# back, and the server's peak memory.
section_burst() {
  require_command curl "the burst section drives the simulator and reads /metrics with curl (Debian: apt-get install curl)"
  trap stop_started_processes EXIT
  HOOKLINE_SECRET="$(fresh_secret)" HOOKLINE_PLATFORM_API_KEY=bench
  export HOOKLINE_SECRET HOOKLINE_PLATFORM_API_KEY
  local check
  for check in off on; do burst_run "$check" "$check"; done
  # row LABEL VALUE_OFF VALUE_ON
  row() { echo "| $1 | $2 | $3 |"; }
  local unfinished_off="" unfinished_on=""
  [[ "${burst_finished[off]}" == yes ]] || unfinished_off=" (unfinished: stopped at the limit)"
  [[ "${burst_finished[on]}" == yes ]] || unfinished_on=" (unfinished: stopped at the limit)"
  local platform_off="$(field shipped "${burst_platform[off]}") shipped, $(field tracking_posts "${burst_platform[off]}") tracking posts, $(field tracking_effective "${burst_platform[off]}") effective"
  local platform_on="$(field shipped "${burst_platform[on]}") shipped, $(field tracking_posts "${burst_platform[on]}") tracking posts, $(field tracking_effective "${burst_platform[on]}") effective"
  cat <<MARKDOWN
## Burst: ${burst_events[on]} events in one batch, checks off and on

\`hookline simulate --generate ${HOOKLINE_BENCH_BURST_SUBSCRIPTIONS:-37420}\` (the default mix: 1 to 3 prepaid shipments per subscription, the
first due now and the others a month apart; cancellations, skips, address and item changes, 5 %
duplicates, some changes before their \`shipment_scheduled\`) queued ${burst_events[on]} VRIO events; then one batch
(\`POST /api/batches\`, 8 deliveries in flight, each once with a 2 s timeout, as VRIO does) delivered them to
hookline-fulfillment started fresh on an empty database, with its platform API pointed at the
simulator. The server ships every due shipment (warehouse steps of 0 ms: \`--warehouse-delay-ms 0\`)
and posts its tracking through the durable outbox. The same burst runs twice, one after the other:
with \`--check-before-ship off\`, and with it on, where each release first reads the shipment from the
simulator's platform API (\`GET /shipments/{id}\`, up to 16 at once per release pass). Time: from the
start of the batch until the server's outbox had sent the tracking of every due shipment (its
\`/metrics\`, polled each second). Peak memory: the server's VmHWM at that moment.

| | checks off | checks on |
|---|---:|---:|
$(row "events delivered (succeeded)" "${burst_events[off]} (${burst_succeeded[off]})" "${burst_events[on]} (${burst_succeeded[on]})")
$(row "batch delivered after" "${burst_delivered[off]} s" "${burst_delivered[on]} s")
$(row "due shipments" "${burst_due[off]}" "${burst_due[on]}")
$(row "platform checks before release" "${burst_checks[off]}" "${burst_checks[on]}")
$(row "tracking sent (dead)" "${burst_sent[off]} (${burst_dead[off]})" "${burst_sent[on]} (${burst_dead[on]})")
$(row "all tracking posted after" "${burst_took[off]} s$unfinished_off" "${burst_took[on]} s$unfinished_on")
$(row "server peak memory (VmHWM)" "${burst_peak[off]} MB" "${burst_peak[on]} MB")
$(row "platform afterwards" "$platform_off" "$platform_on")

Checks on take $(awk -v on="${burst_took[on]}" -v off="${burst_took[off]}" 'BEGIN { printf "%.2fx", on / off }') the time of checks off.
Targets: under 60 s with checks on: $(met "\"${burst_finished[on]}\" == \"yes\" && ${burst_took[on]} < 60") (${burst_took[on]} s; off ${burst_took[off]} s);
under 256 MB: $(met "${burst_peak[on]} < 256 && ${burst_peak[off]} < 256") (${burst_peak[on]} MB on, ${burst_peak[off]} MB off).
MARKDOWN
}

# Burst on PostgreSQL: the same generated batch, checks on, to one server on SQLite and to two
# servers on one PostgreSQL database behind HAProxy, one after the other.
section_burst_postgres() {
  require_command curl "the burst drives the simulator and reads /metrics with curl (Debian: apt-get install curl)"
  require_command haproxy "two servers are balanced by HAProxy (Debian: apt-get install haproxy)"
  require_command psql "the database is made with psql (Debian: apt-get install postgresql-client)"
  trap 'stop_started_processes; stop_postgres' EXIT
  HOOKLINE_SECRET="$(fresh_secret)" HOOKLINE_PLATFORM_API_KEY=bench
  export HOOKLINE_SECRET HOOKLINE_PLATFORM_API_KEY
  start_postgres
  local version
  version="$(pg_sql 'SHOW server_version' | cut -d' ' -f1)"
  burst_run sqlite on
  burst_run postgres on 2
  stop_postgres
  row() { echo "| $1 | $2 | $3 |"; }
  local key platform
  declare -A unfinished platform_of
  for key in sqlite postgres; do
    unfinished[$key]=""
    [[ "${burst_finished[$key]}" == yes ]] || unfinished[$key]=" (unfinished: stopped at the limit)"
    platform="${burst_platform[$key]}"
    platform_of[$key]="$(field shipped "$platform") shipped, $(field tracking_posts "$platform") tracking posts, $(field tracking_effective "$platform") effective"
  done
  cat <<MARKDOWN
## Burst on PostgreSQL: ${burst_events[postgres]} events, one server on SQLite against two on PostgreSQL

The burst above (\`hookline simulate --generate ${HOOKLINE_BENCH_BURST_SUBSCRIPTIONS:-37420}\`, one batch, 8 deliveries in flight,
each once with a 2 s timeout), with \`--check-before-ship on\`, run twice one after the other: to one
hookline-fulfillment on a SQLite file, and to two hookline-fulfillment instances on one database of a
throwaway PostgreSQL $version cluster on loopback (fsync and synchronous_commit on,
wal_init_zero off), behind HAProxy $(haproxy -v 2>/dev/null | awk 'NR == 1 { print $3 }') (round robin,
\`option httpchk GET /readyz\`, \`retries 3\`, \`option redispatch\`). On PostgreSQL the two
instances share everything: the inbox, the fulfillments, each due shipment released by one of them,
each tracking post claimed by one sender. Time: from the start of the batch until every due
shipment's tracking was sent (the outbox counts of the database, polled each second). Peak memory:
VmHWM of the largest instance.

| | SQLite, 1 server | PostgreSQL, 2 servers |
|---|---:|---:|
$(row "events delivered (succeeded)" "${burst_events[sqlite]} (${burst_succeeded[sqlite]})" "${burst_events[postgres]} (${burst_succeeded[postgres]})")
$(row "batch delivered after" "${burst_delivered[sqlite]} s" "${burst_delivered[postgres]} s")
$(row "due shipments" "${burst_due[sqlite]}" "${burst_due[postgres]}")
$(row "platform checks before release" "${burst_checks[sqlite]}" "${burst_checks[postgres]}")
$(row "tracking sent (dead)" "${burst_sent[sqlite]} (${burst_dead[sqlite]})" "${burst_sent[postgres]} (${burst_dead[postgres]})")
$(row "all tracking posted after" "${burst_took[sqlite]} s${unfinished[sqlite]}" "${burst_took[postgres]} s${unfinished[postgres]}")
$(row "peak memory (VmHWM) of a server" "${burst_peak[sqlite]} MB" "${burst_peak[postgres]} MB")
$(row "platform afterwards" "${platform_of[sqlite]}" "${platform_of[postgres]}")

Targets: every due shipment's tracking posted within 90 s through two instances on PostgreSQL:
$(met "\"${burst_finished[postgres]}\" == \"yes\" && ${burst_took[postgres]} < 90") (${burst_took[postgres]} s; SQLite ${burst_took[sqlite]} s);
each instance under 256 MB: $(met "${burst_peak[postgres]} < 256") (${burst_peak[postgres]} MB).
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
  build_hookline "${sections[@]}"
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
