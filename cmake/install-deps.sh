#!/bin/sh
# Installs what fixingahole needs, and only what is missing, on Debian 12.
#
#   sh cmake/install-deps.sh          to build and profile: the compiler,
#       CMake, libelf, libdw, libunwind, cJSON, inih, protobuf-c and zlib
#       (the pprof export), and Debian's python3 with python3.11-dbg, its
#       DWARF (which also upgrades python3.11 so the build ids match).
#   sh cmake/install-deps.sh --test   that, and what the tests use:
#       python3-numpy (numpy tests); clang and libclang-rt-14-dev
#       (libFuzzer: the fuzz tests); python3-matplotlib, python3-plotly and
#       python3-ipython (notebook, magics and --no-plots tests); tmux
#       (`fixingahole top` in a terminal); protobuf-compiler (protoc decodes
#       the pprof export); chromium, nodejs and npm with the pinned npm
#       packages speedscope and pprof-format (the exports opened by their
#       own readers).
set -eu
build="gcc make cmake pkg-config libelf-dev libdw-dev libunwind-dev libcjson-dev libinih-dev
libprotobuf-c-dev protobuf-c-compiler zlib1g-dev python3 python3.11-dbg dpkg-dev"
tests="python3-numpy clang libclang-rt-14-dev python3-matplotlib python3-plotly python3-ipython
tmux protobuf-compiler chromium nodejs"
with_tests=0
case "${1:-}" in
  --test) with_tests=1 ;;
  "") ;;
  *) echo "usage: sh cmake/install-deps.sh [--test]" >&2; exit 64 ;;
esac
packages=$build
[ "$with_tests" -eq 1 ] && packages="$build $tests"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi
[ "$with_tests" -eq 1 ] || exit 0

# npm comes with some builds of nodejs (NodeSource's) and apart in Debian's.
command -v npm >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm
# npm packages, pinned, each in its own folder NAME-VERSION that the tests
# look in (tests/integration/cases_export.py, cases_pprof.py).
npm_cache=${FAH_NPM_CACHE:-/var/cache/fixingahole/npm}
for spec in speedscope@1.25.0 pprof-format@2.3.2; do
  name=${spec%@*}
  dir="$npm_cache/$name-${spec##*@}"
  [ -f "$dir/node_modules/$name/package.json" ] && continue
  echo "installing npm package $spec into $dir"
  $sudo mkdir -p "$dir"
  $sudo npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --no-save "$spec" >/dev/null
done
