/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: deciding what to send (window, congestion window, FIN,
 * pending ACKs) and building segments.
 *
 * A data segment is a small header mbuf (Ethernet + IPv4 + TCP + options)
 * followed by one attachment mbuf per send-queue slice it covers: extbuf
 * slices are attached with rte_pktmbuf_attach_extbuf (zero copy; the
 * attachment holds a reference that the PMD drops when the frame is sent),
 * copied bytes by indirect mbufs on the copy mbuf.  Nothing is copied here,
 * so a retransmission costs a header and a few attachments.
 *
 * Checksums go to the port when it offers IPv4/TCP checksum offload, TSO
 * when it offers TCP_TSO (one burst of up to conf.tso_max_bytes with
 * tso_segsz = MSS); otherwise they are computed in software over the chain.
 *
 * One output pass sends at most conf.max_burst_segs MSS-sized segments per
 * connection (cheap pacing: the rest waits for the next ACK), and in SACK
 * recovery sends lost holes before new data, metered by the RFC 6675 pipe.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp_impl.h"

#define TCP_SEG_MAX_MBUFS 32 /* chain length cap per frame/burst */

uint32_t tcp_rcv_wnd_field(const struct spate_tcp_conn *c)
{
	uint32_t w = tcp_rcv_wnd(c) >> c->rcv_wscale;

	return w > 0xffff ? 0xffff : w;
}

/*
 * Allocates a frame holding the Ethernet, IPv4 and TCP headers plus optlen
 * option bytes (to be written by the caller at (th + 1)).
 */
static struct rte_mbuf *tcp_frame_alloc(struct spate_net *net,
					rte_be32_t raddr, rte_be16_t rport,
					rte_be16_t lport, uint32_t seq,
					uint32_t ack, uint8_t flags,
					uint16_t wnd, uint32_t optlen,
					struct rte_tcp_hdr **thp)
{
	struct rte_mbuf *m = net_alloc_hdr(net);
	struct rte_ether_hdr *eh;
	struct rte_tcp_hdr *th;
	uint32_t hlen = sizeof(*eh) + sizeof(struct rte_ipv4_hdr) +
			sizeof(*th) + optlen;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)hlen);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		NET_STAT_INC(net, mbuf_alloc_fail);
		return NULL;
	}
	rte_ether_addr_copy(&net->ifc->mac, &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	th = (struct rte_tcp_hdr *)((char *)(eh + 1) +
				    sizeof(struct rte_ipv4_hdr));
	th->src_port = lport;
	th->dst_port = rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	RTE_SET_USED(raddr);
	*thp = th;
	return m;
}

/* Fills IPv4, sets offload flags or computes checksums, and sends. */
static void tcp_frame_send(struct spate_net *net, struct rte_mbuf *m,
			   rte_be32_t raddr, uint32_t payload,
			   uint16_t tso_segsz)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4_len = (uint16_t)((th->data_off >> 4) * 4);
	uint64_t txo = net->ifc->tx_offloads;

	m->ol_flags = 0;
	net_ipv4_fill(net, m, ip, net->ifc->ip, raddr, IPPROTO_TCP,
		      (uint16_t)(sizeof(*ip) + l4_len + payload));
	m->l4_len = l4_len;
	if (tso_segsz != 0 && net->ifc->tso_frame_max != 0) {
		uint32_t hdrs = sizeof(*eh) + sizeof(*ip) + l4_len;

		if (tso_segsz + hdrs > net->ifc->tso_frame_max)
			tso_segsz = (uint16_t)(net->ifc->tso_frame_max - hdrs);
	}
	if (tso_segsz != 0 && payload > tso_segsz) {
		/* The port segments: pseudo-header sum without length. */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
			       RTE_MBUF_F_TX_TCP_CKSUM;
		if (txo & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
			m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		m->tso_segsz = tso_segsz;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		NET_STAT_INC(net, tcp_tso_segs_tx);
	} else if (txo & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		th->cksum = (uint16_t)~net_l4_cksum(
			m, ip, (uint16_t)(sizeof(*eh) + sizeof(*ip)));
	}
	net_ipv4_xmit(net, m, raddr);
}

