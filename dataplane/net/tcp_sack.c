/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender-side SACK: the per-connection scoreboard (RFC 2018) and the parts
 * of RFC 6675 loss recovery that read it — IsLost, the pipe estimate and
 * NextSeg rule 1 (retransmit lost holes above HighRxt).
 *
 * The scoreboard is a small sorted array of SACKed ranges in the
 * connection (TCP_SACK_SCOREBOARD entries, no allocation).  It never
 * frees send-queue bytes: only the cumulative ACK does, since a receiver
 * may renege on SACKed data.  Hole retransmissions go through
 * tcp_send_segment, which re-attaches the same extbuf memory.
 *
 * Blocks from the network are untrusted: anything malformed, outside
 * [ack, snd_max] or a D-SACK (RFC 2883) is ignored and counted, so a
 * peer cannot make us retransmit data it never saw or skip data it did.
 */
#include <rte_ethdev.h>

#include "tcp_impl.h"

#define TCP_DUPTHRESH 3

void tcp_sack_clear(struct spate_tcp_conn *c)
{
	c->sack_n = 0;
	c->sack_bytes = 0;
	c->sack_high_rxt = c->snd_una;
}

static void sack_recount(struct spate_tcp_conn *c)
{
	uint32_t i, sum = 0;

	for (i = 0; i < c->sack_n; i++)
		sum += c->sack[i].end - c->sack[i].start;
	c->sack_bytes = sum;
}

void tcp_sack_prune(struct spate_tcp_conn *c)
{
	uint32_t i = 0, j;

	while (i < c->sack_n && SEQ_LEQ(c->sack[i].end, c->snd_una))
		i++;
	if (i > 0) {
		for (j = i; j < c->sack_n; j++)
			c->sack[j - i] = c->sack[j];
		c->sack_n = (uint8_t)(c->sack_n - i);
	}
	if (c->sack_n > 0 && SEQ_LT(c->sack[0].start, c->snd_una))
		c->sack[0].start = c->snd_una;
	if (SEQ_LT(c->sack_high_rxt, c->snd_una))
		c->sack_high_rxt = c->snd_una;
	sack_recount(c);
}

/* Merges [start, end) into the sorted, disjoint scoreboard. */
static void sack_insert(struct spate_tcp_conn *c, uint32_t start, uint32_t end)
{
	struct tcp_sack_range *r = c->sack;
	uint32_t n = c->sack_n, i = 0, j, k;

	while (i < n && SEQ_LT(r[i].end, start))
		i++;
	/* r[i..j) touch or overlap the new range. */
	j = i;
	while (j < n && SEQ_LEQ(r[j].start, end)) {
		if (SEQ_LT(r[j].start, start))
			start = r[j].start;
		if (SEQ_GT(r[j].end, end))
			end = r[j].end;
		j++;
	}
	if (j > i) {
		r[i].start = start;
		r[i].end = end;
		for (k = j; k < n; k++)
			r[i + 1 + k - j] = r[k];
		n -= (uint32_t)(j - i - 1);
	} else {
		if (n == TCP_SACK_SCOREBOARD) {
			if (i == n)
				return; /* above everything kept: forget it */
			n--; /* drop the highest range */
		}
		for (k = n; k > i; k--)
			r[k] = r[k - 1];
		r[i].start = start;
		r[i].end = end;
		n++;
	}
	c->sack_n = (uint8_t)n;
}

int tcp_sack_update(struct spate_tcp_conn *c, const struct tcp_opts *o,
		    uint32_t ack)
{
	struct spate_net *net = c->net;
	uint32_t lo = SEQ_GT(ack, c->snd_una) ? ack : c->snd_una;
	uint32_t k, nsack = RTE_MIN((uint32_t)o->nsack,
				    (uint32_t)TCP_OPT_SACK_MAX);
	int taken = 0;

	if (!(o->flags & TCP_OPT_F_SACK))
		return 0;
	for (k = 0; k < nsack; k++) {
		uint32_t s = o->sack[k].start, e = o->sack[k].end;

		NET_STAT_INC(net, tcp_sack_blocks_rx);
		/*
		 * RFC 2883: a first block below the cumulative ACK, or inside
		 * the second block, reports a duplicate — not a hole.
		 */
		if (k == 0 && SEQ_LT(s, e) &&
		    (SEQ_LEQ(e, ack) ||
		     (nsack > 1 && SEQ_GEQ(s, o->sack[1].start) &&
		      SEQ_LEQ(e, o->sack[1].end)))) {
			NET_STAT_INC(net, tcp_dsack_rx);
			tcp_cc_dsack(c, s, e);
			continue;
		}
		if (!SEQ_LT(s, e) || SEQ_LT(s, lo) || SEQ_GT(e, c->snd_max)) {
			NET_STAT_INC(net, tcp_sack_blocks_bad);
			continue;
		}
		sack_insert(c, s, e);
		taken++;
	}
	sack_recount(c);
	return taken;
}

