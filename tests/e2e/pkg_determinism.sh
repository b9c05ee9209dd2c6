#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (d): the same input with the same --epoch-ms gives byte-identical
# output trees (every file, by sha256), whether the input is a file (twice,
# into different directories) or arrives on standard input — redundant
# origins fed the same stream must emit the same bytes.
#
#   pkg_determinism.sh SPATE_PKG
. "$(dirname "$0")/lib/common.sh"
e2e_init pkg_determinism "${1:-none}"

src="$E2E_TMP/src.ts"
EPOCH_MS=1700000000000
log "generating ladder source, 8 s"
gen_source ladder_ts "$src" 8

pkg_run run1 --epoch-ms $EPOCH_MS --part-ms 500 "$src" "$E2E_TMP/out1"
pkg_expect_ok run1
pkg_run run2 --epoch-ms $EPOCH_MS --part-ms 500 "$src" "$E2E_TMP/out2"
pkg_expect_ok run2
pkg_run_stdin run3 "$src" --epoch-ms $EPOCH_MS --part-ms 500 - "$E2E_TMP/out3"
pkg_expect_ok run3

# ffmpeg (E2E_PACKAGER=ref) stamps wall-clock time into its playlists and
# MPD: there, compare the media only.
compared() {
    if [[ $PKG_MODE == ref ]]; then grep -E '\.(mp4|m4s)$'; else cat; fi
}
for run in 1 2 3; do
    tree_digest "$E2E_TMP/out$run" | compared >"$E2E_TMP/digest$run"
done
nfiles=$(wc -l <"$E2E_TMP/digest1")
((nfiles >= 10)) || fail "only $nfiles files in the output"
log "run 1: $nfiles files, $(du -sh "$E2E_TMP/out1" | cut -f1)"
for run in 2 3; do
    if ! diff -u "$E2E_TMP/digest1" "$E2E_TMP/digest$run" >"$E2E_TMP/diff$run"; then
        show_log "$E2E_TMP/diff$run" 40
        fail "run $run differs from run 1 ($([[ $run == 3 ]] && echo 'stdin input' || echo 'same file'))"
    fi
done
log "PASS: 3 runs byte-identical"
