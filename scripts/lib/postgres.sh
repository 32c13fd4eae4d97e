# PostgreSQL helpers for the dev and test scripts: a private cluster in its own data directory on a loopback port.
# Source this file; it defines functions only.

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

# Installs Debian's PostgreSQL server when initdb is missing.
pg_ensure_installed() {
  if pg_bindir >/dev/null; then return 0; fi
  echo "PostgreSQL server not found; installing Debian's postgresql package..." >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  pg_bindir >/dev/null || { echo "PostgreSQL installation failed" >&2; return 1; }
}

# PostgreSQL refuses to run as root; as root, run its tools as the 'postgres' system user.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DATADIR PORT: initialises (first time) and starts a cluster; user 'sharemint', database 'sharemint'.
pg_start() {
  local data="$1" port="$2" bin
  bin="$(pg_bindir)"
  mkdir -p "$data"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    pg_as_owner "$bin/initdb" -D "$data" -U sharemint --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  pg_as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$data' -c max_connections=300 -c fsync=on" start >/dev/null
  local tries=0
  until "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q; do
    tries=$((tries + 1)); [ $tries -gt 60 ] && { echo "PostgreSQL did not start; see $data/server.log" >&2; return 1; }
    sleep 0.5
  done
  "$bin/psql" -h 127.0.0.1 -p "$port" -U sharemint -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='sharemint'" | grep -q 1 \
    || "$bin/createdb" -h 127.0.0.1 -p "$port" -U sharemint sharemint
}

pg_stop() {
  local data="$1" bin
  bin="$(pg_bindir)" || return 0
  [ -f "$data/postmaster.pid" ] && pg_as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
}
