#!/usr/bin/env bash
# deploy/systemd/hookline-fulfillment.service: `systemd-analyze verify` finds nothing to say about
# it (with ExecStart pointed at the binary just built), it keeps the hardening it promises, and the
# command line it runs starts the server: the config file, the state directory (%S) and the
# credentials (%d) it names are used, and the admin token from its credential is the one asked for.
# Exits 77 (skipped) where systemd-analyze is not installed.
# Usage: systemd_unit_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
unit=$source_dir/deploy/systemd/hookline-fulfillment.service
binary=$build_dir/reference-app/hookline-fulfillment
if ! command -v systemd-analyze >/dev/null; then
  echo "skipped: systemd-analyze is not installed"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/hookline-systemd-XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "systemd unit: $*" >&2; exit 1; }

sed "s|/usr/local/bin/hookline-fulfillment|$binary|" "$unit" >"$work/hookline-fulfillment.service"
said=$(systemd-analyze verify "$work/hookline-fulfillment.service" 2>&1) || fail "systemd-analyze verify failed: $said"
[[ -z $said ]] || fail "systemd-analyze verify says: $said"

for directive in 'DynamicUser=yes' 'StateDirectory=hookline-fulfillment' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
  'ProtectHome=yes' 'PrivateTmp=yes' 'CapabilityBoundingSet=' 'UMask=0077' \
  'LoadCredential=webhook-secrets:' 'LoadCredential=admin-token:' 'LoadCredential=platform-api-key:'; do
  grep -q "^$directive" "$unit" || fail "missing $directive"
done
if grep -Eq '^(Environment|EnvironmentFile)=.*(SECRET|TOKEN|API_KEY)' "$unit"; then fail "a secret in the environment"; fi

# The command line, as systemd would run it: continuation lines joined, %S and %d expanded.
command=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | sed 's/\\$//' | tr -s ' \n' ' ' | sed 's/^ExecStart=//')
state=$work/state
credentials=$work/credentials
mkdir -p "$state/hookline-fulfillment" "$credentials" "$work/etc"
printf '%s\n' "It's a Secret to Everybody" >"$credentials/webhook-secrets"
admin_token=$(openssl rand -hex 32)
printf '%s\n' "$admin_token" >"$credentials/admin-token"
printf '%s\n' "pk_systemd_test" >"$credentials/platform-api-key"
printf 'listen = "127.0.0.1:0"\nadmin-listen = "127.0.0.1:0"\nwarehouse-delay-ms = 0\n' >"$work/etc/fulfillment.toml"
command=${command//\/usr\/local\/bin\/hookline-fulfillment/$binary}
command=${command//\/etc\/hookline/$work/etc}
command=${command//%S/$state}
command=${command//%d/$credentials}
read -r -a argv <<<"$command"
: >"$work/log"  # the background job opens it itself, maybe after the first look below
env -i PATH=/usr/bin:/bin "${argv[@]}" >>"$work/log" 2>&1 &
server_pid=$!
admin_port=
for _ in $(seq 100); do
  admin_port=$(sed -n 's/.*"msg":"listening".*"admin_port":"\([0-9]*\)".*/\1/p' "$work/log")
  [[ -n $admin_port ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server did not start: $(cat "$work/log")"
  sleep 0.1
done
[[ -n $admin_port ]] || fail "no listening line: $(cat "$work/log")"
[[ -f $state/hookline-fulfillment/fulfillment.db ]] || fail "the database is not in the state directory"
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$admin_port/api/fulfillments")
[[ $status == 200 ]] || fail "the admin token from the credential got $status"
status=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_port/api/fulfillments")
[[ $status == 401 ]] || fail "no token got $status"
kill -TERM "$server_pid"
wait "$server_pid" || fail "the server exited with $?"
server_pid=
echo "systemd unit: verified, hardened, and its command line starts the server"
