#!/usr/bin/env bash
# cfn-lint, the AWS CloudFormation linter, in its own venv under .ci/cache/cfn-lint: pinned, hash-checked wheels
# from PyPI (.ci/cfn-lint.txt), installed the way install-moto.sh installs moto. infra/templates' cfn-lint test
# runs it on the AWS template. Idempotent: a no-op when the stamp matches.
set -euo pipefail
cd "$(dirname "$0")"
source ./cache-stamp.sh
source ./pinned-venv.sh
dest=cache/cfn-lint
needs_install "$dest" cfn-lint.txt || exit 0
install_pinned_venv "$dest" cfn-lint.txt
"$dest/bin/cfn-lint" --version >/dev/null
mark_installed
