/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet demux: the first look at every received frame.  It checks the
 * frame is for us (our MAC or broadcast) and hands ARP and IPv4 on; VLANs,
 * IPv6 and everything else are dropped and counted.  Headers up to the
 * transport header must sit in the first mbuf segment — true for every PMD
 * with default RX settings — so no layer here has to linearise.
 */
#include <rte_ether.h>
#include <rte_prefetch.h>

#include "net_priv.h"

static void eth_input_one(struct spate_net *net, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;

	NET_STAT_INC(net, rx_packets);
	NET_STAT_ADD(net, rx_bytes, m->pkt_len);
	if (unlikely(m->data_len < sizeof(struct rte_ether_hdr))) {
		NET_STAT_INC(net, eth_runt);
		rte_pktmbuf_free(m);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, &net->ifc->mac) &&
		     !rte_is_broadcast_ether_addr(&eh->dst_addr))) {
		NET_STAT_INC(net, eth_not_ours);
		rte_pktmbuf_free(m);
		return;
	}
	switch (eh->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		net_ipv4_input(net, m);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		net_arp_input(net, m);
		return;
	default:
		NET_STAT_INC(net, eth_unknown_type);
		rte_pktmbuf_free(m);
		return;
	}
}

void spate_net_input(struct spate_net *net, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_input_one(net, pkts[i]);
	}
}
