#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/demo.sh — set up, then run a live demo channel:
#
#   ffmpeg live test pattern (testsrc2 + 440 Hz tone, real time, H.264 + AAC,
#   3-rendition ladder 640x360 / 426x240 / 256x144, keyframes every 2 s on
#   every rendition) ──MPEG-TS FIFO──▶ served by
#
#   --server spate (default): the DPDK dataplane on its embedded net_tap
#     profile, in a network namespace it creates (spate-demo): its packager
#     thread publishes into the hugepage cache and its own TCP/IP stack
#     serves http://198.18.0.2/live/... inside that namespace.  The demo
#     checks the channel with ffmpeg from inside the namespace and prints
#     the commands to watch it (ip netns exec spate-demo ...).
#   --server static: spate-pkg writes out/demo/, served on 127.0.0.1:8080
#     by tests/e2e/lib/static_server.mjs, for a browser on this machine.
#
# Runs until Ctrl-C, or --duration S seconds of media (then the output gets
# ENDLIST and the demo exits).  Everything it started is stopped on exit.
#
#   scripts/demo.sh [--duration S] [--server spate|static] [--port 8080]
#                   [--part-ms 500] [--packager spate|ref]
#
# --packager ref (static server only) uses ffmpeg's own DASH/HLS muxer in
# place of spate-pkg (the e2e harness's reference).
set -Eeuo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD_DIR=${SPATE_BUILD_DIR:-build}
duration=0 port=8080 part_ms=500 packager=spate server=spate
while (($#)); do
    case $1 in
    --duration) duration=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --part-ms) part_ms=$2; shift 2 ;;
    --packager) packager=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    -h|--help) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bash scripts/setup.sh

case $packager in
spate) pkg_bin=$ROOT/$BUILD_DIR/pkg/tools/spate-pkg ;;
ref)   pkg_bin=$ROOT/tests/e2e/lib/ref_pkg.sh ;;
*)     echo "demo.sh: --packager spate|ref" >&2; exit 2 ;;
esac
[[ -x $pkg_bin ]] || { echo "demo.sh: $pkg_bin is not built" >&2; exit 1; }

out=$ROOT/out/demo
logs=$ROOT/out/logs
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/spate-demo.XXXXXX")
fifo=$run_dir/source.ts
rm -rf "$out"
mkdir -p "$out" "$logs"
mkfifo "$fifo"

