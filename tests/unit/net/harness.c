/* SPDX-License-Identifier: BSD-3-Clause */
/* Test harness for dataplane/net: see harness.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_mempool.h>

#include "harness.h"

static struct rte_mempool *pool_data, *pool_hdr;

const uint8_t h_linux_syn_opts[20] = {
	2, 4, 0x05, 0xb4,	/* MSS 1460 */
	4, 2,			/* SACK permitted */
	8, 10, 0, 0, 0, 1, 0, 0, 0, 0, /* TS val 1 ecr 0 */
	1,			/* NOP */
	3, 3, 7,		/* WS 7 */
};

int h_eal_init(void)
{
	static int done;
	char *argv[] = {
		"test", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
		"--no-telemetry", "-l", "0", "--log-level=error", NULL,
	};

	if (done)
		return 0;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	pool_data = rte_pktmbuf_pool_create("t_data", 2047, 0, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	pool_hdr = rte_pktmbuf_pool_create("t_hdr", 4095, 0, 0,
					   RTE_PKTMBUF_HEADROOM + 192, 0);
	if (pool_data == NULL || pool_hdr == NULL ||
	    spate_net_global_init() < 0)
		return -1;
	done = 1;
	return 0;
}

static uint16_t h_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct harness *h = arg;
	uint16_t i;

	for (i = 0; i < n && h->ncap < H_CAPTURE_MAX; i++)
		h->cap[h->ncap++] = pkts[i];
	return i;
}

void h_init(struct harness *h, const struct spate_net_conf *conf,
	    uint64_t tx_offloads, int static_arp)
{
	struct spate_net_params p;
	static const struct rte_ether_addr our = {{0x02, 0, 0, 0, 0, 2}};
	static const struct rte_ether_addr peer = {{0x02, 0, 0, 0, 0, 1}};

	memset(h, 0, sizeof(*h));
	h->ifc.mtu = 1500;
	h->ifc.mac = our;
	h->ifc.ip = rte_cpu_to_be_32(H_OUR_IP);
	h->ifc.netmask = rte_cpu_to_be_32(0xffffff00);
	h->ifc.tx_offloads = tx_offloads;
	h->ifc.tso_frame_max = 1514;
	h->peer_mac = peer;
	if (conf != NULL)
		h->conf = *conf;
	else
		spate_net_conf_defaults(&h->conf);
	memset(&p, 0, sizeof(p));
	p.ifc = &h->ifc;
	p.conf = &h->conf;
	p.pool_hdr = pool_hdr;
	p.pool_data = pool_data;
	p.tx_burst = h_tx_burst;
	p.tx_arg = h;
	p.socket_id = SOCKET_ID_ANY;
	h->net = spate_net_create(&p);
	if (h->net == NULL) {
		fprintf(stderr, "spate_net_create failed\n");
		abort();
	}
	spate_net_set_time(h->net, 1000000);
	if (static_arp)
		spate_net_arp_add_static(h->net, rte_cpu_to_be_32(H_PEER_IP),
					 &h->peer_mac);
}

void h_clear(struct harness *h)
{
	unsigned int i;

	for (i = 0; i < h->ncap; i++)
		rte_pktmbuf_free(h->cap[i]);
	h->ncap = 0;
}

void h_fini(struct harness *h)
{
	h_clear(h);
	spate_net_free(h->net);
	h->net = NULL;
	/* Every mbuf must be back: the stack leaked nothing. */
	if (rte_mempool_in_use_count(pool_data) != 0 ||
	    rte_mempool_in_use_count(pool_hdr) != 0) {
		fprintf(stderr, "mbuf leak: data %u hdr %u in use\n",
			rte_mempool_in_use_count(pool_data),
			rte_mempool_in_use_count(pool_hdr));
		abort();
	}
}

void h_set_time_ms(struct harness *h, uint64_t ms)
{
	spate_net_set_time(h->net, ms * 1000);
	spate_net_timers_run(h->net);
	spate_net_tx_flush(h->net);
}

void h_advance_ms(struct harness *h, uint64_t ms)
{
	uint64_t end = h->net->now_us + ms * 1000;

	/* Step in 1 ms ticks like a worker would. */
	while (h->net->now_us < end) {
		uint64_t step = end - h->net->now_us;

		spate_net_set_time(h->net, h->net->now_us +
						   (step > 1000 ? 1000 : step));
		spate_net_timers_run(h->net);
	}
	spate_net_tx_flush(h->net);
}

void h_input(struct harness *h, struct rte_mbuf *m)
{
	spate_net_input(h->net, &m, 1);
	spate_net_tx_flush(h->net);
}

static struct rte_mbuf *mk_frame(struct harness *h, uint16_t ether_type,
				 uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool_data);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		abort();
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) + len));
	memset(eh, 0, sizeof(*eh) + len);
	eh->dst_addr = h->ifc.mac;
	eh->src_addr = h->peer_mac;
	eh->ether_type = rte_cpu_to_be_16(ether_type);
	return m;
}

