#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A live channel end to end through spate: ffmpeg -re (test pattern + tone,
# H.264/AAC in MPEG-TS) writes into a FIFO, `spate --channel live=FIFO`
# packages it on its packager thread into the cache, and from inside the
# test's namespace
#  - the live playlist grows while the source runs (Cache-Control short);
#  - ffmpeg decodes 4 s of http://198.18.0.2/live/index.m3u8 without error;
#  - headless Chromium plays it with hls.js (tests/e2e/lib/play.mjs), the
#    player page and hls.js served by spate itself from a second, static
#    channel (/_e2e/...), so page and stream share an origin: currentTime
#    advances >= 5 s with no player error;
#  - then LL-HLS (--part-ms 500): a blocking playlist request
#    (_HLS_msn/_HLS_part of the next part) is held until that part is
#    published and then answered with a playlist that lists it, and hls.js
#    in low-latency mode plays.
# spate's worker backs off when idle, which leaves Chromium a core.
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
for t in curl ffmpeg node; do command -v "$t" >/dev/null || skip "no $t"; done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no $CHROMIUM"
E2E_DIR=$(readlink -f "$here/..")
NODE_MODULES=${E2E_NODE_MODULES:-$E2E_DIR/node_modules}
[ -f "$NODE_MODULES/hls.js/dist/hls.min.js" ] || skip "no hls.js (npm ci in tests/e2e)"
[ -d "$NODE_MODULES/playwright-core" ] || skip "no playwright-core (npm ci in tests/e2e)"

FF_PID=
stop_source() {
	if [ -n "$FF_PID" ]; then
		kill "$FF_PID" 2>/dev/null
		wait "$FF_PID" 2>/dev/null
	fi
	FF_PID=
}
cleanup_live() {
	local rc=$?
	stop_source
	(exit $rc)
	cleanup
}
trap cleanup_live EXIT

# The player page and its library, served by spate as channel "_e2e".
mkdir -p "$WORK/page/lib"
cp "$E2E_DIR/lib/player.html" "$WORK/page/player.html"
cp "$NODE_MODULES/hls.js/dist/hls.min.js" "$WORK/page/lib/hls.js"

# start_source SECONDS: ffmpeg -re into a fresh FIFO.
start_source() {
	rm -f "$WORK/in.fifo"
	mkfifo "$WORK/in.fifo"
	timeout $(($1 + 30)) ffmpeg -nostdin -hide_banner -loglevel error -y -re -f lavfi \
		-i "testsrc2=size=640x360:rate=25[out0];sine=frequency=440:sample_rate=48000[out1]" \
		-t "$1" -map 0:v -map 0:a -c:v libx264 -preset superfast -tune zerolatency \
		-g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -b:v 600k \
		-c:a aac -b:a 64k -ac 2 -f mpegts "$WORK/in.fifo" 2>"$WORK/ffmpeg.log" &
	FF_PID=$!
}

# wait_segments PLAYLIST N: until the live playlist lists N segments (30 s).
wait_segments() {
	local n
	for _ in $(seq 1 60); do
		n=$(in_ns curl -sS -m 5 "http://$SPATE_IP/live/$1" 2>/dev/null | grep -c '^seg-.*\.m4s$')
		[ "${n:-0}" -ge "$2" ] && return 0
		sleep 0.5
	done
	fail "live/$1 lists ${n:-0} segments after 30 s, want $2"
}

play() { # play ARGS...: play.mjs in the namespace, bounded
	in_ns timeout -k 5 120 node "$E2E_DIR/lib/play.mjs" --chromium "$CHROMIUM" \
		--server "http://$SPATE_IP" "$@" >"$WORK/play.log" 2>&1
	local rc=$?
	cat "$WORK/play.log"
	return $rc
}

# ---- normal HLS -----------------------------------------------------------------
start_source 90
start_spate --channel "live=$WORK/in.fifo" --static "_e2e=$WORK/page" --segment-ms 1000
log "waiting for the live playlist"
wait_segments v0/index.m3u8 3
in_ns curl -sS -m 5 "http://$SPATE_IP/live/index.m3u8" >"$WORK/master.m3u8" || fail "multivariant"
grep -q '^#EXT-X-STREAM-INF' "$WORK/master.m3u8" || fail "not a multivariant playlist: $(cat "$WORK/master.m3u8")"
cc=$(in_ns curl -sS -m 5 -D - -o /dev/null "http://$SPATE_IP/live/v0/index.m3u8" | tr -d '\r' |
	awk -F': ' 'tolower($1)=="cache-control" {print $2}')
