# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the packager e2e tests (tests/e2e/pkg_*.sh).
#
# Owns: the per-test scratch directory and its cleanup, background process
# bookkeeping, bounded waits, generation of the ffmpeg test streams, running
# the packager (spate-pkg, or the ffmpeg reference stand-in) with crash and
# sanitizer checks, and reading what a packager wrote (playlists, renditions,
# frame counts, durations).  Must not know anything about how spate-pkg is
# implemented: it only looks at the files it writes.
#
# Every test script does:
#   . "$(dirname "$0")/lib/common.sh"
#   e2e_init NAME "$@"          # SPATE_PKG path (or 'none') is $1
#
# Environment knobs:
#   E2E_KEEP=1         keep the scratch directory (path is printed)
#   E2E_PACKAGER=ref   run against ffmpeg's own HLS/DASH muxer instead of
#                      spate-pkg (lib/ref_pkg.sh), to tell harness bugs from
#                      packager bugs
#   E2E_TMPDIR=DIR     where scratch directories go (default ${TMPDIR:-/tmp})

set -Eeuo pipefail
# A command that fails under set -e says where, instead of a silent exit.
trap 'log "error: \"$BASH_COMMAND\" failed (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO"' ERR

E2E_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_DIR="$(dirname "$E2E_LIB")"
E2E_NODE_MODULES="$E2E_DIR/node_modules"
E2E_BG_PIDS=()
E2E_START_S=$SECONDS

# Source streams: small and short so the whole suite takes minutes on two
# cores.  Durations are whole GOPs (2 s) so frame counts are exact.
E2E_FPS=25
E2E_W=320
E2E_H=180
E2E_GOP_S=2
E2E_AUDIO_RATE=48000

log()  { printf '[%s %4ds] %s\n' "${E2E_NAME:-e2e}" $((SECONDS - E2E_START_S)) "$*"; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

# e2e_init NAME SPATE_PKG_PATH — sets E2E_NAME, E2E_TMP, PKG_BIN, PKG_MODE.
e2e_init() {
    E2E_NAME=$1
    local pkg_arg=${2:-none}
    E2E_TMP=$(mktemp -d "${E2E_TMPDIR:-${TMPDIR:-/tmp}}/spate-$E2E_NAME.XXXXXX")
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    if [[ ${E2E_PACKAGER:-} == ref ]]; then
        PKG_MODE=ref
        PKG_BIN="$E2E_LIB/ref_pkg.sh"
    else
        PKG_MODE=spate
        PKG_BIN=$pkg_arg
        if [[ $PKG_BIN == none || -z $PKG_BIN ]]; then
            skip "spate-pkg is not built (meson variable spate_pkg_exe undefined); E2E_PACKAGER=ref runs the harness against ffmpeg"
        fi
        [[ -x $PKG_BIN ]] || fail "spate-pkg not executable: $PKG_BIN"
    fi
    for tool in ffmpeg ffprobe timeout sha256sum; do
        command -v "$tool" >/dev/null || fail "$tool not found (run scripts/setup.sh)"
    done
    log "packager: $PKG_MODE ($PKG_BIN), scratch: $E2E_TMP"
}

e2e_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    e2e_kill_bg
    if [[ ${E2E_KEEP:-0} == 1 ]]; then
        log "kept scratch directory $E2E_TMP"
    else
        rm -rf "$E2E_TMP"
    fi
    log "done in $((SECONDS - E2E_START_S)) s, exit $rc"
    exit $rc
}

# bg_start LOGFILE CMD... — runs CMD in its own process group, output to
# LOGFILE; the pid is left in BG_PID and remembered for cleanup.
bg_start() { bg_start_in /dev/null "$@"; }

# bg_start_in STDIN LOGFILE CMD... — same, standard input from STDIN (a file
# or a FIFO; opening a FIFO blocks in the child until a writer comes).
bg_start_in() {
    local stdin=$1 logfile=$2; shift 2
    setsid bash -c 'exec "$@" <"$0"' "$stdin" "$@" >"$logfile" 2>&1 </dev/null &
    BG_PID=$!
    E2E_BG_PIDS+=("$BG_PID")
}

