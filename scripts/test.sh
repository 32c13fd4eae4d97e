#!/usr/bin/env bash
# Builds the solution and runs every test. The fixtures start their own PostgreSQL servers, local chains and silo
# processes on free loopback ports, so nothing needs to be running beforehand.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ ! -d devnet/node_modules ] || [ ! -d contracts/node_modules ]; then
  echo "npm packages missing: run 'npm ci' in devnet/ and contracts/, then 'npm run build' in contracts/ (or .ci/run)." >&2
  exit 1
fi

dotnet build Platform.sln -c Release -nologo -v q -clp:ErrorsOnly
dotnet test Platform.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
