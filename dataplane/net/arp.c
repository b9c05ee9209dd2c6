/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for one lcore: the neighbour cache, replies to requests for
 * our address, requests for unknown next hops, and the gratuitous
 * announcement at start.
 *
 * The cache is a fixed array of entries chained into a small hash table,
 * allocated once.  Entries learn from ARP traffic only (never from IP
 * packets).  Reachability ages out into STALE, which stays usable but sends
 * one refresh request on next use (a light version of RFC 4861 NUD), so a
 * busy flow never stalls on a cache expiry.  Frames for a next hop still
 * being resolved wait in a per-entry queue of ARP_PENDING_MAX; beyond that,
 * or when resolution fails, they are dropped and counted — TCP retransmits.
 *
 * Each lcore keeps its own cache; with RSS the reply to our request may land
 * on another lcore, so requests are retried and every lcore also learns from
 * requests it sees.  Good enough for a server whose peers talk first.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "net_priv.h"

#define ARP_PENDING_MAX 4
#define ARP_NONE	UINT32_MAX
#define ARP_FRAME_MIN	60 /* Ethernet minimum without FCS */

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE,
	ARP_REACHABLE,
	ARP_STALE,
	ARP_PROBE,
	ARP_PERMANENT,
};

struct arp_entry {
	rte_be32_t ip;
	uint32_t next; /* bucket chain or free list */
	struct rte_ether_addr mac;
	uint8_t state;
	uint8_t retries;
	uint8_t npending;
	uint64_t deadline_us;
	struct rte_mbuf *pending[ARP_PENDING_MAX];
};

struct spate_arp_table {
	uint32_t nentries;
	uint32_t bucket_mask;
	uint32_t free_head;
	uint32_t *buckets;
	struct arp_entry *entries;
};

static inline uint32_t arp_bucket(const struct spate_arp_table *t,
				  rte_be32_t ip)
{
	return rte_jhash_1word(ip, 0x5ba7e) & t->bucket_mask;
}

static struct arp_entry *arp_find(struct spate_arp_table *t, rte_be32_t ip)
{
	uint32_t i = t->buckets[arp_bucket(t, ip)];

	while (i != ARP_NONE) {
		if (t->entries[i].ip == ip)
			return &t->entries[i];
		i = t->entries[i].next;
	}
	return NULL;
}

static struct arp_entry *arp_insert(struct spate_net *net, rte_be32_t ip,
				    uint8_t state)
{
	struct spate_arp_table *t = net->arp;
	struct arp_entry *e;
	uint32_t i = t->free_head, b;

	if (i == ARP_NONE) {
		NET_STAT_INC(net, arp_table_full);
		return NULL;
	}
	e = &t->entries[i];
	t->free_head = e->next;
	b = arp_bucket(t, ip);
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->state = state;
	e->next = t->buckets[b];
	t->buckets[b] = i;
	return e;
}

static void arp_remove(struct spate_net *net, struct arp_entry *e)
{
	struct spate_arp_table *t = net->arp;
	uint32_t idx = (uint32_t)(e - t->entries);
	uint32_t *link = &t->buckets[arp_bucket(t, e->ip)];
	uint8_t k;

	while (*link != ARP_NONE && *link != idx)
		link = &t->entries[*link].next;
	if (*link == idx)
		*link = e->next;
	for (k = 0; k < e->npending; k++) {
		rte_pktmbuf_free(e->pending[k]);
		NET_STAT_INC(net, arp_pending_drop);
	}
	e->npending = 0;
	e->state = ARP_FREE;
	e->next = t->free_head;
	t->free_head = idx;
}

int net_arp_create(struct spate_net *net, int socket_id)
{
	struct spate_arp_table *t;
	uint32_t n = net->conf.arp_entries ? net->conf.arp_entries : 1;
	uint32_t nb = rte_align32pow2(n), i;

	t = rte_zmalloc_socket("spate_arp", sizeof(*t), 0, socket_id);
	if (t == NULL)
		return -ENOMEM;
	t->buckets = rte_malloc_socket("spate_arp_b", nb * sizeof(uint32_t), 0,
				       socket_id);
	t->entries = rte_zmalloc_socket("spate_arp_e",
					n * sizeof(struct arp_entry),
					RTE_CACHE_LINE_SIZE, socket_id);
	if (t->buckets == NULL || t->entries == NULL) {
		rte_free(t->buckets);
		rte_free(t->entries);
		rte_free(t);
		return -ENOMEM;
	}
	t->nentries = n;
	t->bucket_mask = nb - 1;
	for (i = 0; i < nb; i++)
		t->buckets[i] = ARP_NONE;
	for (i = 0; i < n; i++)
		t->entries[i].next = i + 1 < n ? i + 1 : ARP_NONE;
	t->free_head = 0;
	net->arp = t;
	return 0;
}