# bg_stop PID [SIGNAL] — signals the process group, waits up to 10 s, then
# kills it.  Returns the process's exit status (when it is our child).
bg_stop() {
    local pid=$1 sig=${2:-TERM} i
    kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -s KILL -- "-$pid" 2>/dev/null || true
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# bg_wait PID TIMEOUT_S — waits for a background process to exit by itself;
# returns its exit status, or 124 (after killing it) on timeout.
bg_wait() {
    local pid=$1 deadline=$((SECONDS + $2)) rc=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            return 124
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# pkg_alive PID [SRC_PID] — true while the background packager runs; when
# it has exited, checks for a crash and fails the test (a live packager
# must not stop while its input is still coming).  With SRC_PID, an exit
# right at the end of the input is fine: the source closed its output and
# the packager finished before the source process was gone (returns 1).
pkg_alive() {
    local pid=$1 src=${2:-} rc=0
    kill -0 "$pid" 2>/dev/null && return 0
    wait "$pid" 2>/dev/null || rc=$?
    pkg_check_crash pkg "$rc" "$E2E_TMP/pkg.log"
    if [[ -n $src ]] && ((rc == 0)); then
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$src" 2>/dev/null || return 1
            sleep 0.2
        done
    fi
    show_log "$E2E_TMP/pkg.log"
    fail "packager exited ($rc) while the live source was still running"
}

e2e_kill_bg() {
    local pid
    for pid in "${E2E_BG_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -s TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
        fi
    done
    sleep 0.2
    for pid in "${E2E_BG_PIDS[@]}"; do
        kill -s KILL -- "-$pid" 2>/dev/null || true
    done
    E2E_BG_PIDS=()
}

# wait_for TIMEOUT_S DESCRIPTION CMD... — polls CMD every 0.2 s.
wait_for() {
    local timeout_s=$1 what=$2; shift 2
    local deadline=$((SECONDS + timeout_s))
    while ! "$@" 2>/dev/null; do
        ((SECONDS < deadline)) || { log "timed out after ${timeout_s}s waiting for $what"; return 1; }
        sleep 0.2
    done
}

# wait_for_file TIMEOUT_S PATH
wait_for_file() { wait_for "$1" "file $2" test -s "$2"; }

# show_log FILE [LINES] — prints the tail of a log into the test output.
show_log() {
    local f=$1 n=${2:-40}
    [[ -f $f ]] || return 0
    log "---- tail of $f ----"
    tail -n "$n" "$f" | sed 's/^/    /'
}

# ---------------------------------------------------------------------------
# Test streams.  Every source has keyframes exactly every E2E_GOP_S seconds
# on every video stream (forced, scene cut off), so segment boundaries of all
# renditions line up.

# x264 options shared by every H.264 source: B-frames on (real encoders use
# them, so the packager must handle composition offsets), fixed GOP.
x264_args() {
    echo "-c:v libx264 -preset superfast -bf 2 -g $((E2E_FPS * E2E_GOP_S)) -keyint_min $((E2E_FPS * E2E_GOP_S)) -sc_threshold 0 -pix_fmt yuv420p"
}

# The lavfi source: moving test pattern plus a 440 Hz tone.
lavfi_input() {
    local w=$1 h=$2
    echo "testsrc2=size=${w}x${h}:rate=${E2E_FPS}[out0];sine=frequency=440:sample_rate=${E2E_AUDIO_RATE}[out1]"
}

# gen_source KIND OUT DURATION_S [EXTRA_FFMPEG_OUTPUT_ARGS...]
#   h264_ts    H.264 + AAC in MPEG-TS
#   hevc_ts    HEVC + AAC in MPEG-TS
#   ladder_ts  3 H.264 video streams (640x360, 426x240, 256x144) + AAC in one TS
#   flv        H.264 + AAC in FLV
# With LIVE=1 in the environment the source is read at native rate (-re),
# which makes it a live source; OUT may then be '-' or a pipe.
gen_source() {
    local kind=$1 out=$2 dur=$3; shift 3
    local re=() fkf="expr:gte(t,n_forced*$E2E_GOP_S)"
    [[ ${LIVE:-0} == 1 ]] && re=(-re)
    local common_in=(-nostdin -hide_banner -loglevel error -y "${re[@]}" -f lavfi)
    local aac=(-c:a aac -b:a 64k -ac 2)
    case $kind in
    h264_ts|flv)
        local fmt=mpegts
        [[ $kind == flv ]] && fmt=flv
        # shellcheck disable=SC2046
        ffmpeg "${common_in[@]}" -i "$(lavfi_input $E2E_W $E2E_H)" -t "$dur" \
            -map 0:v -map 0:a $(x264_args) -b:v 300k -force_key_frames "$fkf" \
            "${aac[@]}" "$@" -f $fmt "$out"
        ;;
    hevc_ts)
        local gop=$((E2E_FPS * E2E_GOP_S))
        ffmpeg "${common_in[@]}" -i "$(lavfi_input $E2E_W $E2E_H)" -t "$dur" \
            -map 0:v -map 0:a -c:v libx265 -preset ultrafast -pix_fmt yuv420p \
            -x265-params "log-level=error:keyint=$gop:min-keyint=$gop:scenecut=0:open-gop=0" \
            -b:v 300k -force_key_frames "$fkf" "${aac[@]}" "$@" -f mpegts "$out"
        ;;
    ladder_ts)
        # shellcheck disable=SC2046
        ffmpeg "${common_in[@]}" -i "$(lavfi_input 640 360)" -t "$dur" \
            -filter_complex "[0:v]split=3[s0][s1][s2];[s1]scale=426:240[s1o];[s2]scale=256:144[s2o]" \
            -map '[s0]' -map '[s1o]' -map '[s2o]' -map 0:a \
            $(x264_args) -force_key_frames "$fkf" \
            -b:v:0 600k -b:v:1 300k -b:v:2 150k "${aac[@]}" "$@" -f mpegts "$out"
        ;;
    *) fail "gen_source: unknown kind $kind" ;;
    esac
}

