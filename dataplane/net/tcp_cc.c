/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: NewReno (RFC 5681 slow start and congestion
 * avoidance with appropriate byte counting, RFC 6582 fast retransmit and
 * fast recovery, RFC 6928 initial window), and the window side of RFC 6675
 * SACK-based recovery when SACK was negotiated (the scoreboard and the hole
 * retransmissions live in tcp_sack.c).  Kept behind a few hooks so CUBIC
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

/* Resends the start of the first hole (at most one MSS), sets HighRxt. */
static void cc_sack_retransmit_first(struct spate_tcp_conn *c)
{
	uint32_t len = c->sack_n > 0 ? c->sack[0].start - c->snd_una
				     : c->snd_max - c->snd_una;

	len = RTE_MIN(len, (uint32_t)c->mss);
	if ((uint64_t)len > c->sndq_bytes)
		len = (uint32_t)c->sndq_bytes;
	if (len == 0) {
		cc_retransmit_first(c); /* a lone FIN */
		return;
	}
	if (tcp_send_segment(c, c->snd_una, len, RTE_TCP_ACK_FLAG) > 0) {
		NET_STAT_INC(c->net, tcp_sack_retransmits);
		if (SEQ_LT(c->sack_high_rxt, c->snd_una + len))
			c->sack_high_rxt = c->snd_una + len;
	}
}

/*
 * RFC 6675 5: enter recovery on DupThresh duplicate ACKs or when the
 * scoreboard says the first hole is lost; retransmit that hole at once
 * (step 4.3, regardless of pipe).  After that pipe, not cwnd inflation,
 * decides what goes out (tcp_output).
 */
void tcp_cc_sack_check(struct spate_tcp_conn *c)
{
	if (!(c->flags & TF_SACK_PERM) || (c->flags & TF_RECOVERY) ||
	    SEQ_LT(c->snd_una, c->recover) || c->snd_una == c->snd_max)
		return;
	if (c->dupacks < 3 && !tcp_sack_first_hole_lost(c))
		return;
	NET_STAT_INC(c->net, tcp_fast_retransmits);
	NET_STAT_INC(c->net, tcp_sack_recovery_episodes);
	c->ssthresh = cc_half_flight(c);
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;
	c->sack_high_rxt = c->snd_una;
	c->flags |= TF_RECOVERY | TF_SACK_RECOVERY;
	c->flags &= (uint16_t)~TF_RTT_TIMING;
	cc_sack_retransmit_first(c);
	tcp_rexmt_arm(c);
}

void tcp_cc_dupack(struct spate_tcp_conn *c)
{
	if (c->flags & TF_SACK_PERM) {
		tcp_cc_sack_check(c);
		return;
	}
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
		c->flags &= (uint16_t)~(TF_RECOVERY | TF_SACK_RECOVERY);
		return 0;
	}
	if (c->flags & TF_SACK_RECOVERY) {
		/*
		 * RFC 6675: cwnd stays at ssthresh, pipe meters sending.  A
		 * partial ACK whose new first hole was never retransmitted
		 * still gets one retransmission (RFC 6582 style): everything
		 * below recover was sent before the loss was detected.
		 */
		if (SEQ_LEQ(c->sack_high_rxt, c->snd_una))
			cc_sack_retransmit_first(c);
		tcp_rexmt_arm(c);
		return 1;
	}
	/* Partial ACK: the next hole is lost too. */
	cc_retransmit_first(c);
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
	c->cwnd += c->mss;
	tcp_rexmt_arm(c);
	return 1;
}

void tcp_cc_dsack(struct spate_tcp_conn *c, uint32_t start, uint32_t end)
{
	if (c->undo_cwnd == 0 || !SEQ_LEQ(start, c->undo_seq) ||
	    !SEQ_GT(end, c->undo_seq))
		return;
	NET_STAT_INC(c->net, tcp_spurious_rto_undo);
	c->cwnd = RTE_MAX(c->cwnd, c->undo_cwnd);
	c->ssthresh = RTE_MAX(c->ssthresh, c->undo_ssthresh);
	c->undo_cwnd = 0;
}

void tcp_cc_rto(struct spate_tcp_conn *c)
{
	/* Only a single retransmission can be proven spurious (RFC 3708). */
	if (c->backoff == 1 && (c->flags & TF_SACK_PERM)) {
		c->undo_cwnd = c->cwnd;
		c->undo_ssthresh = c->ssthresh;
		c->undo_seq = c->snd_una;
	} else {
		c->undo_cwnd = 0;
	}
	c->ssthresh = cc_half_flight(c);
	c->cwnd = c->mss;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->flags &= (uint16_t)~(TF_RECOVERY | TF_SACK_RECOVERY);
	tcp_sack_clear(c); /* RFC 2018 8, RFC 6675 5.1 */
}
