#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# curl against the temporary HTTP/1.0 test hook: the fixed "hello" answer,
# then a 4 MB file served by reference from one shared buffer (SHA-256
# compared), and 20 sequential + 10 parallel fetches (active close and
# TIME_WAIT on spate's side).
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
command -v curl >/dev/null || skip "no curl"

start_spate --hello-port 80
body=$(in_ns curl -sS -m 10 "http://$SPATE_IP/") || fail "curl hello"
[ "$body" = hello ] || fail "unexpected body '$body'"
stop_spate

head -c 4194304 /dev/urandom >"$WORK/blob"
start_spate --hello-port 80 --hello-file "$WORK/blob"
in_ns curl -sS -m 60 -o "$WORK/got" "http://$SPATE_IP/blob" || fail "curl 4 MB"
want=$(sha256sum <"$WORK/blob" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/got" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "sha256 mismatch: $want != $got"
for i in $(seq 1 20); do
	in_ns curl -sS -m 20 -o /dev/null -w '%{http_code}\n' "http://$SPATE_IP/$i"
done >"$WORK/codes.txt"
[ "$(grep -c '^200$' "$WORK/codes.txt")" = 20 ] || fail "sequential fetches"
pids=()
for i in $(seq 1 10); do
	in_ns curl -sS -m 60 -o "$WORK/p$i" "http://$SPATE_IP/p$i" &
	pids+=($!)
done
wait "${pids[@]}" # not plain `wait`: spate is a background job too
for i in $(seq 1 10); do
	[ "$(sha256sum <"$WORK/p$i" | cut -d' ' -f1)" = "$want" ] || fail "parallel fetch $i"
done
stop_spate
[ "$(exit_counter tcp_accepts)" -eq 31 ] || fail "tcp_accepts $(exit_counter tcp_accepts)"
log "PASS"
