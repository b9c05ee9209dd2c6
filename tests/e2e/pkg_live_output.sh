#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (e), live-ness: with a real-time (-re) 3-rendition source arriving
# through a FIFO, playlists and segments must appear while the source is
# still running, grow over time, and never name a file that is not there
# (segments are published before the playlists that list them).  When the
# source ends: exit 0, ENDLIST, static MPD, every frame present.
#
#   pkg_live_output.sh SPATE_PKG
. "$(dirname "$0")/lib/common.sh"
e2e_init pkg_live_output "${1:-none}"

SOURCE_S=14
fifo="$E2E_TMP/src.fifo"
out="$E2E_TMP/out"
mkfifo "$fifo"

bg_start "$E2E_TMP/pkg.log" timeout -k 5 $((SOURCE_S + 60)) \
    "$PKG_BIN" --part-ms 1000 "$fifo" "$out"
pkg_pid=$BG_PID
LIVE=1 bg_start "$E2E_TMP/source.log" bash -c "
    . '$E2E_LIB/common.sh'
    gen_source ladder_ts '$fifo' $SOURCE_S"
src_pid=$BG_PID
t0=$SECONDS

# Every file a playlist names exists (init, segments, parts).
listed_files_exist() {
    local pl f
    while read -r pl; do
        [[ -s $pl ]] || continue
        while read -r f; do
            [[ -s $f ]] || { log "$(basename "$pl") names missing ${f#"$out"/}"; return 1; }
        done < <(hls_media_files "$pl"
                 sed -n 's/^#EXT-X-PART:.*URI="\([^"]*\)".*/\1/p' "$pl" | tr -d '\r' |
                     while read -r u; do echo "$(dirname "$pl")/${u%%\?*}"; done)
    done < <(hls_rendition_playlists "$out/index.m3u8")
}

# True when the source process exits within 2 s.
source_exits_soon() {
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$src_pid" 2>/dev/null || return 0
        sleep 0.2
    done
    return 1
}

first_seg_s='' snapshots=0 dangling=0 pkg_done=0
declare -A seen_counts=()
while kill -0 "$src_pid" 2>/dev/null; do
    # Ending right at the end of the input (before the source process is
    # reaped) is fine; ending earlier fails the test.
    pkg_alive "$pkg_pid" "$src_pid" || { pkg_done=1; break; }
    if [[ -s $out/index.m3u8 ]]; then
        pl=$(hls_rendition_playlists "$out/index.m3u8" | sed -n 1p)
        if [[ -s $pl ]]; then
            n=$(grep -c '^#EXTINF' "$pl" || true)
            if ((n > 0)); then
                [[ -n $first_seg_s ]] || { first_seg_s=$((SECONDS - t0)); log "first segment listed after ${first_seg_s}s"; }
                seen_counts[$n]=1
                snapshots=$((snapshots + 1))
                if grep -q '^#EXT-X-ENDLIST' "$pl" ||
                    grep -q 'type="static"' "$out/manifest.mpd" 2>/dev/null; then
                    # Only right at the end of the input, i.e. the source
                    # closed its output and is about to exit.
                    source_exits_soon || fail "ENDLIST or static MPD while the source is running"
                    break
                fi
                listed_files_exist || dangling=$((dangling + 1))
            fi
        fi
    fi
    ((SECONDS - t0 < SOURCE_S + 30)) || fail "source did not finish"
    sleep 0.3
done
log "source finished after $((SECONDS - t0))s; $snapshots live snapshots, segment counts seen: ${!seen_counts[*]}"

[[ -n $first_seg_s ]] || { show_log "$E2E_TMP/pkg.log"; fail "no segment was listed while the source was running"; }
((first_seg_s <= SOURCE_S / 2)) || fail "first segment only after ${first_seg_s}s of a ${SOURCE_S}s live source"
((${#seen_counts[@]} >= 3)) || fail "the playlist did not grow while live (segment counts seen: ${!seen_counts[*]})"
((dangling == 0)) || fail "$dangling live snapshots named files that did not exist"

rc=0
((pkg_done)) || bg_wait "$pkg_pid" 30 || rc=$?
pkg_check_crash pkg "$rc" "$E2E_TMP/pkg.log"
((rc == 0)) || { show_log "$E2E_TMP/pkg.log"; fail "packager exited $rc at the end of input"; }
grep -q 'type="static"' "$out/manifest.mpd" || fail "MPD not static after the end of input"
exp=$((SOURCE_S * E2E_FPS))
while read -r pl; do
    grep -q '^#EXT-X-ENDLIST' "$pl" || fail "$(basename "$pl"): no ENDLIST after the end of input"
    rendition_concat "$pl" "$E2E_TMP/r.mp4"
    read -r type _ w h frames dur < <(probe_stream "$E2E_TMP/r.mp4" 0)
    log "${pl#"$out"/}: $type ${w}x$h $frames frames ${dur}s"
    [[ $type != video ]] || ((frames == exp)) || fail "${pl#"$out"/}: $frames frames, expected $exp"
done < <(hls_rendition_playlists "$out/index.m3u8")
log "PASS"
