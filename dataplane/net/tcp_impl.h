/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP internals shared by tcp_conn.c (table, pool, application calls),
 * tcp_input.c (RFC 9293 segment arrival), tcp_output.c (segment building,
 * send queue walking), tcp_timer.c (timer wheel, RTO, delayed ACK, persist,
 * keepalive, TIME_WAIT), tcp_cc.c (congestion control) and tcp_options.c
 * (option parsing and writing).  Not a public API: applications use tcp.h.
 */
#ifndef SPATE_TCP_IMPL_H
#define SPATE_TCP_IMPL_H

#include <stdint.h>
#include <sys/queue.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "net_priv.h"
#include "tcp.h"

/* Sequence-space comparisons (RFC 1982 style, 32-bit wrap). */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define TCP_SNDQ_ENTRIES 16
#define TCP_MAX_LISTENERS 16
#define TCP_DEFAULT_MSS	 536 /* RFC 9293 when the peer sends no MSS */
#define TCP_MAX_WSCALE	 14
#define TCP_OPT_TS_LEN	 12  /* NOP NOP TS */
#define TCP_HDR_ROOM                                                           \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + 60)

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* Parsed options of one segment. */
#define TCP_OPT_F_MSS	    0x01
#define TCP_OPT_F_WSCALE    0x02
#define TCP_OPT_F_SACK_PERM 0x04
#define TCP_OPT_F_TS	    0x08
#define TCP_OPT_F_SACK	    0x10
#define TCP_OPT_SACK_MAX    4

struct tcp_opts {
	uint8_t flags;
	uint8_t wscale;
	uint8_t nsack;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	struct {
		uint32_t start, end;
	} sack[TCP_OPT_SACK_MAX];
};

/*
 * Parses the option bytes of a TCP header (len = data offset - 20).
 * Returns 0, or -EINVAL when an option is malformed (bad length, truncated,
 * SACK block count out of range) — the caller drops such segments.
 */
int tcp_options_parse(const uint8_t *p, uint32_t len, struct tcp_opts *o);

/*
 * Writes options for a SYN-ACK; returns bytes written (multiple of 4).
 * sack_ok adds SACK-permitted (only when the peer's SYN carried it).
 */
uint32_t tcp_options_write_synack(uint8_t *p, uint16_t mss, int ws_ok,
				  uint8_t wscale, int ts_ok, uint32_t tsval,
				  uint32_t tsecr, int sack_ok);

/* Writes NOP NOP TS; returns TCP_OPT_TS_LEN. */
uint32_t tcp_options_write_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr);

/* One send-queue entry: a slice of an extbuf or of a copy mbuf. */
struct tcp_sndq_ent {
	void *obj;
	uint32_t off;
	uint32_t len : 31;
	uint32_t is_mbuf : 1;
};

/* Tail loss probe states (t_rexmt holds the PTO while ARMED). */
#define TCP_TLP_IDLE  0
#define TCP_TLP_ARMED 1 /* t_rexmt is the probe timeout, not the RTO */
#define TCP_TLP_SENT  2 /* one probe per flight: next is the real RTO */

/* Connection flags. */
#define TF_ACK_NOW	0x0001 /* send an ACK at the next output */
#define TF_DELACK	0x0002 /* delayed ACK armed */
#define TF_FIN_QUEUED	0x0004 /* app closed: FIN after the data */
#define TF_FIN_ACKED	0x0008
#define TF_TS_OK	0x0010 /* timestamps negotiated */
#define TF_WS_OK	0x0020 /* window scaling negotiated */
#define TF_SACK_PERM	0x0040 /* SACK negotiated (peer offered, conf.sack) */
#define TF_IN_INPUT	0x0080 /* inside input/timer processing */
#define TF_RELEASE	0x0100 /* free once processing returns */
#define TF_APP_OPEN	0x0200 /* accepted, on_closed not called yet */
#define TF_RECOVERY	0x0400 /* NewReno fast recovery */
#define TF_RTT_TIMING	0x0800 /* rtt_seq / rtt_start_us valid */
#define TF_OOO_FIN	0x1000 /* a queued out-of-order segment had FIN */
#define TF_IN_TABLE	0x2000
#define TF_SACK_RECOVERY 0x4000 /* RFC 6675 loss recovery (with TF_RECOVERY) */

/*
 * SACK scoreboard: the peer's SACKed ranges above snd_una, sorted, disjoint
 * and merged, in a small fixed array (no allocation; the send queue keeps
 * holding the bytes until the cumulative ACK covers them, RFC 2018 8: the
 * receiver may renege).  When full, the highest range is dropped, which
 * only makes the sender more conservative.
 */
#define TCP_SACK_SCOREBOARD 8

struct tcp_sack_range {
	uint32_t start;
	uint32_t end;
};

