/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP: echo requests are answered in place (the request mbuf becomes the
 * reply, payload untouched); every other ICMP message is counted and
 * dropped — spate sends no ICMP errors of its own.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_priv.h"

void net_icmp_input(struct spate_net *net, struct rte_mbuf *m,
		    struct rte_ipv4_hdr *ip, uint16_t l4_off)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_icmp_hdr *icmp;
	uint32_t len = m->pkt_len - l4_off;
	uint16_t cksum;
	rte_be32_t peer;

	NET_STAT_INC(net, icmp_rx);
	if (len < sizeof(*icmp) || m->data_len < l4_off + sizeof(*icmp)) {
		NET_STAT_INC(net, icmp_bad);
		goto drop;
	}
	if (rte_raw_cksum_mbuf(m, l4_off, len, &cksum) != 0 ||
	    cksum != 0xffff) {
		NET_STAT_INC(net, icmp_bad);
		goto drop;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, l4_off);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
	    icmp->icmp_code != 0) {
		NET_STAT_INC(net, icmp_other);
		goto drop;
	}

	/* Reply without the request's IP options: slide the headers up. */
	if (l4_off != sizeof(*eh) + sizeof(*ip)) {
		uint16_t delta = (uint16_t)(l4_off - sizeof(*eh) - sizeof(*ip));

		memmove(rte_pktmbuf_mtod_offset(m, char *, delta), eh,
			sizeof(*eh) + sizeof(*ip));
		rte_pktmbuf_adj(m, delta);
		eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		ip = (struct rte_ipv4_hdr *)(eh + 1);
		l4_off = sizeof(*eh) + sizeof(*ip);
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	rte_raw_cksum_mbuf(m, l4_off, len, &cksum);
	icmp->icmp_cksum = (uint16_t)~cksum;
	peer = ip->src_addr;
	rte_ether_addr_copy(&net->ifc->mac, &eh->src_addr);
	m->ol_flags = 0;
	net_ipv4_fill(net, m, ip, net->ifc->ip, peer, IPPROTO_ICMP,
		      (uint16_t)(m->pkt_len - sizeof(*eh)));
	NET_STAT_INC(net, icmp_echo_replies);
	net_ipv4_xmit(net, m, peer);
	return;
drop:
	rte_pktmbuf_free(m);
}
