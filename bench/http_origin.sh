#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTP origin, side by side in one run, inside one network namespace that
# this script creates and deletes:
#   spate  — DPDK tap profile, one worker lcore (cpu 1), serving a --static
#            directory from its hugepage cache, zero-copy;
#   nginx  — 1 worker pinned to cpu 1, sendfile on, keep-alive, access log
#            off, same files, listening on the tap's kernel side.
# wrk runs in the namespace pinned to cpu 0 (the client gets its own core).
#
# Rows: small object (2 KB, playlist-sized) requests/s, and a 2 MB segment
# in Gbit/s, each for both servers, with the ratio spate/nginx.
#
# usage: bench/http_origin.sh [--smoke] [BUILD_DIR]
#   --smoke   3 s runs (CI keeps the bench working); default 15 s
# Writes bench/results/http_origin.csv.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
build=${1:-$root/build}
spate=$build/dataplane/app/spate
[ -x "$spate" ] || { echo "bench: $spate not built" >&2; exit 1; }
for t in wrk nginx ip; do
	command -v $t >/dev/null || { echo "bench: $t missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
secs=15; conns=100
[ $smoke = 1 ] && secs=3

ns=spate-bench-$$
work=$(mktemp -d /tmp/spate-bench-http.XXXXXX)
results=$root/bench/results
mkdir -p "$results"
spate_pid="" nginx_pid=""

cleanup() {
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
	[ -n "$spate_pid" ] && kill -INT "$spate_pid" 2>/dev/null && wait "$spate_pid" 2>/dev/null || true
	# spate removes the namespace it created; make sure it is gone.
	ip netns list | grep -qw "$ns" && ip netns delete "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# Same files for both servers.
site=$work/site
mkdir -p "$site"
head -c 2048 /dev/urandom | base64 -w 64 | head -c 2048 >"$site/small.m3u8"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$site/segment.m4s"

"$spate" --profile "$root/dpdk-config/tap.conf" --netns "$ns" \
	--static "site=$site" >"$work/spate.log" 2>&1 &
spate_pid=$!
for _ in $(seq 1 100); do
	ip netns exec "$ns" curl -sf -o /dev/null -m 1 http://198.18.0.2/site/small.m3u8 2>/dev/null && break
	kill -0 "$spate_pid" 2>/dev/null || { cat "$work/spate.log" >&2; exit 1; }
	sleep 0.2
done

cat >"$work/nginx.conf" <<EOF
daemon off;
user root;
worker_processes 1;
worker_cpu_affinity 10;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; }
	server {
		listen 198.18.0.1:8080 reuseport;
		location /site/ { alias $site/; }
	}
}
EOF
ip netns exec "$ns" nginx -c "$work/nginx.conf" &
nginx_pid=$!
for _ in $(seq 1 50); do
	ip netns exec "$ns" curl -sf -o /dev/null -m 1 http://198.18.0.1:8080/site/small.m3u8 && break
	sleep 0.1
done

# run_wrk URL -> "requests_per_s bytes_per_s non2xx socket_errors"
run_wrk() {
	local out=$work/wrk.txt
	ip netns exec "$ns" taskset -c 0 wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency "$1" >"$out" 2>&1
	awk '
	/Requests\/sec:/ { rps = $2 }
	/Transfer\/sec:/ { v = $2; u = substr(v, length(v) - 1); n = v + 0;
		if (u == "GB") n *= 1024 * 1024 * 1024; else if (u == "MB") n *= 1024 * 1024;
		else if (u == "KB") n *= 1024; bps = n }
	/Non-2xx or 3xx responses:/ { non2xx = $5 }
	/Socket errors:/ { errs = $4 + $6 + $8 + $10 }
	END { printf "%.0f %.0f %d %d\n", rps, bps, non2xx, errs }' "$out"
}

read -r s_rps s_small_bps s_n2 s_err < <(run_wrk http://198.18.0.2/site/small.m3u8)
read -r n_rps n_small_bps n_n2 n_err < <(run_wrk http://198.18.0.1:8080/site/small.m3u8)
read -r s_seg_rps s_bps s_n2b s_errb < <(run_wrk http://198.18.0.2/site/segment.m4s)
read -r n_seg_rps n_bps n_n2b n_errb < <(run_wrk http://198.18.0.1:8080/site/segment.m4s)

gbit() { awk -v b="$1" 'BEGIN{printf "%.2f", b * 8 / 1e9}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b <= 0) print "n/a"; else printf "%.2f", a / b }'; }

csv=$results/http_origin.csv
{
	echo "object,server,requests_per_s,gbit_per_s,non2xx,socket_errors,connections,seconds"
	echo "2KB,spate,$s_rps,$(gbit "$s_small_bps"),$s_n2,$s_err,$conns,$secs"
	echo "2KB,nginx,$n_rps,$(gbit "$n_small_bps"),$n_n2,$n_err,$conns,$secs"
	echo "2MB,spate,$s_seg_rps,$(gbit "$s_bps"),$s_n2b,$s_errb,$conns,$secs"
	echo "2MB,nginx,$n_seg_rps,$(gbit "$n_bps"),$n_n2b,$n_errb,$conns,$secs"
} >"$csv"

printf '\nHTTP origin: wrk -t1 -c%d -d%ds in netns, client on cpu 0, server on cpu 1\n' "$conns" "$secs"
printf 'spate: DPDK net_tap, 1 worker lcore, hugepage cache; nginx: 1 worker, sendfile, kernel TCP\n'
printf '%-8s %-7s %14s %10s %8s %8s\n' object server req/s Gbit/s non2xx errors
printf '%-8s %-7s %14s %10s %8s %8s\n' 2KB spate "$s_rps" "$(gbit "$s_small_bps")" "$s_n2" "$s_err"
printf '%-8s %-7s %14s %10s %8s %8s\n' 2KB nginx "$n_rps" "$(gbit "$n_small_bps")" "$n_n2" "$n_err"
printf '%-8s %-7s %14s %10s %8s %8s\n' 2MB spate "$s_seg_rps" "$(gbit "$s_bps")" "$s_n2b" "$s_errb"
printf '%-8s %-7s %14s %10s %8s %8s\n' 2MB nginx "$n_seg_rps" "$(gbit "$n_bps")" "$n_n2b" "$n_errb"
printf 'ratio spate/nginx: %s (2 KB req/s), %s (2 MB Gbit/s)\n' \
	"$(ratio "$s_rps" "$n_rps")" "$(ratio "$s_bps" "$n_bps")"
echo "note: over net_tap every spate packet also crosses the kernel tap driver,"
echo "      which the client pays for on the same machine; memif pairs (bench/)"
echo "      measure the dataplane without it."
echo "csv: $csv"
