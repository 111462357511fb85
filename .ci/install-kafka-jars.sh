#!/usr/bin/env bash
# Apache Kafka's own tools and Java client (pinned in e2e/harness/java/pom.xml) for e2e/test/kafka-tools.test.ts:
# resolved by Maven into .ci/cache/m2 and copied, with their runtime dependencies, into .ci/cache/kafka-jars.
# Idempotent: skipped when the jars for this exact pom are already there.
set -euo pipefail
cd "$(dirname "$0")"
source ./cache-stamp.sh
pom=../e2e/harness/java/pom.xml
dest=cache/kafka-jars
needs_install "$dest" "$pom" || exit 0
mkdir -p cache/m2
mvn -q -B -f "$pom" -Dmaven.repo.local="$PWD/cache/m2" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$PWD/$dest"
mark_installed
