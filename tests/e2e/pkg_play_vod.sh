#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (c), VOD: a finished 3-rendition ladder plays in headless Chromium with
# hls.js (index.m3u8), dash.js and Shaka Player (manifest.mpd), served from
# loopback; currentTime must advance >= 5 s with no player error.
#
#   pkg_play_vod.sh SPATE_PKG
. "$(dirname "$0")/lib/common.sh"
e2e_init pkg_play_vod "${1:-none}"
need_browser

src="$E2E_TMP/src.ts"
out="$E2E_TMP/out"
log "generating ladder source, 12 s"
gen_source ladder_ts "$src" 12
pkg_run pkg "$src" "$out"
pkg_expect_ok pkg
[[ -s $out/index.m3u8 && -s $out/manifest.mpd ]] || fail "packager wrote no index.m3u8 / manifest.mpd"

server_start "$out"
# One player at a time: the browser gets a core to itself.
play hls   hls   /index.m3u8   --min-advance 5 --timeout 40 --expect-audio
play dash  dash  /manifest.mpd --min-advance 5 --timeout 40 --expect-audio
play shaka shaka /manifest.mpd --min-advance 5 --timeout 40 --expect-audio
log "PASS"
