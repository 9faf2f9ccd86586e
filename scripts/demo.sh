#!/usr/bin/env bash
# The main job: the reference fulfillment server (embedded SQLite) fed by hookline's own platform
# simulator. Generated VRIO subscriptions arrive as signed webhooks; due shipments are picked,
# packed and shipped, and their tracking numbers are posted back to the simulator's platform API.
#
# Environment: HOOKLINE_DEMO_PORT (the server's webhook listener, default 8080),
# HOOKLINE_DEMO_ADMIN_PORT (its admin listener, default 8081), HOOKLINE_DEMO_PLATFORM_PORT
# (simulator, default 9090), HOOKLINE_DEMO_SUBSCRIPTIONS (default 40), HOOKLINE_DEMO_SECONDS (stop
# after this many seconds; default: run until Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target hookline_cli hookline-fulfillment

port=${HOOKLINE_DEMO_PORT:-8080}
admin_port=${HOOKLINE_DEMO_ADMIN_PORT:-8081}
platform_port=${HOOKLINE_DEMO_PLATFORM_PORT:-9090}
subscriptions=${HOOKLINE_DEMO_SUBSCRIPTIONS:-40}
state_dir=var/demo
rm -rf "$state_dir" && mkdir -p "$state_dir"

# A fresh signing secret, admin token and API key for this run; the processes read them from the environment.
HOOKLINE_SECRET="demo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
HOOKLINE_ADMIN_TOKEN="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
HOOKLINE_PLATFORM_API_KEY="demo-api-key"
export HOOKLINE_SECRET HOOKLINE_ADMIN_TOKEN HOOKLINE_PLATFORM_API_KEY

bin=build/release
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

"$bin/reference-app/hookline-fulfillment" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin_port" \
  --db "$state_dir/fulfillment.db" \
  --platform-url "http://127.0.0.1:$platform_port" --warehouse-delay-ms 200 >"$state_dir/fulfillment.log" 2>&1 &
pids+=($!)
"$bin/cli/hookline" simulate --mode vrio --listen "127.0.0.1:$platform_port" --db "$state_dir/simulator.db" \
  --shipment-url "http://127.0.0.1:$port/webhooks/vrio" --secret-env HOOKLINE_SECRET \
  --generate "$subscriptions" --batch-interval 5 >"$state_dir/simulator.log" 2>&1 &
pids+=($!)

echo "hookline demo: dashboard http://127.0.0.1:$admin_port/ (sign in with the admin token below)"
echo "               webhooks  http://127.0.0.1:$port/webhooks/vrio"
echo "               admin     http://127.0.0.1:$admin_port/api/fulfillments (and /metrics), token $HOOKLINE_ADMIN_TOKEN"
echo "                         curl -H 'Authorization: Bearer $HOOKLINE_ADMIN_TOKEN' http://127.0.0.1:$admin_port/api/fulfillments"
echo "               platform simulator http://127.0.0.1:$platform_port (/api/deliveries, /api/tracking-calls)"
echo "               logs and databases in $state_dir/"

count() { grep -o "$1" <<<"$2" | wc -l; }
# every_page URL [CURL_ARGS...]: the pages of a listing, one after the other, following next_cursor
# (the admin API's and the simulator's lists answer at most 1000 entries a page).
every_page() {
  local url=$1 cursor="" page separator
  shift
  [[ $url == *\?* ]] && separator="&" || separator="?"
  while :; do
    page=$(curl -fsS "$@" "$url${separator}limit=1000${cursor:+&cursor=$cursor}" 2>/dev/null) || return 0
    printf '%s\n' "$page"
    cursor=$(grep -o '"next_cursor":[0-9]*' <<<"$page" | head -n 1 | cut -d: -f2)
    [[ -n $cursor ]] || return 0
  done
}
started=$SECONDS
while :; do
  sleep 3
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "hookline demo: a process stopped; see $state_dir/*.log" >&2
      tail -n 5 "$state_dir"/*.log >&2
      exit 1
    fi
  done
  fulfillments=$(every_page "http://127.0.0.1:$admin_port/api/fulfillments" -H "Authorization: Bearer $HOOKLINE_ADMIN_TOKEN")
  deliveries=$(every_page "http://127.0.0.1:$platform_port/api/deliveries")
  tracking=$(curl -fsS "http://127.0.0.1:$platform_port/api/tracking-calls" 2>/dev/null || true)
  printf '[%3ds] webhooks delivered %d | waiting %d picking %d packing %d shipped %d cancelled %d skipped %d | tracking posts %d\n' \
    $((SECONDS - started)) "$(count '"response_code":2' "$deliveries")" \
    "$(count '"state":"waiting"' "$fulfillments")" "$(count '"state":"picking"' "$fulfillments")" \
    "$(count '"state":"packing"' "$fulfillments")" "$(count '"state":"shipped"' "$fulfillments")" \
    "$(count '"state":"cancelled"' "$fulfillments")" "$(count '"state":"skipped"' "$fulfillments")" \
    "$(count '"shipment_id"' "$tracking")"
  if [[ -n ${HOOKLINE_DEMO_SECONDS:-} ]] && ((SECONDS - started >= HOOKLINE_DEMO_SECONDS)); then
    break
  fi
done