void net_arp_free(struct spate_net *net)
{
	struct spate_arp_table *t = net->arp;
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nentries; i++)
		if (t->entries[i].state != ARP_FREE)
			arp_remove(net, &t->entries[i]);
	rte_free(t->buckets);
	rte_free(t->entries);
	rte_free(t);
	net->arp = NULL;
}

/* Builds and queues an ARP packet; dst_mac NULL means broadcast. */
static void arp_send(struct spate_net *net, uint16_t op, rte_be32_t tip,
		     const struct rte_ether_addr *dst_mac)
{
	struct rte_mbuf *m = net_alloc_hdr(net);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;
	char *p;

	if (m == NULL)
		return;
	p = rte_pktmbuf_append(m, ARP_FRAME_MIN);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(p, 0, ARP_FRAME_MIN);
	eh = (struct rte_ether_hdr *)p;
	ah = (struct rte_arp_hdr *)(eh + 1);
	if (dst_mac != NULL)
		rte_ether_addr_copy(dst_mac, &eh->dst_addr);
	else
		memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&net->ifc->mac, &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&net->ifc->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = net->ifc->ip;
	if (dst_mac != NULL && op == RTE_ARP_OP_REPLY)
		rte_ether_addr_copy(dst_mac, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = tip;
	net_tx(net, m);
}

static void arp_send_request(struct spate_net *net, rte_be32_t ip,
			     const struct rte_ether_addr *unicast)
{
	NET_STAT_INC(net, arp_requests_tx);
	arp_send(net, RTE_ARP_OP_REQUEST, ip, unicast);
}

void spate_net_arp_announce(struct spate_net *net)
{
	NET_STAT_INC(net, arp_gratuitous_tx);
	arp_send(net, RTE_ARP_OP_REQUEST, net->ifc->ip, NULL);
}

static void arp_flush_pending(struct spate_net *net, struct arp_entry *e)
{
	uint8_t k;

	for (k = 0; k < e->npending; k++) {
		struct rte_mbuf *m = e->pending[k];
		struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		rte_ether_addr_copy(&e->mac, &eh->dst_addr);
		net_tx(net, m);
	}
	e->npending = 0;
}

/* A neighbour told us its address: refresh the entry and release frames. */
static void arp_learn(struct spate_net *net, struct arp_entry *e,
		      const struct rte_ether_addr *mac)
{
	if (e->state == ARP_PERMANENT)
		return;
	rte_ether_addr_copy(mac, &e->mac);
	e->state = ARP_REACHABLE;
	e->retries = 0;
	e->deadline_us = net->now_us + (uint64_t)net->conf.arp_reachable_ms *
						       1000;
	arp_flush_pending(net, e);
}

void net_arp_input(struct spate_net *net, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	struct rte_ether_addr sha;
	struct arp_entry *e;
	rte_be32_t sip, tip;
	uint16_t op;

	NET_STAT_INC(net, arp_rx);
	if (m->data_len < sizeof(*eh) + sizeof(*ah) ||
	    ah->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4) {
		NET_STAT_INC(net, arp_bad);
		goto drop;
	}
	op = rte_be_to_cpu_16(ah->arp_opcode);
	sip = ah->arp_data.arp_sip;
	tip = ah->arp_data.arp_tip;
	rte_ether_addr_copy(&ah->arp_data.arp_sha, &sha);
	if ((op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
	    !rte_is_unicast_ether_addr(&sha) || sip == net->ifc->ip) {
		NET_STAT_INC(net, arp_bad);
		goto drop;
	}
	if (op == RTE_ARP_OP_REQUEST)
		NET_STAT_INC(net, arp_requests_rx);
	else
		NET_STAT_INC(net, arp_replies_rx);

	/* RFC 826 merge: update a known sender, add it if it asked for us. */
	e = sip != 0 ? arp_find(net->arp, sip) : NULL;
	if (e != NULL)
		arp_learn(net, e, &sha);
	else if (tip == net->ifc->ip && sip != 0 &&
		 net_is_local_subnet(net, sip)) {
		e = arp_insert(net, sip, ARP_INCOMPLETE);
		if (e != NULL)
			arp_learn(net, e, &sha);
	}

	if (op == RTE_ARP_OP_REQUEST && tip == net->ifc->ip) {
		/* Answer in place: the request already has the right size. */
		rte_ether_addr_copy(&sha, &eh->dst_addr);
		rte_ether_addr_copy(&net->ifc->mac, &eh->src_addr);
		ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
		rte_ether_addr_copy(&sha, &ah->arp_data.arp_tha);
		ah->arp_data.arp_tip = sip;
		rte_ether_addr_copy(&net->ifc->mac, &ah->arp_data.arp_sha);
		ah->arp_data.arp_sip = net->ifc->ip;
		m->ol_flags = 0;
		NET_STAT_INC(net, arp_replies_tx);
		net_tx(net, m);
		return;
	}
drop:
	rte_pktmbuf_free(m);
}

void net_ipv4_xmit(struct spate_net *net, struct rte_mbuf *m,
		   rte_be32_t dst_ip)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_be32_t nh = dst_ip;
	struct arp_entry *e;

	if (!net_is_local_subnet(net, dst_ip)) {
		nh = net->ifc->gateway;
		if (nh == 0) {
			NET_STAT_INC(net, ipv4_no_route);
			rte_pktmbuf_free(m);
			return;
		}
	}
	e = arp_find(net->arp, nh);
	if (likely(e != NULL && e->state >= ARP_REACHABLE)) {
		if (unlikely(e->state == ARP_STALE)) {
			e->state = ARP_PROBE;
			e->retries = 0;
			e->deadline_us = net->now_us +
					 (uint64_t)net->conf.arp_retry_ms * 1000;
			arp_send_request(net, nh, &e->mac);
		}
		rte_ether_addr_copy(&e->mac, &eh->dst_addr);
		net_tx(net, m);
		return;
	}
	if (e == NULL) {
		e = arp_insert(net, nh, ARP_INCOMPLETE);
		if (e == NULL) {
			rte_pktmbuf_free(m);
			NET_STAT_INC(net, arp_pending_drop);
			return;
		}
		e->deadline_us =
			net->now_us + (uint64_t)net->conf.arp_retry_ms * 1000;
		arp_send_request(net, nh, NULL);
	}
	if (e->npending == ARP_PENDING_MAX) {
		rte_pktmbuf_free(m);
		NET_STAT_INC(net, arp_pending_drop);
		return;
	}
	e->pending[e->npending++] = m;
}

void net_arp_timers_run(struct spate_net *net)
{
	struct spate_arp_table *t = net->arp;
	uint64_t now = net->now_us;
	uint32_t i;

	for (i = 0; i < t->nentries; i++) {
		struct arp_entry *e = &t->entries[i];

		if (e->state == ARP_FREE || e->state == ARP_PERMANENT ||
		    now < e->deadline_us)
			continue;
		switch (e->state) {
		case ARP_REACHABLE:
			e->state = ARP_STALE;
			e->deadline_us = now + (uint64_t)net->conf
							  .arp_reachable_ms *
						       1000;
			break;
		case ARP_STALE:
			arp_remove(net, e);
			break;
		case ARP_INCOMPLETE:
		case ARP_PROBE:
			if (++e->retries >= net->conf.arp_max_retries) {
				NET_STAT_INC(net, arp_resolve_fail);
				arp_remove(net, e);
				break;
			}
			e->deadline_us =
				now + (uint64_t)net->conf.arp_retry_ms * 1000;
			arp_send_request(net, e->ip,
					 e->state == ARP_PROBE ? &e->mac
							       : NULL);
			break;
		default:
			break;
		}
	}
}

int spate_net_arp_add_static(struct spate_net *net, rte_be32_t ip,
			     const struct rte_ether_addr *mac)
{
	struct arp_entry *e = arp_find(net->arp, ip);

	if (e == NULL)
		e = arp_insert(net, ip, ARP_PERMANENT);
	if (e == NULL)
		return -ENOSPC;
	rte_ether_addr_copy(mac, &e->mac);
	e->state = ARP_PERMANENT;
	arp_flush_pending(net, e);
	return 0;
}

int spate_net_arp_lookup(struct spate_net *net, rte_be32_t ip,
			 struct rte_ether_addr *mac)
{
	struct arp_entry *e = arp_find(net->arp, ip);

	if (e == NULL || e->state < ARP_REACHABLE)
		return -ENOENT;
	rte_ether_addr_copy(&e->mac, mac);
	return 0;
}
