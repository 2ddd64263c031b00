# Sourced by the pgbench tools (locality.sh, commits.sh): Debian's PostgreSQL 15 of src/pg/debian-postgres.sh (started
# if it is not running, left running) with a database of the tool's own, fresh, holding camel-pgmq's compatible SQL,
# and the consumer's statements as pgbench scripts (io.camelpgmq.client.ReadScripts). Run from the repository's root.

DIR="${PGMQ_PG_DIR:-/tmp/camel-pgmq-pg15}"
PORT="${PGMQ_PG_PORT:-54330}"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres)

# fresh_database NAME: starts the server and makes the database NAME anew, with the compatible SQL
fresh_database() {
  command -v pgbench >/dev/null || { echo "pgbench is missing: apt-get install -y postgresql-15" >&2; exit 2; }
  bash src/pg/debian-postgres.sh start >/dev/null
  "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" \
    -c "CREATE DATABASE $1" >/dev/null
  "${PSQL[@]}" -d "$1" -f camel-pgmq/src/main/resources/io/camelpgmq/client/pgmq-compatible.sql >/dev/null
}

# read_scripts DIR [PLAIN_QUEUE GROUPED_QUEUE [BATCH]]: writes the client's statements as pgbench scripts into DIR
read_scripts() {
  if [ ! -d camel-pgmq/target/classes ] || [ ! -d benchmarks/target/classes ]; then
    ./mvnw -B -q -pl benchmarks -am install -DskipTests
  fi
  java -cp camel-pgmq/target/classes:benchmarks/target/classes io.camelpgmq.client.ReadScripts "$@"
}

# postmaster_ticks: the CPU (clock ticks) of the postmaster's ended children so far, its backends among them: a
# backend's time counts once the postmaster has reaped it
postmaster_ticks() {
  awk '{ print $16 + $17 }' "/proc/$(head -1 "$DIR/data/postmaster.pid")/stat"
}
