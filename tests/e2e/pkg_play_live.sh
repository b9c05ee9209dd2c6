#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (c), live: while an ffmpeg -re source is still running into spate-pkg
# (stdin, LL-HLS parts on), headless Chromium plays the live output with
# hls.js in lowLatencyMode and with dash.js; currentTime must advance >= 5 s
# with no player error.  Then the source stops and the output must end
# cleanly (packager exit 0, ENDLIST, static MPD).
#
#   pkg_play_live.sh SPATE_PKG
. "$(dirname "$0")/lib/common.sh"
e2e_init pkg_play_live "${1:-none}"
need_browser

SOURCE_S=60     # upper bound; the test stops the source once players are done
PART_MS=500
fifo="$E2E_TMP/src.fifo"
out="$E2E_TMP/out"
mkfifo "$fifo"

bg_start_in "$fifo" "$E2E_TMP/pkg.log" timeout -k 5 $((SOURCE_S + 60)) \
    "$PKG_BIN" --part-ms $PART_MS --window-s 20 - "$out"
pkg_pid=$BG_PID
LIVE=1 bg_start "$E2E_TMP/source.log" bash -c "
    . '$E2E_LIB/common.sh'
    gen_source h264_ts '$fifo' $SOURCE_S"
src_pid=$BG_PID
log "live source (pid $src_pid) -> packager (pid $pkg_pid)"

# Wait for a playable live window: two complete segments in every rendition.
ready() {
    pkg_alive "$pkg_pid"
    [[ -s $out/index.m3u8 && -s $out/manifest.mpd ]] || return 1
    local pl
    while read -r pl; do
        [[ -s $pl ]] && (($(grep -c '^#EXTINF' "$pl") >= 2)) || return 1
    done < <(hls_rendition_playlists "$out/index.m3u8")
}
if ! wait_for 30 "two segments in every rendition" ready; then
    show_log "$E2E_TMP/pkg.log"; show_log "$E2E_TMP/source.log"
    fail "no live output after 30 s"
fi
kill -0 "$src_pid" 2>/dev/null || { show_log "$E2E_TMP/source.log"; fail "source ended early"; }

hls_args=(--low-latency --min-advance 5 --timeout 35 --expect-audio)
video_pl=$(hls_rendition_playlists "$out/index.m3u8" | sed -n 1p)
if grep -q '^#EXT-X-PART:' "$video_pl"; then
    log "playlist has LL-HLS parts: hls.js must load some"
    hls_args+=(--min-parts 1)
elif [[ $PKG_MODE == spate ]]; then
    fail "--part-ms $PART_MS given but $(basename "$video_pl") lists no EXT-X-PART"
fi

server_start "$out"
play hls-ll hls /index.m3u8 "${hls_args[@]}"
play dash dash /manifest.mpd --min-advance 5 --timeout 35 --expect-audio

pkg_alive "$pkg_pid"
kill -0 "$src_pid" 2>/dev/null || fail "source ended before the players finished: this was not a live test"
grep -q '^#EXT-X-ENDLIST' "$video_pl" && fail "playlist ended while the source was running"
grep -q 'type="dynamic"' "$out/manifest.mpd" || fail "MPD is not dynamic while live"

log "stopping the source; the packager must finish the output"
bg_stop "$src_pid" INT || true
rc=0
bg_wait "$pkg_pid" 30 || rc=$?
pkg_check_crash pkg "$rc" "$E2E_TMP/pkg.log"
((rc == 0)) || { show_log "$E2E_TMP/pkg.log"; fail "packager exited $rc at the end of a live input"; }
grep -q '^#EXT-X-ENDLIST' "$video_pl" || fail "no ENDLIST after the input ended"
grep -q 'type="static"' "$out/manifest.mpd" || fail "MPD is not static after the input ended"
decode_check "$out/index.m3u8" decode_hls
log "PASS"
