#!/usr/bin/env bash
# A one-minute demo of the reference fulfillment server: starts the platform simulator with a
# generated feed of VRIO subscriptions (prepaid cycles, cancellations, skips, address and item
# changes, duplicates, out-of-order events), points it at hookline-fulfillment, and prints what was
# fulfilled and what tracking went back. Everything listens on 127.0.0.1 and stops on exit.
#
# usage: reference-app/demo.sh [BUILD_DIR]   (default build/dev; both binaries must be built)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/dev}"
hookline="$build/sdk/cli/hookline"
server="$build/reference-app/hookline-fulfillment"
for binary in "$hookline" "$server"; do
  [[ -x "$binary" ]] || { echo "demo.sh: $binary is missing; build first (cmake --preset dev && cmake --build --preset dev)" >&2; exit 2; }
done

work="$(mktemp -d)"
export HOOKLINE_SECRET="demo-webhook-secret"        # the webhook signing secret, shared with the simulator
export HOOKLINE_PLATFORM_API_KEY="demo-platform-key" # sent to the simulator's platform API
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo.sh: logs and databases kept in $work"
}
trap cleanup EXIT

"$server" --listen 127.0.0.1:18080 --db "$work/var/fulfillment.db" --platform-url http://127.0.0.1:19090 \
  --warehouse-delay-ms 200 >"$work/fulfillment.log" 2>&1 &
pids+=($!)
"$hookline" simulate --listen 127.0.0.1:19090 --db "$work/simulator.db" --mode vrio --batch-interval 2 \
  --shipment-url http://127.0.0.1:18080/webhooks/vrio --secret-env HOOKLINE_SECRET --generate 10 \
  >"$work/simulator.log" 2>&1 &
pids+=($!)

echo "demo.sh: fulfillment server on http://127.0.0.1:18080, simulator on http://127.0.0.1:19090"
for _ in $(seq 1 20); do
  sleep 1
  if curl -fsS http://127.0.0.1:18080/metrics 2>/dev/null | grep -q '^hookline_tracking_outbox_entries{state="sent"} [1-9]'; then
    break
  fi
done
sleep 3
echo "--- fulfillments by state (GET /metrics)"
curl -fsS http://127.0.0.1:18080/metrics | grep -E '^hookline_(fulfillments|tracking_outbox_entries|webhooks_received_total)'
shipped="$(curl -fsS 'http://127.0.0.1:18080/api/fulfillments?state=shipped&limit=1' | grep -o '"shipment_id":[0-9]*' | head -1 | cut -d: -f2)"
if [[ -n "$shipped" ]]; then
  echo "--- one shipped fulfillment with its history (GET /api/fulfillments/$shipped)"
  curl -fsS "http://127.0.0.1:18080/api/fulfillments/$shipped"
  echo
fi
echo "--- tracking as the platform recorded it (simulator GET /api/shipments)"
curl -fsS http://127.0.0.1:19090/api/shipments | head -c 1200
echo
