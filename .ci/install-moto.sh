#!/usr/bin/env bash
# moto in server mode, the independent AWS emulator the aws provider's conformance suite runs against
# (libs/cloud/test/conformance/aws-moto.test.ts): pinned, hash-checked wheels from PyPI
# (.ci/moto-server.txt) in a venv under .ci/cache/moto. Idempotent: a no-op when the stamp matches.
set -euo pipefail
cd "$(dirname "$0")"
source ./cache-stamp.sh
source ./pinned-venv.sh
dest=cache/moto
needs_install "$dest" moto-server.txt || exit 0
install_pinned_venv "$dest" moto-server.txt
"$dest/bin/moto_server" --help >/dev/null
mark_installed
