#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spate in its own namespace answers ARP and ping on 198.18.0.2, shuts down
# cleanly on SIGINT and SIGTERM (counters printed, namespace removed), and
# also runs with --no-huge.
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
command -v ping >/dev/null || skip "no ping (iputils-ping)"

start_spate
log "ping from the namespace"
in_ns ping -c 5 -i 0.2 -W 1 "$SPATE_IP" >"$WORK/ping.txt" || fail "ping failed"
grep -q " 0% packet loss" "$WORK/ping.txt" || fail "ping lost packets"
in_ns ip neigh show "$SPATE_IP" | grep -q lladdr || fail "kernel has no ARP entry for spate"
# A bigger ping: payload correct both ways (ping checks it).
in_ns ping -c 2 -s 1400 -W 1 "$SPATE_IP" >/dev/null || fail "1400-byte ping failed"
stop_spate
grep -q "spate: stopping" "$SPATE_LOG" || fail "no clean shutdown"
[ "$(exit_counter icmp_echo_replies)" -ge 7 ] || fail "icmp_echo_replies counter"
[ "$(exit_counter arp_replies_tx)" -ge 1 ] || fail "arp_replies_tx counter"
[ "$(exit_counter arp_gratuitous_tx)" -eq 1 ] || fail "no gratuitous ARP"
ip netns list | grep -qw "$NS" && fail "namespace $NS left behind"

log "SIGTERM and --no-huge"
sed 's/^huge *=.*/huge = no/' "$PROFILE" >"$WORK/tap-nohuge.conf"
PROFILE="$WORK/tap-nohuge.conf"
start_spate
grep -q -- "--no-huge" "$SPATE_LOG" || fail "--no-huge not used"
in_ns ping -c 2 -W 1 "$SPATE_IP" >/dev/null || fail "ping with --no-huge"
kill -TERM "$SPATE_PID"
for _ in $(seq 1 50); do kill -0 "$SPATE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SPATE_PID" 2>/dev/null && fail "no exit on SIGTERM"
wait "$SPATE_PID"; rc=$?
SPATE_PID=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
grep -q "spate: stopping" "$SPATE_LOG" || fail "no clean shutdown on SIGTERM"
ip netns list | grep -qw "$NS" && fail "namespace $NS left behind"
log "PASS"
