#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Real-client RTMP interop: a real publisher pushes to rtmp_test_server
# (dataplane/rtmp over kernel sockets on 127.0.0.1), which writes what it
# received as FLV; ffprobe checks it.  An unknown stream key must be refused
# (NetStream.Publish.BadName: the client fails).
#
#   rtmp_interop.sh SERVER ffmpeg|gstreamer
#
# ffmpeg also plays against the server once: ffmpeg verifies the server's
# digest-handshake S1/S2 only when playing, so a "Method not supported"
# answer to play (after the handshake) proves our digests validate.
# Exit 77 = skipped (client not installed).
set -u
server=$1
client=$2
work=$(mktemp -d)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- server log"; cat "$work/server.err" 2>/dev/null
	exit 1
}

command -v ffprobe >/dev/null || { echo "no ffprobe"; exit 77; }
case $client in
ffmpeg)
	command -v ffmpeg >/dev/null || { echo "no ffmpeg"; exit 77; }
	conns=3 ;;
gstreamer)
	command -v gst-launch-1.0 >/dev/null || { echo "no gst-launch-1.0"; exit 77; }
	for e in rtmp2sink x264enc flvmux voaacenc h264parse aacparse; do
		gst-inspect-1.0 "$e" >/dev/null 2>&1 || { echo "no gst element $e"; exit 77; }
	done
	conns=2 ;;
*) echo "unknown client $client"; exit 2 ;;
esac

"$server" --port-file "$work/port" --out "$work/out.flv" --app live \
	--key testkey --conns "$conns" --timeout-s 50 \
	>"$work/server.out" 2>"$work/server.err" &
srv_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "server did not start"
port=$(cat "$work/port")
url=rtmp://127.0.0.1:$port/live

publish() { # key
	case $client in
	ffmpeg)
		timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -re \
			-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine \
			-t 5 -c:v libx264 -c:a aac -f flv "$url/$1" ;;
	gstreamer)
		timeout 30 gst-launch-1.0 -q -e \
			videotestsrc num-buffers=125 is-live=true ! \
			video/x-raw,width=320,height=240,framerate=25/1 ! \
			x264enc tune=zerolatency key-int-max=50 ! h264parse ! \
			flvmux name=m streamable=true ! rtmp2sink location="$url/$1" \
			audiotestsrc num-buffers=235 is-live=true ! voaacenc ! \
			aacparse ! m. ;;
	esac
}

# 1. unknown key: refused, the client must fail
if publish wrongkey >"$work/bad.log" 2>&1; then
	fail "publish with an unknown key succeeded"
fi
echo "unknown key refused: $(grep -m1 -iE 'error|BadName|not accepted' "$work/bad.log")"

# 2. the real publish
publish testkey >"$work/good.log" 2>&1 || { cat "$work/good.log"; fail "publish failed"; }

# 3. ffmpeg only: play, to have ffmpeg verify our digest handshake
if [ "$client" = ffmpeg ]; then
	timeout 15 ffmpeg -nostdin -hide_banner -loglevel verbose \
		-i "$url/testkey" -t 1 -f null - >"$work/play.log" 2>&1
	grep -qE 'Server response validating failed|Signature mismatch' \
		"$work/play.log" && fail "ffmpeg rejected our handshake digests"
	grep -q 'Method not supported' "$work/play.log" ||
		{ cat "$work/play.log"; fail "play did not get past the handshake"; }
	echo "ffmpeg validated the server's S1/S2 digests"
fi

wait "$srv_pid" || fail "server exited with $?"
srv_pid=
cat "$work/server.out"
grep -q '^publishes=1$' "$work/server.out" || fail "publishes != 1"
grep -q '^bad_names=1$' "$work/server.out" || fail "bad_names != 1"
grep -E '^protocol_error_.*=[1-9]' "$work/server.out" && fail "protocol errors"

frames=$(ffprobe -v error -select_streams v:0 -count_frames \
	-show_entries stream=nb_read_frames -of csv=p=0 "$work/out.flv")
acodec=$(ffprobe -v error -select_streams a:0 \
	-show_entries stream=codec_name -of csv=p=0 "$work/out.flv")
afr=$(ffprobe -v error -select_streams a:0 -count_frames \
	-show_entries stream=nb_read_frames -of csv=p=0 "$work/out.flv")
echo "video frames: $frames, audio: $acodec ($afr frames)"
[ -n "$frames" ] && [ "$frames" -ge 120 ] && [ "$frames" -le 130 ] ||
	fail "expected ~125 video frames, got '$frames'"
[ "$acodec" = aac ] || fail "no AAC audio"
[ -n "$afr" ] && [ "$afr" -ge 100 ] || fail "too few audio frames: $afr"
echo PASS
