#!/bin/sh
# Records the walker fuzz target's seed images (corpus/walk) from every
# interpreter of tests/unit/daemon/test_pywalk_live.c that is installed: one
# per version layout (3.8 to 3.14, all four frame families and the three
# line table formats), and Debian's own 3.11 with offsets from DWARF; and
# for one version of each frame family, a stack deeper than the walker's cap.
# Usage: tests/fuzz/capture-walk-seeds.sh BUILD_DIR
set -eu
build=${1:?usage: capture-walk-seeds.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tool="$build/bin/capture_walk_image"
[ -x "$tool" ] || tool="$build/tests/fuzz/capture_walk_image"
out="$here/corpus/walk"
sid=${FAH_INTERPRETERS:-/var/cache/fixingahole/interpreters}/root/usr/bin
mkdir -p "$out"
for python in /root/.pyenv/versions/3.[89].*/bin/python3 /root/.pyenv/versions/3.1[0-9].*/bin/python3 "$sid"/python3.1[34] /usr/bin/python3; do
  [ -x "$python" ] || continue
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
    continue
  case $python in
    /root/.pyenv/*) name=pyenv-$version ;;
    "$sid"/*) name=sid-$version ;;
    *) name=debian-$version ;;
  esac
  "$tool" "$python" "$out/$name.img"
  case $name in
    pyenv-3.10 | pyenv-3.11 | pyenv-3.13 | sid-3.14) "$tool" --deep "$python" "$out/$name-deep.img" ;;
  esac
done
"$tool" --check "$out"/*.img >/dev/null
