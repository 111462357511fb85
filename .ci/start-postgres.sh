#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 (port 55432, or the next free one) and prints
# `TEST_DATABASE_URL=...` for eval. A port can be taken between the probe and the bind (a test's ephemeral
# listener): then the next port is tried, up to 20.
set -euo pipefail
port=${PGPORT_TEST:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/cirrus-pg.XXXXXX)
chown postgres:postgres "$dir"
su postgres -s /bin/sh -c "$bin/initdb -D $dir/data -A trust -U postgres >/dev/null"
for attempt in $(seq 1 20); do
  while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  if su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir/data -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' -l $dir/log -w start >/dev/null"; then
    echo "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    exit 0
  fi
  echo "postgres: port $port was taken (attempt $attempt), trying the next" >&2
  port=$((port + 1))
done
echo "postgres: could not start; see $dir/log" >&2
exit 1
