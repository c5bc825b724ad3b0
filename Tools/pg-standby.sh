#!/usr/bin/env bash
# A PostgreSQL streaming replica of a local primary, on loopback: what `.ci/run` starts for the read-replica tests
# (docs/postgresql.md, "Read replicas"), and what a developer starts beside their own primary.
#
#   Tools/pg-standby.sh create   copies the primary (pg_basebackup -R, through a replication slot) and starts it
#   Tools/pg-standby.sh start    starts it again
#   Tools/pg-standby.sh stop     stops it (fast)
#
# From the environment: PG_BIN (the server's bin folder), PG_DIR (the primary's folder: the copy goes to
# $PG_DIR/standby and the socket is there), PG_PORT (the primary's port) and STANDBY_PORT; PG_OPTS, if set, adds server
# options (`.ci/run` passes those of its throw-away primary).
set -euo pipefail
: "${PG_BIN:?}" "${PG_DIR:?}" "${PG_PORT:?}" "${STANDBY_PORT:?}"
ctl() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/standby" "$@"; }
case "${1:-}" in
create)
    # The slot keeps the primary's WAL while the standby is stopped (a test stops it), so it always catches up.
    runuser -u postgres -- "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$PG_DIR/standby" \
        -R -X stream -C -S lantoa_standby
    "$0" start
    ;;
start)
    # The server outlives this script: it must not hold any descriptor the caller inherited to us (a test waits for
    # the end of this script through one).
    for fd in $(ls /proc/$$/fd); do
        if [[ $fd -gt 2 ]]; then eval "exec $fd>&-"; fi
    done
    # As many connections as the primary allows: a hot standby refuses to start with fewer.
    ctl -o "-p $STANDBY_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 ${PG_OPTS:-}" -l "$PG_DIR/standby.log" -w -t 300 start >/dev/null
    ;;
stop)
    ctl -m fast -w -t 300 stop >/dev/null
    ;;
*)
    echo "usage: $0 create|start|stop" >&2
    exit 2
    ;;
esac
