#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spate as an HTTP origin over its own TCP stack, serving a static
# directory from the cache (--static site=DIR), driven by real clients from
# inside the test's namespace:
#  - curl: GET (a 256 MB object's SHA-256 matches), HEAD (no body, right
#    Content-Length), Range 206 (a-b, -N, N-), 416, If-None-Match and
#    If-Modified-Since -> 304, OPTIONS (plain and CORS preflight), 404, 405;
#  - raw sockets (http_raw.py): 400, 414, 431, 505 and HEAD without body;
#  - Content-Type of m3u8/mpd/mp4/m4s/ts/vtt, Cache-Control of a segment
#    (immutable) vs a playlist; ffmpeg reads an HLS folder made by spate-pkg;
#  - 200 curl downloads of a 3 MB object, 50 at a time, all SHA-256 right;
#  - wrk, 10 s, 200 connections on a 2 KB object: no socket error, no
#    non-2xx;
#  - a connection pool of 2: the third connection gets 503, counted;
#  - the counters (telemetry while running, the exit table) and the
#    access log.
# Prints the 256 MB transfer rate and wrk's requests/s (numbers depend on
# the machine; nothing fails on speed).
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
PY=${PYTHON:-python3}
for t in curl "$PY" ffmpeg; do command -v "$t" >/dev/null || skip "no $t"; done
URL="http://$SPATE_IP/site"

# ---- the site ---------------------------------------------------------------
SITE="$WORK/site"
mkdir -p "$SITE/types"
log "making the site (256 MB random object, typed files, an HLS folder)"
head -c 268435456 /dev/urandom >"$SITE/big.bin"
head -c 3145728 /dev/urandom >"$SITE/mid.bin"
head -c 2048 /dev/urandom >"$SITE/small.bin"
for ext in m3u8 mpd mp4 m4s ts vtt key; do
	printf 'content of a .%s file\n' "$ext" >"$SITE/types/f.$ext"
done
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
	-i "testsrc2=size=320x180:rate=25[out0];sine=frequency=440:sample_rate=48000[out1]" \
	-t 6 -map 0:v -map 0:a -c:v libx264 -preset superfast -g 50 -keyint_min 50 \
	-sc_threshold 0 -pix_fmt yuv420p -b:v 200k -c:a aac -b:a 64k \
	-f mpegts "$WORK/src.ts" || fail "ffmpeg source"
if [ -x "${SPATE_PKG:-}" ]; then
	timeout 60 "$SPATE_PKG" --quiet --hls "$WORK/src.ts" "$SITE/hls" ||
		fail "spate-pkg"
else
	skip "spate-pkg not built (SPATE_PKG)"
fi

# A bigger memory/cache budget than the default profile: 256 MB + the rest.
sed 's/^memory_mb *=.*/memory_mb = 800/' "$PROFILE" >"$WORK/profile.conf"
PROFILE="$WORK/profile.conf"
cat >"$WORK/spate.conf" <<'EOF'
cache.budget_mb = 640
EOF

start_spate --config "$WORK/spate.conf" --static "site=$SITE" --access-log "$WORK/access.log"
grep -q "static channel site:" "$SPATE_LOG" || fail "site not loaded"

c() { in_ns curl -sS -m 20 "$@"; }
hdr() { # hdr NAME: the value of header NAME from curl -D output on stdin
	tr -d '\r' | awk -v k="$(echo "$1" | tr 'A-Z' 'a-z')" \
		'BEGIN{FS=": "} tolower($1)==k {print substr($0, length($1)+3); exit}'
}
status() { c -o /dev/null -w '%{http_code}' "$@"; }

# ---- GET of 256 MB ------------------------------------------------------------
log "GET 256 MB"
in_ns curl -sS -m 240 -o "$WORK/big.got" -w '%{speed_download} %{time_total}\n' \
	"$URL/big.bin" >"$WORK/big.speed" || fail "GET 256 MB"
[ "$(sha256sum <"$WORK/big.got" | cut -d' ' -f1)" = \
  "$(sha256sum <"$SITE/big.bin" | cut -d' ' -f1)" ] || fail "256 MB sha256 mismatch"
read -r bps secs <"$WORK/big.speed"
log "256 MB in ${secs}s: $(awk -v b="$bps" 'BEGIN{printf "%.2f Gbit/s", b*8/1e9}')"
rm -f "$WORK/big.got"

