/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: validation of a received segment and the "segment arrives"
 * processing of RFC 9293 3.10.7, in its order — acceptability, RST, SYN,
 * ACK, data, FIN — with RFC 5961 challenge ACKs, RFC 7323 PAWS and
 * timestamp/RTT handling, delayed ACKs (every second segment or
 * conf.delack_ms), and a bounded out-of-order queue.
 *
 * Received bytes are handed to the application as they become in-order and
 * are not buffered here, so the advertised window stays at
 * conf.rcv_wnd_bytes; only out-of-order segments are held (as the mbufs
 * they arrived in, up to conf.ooo_max_segs per connection).
 *
 * Anything malformed — short header, bad data offset, bad checksum,
 * malformed option — is dropped and counted before any state is touched.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp_impl.h"

#define TCP_MIN_SND_MSS 64 /* a peer may not make us send tiny segments */

static inline int conn_receives_data(const struct spate_tcp_conn *c)
{
	return c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	       c->state == TCP_FIN_WAIT_2;
}

/* Hands len bytes of m starting at off to the application. */
static void tcp_deliver(struct spate_tcp_conn *c, struct rte_mbuf *m,
			uint32_t off, uint32_t len)
{
	struct spate_net *net = c->net;

	NET_STAT_INC(net, tcp_data_segs_rx);
	NET_STAT_ADD(net, tcp_data_bytes_rx, len);
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && len > 0 && c->state != TCP_CLOSED) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);

		if ((c->flags & TF_APP_OPEN) && c->ops->on_data != NULL)
			c->ops->on_data(c, c->ctx,
					rte_pktmbuf_mtod_offset(m, uint8_t *,
								off),
					n);
		len -= n;
		off = 0;
		m = m->next;
	}
}

static void tcp_process_fin(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;

	c->rcv_nxt++;
	tcp_ack_now(c);
	switch (c->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		if ((c->flags & TF_APP_OPEN) && c->ops->on_eof != NULL)
			c->ops->on_eof(c, c->ctx);
		else
			spate_tcp_close(c);
		break;
	case TCP_FIN_WAIT_1:
		if (c->flags & TF_FIN_ACKED)
			tcp_conn_enter_time_wait(c);
		else
			c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		tcp_conn_enter_time_wait(c);
		break;
	case TCP_TIME_WAIT:
		c->t_2msl = net->now_us + (uint64_t)net->conf.time_wait_ms *
						  1000;
		break;
	default:
		break;
	}
}

/*
 * Keeps an out-of-order segment (trimmed to its payload) in seq order.
 * Returns 1 when the mbuf is now owned by the queue.
 */
static int tcp_ooo_insert(struct spate_tcp_conn *c, struct tcp_seg *seg)
{
	struct spate_net *net = c->net;
	struct spate_tcp_stack *s = net->tcp;
	struct rte_mbuf *m = seg->m, **link;
	struct net_mbuf_priv *priv;

	if (c->ooo_count >= net->conf.ooo_max_segs ||
	    s->ooo_total >= net->conf.ooo_max_segs_lcore ||
	    seg->payload_off > m->data_len)
		goto drop;
	for (link = &c->ooo_head; *link != NULL;
	     link = &net_mbuf_priv(*link)->next) {
		struct net_mbuf_priv *p = net_mbuf_priv(*link);

		if (p->seq == seg->seq && p->len >= seg->len)
			goto drop; /* duplicate */
		if (SEQ_GT(p->seq, seg->seq))
			break;
	}
	rte_pktmbuf_adj(m, (uint16_t)seg->payload_off);
	if (m->pkt_len > seg->len &&
	    rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - seg->len)) != 0)
		goto drop_adjusted;
	priv = net_mbuf_priv(m);
	priv->seq = seg->seq;
	priv->len = seg->len;
	priv->next = *link;
	*link = m;
	c->ooo_count++;
	s->ooo_total++;
	NET_STAT_INC(net, tcp_ooo_queued);
	if (seg->flags & RTE_TCP_FIN_FLAG) {
		c->flags |= TF_OOO_FIN;
		c->ooo_fin_seq = seg->seq + seg->len;
	}
	return 1;
