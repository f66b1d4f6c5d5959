#!/bin/sh
# test_install.sh BUILD SOURCE: what a packager and a user get.
# 1. `cmake --install BUILD --prefix P` lays out bin/, lib/fixingahole/,
#    share/fixingahole/ and the man pages.
# 2. With BUILD hidden (a tmpfs over it in a private mount namespace), the
#    installed client profiles the bundled example with an installed daemon
#    of its own: nothing refers back to the build tree.
# 3. `cpack -G DEB` makes a package whose Depends are Debian runtime
#    packages and whose unpacked tree profiles the example the same way.
# Exit 0 passed, 1 failed, 77 skipped (needs root for the mount namespace).
set -u
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
fail() { echo "FAILED: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skipped: hiding the build tree needs root and unshare --mount"
  exit 77
fi
work=$(mktemp -d /tmp/fah-install-XXXXXX)
trap 'rm -rf "$work"' EXIT

# profile_with PREFIX LABEL: the example under PREFIX/bin/fixingahole, with
# the build tree hidden; checks the summary and the results folder.
profile_with() {
  prefix=$1
  out="$work/$2.out"
  mkdir -p "$work/$2"
  cp "$source/examples/advanced.py" "$work/$2/"
  unshare --mount sh -c '
    mount -t tmpfs none "$1" || exit 90
    cd "$2" || exit 91
    export FIXINGAHOLE_SOCKET="$2/d.sock"
    unset FIXINGAHOLE_DAEMON
    "$3/bin/fixingahole" profile --python /usr/bin/python3 advanced.py --memory -- --scale 0.3
    status=$?
    "$3/bin/fixingahole" daemon stop >/dev/null 2>&1
    exit $status' sh "$build" "$work/$2" "$prefix" >"$out" 2>&1
  status=$?
  [ $status -eq 0 ] || { cat "$out"; fail "$2: the installed client exited $status"; }
  grep -q "Profile Summary" "$out" || { cat "$out"; fail "$2: no Profile Summary"; }
  grep -q "data_serialization" "$out" || { cat "$out"; fail "$2: the example's hot function is missing"; }
  ls "$work/$2"/performance/advanced/*/profile.json >/dev/null 2>&1 ||
    fail "$2: no performance/advanced/<timestamp>/profile.json"
  echo "$2: profiled the example with the build tree hidden"
}

# 1. install into a prefix
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/fixingahole bin/fixingaholed lib/fixingahole/libfixingahole_alloc.so \
         share/fixingahole/fixingahole_bootstrap.py share/man/man1/fixingahole.1 \
         share/man/man8/fixingaholed.8; do
  [ -f "$prefix/$f" ] || fail "cmake --install left out $f"
done
if command -v man >/dev/null 2>&1; then
  for page in man1/fixingahole.1 man8/fixingaholed.8; do
    man -l "$prefix/share/man/$page" 2>/dev/null | grep -q "SYNOPSIS" ||
      fail "the man page $page does not render"
  done
fi
profile_with "$prefix" installed

# 3. the Debian package
command -v cpack >/dev/null 2>&1 || fail "cpack is missing"
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/deb/fixingahole_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "cpack made no fixingahole_*.deb"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for p in libdw1 libelf1 libunwind8 libcjson1 libinih1 python3; do
  echo "$depends" | grep -q "$p" || fail "the package does not depend on $p"
done
echo "$depends" | grep -q -- "-dev" && fail "the package depends on a -dev package"
dpkg-deb -x "$deb" "$work/unpacked" || fail "dpkg-deb -x"
profile_with "$work/unpacked/usr" packaged
echo "PASSED"
