/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal glue between the files of dataplane/net: the TX buffer, counters,
 * the entry points each protocol file exports to the demux, and the mbuf
 * dynamic field used to link out-of-order segments.  Not a public API.
 */
#ifndef SPATE_NET_PRIV_H
#define SPATE_NET_PRIV_H

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "net.h"

#define NET_STAT_INC(net, name)	   ((net)->stats.name++)
#define NET_STAT_ADD(net, name, v) ((net)->stats.name += (v))
#define NET_STAT_DEC(net, name)	   ((net)->stats.name--)

#define NET_IPV4_TTL 64

/* Per-mbuf scratch while a segment sits in an out-of-order queue. */
struct net_mbuf_priv {
	struct rte_mbuf *next;
	uint32_t seq;  /* sequence number of the first payload byte */
	uint32_t len;  /* payload bytes (data_off points at the payload) */
};

extern int net_mbuf_priv_offset;

static inline struct net_mbuf_priv *net_mbuf_priv(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, net_mbuf_priv_offset,
				 struct net_mbuf_priv *);
}

/* Queues one frame for transmission; flushes when the buffer is full. */
static inline void net_tx(struct spate_net *net, struct rte_mbuf *m)
{
	if (unlikely(net->tx_n == SPATE_NET_TX_BUF))
		spate_net_tx_flush(net);
	net->tx_buf[net->tx_n++] = m;
}

static inline struct rte_mbuf *net_alloc_hdr(struct spate_net *net)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(net->pool_hdr);

	if (unlikely(m == NULL))
		NET_STAT_INC(net, mbuf_alloc_fail);
	return m;
}

static inline int net_is_local_subnet(const struct spate_net *net,
				      rte_be32_t ip)
{
	return ((ip ^ net->ifc->ip) & net->ifc->netmask) == 0;
}

/* 16-bit one's complement sum helpers for header checksums. */
static inline uint16_t net_cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return (uint16_t)~sum;
}

/*
 * One's complement sum (not inverted) of the pseudo header and the L4
 * bytes from l4_off to the end of the (possibly chained) mbuf.  0xffff
 * means a received checksum verifies; ~sum is what to store on output
 * (with the checksum field zeroed first).
 */
static inline uint16_t net_l4_cksum(const struct rte_mbuf *m,
				    const struct rte_ipv4_hdr *ip,
				    uint16_t l4_off)
{
	uint16_t raw = 0;
	uint32_t sum;

	if (rte_raw_cksum_mbuf(m, l4_off, m->pkt_len - l4_off, &raw) != 0)
		return 0;
	sum = (uint32_t)raw + rte_ipv4_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* arp.c */
int net_arp_create(struct spate_net *net, int socket_id);
void net_arp_free(struct spate_net *net);
void net_arp_input(struct spate_net *net, struct rte_mbuf *m);
void net_arp_timers_run(struct spate_net *net);

/*
 * Sends an Ethernet/IPv4 frame whose source MAC and IP headers are filled:
 * resolves the next hop for dst_ip, fills the destination MAC and queues the
 * frame for TX, or parks it until the neighbour answers (bounded; dropped
 * and counted beyond).  Always consumes m.
 */
void net_ipv4_xmit(struct spate_net *net, struct rte_mbuf *m,
		   rte_be32_t dst_ip);

/* ipv4.c */
void net_ipv4_input(struct spate_net *net, struct rte_mbuf *m);

/*
 * Fills the IPv4 header at ip (no options).  The checksum is computed here
 * unless the port computes it (then the mbuf offload flags are set).
 */
void net_ipv4_fill(struct spate_net *net, struct rte_mbuf *m,
		   struct rte_ipv4_hdr *ip, rte_be32_t src, rte_be32_t dst,
		   uint8_t proto, uint16_t total_len);

/* icmp.c */
void net_icmp_input(struct spate_net *net, struct rte_mbuf *m,
		    struct rte_ipv4_hdr *ip, uint16_t l4_off);

/* tcp_conn.c / tcp_input.c / tcp_timer.c */
int net_tcp_create(struct spate_net *net, int socket_id);
void net_tcp_free(struct spate_net *net);
void net_tcp_input(struct spate_net *net, struct rte_mbuf *m,
		   struct rte_ipv4_hdr *ip, uint16_t l4_off);
void net_tcp_timers_run(struct spate_net *net);

#endif /* SPATE_NET_PRIV_H */
