/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: TCP input (and the option parser under it).
 *
 * Input layout:
 *   byte 0   mode: bit 0 fix TCP checksums, bit 1 open a connection first
 *            (handshake with Linux-like options), bit 2 force the ports
 *            onto that connection, bit 3 make kind-0 ACK numbers and SACK
 *            block edges relative to our first sequence number (the ISS
 *            is random, so without this SACK processing is rarely reached)
 *   then records, at most 32:  kind(1) len(1) bytes(len)
 *     kind 0  a TCP header + payload from the peer, wrapped in valid
 *             Ethernet/IPv4 headers
 *     kind 1  a whole Ethernet frame, unchanged
 *     kind 2  advance time by bytes[0] * 16 ms (timers fire)
 *     kind 3  application action on the open connection: send bytes
 *             (copy), send a reference, close, or abort
 * Every record's option bytes also go through tcp_options_parse directly.
 * Each input runs on a fresh stack; at the end every mbuf must be back in
 * its pool (the harness aborts on a leak), so leaks are crashes too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "tcp_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct harness H;
static struct spate_tcp_conn *fz_conn;
static struct spate_extbuf *fz_buf;
static uint32_t fz_seq_base; /* our ISS + 1 after the handshake */

static int fz_accept(struct spate_tcp_conn *c, void *l, void **ctx)
{
	(void)l;
	*ctx = NULL;
	fz_conn = c;
	return 0;
}

static void fz_data(struct spate_tcp_conn *c, void *ctx, const uint8_t *d,
		    uint32_t len)
{
	(void)ctx;
	/* Echo a little back from inside the callback (deferred output). */
	if (len > 0 && d[0] == 'E')
		spate_tcp_send_copy(c, d, len > 64 ? 64 : len);
	if (len > 0 && d[0] == 'X')
		spate_tcp_abort(c);
}

static void fz_closed(struct spate_tcp_conn *c, void *ctx, int reason)
{
	(void)ctx;
	(void)reason;
	if (c == fz_conn)
		fz_conn = NULL;
}

static const struct spate_tcp_ops fz_ops = {
	.on_accept = fz_accept,
	.on_data = fz_data,
	.on_closed = fz_closed,
};

static uint32_t fz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void fz_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Adds base to the ACK number and to SACK edges (bounded walk). */
static void rebase_ack(struct rte_tcp_hdr *th, uint32_t len, uint32_t base)
{
	uint8_t *o = (uint8_t *)(th + 1);
	uint32_t doff = (uint32_t)(th->data_off >> 4) * 4, i = 0, n, k;

	th->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(th->recv_ack) + base);
	if (doff > len)
		doff = len;
	n = doff > sizeof(*th) ? doff - (uint32_t)sizeof(*th) : 0;
	while (i < n) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
			break;
		if (o[i] == 5)
			for (k = i + 2; k + 4 <= i + o[i + 1]; k += 4)
				fz_put32(&o[k], fz_get32(&o[k]) + base);
		i += o[i + 1];
	}
}

static struct rte_mbuf *wrap_tcp(const uint8_t *tcp, uint32_t len, int fix,
				 int force_ports, int rel)
{
	struct rte_mbuf *m = h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 0, 0, 0, 0,
				      NULL, 0, NULL, 0);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	/* Replace the crafted 20-byte header with the fuzz bytes. */
	rte_pktmbuf_trim(m, sizeof(struct rte_tcp_hdr));
	if (rte_pktmbuf_append(m, (uint16_t)len) == NULL && len > 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	memcpy(ip + 1, tcp, len);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	if (len >= sizeof(*th)) {
		if (rel)
			rebase_ack(th, len, fz_seq_base);
		if (force_ports) {
			th->src_port = rte_cpu_to_be_16(H_PEER_PORT);
			th->dst_port = rte_cpu_to_be_16(H_OUR_PORT);
		}
		if (fix) {
			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		}
	}
	return m;
}

static void handshake(void)
{
	struct h_tcp t;
	uint8_t ts[12];

	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 1000, 0,
			     RTE_TCP_SYN_FLAG, 64240, h_linux_syn_opts, 20,
			     NULL, 0));
	if (H.ncap == 0 || h_tcp_parse(&H, 0, &t) < 0)
		return;
	h_ts_opt(ts, 2, 0);
	fz_seq_base = t.seq + 1;
	h_clear(&H);
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 1001, t.seq + 1,
			     RTE_TCP_ACK_FLAG, 502, ts, 12, NULL, 0));
	h_clear(&H);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spate_net_conf conf;
	struct tcp_opts o;
	size_t pos = 1;
	int records = 0;
	uint8_t mode;

	if (size < 1)
		return 0;
	if (h_eal_init() < 0)
		abort();
	mode = data[0];
	spate_net_conf_defaults(&conf);
	conf.max_conns = 8;
	conf.syn_backlog = 4;
	conf.arp_entries = 4;
	conf.ooo_max_segs = 4;
	h_init(&H, &conf, 0, 1);
	fz_conn = NULL;
	fz_seq_base = 0;
	fz_buf = spate_extbuf_alloc(4096, SOCKET_ID_ANY);
	if (fz_buf == NULL)
		abort();
	memset(fz_buf->data, 'r', 4096);
	spate_tcp_listen(H.net, H_OUR_PORT, &fz_ops, NULL);
	if (mode & 2)
		handshake();

	while (pos + 2 <= size && records++ < 32) {
		uint8_t kind = data[pos], len = data[pos + 1];
		const uint8_t *p = &data[pos + 2];
		struct rte_mbuf *m;

		if (pos + 2 + len > size)
			len = (uint8_t)(size - pos - 2);
		pos += 2u + len;
		if (len > 20)
			tcp_options_parse(p + 20, len - 20u, &o);
		switch (kind & 3) {
		case 0:
			m = wrap_tcp(p, len, mode & 1, mode & 4, mode & 8);
			if (m != NULL)
				h_input(&H, m);
			break;
		case 1:
			m = h_mk_tcp(&H, 1, 1, 0, 0, 0, 0, NULL, 0, NULL, 0);
			rte_pktmbuf_reset(m);
			if (rte_pktmbuf_append(m, len) != NULL || len == 0) {
				memcpy(rte_pktmbuf_mtod(m, void *), p, len);
				h_input(&H, m);
			} else {
				rte_pktmbuf_free(m);
			}
			break;
		case 2:
			h_advance_ms(&H, len ? (uint64_t)p[0] * 16 : 1);
			break;
		case 3:
			if (fz_conn == NULL || len == 0)
				break;
			switch (p[0] & 3) {
			case 0:
				spate_tcp_send_copy(fz_conn, p, len);
				break;
			case 1:
				spate_tcp_send_ref(fz_conn, fz_buf, p[0],
						   (uint32_t)len * 16);
				break;
			case 2:
				spate_tcp_close(fz_conn);
				break;
			default:
				spate_tcp_abort(fz_conn);
				break;
			}
			spate_net_tx_flush(H.net);
			break;
		}
		h_clear(&H);
	}
	spate_extbuf_put(fz_buf);
	h_fini(&H);
	return 0;
}
