# Sourced by the .ci/install-*.sh scripts: the one way they cache a pinned install under .ci/cache.
# An install lives in its own folder, stamped with the hash of the file that pins it (a hash-checked
# requirements list, a pom): `needs_install DEST PIN || exit 0` leaves a script early when DEST already holds
# the install of this exact PIN, and otherwise empties DEST for a fresh one, which ends with `mark_installed`.
needs_install() {
  install_stamp="$1/.installed-$(sha256sum "$2" | cut -c1-16)"
  [ -f "$install_stamp" ] && return 1
  rm -rf "$1" && mkdir -p "$1"
}

mark_installed() {
  touch "$install_stamp"
}
