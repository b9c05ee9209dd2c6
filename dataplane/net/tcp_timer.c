/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers: one hashed timing wheel per lcore (1 ms slots, 4096 of them)
 * and, per connection, a set of deadlines — retransmission, delayed ACK,
 * persist (zero-window probe), keepalive and 2MSL/FIN_WAIT_2 — of which only
 * the earliest sits in the wheel.  Scheduling, cancelling and re-arming are
 * O(1); a tick touches only the connections due in it, so 100k mostly idle
 * connections cost nothing per tick.  Deadlines beyond the wheel's horizon
 * simply come round again and are put back until due.
 *
 * Also here: RTO estimation (RFC 6298) and the retransmission timeout
 * itself (back-off, go-back-N from snd_una, give up after max_retries),
 * preceded once per flight by a tail loss probe (RFC 8985 7) when an RTT
 * estimate exists: lost tail ACKs then cost one probe, not an RTO.
 */
#include "tcp_impl.h"

static uint64_t conn_next_deadline(const struct spate_tcp_conn *c)
{
	uint64_t d = UINT64_MAX;

	if (c->t_rexmt && c->t_rexmt < d)
		d = c->t_rexmt;
	if (c->t_delack && c->t_delack < d)
		d = c->t_delack;
	if (c->t_persist && c->t_persist < d)
		d = c->t_persist;
	if (c->t_2msl && c->t_2msl < d)
		d = c->t_2msl;
	if (c->t_keep && c->t_keep < d)
		d = c->t_keep;
	return d == UINT64_MAX ? 0 : d;
}

void tcp_timer_remove(struct spate_tcp_conn *c)
{
	if (c->timer_tick != 0) {
		LIST_REMOVE(c, timer_link);
		c->timer_tick = 0;
	}
}

void tcp_timer_update(struct spate_tcp_conn *c)
{
	struct spate_tcp_stack *s = c->net->tcp;
	uint64_t d, tick;

	if (c->state == TCP_CLOSED || (c->flags & TF_RELEASE)) {
		tcp_timer_remove(c);
		return;
	}
	d = conn_next_deadline(c);
	if (d == 0) {
		tcp_timer_remove(c);
		return;
	}
	tick = (d + TCP_TICK_US - 1) / TCP_TICK_US;
	if (tick <= s->wheel_tick)
		tick = s->wheel_tick + 1;
	if (tick == c->timer_tick)
		return;
	tcp_timer_remove(c);
	LIST_INSERT_HEAD(&s->wheel[tick % TCP_WHEEL_SLOTS], c, timer_link);
	c->timer_tick = tick;
}

#define TCP_TLP_MIN_US	    10000 /* Linux: 10 ms */
#define TCP_TLP_ACK_DELAY_US 40000 /* a lone segment waits for a delayed ACK */

/*
 * Arms the retransmission timer: the RTO, or — with an RTT estimate, no
 * back-off, no recovery and no probe sent for this flight — the shorter
 * probe timeout of RFC 8985 7.2 (2 * SRTT, plus a delayed-ACK allowance
 * when a single segment is out).
 */
void tcp_rexmt_arm(struct spate_tcp_conn *c)
{
	const struct spate_net_conf *conf = &c->net->conf;
	uint64_t rto = (uint64_t)c->rto_us << c->backoff;
	uint64_t max = (uint64_t)conf->rto_max_ms * 1000;
	uint64_t pto;

	if (rto > max)
		rto = max;
	if (c->tlp_state == TCP_TLP_ARMED)
		c->tlp_state = TCP_TLP_IDLE;
	if (conf->tlp && c->tlp_state == TCP_TLP_IDLE && c->srtt_us != 0 &&
	    c->backoff == 0 && !(c->flags & TF_RECOVERY) &&
	    (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)) {
		pto = 2 * (uint64_t)c->srtt_us;
		if (tcp_flight(c) <= c->mss)
			pto += TCP_TLP_ACK_DELAY_US;
		if (pto < TCP_TLP_MIN_US)
			pto = TCP_TLP_MIN_US;
		if (pto < rto) {
			c->tlp_state = TCP_TLP_ARMED;
			rto = pto;
		}
	}
	c->t_rexmt = c->net->now_us + rto;
}

/*
 * RFC 8985 7.3: the probe resends the last segment in flight (new data
 * would need window accounting; the last segment is what elicits the ACK
 * that tells us whether anything is missing).  Returns 0 when sent.
 */
static int tcp_tlp_send(struct spate_tcp_conn *c)
{
	uint32_t out = c->snd_max - c->snd_una, len;

	if ((uint64_t)out > c->sndq_bytes)
		out = (uint32_t)c->sndq_bytes; /* a FIN sits after the data */
	if (out == 0)
		return -1;
	len = out < c->mss ? out : c->mss;
	if (tcp_send_segment(c, c->snd_una + out - len, len,
			     RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG) <= 0)
		return -1;
	NET_STAT_INC(c->net, tcp_tlp_probes);
	return 0;
}

void tcp_rtt_sample(struct spate_tcp_conn *c, uint32_t rtt_us)
{
	const struct spate_net_conf *conf = &c->net->conf;
	uint32_t rto, var4;

	if (c->srtt_us == 0) {
		c->srtt_us = rtt_us ? rtt_us : 1;
		c->rttvar_us = rtt_us / 2;
	} else {
		uint32_t delta = c->srtt_us > rtt_us ? c->srtt_us - rtt_us
						     : rtt_us - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + rtt_us) / 8;
		if (c->srtt_us == 0)
			c->srtt_us = 1;
	}
	var4 = 4 * c->rttvar_us;
	rto = c->srtt_us + (var4 > TCP_TICK_US ? var4 : TCP_TICK_US);
	if (rto < conf->rto_min_ms * 1000)
		rto = conf->rto_min_ms * 1000;
	if (rto > conf->rto_max_ms * 1000)
		rto = conf->rto_max_ms * 1000;
	c->rto_us = rto;
}

