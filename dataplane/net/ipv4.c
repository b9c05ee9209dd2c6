/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input validation and header construction.  spate is a host, not a
 * router: packets not addressed to our unicast address are dropped, as are
 * fragments (a live origin's peers use PMTU discovery; reassembly would be
 * memory an attacker controls).  Every drop has its own counter.
 */
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "net_priv.h"

#define IPV4_FRAG_MASK (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

void net_ipv4_input(struct spate_net *net, struct rte_mbuf *m)
{
	const uint16_t l3_off = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip;
	uint16_t hlen, total;

	NET_STAT_INC(net, ipv4_rx);
	if (unlikely(m->data_len < l3_off + sizeof(*ip))) {
		NET_STAT_INC(net, ipv4_bad_hdr);
		goto drop;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	hlen = (uint16_t)((ip->version_ihl & 0x0f) * 4);
	if (unlikely((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) ||
		     m->data_len < l3_off + hlen)) {
		NET_STAT_INC(net, ipv4_bad_hdr);
		goto drop;
	}
	total = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(total < hlen || total > m->pkt_len - l3_off)) {
		NET_STAT_INC(net, ipv4_bad_len);
		goto drop;
	}
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		break;
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		NET_STAT_INC(net, ipv4_bad_cksum);
		goto drop;
	default:
		if (rte_raw_cksum(ip, hlen) != 0xffff) {
			NET_STAT_INC(net, ipv4_bad_cksum);
			goto drop;
		}
	}
	if (unlikely(ip->fragment_offset & rte_cpu_to_be_16(IPV4_FRAG_MASK))) {
		NET_STAT_INC(net, ipv4_frag_drop);
		goto drop;
	}
	if (unlikely(ip->dst_addr != net->ifc->ip)) {
		NET_STAT_INC(net, ipv4_not_ours);
		goto drop;
	}
	if (unlikely(ip->time_to_live == 0)) {
		NET_STAT_INC(net, ipv4_ttl_zero);
		goto drop;
	}
	/* Ethernet padding of short frames must not reach the transport. */
	if (m->pkt_len > (uint32_t)l3_off + total)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - l3_off - total));

	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		net_tcp_input(net, m, ip, (uint16_t)(l3_off + hlen));
		return;
	case IPPROTO_ICMP:
		net_icmp_input(net, m, ip, (uint16_t)(l3_off + hlen));
		return;
	default:
		NET_STAT_INC(net, ipv4_unknown_proto);
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

void net_ipv4_fill(struct spate_net *net, struct rte_mbuf *m,
		   struct rte_ipv4_hdr *ip, rte_be32_t src, rte_be32_t dst,
		   uint8_t proto, uint16_t total_len)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(total_len);
	ip->packet_id = rte_cpu_to_be_16(net->ip_id++);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = NET_IPV4_TTL;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = src;
	ip->dst_addr = dst;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip);
	if (net->ifc->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
}
