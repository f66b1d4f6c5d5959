#!/bin/sh
# test_install.sh BUILD SOURCE: what a packager and a user get.
# 1. `cmake --install BUILD --prefix P` lays out bin/, lib/fixingahole/,
#    share/fixingahole/ and the man pages.
# 2. With BUILD hidden (a tmpfs over it in a private mount namespace), the
#    installed client profiles the bundled example with an installed daemon
#    of its own: nothing refers back to the build tree.
# 3. `cpack -G DEB` makes a package with sound control fields, its files
#    under /usr, and Depends naming the package of every library its
#    binaries link (python3 too, no -dev). `apt-get install --simulate` as
#    on a machine with nothing installed finds every dependency in Debian
#    12's archive; `apt-get install` into an overlay of this machine's root
#    (so the machine is never changed) installs it, /usr/bin/fixingahole
#    profiles the example there
#    (see deb_checks.sh, in_overlay.sh).
# Exit 0 passed, 1 failed, 77 skipped (needs root for the mount namespace).
set -u
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
fail() { echo "FAILED: $*"; exit 1; }
. "$source/tests/install/deb_checks.sh"

if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skipped: hiding the build tree needs root and unshare --mount"
  exit 77
fi
work=$(mktemp -d /tmp/fah-install-XXXXXX)
trap 'rm -rf "$work"' EXIT

# check_profiled LABEL: the client's output WORK/LABEL.out has the summary
# and the example's hot function, and WORK/LABEL has the results folder.
check_profiled() {
  out="$work/$1.out"
  grep -q "Profile Summary" "$out" || { cat "$out"; fail "$1: no Profile Summary"; }
  grep -q "data_serialization" "$out" || { cat "$out"; fail "$1: the example's hot function is missing"; }
  ls "$work/$1"/performance/advanced/*/profile.json >/dev/null 2>&1 ||
    fail "$1: no performance/advanced/<timestamp>/profile.json"
  echo "$1: profiled the example with the build tree hidden"
}

# example_folder LABEL: WORK/LABEL with a copy of the bundled example.
example_folder() {
  mkdir -p "$work/$1"
  cp "$source/examples/advanced.py" "$work/$1/"
}

# profile_with PREFIX LABEL: the example under PREFIX/bin/fixingahole, with
# the build tree hidden; checks the summary and the results folder.
profile_with() {
  example_folder "$2"
  unshare --mount sh -c 'mount -t tmpfs none "$1" || exit 90; exec sh "$2" "$3" "$4"' \
    sh "$build" "$source/tests/install/profile_example.sh" "$work/$2" "$1" >"$work/$2.out" 2>&1
  status=$?
  [ $status -eq 0 ] || { cat "$work/$2.out"; fail "$2: the installed client exited $status"; }
  check_profiled "$2"
}

# 1. install into a prefix
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/fixingahole bin/fixingaholed lib/fixingahole/libfixingahole_alloc.so \
         share/fixingahole/fixingahole_bootstrap.py share/fixingahole/fixingahole_bootstrap_main.py \
         share/man/man1/fixingahole.1 share/man/man8/fixingaholed.8; do
  [ -f "$prefix/$f" ] || fail "cmake --install left out $f"
done
if command -v man >/dev/null 2>&1; then
  for page in man1/fixingahole.1 man8/fixingaholed.8; do
    man -l "$prefix/share/man/$page" 2>/dev/null | grep -q "SYNOPSIS" ||
      fail "the man page $page does not render"
  done
fi
profile_with "$prefix" installed

# 3. the Debian package, as a user installs it
command -v cpack >/dev/null 2>&1 || fail "cpack is missing"
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/deb/fixingahole_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "cpack made no fixingahole_*.deb"
check_fields "$deb"
check_contents "$deb"
check_depends "$deb"
check_archive_resolves "$deb"
install_in_overlay "$deb"
echo "PASSED"