/*
 * Chains attachments for len bytes starting off bytes after snd_una.
 * Returns the bytes attached: less than len if the chain cap or the mbuf
 * pool ran out, or after an odd-length slice on a port that cannot sum
 * those (ifc.tx_cksum_even_segs).
 */
static uint32_t tcp_attach_payload(struct spate_tcp_conn *c,
				   struct rte_mbuf *hdr, uint32_t off,
				   uint32_t len)
{
	struct spate_net *net = c->net;
	struct rte_mbuf *tail = hdr;
	uint32_t done = 0, skip = off, i = 0;

	while (done < len && i < c->sndq_count) {
		struct tcp_sndq_ent *e =
			&c->sndq[(c->sndq_head + i) % TCP_SNDQ_ENTRIES];
		struct rte_mbuf *mi;
		uint32_t n;

		if (skip >= e->len) {
			skip -= e->len;
			i++;
			continue;
		}
		if (hdr->nb_segs >= TCP_SEG_MAX_MBUFS)
			break;
		n = RTE_MIN(e->len - skip, len - done);
		n = RTE_MIN(n, (uint32_t)UINT16_MAX);
		mi = rte_pktmbuf_alloc(net->pool_hdr);
		if (mi == NULL) {
			NET_STAT_INC(net, mbuf_alloc_fail);
			break;
		}
		if (e->is_mbuf) {
			struct rte_mbuf *src = e->obj;

			rte_pktmbuf_attach(mi, src);
			mi->data_off = (uint16_t)(src->data_off + e->off + skip);
		} else {
			struct spate_extbuf *b = e->obj;

			spate_extbuf_get(b);
			rte_pktmbuf_attach_extbuf(mi, b->data + e->off + skip,
						  b->iova + e->off + skip,
						  (uint16_t)n, &b->shinfo);
			NET_STAT_ADD(net, tcp_zero_copy_bytes_tx, n);
		}
		mi->data_len = (uint16_t)n;
		mi->pkt_len = n;
		tail->next = mi;
		tail = mi;
		hdr->nb_segs++;
		hdr->pkt_len += n;
		done += n;
		skip += n;
		if ((n & 1) && net->ifc->tx_cksum_even_segs)
			break;
	}
	return done;
}

int tcp_send_segment(struct spate_tcp_conn *c, uint32_t seq, uint32_t len,
		     uint8_t flags)
{
	struct spate_net *net = c->net;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t optlen = (c->flags & TF_TS_OK) ? TCP_OPT_TS_LEN : 0;
	uint32_t sent = 0;

	m = tcp_frame_alloc(net, c->raddr, c->rport, c->lport, seq, c->rcv_nxt,
			    flags, (uint16_t)tcp_rcv_wnd_field(c), optlen, &th);
	if (m == NULL)
		return -ENOMEM;
	if (optlen)
		tcp_options_write_ts((uint8_t *)(th + 1), tcp_now_ms(net),
				     c->ts_recent);
	if (len > 0) {
		sent = tcp_attach_payload(c, m, seq - c->snd_una, len);
		if (sent == 0) {
			rte_pktmbuf_free(m);
			return -ENOMEM;
		}
		if (sent < len) /* the FIN belongs after the last byte */
			th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG |
						     RTE_TCP_PSH_FLAG);
		NET_STAT_INC(net, tcp_data_segs_tx);
		NET_STAT_ADD(net, tcp_data_bytes_tx, sent);
		if (SEQ_LT(seq, c->snd_max))
			NET_STAT_INC(net, tcp_retransmit_segs);
	} else if (!(flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))) {
		NET_STAT_INC(net, tcp_acks_tx);
	}
	c->last_ack_sent = c->rcv_nxt;
	c->rcv_wnd_adv = tcp_rcv_wnd_field(c) << c->rcv_wscale;
	c->flags &= (uint16_t)~(TF_ACK_NOW | TF_DELACK);
	c->t_delack = 0;
	c->segs_unacked = 0;
	tcp_frame_send(net, m, c->raddr, sent,
		       (net->ifc->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)
			       ? c->mss
			       : 0);
	return (int)sent;
}

