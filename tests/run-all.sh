#!/bin/sh
# Builds fixingahole twice, plainly and with ASan+UBSan, and runs every test
# (unit and integration) in both builds. Exit status 0 only if all pass.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
status=0
for flavour in release asan; do
  dir=build-test-$flavour
  sanitize=OFF
  [ "$flavour" = asan ] && sanitize=ON
  echo "== $flavour build ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIXINGAHOLE_SANITIZE=$sanitize >/dev/null
  cmake --build "$dir" -j"$jobs"
  # halt_on_error: a sanitizer report fails the test that triggered it.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" || status=1
done
exit $status
