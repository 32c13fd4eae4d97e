#!/usr/bin/env bash
# Runs the platform locally: a private PostgreSQL, the schema migrated, one silo with its HTTP API and the Orleans
# dashboard, and the demo catalogue seeded. Ctrl-C stops everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

if [ "$(id -u)" -eq 0 ]; then default_dev_dir=/var/tmp/sharemint-dev; else default_dev_dir="$root/.dev"; fi
dev_dir="${SHAREMINT_DEV_DIR:-$default_dev_dir}"
pg_port="${SHAREMINT_PG_PORT:-55432}"
http_port="${SHAREMINT_HTTP_PORT:-8080}"
silo_port="${SHAREMINT_SILO_PORT:-11111}"
gateway_port="${SHAREMINT_GATEWAY_PORT:-30000}"
connection="Host=127.0.0.1;Port=$pg_port;Username=sharemint;Database=sharemint;Timezone=UTC"

pg_ensure_installed
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }

echo "==> building"
dotnet build "$root/Platform.sln" -c Release -nologo -v q -clp:ErrorsOnly

echo "==> starting PostgreSQL in $dev_dir/pgdata on 127.0.0.1:$pg_port"
pg_start "$dev_dir/pgdata" "$pg_port"

silo_pid=""
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "==> stopping"
  if [ -n "$silo_pid" ] && kill -0 "$silo_pid" 2>/dev/null; then
    kill -TERM "$silo_pid" 2>/dev/null || true
    wait "$silo_pid" 2>/dev/null || true
  fi
  pg_stop "$dev_dir/pgdata"
  echo "stopped"
}
trap cleanup EXIT INT TERM

echo "==> migrating the schema"
dotnet "$root/src/Cli/bin/Release/net10.0/Sharemint.Cli.dll" db migrate --connection "$connection"

echo "==> starting the silo"
ConnectionStrings__Sharemint="$connection" \
Sharemint__SeedDemo=true \
Sharemint__SiloPort="$silo_port" \
Sharemint__GatewayPort="$gateway_port" \
ASPNETCORE_URLS="http://127.0.0.1:$http_port" \
  dotnet "$root/src/Silo/bin/Release/net10.0/Sharemint.Silo.dll" &
silo_pid=$!

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$silo_pid" 2>/dev/null || { echo "the silo exited during start-up" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "the silo did not become ready" >&2; exit 1; }

cat <<INFO

Sharemint is running:
  HTTP API           http://127.0.0.1:$http_port/v1/assets
  Orleans dashboard  http://127.0.0.1:$http_port/dashboard
  Health             http://127.0.0.1:$http_port/health/ready   (also /health/live, /health/startup)
  Silo / gateway     127.0.0.1:$silo_port / 127.0.0.1:$gateway_port
  PostgreSQL         $connection
  Demo partner       partner-demo (KYC approved, 1,000,000 USD)
  CLI                dotnet src/Cli/bin/Release/net10.0/Sharemint.Cli.dll assets list --api http://127.0.0.1:$http_port/
Press Ctrl-C to stop.
INFO
wait "$silo_pid"