void tcp_send_ack(struct spate_tcp_conn *c)
{
	tcp_send_segment(c, c->snd_nxt, 0, RTE_TCP_ACK_FLAG);
}

void tcp_send_probe(struct spate_tcp_conn *c)
{
	tcp_send_segment(c, c->snd_una - 1, 0, RTE_TCP_ACK_FLAG);
}

void tcp_send_synack(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t opts[40];
	uint32_t optlen;
	uint32_t wnd = net->conf.rcv_wnd_bytes > 0xffff
			       ? 0xffff
			       : net->conf.rcv_wnd_bytes;

	optlen = tcp_options_write_synack(
		opts, (uint16_t)(net->ifc->mtu - 40), !!(c->flags & TF_WS_OK),
		c->rcv_wscale, !!(c->flags & TF_TS_OK), tcp_now_ms(net),
		c->ts_recent, !!(c->flags & TF_SACK_PERM));
	m = tcp_frame_alloc(net, c->raddr, c->rport, c->lport, c->iss,
			    c->rcv_nxt, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			    (uint16_t)wnd, optlen, &th);
	if (m == NULL)
		return;
	memcpy(th + 1, opts, optlen);
	c->last_ack_sent = c->rcv_nxt;
	tcp_frame_send(net, m, c->raddr, 0, 0);
}

void tcp_send_rst(struct spate_tcp_conn *c)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	m = tcp_frame_alloc(c->net, c->raddr, c->rport, c->lport, c->snd_nxt,
			    c->rcv_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0,
			    0, &th);
	if (m == NULL)
		return;
	NET_STAT_INC(c->net, tcp_rst_tx);
	tcp_frame_send(c->net, m, c->raddr, 0, 0);
}

void tcp_send_rst_reply(struct spate_net *net, const struct tcp_seg *seg)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t seq = 0, ack = 0;
	uint8_t flags = RTE_TCP_RST_FLAG;

	if (seg->flags & RTE_TCP_RST_FLAG)
		return;
	if (seg->flags & RTE_TCP_ACK_FLAG) {
		seq = seg->ack;
	} else {
		flags |= RTE_TCP_ACK_FLAG;
		ack = seg->seq + seg->len +
		      !!(seg->flags & RTE_TCP_SYN_FLAG) +
		      !!(seg->flags & RTE_TCP_FIN_FLAG);
	}
	m = tcp_frame_alloc(net, seg->ip->src_addr, seg->th->src_port,
			    seg->th->dst_port, seq, ack, flags, 0, 0, &th);
	if (m == NULL)
		return;
	NET_STAT_INC(net, tcp_rst_tx);
	tcp_frame_send(net, m, seg->ip->src_addr, 0, 0);
}

