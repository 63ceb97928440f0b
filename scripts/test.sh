#!/bin/bash
# Sets everything up as scripts/setup.sh does, then builds with gcc and clang
# (-Werror) and runs the whole suite through ctest on an ASan+UBSan build:
# unit tests, then integration tests against the real engine and image, then
# those that stop an engine (on a private one); then the mutation check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
t0=$(date +%s)
stage() { echo "==> $* ($(( $(date +%s) - t0 )) s so far)"; }
"$top/scripts/setup.sh"

stage "clang build (warnings are errors)"
CC=clang cmake -S "$top" -B "$top/build-clang" >/dev/null
cmake --build "$top/build-clang" -j "$(nproc)" >/dev/null

stage "static analysis (cppcheck, clang-tidy with .clang-tidy): any finding fails"
srcs=$(cd "$top" && ls auth/*.c backend/*.c common/*.c config/*.c workspace/*.c gateway/*.c)
(cd "$top" && cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
    -I common -I config -I auth -I backend -I workspace -I gateway $srcs)
(cd "$top" && clang-tidy -p build-clang --quiet --warnings-as-errors='*' $srcs 2>/dev/null)

stage "fuzzing the parsers (libFuzzer, 10 s each)"
CC=clang cmake -S "$top" -B "$top/build-fuzz" -DWSGATE_FUZZ=ON -DWSGATE_TESTS=OFF >/dev/null
cmake --build "$top/build-fuzz" -j "$(nproc)" >/dev/null
(cd "$top/build-fuzz" && ctest -L fuzz -j "$(nproc)" --output-on-failure)

stage "ASan+UBSan build"
cmake -S "$top" -B "$top/build-asan" -DWSGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$top/build-asan" -j "$(nproc)" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$top/build-asan"
# Tests that stop or kill an engine (label "engine", on a private engine) last.
rc=0
stage "ctest: unit and integration tests"
ctest --output-on-failure -LE engine "$@" || rc=1
stage "ctest: tests on a private engine"
ctest --output-on-failure -L engine "$@" || rc=1

# Does the suite notice a broken gateway? (docs/testing.md; WSGATE_MUTATION=0 skips)
if [ "$rc" = 0 ] && [ "${WSGATE_MUTATION:-1}" != 0 ] && [ $# -eq 0 ]; then
    stage "mutation check: the suite must fail for each mutant"
    "$top/tests/mutation.sh" || rc=1
fi
stage "done ($([ "$rc" = 0 ] && echo passed || echo FAILED))"
exit $rc
