#!/usr/bin/env bash
# How much of a grouped read's extra cost is where its rows lie: the consumer's grouped read (a consumer whose readers
# all run: grouped-busy.sql) over the same messages in two queues that differ only in their groups' names, against
# the plain read over the same messages, in alternating rounds. In both grouped queues message i is in group
# i % groups (every group's messages interleaved, as the benchmarks send them); in "keyed" the groups' keys sort in
# no relation to the order their messages came in (the hashes of g0, g1, ...), in "arrival" the groups are named so
# that their keys sort in the order of their first messages. The grouped read takes the groups in the order of their
# keys, so in "arrival" consecutive batches take rows on the same heap and index pages, in "keyed" on pages anywhere
# in the queue. The measure is the CPU PostgreSQL's backends spent a message (the reaped children's time of the
# postmaster, in clock ticks, over a pgbench run of 4 clients, each transaction a read of 10 and its archive; the
# queues' tables without autovacuum, whose workers would count too), beside pgbench's transactions a second.
#
#   bash src/bench/locality.sh                      3 rounds, 1,000 groups, 100,000 messages a queue
#   bash src/bench/locality.sh --rounds 5 --groups 100
#
# Needs pgbench and Debian's PostgreSQL 15 (apt-get install -y postgresql-15); starts the throwaway server of
# src/pg/debian-postgres.sh (fsync on; the runs set synchronous_commit off, as instructions.sh does, so that the
# measure is CPU, not the disk) and leaves it running; its own database, locality. Runs for 3-5 minutes.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROUNDS=3
GROUPS_N=1000
MESSAGES=100000
CLIENTS=4
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --groups) GROUPS_N=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
# each run reads four fifths of the messages, so that every read finds a full batch
TRANSACTIONS=$((MESSAGES * 4 / 5 / 10 / CLIENTS))
. src/bench/pgbench-db.sh
fresh_database locality

# the client's statements, as pgbench scripts: the plain read of p, the grouped reads of keyed and arrival
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for q in keyed arrival; do
  read_scripts "$WORK/$q" p "$q"
done

# three queues of the same messages: p (plain, no group index), keyed and arrival (with the group index)
PAYLOAD="jsonb_build_object('seq', i, 'customer', 'c-42', 'items', jsonb_build_array(jsonb_build_object('sku', 'A-1', 'qty', 2)))"
fresh_queues() {
  "${PSQL[@]}" -d locality >/dev/null <<SQL
SELECT pgmq.drop_queue(q) FROM unnest(ARRAY['p', 'keyed', 'arrival']) q WHERE EXISTS (SELECT 1 FROM pgmq.list_queues() WHERE queue_name = q);
SELECT pgmq.create('p'); SELECT pgmq.create('keyed'); SELECT pgmq.create('arrival');
INSERT INTO pgmq.q_keyed (vt, message, headers) SELECT now(), $PAYLOAD, jsonb_build_object('x-pgmq-group', 'g' || i % $GROUPS_N)
  FROM generate_series(0, $MESSAGES - 1) i;
-- the same groups, renamed: the group whose key is the k-th smallest gets the messages of g<k>
WITH named AS (SELECT 'g' || j AS name, row_number() OVER (ORDER BY hashtextextended('g' || j, 0)) - 1 AS k
               FROM generate_series(0, $GROUPS_N - 1) j)
INSERT INTO pgmq.q_arrival (vt, message, headers) SELECT now(), $PAYLOAD, jsonb_build_object('x-pgmq-group', named.name)
  FROM generate_series(0, $MESSAGES - 1) i JOIN named ON named.k = i % $GROUPS_N ORDER BY i;
INSERT INTO pgmq.q_p (vt, message, headers) SELECT vt, message, headers FROM pgmq.q_keyed ORDER BY msg_id;
\i $WORK/keyed/group-index.sql
\i $WORK/arrival/group-index.sql
-- no autovacuum worker during the runs: it is the postmaster's child too, so its time would count as the reads'
ALTER TABLE pgmq.q_p SET (autovacuum_enabled = off); ALTER TABLE pgmq.a_p SET (autovacuum_enabled = off);
ALTER TABLE pgmq.q_keyed SET (autovacuum_enabled = off); ALTER TABLE pgmq.a_keyed SET (autovacuum_enabled = off);
ALTER TABLE pgmq.q_arrival SET (autovacuum_enabled = off); ALTER TABLE pgmq.a_arrival SET (autovacuum_enabled = off);
VACUUM ANALYZE pgmq.q_p; VACUUM ANALYZE pgmq.q_keyed; VACUUM ANALYZE pgmq.q_arrival; CHECKPOINT;
SQL
}

# the backends' CPU (clock ticks) and the transactions a second of one pgbench run
run() {
  local script=$1 before after
  fresh_queues
  # the session that filled the queues ends, and is reaped, before the count starts
  sleep 2
  before=$(postmaster_ticks)
  PGOPTIONS="-c synchronous_commit=off" pgbench -n -h 127.0.0.1 -p "$PORT" -U postgres -M prepared -c "$CLIENTS" \
    -j "$CLIENTS" -t "$TRANSACTIONS" -D cursor=0 -f "$script" locality >"$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out" >&2; exit 1; }
  sleep 2
  after=$(postmaster_ticks)
  echo "$((after - before)) $(awk '/^tps/ { printf "%.0f", $3 }' "$WORK/pgbench.out")"
}

TICK_US=$((1000000 / $(getconf CLK_TCK)))
MESSAGES_READ=$((TRANSACTIONS * CLIENTS * 10))
# clock ticks as microseconds a message
us() { echo "$1 * $TICK_US / $MESSAGES_READ" | bc -l; }
echo "PostgreSQL 15, $CLIENTS clients, reads of 10 and their archive, $MESSAGES_READ of $MESSAGES messages over $GROUPS_N"
echo "groups; the backends' CPU a message (us) and pgbench's transactions a second:"
printf '%-6s %14s %14s %14s %12s %12s %14s\n' round plain keyed arrival keyed/plain arrival/plain arrival/keyed
for round in $(seq 1 "$ROUNDS"); do
  read -r plain_ticks plain_tps <<<"$(run "$WORK/keyed/plain.sql")"
  read -r keyed_ticks keyed_tps <<<"$(run "$WORK/keyed/grouped-busy.sql")"
  read -r arrival_ticks arrival_tps <<<"$(run "$WORK/arrival/grouped-busy.sql")"
  printf '%-6s %8.1f %5d/s %8.1f %5d/s %8.1f %5d/s %11.2fx %11.2fx %13.2fx\n' "$round" \
    "$(us "$plain_ticks")" "$plain_tps" "$(us "$keyed_ticks")" "$keyed_tps" "$(us "$arrival_ticks")" "$arrival_tps" \
    "$(echo "$keyed_ticks / $plain_ticks" | bc -l)" "$(echo "$arrival_ticks / $plain_ticks" | bc -l)" \
    "$(echo "$arrival_ticks / $keyed_ticks" | bc -l)"
done
