#!/usr/bin/env bash
# Official API definitions the cloud fakes check requests against (libs/cloud/test/definitions):
# pinned, hash-checked wheels from PyPI, unpacked (never imported) under .ci/cache/cloud-definitions.
set -euo pipefail
cd "$(dirname "$0")"
source ./cache-stamp.sh
dest=cache/cloud-definitions
needs_install "$dest" cloud-definitions.txt || exit 0
mkdir -p cache/downloads
pip3 download --quiet --no-deps --only-binary=:all: --require-hashes -r cloud-definitions.txt -d cache/downloads
for wheel in cache/downloads/aliyun_python_sdk_ess-2.3.32-*.whl; do
  python3 -m zipfile -e "$wheel" "$dest"
done
mark_installed
