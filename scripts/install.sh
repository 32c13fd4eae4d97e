#!/usr/bin/env bash
# Installs whatever the platform or its tests need and is missing, says what it installs, and does nothing (quickly)
# when everything is there. Shared by scripts/run-local.sh, scripts/test.sh and .ci/run.
#
#   scripts/install.sh run    Debian: postgresql curl; npm: devnet/ contracts/; the contract build
#   scripts/install.sh test   the same, plus Debian: prometheus chromium (and kubernetes-client when no kubectl);
#                             npm: deploy/tools/
#   scripts/install.sh tool   packs the `sharemint` .NET tool into artifacts/packages and restores the repository's
#                             local tool manifest, so `dotnet sharemint …` runs it (after a Release build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

say() { echo "==> install: $*"; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# apt_install PACKAGE...: one apt-get update and install for everything missing.
apt_install() {
  [ "$#" -gt 0 ] || return 0
  say "Debian packages: $*"
  command -v apt-get >/dev/null || { echo "apt-get not found: install $* by hand" >&2; exit 1; }
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

debian_packages() { # mode
  local missing=()
  pg_bindir >/dev/null || missing+=(postgresql)
  command -v curl >/dev/null || missing+=(curl ca-certificates)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ "$1" = test ]; then
    command -v promtool >/dev/null || missing+=(prometheus)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    # Client.Tests checks the SDK's request signatures against openssl's HMAC.
    command -v openssl >/dev/null || missing+=(openssl)
    # kubectl (for `kubectl kustomize`): machine images may carry it already; Debian's kubernetes-client is the fallback.
    command -v kubectl >/dev/null || missing+=(kubernetes-client)
  fi
  apt_install "${missing[@]}"
}

# npm_folder DIR WHY COMMAND...: installs DIR's packages when node_modules is absent or older than the lock file.
# npm writes node_modules/.package-lock.json on every install, so it marks the last one.
npm_folder() {
  local dir="$1" why="$2"
  shift 2
  local marker="$root/$dir/node_modules/.package-lock.json"
  if [ -f "$marker" ] && [ ! "$root/$dir/package-lock.json" -nt "$marker" ] && [ ! "$root/$dir/package.json" -nt "$marker" ]; then
    return 0
  fi
  say "npm packages in $dir/ ($why)"
  (cd "$root/$dir" && "$@" --no-audit --no-fund --loglevel=error)
}

contracts_build() {
  local artifact="$root/contracts/out/SharemintToken.json" source
  if [ -f "$artifact" ]; then
    local stale=0
    for source in "$root"/contracts/src/*.sol "$root/contracts/scripts/build.js" "$root/contracts/package-lock.json"; do
      [ "$source" -nt "$artifact" ] && stale=1
    done
    [ "$stale" -eq 0 ] && return 0
  fi
  say "compiling the token contract (contracts/out)"
  (cd "$root/contracts" && npm run build --silent)
}

npm_packages() { # mode
  # `npm install` rather than `npm ci` in devnet/: litesvm lists optional native packages for other platforms that the
  # registry mirror does not serve, so their lock entries are absent and `npm ci` refuses the lock. `npm install` still
  # installs the locked versions of everything present.
  npm_folder devnet "local chains: anvil, cast, LiteSVM, Solana JS" npm install
  npm_folder contracts "solc-js and OpenZeppelin" npm ci
  contracts_build
  if [ "$1" = test ]; then
    npm_folder deploy/tools "Kubernetes schemas for the offline manifest check" npm ci
  fi
}

# The tool package is rebuilt when the CLI's build output is newer; the NuGet cache keeps one copy per version, so a
# changed package of the same version replaces the cached one before `dotnet tool restore`.
sharemint_tool() {
  local version package cli_dll cache installed
  version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/src/Cli/Cli.csproj" | head -1)"
  package="$root/artifacts/packages/Sharemint.Cli.$version.nupkg"
  cli_dll="$root/src/Cli/bin/Release/net10.0/Sharemint.Cli.dll"
  [ -f "$cli_dll" ] || { echo "src/Cli is not built (Release): build Platform.sln first" >&2; exit 1; }
  if [ ! -f "$package" ] || [ "$cli_dll" -nt "$package" ]; then
    say "packing the sharemint tool into artifacts/packages"
    dotnet pack "$root/src/Cli/Cli.csproj" -c Release --no-build -nologo -v q -o "$root/artifacts/packages" >/dev/null
    touch "$package"
  fi
  cache="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
  installed="$cache/sharemint.cli/$version"
  if [ -f "$installed/sharemint.cli.$version.nupkg" ] && cmp -s "$package" "$installed/sharemint.cli.$version.nupkg"; then
    return 0
  fi
  say "dotnet tool restore (sharemint $version from artifacts/packages)"
  rm -rf "$installed"
  (cd "$root" && dotnet tool restore >/dev/null)
}

case "${1:-}" in
  run) debian_packages run; npm_packages run ;;
  test) debian_packages test; npm_packages test ;;
  tool) sharemint_tool ;;
  *) echo "usage: scripts/install.sh run|test|tool" >&2; exit 2 ;;
esac