# ---- HEAD -----------------------------------------------------------------------
c -I "$URL/big.bin" >"$WORK/head.txt" || fail "HEAD"
grep -q '^HTTP/1.1 200' "$WORK/head.txt" || fail "HEAD status: $(head -1 "$WORK/head.txt")"
[ "$(hdr Content-Length <"$WORK/head.txt")" = 268435456 ] || fail "HEAD Content-Length"
printf 'HEAD /site/mid.bin HTTP/1.1\r\nHost: t\r\n\r\n' |
	in_ns timeout 20 "$PY" "$here/http_raw.py" raw "$SPATE_IP" --head >"$WORK/rawhead.txt" ||
	fail "raw HEAD"
grep -q '^Content-Length: 3145728' "$WORK/rawhead.txt" || fail "raw HEAD length"
grep -q '^extra-bytes: 0$' "$WORK/rawhead.txt" || fail "HEAD sent a body: $(cat "$WORK/rawhead.txt")"

# ---- Range ----------------------------------------------------------------------
range_check() { # range_check SPEC FIRST LAST
	local spec=$1 first=$2 last=$3
	c -D "$WORK/r.h" -o "$WORK/r.b" -H "Range: bytes=$spec" "$URL/mid.bin" || fail "Range $spec"
	grep -q '^HTTP/1.1 206' "$WORK/r.h" || fail "Range $spec: $(head -1 "$WORK/r.h")"
	[ "$(hdr Content-Range <"$WORK/r.h")" = "bytes $first-$last/3145728" ] ||
		fail "Range $spec: Content-Range $(hdr Content-Range <"$WORK/r.h")"
	cmp -s "$WORK/r.b" <(tail -c +$((first + 1)) "$SITE/mid.bin" | head -c $((last - first + 1))) ||
		fail "Range $spec: wrong bytes"
}
range_check 100-1099 100 1099
range_check -4096 $((3145728 - 4096)) 3145727
range_check 3000000- 3000000 3145727
c -D "$WORK/r.h" -o /dev/null -H 'Range: bytes=4000000-' "$URL/mid.bin"
grep -q '^HTTP/1.1 416' "$WORK/r.h" || fail "416: $(head -1 "$WORK/r.h")"
[ "$(hdr Content-Range <"$WORK/r.h")" = 'bytes */3145728' ] || fail "416 Content-Range"

# ---- conditionals -----------------------------------------------------------
c -D "$WORK/c.h" -o /dev/null "$URL/small.bin"
etag=$(hdr ETag <"$WORK/c.h")
lm=$(hdr Last-Modified <"$WORK/c.h")
[ -n "$etag" ] && [ -n "$lm" ] || fail "no ETag/Last-Modified"
[ "$(status -H "If-None-Match: $etag" "$URL/small.bin")" = 304 ] || fail "If-None-Match -> 304"
[ "$(status -H 'If-None-Match: "0000000000000000"' "$URL/small.bin")" = 200 ] ||
	fail "If-None-Match other tag -> 200"
[ "$(status -H "If-Modified-Since: $lm" "$URL/small.bin")" = 304 ] || fail "If-Modified-Since -> 304"
[ "$(status -H 'If-Modified-Since: Thu, 01 Jan 2004 00:00:00 GMT' "$URL/small.bin")" = 200 ] ||
	fail "If-Modified-Since old -> 200"

# ---- OPTIONS / CORS -----------------------------------------------------------
c -D "$WORK/o.h" -o /dev/null -X OPTIONS -H 'Origin: http://player.example' \
	-H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: range' \
	"$URL/small.bin"
grep -q '^HTTP/1.1 204' "$WORK/o.h" || fail "preflight: $(head -1 "$WORK/o.h")"
[ "$(hdr Access-Control-Allow-Origin <"$WORK/o.h")" = '*' ] || fail "preflight ACAO"
hdr Access-Control-Allow-Methods <"$WORK/o.h" | grep -q GET || fail "preflight ACAM"
c -D "$WORK/o.h" -o /dev/null -X OPTIONS "$URL/small.bin"
hdr Allow <"$WORK/o.h" | grep -q GET || fail "OPTIONS Allow"
c -D "$WORK/g.h" -o /dev/null -H 'Origin: http://player.example' "$URL/small.bin"
[ "$(hdr Access-Control-Allow-Origin <"$WORK/g.h")" = '*' ] || fail "GET ACAO"

