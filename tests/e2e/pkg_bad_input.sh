#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (f): inputs a live origin meets in the field.  For every case the
# packager must not crash (exit < 128, no sanitizer report, no hang) and
# must either fail with a message or write output that ffmpeg decodes
# without error.  A 33-bit PTS wrap is a legal stream: that case must
# succeed with every frame and a sane duration.  A timestamp jump must give
# either an EXT-X-DISCONTINUITY or a continuous timeline, with every frame.
#
#   pkg_bad_input.sh SPATE_PKG
. "$(dirname "$0")/lib/common.sh"
e2e_init pkg_bad_input "${1:-none}"
PKG_TIMEOUT_S=60   # read by pkg_run

gen() { log "generating $1"; }

# --- inputs ---------------------------------------------------------------
gen "sources"
gen_source h264_ts "$E2E_TMP/good.ts" 10
gen_source h264_ts "$E2E_TMP/a.ts" 5
gen_source h264_ts "$E2E_TMP/b_late.ts" 5 -output_ts_offset 3000
gen_source h264_ts "$E2E_TMP/a_late.ts" 5 -output_ts_offset 3000
# 2^33 / 90 kHz = 95443.717 s: start 6 s before the wrap.
gen_source h264_ts "$E2E_TMP/wrap.ts" 10 -output_ts_offset 95437.7

size=$(stat -c %s "$E2E_TMP/good.ts")
head -c $((size * 6 / 10 + 77)) "$E2E_TMP/good.ts" >"$E2E_TMP/truncated.ts"   # mid-packet
cat "$E2E_TMP/a.ts" "$E2E_TMP/b_late.ts" >"$E2E_TMP/jump_fwd.ts"
cat "$E2E_TMP/a_late.ts" "$E2E_TMP/a.ts" >"$E2E_TMP/jump_back.ts"
: >"$E2E_TMP/empty.ts"
python3 - "$E2E_TMP" <<'PY'
import random, sys
d = sys.argv[1]
r = random.Random(20260101)
open(f"{d}/garbage.bin", "wb").write(bytes(r.getrandbits(8) for _ in range(300_000)))
# Packets with a valid sync byte, random PIDs/flags/payload: gets past
# probing into the TS demuxer and the packager's stream handling.
pkts = bytearray()
for i in range(3000):
    p = bytearray(r.getrandbits(8) for _ in range(188))
    p[0] = 0x47
    if i % 50 == 0:  # sprinkle PAT-looking packets
        p[1], p[2] = 0x40, 0x00
    pkts += p
open(f"{d}/garbage_sync.ts", "wb").write(bytes(pkts))
# A good stream with every 20th packet's payload scrambled.
good = bytearray(open(f"{d}/good.ts", "rb").read())
for off in range(0, len(good) - 188, 188 * 20):
    for j in range(4, 188):
        good[off + j] = r.getrandbits(8)
open(f"{d}/corrupt.ts", "wb").write(bytes(good))
PY

# --- checks ---------------------------------------------------------------
# mpd_check OUT NAME — decode the MPD when it has one Period (ffmpeg's DASH
# demuxer reads only the first Period of several); else it must parse.
mpd_check() {
    local out=$1 name=$2
    [[ -s $out/manifest.mpd ]] || return 0
    local periods
    periods=$(grep -c '<Period' "$out/manifest.mpd" || true)
    if ((periods > 1)); then
        python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$out/manifest.mpd" ||
            fail "$name: manifest.mpd is not well-formed XML"
        log "$name: MPD has $periods Periods (parsed, not decoded)"
    else
        decode_check "$out/manifest.mpd" "$name.mpd"
    fi
}

# video_frames_hls NAME — decoded frames of the first video stream after
# decode_check "$out/index.m3u8" NAME.
video_frames_hls() {
    local idx
    idx=$(awk '$2 == "video" { print $1; exit }' "$E2E_TMP/$1.streams")
    [[ -n $idx ]] || { echo 0; return; }
    decoded_frames "$1" "$idx"
}

