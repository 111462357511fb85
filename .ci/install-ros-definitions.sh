#!/usr/bin/env bash
# Alibaba Cloud ROS resource definitions for infra/templates' ROS template test: the ros-cdk-* wheels from PyPI
# (.ci/ros-definitions.txt, pinned and hash-checked) carry each resource type's generated TypeScript (its property
# names, required properties and attributes). Only that generated JavaScript is unpacked, never imported or
# installed, under .ci/cache/ros-definitions/<package>/. Its own folder (not cloud-definitions) so that changing
# one pin list never wipes the other's install. Idempotent: a no-op when the stamp matches.
set -euo pipefail
cd "$(dirname "$0")"
source ./cache-stamp.sh
dest=cache/ros-definitions
needs_install "$dest" ros-definitions.txt || exit 0
downloads=$(mktemp -d)
trap 'rm -rf "$downloads"' EXIT
pip3 download --quiet --no-deps --only-binary=:all: --require-hashes -r ros-definitions.txt -d "$downloads"
for wheel in "$downloads"/ros_cdk_*.whl; do
  name=$(basename "$wheel" | cut -d- -f1)
  python3 -m zipfile -e "$wheel" "$downloads/$name"
  mkdir -p "$dest/$name"
  tar -xzf "$downloads/$name/$name/_jsii/"*.jsii.tgz -C "$dest/$name" --wildcards 'package/lib/*.generated.js'
done
mark_installed