drop_adjusted:
drop:
	NET_STAT_INC(net, tcp_ooo_dropped);
	return 0;
}

/* Delivers queued segments that the new rcv_nxt made in-order. */
static void tcp_ooo_drain(struct spate_tcp_conn *c)
{
	struct spate_tcp_stack *s = c->net->tcp;
	struct rte_mbuf *m;

	while ((m = c->ooo_head) != NULL &&
	       SEQ_LEQ(net_mbuf_priv(m)->seq, c->rcv_nxt)) {
		struct net_mbuf_priv *p = net_mbuf_priv(m);
		uint32_t end = p->seq + p->len;

		c->ooo_head = p->next;
		c->ooo_count--;
		s->ooo_total--;
		if (SEQ_GT(end, c->rcv_nxt)) {
			uint32_t off = c->rcv_nxt - p->seq;

			c->rcv_nxt = end;
			tcp_deliver(c, m, off, end - (p->seq + off));
		}
		rte_pktmbuf_free(m);
		if (c->state == TCP_CLOSED)
			return;
	}
	if ((c->flags & TF_OOO_FIN) && c->ooo_fin_seq == c->rcv_nxt) {
		c->flags &= (uint16_t)~TF_OOO_FIN;
		tcp_process_fin(c);
	}
}

/* A SYN (or anything else) for which no connection exists. */
static void tcp_input_listen(struct spate_net *net, struct tcp_seg *seg)
{
	const struct tcp_listener *l;
	struct spate_tcp_conn *c;
	const struct tcp_opts *o = &seg->opts;
	uint32_t peer_mss, mtu_mss;

	if (seg->flags & RTE_TCP_RST_FLAG)
		return;
	if ((seg->flags & RTE_TCP_ACK_FLAG) ||
	    !(seg->flags & RTE_TCP_SYN_FLAG)) {
		NET_STAT_INC(net, tcp_no_listener);
		tcp_send_rst_reply(net, seg);
		return;
	}
	if (seg->flags & RTE_TCP_FIN_FLAG)
		return; /* SYN+FIN: a scan, not a connection */
	NET_STAT_INC(net, tcp_syn_rx);
	l = tcp_listener_find(net, seg->th->dst_port);
	if (l == NULL) {
		NET_STAT_INC(net, tcp_no_listener);
		tcp_send_rst_reply(net, seg);
		return;
	}
	if (net->tcp->n_syn_rcvd >= net->conf.syn_backlog) {
		NET_STAT_INC(net, tcp_syn_backlog_drop);
		return;
	}
	c = tcp_conn_alloc(net, seg->ip->src_addr, seg->th->src_port,
			   seg->th->dst_port);
	if (c == NULL)
		return;
	c->state = TCP_SYN_RCVD;
	net->tcp->n_syn_rcvd++;
	c->ops = l->ops;
	c->ctx = l->ctx;
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;

	mtu_mss = net->ifc->mtu - 40u;
	peer_mss = (o->flags & TCP_OPT_F_MSS) ? o->mss : TCP_DEFAULT_MSS;
	peer_mss = RTE_MIN(peer_mss, mtu_mss);
	c->mss = (uint16_t)RTE_MAX(peer_mss, (uint32_t)TCP_MIN_SND_MSS);
	if (o->flags & TCP_OPT_F_WSCALE) {
		uint32_t w = net->conf.rcv_wnd_bytes;

		c->flags |= TF_WS_OK;
		c->snd_wscale = o->wscale;
		while (c->rcv_wscale < TCP_MAX_WSCALE && (w >> c->rcv_wscale) >
							       0xffff)
			c->rcv_wscale++;
	}
	if (o->flags & TCP_OPT_F_TS) {
		c->flags |= TF_TS_OK;
		c->ts_recent = o->tsval;
		c->mss = (uint16_t)(c->mss - TCP_OPT_TS_LEN);
	}
	if ((o->flags & TCP_OPT_F_SACK_PERM) && net->conf.sack)
		c->flags |= TF_SACK_PERM;
	c->snd_wnd = seg->wnd;
	c->snd_wl1 = seg->seq;
	c->iss = tcp_iss_new(net, c);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->sack_high_rxt = c->iss;
	c->rto_us = net->conf.rto_init_ms * 1000;
	c->last_rx_us = net->now_us;
	tcp_cc_init(c);
	tcp_output(c);
}