/*
 * RFC 6675 IsLost for hole i (the gap below range i): DupThresh SACKed
 * ranges above it, or more than (DupThresh - 1) * MSS bytes SACKed above.
 */
static int sack_hole_lost(const struct spate_tcp_conn *c, uint32_t i,
			  uint32_t bytes_above)
{
	return (uint32_t)c->sack_n - i >= TCP_DUPTHRESH ||
	       bytes_above > (TCP_DUPTHRESH - 1) * (uint32_t)c->mss;
}

int tcp_sack_first_hole_lost(const struct spate_tcp_conn *c)
{
	return c->sack_n > 0 && sack_hole_lost(c, 0, c->sack_bytes);
}

/* Bytes of [s, e) below HighRxt: those were retransmitted. */
static uint32_t sack_rxt_part(const struct spate_tcp_conn *c, uint32_t s,
			      uint32_t e)
{
	if (!SEQ_LT(s, c->sack_high_rxt))
		return 0;
	return SEQ_LT(e, c->sack_high_rxt) ? e - s : c->sack_high_rxt - s;
}

uint32_t tcp_sack_pipe(const struct spate_tcp_conn *c)
{
	uint32_t i, pipe = 0, above = c->sack_bytes, s = c->snd_una;

	for (i = 0; i < c->sack_n; i++) {
		uint32_t e = c->sack[i].start;

		if (SEQ_LT(s, e)) {
			if (!sack_hole_lost(c, i, above))
				pipe += e - s;
			pipe += sack_rxt_part(c, s, e);
		}
		above -= c->sack[i].end - c->sack[i].start;
		s = c->sack[i].end;
	}
	/* Above the highest SACKed byte nothing is presumed lost. */
	if (SEQ_LT(s, c->snd_max))
		pipe += (c->snd_max - s) + sack_rxt_part(c, s, c->snd_max);
	return pipe;
}

uint32_t tcp_sack_retransmit_holes(struct spate_tcp_conn *c, uint32_t *pipe,
				   uint32_t max_segs)
{
	struct spate_net *net = c->net;
	uint32_t i, above = c->sack_bytes, s = c->snd_una, segs = 0;
	uint32_t maxseg = c->mss;

	if ((net->ifc->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    net->conf.tso_max_bytes > c->mss)
		maxseg = net->conf.tso_max_bytes / c->mss * c->mss;
	for (i = 0; i < c->sack_n && segs < max_segs; i++) {
		uint32_t e = c->sack[i].start;
		int lost = sack_hole_lost(c, i, above);

		above -= c->sack[i].end - c->sack[i].start;
		if (SEQ_LT(s, c->sack_high_rxt))
			s = SEQ_LT(c->sack_high_rxt, e) ? c->sack_high_rxt : e;
		while (lost && SEQ_LT(s, e) && segs < max_segs) {
			uint32_t room = c->cwnd > *pipe ? c->cwnd - *pipe : 0;
			uint32_t len = RTE_MIN(e - s, maxseg);
			int rc;

			if (room < c->mss)
				return segs;
			len = RTE_MIN(len, room / c->mss * c->mss);
			len = RTE_MIN(len, (max_segs - segs) * (uint32_t)c->mss);
			rc = tcp_send_segment(c, s, len, RTE_TCP_ACK_FLAG);
			if (rc <= 0)
				return segs;
			NET_STAT_ADD(net, tcp_sack_retransmits,
				     ((uint32_t)rc + c->mss - 1) / c->mss);
			segs += ((uint32_t)rc + c->mss - 1) / c->mss;
			s += (uint32_t)rc;
			c->sack_high_rxt = s;
			*pipe += (uint32_t)rc;
		}
		s = c->sack[i].end;
	}
	return segs;
}