log "live playlist Cache-Control: $cc"
case $cc in *immutable* | *3600*) fail "live playlist cached like a VOD one: $cc" ;; esac
n1=$(in_ns curl -sS -m 5 "http://$SPATE_IP/live/v0/index.m3u8" | grep -c '^seg-')
seq1=$(in_ns curl -sS -m 5 "http://$SPATE_IP/live/v0/index.m3u8" | grep -o 'SEQUENCE:[0-9]*')
sleep 2.5
n2=$(in_ns curl -sS -m 5 "http://$SPATE_IP/live/v0/index.m3u8" | grep -c '^seg-')
seq2=$(in_ns curl -sS -m 5 "http://$SPATE_IP/live/v0/index.m3u8" | grep -o 'SEQUENCE:[0-9]*')
[ "$n2$seq2" != "$n1$seq1" ] || fail "live playlist did not move in 2.5 s ($n1 segments, $seq1)"

log "ffmpeg reads 4 s of the live stream"
in_ns timeout 60 ffmpeg -nostdin -v error -i "http://$SPATE_IP/live/index.m3u8" -t 4 -f null - \
	2>"$WORK/ffread.txt" || fail "ffmpeg: $(head -5 "$WORK/ffread.txt")"
[ -s "$WORK/ffread.txt" ] && fail "ffmpeg errors: $(head -5 "$WORK/ffread.txt")"

log "hls.js in headless Chromium"
play --player hls --url "http://$SPATE_IP/live/index.m3u8" --min-advance 5 --timeout 60 ||
	fail "hls.js did not play the live channel"
kill -0 "$FF_PID" 2>/dev/null || fail "the source ended before playback finished (too slow?)"
stop_spate
stop_source
grep -q "channel live: input ended" "$SPATE_LOG" || fail "packager thread did not end cleanly"
[ "$(exit_counter http_5xx)" -eq 0 ] || fail "5xx answers: $(exit_counter http_5xx)"
[ "$(exit_counter cache_zc_bytes_attached)" -gt 0 ] || fail "nothing sent by reference"

# ---- LL-HLS ---------------------------------------------------------------------
log "LL-HLS: --part-ms 500"
start_source 90
start_spate --channel "live=$WORK/in.fifo" --static "_e2e=$WORK/page" --segment-ms 1000 --part-ms 500
wait_segments v0/index.m3u8 2
in_ns curl -sS -m 5 "http://$SPATE_IP/live/v0/index.m3u8" >"$WORK/ll.m3u8"
grep -q 'CAN-BLOCK-RELOAD=YES' "$WORK/ll.m3u8" || fail "no CAN-BLOCK-RELOAD: $(head -20 "$WORK/ll.m3u8")"
hint=$(grep -o 'PRELOAD-HINT:TYPE=PART,URI="seg-[0-9]*\.[0-9]*\.m4s"' "$WORK/ll.m3u8" |
	sed 's/.*seg-\([0-9]*\)\.\([0-9]*\)\.m4s"/\1 \2/')
if [ -z "$hint" ]; then
	# Right after a segment closed there may be no hint yet: the next
	# segment's first part is the next thing to be published.
	last=$(sed -n 's/^seg-\([0-9]*\)\.m4s$/\1/p' "$WORK/ll.m3u8" | tail -1)
	[ -n "$last" ] || fail "no segment and no preload hint: $(tail -5 "$WORK/ll.m3u8")"
	hint="$((last + 1)) 0"
fi
read -r msn part <<<"$hint"
# The next part does not exist yet: the request must wait for it, then get
# a playlist listing it.  Bounded: it must come back within 5 s.
t0=$(date +%s%N)
in_ns curl -sS -m 10 "http://$SPATE_IP/live/v0/index.m3u8?_HLS_msn=$msn&_HLS_part=$part" \
	-D "$WORK/block.h" -o "$WORK/block.m3u8" || fail "blocking request"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
log "blocking reload for seg-$msn.$part answered in $ms ms"
head -1 "$WORK/block.h" | grep -q ' 200' || fail "blocking request: $(head -1 "$WORK/block.h")"
grep -q "URI=\"seg-$msn\.$part\.m4s\"" "$WORK/block.m3u8" ||
	grep -q "^seg-$msn\.m4s\$" "$WORK/block.m3u8" || fail "blocked answer does not list seg-$msn.$part"
[ "$ms" -lt 5000 ] || fail "blocking request took $ms ms"
[ "$(in_ns curl -sS -m 5 -o /dev/null -w '%{http_code}' \
	"http://$SPATE_IP/live/v0/index.m3u8?_HLS_part=1")" = 400 ] || fail "_HLS_part without _HLS_msn -> 400"

log "hls.js low-latency mode"
play --player hls --low-latency --url "http://$SPATE_IP/live/index.m3u8" --min-advance 5 --timeout 60 ||
	fail "hls.js (LL) did not play"
stop_spate
stop_source
[ "$(exit_counter origin_ll_parked)" -ge 1 ] || fail "no request was parked"
[ "$(exit_counter http_status_503)" -eq 0 ] || fail "hold timeouts: $(exit_counter http_status_503)"
log "PASS"