static void tcp_timer_rexmt(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;

	if (c->state == TCP_SYN_RCVD) {
		if (++c->probes > net->conf.syn_retries) {
			NET_STAT_INC(net, tcp_timeouts);
			tcp_conn_close_final(c, SPATE_TCP_CLOSED_TIMEOUT);
			return;
		}
		if (c->backoff < 16)
			c->backoff++;
		tcp_send_synack(c);
		tcp_rexmt_arm(c);
		return;
	}
	if (c->snd_una == c->snd_max)
		return; /* nothing outstanding any more */
	if (c->tlp_state == TCP_TLP_ARMED) {
		c->tlp_state = TCP_TLP_SENT;
		tcp_tlp_send(c);
		tcp_rexmt_arm(c); /* now the real RTO */
		return;
	}
	c->tlp_state = TCP_TLP_IDLE;
	if (++c->backoff > net->conf.max_retries) {
		NET_STAT_INC(net, tcp_timeouts);
		tcp_send_rst(c);
		tcp_conn_close_final(c, SPATE_TCP_CLOSED_TIMEOUT);
		return;
	}
	NET_STAT_INC(net, tcp_rto_events);
	tcp_cc_rto(c);
	c->flags &= (uint16_t)~TF_RTT_TIMING;
	c->snd_nxt = c->snd_una;
	tcp_rexmt_arm(c);
	tcp_output(c);
}

static void tcp_timer_persist(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;
	uint64_t ivl;

	if (c->snd_wnd != 0 || c->sndq_bytes == 0)
		return;
	NET_STAT_INC(net, tcp_persist_probes);
	tcp_send_probe(c);
	if (c->backoff < 16)
		c->backoff++;
	ivl = (uint64_t)c->rto_us << c->backoff;
	if (ivl > (uint64_t)net->conf.rto_max_ms * 1000)
		ivl = (uint64_t)net->conf.rto_max_ms * 1000;
	c->t_persist = net->now_us + ivl;
}

static void tcp_timer_keepalive(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;
	const struct spate_net_conf *conf = &net->conf;
	uint64_t idle_due = c->last_rx_us + (uint64_t)conf->keepalive_ms * 1000;

	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return;
	if (net->now_us < idle_due && c->probes == 0) {
		c->t_keep = idle_due;
		return;
	}
	if (c->probes >= conf->keepalive_probes) {
		NET_STAT_INC(net, tcp_timeouts);
		tcp_send_rst(c);
		tcp_conn_close_final(c, SPATE_TCP_CLOSED_TIMEOUT);
		return;
	}
	c->probes++;
	NET_STAT_INC(net, tcp_keepalive_probes);
	tcp_send_probe(c);
	c->t_keep = net->now_us + (uint64_t)conf->keepalive_intvl_ms * 1000;
}

static void tcp_timer_fire(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;
	uint64_t now = net->now_us;

	c->flags |= TF_IN_INPUT;
	if (c->t_2msl && now >= c->t_2msl) {
		c->t_2msl = 0;
		/* TIME_WAIT over, or an orphaned FIN_WAIT_2 gave up. */
		tcp_conn_close_final(c, SPATE_TCP_CLOSED_OK);
		goto out;
	}
	if (c->t_rexmt && now >= c->t_rexmt) {
		c->t_rexmt = 0;
		tcp_timer_rexmt(c);
		if (c->state == TCP_CLOSED)
			goto out;
	}
	if (c->t_persist && now >= c->t_persist) {
		c->t_persist = 0;
		tcp_timer_persist(c);
	}
	if (c->t_delack && now >= c->t_delack) {
		c->t_delack = 0;
		if (c->flags & TF_DELACK) {
			NET_STAT_INC(net, tcp_delayed_acks);
			tcp_ack_now(c);
			tcp_output(c);
		}
	}
	if (c->t_keep && now >= c->t_keep) {
		c->t_keep = 0;
		tcp_timer_keepalive(c);
	}
out:
	tcp_conn_end_processing(c);
}

void net_tcp_timers_run(struct spate_net *net)
{
	struct spate_tcp_stack *s = net->tcp;
	uint64_t now_tick = net->now_us / TCP_TICK_US;
	uint64_t t;

	if (now_tick <= s->wheel_tick)
		return;
	t = s->wheel_tick + 1;
	if (now_tick - s->wheel_tick > TCP_WHEEL_SLOTS)
		t = now_tick - TCP_WHEEL_SLOTS + 1;
	/* Advance first so re-arming during a fire lands in the future. */
	s->wheel_tick = now_tick;
	for (; t <= now_tick; t++) {
		struct tcp_conn_list *slot = &s->wheel[t % TCP_WHEEL_SLOTS];
		struct tcp_conn_list due;
		struct spate_tcp_conn *c;

		if (LIST_EMPTY(slot))
			continue;
		/* Detach the slot: fires may re-insert into it. */
		due.lh_first = slot->lh_first;
		due.lh_first->timer_link.le_prev = &due.lh_first;
		LIST_INIT(slot);
		while ((c = LIST_FIRST(&due)) != NULL) {
			uint64_t tick = c->timer_tick;

			LIST_REMOVE(c, timer_link);
			c->timer_tick = 0;
			if (tick > now_tick) { /* a later lap */
				LIST_INSERT_HEAD(slot, c, timer_link);
				c->timer_tick = tick;
				continue;
			}
			tcp_timer_fire(c);
		}
	}
}
