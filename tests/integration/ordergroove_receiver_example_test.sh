#!/usr/bin/env bash
# Installs the SDK from a build tree to a temporary prefix, builds samples/ordergroove-receiver-example
# against it with find_package(hookline), runs it on 127.0.0.1 and sends it Ordergroove webhooks
# with curl, signed by openssl as Ordergroove signs (`ts=<unix>,sig=<hex HMAC-SHA256 of "ts.body">`):
# the current and the retiring secret both verify, a redelivery runs nothing, a wrong signature and
# a stale timestamp are refused, and each event reaches its typed handler (subscription, order) or
# the fallback, once. Usage: ordergroove_receiver_example_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source_dir=$2
# shellcheck source=tests/integration/sample_build.sh
source "$(dirname "$0")/sample_build.sh"
build_sample "$1" "$source_dir" ordergroove-receiver-example
receiver="$work/build/ordergroove-receiver-example"

export HOOKLINE_SECRET="og current secret"
export HOOKLINE_SECRET_PREVIOUS="og retiring secret"
status=0; "$receiver" 127.0.0.1:0 2>"$work/usage" || status=$?
[[ $status == 2 ]] || { echo "a missing argument exited $status: $(cat "$work/usage")"; exit 1; }

"$receiver" 127.0.0.1:0 "$work/inbox.db" >"$work/stdout" 2>"$work/stderr" &
receiver_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/stderr" 2>/dev/null || true)
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { echo "the receiver did not report its port"; cat "$work/stderr"; exit 1; }

# post SAMPLE SECRET [TIMESTAMP]: the status of a delivery of samples/ordergroove/SAMPLE.json.
post() {
  local body ts sig
  body=$(cat "$source_dir/samples/ordergroove/$1.json")
  ts=${3:-$(date +%s)}
  sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$2" -hex | sed 's/^.*= //')
  curl -sS -o "$work/response" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "Ordergroove-Signature: ts=$ts,sig=$sig" --data-binary "$body" "http://127.0.0.1:$port/webhooks/ordergroove"
}
expect() {  # expect STATUS BODY_REGEX DESCRIPTION -- SAMPLE SECRET [TIMESTAMP]
  local want=$1 pattern=$2 what=$3 status
  shift 4
  status=$(post "$@")
  if [[ $status != "$want" ]] || ! grep -qE "$pattern" "$work/response"; then
    echo "$what: $status $(cat "$work/response")"; exit 1
  fi
}
expect 200 '^\{"status":"accepted"\}$' "subscription.create" -- subscription.create "$HOOKLINE_SECRET"
expect 200 '^\{"status":"duplicate"\}$' "a redelivery" -- subscription.create "$HOOKLINE_SECRET"
expect 200 '^\{"status":"accepted"\}$' "the retiring secret" -- order.success "$HOOKLINE_SECRET_PREVIOUS"
expect 200 '^\{"status":"accepted"\}$' "item.create" -- item.create "$HOOKLINE_SECRET"
expect 401 '"code":"bad_signature"' "another secret" -- subscription.cancel "not the secret"
expect 401 '"code":"bad_signature"' "a stale timestamp" -- subscription.cancel "$HOOKLINE_SECRET" "$(($(date +%s) - 3600))"

id_of() { sed -n 's/^  "id": "\(.*\)",$/\1/p' "$source_dir/samples/ordergroove/$1.json"; }
object_of() { sed -n 's/^      "public_id": "\(.*\)",$/\1/p' "$source_dir/samples/ordergroove/$1.json" | head -n 1; }
expected=$(printf '%s\n' "subscription subscription.create $(id_of subscription.create) $(object_of subscription.create)" \
  "order order.success $(id_of order.success) $(object_of order.success)" "other item.create $(id_of item.create) -" | sort)
for _ in $(seq 100); do
  [[ $(wc -l <"$work/stdout") -ge 3 ]] && break
  sleep 0.1
done
kill -TERM "$receiver_pid"
wait "$receiver_pid"
receiver_pid=
lines=$(sort "$work/stdout")
[[ $lines == "$expected" ]] || { printf 'stdout was:\n%s\nexpected:\n%s\n' "$lines" "$expected"; exit 1; }
echo "ordergroove-receiver-example: built against the installed package, both secrets verified, typed handlers ran once"
