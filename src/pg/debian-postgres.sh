#!/usr/bin/env bash
# A throwaway Debian PostgreSQL 15 that syncs its commits like a production server (fsync and
# synchronous_commit on), for the suite and the benchmarks against an external server:
#
#   src/pg/debian-postgres.sh start   # initdb on first use, start, print the JDBC URL
#   src/pg/debian-postgres.sh url     # print the JDBC URL (README's form)
#   src/pg/debian-postgres.sh stop    # stop it (the data stays; `destroy` removes it)
#   src/pg/debian-postgres.sh destroy # stop it and remove its data directory
#
#   PGMQ_TEST_JDBC_URL=$(src/pg/debian-postgres.sh start) ./mvnw -pl camel-pgmq -am verify
#
# Loopback only, trust authentication (never expose it), user postgres. Settings from the environment:
# PGMQ_PG_BIN (default /usr/lib/postgresql/15/bin), PGMQ_PG_PORT (54330), PGMQ_PG_DIR (/tmp/camel-pgmq-pg15),
# PGMQ_PG_OS_USER (pgmqtest: initdb and postgres refuse to run as root, so as root the script runs them as
# this user, made with useradd when missing).
set -euo pipefail

BIN="${PGMQ_PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT="${PGMQ_PG_PORT:-54330}"
DIR="${PGMQ_PG_DIR:-/tmp/camel-pgmq-pg15}"
OS_USER="${PGMQ_PG_OS_USER:-pgmqtest}"
DATA="$DIR/data"
LOG="$DIR/server.log"

url() {
  echo "jdbc:postgresql://127.0.0.1:$PORT/postgres?user=postgres"
}

# Runs a PostgreSQL binary as the non-root user (or as the caller when that is not root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su "$OS_USER" -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

running() {
  [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  [ -x "$BIN/initdb" ] || { echo "No PostgreSQL binaries in $BIN (apt-get install postgresql-15)" >&2; exit 1; }
  if [ "$(id -u)" = 0 ] && ! id "$OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER"
  fi
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown "$OS_USER" "$DIR"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
  fi
  if ! running; then
    # fsync and synchronous_commit on (the defaults, said explicitly: the embedded test server runs without them)
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DIR -c fsync=on -c synchronous_commit=on -c max_connections=300" \
      start >/dev/null || { tail -20 "$LOG" >&2; exit 1; }
  fi
  url
}

stop() {
  if running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  destroy) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|stop|url|destroy" >&2; exit 2 ;;
esac