static int tcp_seq_acceptable(const struct spate_tcp_conn *c,
			      const struct tcp_seg *seg)
{
	uint32_t wnd = tcp_rcv_wnd(c);
	uint32_t end = c->rcv_nxt + wnd;

	if (wnd == 0)
		return seg->len == 0 && seg->seq == c->rcv_nxt;
	if (seg->len == 0)
		return SEQ_GEQ(seg->seq, c->rcv_nxt) && SEQ_LT(seg->seq, end);
	return (SEQ_GEQ(seg->seq, c->rcv_nxt) && SEQ_LT(seg->seq, end)) ||
	       (SEQ_GEQ(seg->seq + seg->len - 1, c->rcv_nxt) &&
		SEQ_LT(seg->seq + seg->len - 1, end));
}

/* Completes the handshake; returns 0, or -1 if the connection is gone. */
static int tcp_input_synrcvd_ack(struct spate_tcp_conn *c,
				 struct tcp_seg *seg)
{
	struct spate_net *net = c->net;
	void *conn_ctx = NULL;
	int rc;

	if (!SEQ_GT(seg->ack, c->snd_una) || SEQ_GT(seg->ack, c->snd_max)) {
		tcp_send_rst_reply(net, seg);
		return -1;
	}
	net->tcp->n_syn_rcvd--;
	c->state = TCP_ESTABLISHED;
	c->snd_una = seg->ack;
	c->backoff = 0;
	c->probes = 0;
	c->t_rexmt = 0;
	c->snd_wnd = seg->wnd << c->snd_wscale;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	if ((c->flags & TF_TS_OK) && (seg->opts.flags & TCP_OPT_F_TS) &&
	    seg->opts.tsecr != 0)
		tcp_rtt_sample(c, (tcp_now_ms(net) - seg->opts.tsecr) * 1000);
	if (net->conf.keepalive_ms)
		c->t_keep = net->now_us +
			    (uint64_t)net->conf.keepalive_ms * 1000;

	rc = c->ops->on_accept(c, c->ctx, &conn_ctx);
	if (c->state == TCP_CLOSED) /* aborted from inside on_accept */
		return -1;
	if (rc < 0) {
		NET_STAT_INC(net, tcp_refused);
		c->ops = NULL;
		c->ctx = NULL;
		tcp_send_rst(c);
		tcp_conn_close_final(c, SPATE_TCP_CLOSED_ABORTED);
		return -1;
	}
	NET_STAT_INC(net, tcp_accepts);
	c->flags |= TF_APP_OPEN;
	c->ctx = conn_ctx;
	return 0;
}

/* A new cumulative ACK: free the send queue, RTT, congestion window. */
static void tcp_input_new_ack(struct spate_tcp_conn *c, struct tcp_seg *seg)
{
	struct spate_net *net = c->net;
	uint32_t acked = seg->ack - c->snd_una;
	uint32_t data_acked = acked;

	if ((c->flags & TF_TS_OK) && (seg->opts.flags & TCP_OPT_F_TS) &&
	    seg->opts.tsecr != 0) {
		tcp_rtt_sample(c, (tcp_now_ms(net) - seg->opts.tsecr) * 1000);
	} else if ((c->flags & TF_RTT_TIMING) && SEQ_GT(seg->ack, c->rtt_seq)) {
		c->flags &= (uint16_t)~TF_RTT_TIMING;
		tcp_rtt_sample(c, (uint32_t)(net->now_us - c->rtt_start_us));
	}
	c->backoff = 0;
	c->tlp_state = TCP_TLP_IDLE; /* an ACK: the next flight may probe */
	if ((uint64_t)data_acked > c->sndq_bytes) {
		/* Only a FIN sits after the data. */
		data_acked = (uint32_t)c->sndq_bytes;
		if (c->flags & TF_FIN_QUEUED)
			c->flags |= TF_FIN_ACKED;
	}
	tcp_sndq_release(c, data_acked);
	c->snd_una = seg->ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (c->flags & TF_SACK_PERM)
		tcp_sack_prune(c);
	if (c->flags & TF_RECOVERY)
		tcp_cc_recovery_ack(c, acked);
	else
		tcp_cc_ack(c, acked);
	c->dupacks = 0;
	if (c->snd_una == c->snd_max)
		c->t_rexmt = 0;
	else
		tcp_rexmt_arm(c);
	if (data_acked > 0 && (c->flags & TF_APP_OPEN) &&
	    c->ops->on_sent != NULL)
		c->ops->on_sent(c, c->ctx, data_acked);
}

