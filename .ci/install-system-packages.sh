#!/usr/bin/env bash
# Debian packages the tests use: PostgreSQL server, kcat (librdkafka), librdkafka headers (mock cluster), Chromium,
# Java 17 and Maven (Apache Kafka's own tools, .ci/install-kafka-jars.sh).
# OpenSSL: the emulated Alibaba region signs instance identities with its CLI (PKCS#7).
set -euo pipefail
packages=(postgresql kcat librdkafka-dev chromium gcc openjdk-17-jdk-headless maven openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