# ---- errors -------------------------------------------------------------------------
[ "$(status "http://$SPATE_IP/")" = 404 ] || fail "/ -> 404"
[ "$(status "http://$SPATE_IP/nochannel/x")" = 404 ] || fail "unknown channel -> 404"
[ "$(status "$URL/missing.bin")" = 404 ] || fail "missing object -> 404"
[ "$(status -X POST -d x=1 "$URL/small.bin")" = 405 ] || fail "POST -> 405"
raw_status() { # raw_status EXPECTED (request bytes on stdin)
	in_ns timeout 20 "$PY" "$here/http_raw.py" raw "$SPATE_IP" >"$WORK/raw.txt" ||
		fail "raw request for $1: $(cat "$WORK/raw.txt")"
	head -1 "$WORK/raw.txt" | grep -q "^HTTP/1.1 $1 " ||
		fail "expected $1, got: $(head -1 "$WORK/raw.txt")"
}
printf 'GARBAGE\r\n\r\n' | raw_status 400
printf 'GET /site/small.bin HTTP/1.1\r\nHost t\r\n\r\n' | raw_status 400
{ printf 'GET /site/'; head -c 9000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\nHost: t\r\n\r\n'; } |
	raw_status 414
{ printf 'GET /site/small.bin HTTP/1.1\r\nHost: t\r\nX-Big: '; head -c 20000 /dev/zero | tr '\0' b; printf '\r\n\r\n'; } |
	raw_status 431
printf 'GET /site/small.bin HTTP/2.0\r\nHost: t\r\n\r\n' | raw_status 505
# Keep-alive and pipelining on one connection: two answers.
printf 'GET /site/types/f.vtt HTTP/1.1\r\nHost: t\r\n\r\nGET /site/types/f.key HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' |
	in_ns timeout 20 "$PY" "$here/http_raw.py" raw "$SPATE_IP" >"$WORK/pipe.txt"
grep -q '^extra-bytes: [1-9]' "$WORK/pipe.txt" || fail "pipelined second answer missing"

# ---- types and caching policy ------------------------------------------------
ctype() { c -D - -o /dev/null "$1" | hdr Content-Type; }
[ "$(ctype "$URL/types/f.m3u8")" = application/vnd.apple.mpegurl ] || fail "m3u8 type $(ctype "$URL/types/f.m3u8")"
[ "$(ctype "$URL/types/f.mpd")" = application/dash+xml ] || fail "mpd type $(ctype "$URL/types/f.mpd")"
[ "$(ctype "$URL/types/f.mp4")" = video/mp4 ] || fail "mp4 type $(ctype "$URL/types/f.mp4")"
[ "$(ctype "$URL/types/f.m4s")" = video/iso.segment ] || fail "m4s type $(ctype "$URL/types/f.m4s")"
[ "$(ctype "$URL/types/f.ts")" = video/mp2t ] || fail "ts type $(ctype "$URL/types/f.ts")"
seg=$(cd "$SITE/hls" && find . -name 'seg-*.m4s' | head -1 | sed 's|^\./||')
[ -n "$seg" ] || fail "spate-pkg wrote no segment"
cc_seg=$(c -D - -o /dev/null "$URL/hls/$seg" | hdr Cache-Control)
cc_pl=$(c -D - -o /dev/null "$URL/hls/index.m3u8" | hdr Cache-Control)
log "Cache-Control: segment '$cc_seg', playlist '$cc_pl'"
echo "$cc_seg" | grep -q immutable || fail "segment not immutable"
[ "$cc_seg" != "$cc_pl" ] || fail "segment and playlist share Cache-Control"
echo "$cc_pl" | grep -q immutable && fail "playlist immutable"
in_ns timeout 60 ffmpeg -nostdin -v error -i "$URL/hls/index.m3u8" -f null - 2>"$WORK/ff.txt" ||
	fail "ffmpeg reading HLS: $(head -5 "$WORK/ff.txt")"
[ -s "$WORK/ff.txt" ] && fail "ffmpeg errors: $(head -5 "$WORK/ff.txt")"

# ---- 200 concurrent downloads -----------------------------------------------
log "200 downloads of 3 MB, 50 at a time"
want=$(sha256sum <"$SITE/mid.bin" | cut -d' ' -f1)
t0=$(date +%s.%N)
seq 1 200 | in_ns timeout 180 xargs -P 50 -I{} sh -c \
	"curl -sS -m 120 '$URL/mid.bin?n={}' | sha256sum | cut -d' ' -f1" >"$WORK/many.txt" ||
	fail "parallel downloads did not all finish"
t1=$(date +%s.%N)
[ "$(grep -c "^$want\$" "$WORK/many.txt")" = 200 ] ||
	fail "parallel downloads: $(grep -c "^$want\$" "$WORK/many.txt")/200 correct"
log "200 x 3 MB in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s, all correct"

# ---- wrk ----------------------------------------------------------------------------
if command -v wrk >/dev/null; then
	log "wrk 10 s, 200 connections, 2 KB object"
	in_ns timeout 40 wrk -t 2 -c 200 -d 10s --timeout 5s "$URL/small.bin" >"$WORK/wrk.txt" 2>&1 ||
		fail "wrk: $(cat "$WORK/wrk.txt")"
	cat "$WORK/wrk.txt"
	grep -q 'Socket errors' "$WORK/wrk.txt" && fail "wrk socket errors"
	grep -q 'Non-2xx' "$WORK/wrk.txt" && fail "wrk non-2xx answers"
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.txt")
	[ -n "$rps" ] || fail "no wrk result"
	log "wrk: $rps requests/s"
else
	log "wrk not installed: skipped that part"
fi

# ---- telemetry, then the exit counters -------------------------------------
if command -v dpdk-telemetry.py >/dev/null; then
	echo /spate/stats | timeout 10 dpdk-telemetry.py -f "spate_$NS" >"$WORK/tel.txt" 2>&1
	grep -q '"http_status_206": [1-9]' "$WORK/tel.txt" || fail "telemetry: $(head -c 400 "$WORK/tel.txt")"
	grep -q '"cache_zc_bytes_attached": [1-9]' "$WORK/tel.txt" || fail "telemetry cache counters"
fi
stop_spate
for k in http_status_200 http_status_206 http_status_304 http_status_400 http_status_404 \
	http_status_405 http_status_414 http_status_416 http_status_431 http_status_505 \
	http_2xx http_4xx cache_hits cache_misses cache_zc_bytes_attached; do
	[ "$(exit_counter $k)" -gt 0 ] || fail "counter $k is 0"
done
# The only 5xx asked for is the 505.
[ "$(exit_counter http_5xx)" -eq 1 ] || fail "5xx answers: $(exit_counter http_5xx)"
[ "$(exit_counter cache_zc_bytes_attached)" -ge $((268435456 + 200 * 3145728)) ] ||
	fail "zero-copy bytes $(exit_counter cache_zc_bytes_attached)"
[ "$(exit_counter tcp_bad_cksum)" -eq 0 ] || fail "checksum errors"
grep -q '"GET /site/small.bin HTTP/1.1" 200 2048' "$WORK/access.log" ||
	fail "access log: $(head -3 "$WORK/access.log")"
grep -q '"POST /site/small.bin HTTP/1.1" 405' "$WORK/access.log" || fail "access log: no 405 line"

# ---- pool exhaustion: 2 contexts, a third connection gets 503 ---------------
log "connection pool of 2"
printf 'http.max_conns = 2\n' >"$WORK/small.conf"
mkdir -p "$WORK/tiny" && echo tiny >"$WORK/tiny/t.txt"
start_spate --config "$WORK/small.conf" --static "site=$WORK/tiny"
in_ns timeout 20 "$PY" "$here/http_raw.py" hold "$SPATE_IP" 2 6 >"$WORK/hold.txt" &
holder=$!
sleep 1.5
first=$(in_ns timeout 10 "$PY" "$here/http_raw.py" first "$SPATE_IP")
wait "$holder"
grep -q 'connected: 2' "$WORK/hold.txt" || fail "holder: $(cat "$WORK/hold.txt")"
echo "$first" | grep -q '^HTTP/1.1 503' || fail "full pool answered '$first', not 503"
[ "$(c -o /dev/null -w '%{http_code}' "$URL/t.txt")" = 200 ] || fail "pool did not recover"
stop_spate
[ "$(exit_counter origin_pool_exhausted)" -ge 1 ] || fail "pool exhaustion not counted"
log "PASS"