# ---------------------------------------------------------------------------
# Running the packager.

# pkg_run NAME [PKG_OPTIONS...] INPUT OUTDIR — runs the packager bounded by
# PKG_TIMEOUT_S (default 120); stdout+stderr go to $E2E_TMP/NAME.log and the
# exit status to PKG_RC.  Fails the test on a crash: a signal (status >= 128),
# a timeout, or a sanitizer report.  Does not fail on a plain non-zero exit:
# callers decide whether an error was expected.
pkg_run() {
    local name=$1; shift
    local logf="$E2E_TMP/$name.log"
    PKG_LOG=$logf
    PKG_RC=0
    timeout -k 5 "${PKG_TIMEOUT_S:-120}" "$PKG_BIN" "$@" >"$logf" 2>&1 </dev/null || PKG_RC=$?
    pkg_check_crash "$name" "$PKG_RC" "$logf"
}

# Same, with standard input from a file or pipe (INPUT is usually '-').
pkg_run_stdin() {
    local name=$1 stdin=$2; shift 2
    local logf="$E2E_TMP/$name.log"
    PKG_LOG=$logf
    PKG_RC=0
    timeout -k 5 "${PKG_TIMEOUT_S:-120}" "$PKG_BIN" "$@" >"$logf" 2>&1 <"$stdin" || PKG_RC=$?
    pkg_check_crash "$name" "$PKG_RC" "$logf"
}

sanitizer_pattern='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer|ThreadSanitizer|MemorySanitizer'

# pkg_check_crash NAME RC LOGFILE
pkg_check_crash() {
    local name=$1 rc=$2 logf=$3
    if grep -Eq "$sanitizer_pattern" "$logf"; then
        show_log "$logf" 80
        fail "$name: sanitizer report from the packager (exit $rc)"
    fi
    if ((rc == 124 || rc == 137)); then
        show_log "$logf"
        fail "$name: packager did not finish within ${PKG_TIMEOUT_S:-120}s (hang)"
    fi
    if ((rc >= 128)); then
        show_log "$logf"
        fail "$name: packager crashed: exit $rc (signal $((rc - 128)))"
    fi
}

# pkg_expect_ok NAME — after pkg_run: the packager must have exited 0.
pkg_expect_ok() {
    if ((PKG_RC != 0)); then
        show_log "$PKG_LOG"
        fail "$1: packager exited $PKG_RC"
    fi
}

# ---------------------------------------------------------------------------
# Reading the output.  Paths come from the playlists (never guessed from a
# naming scheme), so the same checks read spate-pkg's and ffmpeg's output.

# hls_variant_playlists MULTIVARIANT — URIs of the EXT-X-STREAM-INF variants.
hls_variant_playlists() {
    awk '/^#EXT-X-STREAM-INF/ { want = 1; next } want && !/^#/ && NF { print; want = 0 }' "$1" | tr -d '\r'
}

