#!/bin/sh
# Builds fixingahole and runs every test: the whole suite in a plain build,
# then under ASan+UBSan (GCC, warnings are errors) the unit tests and the
# integration cases of one interpreter per frame family, then a clang Release build
# with its unit tests, so a second compiler and an optimised build type are
# checked at every run. Prints what was skipped and why. Exit status 0 only
# if every build and test passed.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
status=0
logs=""

# run_suite DIR [ctest options]: runs ctest in DIR, then the skip report.
run_suite() {
  dir=$1
  shift
  log="$dir/ctest-output.txt"
  # halt_on_error: a sanitizer report fails the test that triggered it.
  # A test that fails is run once more: the integration cases measure
  # shares on a shared 2-core machine, and one unlucky run must not hide the
  # rest. Every failed try is listed at the end (failure_digest.py), so
  # none goes unseen.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$dir" --output-on-failure --no-tests=error --repeat until-pass:2 \
    -j"$jobs" "$@" >"$log" 2>&1 || status=1
  logs="$logs $log"
  cat "$log"
  skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log" | tr '\n' ' ')
  python3 tests/tools/skip_report.py "$dir" "$skipped"
  # Where the time goes, to keep the whole command under 15 minutes.
  echo "slowest tests in $dir (seconds):"
  sed -n 's/^.*Test *#[0-9]*: \([^ ]*\) .* \([0-9.]*\) sec$/\2 \1/p' "$log" | sort -rn | head -8
}

# build DIR [cmake options]: configures and builds with warnings as errors.
build() {
  dir=$1
  shift
  echo "== build $dir $*"
  cmake -S . -B "$dir" -DFIXINGAHOLE_WERROR=ON "$@" >/dev/null &&
    cmake --build "$dir" -j"$jobs"
}

# sid's 3.14 and 3.13, unpacked beside the system, never installed: the
# py3.1x-sid tests use them, or skip with the reason this records.
sh tests/interpreters/prepare.sh

for flavour in release asan; do
  dir=build-test-$flavour
  sanitize=OFF
  [ "$flavour" = asan ] && sanitize=ON
  # Under ASan+UBSan: the unit tests and the integration cases labelled
  # sanitize (one interpreter per frame family, every command; see
  # tests/integration/CMakeLists.txt). The fuzz target is built with the
  # sanitizers in either flavour: it runs once, in the plain build.
  only=""
  [ "$flavour" = asan ] && only="-L unit|sanitize"
  if build "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIXINGAHOLE_SANITIZE=$sanitize; then
    # shellcheck disable=SC2086
    run_suite "$dir" $only
  else
    status=1
  fi
done

# A second compiler and build type: everything compiles, unit tests pass.
if command -v clang >/dev/null 2>&1; then
  if CC=clang build build-test-clang -DCMAKE_BUILD_TYPE=Release; then
    run_suite build-test-clang -L unit
  else
    status=1
  fi
else
  echo "skipped: the clang Release build (clang is not installed)"
fi
# Last, as the end of a long output is what a CI page shows: every failed
# try of every suite, with its reason, and which tests passed only on a
# second try.
# shellcheck disable=SC2086
[ -z "$logs" ] || python3 tests/tools/failure_digest.py $logs
exit $status
