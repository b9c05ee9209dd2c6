#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# RTMP publishing into spate over its own TCP stack: `spate --rtmp-key
# secret=live` in its own namespace, and from inside that namespace
#  - an unknown key (rtmp://198.18.0.2/live/nope) makes ffmpeg fail
#    (NetStream.Publish.BadName); a client sending HTTP to 1935 is
#    dropped with a logged protocol error;
#  - ffmpeg -re publishes 12 s of H.264/AAC (testsrc2 + sine, GOP 2 s);
#    while it runs, a second publisher on the same key is refused (one
#    publisher per channel) and ffmpeg decodes 4 s of
#    http://198.18.0.2/live/index.m3u8 without error;
#  - after the publisher ends the media playlist has ENDLIST, and ffprobe
#    counts ~300 video frames (+-1 segment) in rendition v0 (init and
#    segments fetched with curl);
#  - if GStreamer's rtmp2sink is installed, a second publish with it
#    starts a new packager run on the same channel, which ends too;
#  - back-pressure: with a 1 MB ring, a publisher sending a 30 s FLV as
#    fast as it can gets its TCP window held (counted), no byte is lost
#    (ring bytes == source file size) and all 750 frames are packaged.
# Counters checked on exit: publishes, bad names, busy refusals, bytes.
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
for t in curl ffmpeg ffprobe; do command -v "$t" >/dev/null || skip "no $t"; done

PUB_PID=
cleanup_rtmp() {
	local rc=$?
	if [ -n "$PUB_PID" ]; then
		kill "$PUB_PID" 2>/dev/null
		wait "$PUB_PID" 2>/dev/null
	fi
	(exit $rc)
	cleanup
}
trap cleanup_rtmp EXIT

URL=rtmp://$SPATE_IP/live

# publish_ffmpeg KEY SECONDS: ffmpeg -re -> RTMP, bounded.
publish_ffmpeg() {
	in_ns timeout -k 5 $(($2 + 40)) ffmpeg -nostdin -hide_banner -loglevel error -re \
		-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine -t "$2" \
		-c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 \
		-pix_fmt yuv420p -c:a aac -f flv "$URL/$1"
}

playlist() { in_ns curl -sS -m 5 "http://$SPATE_IP/live/$1" 2>/dev/null; }

# wait_segments N: until v0's playlist lists N segments (40 s).
wait_segments() {
	local n
	for _ in $(seq 1 80); do
		n=$(playlist v0/index.m3u8 | grep -c '^seg-.*\.m4s$')
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.5
	done
	fail "live/v0/index.m3u8 lists ${n:-0} segments after 40 s, want $1"
}

# wait_endlist: until v0's playlist has ENDLIST (20 s).
wait_endlist() {
	for _ in $(seq 1 40); do
		playlist v0/index.m3u8 >"$WORK/v0.m3u8"
		grep -q '^#EXT-X-ENDLIST' "$WORK/v0.m3u8" && return 0
		sleep 0.5
	done
	fail "no ENDLIST 20 s after the publisher ended: $(tail -5 "$WORK/v0.m3u8")"
}

# count_frames: fetch v0's init + segments, ffprobe counts video frames.
count_frames() {
	local init seg
	init=$(sed -n 's/^#EXT-X-MAP:URI="\([^"]*\)".*/\1/p' "$WORK/v0.m3u8" | head -1)
	[ -n "$init" ] || fail "no EXT-X-MAP in v0: $(head -10 "$WORK/v0.m3u8")"
	in_ns curl -sS -m 10 -o "$WORK/v0.mp4" "http://$SPATE_IP/live/v0/$init" || fail "init $init"
	for seg in $(grep '^seg-.*\.m4s$' "$WORK/v0.m3u8"); do
		in_ns curl -sS -m 10 "http://$SPATE_IP/live/v0/$seg" >>"$WORK/v0.mp4" || fail "segment $seg"
	done
	ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
		-of csv=p=0 "$WORK/v0.mp4" | head -1 | tr -dc '0-9'
}

