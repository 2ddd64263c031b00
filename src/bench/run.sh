#!/usr/bin/env bash
# camel-pgmq benchmarks against baselines measured in the same run on the same database.
# Prints the table and writes it as markdown:
#   bash src/bench/run.sh                    full run (~15 minutes on 2 cores; ~18 on a syncing server) -> src/bench/results/latest.md
#   bash src/bench/run.sh --smoke            under a minute, tiny sizes       -> src/bench/results/smoke.md
#   bash src/bench/run.sh --large            backlog scenario drains 1,000,000 messages instead of 200,000
#   bash src/bench/run.sh --backlog 500000   any backlog size;  --out FILE  writes the table elsewhere
#   bash src/bench/run.sh --only backlog --large   some scenarios only (throughput,fresh,producer,camel-sql,latency,pickup,
#                                            idle,grouped,backlog,retention,transacted,pooler)
#                                            -> benchmarks/target/bench-partial.md
#   bash src/bench/run.sh --only producer --window 50   the producer's coalesced rows with notifyCoalesceWindow=50
#   bash src/bench/run.sh --only throughput --settings 100/16,100/4   those throughput rows only (batch/readers)
#   BENCH_JVM_ARGS="-XX:StartFlightRecording=filename=/tmp/b.jfr" bash src/bench/run.sh ...   extra JVM arguments
#   BENCH_CONSUMER_JVM_ARGS="-Xlog:jit+compilation=debug:file=/tmp/jit%p.log" ...   JVM arguments of the first-drain scenario's consumer JVM
# The database is an embedded PostgreSQL (zonky) unless PGMQ_TEST_JDBC_URL (and PGMQ_TEST_JDBC_USER /
# PGMQ_TEST_JDBC_PASSWORD) names one. The JVM heap is capped (BENCH_HEAP, default 1g) so the memory rows mean
# something: the backlog must drain within it.
set -euo pipefail
cd "$(dirname "$0")/../.."

# the harness runs in benchmarks/: a relative --out is the caller's, from the repository's root
args=()
previous=""
for arg in "$@"; do
  if [ "$previous" = "--out" ] && [ "${arg#/}" = "$arg" ]; then
    arg="$PWD/$arg"
  fi
  args+=("$arg")
  previous="$arg"
done

# build camel-pgmq (and its test-jar, which holds the test database support) and the harness
./mvnw -q -B install -DskipTests -pl benchmarks -am

# exec:exec, not exec:java: the harness gets a JVM of its own, so its RSS is not Maven's
./mvnw -q -B -pl benchmarks exec:exec \
  -Dexec.executable="${JAVA_HOME:+$JAVA_HOME/bin/}java" \
  -Dexec.args="-Xmx${BENCH_HEAP:-1g} ${BENCH_JVM_ARGS:-} -Dlog4j2.configurationFile=log4j2-bench.properties -cp %classpath io.camelpgmq.bench.PgmqBenchmark ${args[*]:-}"
