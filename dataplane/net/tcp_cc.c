/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: NewReno (RFC 5681 slow start and congestion
 * avoidance with appropriate byte counting, RFC 6582 fast retransmit and
 * fast recovery, RFC 6928 initial window).  Kept behind five hooks so CUBIC
 * (RFC 9438) can replace the window arithmetic without touching the input
 * path.
 */
#include "tcp_impl.h"

#define TCP_CWND_MAX (1u << 30)

void tcp_cc_init(struct spate_tcp_conn *c)
{
	uint32_t iw = c->net->conf.init_cwnd_segs * c->mss;

	c->cwnd = iw ? iw : 2 * c->mss;
	c->ssthresh = TCP_CWND_MAX;
	c->recover = c->iss;
}

void tcp_cc_ack(struct spate_tcp_conn *c, uint32_t acked)
{
	uint32_t inc;

	if (c->cwnd < c->ssthresh) /* slow start, L = 2 SMSS (RFC 3465) */
		inc = RTE_MIN(acked, 2u * c->mss);
	else /* congestion avoidance: about one MSS per window */
		inc = RTE_MAX(1u, (uint32_t)((uint64_t)c->mss * acked /
					     c->cwnd));
	c->cwnd = RTE_MIN(c->cwnd + inc, TCP_CWND_MAX);
}

static uint32_t cc_half_flight(const struct spate_tcp_conn *c)
{
	return RTE_MAX(tcp_flight(c) / 2, 2u * c->mss);
}

/* Resends the first unacknowledged segment (or a lone FIN). */
static void cc_retransmit_first(struct spate_tcp_conn *c)
{
	uint32_t len = (uint32_t)RTE_MIN(c->sndq_bytes, (uint64_t)c->mss);
	uint8_t flags = RTE_TCP_ACK_FLAG;

	if (len == 0) {
		if (!(c->flags & TF_FIN_QUEUED))
			return;
		flags |= RTE_TCP_FIN_FLAG;
	}
	tcp_send_segment(c, c->snd_una, len, flags);
}

void tcp_cc_dupack(struct spate_tcp_conn *c)
{
	if (c->flags & TF_RECOVERY) {
		c->cwnd = RTE_MIN(c->cwnd + c->mss, TCP_CWND_MAX);
		return;
	}
	if (c->dupacks != 3 || SEQ_LT(c->snd_una, c->recover))
		return;
	NET_STAT_INC(c->net, tcp_fast_retransmits);
	c->ssthresh = cc_half_flight(c);
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->flags &= (uint16_t)~TF_RTT_TIMING;
	cc_retransmit_first(c);
	c->cwnd = c->ssthresh + 3 * c->mss;
	tcp_rexmt_arm(c);
}

int tcp_cc_recovery_ack(struct spate_tcp_conn *c, uint32_t acked)
{
	if (SEQ_GEQ(c->snd_una, c->recover)) {
		/* Full ACK: deflate and leave recovery. */
		c->cwnd = RTE_MIN(c->ssthresh, tcp_flight(c) + c->mss);
		c->flags &= (uint16_t)~TF_RECOVERY;
		return 0;
	}
	/* Partial ACK: the next hole is lost too. */
	cc_retransmit_first(c);
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
	c->cwnd += c->mss;
	tcp_rexmt_arm(c);
	return 1;
}

void tcp_cc_rto(struct spate_tcp_conn *c)
{
	c->ssthresh = cc_half_flight(c);
	c->cwnd = c->mss;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->flags &= (uint16_t)~TF_RECOVERY;
}
