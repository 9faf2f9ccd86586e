#!/usr/bin/env bash
# Installs the SDK from a build tree to a temporary prefix, builds samples/receiver-example against
# it with find_package(hookline), runs it on 127.0.0.1, and sends it one signed VRIO webhook with
# curl (signed by openssl): the receiver must answer 200 and print `handled <event> <id>`. Its secret
# has spaces (taken whole from HOOKLINE_SECRET), the retired one in HOOKLINE_SECRET_PREVIOUS still
# verifies, and a signed body that does not parse is answered 200 quarantined and never handled.
# Its admin listener wants the token: it lists the refused record, and a retry of a delivery that
# still does not verify is a 422. /readyz answers ready. Usage errors exit 2; SIGTERM drains and exits 0.
# Usage: receiver_example_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source_dir=$2
# shellcheck source=tests/integration/sample_build.sh
source "$(dirname "$0")/sample_build.sh"
build_sample "$1" "$source_dir" receiver-example

export HOOKLINE_SECRET="It's a Secret to Everybody"
export HOOKLINE_SECRET_PREVIOUS="the example's previous secret"
for usage in '--no-such-flag' '--listen' '--listen 127.0.0.1:0 --admin-listen 127.0.0.1:0'; do
  read -r -a usage_args <<<"$usage"
  status=0; "$work/build/receiver-example" --db "$work/usage.db" "${usage_args[@]}" 2>"$work/usage" || status=$?
  [[ $status == 2 ]] || { echo "usage '$usage' exited $status: $(cat "$work/usage")"; exit 1; }
  grep -q '^receiver-example: ' "$work/usage" || { echo "usage '$usage' said: $(cat "$work/usage")"; exit 1; }
done
HOOKLINE_ADMIN_TOKEN=$(openssl rand -hex 32)
export HOOKLINE_ADMIN_TOKEN
"$work/build/receiver-example" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --db "$work/inbox.db" \
  >"$work/stdout" 2>"$work/stderr" &
receiver_pid=$!
port=
admin_port=
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/stderr" 2>/dev/null || true)
  admin_port=$(sed -n 's/^admin listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/stderr" 2>/dev/null || true)
  [[ -n $port && -n $admin_port ]] && break
  sleep 0.1
done
[[ -n $port && -n $admin_port ]] || { echo "the receiver did not report its ports"; cat "$work/stderr"; exit 1; }

body=$(cat "$source_dir/samples/vrio/shipment_scheduled.json")
sign() { printf '%s' "$body" | openssl dgst -sha256 -hmac "$1" -hex | sed 's/^.*= //'; }
signature=$(sign "$HOOKLINE_SECRET")
post() {
  curl -sS -o "$work/response" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "X-Webhook-Signature: $signature" --data-binary "$body" "http://127.0.0.1:$port/webhooks/vrio"
}
ready=$(curl -sS "http://127.0.0.1:$port/readyz")
[[ $ready == '{"status":"ready"}' ]] || { echo "/readyz said: $ready"; exit 1; }
status=$(post)
[[ $status == 200 ]] || { echo "expected 200, got $status: $(cat "$work/response")"; exit 1; }
grep -qx '{"status":"accepted"}' "$work/response" || { echo "unexpected body: $(cat "$work/response")"; exit 1; }
status=$(post)
grep -qx '{"status":"duplicate"}' "$work/response" || { echo "redelivery: $status $(cat "$work/response")"; exit 1; }

signature=0000
status=$(post)
[[ $status == 401 ]] || { echo "a bad signature got $status"; exit 1; }
admin() {
  curl -sS -o "$work/admin" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $HOOKLINE_ADMIN_TOKEN" \
    "http://127.0.0.1:$admin_port$2"
}
status=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_port/api/refused")
[[ $status == 401 ]] || { echo "the admin listener without a token: $status"; exit 1; }
status=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/refused")
[[ $status == 404 ]] || { echo "the public listener served the admin path: $status"; exit 1; }
status=$(admin GET /api/refused)
grep -qx '{"refused":\[{"id":1,"reason":"bad_signature"}\]}' "$work/admin" || { echo "refused: $status $(cat "$work/admin")"; exit 1; }
status=$(admin POST /api/refused/1/retry)
if [[ $status != 422 ]] || ! grep -q '"code":"bad_signature"' "$work/admin"; then
  echo "retry: $status $(cat "$work/admin")"; exit 1
fi

body=${body/10001/10002}
signature=$(sign "$HOOKLINE_SECRET_PREVIOUS")
status=$(post)
grep -qx '{"status":"accepted"}' "$work/response" || { echo "the previous secret: $status $(cat "$work/response")"; exit 1; }

body='{"webhook_type":"shipment","webhook_event":"shipment_scheduled","webhook_event_id":10003,"webhook_data":7}'
signature=$(sign "$HOOKLINE_SECRET")
status=$(post)
[[ $status == 200 ]] || { echo "an unparseable body got $status: $(cat "$work/response")"; exit 1; }
grep -qx '{"status":"quarantined"}' "$work/response" || { echo "unexpected body: $(cat "$work/response")"; exit 1; }

for _ in $(seq 100); do
  grep -qx 'handled shipment_scheduled 10002' "$work/stdout" && break
  sleep 0.1
done
kill -TERM "$receiver_pid"
wait "$receiver_pid"
receiver_pid=
lines=$(sort "$work/stdout" | tr '\n' ' ')
[[ $lines == 'handled shipment_scheduled 10001 handled shipment_scheduled 10002 ' ]] || { echo "stdout was: $lines"; exit 1; }
echo "receiver-example: built against the installed package, acknowledged, handled once, quarantined"
