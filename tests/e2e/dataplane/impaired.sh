#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Transfers under loss: 2% in each direction on the tap's kernel side.
# With sch_netem: `tc qdisc add dev spate0 root netem loss 2% delay 20ms`.
# Kernels without netem (this CI's VM kernel has none) get the same 2%
# random loss from nftables in both directions, without the delay.
# A 4 MB HTTP fetch from the origin (--static) and 2 x 2 MB echoes must
# complete with matching SHA-256.
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
require_root
PY=${PYTHON:-python3}
command -v curl >/dev/null || skip "no curl"

mkdir -p "$WORK/site"
head -c 4194304 /dev/urandom >"$WORK/site/blob"
start_spate --static "site=$WORK/site" --echo-port 7
if in_ns tc qdisc add dev spate0 root netem loss 2% delay 20ms 2>/dev/null; then
	log "impairment: netem loss 2% delay 20ms (spate -> kernel... and replies)"
	in_ns tc qdisc show dev spate0
elif command -v nft >/dev/null; then
	log "impairment: no sch_netem in this kernel; nft 2% random drop both ways, no delay"
	in_ns nft -f - <<'NFT' || fail "nft rules"
table inet spate_loss {
	chain in { type filter hook input priority 0; iifname "spate0" numgen random mod 50 0 drop; }
	chain out { type filter hook output priority 0; oifname "spate0" numgen random mod 50 0 drop; }
}
NFT
else
	skip "neither sch_netem nor nftables available"
fi
start=$(date +%s.%N)
in_ns curl -sS -m 120 -o "$WORK/got" "http://$SPATE_IP/site/blob" || fail "curl under loss"
end=$(date +%s.%N)
want=$(sha256sum <"$WORK/site/blob" | cut -d' ' -f1)
[ "$(sha256sum <"$WORK/got" | cut -d' ' -f1)" = "$want" ] || fail "sha256 mismatch under loss"
log "4 MB under loss in $(echo "$end - $start" | bc 2>/dev/null || echo "?") s"
in_ns timeout 150 "$PY" "$here/tcp_client.py" echo "$SPATE_IP" 7 2000000 120 2 ||
	fail "echo under loss"
stop_spate
[ "$(exit_counter tcp_retransmit_segs)" -gt 0 ] || fail "no retransmissions under loss?"
log "retransmits $(exit_counter tcp_retransmit_segs), fast retransmits" \
	"$(exit_counter tcp_fast_retransmits), RTOs $(exit_counter tcp_rto_events)"
log "PASS"
