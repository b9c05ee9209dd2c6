# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the dataplane e2e tests (sourced, not run).
#
# Every test starts spate with --netns <unique name>; spate creates the
# namespace, puts the tap's kernel side (spate0, 198.18.0.1/24) in it and
# answers on 198.18.0.2.  Traffic goes only to that address, from inside the
# namespace.  The EXIT trap stops spate and deletes the namespace whatever
# happens; every wait and every transfer is bounded in time.
#
# Usage: SPATE=<binary> PROFILE=<tap.conf> source lib.sh

set -u

SPATE_IP=198.18.0.2
NS="spt_$(basename "$0" .sh | tr -c 'a-zA-Z0-9\n' '_' | cut -c1-20)_$$"
WORK=$(mktemp -d /tmp/spate-e2e.XXXXXX)
SPATE_LOG="$WORK/spate.log"
SPATE_PID=

log() { echo "[$(date +%H:%M:%S)] $*"; }

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$SPATE_LOG" ]; then
		echo "---- spate log (tail) ----" >&2
		tail -n 80 "$SPATE_LOG" >&2
	fi
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

stop_spate() {
	if [ -n "$SPATE_PID" ] && kill -0 "$SPATE_PID" 2>/dev/null; then
		kill -INT "$SPATE_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$SPATE_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$SPATE_PID" 2>/dev/null; then
			echo "spate did not stop on SIGINT, killing" >&2
			kill -KILL "$SPATE_PID" 2>/dev/null
		fi
		wait "$SPATE_PID" 2>/dev/null
	fi
	SPATE_PID=
}

cleanup() {
	local rc=$?
	stop_spate
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (netns, tap)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	command -v ip >/dev/null || skip "no iproute2"
}

# start_spate [extra spate args...]: starts spate in $NS, waits for "ready"
# and for the data plane to answer ARP/ping (bounded: 20 s).
start_spate() {
	[ -x "$SPATE" ] || fail "spate binary not found: $SPATE"
	"$SPATE" --profile "$PROFILE" --netns "$NS" "$@" >"$SPATE_LOG" 2>&1 &
	SPATE_PID=$!
	for _ in $(seq 1 100); do
		grep -q "spate: ready" "$SPATE_LOG" && break
		kill -0 "$SPATE_PID" 2>/dev/null || fail "spate exited during start"
		sleep 0.2
	done
	grep -q "spate: ready" "$SPATE_LOG" || fail "spate not ready after 20 s"
	for _ in $(seq 1 20); do
		in_ns ping -c 1 -W 1 "$SPATE_IP" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "198.18.0.2 does not answer ping"
}

in_ns() { ip netns exec "$NS" "$@"; }

# A counter from the exit table (after stop_spate), 0 if absent.
exit_counter() {
	awk -v k="$1" '$1 == k { print $2; found=1 } END { if (!found) print 0 }' "$SPATE_LOG"
}
