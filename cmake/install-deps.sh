#!/bin/sh
# Installs what fixingahole needs to build and test on Debian 12, and only
# what is missing. python3.11-dbg brings the DWARF of Debian's python3 (and
# upgrades python3.11 so the build ids match); python3-numpy serves the
# numpy tests; clang and libclang-rt-14-dev (libFuzzer) build the protocol
# fuzz test (tests/fuzz/); python3-matplotlib, python3-plotly and
# python3-ipython serve the notebook, magics and --no-plots tests.
set -eu
packages="gcc make cmake pkg-config libelf-dev libdw-dev libunwind-dev libcjson-dev
libinih-dev python3 python3-numpy python3.11-dbg clang libclang-rt-14-dev dpkg-dev
python3-matplotlib python3-plotly python3-ipython"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi
