#!/usr/bin/env bash
# A throwaway PostgreSQL cluster from the distribution's package (Debian/Ubuntu), to run the test
# suite on a real server as an operator would: TCP on 127.0.0.1, password (scram-sha-256) auth,
# and a non-superuser role that may only create databases.
#
#   .ci/debian-postgres.sh start DIR   # installs postgresql if missing (root only), initdb in
#                                      # DIR/data on a free port; prints `export DATABASE_URL=…`
#                                      # and writes the URL to DIR/database_url
#   .ci/debian-postgres.sh stop DIR    # stops that cluster and deletes DIR
#
# Run the suite on it:  eval "$(.ci/debian-postgres.sh start /tmp/pg)"; uv run pytest -n 2
#
# As root (CI), the cluster runs as the `postgres` system user the package creates: PostgreSQL
# refuses to run as root. The cluster trades durability for speed (fsync off): tests only.
set -euo pipefail

ROLE=dbauthz_ci
DATABASE=dbauthz_ci

die() { echo "error: $*" >&2; exit 1; }

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

as_owner() {  # run a PostgreSQL program as the cluster's owner
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir=$1 bin port password url attempt
  bin=$(pg_bindir || true)
  if [[ -z "$bin" ]]; then
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed; run: sudo apt-get install postgresql"
    echo "installing postgresql (apt-get)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    bin=$(pg_bindir) || die "apt-get installed no /usr/lib/postgresql/*/bin/initdb"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ ! -e "$dir/data" ]] || die "$dir/data exists; stop that cluster first or use another folder"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no postgres system user to run the cluster as"
    chown postgres: "$dir"
    chmod 700 "$dir"
  fi
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  as_owner bash -c "umask 077; printf '%s\n' '$password' > '$dir/pwfile'"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 \
    --pwfile="$dir/pwfile" --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  for attempt in 1 2 3 4 5; do  # a free port can be taken between the check and the start
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' \
       -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null; then
      break
    fi
    [[ $attempt -lt 5 ]] || { tail -n 20 "$dir/server.log" >&2; die "the cluster did not start"; }
  done
  PGPASSWORD=$password "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
    -U postgres -d postgres >/dev/null <<SQL
CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE $DATABASE OWNER $ROLE;
SQL
  url="postgresql+psycopg://$ROLE:$password@127.0.0.1:$port/$DATABASE"
  echo "$url" >"$dir/database_url"
  echo "started $("$bin/postgres" --version) on 127.0.0.1:$port in $dir (role $ROLE: CREATEDB only)" >&2
  echo "export DATABASE_URL='$url'"
}

stop() {
  local dir=$1 bin
  [[ -d "$dir" ]] || return 0
  bin=$(pg_bindir || true)
  if [[ -n "$bin" && -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) [[ $# -eq 2 ]] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [[ $# -eq 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
