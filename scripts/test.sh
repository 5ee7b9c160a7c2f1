#!/usr/bin/env bash
# Runs every test. Installs what is missing, and makes sure PostgreSQL and Redis answer: it uses the
# ones on 127.0.0.1:5432/6379 when they run, otherwise it starts private ones under ./.data/test-services.
set -euo pipefail
cd "$(dirname "$0")/.."
export OCTAVIA_TS_WITH_CLIENT_TESTS=1
bash scripts/prepare-host.sh
export TZ=UTC

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
started=()
cleanup() { for cmd in "${started[@]:-}"; do [ -n "$cmd" ] && eval "$cmd" || true; done; }
trap cleanup EXIT

if [ -z "${OCTAVIA_TS_TEST_POSTGRES_URL:-}" ]; then
  if port_open 5432; then
    export OCTAVIA_TS_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres
  else
    dir="$PWD/.data/test-services/postgres"; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    mkdir -p "$dir"; chown postgres:postgres "$dir"
    [ -f "$dir/PG_VERSION" ] || runuser -u postgres -- "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-p 25432 -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    started+=("runuser -u postgres -- $bin/pg_ctl -D $dir stop -m fast >/dev/null")
    export OCTAVIA_TS_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:25432/postgres
  fi
fi
if [ -z "${OCTAVIA_TS_TEST_REDIS_URL:-}" ]; then
  if port_open 6379; then
    export OCTAVIA_TS_TEST_REDIS_URL=redis://127.0.0.1:6379/0
  else
    dir="$PWD/.data/test-services/redis"; mkdir -p "$dir"
    redis-server --daemonize yes --bind 127.0.0.1 --port 26379 --save "" --dir "$dir" --pidfile "$dir/redis.pid" >/dev/null
    started+=("kill \$(cat $dir/redis.pid)")
    export OCTAVIA_TS_TEST_REDIS_URL=redis://127.0.0.1:26379/0
  fi
fi

npx jest --runInBand "$@"
