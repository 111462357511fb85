# Sourced by the .ci/install-*.sh scripts that put a Python tool in a venv of its own under .ci/cache (after
# cache-stamp.sh's needs_install): `install_pinned_venv DEST PIN` installs exactly the hash-checked wheels PIN lists.
install_pinned_venv() {
  python3 -m venv "$1"
  "$1/bin/pip" install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$2"
}
