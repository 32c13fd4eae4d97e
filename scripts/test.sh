#!/usr/bin/env bash
# Installs what the tests need and is missing (scripts/install.sh test: Debian packages, npm packages, the contract
# build), builds the solution and runs every test. The fixtures start their own PostgreSQL servers, local chains, silo
# processes and browser on free loopback ports, so nothing needs to be running beforehand.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

./scripts/install.sh test

echo "==> building"
dotnet build Platform.sln -c Release -nologo -v q -clp:ErrorsOnly

# One test project at a time: many of them start PostgreSQL, chains and silo processes, and on a small machine
# running them all at once only measures CPU starvation. Every project runs even when an earlier one fails.
failed=()
for project in tests/*/*.Tests.csproj; do
  echo "==> $project"
  if ! dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"; then
    failed+=("$project")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all test projects passed"