struct spate_tcp_conn {
	/* lookup */
	struct spate_tcp_conn *hash_next;
	rte_be32_t raddr;
	rte_be32_t laddr;
	rte_be16_t rport;
	rte_be16_t lport;
	uint8_t state;
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t dupacks;
	uint8_t tlp_state; /* TCP_TLP_*: tail loss probe (RFC 8985 7) */
	uint16_t flags;
	uint16_t mss; /* payload bytes per segment, options excluded */
	uint8_t backoff;
	uint8_t probes; /* keepalive / SYN-ACK retries */
	uint16_t ooo_count;

	/* send sequence space */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;
	uint32_t snd_wnd;
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t recover;
	uint32_t cwnd;
	uint32_t ssthresh;

	/* receive sequence space */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t last_ack_sent;
	uint32_t ts_recent;
	uint32_t ooo_fin_seq;
	uint32_t rcv_held;	/* bytes the application still holds */
	uint32_t rcv_wnd_adv;	/* window advertised in the last segment */
	uint16_t segs_unacked;

	/* round trip */
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t rto_us;
	uint32_t rtt_seq;
	uint64_t rtt_start_us;

	/* timers: absolute deadlines in us, 0 = off */
	uint64_t t_rexmt;
	uint64_t t_delack;
	uint64_t t_persist;
	uint64_t t_2msl;
	uint64_t t_keep;
	uint64_t timer_tick; /* wheel slot we sit in; 0 = not scheduled */
	LIST_ENTRY(spate_tcp_conn) timer_link;
	uint64_t last_rx_us;

	struct rte_mbuf *ooo_head;

	/* SACK scoreboard and RFC 6675 recovery state */
	uint8_t sack_n;
	uint32_t sack_bytes;	/* sum of the ranges */
	uint32_t sack_high_rxt; /* HighRxt: end of the last hole retransmit */
	struct tcp_sack_range sack[TCP_SACK_SCOREBOARD];
	/*
	 * RFC 3708 undo: window before the first RTO of an episode and the
	 * sequence it retransmitted; a D-SACK for exactly that segment means
	 * the RTO was spurious (its ACKs were lost, not the data).  0 = off.
	 */
	uint32_t undo_cwnd;
	uint32_t undo_ssthresh;
	uint32_t undo_seq;

	/* send queue: entries from head, first byte at snd_una */
	uint64_t sndq_bytes;
	uint8_t sndq_head;
	uint8_t sndq_count;
	struct tcp_sndq_ent sndq[TCP_SNDQ_ENTRIES];

	/* application */
	const struct spate_tcp_ops *ops;
	void *ctx;
	struct spate_net *net;
};

LIST_HEAD(tcp_conn_list, spate_tcp_conn);

struct tcp_listener {
	rte_be16_t port;
	const struct spate_tcp_ops *ops;
	void *ctx;
};

#define TCP_WHEEL_SLOTS 4096 /* 1 ms ticks: a 4 s horizon, longer re-queues */
#define TCP_TICK_US	1000

struct spate_tcp_stack {
	struct spate_tcp_conn *conns; /* pool */
	struct spate_tcp_conn *free_list;
	struct spate_tcp_conn **buckets;
	uint32_t bucket_mask;
	uint32_t nconns;
	uint32_t n_syn_rcvd;
	uint32_t ooo_total;
	uint32_t iss_secret;
	uint32_t nlisteners;
	struct tcp_listener listeners[TCP_MAX_LISTENERS];
	uint64_t wheel_tick; /* last tick processed */
	struct tcp_conn_list wheel[TCP_WHEEL_SLOTS];
};

/* A parsed incoming segment. */
struct tcp_seg {
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint32_t seq;
	uint32_t ack;
	uint32_t wnd; /* unscaled */
	uint32_t len; /* payload bytes */
	uint32_t payload_off;
	uint8_t flags;
	struct tcp_opts opts;
};

static inline uint32_t tcp_now_ms(const struct spate_net *net)
{
	return (uint32_t)(net->now_us / 1000);
}

/* tcp_conn.c */
struct spate_tcp_conn *tcp_conn_lookup(struct spate_net *net,
				       rte_be32_t raddr, rte_be16_t rport,
				       rte_be16_t lport);
struct spate_tcp_conn *tcp_conn_alloc(struct spate_net *net, rte_be32_t raddr,
				      rte_be16_t rport, rte_be16_t lport);
const struct tcp_listener *tcp_listener_find(struct spate_net *net,
					     rte_be16_t port);
/* Ends the connection: on_closed(reason) if the app knows it, then free. */
void tcp_conn_close_final(struct spate_tcp_conn *c, int reason);
/* Tells the app the connection is over but keeps the state (TIME_WAIT). */
void tcp_conn_app_closed(struct spate_tcp_conn *c, int reason);
void tcp_conn_enter_time_wait(struct spate_tcp_conn *c);
/* Frees now, or after the current processing if inside it. */
void tcp_conn_release(struct spate_tcp_conn *c);
/*
 * Ends an input or timer pass over c (clears TF_IN_INPUT): frees it if
 * that was requested meanwhile (returns 1), else re-schedules its timer.
 */
