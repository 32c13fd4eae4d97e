#!/usr/bin/env bash
# Checks the README's first command the way a newcomer meets it: runs scripts/run-local.sh (which installs and builds
# whatever is missing) on spare ports with its own state directory, waits until the platform answers (health, the
# reserves page, an attestation), runs `dotnet sharemint` against it through the local tool manifest, then stops it as
# Ctrl-C would and checks that it stopped cleanly.
#
#   scripts/check-run-local.sh            in this checkout (CI: a fresh clone, so nothing is installed or built yet)
#   scripts/check-run-local.sh --clone    in a fresh `git clone` of this checkout's HEAD (no npm folders, no build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root"
if [ "${1:-}" = "--clone" ]; then
  work="$(mktemp -d /tmp/sharemint-clone-XXXXXX)"
  echo "==> check: cloning $root into $work"
  git clone -q "$root" "$work"
fi
for dir in devnet contracts deploy/tools; do
  if [ -e "$work/$dir/node_modules" ]; then echo "==> check: $dir/node_modules present"; else echo "==> check: $dir/node_modules absent"; fi
done

state="$(mktemp -d /tmp/sharemint-check-state-XXXXXX)"
# As root, PostgreSQL runs as the postgres user, which must be able to reach its data directory inside.
chmod 755 "$state"
log="$state/run-local.log"
# Ports away from the defaults, so a platform already running here is not disturbed.
export SHAREMINT_DEV_DIR="$state/dev" SHAREMINT_HTTP_PORT=18180 SHAREMINT_PG_PORT=56532 SHAREMINT_SILO_PORT=21211 \
  SHAREMINT_GATEWAY_PORT=31100 SHAREMINT_ETHEREUM_PORT=18645 SHAREMINT_BNB_PORT=18646 SHAREMINT_SOLANA_PORT=18999 \
  SHAREMINT_TRON_PORT=18690 SHAREMINT_DEPLOY_SYMBOLS=TSLAx
api="http://127.0.0.1:$SHAREMINT_HTTP_PORT"

started=$(date +%s)
"$work/scripts/run-local.sh" >"$log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
}
trap stop EXIT

# First run on a fresh clone: Debian packages, npm, the contracts and a full build, so allow a while.
until grep -q "Press Ctrl-C to stop." "$log"; do
  if ! kill -0 "$pid" 2>/dev/null; then tail -50 "$log"; echo "check: run-local.sh exited before the platform answered" >&2; exit 1; fi
  if [ $(( $(date +%s) - started )) -gt 1500 ]; then tail -50 "$log"; echo "check: no platform after 25 minutes" >&2; exit 1; fi
  sleep 2
done
echo "==> check: run-local.sh answered after $(( $(date +%s) - started ))s; what it said it did:"
grep -E "^==> " "$log" | sed 's/^/    /'

curl -fsS "$api/health/ready" >/dev/null
curl -fsS "$api/reserves" | grep -q "Proof of reserves"
curl -fsS "$api/v1/reserves/TSLAx" | grep -q '"signature"'
(cd "$work" && SHAREMINT_API="$api/" dotnet sharemint reserves verify TSLAx)
# The token is deployed on all four local chains, and the Tron node answers TronWeb's first call.
deployments="$(curl -fsS "$api/v1/assets/TSLAx/deployments")"
for chain in ethereum bnb solana tron; do
  grep -q "\"chain\":\"$chain\"" <<<"$deployments" || { echo "check: TSLAx is not deployed on $chain: $deployments" >&2; exit 1; }
done
curl -fsS -X POST "http://127.0.0.1:$SHAREMINT_TRON_PORT/wallet/getnowblock" | grep -q '"blockID"'

echo "==> check: stopping"
kill -TERM "$pid"
wait "$pid" || { echo "check: run-local.sh did not stop cleanly" >&2; exit 1; }
trap - EXIT
grep -q "^stopped" "$log" || { tail -20 "$log"; echo "check: run-local.sh did not report stopping" >&2; exit 1; }
echo "==> check: ok"
rm -rf "$state"
