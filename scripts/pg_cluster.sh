#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the hub's demo and tests: made with initdb as an
# unprivileged user (the `postgres` user Debian's package creates, when run as root),
# listening only on a Unix socket in DIR/socket, never on TCP.
#
#   scripts/pg_cluster.sh start DIR PORT   -> prints the libpq URL to use
#   scripts/pg_cluster.sh stop DIR
#   scripts/pg_cluster.sh restart DIR      (a fast restart, as an admin would do)
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?start|stop|restart}
dir=${2:?DIR}
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi

case "$cmd" in
  start)
    port=${3:?PORT}
    mkdir -p "$dir"
    # The cluster's user must reach the folder: every parent traversable.
    p=$(readlink -f "$dir")
    while [ "$p" != / ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
      "${as[@]}" mkdir -p "$dir/socket"
    fi
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
      -o "-k $dir/socket -p $port -c listen_addresses='' -c fsync=off" start >/dev/null \
      || { cat "$dir/data/server.log" >&2; exit 1; }
    "${as[@]}" "$bin/psql" -h "$dir/socket" -p "$port" -U postgres -qAt \
      -c "SELECT 1 FROM pg_database WHERE datname = 'loaxa_hub'" postgres | grep -q 1 \
      || "${as[@]}" "$bin/createdb" -h "$dir/socket" -p "$port" -U postgres loaxa_hub
    echo "postgresql:///loaxa_hub?host=$dir/socket&port=$port&user=postgres"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  restart)
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w restart >/dev/null
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR | restart DIR" >&2; exit 2 ;;
esac