/* Returns 1 when the segment's mbuf was kept (out-of-order queue). */
static int tcp_input_conn(struct spate_tcp_conn *c, struct tcp_seg *seg)
{
	struct spate_net *net = c->net;
	const struct tcp_opts *o = &seg->opts;
	int keep = 0;

	c->last_rx_us = net->now_us;
	if (c->state != TCP_SYN_RCVD)
		c->probes = 0;

	/* RFC 7323 5.3 PAWS. */
	if ((c->flags & TF_TS_OK) && (o->flags & TCP_OPT_F_TS) &&
	    !(seg->flags & RTE_TCP_RST_FLAG) &&
	    SEQ_LT(o->tsval, c->ts_recent)) {
		NET_STAT_INC(net, tcp_paws_drop);
		tcp_ack_now(c);
		goto output;
	}
	/* Our SYN-ACK was lost: the peer repeats its SYN. */
	if (c->state == TCP_SYN_RCVD && (seg->flags & RTE_TCP_SYN_FLAG) &&
	    !(seg->flags & RTE_TCP_ACK_FLAG) && seg->seq == c->irs) {
		tcp_send_synack(c);
		return 0;
	}
	/*
	 * RFC 9293 3.10.7.4: with a zero window no segment is acceptable,
	 * but its ACK must still be processed — the peer piggybacks the ACKs
	 * for our data on segments we cannot take, and ignoring them would
	 * leave us retransmitting into a deadlock.
	 */
	if (seg->seq == c->rcv_nxt && seg->len > 0 && tcp_rcv_wnd(c) == 0) {
		NET_STAT_INC(net, tcp_out_of_window);
		seg->len = 0;
		seg->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
		tcp_ack_now(c);
	}
	if (!tcp_seq_acceptable(c, seg)) {
		NET_STAT_INC(net, tcp_out_of_window);
		if (!(seg->flags & RTE_TCP_RST_FLAG))
			tcp_ack_now(c);
		goto output;
	}
	/* Trim what we already have at the front, what does not fit behind. */
	if (SEQ_LT(seg->seq, c->rcv_nxt)) {
		uint32_t delta = c->rcv_nxt - seg->seq;

		if (seg->flags & RTE_TCP_SYN_FLAG) {
			seg->flags &= (uint8_t)~RTE_TCP_SYN_FLAG;
			seg->seq++;
			delta--;
		}
		if (delta >= seg->len) {
			if (delta > seg->len)
				seg->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
			delta = seg->len;
		}
		seg->seq += delta;
		seg->len -= delta;
		seg->payload_off += delta;
		tcp_ack_now(c);
	}
	if (SEQ_GT(seg->seq + seg->len, c->rcv_nxt + tcp_rcv_wnd(c))) {
		seg->len = c->rcv_nxt + tcp_rcv_wnd(c) - seg->seq;
		seg->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
	}
	/* RFC 7323 4.3: remember the peer's clock. */
	if ((c->flags & TF_TS_OK) && (o->flags & TCP_OPT_F_TS) &&
	    SEQ_GEQ(o->tsval, c->ts_recent) &&
	    SEQ_LEQ(seg->seq, c->last_ack_sent))
		c->ts_recent = o->tsval;

	if (seg->flags & RTE_TCP_RST_FLAG) {
		NET_STAT_INC(net, tcp_rst_rx);
		if (seg->seq == c->rcv_nxt) {
			NET_STAT_INC(net, tcp_reset_by_peer);
			tcp_conn_close_final(c, SPATE_TCP_CLOSED_RESET);
			return 0;
		}
		NET_STAT_INC(net, tcp_challenge_acks);
		tcp_ack_now(c);
		goto output;
	}
	if (seg->flags & RTE_TCP_SYN_FLAG) {
		NET_STAT_INC(net, tcp_challenge_acks);
		tcp_ack_now(c);
		goto output;
	}
	if (!(seg->flags & RTE_TCP_ACK_FLAG))
		return 0;

	if (c->state == TCP_SYN_RCVD) {
		if (tcp_input_synrcvd_ack(c, seg) < 0)
			return 0;
		if (c->state == TCP_CLOSED)
			return 0;
	} else if (SEQ_GT(seg->ack, c->snd_max)) {
		tcp_ack_now(c);
		goto output;
	} else if (SEQ_GT(seg->ack, c->snd_una)) {
		if ((c->flags & TF_SACK_PERM) && (o->flags & TCP_OPT_F_SACK))
			tcp_sack_update(c, o, seg->ack);
		/* Past the RTO'd segment without a D-SACK: a real loss. */
		if (SEQ_GT(seg->ack, c->undo_seq))
			c->undo_cwnd = 0;
		tcp_input_new_ack(c, seg);
		if (c->state == TCP_CLOSED)
			return 0;
	} else if (seg->ack == c->snd_una && seg->len == 0 &&
		   !(seg->flags & RTE_TCP_FIN_FLAG) &&
		   c->snd_max != c->snd_una &&
		   (seg->wnd << c->snd_wscale) == c->snd_wnd) {
		NET_STAT_INC(net, tcp_dupacks_rx);
		if ((c->flags & TF_SACK_PERM) && (o->flags & TCP_OPT_F_SACK))
			tcp_sack_update(c, o, seg->ack);
		if (c->dupacks < 255)
			c->dupacks++;
		tcp_cc_dupack(c);
	} else if ((c->flags & TF_SACK_PERM) && (o->flags & TCP_OPT_F_SACK) &&
		   seg->ack == c->snd_una) {
		/* Not a duplicate ACK by RFC 5681 (data, window change). */
		if (tcp_sack_update(c, o, seg->ack) > 0)
			tcp_cc_sack_check(c);
	}
	if ((c->flags & (TF_SACK_PERM | TF_RECOVERY)) == TF_SACK_PERM &&
	    c->sack_n > 0)
		tcp_cc_sack_check(c);

	/* Window update (RFC 9293 3.10.7.4, SND.WL1/WL2 rule). */
	if (SEQ_LT(c->snd_wl1, seg->seq) ||
	    (c->snd_wl1 == seg->seq && SEQ_LEQ(c->snd_wl2, seg->ack))) {
		uint32_t w = seg->wnd << c->snd_wscale;

		if (c->snd_wnd == 0 && w > 0) {
			c->t_persist = 0;
			c->backoff = 0;
		}
		c->snd_wnd = w;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
	}

	if (c->flags & TF_FIN_ACKED) {
		switch (c->state) {
		case TCP_FIN_WAIT_1:
			c->state = TCP_FIN_WAIT_2;
			c->t_2msl = net->now_us +
				    (uint64_t)net->conf.fin_wait2_ms * 1000;
			break;
		case TCP_CLOSING:
			tcp_conn_enter_time_wait(c);
			break;
		case TCP_LAST_ACK:
			tcp_conn_close_final(c, SPATE_TCP_CLOSED_OK);
			return 0;
		default:
			break;
		}
	}

	if (seg->len > 0 && conn_receives_data(c)) {
		if (seg->seq == c->rcv_nxt) {
			int had_ooo = c->ooo_head != NULL;

			c->rcv_nxt += seg->len;
			tcp_deliver(c, seg->m, seg->payload_off, seg->len);
			if (c->state == TCP_CLOSED)
				return 0;
			if (had_ooo) {
				tcp_ooo_drain(c);
				tcp_ack_now(c);
				if (c->state == TCP_CLOSED)
					return 0;
			} else if (++c->segs_unacked >= 2) {
				tcp_ack_now(c);
			} else if (!(c->flags & TF_DELACK)) {
				c->flags |= TF_DELACK;
				c->t_delack = net->now_us +
					      (uint64_t)net->conf.delack_ms *
						      1000;
			}
		} else {
			keep = tcp_ooo_insert(c, seg);
			seg->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
			tcp_ack_now(c);
		}
	} else if (seg->len > 0) {
		tcp_ack_now(c);
	}

	if ((seg->flags & RTE_TCP_FIN_FLAG) &&
	    seg->seq + seg->len == c->rcv_nxt && c->state != TCP_CLOSE_WAIT &&
	    c->state != TCP_CLOSING && c->state != TCP_LAST_ACK)
		tcp_process_fin(c);
output:
	if (c->state != TCP_CLOSED)
		tcp_output(c);
	return keep;
}

