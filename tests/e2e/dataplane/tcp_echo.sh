#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP through the userspace stack with real Linux clients: a short echo,
# 5 MB on one connection and 8 concurrent connections (SHA-256 of what
# comes back must match what was sent), a refused port (RST), and the
# counters through dpdk-telemetry.py while spate runs.
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || skip "no python3"

start_spate --echo-port 7
client() { in_ns timeout 90 "$PY" "$here/tcp_client.py" "$@"; }
client echo "$SPATE_IP" 7 1000 20 1 || fail "short echo"
client echo "$SPATE_IP" 7 5000000 60 1 | tee "$WORK/one.txt" || fail "5 MB echo"
client echo "$SPATE_IP" 7 1000000 60 8 | tee "$WORK/eight.txt" || fail "8 x 1 MB echo"
client refused "$SPATE_IP" 9 || fail "closed port did not answer RST"

if command -v dpdk-telemetry.py >/dev/null; then
	echo /spate/stats | timeout 10 dpdk-telemetry.py -f "spate_$NS" \
		>"$WORK/tel.txt" 2>&1
	grep -q '"tcp_accepts": 1[0-9]' "$WORK/tel.txt" ||
		fail "telemetry /spate/stats: $(head -c 300 "$WORK/tel.txt")"
	echo /spate/lcores | timeout 10 dpdk-telemetry.py -f "spate_$NS" |
		grep -q '/spate/lcores' || fail "telemetry /spate/lcores"
fi
stop_spate
[ "$(exit_counter tcp_accepts)" -ge 10 ] || fail "tcp_accepts"
[ "$(exit_counter tcp_data_bytes_rx)" -ge 13001000 ] || fail "bytes received"
[ "$(exit_counter tcp_zero_copy_bytes_tx)" -ge 13001000 ] || fail "zero-copy bytes"
[ "$(exit_counter tcp_rst_tx)" -ge 1 ] || fail "no RST counted"
[ "$(exit_counter tcp_bad_cksum)" -eq 0 ] || fail "checksum errors"
log "PASS"
