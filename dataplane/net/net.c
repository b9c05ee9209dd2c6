/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Life cycle of a per-lcore stack: defaults, creation, the TX buffer flush
 * and the counter table.  Packet handling lives in eth.c and below.
 */
#include <errno.h>
#include <stddef.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "net_priv.h"

int net_mbuf_priv_offset = -1;

const struct spate_net_stat_desc spate_net_stat_descs[] = {
#define SPATE_NET_STAT_DESC(name)                                              \
	{#name, offsetof(struct spate_net_stats, name)},
	SPATE_NET_STATS(SPATE_NET_STAT_DESC)
#undef SPATE_NET_STAT_DESC
	{NULL, 0},
};

void spate_net_conf_defaults(struct spate_net_conf *conf)
{
	*conf = (struct spate_net_conf){
		.max_conns = 16384,
		.syn_backlog = 1024,
		.rcv_wnd_bytes = 256 * 1024,
		.init_cwnd_segs = 10,
		.delack_ms = 40,
		.rto_init_ms = 1000,
		.rto_min_ms = 200,
		.rto_max_ms = 60000,
		.max_retries = 12,
		.syn_retries = 5,
		.time_wait_ms = 30000,
		.fin_wait2_ms = 30000,
		.keepalive_ms = 0,
		.keepalive_intvl_ms = 10000,
		.keepalive_probes = 5,
		.ooo_max_segs = 64,
		.ooo_max_segs_lcore = 8192,
		.tso_max_bytes = 60000,
		.sack = 1,
		.max_burst_segs = 0,
		.tlp = 1,
		.arp_entries = 1024,
		.arp_reachable_ms = 300000,
		.arp_retry_ms = 1000,
		.arp_max_retries = 3,
	};
}

int spate_net_global_init(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "spate_net_ooo",
		.size = sizeof(struct net_mbuf_priv),
		.align = __alignof__(struct net_mbuf_priv),
	};
	int off;

	if (net_mbuf_priv_offset >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	net_mbuf_priv_offset = off;
	return 0;
}

struct spate_net *spate_net_create(const struct spate_net_params *p)
{
	struct spate_net *net;

	if (p->ifc == NULL || p->pool_hdr == NULL || p->pool_data == NULL ||
	    p->tx_burst == NULL || net_mbuf_priv_offset < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	net = rte_zmalloc_socket("spate_net", sizeof(*net), RTE_CACHE_LINE_SIZE,
				 p->socket_id);
	if (net == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	net->ifc = p->ifc;
	if (p->conf != NULL)
		net->conf = *p->conf;
	else
		spate_net_conf_defaults(&net->conf);
	net->lcore_id = p->lcore_id;
	net->queue_id = p->queue_id;
	net->pool_hdr = p->pool_hdr;
	net->pool_data = p->pool_data;
	net->tx_burst = p->tx_burst;
	net->tx_arg = p->tx_arg;
	net->ip_id = (uint16_t)(p->queue_id << 12);

	if (net_arp_create(net, p->socket_id) < 0 ||
	    net_tcp_create(net, p->socket_id) < 0) {
		spate_net_free(net);
		rte_errno = ENOMEM;
		return NULL;
	}
	return net;
}

void spate_net_free(struct spate_net *net)
{
	uint16_t i;

	if (net == NULL)
		return;
	net_tcp_free(net);
	net_arp_free(net);
	for (i = 0; i < net->tx_n; i++)
		rte_pktmbuf_free(net->tx_buf[i]);
	rte_free(net);
}

void spate_net_tx_flush(struct spate_net *net)
{
	uint16_t n = net->tx_n, sent, i;

	if (n == 0)
		return;
	sent = net->tx_burst(net->tx_arg, net->tx_buf, n);
	for (i = 0; i < sent; i++)
		NET_STAT_ADD(net, tx_bytes, net->tx_buf[i]->pkt_len);
	NET_STAT_ADD(net, tx_packets, sent);
	for (i = sent; i < n; i++) {
		rte_pktmbuf_free(net->tx_buf[i]);
		NET_STAT_INC(net, tx_dropped);
	}
	net->tx_n = 0;
}

void spate_net_timers_run(struct spate_net *net)
{
	net_tcp_timers_run(net);
	if (net->now_us >= net->next_arp_scan_us) {
		net_arp_timers_run(net);
		net->next_arp_scan_us = net->now_us + 100 * 1000;
	}
}