# run_case NAME MODE INPUT [PKG OPTIONS...]
#   may-fail      error with a message, or output that decodes cleanly
#   must-succeed  exit 0 with output that decodes cleanly
#   survive       corrupt media: a packager passes bitstreams through, so
#                 decode errors are expected; no crash, and an exit-0 output
#                 must still be readable playlists
run_case() {
    local name=$1 mode=$2 input=$3; shift 3
    local out="$E2E_TMP/out-$name"
    if [[ $input == stdin:* ]]; then
        pkg_run_stdin "$name" "${input#stdin:}" "$@" - "$out"
    else
        pkg_run "$name" "$@" "$input" "$out"
    fi
    if ((PKG_RC != 0)); then
        [[ $mode != must-succeed ]] || { show_log "$PKG_LOG"; fail "$name: packager exited $PKG_RC on a valid stream"; }
        grep -q '[[:alnum:]]' "$PKG_LOG" || fail "$name: exited $PKG_RC without a word on stderr"
        log "$name: refused (exit $PKG_RC): $(grep -m1 '[[:alnum:]]' "$PKG_LOG" | cut -c1-160)"
        CASE_OUT=''
        return 0
    fi
    CASE_OUT=$out
    if [[ ! -s $out/index.m3u8 ]]; then
        [[ $mode != must-succeed ]] || fail "$name: exit 0 but no index.m3u8"
        log "$name: exit 0, no output"
        return 0
    fi
    if [[ $mode == survive ]]; then
        timeout -k 5 60 ffprobe -v quiet -show_entries stream=index -of csv=p=0 "$out/index.m3u8" >/dev/null ||
            fail "$name: exit 0 but ffprobe cannot open index.m3u8"
        log "$name: exit 0, playlists readable (decode errors from the corrupt media are expected)"
        return 0
    fi
    # ffmpeg's own muxer passes a cut last frame through: with the reference
    # packager, a decode error in a may-fail case is reported, not fatal.
    local soft=0
    [[ $PKG_MODE == ref && $mode == may-fail ]] && soft=1
    if ! DECODE_SOFT=$soft decode_check "$out/index.m3u8" "$name.hls"; then
        log "$name: reference packager output does not decode cleanly (tolerated in ref mode)"
        return 0
    fi
    DECODE_SOFT=$soft mpd_check "$out" "$name" || true
    log "$name: exit 0, output decodes ($(video_frames_hls "$name.hls") video frames)"
}

run_case empty_file may-fail "$E2E_TMP/empty.ts"
run_case empty_stdin may-fail "stdin:$E2E_TMP/empty.ts"
run_case garbage may-fail "$E2E_TMP/garbage.bin"
run_case garbage_forced_ts may-fail "$E2E_TMP/garbage.bin" --format mpegts
run_case garbage_sync may-fail "$E2E_TMP/garbage_sync.ts" --format mpegts
run_case truncated may-fail "$E2E_TMP/truncated.ts"
run_case truncated_stdin may-fail "stdin:$E2E_TMP/truncated.ts"
run_case corrupt survive "$E2E_TMP/corrupt.ts"

# 33-bit wrap: legal, must be seamless.
run_case pts_wrap must-succeed "$E2E_TMP/wrap.ts"
frames=$(video_frames_hls pts_wrap.hls)
((frames == 250)) || fail "pts_wrap: $frames video frames decoded, expected 250"
while read -r pl; do
    s=$(hls_extinf_sum "$pl")
    near "$s" 10 0.2 || fail "pts_wrap: ${pl#"$CASE_OUT"/} EXTINF sum ${s}s, expected ~10s"
    ! grep -Eq '^#EXT-X-DISCONTINUITY[[:space:]]*$' "$pl" || fail "pts_wrap: a PTS wrap is not a discontinuity"
done < <(hls_rendition_playlists "$CASE_OUT/index.m3u8")

# Timestamp jumps (an encoder restart): discontinuity or continuous timeline.
for j in jump_fwd jump_back; do
    run_case $j may-fail "$E2E_TMP/$j.ts"
    [[ -n $CASE_OUT && -s $CASE_OUT/index.m3u8 ]] || continue
    frames=$(video_frames_hls $j.hls)
    ((frames == 250)) || fail "$j: $frames video frames decoded, expected 250 (125 + 125)"
    pl=$(hls_rendition_playlists "$CASE_OUT/index.m3u8" | sed -n 1p)
    s=$(hls_extinf_sum "$pl")
    if grep -Eq '^#EXT-X-DISCONTINUITY[[:space:]]*$' "$pl"; then
        log "$j: EXT-X-DISCONTINUITY, EXTINF sum ${s}s"
    elif near "$s" 10 0.5; then
        log "$j: continuous timeline, EXTINF sum ${s}s"
    else
        fail "$j: no EXT-X-DISCONTINUITY and EXTINF sum ${s}s is not the 10 s of media"
    fi
done
log "PASS"