# hls_audio_playlists MULTIVARIANT — URIs of the EXT-X-MEDIA TYPE=AUDIO renditions.
hls_audio_playlists() {
    tr -d '\r' <"$1" | sed -n '/^#EXT-X-MEDIA:.*TYPE=AUDIO/ s/.*URI="\([^"]*\)".*/\1/p'
}

# hls_rendition_playlists MULTIVARIANT — absolute paths of all distinct
# media playlists (video variants first, then audio), one per line.
hls_rendition_playlists() {
    local mv=$1 dir
    dir=$(dirname "$mv")
    { hls_variant_playlists "$mv"; hls_audio_playlists "$mv"; } |
        awk '!seen[$0]++' | while read -r uri; do echo "$dir/${uri%%\?*}"; done
}

# hls_media_files MEDIA_PLAYLIST — absolute paths: the init section (first
# EXT-X-MAP) then every full segment, in playlist order.  Parts are skipped.
hls_media_files() {
    local pl=$1 dir
    dir=$(dirname "$pl")
    tr -d '\r' <"$pl" | awk -v dir="$dir" '
        /^#EXT-X-MAP:/ && !map {
            if (match($0, /URI="[^"]*"/)) {
                u = substr($0, RSTART + 5, RLENGTH - 6); sub(/\?.*/, "", u)
                print dir "/" u; map = 1
            }
            next
        }
        /^#/ || !NF { next }
        { u = $0; sub(/\?.*/, "", u); print dir "/" u }'
}

# hls_extinf_sum MEDIA_PLAYLIST — sum of EXTINF durations in seconds.
hls_extinf_sum() {
    awk -F'[:,]' '/^#EXTINF:/ { s += $2 } END { printf "%.3f\n", s }' "$1"
}

# rendition_concat MEDIA_PLAYLIST OUT — init + segments into one file, which
# is a valid fragmented MP4 when the packager is right.
rendition_concat() {
    local pl=$1 out=$2 f
    : >"$out"
    while read -r f; do
        [[ -f $f ]] || fail "$(basename "$pl") lists $f which does not exist"
        cat "$f" >>"$out"
    done < <(hls_media_files "$pl")
}

# source_streams FILE — "index type" per stream (programs listed once).
source_streams() {
    ffprobe -v error -show_entries stream=index,codec_type -of csv=p=0 "$1" | awk -F, 'NF >= 2 && !seen[$1]++ { print $1, $2 }'
}

