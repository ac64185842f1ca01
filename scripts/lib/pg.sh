# shellcheck shell=bash
# Sourced by scripts/test and scripts/demo: a private PostgreSQL cluster in a directory.
#   pg_start DIR            initdb DIR/data if needed, start the server (socket only, no TCP)
#   pg_stop DIR             stop it if running
#   pg_url DIR [DBNAME]     libpq URL of a database in it (default: secondvoice)
#   pg_createdb DIR DBNAME  create a database unless it exists
#   pg_reachable DIR        whether the server's user could work in DIR (root only matters)
#   pg_as_server CMD...     run a PostgreSQL tool as the server's user
#   pg_bindir               where initdb, pg_ctl and psql live
# The cluster's superuser is "secondvoice" with trust auth over the unix socket: fit for tests
# and demos on one machine, never for real data.

pg_bindir() {
  local dir
  dir="$(pg_config --bindir 2>/dev/null || true)"
  # libpq-dev's pg_config may point at a directory without the server binaries.
  if [[ ! -x "$dir/initdb" ]]; then
    dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  if [[ ! -x "$dir/initdb" ]]; then
    echo "pg: no initdb found; is the postgresql package installed? (scripts/bootstrap)" >&2
    return 1
  fi
  echo "$dir"
}

# initdb and pg_ctl refuse to run as root, so root runs them as "postgres". From / because
# postgres may not be allowed into the caller's working directory.
pg_as_server() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Unix socket paths are limited to ~107 bytes and go unquoted into pg_ctl -o and the URL, so
# DIR itself serves only when short and plain; otherwise a short directory in /tmp named by
# DIR's hash, so that each cluster keeps its own.
_pg_choose_socketdir() {
  local dir="$1"
  if ((${#dir} < 80)) && [[ "$dir" =~ ^[A-Za-z0-9._/-]+$ ]]; then
    echo "$dir"
  else
    echo "/tmp/svpg.$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
  fi
}

# Absolute and canonical, so that pg_start and pg_url derive the same socket directory.
_pg_abs() { realpath -m -- "$1"; }

_pg_socketdir() {
  local dir
  dir="$(_pg_abs "$1")" || return 1
  if [[ -s "$dir/socketdir" ]]; then
    cat "$dir/socketdir"
  else
    _pg_choose_socketdir "$dir"
  fi
}

_pg_running() {
  [[ -f "$1/data/PG_VERSION" ]] &&
    pg_as_server "$(pg_bindir)/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# As root the server runs as "postgres", which must be able to walk down to DIR: a repo under
# /root (mode 700) is out of its reach.
pg_reachable() {
  local dir
  dir="$(_pg_abs "${1:?pg_reachable DIR}")" || return 1
  ((EUID != 0)) || runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null
}

pg_start() {
  local dir bin sock
  dir="$(_pg_abs "${1:?pg_start DIR}")" && mkdir -p "$dir" || return 1
  bin="$(pg_bindir)" || return 1
  if ! pg_reachable "$dir"; then
    echo "pg: the postgres user cannot reach $(dirname "$dir") (a parent directory is not" \
      "searchable by others); use a directory it can reach" >&2
    return 1
  fi
  if ((EUID == 0)); then chown postgres: "$dir" || return 1; fi

  if _pg_running "$dir"; then return 0; fi

  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    if [[ -e "$dir/data" ]]; then
      echo "pg: $dir/data exists but is no cluster (no PG_VERSION); remove it and retry" >&2
      return 1
    fi
    if ! pg_as_server "$bin/initdb" -D "$dir/data" -U secondvoice -A trust --no-sync \
      -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
      echo "pg: initdb failed:" >&2
      cat "$dir/initdb.log" >&2
      return 1
    fi
  fi

  sock="$(_pg_choose_socketdir "$dir")"
  if [[ "$sock" != "$dir" ]]; then
    [[ -d "$sock" ]] || mkdir -m 755 "$sock" || return 1
    if ((EUID == 0)); then
      chown postgres: "$sock" || return 1
    elif [[ ! -O "$sock" ]]; then
      echo "pg: $sock belongs to someone else" >&2
      return 1
    fi
  fi
  echo "$sock" >"$dir/socketdir"

  # fsync=off: these clusters are throwaway (tests) or a demo; an OS crash may lose data,
  # a killed server does not.
  if ! pg_as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-k $sock -c listen_addresses= -c fsync=off" start >/dev/null; then
    echo "pg: server did not start; last lines of $dir/log:" >&2
    tail -n 20 "$dir/log" >&2 || true
    return 1
  fi
}

pg_stop() {
  local dir
  dir="$(_pg_abs "${1:?pg_stop DIR}")" || return 1
  if _pg_running "$dir"; then
    pg_as_server "$(pg_bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || return 1
  fi
  # A socket directory of its own in /tmp is empty now; leave none behind.
  if [[ -s "$dir/socketdir" && "$(cat "$dir/socketdir")" != "$dir" ]]; then
    rmdir "$(cat "$dir/socketdir")" 2>/dev/null || true
  fi
}

pg_url() {
  local sock
  sock="$(_pg_socketdir "${1:?pg_url DIR [DBNAME]}")" || return 1
  echo "postgresql://secondvoice@/${2:-secondvoice}?host=$sock"
}

pg_createdb() {
  local dir="${1:?pg_createdb DIR DBNAME}" db="${2:?pg_createdb DIR DBNAME}" bin sock exists
  if [[ ! "$db" =~ ^[a-z_][a-z0-9_]*$ ]]; then
    echo "pg: '$db' is not a plain database name" >&2
    return 1
  fi
  bin="$(pg_bindir)" && sock="$(_pg_socketdir "$dir")" || return 1
  # Trust auth over the socket: any local OS user, root included, may connect as secondvoice.
  exists="$("$bin/psql" -X -h "$sock" -U secondvoice -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'")" || return 1
  if [[ "$exists" != 1 ]]; then
    "$bin/createdb" -h "$sock" -U secondvoice "$db"
  fi
}
