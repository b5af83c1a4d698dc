#!/usr/bin/env bash
# with_postgres.sh COMMAND [ARG...]: runs COMMAND beside a throwaway PostgreSQL server and exits
# with its status. The server lives in a new temporary directory, listens on 127.0.0.1 on a free
# port (its socket in that directory), runs with fsync=on and holds one empty database (UTF-8,
# ICU collation en-US when available), named in
# SLUICE_TEST_POSTGRES_URI=postgres://postgres@127.0.0.1:PORT/sluice_test for COMMAND. It is
# stopped and its directory removed however COMMAND ends. Copies may run at once.
# PostgreSQL will not run as root: as root, the server runs as the user postgres.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

bin=${SLUICE_PG_BIN:-}
if [ -z "$bin" ]; then
  bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
    sort -V | tail -n 1)
fi
if [ ! -x "$bin/initdb" ]; then
  echo "$0: no PostgreSQL server binaries (install the postgresql package, or set SLUICE_PG_BIN)" >&2
  exit 1
fi

as_server=()
tmp=${TMPDIR:-/tmp}
if [ "$(id -u)" -eq 0 ]; then
  as_server=(runuser -u postgres --)
  # The server's user must reach the directory.
  runuser -u postgres -- test -x "$tmp" || tmp=/tmp
fi
dir=$(mktemp -d "$tmp/sluice-pg.XXXXXX")
[ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
data=$dir/data

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -f "$data/postmaster.pid" ]; then
    "${as_server[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! "${as_server[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C \
  >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  exit 1
fi

# A port another process already holds makes the start fail; then another port is tried, so
# copies starting together cannot end up on the same one.
port=
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 40000))
  if "${as_server[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $candidate -k '$dir' -c fsync=on -c synchronous_commit=on" \
    start >/dev/null 2>&1; then
    port=$candidate
    break
  fi
done
if [ -z "$port" ]; then
  echo "$0: the PostgreSQL server did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

# A linguistic default collation (ICU en-US), as most production databases have, so that tests
# see what a byte-order assumption would break; plain when the server lacks ICU.
createdb=("${as_server[@]}" "$bin/createdb" -h "$dir" -p "$port" -U postgres)
"${createdb[@]}" -T template0 --locale-provider=icu --icu-locale=en-US sluice_test 2>/dev/null ||
  "${createdb[@]}" sluice_test

export SLUICE_TEST_POSTGRES_URI="postgres://postgres@127.0.0.1:$port/sluice_test"
status=0
"$@" || status=$?
exit "$status"
