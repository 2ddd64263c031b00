#!/usr/bin/env bash
# camel-pgmq fault injection: each scenario prints one line
#   FAULT <scenario> sent N | processed N | lost N | duplicated N | <what else it measured>
# They also run in ./mvnw verify; this runs only them and collects the lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -B -pl fault-injection -am install -DskipTests
start=$(date +%s)
./mvnw -q -B -pl fault-injection verify
echo "fault-injection: $(( $(date +%s) - start )) s"
grep -h '^FAULT' fault-injection/target/surefire-reports/*-output.txt
