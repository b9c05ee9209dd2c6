#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Packaging throughput, side by side in one run: spate-pkg vs
# `ffmpeg -c copy -f hls -hls_segment_type fmp4` on the same input file
# (page-cached), both single-threaded, both writing to the same tmpfs.
#
# Reports input Mbit/s per CPU-second (user+sys), peak RSS, and the ratio.
# Memory per rendition: peak RSS packaging a 1-rendition input vs a
# 3-rendition ladder of the same rendition, (RSS3 - RSS1) / 2.
#
# usage: bench/pkg_throughput.sh [--smoke] [BUILD_DIR]
#   --smoke   short input, one repetition (CI keeps the bench working)
# Writes bench/results/pkg_throughput.csv and prints a table.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
build=${1:-$root/build}
pkg=$build/pkg/tools/spate-pkg
[ -x "$pkg" ] || { echo "bench: $pkg not built" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench: GNU time missing (apt-get install time)" >&2; exit 1; }

results=$root/bench/results
mkdir -p "$results"
work=$(mktemp -d /dev/shm/spate-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ $smoke = 1 ]; then secs=10; reps=1; else secs=120; reps=3; fi

# Inputs: 1080p-sized H.264 at a high bitrate (ultrafast, so encoding it
# stays quick on 2 cores) + AAC; and a 3-rendition ladder of the same.
# The packagers do not decode, so picture content does not matter, only
# bytes and packet counts.
in1=$work/one.ts
in3=$work/ladder.ts
enc=(-c:v libx264 -preset ultrafast -tune zerolatency -b:v 8M -maxrate 8M
     -bufsize 8M -g 50 -keyint_min 50 -sc_threshold 0)
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
	-map 0:v -map 1:a "${enc[@]}" -c:a aac -b:a 128k -f mpegts "$in1"
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
	-map 0:v -map 0:v -map 0:v -map 1:a "${enc[@]}" -c:a aac -b:a 128k \
	-f mpegts "$in3"

# measure CMD... -> prints "cpu_s max_rss_kb"
measure() {
	local out=$work/time.txt
	/usr/bin/time -f "%U %S %M" -o "$out" "$@" >"$work/stdout.txt" 2>"$work/err.txt" || {
		echo "bench: command failed: $*" >&2; cat "$work/err.txt" >&2; exit 1; }
	awk '{printf "%.3f %d\n", $1 + $2, $3}' "$out"
}

# spate-pkg also reports its resident memory at the end of the input
# (steady state: buffers of the last segments still allocated).
run_spate() {
	rm -rf "$work/out"
	local m
	m=$(measure taskset -c 0 "$pkg" --quiet --stats --epoch-ms 0 "$1" "$work/out")
	echo "$m $(sed -n 's/.*rss_kb=\([0-9]*\).*/\1/p' "$work/stdout.txt")"
}

run_ffmpeg() {
	rm -rf "$work/out"; mkdir -p "$work/out"
	local nvideo vmap=()
	nvideo=$(ffprobe -v error -select_streams v -show_entries stream=index \
		-of csv=p=0 "$1" | sort -u | grep -c .)
	# One variant per video stream plus the audio group, as spate-pkg
	# makes: separate CMAF tracks, one playlist each.
	for ((i = 0; i < nvideo; i++)); do vmap+=("v:$i,agroup:aud"); done
	vmap+=("a:0,agroup:aud")
	measure taskset -c 0 ffmpeg -v error -threads 1 -i "$1" -map 0:v -map 0:a \
		-c copy -bsf:a aac_adtstoasc -f hls -hls_segment_type fmp4 -hls_time 2 -hls_list_size 0 \
		-var_stream_map "${vmap[*]}" -master_pl_name index.m3u8 \
		-hls_segment_filename "$work/out/%v/seg-%d.m4s" "$work/out/%v/index.m3u8"
}

best() { # best (lowest cpu) of N runs of $1 on $2: "cpu max_rss [steady_rss]"
	local best="" cpu line
	for ((r = 0; r < reps; r++)); do
		line=$("$1" "$2")
		cpu=${line%% *}
		if [ -z "$best" ] || awk -v a="$cpu" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
			best=$line
		fi
	done
	echo "$best"
}

bytes1=$(stat -c %s "$in1")
bytes3=$(stat -c %s "$in3")
read -r s1cpu s1rss s1steady < <(best run_spate "$in1")
read -r f1cpu f1rss < <(best run_ffmpeg "$in1")
read -r s3cpu s3rss s3steady < <(best run_spate "$in3")
read -r f3cpu f3rss < <(best run_ffmpeg "$in3")

mbps() { awk -v b="$1" -v c="$2" 'BEGIN{ if (c < 0.001) c = 0.001; printf "%.0f", b * 8 / 1e6 / c }'; }
s1=$(mbps "$bytes1" "$s1cpu"); f1=$(mbps "$bytes1" "$f1cpu")
s3=$(mbps "$bytes3" "$s3cpu"); f3=$(mbps "$bytes3" "$f3cpu")
ratio1=$(awk -v a="$s1" -v b="$f1" 'BEGIN{printf "%.2f", a / b}')
ratio3=$(awk -v a="$s3" -v b="$f3" 'BEGIN{printf "%.2f", a / b}')
per_rend_kb=$(( (s3rss - s1rss) / 2 ))
per_rend_steady_kb=$(( (s3steady - s1steady) / 2 ))
# What one rendition must hold anyway: its open segment (8 Mbit/s x 2 s).
seg_kb=$(( 8000 * 2 / 8 ))

csv=$results/pkg_throughput.csv
{
	echo "input,input_bytes,packager,cpu_s,input_mbit_per_cpu_s,max_rss_kb,steady_rss_kb"
	echo "1x720p+aac,$bytes1,spate-pkg,$s1cpu,$s1,$s1rss,$s1steady"
	echo "1x720p+aac,$bytes1,ffmpeg-hls-fmp4,$f1cpu,$f1,$f1rss,"
	echo "3x720p+aac,$bytes3,spate-pkg,$s3cpu,$s3,$s3rss,$s3steady"
	echo "3x720p+aac,$bytes3,ffmpeg-hls-fmp4,$f3cpu,$f3,$f3rss,"
} >"$csv"

printf '\npackaging throughput: %ss of input, best of %d, pinned to cpu 0, output on tmpfs\n' "$secs" "$reps"
printf '%-12s %-16s %10s %16s %12s\n' input packager cpu_s "Mbit/s per core" max_rss_kb
printf '%-12s %-16s %10s %16s %12s\n' 1x720p spate-pkg "$s1cpu" "$s1" "$s1rss"
printf '%-12s %-16s %10s %16s %12s\n' 1x720p ffmpeg "$f1cpu" "$f1" "$f1rss"
printf '%-12s %-16s %10s %16s %12s\n' 3x720p spate-pkg "$s3cpu" "$s3" "$s3rss"
printf '%-12s %-16s %10s %16s %12s\n' 3x720p ffmpeg "$f3cpu" "$f3" "$f3rss"
printf 'ratio spate/ffmpeg: %sx (1 rendition), %sx (ladder); target >= 2x\n' "$ratio1" "$ratio3"
printf 'spate-pkg memory per extra rendition: peak %d KB, steady %d KB (libavformat inputs add its probe decoding to the peak)\n' \
	"$per_rend_kb" "$per_rend_steady_kb"
printf '  of which the open segment payload: ~%d KB; besides it: %d KB (target <= 2048 KB)\n' \
	"$seg_kb" $(( per_rend_steady_kb - seg_kb ))
gbps=$(awk -v m="$s3" 'BEGIN{printf "%.2f", m / 1000}')
printf 'spate-pkg input per core: %s Gbit/s (target >= 2)\n' "$gbps"
awk -v r="$ratio3" -v g="$gbps" -v m=$(( per_rend_steady_kb - seg_kb )) 'BEGIN{
	if (r < 2) printf "SHORTFALL: ratio %.2fx < 2x\n", r;
	if (g < 2) printf "SHORTFALL: %.2f Gbit/s < 2 Gbit/s per core\n", g;
	if (m > 2048) printf "SHORTFALL: %d KB per rendition besides payload > 2048 KB\n", m }'
echo "csv: $csv"