int tcp_conn_end_processing(struct spate_tcp_conn *c);
void tcp_sndq_release(struct spate_tcp_conn *c, uint32_t bytes);
void tcp_ooo_purge(struct spate_tcp_conn *c);
uint32_t tcp_iss_new(struct spate_net *net, const struct spate_tcp_conn *c);

/* tcp_output.c */
void tcp_output(struct spate_tcp_conn *c);
/* Sends one segment from the queue at seq without moving snd_nxt. */
int tcp_send_segment(struct spate_tcp_conn *c, uint32_t seq, uint32_t len,
		     uint8_t flags);
void tcp_send_synack(struct spate_tcp_conn *c);
void tcp_send_ack(struct spate_tcp_conn *c);
void tcp_send_rst(struct spate_tcp_conn *c);
/* RST answering a segment that matched no connection (RFC 9293 3.10.7.1). */
void tcp_send_rst_reply(struct spate_net *net, const struct tcp_seg *seg);
/* Probe with seq snd_una - 1: elicits an ACK (keepalive, zero window). */
void tcp_send_probe(struct spate_tcp_conn *c);
uint32_t tcp_rcv_wnd_field(const struct spate_tcp_conn *c);

/* Receive window in bytes: configured window minus what the app holds. */
static inline uint32_t tcp_rcv_wnd(const struct spate_tcp_conn *c)
{
	uint32_t w = c->net->conf.rcv_wnd_bytes;

	return c->rcv_held < w ? w - c->rcv_held : 0;
}

/* tcp_timer.c */
void tcp_timer_update(struct spate_tcp_conn *c);
void tcp_timer_remove(struct spate_tcp_conn *c);
void tcp_rexmt_arm(struct spate_tcp_conn *c);
void tcp_rtt_sample(struct spate_tcp_conn *c, uint32_t rtt_us);

/* tcp_sack.c: RFC 2018 scoreboard, RFC 6675 loss recovery. */
/*
 * Takes the SACK blocks of an ACK whose cumulative ack is ack (already
 * validated against snd_max).  Blocks that are malformed, outside
 * [max(ack, snd_una), snd_max] or D-SACKs (RFC 2883) are ignored and
 * counted.  Returns the number of blocks that entered the scoreboard.
 */
int tcp_sack_update(struct spate_tcp_conn *c, const struct tcp_opts *o,
		    uint32_t ack);
/* Drops what the cumulative ACK (snd_una) now covers. */
void tcp_sack_prune(struct spate_tcp_conn *c);
/* Forgets everything SACKed (RTO, RFC 6675 5.1 / RFC 2018 8). */
void tcp_sack_clear(struct spate_tcp_conn *c);
/* RFC 6675 IsLost(snd_una): enough SACKed above the first hole. */
int tcp_sack_first_hole_lost(const struct spate_tcp_conn *c);
/* RFC 6675 pipe: bytes believed to be in the network. */
uint32_t tcp_sack_pipe(const struct spate_tcp_conn *c);
/*
 * In SACK recovery: retransmits lost holes (NextSeg rule 1) while
 * cwnd - pipe allows at most max_segs MSS; returns the MSS-sized segments
 * sent and updates *pipe.
 */
uint32_t tcp_sack_retransmit_holes(struct spate_tcp_conn *c, uint32_t *pipe,
				   uint32_t max_segs);

/* tcp_cc.c: NewReno today; CUBIC plugs in here. */
void tcp_cc_init(struct spate_tcp_conn *c);
void tcp_cc_ack(struct spate_tcp_conn *c, uint32_t acked);
void tcp_cc_dupack(struct spate_tcp_conn *c);
/* Returns 1 when a partial ACK in recovery was handled. */
int tcp_cc_recovery_ack(struct spate_tcp_conn *c, uint32_t acked);
void tcp_cc_rto(struct spate_tcp_conn *c);
/*
 * A D-SACK for [start, end): if it covers the one segment the first RTO
 * resent, the RTO was spurious and the window before it comes back.
 */
void tcp_cc_dsack(struct spate_tcp_conn *c, uint32_t start, uint32_t end);
/* Enters RFC 6675 recovery when the scoreboard says a hole is lost. */
void tcp_cc_sack_check(struct spate_tcp_conn *c);

static inline uint32_t tcp_flight(const struct spate_tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static inline void tcp_ack_now(struct spate_tcp_conn *c)
{
	c->flags |= TF_ACK_NOW;
}

#endif /* SPATE_TCP_IMPL_H */