start_spate --rtmp-key secret=live --segment-ms 2000

log "unknown key is refused"
if publish_ffmpeg nope 3 >"$WORK/bad.log" 2>&1; then
	fail "publishing with an unknown key succeeded"
fi
log "  ffmpeg: $(head -1 "$WORK/bad.log")"

log "a client speaking HTTP to port 1935 is dropped (protocol error)"
in_ns timeout 10 bash -c "exec 3<>/dev/tcp/$SPATE_IP/1935 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && cat <&3 >/dev/null" 2>/dev/null
grep -q 'rtmp .*closed: protocol error' "$SPATE_LOG" || fail "garbage on 1935 not logged as a protocol error"

log "ffmpeg publishes 12 s to $URL/secret"
publish_ffmpeg secret 12 >"$WORK/pub.log" 2>&1 &
PUB_PID=$!
wait_segments 1

log "a second publisher on the same key is refused"
if publish_ffmpeg secret 3 >"$WORK/busy.log" 2>&1; then
	fail "a second publisher on a busy channel succeeded"
fi

log "ffmpeg reads 4 s of the live stream"
in_ns timeout 60 ffmpeg -nostdin -v error -i "http://$SPATE_IP/live/index.m3u8" -t 4 -f null - \
	2>"$WORK/ffread.txt" || fail "ffmpeg: $(head -5 "$WORK/ffread.txt")"
[ -s "$WORK/ffread.txt" ] && fail "ffmpeg errors: $(head -5 "$WORK/ffread.txt")"
kill -0 "$PUB_PID" 2>/dev/null || fail "the publisher ended before the live read finished"

wait "$PUB_PID"
rc=$?
PUB_PID=
[ "$rc" = 0 ] || fail "publisher exited $rc: $(head -5 "$WORK/pub.log")"
wait_endlist
frames=$(count_frames)
log "ENDLIST; v0 has ${frames:-0} video frames (want ~300)"
[ "${frames:-0}" -ge 250 ] && [ "${frames:-0}" -le 350 ] ||
	fail "v0 has ${frames:-0} frames, want 300 +- 50"

if command -v gst-launch-1.0 >/dev/null &&
	gst-inspect-1.0 rtmp2sink >/dev/null 2>&1 &&
	gst-inspect-1.0 x264enc >/dev/null 2>&1 &&
	gst-inspect-1.0 voaacenc >/dev/null 2>&1; then
	log "GStreamer rtmp2sink publishes 5 s (a new packager run)"
	in_ns timeout -k 5 40 gst-launch-1.0 -q -e \
		videotestsrc num-buffers=125 is-live=true ! \
		video/x-raw,width=320,height=240,framerate=25/1 ! \
		x264enc tune=zerolatency key-int-max=50 ! h264parse ! \
		flvmux name=m streamable=true ! rtmp2sink location="$URL/secret" \
		audiotestsrc num-buffers=235 is-live=true ! voaacenc ! \
		aacparse ! m. >"$WORK/gst.log" 2>&1 || fail "gst-launch: $(tail -5 "$WORK/gst.log")"
	for _ in $(seq 1 40); do
		[ "$(grep -c 'rtmp channel live: publish ended' "$SPATE_LOG")" -ge 2 ] && break
		sleep 0.5
	done
	[ "$(grep -c 'rtmp channel live: publish ended' "$SPATE_LOG")" -ge 2 ] ||
		fail "the rtmp2sink publish did not end a second packager run"
	wait_endlist
	frames=$(count_frames)
	log "  ENDLIST; v0 now lists ${frames:-0} video frames"
	[ "${frames:-0}" -ge 75 ] || fail "rtmp2sink run: ${frames:-0} frames"
else
	log "GStreamer rtmp2sink/x264enc/voaacenc not installed: second publisher skipped"
fi