void net_tcp_input(struct spate_net *net, struct rte_mbuf *m,
		   struct rte_ipv4_hdr *ip, uint16_t l4_off)
{
	struct spate_tcp_conn *c;
	struct tcp_seg seg;
	uint32_t l4_len = m->pkt_len - l4_off, doff;
	int keep = 0;

	NET_STAT_INC(net, tcp_rx);
	if (unlikely(l4_len < sizeof(struct rte_tcp_hdr) ||
		     m->data_len < l4_off + sizeof(struct rte_tcp_hdr))) {
		NET_STAT_INC(net, tcp_bad_hdr);
		goto drop;
	}
	seg.th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	doff = (uint32_t)(seg.th->data_off >> 4) * 4;
	if (unlikely(doff < sizeof(struct rte_tcp_hdr) || doff > l4_len ||
		     m->data_len < l4_off + doff)) {
		NET_STAT_INC(net, tcp_bad_hdr);
		goto drop;
	}
	switch (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
	case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
		break;
	case RTE_MBUF_F_RX_L4_CKSUM_BAD:
		NET_STAT_INC(net, tcp_bad_cksum);
		goto drop;
	default:
		if (net_l4_cksum(m, ip, l4_off) != 0xffff) {
			NET_STAT_INC(net, tcp_bad_cksum);
			goto drop;
		}
	}
	if (unlikely(tcp_options_parse((const uint8_t *)(seg.th + 1),
				       doff - sizeof(struct rte_tcp_hdr),
				       &seg.opts) < 0)) {
		NET_STAT_INC(net, tcp_bad_opts);
		goto drop;
	}
	seg.m = m;
	seg.ip = ip;
	seg.seq = rte_be_to_cpu_32(seg.th->sent_seq);
	seg.ack = rte_be_to_cpu_32(seg.th->recv_ack);
	seg.wnd = rte_be_to_cpu_16(seg.th->rx_win);
	seg.flags = seg.th->tcp_flags;
	seg.len = l4_len - doff;
	seg.payload_off = l4_off + doff;

	c = tcp_conn_lookup(net, ip->src_addr, seg.th->src_port,
			    seg.th->dst_port);
	if (c != NULL && c->state == TCP_TIME_WAIT &&
	    (seg.flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG |
			  RTE_TCP_RST_FLAG)) == RTE_TCP_SYN_FLAG &&
	    SEQ_GT(seg.seq, c->rcv_nxt)) {
		/* A new incarnation (RFC 9293 3.10.7.4 note, like Linux). */
		NET_STAT_INC(net, tcp_time_wait_reuse);
		tcp_conn_close_final(c, SPATE_TCP_CLOSED_OK);
		c = NULL;
	}
	if (c == NULL) {
		tcp_input_listen(net, &seg);
		goto drop;
	}
	c->flags |= TF_IN_INPUT;
	keep = tcp_input_conn(c, &seg);
	tcp_conn_end_processing(c);
	if (keep)
		return;
drop:
	rte_pktmbuf_free(m);
}
