#!/usr/bin/env bash
# Apache Kafka's own tools and Java client, in two pinned versions, for the e2e tests that run them
# (e2e/harness/java-tools.ts): 3.9.1 (e2e/harness/java/pom.xml) into .ci/cache/kafka-jars and 4.4.0
# (e2e/harness/java/kafka4/pom.xml) into .ci/cache/kafka4-jars. Maven resolves each into .ci/cache/m2 and copies
# it, with its runtime dependencies, into its own folder. Idempotent: a folder that already holds the jars of
# its exact pom is left as it is.
set -euo pipefail
cd "$(dirname "$0")"
source ./cache-stamp.sh

# install_jars POM DEST
install_jars() {
  needs_install "$2" "$1" || return 0
  mkdir -p cache/m2
  mvn -q -B -f "$1" -Dmaven.repo.local="$PWD/cache/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$PWD/$2"
  mark_installed
}

install_jars ../e2e/harness/java/pom.xml cache/kafka-jars
install_jars ../e2e/harness/java/kafka4/pom.xml cache/kafka4-jars