stop_spate
grep -q 'rtmp channel live: publish ended' "$SPATE_LOG" || fail "packager run did not end cleanly"
log "counters: publishes=$(exit_counter rtmp_publishes) bad_names=$(exit_counter rtmp_bad_names)" \
	"busy=$(exit_counter rtmp_ingest_channel_busy) bytes=$(exit_counter rtmp_ingest_bytes_ingested)" \
	"backpressure=$(exit_counter rtmp_ingest_backpressure_events)" \
	"protocol_errors=$(exit_counter rtmp_protocol_errors)"
[ "$(exit_counter rtmp_publishes)" -ge 1 ] || fail "no publish counted"
[ "$(exit_counter rtmp_bad_names)" -ge 1 ] || fail "bad name not counted"
[ "$(exit_counter rtmp_ingest_channel_busy)" -ge 1 ] || fail "busy refusal not counted"
[ "$(exit_counter rtmp_ingest_bytes_ingested)" -gt 100000 ] || fail "too few bytes ingested"
[ "$(exit_counter rtmp_protocol_errors)" -ge 1 ] || fail "protocol error not counted"
[ "$(exit_counter rtmp_ingest_ring_overflow)" -eq 0 ] || fail "ring overflow"

# ---- back-pressure ---------------------------------------------------------------
# A small ring (1 MB of 4 KB chunks, 64 KB TCP window), a packager slowed
# down by the rtmp.test_read_delay_us test hook (1 ms per 4 KB chunk, ~4
# MB/s) and a publisher that sends a pre-encoded 30 s FLV (11 MB) as fast
# as TCP allows (-c copy, no -re): the ring fills faster than the packager
# drains it, the publisher's window is held instead of media being
# dropped, and every byte arrives.
log "back-pressure: 30 s of FLV published without -re into a 1 MB ring"
timeout 120 ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=640x360:rate=25 \
	-f lavfi -i sine -t 30 -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 \
	-sc_threshold 0 -b:v 3M -pix_fmt yuv420p -c:a aac -f flv "$WORK/src.flv" ||
	fail "encoding the back-pressure source"
cat >"$WORK/bp.conf" <<CONF
tcp.rcv_wnd_bytes = 65536
rtmp.key = bp=live
rtmp.ring_kb = 1024
rtmp.chunk_kb = 4
rtmp.max_message_kb = 256
rtmp.test_read_delay_us = 1000
CONF
start_spate --config "$WORK/bp.conf" --segment-ms 2000
in_ns timeout -k 5 60 ffmpeg -nostdin -v error -i "$WORK/src.flv" -c copy -f flv "$URL/bp" \
	>"$WORK/bp.log" 2>&1 || fail "fast publisher: $(head -5 "$WORK/bp.log")"
wait_endlist
frames=$(count_frames)
stop_spate
src_bytes=$(stat -c %s "$WORK/src.flv")
log "  v0 has ${frames:-0} frames (want 750); FLV bytes into the ring" \
	"$(exit_counter rtmp_ingest_bytes_ingested) (source file $src_bytes);" \
	"back-pressure events $(exit_counter rtmp_ingest_backpressure_events)," \
	"bytes held $(exit_counter rtmp_ingest_backpressure_bytes)"
[ "${frames:-0}" -ge 700 ] && [ "${frames:-0}" -le 800 ] || fail "v0 has ${frames:-0} frames, want 750 +- 50"
# The worker rebuilds the publisher's FLV byte for byte: nothing dropped.
[ "$(exit_counter rtmp_ingest_bytes_ingested)" = "$src_bytes" ] ||
	fail "ring got $(exit_counter rtmp_ingest_bytes_ingested) bytes, source has $src_bytes"
[ "$(exit_counter rtmp_ingest_ring_overflow)" -eq 0 ] || fail "ring overflow"
[ "$(exit_counter rtmp_ingest_backpressure_events)" -ge 1 ] || fail "no back-pressure"
log "PASS"