static void fill_ip(struct rte_ipv4_hdr *ip, uint8_t proto, uint16_t len)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->src_addr = rte_cpu_to_be_32(H_PEER_IP);
	ip->dst_addr = rte_cpu_to_be_32(H_OUR_IP);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_mbuf *h_mk_tcp(struct harness *h, uint16_t sport, uint16_t dport,
			  uint32_t seq, uint32_t ack, uint8_t flags,
			  uint16_t wnd, const uint8_t *opts, uint8_t optlen,
			  const void *payload, uint32_t len)
{
	uint32_t thl = (uint32_t)sizeof(struct rte_tcp_hdr) + optlen;
	uint32_t l3 = (uint32_t)sizeof(struct rte_ipv4_hdr) + thl + len;
	struct rte_mbuf *m = mk_frame(h, RTE_ETHER_TYPE_IPV4, l3);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
		m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	fill_ip(ip, IPPROTO_TCP, (uint16_t)l3);
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (len)
		memcpy((uint8_t *)(th + 1) + optlen, payload, len);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

struct rte_mbuf *h_mk_arp(struct harness *h, uint16_t op, uint32_t target_ip)
{
	struct rte_mbuf *m = mk_frame(h, RTE_ETHER_TYPE_ARP,
				      sizeof(struct rte_arp_hdr));
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	if (op == RTE_ARP_OP_REQUEST)
		memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = h->peer_mac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(H_PEER_IP);
	if (op == RTE_ARP_OP_REPLY)
		ah->arp_data.arp_tha = h->ifc.mac;
	ah->arp_data.arp_tip = rte_cpu_to_be_32(target_ip);
	return m;
}

struct rte_mbuf *h_mk_icmp_echo(struct harness *h, uint16_t id, uint16_t seq,
				const void *payload, uint32_t len)
{
	uint32_t l3 = (uint32_t)(sizeof(struct rte_ipv4_hdr) +
				 sizeof(struct rte_icmp_hdr)) + len;
	struct rte_mbuf *m = mk_frame(h, RTE_ETHER_TYPE_IPV4, l3);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
		m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

	fill_ip(ip, IPPROTO_ICMP, (uint16_t)l3);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = rte_cpu_to_be_16(id);
	ic->icmp_seq_nb = rte_cpu_to_be_16(seq);
	memcpy(ic + 1, payload, len);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + len);
	return m;
}

int h_tcp_parse(struct harness *h, unsigned int i, struct h_tcp *t)
{
	struct rte_mbuf *m;
	uint16_t raw = 0;
	uint32_t sum;

	if (i >= h->ncap)
		return -1;
	m = h->cap[i];
	memset(t, 0, sizeof(*t));
	t->eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (t->eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return -1;
	t->ip = (const struct rte_ipv4_hdr *)(t->eh + 1);
	if (t->ip->next_proto_id != IPPROTO_TCP)
		return -1;
	t->th = (const struct rte_tcp_hdr *)(t->ip + 1);
	t->seq = rte_be_to_cpu_32(t->th->sent_seq);
	t->ack = rte_be_to_cpu_32(t->th->recv_ack);
	t->flags = t->th->tcp_flags;
	t->wnd = rte_be_to_cpu_16(t->th->rx_win);
	t->hdr_len = (uint32_t)(t->th->data_off >> 4) * 4;
	t->opts = (const uint8_t *)(t->th + 1);
	t->payload = m->pkt_len - (uint32_t)sizeof(struct rte_ether_hdr) -
		     (uint32_t)sizeof(struct rte_ipv4_hdr) - t->hdr_len;
	/* Software checksum check over the whole chain. */
	rte_raw_cksum_mbuf(m, sizeof(struct rte_ether_hdr) +
			   sizeof(struct rte_ipv4_hdr),
			   m->pkt_len - sizeof(struct rte_ether_hdr) -
			   sizeof(struct rte_ipv4_hdr), &raw);
	sum = (uint32_t)raw + rte_ipv4_phdr_cksum(t->ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	t->cksum_ok = sum == 0xffff &&
		      rte_raw_cksum(t->ip, sizeof(*t->ip)) == 0xffff &&
		      rte_be_to_cpu_16(t->ip->total_length) ==
			      m->pkt_len - sizeof(struct rte_ether_hdr);
	return 0;
}

void h_tcp_payload(struct harness *h, unsigned int i, uint32_t off,
		   void *dst, uint32_t len)
{
	struct rte_mbuf *m = h->cap[i];
	struct h_tcp t;
	uint32_t base;

	h_tcp_parse(h, i, &t);
	base = (uint32_t)(sizeof(struct rte_ether_hdr) +
			  sizeof(struct rte_ipv4_hdr)) + t.hdr_len + off;
	{
		const void *p = rte_pktmbuf_read(m, base, len, dst);

		if (p != NULL && p != dst)
			memcpy(dst, p, len);
	}
}

uint64_t h_stat(struct harness *h, const char *name)
{
	const struct spate_net_stat_desc *d;

	for (d = spate_net_stat_descs; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return *(const uint64_t *)((const char *)&h->net->stats +
						   d->offset);
	fprintf(stderr, "no counter %s\n", name);
	abort();
}

void h_ts_opt(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = 1;
	p[1] = 1;
	p[2] = 8;
	p[3] = 10;
	p[4] = (uint8_t)(tsval >> 24);
	p[5] = (uint8_t)(tsval >> 16);
	p[6] = (uint8_t)(tsval >> 8);
	p[7] = (uint8_t)tsval;
	p[8] = (uint8_t)(tsecr >> 24);
	p[9] = (uint8_t)(tsecr >> 16);
	p[10] = (uint8_t)(tsecr >> 8);
	p[11] = (uint8_t)tsecr;
}