pids=()
cleanup() {
    local rc=$? pid i alive
    trap - EXIT INT TERM
    # Source first, so the packager sees the end of input and closes the
    # playlists; then whatever is left.
    for pid in "${pids[@]}"; do kill -INT -- "-$pid" 2>/dev/null || true; break; done
    sleep 1
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    # spate shuts down cleanly on TERM (ports, hugepages, its namespace).
    for ((i = 0; i < 50; i++)); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    if ip netns list 2>/dev/null | grep -qw spate-demo; then ip netns delete spate-demo 2>/dev/null || true; fi
    rm -rf "$run_dir"
    if [[ $server == static ]]; then
        echo "demo.sh: stopped; output in ${out#"$ROOT"/}/, logs in ${logs#"$ROOT"/}/demo-*.log"
    else
        echo "demo.sh: stopped; logs in ${logs#"$ROOT"/}/demo-*.log"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- source: live ladder ------------------------------------------------------
t_opt=()
((duration > 0)) && t_opt=(-t "$duration")
fkf='expr:gte(t,n_forced*2)'
x264=(-c:v libx264 -preset veryfast -tune zerolatency -g 50 -keyint_min 50 -sc_threshold 0
      -pix_fmt yuv420p -force_key_frames "$fkf")
setsid ffmpeg -nostdin -hide_banner -loglevel warning -y -re -f lavfi \
    -i "testsrc2=size=640x360:rate=25[out0];sine=frequency=440:sample_rate=48000[out1]" "${t_opt[@]}" \
    -filter_complex "[0:v]split=3[s0][s1][s2];[s1]scale=426:240[s1o];[s2]scale=256:144[s2o]" \
    -map '[s0]' -map '[s1o]' -map '[s2o]' -map 0:a \
    "${x264[@]}" -b:v:0 800k -maxrate:v:0 900k -bufsize:v:0 1600k \
    -b:v:1 400k -maxrate:v:1 450k -bufsize:v:1 800k \
    -b:v:2 200k -maxrate:v:2 225k -bufsize:v:2 400k \
    -c:a aac -b:a 96k -ac 2 -f mpegts "$fifo" >"$logs/demo-ffmpeg.log" 2>&1 &
pids+=($!)
src_pid=$!

if [[ $server == spate ]]; then
    # --- spate: DPDK dataplane in its own namespace ---------------------------
    spate_bin=$ROOT/$BUILD_DIR/dataplane/app/spate
    ns=spate-demo
    url=http://198.18.0.2/live/index.m3u8
    [[ -x $spate_bin ]] || { echo "demo.sh: $spate_bin is not built" >&2; exit 1; }
    if ip netns list | grep -qw "$ns"; then
        echo "demo.sh: namespace $ns exists: is another demo running? (ip netns delete $ns)" >&2
        exit 1
    fi
    setsid "$spate_bin" --profile "$ROOT/dpdk-config/tap.conf" --netns "$ns" \
        --channel "live=$fifo" --segment-ms 2000 --part-ms "$part_ms" --window-s 30 \
        >"$logs/demo-spate.log" 2>&1 &
    pids+=($!)
    spate_pid=$!
    for ((i = 0; i < 300; i++)); do
        ip netns exec "$ns" curl -sf -m 1 -o /dev/null "$url" 2>/dev/null && break
        for p in $src_pid $spate_pid; do
            if ! kill -0 "$p" 2>/dev/null; then
                echo "demo.sh: a process exited early; logs:" >&2
                tail -n 20 "$logs"/demo-ffmpeg.log "$logs"/demo-spate.log >&2
                exit 1
            fi
        done
        sleep 0.1
    done
    ip netns exec "$ns" curl -sf -m 1 -o /dev/null "$url" ||
        { echo "demo.sh: no playlist from spate after 30 s; see $logs/demo-spate.log" >&2; exit 1; }
    if ip netns exec "$ns" ffmpeg -nostdin -v error -i "$url" -t 4 -f null - 2>"$logs/demo-check.log"; then
        check="ffmpeg decoded 4 s of the channel from spate"
    else
        check="ffmpeg could not decode the channel: see $logs/demo-check.log"
    fi
    echo "spate demo channel is live: the DPDK dataplane (net_tap, own TCP/IP stack,"
    echo "hugepage cache) serves it in network namespace $ns (2 s segments,"
    echo "${part_ms} ms LL-HLS parts).  Check: $check."
    echo "  HLS / LL-HLS  $url"
    echo "  DASH          http://198.18.0.2/live/manifest.mpd"
    echo "  watch it      ip netns exec $ns ffplay $url"
    echo "  fetch it      ip netns exec $ns curl -s $url"
    echo "  counters      dpdk-telemetry.py -f spate_$ns   (then /spate/stats)"
    echo "  (scripts/demo.sh --server static serves the channel on 127.0.0.1 for a browser)"
    if ((duration > 0)); then echo "stops by itself after $duration s"; else echo "Ctrl-C to stop"; fi
    while kill -0 "$src_pid" 2>/dev/null; do
        kill -0 "$spate_pid" 2>/dev/null || { echo "demo.sh: spate exited; see $logs/demo-spate.log" >&2; exit 1; }
        sleep 0.5
    done
    # Source done: the media playlists get ENDLIST.
    media_url=http://198.18.0.2/live/v0/index.m3u8
    for ((i = 0; i < 100; i++)); do
        ip netns exec "$ns" curl -sf -m 1 "$media_url" | grep -q '^#EXT-X-ENDLIST' && break
        sleep 0.1
    done
    if ip netns exec "$ns" curl -sf -m 1 "$media_url" | grep -q '^#EXT-X-ENDLIST'; then
        echo "demo.sh: source ended after $duration s; spate serves the complete channel (ENDLIST)"
    else
        echo "demo.sh: source ended but the playlist has no ENDLIST; see $logs/demo-spate.log" >&2
        exit 1
    fi
    exit 0
fi
[[ $server == static ]] || { echo "demo.sh: --server spate|static" >&2; exit 2; }

# --- packager -----------------------------------------------------------------
setsid "$pkg_bin" --part-ms "$part_ms" --window-s 30 - "$out" <"$fifo" >"$logs/demo-pkg.log" 2>&1 &
pids+=($!)
pkg_pid=$!

# --- HTTP ---------------------------------------------------------------------
setsid node tests/e2e/lib/static_server.mjs --root "$out" --host 127.0.0.1 --port "$port" \
    --log "$logs/demo-requests.log" >"$logs/demo-server.log" 2>&1 &
pids+=($!)
srv_pid=$!

for ((i = 0; i < 300; i++)); do
    [[ -s $out/index.m3u8 ]] && grep -q listening "$logs/demo-server.log" && break
    for p in $src_pid $pkg_pid $srv_pid; do
        if ! kill -0 "$p" 2>/dev/null; then
            echo "demo.sh: a process exited early; logs:" >&2
            tail -n 20 "$logs"/demo-*.log >&2
            exit 1
        fi
    done
    sleep 0.1
done
[[ -s $out/index.m3u8 ]] || { echo "demo.sh: no playlist after 30 s; see $logs/demo-pkg.log" >&2; exit 1; }

base="http://127.0.0.1:$port"
cat <<EOF
spate demo channel is live (packager: $packager, 2 s segments, ${part_ms} ms LL-HLS parts)
  HLS / LL-HLS  $base/index.m3u8
  DASH          $base/manifest.mpd
  players       $base/_e2e/player.html?player=hls&ll=1&src=/index.m3u8
                $base/_e2e/player.html?player=dash&src=/manifest.mpd
                $base/_e2e/player.html?player=shaka&src=/manifest.mpd
  e.g.          ffplay $base/index.m3u8   |   curl -s $base/index.m3u8
$( ((duration > 0)) && echo "stops by itself after $duration s" || echo "Ctrl-C to stop")
EOF

# Wait for the source to end (--duration) or a signal; a packager or server
# that dies ends the demo.
while kill -0 "$src_pid" 2>/dev/null; do
    for p in $pkg_pid $srv_pid; do
        kill -0 "$p" 2>/dev/null || { echo "demo.sh: process $p exited; see $logs/demo-*.log" >&2; exit 1; }
    done
    sleep 0.5
done
# Source done: give the packager time to close the playlists.
for ((i = 0; i < 100; i++)); do kill -0 "$pkg_pid" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$pkg_pid" || rc=$?
if ((rc != 0)); then
    echo "demo.sh: packager exited $rc; see $logs/demo-pkg.log" >&2
    exit 1
fi
echo "demo.sh: source ended after $duration s; output complete (ENDLIST)"
