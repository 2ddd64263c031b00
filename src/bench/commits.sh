#!/usr/bin/env bash
# What 16 readers gain over 4 at batch 1 when every commit waits for the disk, with no JVM: the consumer's busy reader
# (the previous batch's archive and the next read in one transaction: one commit a batch) against the benchmarks' raw
# loop (pgmq.read, commit, pgmq.archive, commit: two). Issue 16 asks 16 camel-pgmq readers against 4 to gain at least
# what the raw loop's 16 threads gain against its 4; this measures both ways of committing on the database alone.
# pgbench runs the client's statements (io.camelpgmq.client.ReadScripts writes them) against Debian's PostgreSQL 15
# with fsync and synchronous_commit on, in alternating rounds, each run on a fresh queue; the measure is the messages
# archived a second and the CPU PostgreSQL's backends spent a message (the reaped children's time of the postmaster).
# The consumer's two statements go in four round trips here (BEGIN, archive, read, COMMIT; pgbench cannot store a
# row inside a pipeline), where the consumer sends them in one: the same commits, more waiting on the network.
#
#   bash src/bench/commits.sh                       3 rounds of 12 s runs, batch 1, 4 and 16 clients
#   bash src/bench/commits.sh --rounds 5 --seconds 20 --batch 10
#
# Needs pgbench and Debian's PostgreSQL 15 (apt-get install -y postgresql-15); starts the throwaway server of
# src/pg/debian-postgres.sh and leaves it running; its own database, commits. Runs for about 2 minutes a round.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROUNDS=3
SECONDS_RUN=12
BATCH=1
MESSAGES=150000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_RUN=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
. src/bench/pgbench-db.sh
fresh_database commits
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
read_scripts "$WORK" p g "$BATCH"

# the messages archived a second, and the backends' CPU a message in microseconds, of one pgbench run on a fresh queue
run() {
  local script=$1 clients=$2 before after archived
  "${PSQL[@]}" -d commits >/dev/null <<SQL
SELECT pgmq.drop_queue('p') WHERE EXISTS (SELECT 1 FROM pgmq.list_queues() WHERE queue_name = 'p');
SELECT pgmq.create('p');
INSERT INTO pgmq.q_p (vt, message) SELECT now(), jsonb_build_object('seq', i, 'customer', 'c-42',
  'items', jsonb_build_array(jsonb_build_object('sku', 'A-1', 'qty', 2))) FROM generate_series(1, $MESSAGES) i;
-- no autovacuum worker during the runs: it is the postmaster's child too, so its time would count as the reads'
ALTER TABLE pgmq.q_p SET (autovacuum_enabled = off); ALTER TABLE pgmq.a_p SET (autovacuum_enabled = off);
VACUUM ANALYZE pgmq.q_p; CHECKPOINT;
SQL
  # the session that filled the queue ends, and is reaped, before the count starts
  sleep 2
  before=$(postmaster_ticks)
  pgbench -n -h 127.0.0.1 -p "$PORT" -U postgres -M prepared -c "$clients" -j "$clients" -T "$SECONDS_RUN" \
    -D 'ids={}' -D 'cts={}' -f "$WORK/$script" commits >"$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out" >&2; exit 1; }
  if grep -qiE 'error|abort' "$WORK/pgbench.out"; then
    cat "$WORK/pgbench.out" >&2
    exit 1
  fi
  sleep 2
  after=$(postmaster_ticks)
  archived=$("${PSQL[@]}" -d commits -At -c "SELECT count(*) FROM pgmq.a_p")
  [ "$archived" -gt 0 ] || { echo "$script with $clients clients archived nothing" >&2; exit 1; }
  echo "$((archived / SECONDS_RUN)) $(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $archived" | bc -l)"
}

echo "PostgreSQL 15, fsync and synchronous_commit on, batch $BATCH, ${SECONDS_RUN} s runs: messages archived a second"
echo "(the backends' CPU a message, us); 16 clients against 4 for each way of committing:"
printf '%-6s %-22s %-22s %9s   %-22s %-22s %9s\n' round "consumer 4" "consumer 16" "16/4" "raw loop 4" "raw loop 16" "16/4"
for round in $(seq 1 "$ROUNDS"); do
  declare -A rate cpu
  for clients in 4 16; do
    for way in consumer raw; do
      script=plain-complete-and-read.sql
      [ "$way" = raw ] && script=pgmq-read-archive.sql
      read -r "rate[$way$clients]" "cpu[$way$clients]" <<<"$(run "$script" "$clients")"
    done
  done
  printf '%-6s %7d/s (%6.0f us) %8d/s (%6.0f us) %8.2fx   %7d/s (%6.0f us) %8d/s (%6.0f us) %8.2fx\n' "$round" \
    "${rate[consumer4]}" "${cpu[consumer4]}" "${rate[consumer16]}" "${cpu[consumer16]}" \
    "$(echo "${rate[consumer16]} / ${rate[consumer4]}" | bc -l)" \
    "${rate[raw4]}" "${cpu[raw4]}" "${rate[raw16]}" "${cpu[raw16]}" "$(echo "${rate[raw16]} / ${rate[raw4]}" | bc -l)"
done
