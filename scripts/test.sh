#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/test.sh — the project's test command (CI runs it through .ci/run).
#
#   1. scripts/setup.sh: dependencies, hugepages, default build (gcc, -Werror);
#   2. that tree: meson test --suite unit --suite fuzz --suite e2e;
#   3. a second tree, clang with ASan+UBSan (proves clang -Werror too):
#      --suite unit --suite fuzz --suite e2e_san (the e2e tests that need no
#      browser and no real-time source);
# and ends with one line "N passed, N failed, N skipped" counted from every
# run's meson-logs/testlog.json.  A tree that does not compile counts as one
# failure.  Exit status is non-zero when anything failed.
#
# Environment:
#   SPATE_TEST_ASAN=0   skip the sanitizer tree (quicker local runs)
#   SPATE_ASAN_DIR      sanitizer tree (default: build-asan)
#   SPATE_BUILD_DIR     default tree (default: build), as for setup.sh
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
BUILD_DIR=${SPATE_BUILD_DIR:-build}
ASAN_DIR=${SPATE_ASAN_DIR:-build-asan}
LOG_DIR=$ROOT/out/logs
mkdir -p "$LOG_DIR"

passed=0 failed=0 skipped=0
t_start=$SECONDS

say() { echo "test.sh: $*"; }

finish() {
    say "total $((SECONDS - t_start)) s"
    echo "$passed passed, $failed failed, $skipped skipped"
    ((failed == 0))
    exit $?
}

# count TESTLOG LABEL — adds the results of one meson test run.
count() {
    local json=$1 label=$2 p f s
    if [[ ! -s $json ]]; then
        say "$label: no tests ran"
        return
    fi
    read -r p f s < <(jq -rs '
        map(.result) as $r
        | [ ($r | map(select(. == "OK" or . == "EXPECTEDFAIL")) | length),
            ($r | map(select(. == "FAIL" or . == "TIMEOUT" or . == "ERROR" or . == "UNEXPECTEDPASS")) | length),
            ($r | map(select(. == "SKIP")) | length) ]
        | @tsv' "$json")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    say "$label: $p passed, $f failed, $s skipped"
    if ((f > 0)); then
        say "$label: failed: $(jq -rs 'map(select(.result != "OK" and .result != "EXPECTEDFAIL" and .result != "SKIP") | .name) | join(", ")' "$json")"
    fi
}

# run_tests DIR LABEL [meson test args...]
run_tests() {
    local dir=$1 label=$2; shift 2
    local json=$dir/meson-logs/testlog.json rc=0 t0=$SECONDS before=$failed
    rm -f "$json"    # a run that selects no test writes none: never count a stale one
    say "$label: meson test $*"
    meson test -C "$dir" --print-errorlogs "$@" || rc=$?
    count "$json" "$label"
    if ((rc != 0 && failed == before)); then
        # meson itself failed (e.g. the tree did not rebuild): one failure.
        say "$label: meson test exited $rc without a failed test"
        failed=$((failed + 1))
    fi
    say "$label: $((SECONDS - t0)) s"
}

# --- 1. set-up and default build (gcc) --------------------------------------
if ! bash scripts/setup.sh; then
    say "setup failed (see above)"
    failed=$((failed + 1))
    finish
fi

# --- 2. default tree ----------------------------------------------------------
run_tests "$BUILD_DIR" "gcc" --suite unit --suite fuzz --suite e2e

# --- 3. clang + ASan + UBSan tree -------------------------------------------
if [[ ${SPATE_TEST_ASAN:-1} != 0 ]]; then
    asan_log=$LOG_DIR/build-asan.log
    t0=$SECONDS
    ok=1
    {
        if [[ ! -f $ASAN_DIR/build.ninja ]]; then
            rm -rf "$ASAN_DIR"
            CC=clang meson setup "$ASAN_DIR" -Db_sanitize=address,undefined -Db_lundef=false
        fi &&
        ninja -C "$ASAN_DIR"
    } >"$asan_log" 2>&1 || ok=0
    if ((ok)); then
        say "clang-asan: built in $((SECONDS - t0)) s"
        # Sanitized code is slower; meson sets ASAN_OPTIONS/UBSAN_OPTIONS to
        # abort on the first report unless they are set already.
        run_tests "$ASAN_DIR" "clang-asan" --timeout-multiplier 3 \
            --suite unit --suite fuzz --suite e2e_san
    else
        say "clang-asan: build FAILED; last lines of ${asan_log#"$ROOT"/}:"
        tail -n 40 "$asan_log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
fi

finish
