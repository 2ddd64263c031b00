#!/usr/bin/env bash
# camel-pgmq fault injection: each scenario prints "FAULT <scenario> sent N processed N lost N duplicated N".
# They also run in ./mvnw verify; this runs only them.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -pl fault-injection -am install -DskipTests
./mvnw -q -pl fault-injection verify
grep -h '^FAULT' fault-injection/target/surefire-reports/*-output.txt
