#!/usr/bin/env bash
# camel-pgmq benchmarks: prints a table and writes src/bench/results/latest.md.
#   bash src/bench/run.sh              full run (about 10 minutes on 2 cores)
#   bash src/bench/run.sh --smoke      a short run (under a minute), written to src/bench/results/smoke.md
#   bash src/bench/run.sh --backlog 200000   (the full run drains 1,000,000)
# The database is an embedded PostgreSQL unless PGMQ_TEST_JDBC_URL names one.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -pl benchmarks -am install -DskipTests
./mvnw -q -pl benchmarks exec:java -Dexec.args="$*"
