#!/bin/sh
# Installs what fixingahole needs to build and test on Debian 12, and only
# what is missing. python3.11-dbg brings the DWARF of Debian's python3 (and
# upgrades python3.11 so the build ids match); python3-numpy serves the
# numpy tests; clang and libclang-rt-14-dev (libFuzzer) build the protocol
# fuzz test (tests/fuzz/); python3-matplotlib, python3-plotly and
# python3-ipython serve the notebook, magics and --no-plots tests;
# libprotobuf-c-dev, protobuf-c-compiler and zlib1g-dev build the pprof
# export, whose test decodes it with protobuf-compiler's protoc.
set -eu
packages="gcc make cmake pkg-config libelf-dev libdw-dev libunwind-dev libcjson-dev
libinih-dev python3 python3-numpy python3.11-dbg clang libclang-rt-14-dev dpkg-dev
python3-matplotlib python3-plotly python3-ipython
libprotobuf-c-dev protobuf-c-compiler zlib1g-dev protobuf-compiler"
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

# The pprof test's second decoder, the npm package pprof-format (it follows
# google/pprof's schema, not ours), in its own folder of the npm cache the
# tests read (FAH_NPM_CACHE). Needs node and npm.
npm_cache=/var/cache/fixingahole/npm
pprof_format="$npm_cache/pprof-format-2.3.2"
if [ ! -d "$pprof_format/node_modules/pprof-format" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v node >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm
  echo "installing: npm pprof-format 2.3.2"
  $sudo npm install --prefix "$pprof_format" --no-save --no-audit --no-fund pprof-format@2.3.2
fi
