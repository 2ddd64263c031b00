#!/usr/bin/env bash
# Counts the instructions PostgreSQL's backends execute per message for the consumer's reads, against the plain read
# in the same run: deterministic to about 1 %, where timings on a small shared machine swing by a third between
# identical runs. A throwaway Debian PostgreSQL 15 runs under valgrind's callgrind (every process counts its
# instructions; each backend writes its count when it ends); pgbench runs the consumer's own statements
# (io.camelpgmq.client.ReadScripts writes them from the client's SQL): each transaction reads a batch of 10 and
# archives it. A message's cost is the difference between a long and a short run of the same script divided by the
# messages between them, so the connections' start and the statements' planning cancel out (a prepared statement
# is planned at each of its first five executions and once more, generically, at the sixth: the short run has six).
#
#   bash src/bench/instructions.sh                       4 clients, 10 groups, 20,000 messages per queue
#   bash src/bench/instructions.sh --clients 1 --groups 1000
#   PGMQ_CALLGRIND_SCRIPTS="plain.sql grouped-busy.sql" bash src/bench/instructions.sh   # the scripts to count, the
#                                                        first the others are compared with (ReadScripts writes them;
#                                                        grouped-busy.sql: the read of a consumer whose readers all run)
#
# Needs valgrind, pgbench and PostgreSQL 15 (apt-get install -y valgrind postgresql-15); runs for 5-10 minutes
# (everything under valgrind runs 20-50 times slower). Loopback only, trust authentication, its own data directory
# (PGMQ_CALLGRIND_DIR, default /tmp/camel-pgmq-callgrind) and port (PGMQ_CALLGRIND_PORT, default 54339); as root,
# PostgreSQL runs as the user pgmqtest (made with useradd when missing), as in src/pg/debian-postgres.sh.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN="${PGMQ_PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT="${PGMQ_CALLGRIND_PORT:-54339}"
DIR="${PGMQ_CALLGRIND_DIR:-/tmp/camel-pgmq-callgrind}"
OS_USER="${PGMQ_PG_OS_USER:-pgmqtest}"
CLIENTS=4
GROUPS_N=10
MESSAGES=20000
SHORT=6
LONG=50
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) CLIENTS=$2; shift 2 ;;
    --groups) GROUPS_N=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --short) SHORT=$2; shift 2 ;;
    --long) LONG=$2; shift 2 ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
if [ $((CLIENTS * LONG * 10)) -gt "$MESSAGES" ]; then
  echo "--clients x --long x 10 must not exceed --messages: every read must find a full batch" >&2
  exit 2
fi
for tool in valgrind pgbench "$BIN/postgres"; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y valgrind postgresql-15" >&2; exit 2; }
done

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su "$OS_USER" -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}
if [ "$(id -u)" = 0 ] && ! id "$OS_USER" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER"
fi

# the client's statements, as pgbench scripts
if [ ! -d camel-pgmq/target/classes ] || [ ! -d benchmarks/target/classes ]; then
  ./mvnw -B -q -pl benchmarks -am install -DskipTests
fi
SCRIPTS="$DIR/scripts"
mkdir -p "$DIR"
java -cp camel-pgmq/target/classes:benchmarks/target/classes io.camelpgmq.client.ReadScripts "$SCRIPTS"

# a fresh cluster under callgrind
stop_server() {
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
}
trap stop_server EXIT
stop_server
rm -rf "$DIR/data" "$DIR/cg"
mkdir -p "$DIR/cg"
[ "$(id -u)" = 0 ] && chown -R "$OS_USER" "$DIR"
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >"$DIR/initdb.log" 2>&1
as_owner sh -c "cd '$DIR' && nohup valgrind --tool=callgrind --callgrind-out-file='$DIR/cg/cg.%p' '$BIN/postgres' \
  -D '$DIR/data' -p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DIR' -c autovacuum=off \
  -c max_connections=20 >'$DIR/server.log' 2>&1 &"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres)
for _ in $(seq 1 180); do
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
  sleep 1
done
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null
"${PSQL[@]}" -d bench -f camel-pgmq/src/main/resources/io/camelpgmq/client/pgmq-compatible.sql >/dev/null

# runs SQL (standard input) in a session of its own and prints its output; waits for its backend to write its count, so
# that the count is never taken for a pgbench client's
run_sql() {
  local out pid
  out=$({ echo "SELECT pg_backend_pid();"; cat; } | "${PSQL[@]}" -d bench -At)
  pid=$(echo "$out" | awk 'NR == 1')
  for _ in $(seq 1 240); do
    if grep -qs '^summary:' "$DIR/cg/cg.$pid"; then
      echo "$out" | awk 'NR > 1'
      return
    fi
    sleep 0.5
  done
  echo "the backend $pid wrote no count" >&2
  exit 1
}

# two queues of the same messages (the harness's payload), spread round-robin over the groups; g has the group index
fresh_queues() {
  run_sql >/dev/null <<SQL
SELECT pgmq.drop_queue(q) FROM unnest(ARRAY['p', 'g']) q WHERE EXISTS (SELECT 1 FROM pgmq.list_queues() WHERE queue_name = q);
SELECT pgmq.create('p'); SELECT pgmq.create('g');
INSERT INTO pgmq.q_p (vt, message, headers) SELECT now(), jsonb_build_object('seq', i, 'customer', 'c-42',
  'items', jsonb_build_array(jsonb_build_object('sku', 'A-1', 'qty', 2))), jsonb_build_object('x-pgmq-group', 'g' || i % $GROUPS_N)
  FROM generate_series(0, $MESSAGES - 1) i;
INSERT INTO pgmq.q_g (vt, message, headers) SELECT vt, message, headers FROM pgmq.q_p ORDER BY msg_id;
\i $SCRIPTS/group-index.sql
VACUUM ANALYZE pgmq.q_p; VACUUM ANALYZE pgmq.q_g; CHECKPOINT;
SQL
}

# the instructions the backends of one pgbench run executed
instructions() {
  local script=$1 transactions=$2
  fresh_queues
  rm -f "$DIR"/cg/cg.*
  touch "$DIR/mark"
  sleep 1
  # -D cursor: where each client's first grouped read starts taking groups (plain reads ignore it)
  PGOPTIONS="-c synchronous_commit=off" pgbench -n -h 127.0.0.1 -p "$PORT" -U postgres -M prepared -c "$CLIENTS" \
    -j "$CLIENTS" -t "$transactions" -D cursor=0 -f "$SCRIPTS/$script" bench >"$DIR/pgbench.out" 2>&1 \
    || { cat "$DIR/pgbench.out" >&2; exit 1; }
  if grep -qiE 'error|abort' "$DIR/pgbench.out"; then
    cat "$DIR/pgbench.out" >&2
    exit 1
  fi
  # each backend writes its count as it ends, after pgbench has returned: its clients' and its own first connection's
  local expected=$((CLIENTS + 1)) found=0
  for _ in $(seq 1 120); do
    found=$(find "$DIR/cg" -newer "$DIR/mark" -name 'cg.*' -exec grep -l '^summary:' {} + 2>/dev/null | wc -l)
    [ "$found" -ge "$expected" ] && break
    sleep 1
  done
  [ "$found" -ge "$expected" ] || { echo "only $found of $expected backends wrote their counts" >&2; exit 1; }
  local ir archived
  ir=$(find "$DIR/cg" -newer "$DIR/mark" -name 'cg.*' -exec grep -h '^summary:' {} + \
    | awk '{ sum += $2 } END { printf "%.0f", sum }')
  archived=$(run_sql <<<"SELECT (SELECT count(*) FROM pgmq.a_p) + (SELECT count(*) FROM pgmq.a_g)")
  echo "$ir $archived"
}

echo "Instructions per message, PostgreSQL 15 under callgrind: $CLIENTS clients, reads of 10 + their archive,"
echo "$MESSAGES messages over $GROUPS_N groups; runs of $SHORT and $LONG transactions per client. grouped.sql is the"
echo "consumer's grouped read with the group index (the skip through the groups, from each client's cursor)"
plain=""
printf '%-18s %14s %10s %22s\n' "script" "Ir a message" "vs plain" "runs (Ir, messages)"
for script in ${PGMQ_CALLGRIND_SCRIPTS:-plain.sql grouped.sql}; do
  read -r short short_messages <<<"$(instructions "$script" "$SHORT")"
  read -r long long_messages <<<"$(instructions "$script" "$LONG")"
  # the messages the runs archived, counted: a read that came back short archives fewer than 10
  per=$(( (long - short) / (long_messages - short_messages) ))
  [ -z "$plain" ] && plain=$per
  printf '%-18s %14d %9.2fx   %s, %s; %s, %s\n' "$script" "$per" "$(echo "$per / $plain" | bc -l)" "$short" \
    "$short_messages" "$long" "$long_messages"
done