void tcp_output(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;
	const int tso = !!(net->ifc->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO);
	uint32_t maxseg, data_end, sent_segs = 0, burst_left, pipe = 0, segs;
	int sack_rec;

	switch (c->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
	case TCP_SYN_SENT:
		return;
	case TCP_SYN_RCVD:
		if (c->snd_nxt == c->iss) {
			tcp_send_synack(c);
			c->snd_nxt = c->snd_max = c->iss + 1;
			tcp_rexmt_arm(c);
		}
		tcp_timer_update(c);
		return;
	case TCP_TIME_WAIT:
		if (c->flags & TF_ACK_NOW)
			tcp_send_ack(c);
		return;
	default:
		break;
	}

	maxseg = c->mss;
	if (tso && net->conf.tso_max_bytes > c->mss)
		maxseg = net->conf.tso_max_bytes / c->mss * c->mss;
	data_end = c->sndq_bytes > UINT32_MAX / 2 ? UINT32_MAX / 2
						  : (uint32_t)c->sndq_bytes;
	burst_left = net->conf.max_burst_segs ? net->conf.max_burst_segs
					      : UINT32_MAX;
	/*
	 * RFC 6675 recovery: lost holes first, then new data, both metered
	 * by pipe instead of snd_nxt - snd_una.
	 */
	sack_rec = !!(c->flags & TF_SACK_RECOVERY);
	if (sack_rec) {
		pipe = tcp_sack_pipe(c);
		burst_left -= tcp_sack_retransmit_holes(c, &pipe, burst_left);
	}

	for (;;) {
		uint32_t off = c->snd_nxt - c->snd_una;
		uint32_t avail = off < data_end ? data_end - off : 0;
		uint32_t wnd = RTE_MIN(c->snd_wnd, c->cwnd);
		uint32_t usable = wnd > off ? wnd - off : 0;
		uint32_t len = RTE_MIN(avail, usable);
		uint8_t flags = RTE_TCP_ACK_FLAG;
		int fin, rc;

		if (sack_rec) {
			uint32_t room = c->cwnd > pipe ? c->cwnd - pipe : 0;
			uint32_t swnd = c->snd_wnd > off ? c->snd_wnd - off : 0;

			len = RTE_MIN(room, swnd);
			len = RTE_MIN(avail, len);
		}
		len = RTE_MIN(len, maxseg);
		/* Silly window avoidance: no runt while data is in flight. */
		if (len < c->mss && len < avail && c->snd_nxt != c->snd_una)
			len = 0;
		fin = (c->flags & TF_FIN_QUEUED) && !(c->flags & TF_FIN_ACKED) &&
		      off <= data_end && off + len == data_end;
		if (len == 0 && !fin)
			break;
		if (burst_left == 0) {
			NET_STAT_INC(net, tcp_burst_limited);
			break;
		}
		if (len > burst_left * (uint64_t)c->mss) {
			len = burst_left * (uint32_t)c->mss;
			fin = 0;
		}
		if (len > 0 && off + len == data_end)
			flags |= RTE_TCP_PSH_FLAG;
		if (fin)
			flags |= RTE_TCP_FIN_FLAG;
		rc = tcp_send_segment(c, c->snd_nxt, len, flags);
		if (rc < 0)
			break;
		if (!(c->flags & (TF_RTT_TIMING | TF_TS_OK)) && rc > 0 &&
		    SEQ_GEQ(c->snd_nxt, c->snd_max)) {
			c->flags |= TF_RTT_TIMING;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start_us = net->now_us;
		}
		c->snd_nxt += (uint32_t)rc + (fin && (uint32_t)rc == len);
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (c->t_rexmt == 0)
			tcp_rexmt_arm(c);
		c->t_persist = 0;
		pipe += (uint32_t)rc;
		segs = ((uint32_t)rc + c->mss - 1) / c->mss;
		burst_left = segs < burst_left ? burst_left - segs : 0;
		/* A short send (chain cap, odd slice) just continues. */
		if (++sent_segs >= 256 || (rc == 0 && !fin))
			break;
	}
	if (sent_segs == 0 && (c->flags & TF_ACK_NOW))
		tcp_send_ack(c);

	/* Zero window with data waiting and nothing in flight: probe. */
	if (c->snd_wnd == 0 && c->snd_nxt == c->snd_una &&
	    data_end > 0 && c->t_rexmt == 0 && c->t_persist == 0)
		c->t_persist = net->now_us + ((uint64_t)c->rto_us << c->backoff);
	tcp_timer_update(c);
}
