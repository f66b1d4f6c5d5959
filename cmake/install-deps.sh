#!/bin/sh
# Installs what fixingahole needs to build and test on Debian 12, and only
# what is missing. python3.11-dbg brings the DWARF of Debian's python3 (and
# upgrades python3.11 so the build ids match); python3-numpy serves the
# numpy tests; clang and libclang-rt-14-dev (libFuzzer) build the protocol
# fuzz test (tests/fuzz/); python3-matplotlib, python3-plotly and
# python3-ipython serve the notebook, magics and --no-plots tests; tmux runs
# `fixingahole top` in a terminal for its tests; libprotobuf-c-dev,
# protobuf-c-compiler and zlib1g-dev build the pprof export, whose test
# decodes it with protobuf-compiler's protoc; chromium and nodejs open the
# exports in their own viewers.
set -eu
packages="gcc make cmake pkg-config libelf-dev libdw-dev libunwind-dev libcjson-dev
libinih-dev python3 python3-numpy python3.11-dbg clang libclang-rt-14-dev dpkg-dev
python3-matplotlib python3-plotly python3-ipython tmux chromium nodejs
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

# npm comes with some builds of nodejs (NodeSource's) and apart in Debian's.
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
command -v npm >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm
# npm packages, pinned, each in its own folder NAME-VERSION that the tests
# look in (tests/integration/cases_export.py).
npm_cache=${FAH_NPM_CACHE:-/var/cache/fixingahole/npm}
for spec in speedscope@1.25.0 pprof-format@2.3.2; do
  name=${spec%@*}
  dir="$npm_cache/$name-${spec##*@}"
  [ -f "$dir/node_modules/$name/package.json" ] && continue
  echo "installing npm package $spec into $dir"
  $sudo mkdir -p "$dir"
  $sudo npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --no-save "$spec" >/dev/null
done