# probe_stream FILE STREAM_SPEC — "codec_type codec_name width height frames
# duration_s" of the first stream matching STREAM_SPEC (v:0, a:0, 0),
# counting frames by reading packets.  Duration is first pts to last
# pts+duration.  Width and height are 0 for audio.
probe_stream() {
    local file=$1 spec=$2 info pk
    info=$(ffprobe -v error -select_streams "$spec" -show_entries stream=codec_type,codec_name,width,height \
        -of default=nw=1 "$file" | awk -F= '
            { v[$1] = $2 }
            END {
                if (v["codec_type"] == "") { print "none none 0 0"; exit }
                printf "%s %s %d %d\n", v["codec_type"], v["codec_name"], v["width"], v["height"]
            }')
    pk=$(ffprobe -v error -select_streams "$spec" -show_entries packet=pts_time,duration_time \
        -of csv=p=0 "$file" | awk -F, '
            $1 ~ /^-?[0-9]/ {
                n++; p = $1 + 0; d = ($2 ~ /^[0-9]/) ? $2 + 0 : 0
                if (n == 1 || p < lo) lo = p
                if (n == 1 || p + d > hi) hi = p + d
            }
            END { printf "%d %.3f\n", n, (n ? hi - lo : 0) }')
    echo "$info $pk"
}

# near A B TOL — true when |A - B| <= TOL (decimals allowed).
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# count_source_frames FILE SPEC — packets of one stream of a source file.
count_source_frames() {
    ffprobe -v error -select_streams "$2" -count_packets -show_entries stream=nb_read_packets \
        -of default=nw=1:nk=1 "$1" | sed -n 1p
}

# decode_check URL_OR_PATH NAME — decodes every stream of a playlist/MPD with
# ffmpeg, one stream per run (ffmpeg trims the first frame of some streams
# when it aligns several demuxed renditions at once, which is not the
# packager's doing).  Fails when ffmpeg prints any error.  Leaves
# "index type" lines in $E2E_TMP/NAME.streams and per-stream framecrc in
# $E2E_TMP/NAME.INDEX.framecrc for decoded_frames / decoded_duration.
# With DECODE_SOFT=1 it returns 1 instead of failing the test.
decode_check() {
    local src=$1 name=$2 rc=0 idx type
    local err="$E2E_TMP/$name.decode.err"
    timeout -k 5 60 ffprobe -v error -show_entries stream=index,codec_type -of csv=p=0 "$src" \
        >"$E2E_TMP/$name.probe" 2>"$err" || rc=$?
    if ((rc != 0)) || grep -q . "$err"; then
        show_log "$err" 30
        decode_fail "$name: ffprobe could not read $src cleanly (exit $rc)"
        return 1
    fi
    awk -F, 'NF >= 2 && !seen[$1]++ { print $1, $2 }' "$E2E_TMP/$name.probe" >"$E2E_TMP/$name.streams"
    [[ -s $E2E_TMP/$name.streams ]] || { decode_fail "$name: ffprobe found no stream in $src"; return 1; }
    while read -r idx type; do
        timeout -k 5 120 ffmpeg -nostdin -hide_banner -v error -i "$src" -map "0:$idx" \
            -fps_mode passthrough -f framecrc "$E2E_TMP/$name.$idx.framecrc" 2>"$err" || rc=$?
        if ((rc != 0)) || grep -q . "$err"; then
            show_log "$err" 30
            decode_fail "$name: ffmpeg could not decode stream $idx ($type) of $src cleanly (exit $rc)"
            return 1
        fi
    done <"$E2E_TMP/$name.streams"
}

decode_fail() {
    if [[ ${DECODE_SOFT:-0} == 1 ]]; then log "$1"; else fail "$1"; fi
}

decoded_stream_types() { cat "$E2E_TMP/$1.streams"; }   # NAME

decoded_frames() {   # NAME STREAM_INDEX
    awk '!/^#/ && NF { n++ } END { print n + 0 }' "$E2E_TMP/$1.$2.framecrc"
}

decoded_duration() { # NAME STREAM_INDEX — seconds from first pts to last pts+duration
    awk '
        /^#tb 0:/ { split($3, r, "/"); num = r[1]; den = r[2] }
        !/^#/ && NF {
            split($0, f, /, */)
            p = f[3] + 0; d = f[4] + 0
            if (!seen++ || p < lo) lo = p
            if (p + d > hi) hi = p + d
        }
        END { if (den) printf "%.3f\n", (hi - lo) * num / den; else print 0 }' "$E2E_TMP/$1.$2.framecrc"
}

# tree_digest DIR — sha256 of every file under DIR, by relative path.
tree_digest() {
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# ---------------------------------------------------------------------------
# Players.

need_browser() {
    command -v node >/dev/null || fail "node not found (run scripts/setup.sh)"
    [[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium not found (run scripts/setup.sh)"
    [[ -d $E2E_NODE_MODULES/playwright-core && -d $E2E_NODE_MODULES/hls.js ]] ||
        fail "npm packages missing in $E2E_NODE_MODULES (run scripts/setup.sh)"
}

# server_start ROOT — static server on a free loopback port; sets SERVER_URL
# (no trailing slash) and SERVER_PID.  Requests are logged to
# $E2E_TMP/server.requests.
server_start() {
    local root=$1 portf="$E2E_TMP/server.port"
    rm -f "$portf"
    bg_start "$E2E_TMP/server.log" node "$E2E_LIB/static_server.mjs" --root "$root" \
        --port 0 --port-file "$portf" --log "$E2E_TMP/server.requests"
    SERVER_PID=$BG_PID
    wait_for_file 20 "$portf" || { show_log "$E2E_TMP/server.log"; fail "static server did not start"; }
    SERVER_URL="http://127.0.0.1:$(cat "$portf")"
    log "static server $SERVER_URL serving $root"
}

# play NAME PLAYER URL [play.mjs options...] — headless Chromium plays URL;
# fails the test unless playback advanced.  Output in $E2E_TMP/play-NAME.log.
play() {
    local name=$1 player=$2 url=$3; shift 3
    local logf="$E2E_TMP/play-$name.log" rc=0
    log "play $name: $player $url $*"
    timeout -k 5 120 node "$E2E_LIB/play.mjs" --server "$SERVER_URL" --player "$player" \
        --url "$url" "$@" >"$logf" 2>&1 || rc=$?
    sed 's/^/    /' "$logf" | tail -n 25
    ((rc == 0)) || fail "play $name: $player did not play $url (exit $rc)"
}
