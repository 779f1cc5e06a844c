#!/usr/bin/env bash
# run_tests.sh KIND OUT BIN: runs every test binary of KIND (unit|e2e) built under OUT, with
# the programs under test taken from BIN. Runs them all, then fails if any failed.
set -uo pipefail
kind=$1 out=$2 bin=$3
export FLEETSIM_BIN_DIR=$(cd "$bin" 2>/dev/null && pwd || echo "$bin")
export FLEETSIM_SRC_DIR=$(pwd)
# Sanitizer settings reach the programs the tests start, too.
export TSAN_OPTIONS="suppressions=$FLEETSIM_SRC_DIR/tests/tsan.supp ${TSAN_OPTIONS:-}"
# glog writes to stderr only in tests unless a test points it elsewhere.
export GLOG_logtostderr=1
shopt -s nullglob
tests=("$out/tests/$kind"/*_test)
[[ ${#tests[@]} -eq 0 ]] && { echo "no $kind tests"; exit 0; }
failed=()
start=$(date +%s)
for t in "${tests[@]}"; do
  t0=$(date +%s%N)
  log="$out/tests/$kind/$(basename "$t").log"
  if "$t" --gtest_brief=1 >"$log" 2>&1; then
    printf '%-5s PASS %-40s %6dms\n' "$kind" "$(basename "$t")" "$(( ($(date +%s%N) - t0) / 1000000 ))"
  else
    printf '%-5s FAIL %-40s %6dms (log: %s)\n' "$kind" "$(basename "$t")" "$(( ($(date +%s%N) - t0) / 1000000 ))" "$log"
    grep -E '^\[  FAILED|Failure|error:|Expected|Which is|Value of|Actual' "$log" | head -40
    failed+=("$(basename "$t")")
  fi
done
echo "$kind: ${#tests[@]} test binaries, ${#failed[@]} failed, $(( $(date +%s) - start ))s"
[[ ${#failed[@]} -eq 0 ]]
