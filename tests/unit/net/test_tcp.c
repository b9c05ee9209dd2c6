/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP unit tests: options parsing, the handshake, data in both directions,
 * delayed ACKs, passive and active close, RST handling, retransmission on
 * RTO with back-off, fast retransmit, out-of-order reassembly, zero-copy
 * send references, SACK (SACK-permitted negotiation, block validation,
 * RFC 6675 hole retransmission, scoreboard reset on RTO), burst limiting,
 * tail loss probes, D-SACK undo of spurious RTOs, and drops of malformed
 * segments — all driven through
 * spate_net_input with crafted frames, asserting on the bytes the stack
 * puts on the wire and on the application callbacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tcp_impl.h"

/* --- a recording application ------------------------------------------- */

struct app_rec {
	struct spate_tcp_conn *conn;
	int accepts;
	int closed;
	int close_reason;
	int eofs;
	int close_on_eof;
	int refuse;
	uint32_t sent_acked;
	uint32_t rx_len;
	uint8_t rx[8192];
};

static struct app_rec rec;

static int app_accept(struct spate_tcp_conn *c, void *lctx, void **cctx)
{
	(void)lctx;
	rec.accepts++;
	rec.conn = c;
	*cctx = &rec;
	return rec.refuse ? -1 : 0;
}

static void app_data(struct spate_tcp_conn *c, void *ctx, const uint8_t *d,
		     uint32_t len)
{
	(void)c;
	assert_ptr_equal(ctx, &rec);
	assert_true(rec.rx_len + len <= sizeof(rec.rx));
	memcpy(rec.rx + rec.rx_len, d, len);
	rec.rx_len += len;
}

static void app_eof(struct spate_tcp_conn *c, void *ctx)
{
	(void)ctx;
	rec.eofs++;
	if (rec.close_on_eof)
		spate_tcp_close(c);
}

static void app_sent(struct spate_tcp_conn *c, void *ctx, uint32_t acked)
{
	(void)c;
	(void)ctx;
	rec.sent_acked += acked;
}

static void app_closed(struct spate_tcp_conn *c, void *ctx, int reason)
{
	(void)c;
	(void)ctx;
	rec.closed++;
	rec.close_reason = reason;
	rec.conn = NULL;
}

static const struct spate_tcp_ops app_ops = {
	.on_accept = app_accept,
	.on_data = app_data,
	.on_eof = app_eof,
	.on_sent = app_sent,
	.on_closed = app_closed,
};

/* --- helpers ----------------------------------------------------------- */

#define PEER_ISS 1000u

static struct harness H;

static void setup_stack(const struct spate_net_conf *conf)
{
	memset(&rec, 0, sizeof(rec));
	rec.close_on_eof = 1;
	h_init(&H, conf, 0, 1);
	assert_int_equal(spate_tcp_listen(H.net, H_OUR_PORT, &app_ops, NULL),
			 0);
}

static void send_seg(uint32_t seq, uint32_t ack, uint8_t flags,
		     const void *data, uint32_t len)
{
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, seq, ack, flags,
			     65535, NULL, 0, data, len));
}

/* Handshake without options; returns our ISS. */
static uint32_t open_conn(void)
{
	struct h_tcp t;
	uint32_t iss;

	send_seg(PEER_ISS, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	assert_int_equal(H.ncap, 1);
	assert_int_equal(h_tcp_parse(&H, 0, &t), 0);
	assert_int_equal(t.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(t.ack, PEER_ISS + 1);
	assert_true(t.cksum_ok);
	iss = t.seq;
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.accepts, 1);
	assert_non_null(rec.conn);
	assert_string_equal(spate_tcp_state_name(rec.conn), "ESTABLISHED");
	assert_int_equal(H.ncap, 0);
	return iss;
}

/* --- options ----------------------------------------------------------- */

static void test_options_parse(void **state)
{
	struct tcp_opts o;
	static const uint8_t sack[] = {1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2,
				       0, 0, 0, 3, 0, 0, 0, 4};
	static const uint8_t big_ws[] = {3, 3, 20, 0};
	static const uint8_t eol_then_junk[] = {0, 0xff, 0xff, 0xff};
	static const uint8_t unknown[] = {30, 4, 9, 9, 2, 4, 2, 0};

	(void)state;
	assert_int_equal(tcp_options_parse(h_linux_syn_opts, 20, &o), 0);
	assert_int_equal(o.flags, TCP_OPT_F_MSS | TCP_OPT_F_SACK_PERM |
					  TCP_OPT_F_TS | TCP_OPT_F_WSCALE);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.tsval, 1);
	assert_int_equal(tcp_options_parse(sack, sizeof(sack), &o), 0);
	assert_int_equal(o.nsack, 2);
	assert_int_equal(o.sack[1].start, 3);
	assert_int_equal(o.sack[1].end, 4);
	assert_int_equal(tcp_options_parse(big_ws, sizeof(big_ws), &o), 0);
	assert_int_equal(o.wscale, 14); /* RFC 7323: clamp */
	assert_int_equal(tcp_options_parse(eol_then_junk, 4, &o), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(tcp_options_parse(unknown, sizeof(unknown), &o), 0);
	assert_int_equal(o.mss, 512);
}

static void test_options_malformed(void **state)
{
	const uint8_t *const bad[] = {
		(const uint8_t[]){2},		/* kind without length */
		(const uint8_t[]){2, 0, 0, 0},	/* length 0 */
		(const uint8_t[]){2, 1, 0, 0},	/* length 1 */
		(const uint8_t[]){2, 8, 0, 0},	/* runs past the header */
		(const uint8_t[]){2, 3, 0, 1},	/* MSS of length 3 */
		(const uint8_t[]){3, 4, 7, 1},	/* WS of length 4 */
		(const uint8_t[]){4, 3, 0, 1},	/* SACK-perm of length 3 */
		(const uint8_t[]){5, 2, 1, 1},	/* SACK without blocks */
		(const uint8_t[]){8, 4, 0, 0},	/* TS of length 4 */
	};
	static const uint8_t sack5[44] = {5, 42};
	struct tcp_opts o;
	unsigned int i;

	(void)state;
	assert_int_equal(tcp_options_parse(bad[0], 1, &o), -EINVAL);
	for (i = 1; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tcp_options_parse(bad[i], 4, &o), -EINVAL);
	assert_int_equal(tcp_options_parse(sack5, sizeof(sack5), &o), -EINVAL);
}

/* --- handshake ------------------------------------------------------------ */

static void test_handshake_options(void **state)
{
	struct h_tcp t;
	struct tcp_opts o;
	uint8_t ack_opts[12];

	(void)state;
	setup_stack(NULL);
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, PEER_ISS, 0,
			     RTE_TCP_SYN_FLAG, 64240, h_linux_syn_opts, 20,
			     NULL, 0));
	assert_int_equal(H.ncap, 1);
	assert_int_equal(h_tcp_parse(&H, 0, &t), 0);
	assert_true(t.cksum_ok);
	assert_int_equal(t.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(t.ack, PEER_ISS + 1);
	assert_int_equal(tcp_options_parse(t.opts, t.hdr_len - 20, &o), 0);
	assert_true(o.flags & TCP_OPT_F_MSS);
	assert_int_equal(o.mss, 1460);
	assert_true(o.flags & TCP_OPT_F_WSCALE);
	assert_true(o.flags & TCP_OPT_F_TS);
	assert_int_equal(o.tsecr, 1); /* echoes the peer's TSval */
	assert_true(o.flags & TCP_OPT_F_SACK_PERM); /* offered: we take SACK */
	assert_int_equal(h_stat(&H, "tcp_conns"), 1);
	assert_int_equal(rec.accepts, 0); /* only after the ACK */

	h_ts_opt(ack_opts, 2, o.tsval);
	h_clear(&H);
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, PEER_ISS + 1,
			     t.seq + 1, RTE_TCP_ACK_FLAG, 502, ack_opts, 12,
			     NULL, 0));
	assert_int_equal(rec.accepts, 1);
	assert_string_equal(spate_tcp_state_name(rec.conn), "ESTABLISHED");
	/* Window scale 7 applies from now on: 502 << 7. */
	assert_int_equal(rec.conn->snd_wnd, 502u << 7);
	assert_int_equal(rec.conn->mss, 1460 - 12);
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

static void test_synack_retransmit_and_give_up(void **state)
{
	struct spate_net_conf conf;
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.syn_retries = 2;
	setup_stack(&conf);
	send_seg(PEER_ISS, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	h_tcp_parse(&H, 0, &t);
	iss = t.seq;
	h_clear(&H);
	h_advance_ms(&H, 1000); /* initial RTO 1 s */
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.seq, iss);
	assert_int_equal(t.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	h_clear(&H);
	h_advance_ms(&H, 2000); /* backed off to 2 s */
	assert_int_equal(H.ncap, 1);
	h_clear(&H);
	h_advance_ms(&H, 4000);
	assert_int_equal(H.ncap, 0);
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	assert_int_equal(h_stat(&H, "tcp_timeouts"), 1);
	assert_int_equal(rec.accepts, 0);
	h_fini(&H);
}

static void test_refused_port_and_stray_ack(void **state)
{
	struct h_tcp t;

	(void)state;
	setup_stack(NULL);
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, 81, 5000, 0, RTE_TCP_SYN_FLAG,
			     1000, NULL, 0, NULL, 0));
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(t.seq, 0);
	assert_int_equal(t.ack, 5001);
	h_clear(&H);
	/* An ACK for nothing: RST with seq = its ack. */
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 7, 123456,
			     RTE_TCP_ACK_FLAG, 1000, NULL, 0, NULL, 0));
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.flags, RTE_TCP_RST_FLAG);
	assert_int_equal(t.seq, 123456);
	assert_int_equal(h_stat(&H, "tcp_no_listener"), 2);
	h_fini(&H);
}

static void test_app_refuses(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	rec.refuse = 1;
	send_seg(PEER_ISS, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	h_tcp_parse(&H, 0, &t);
	iss = t.seq;
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_true(t.flags & RTE_TCP_RST_FLAG);
	assert_int_equal(rec.closed, 0); /* never opened for the app */
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	assert_int_equal(h_stat(&H, "tcp_refused"), 1);
	h_fini(&H);
}

/* --- data and ACKs -------------------------------------------------------- */

static void test_data_and_delayed_ack(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
		 "hello", 5);
	assert_int_equal(rec.rx_len, 5);
	assert_memory_equal(rec.rx, "hello", 5);
	assert_int_equal(H.ncap, 0); /* delayed */
	h_advance_ms(&H, 39);
	assert_int_equal(H.ncap, 0);
	h_advance_ms(&H, 2);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(t.ack, PEER_ISS + 6);
	assert_int_equal(h_stat(&H, "tcp_delayed_acks"), 1);
	h_clear(&H);
	/* Two segments: the second is ACKed at once. */
	send_seg(PEER_ISS + 6, iss + 1, RTE_TCP_ACK_FLAG, "ab", 2);
	assert_int_equal(H.ncap, 0);
	send_seg(PEER_ISS + 8, iss + 1, RTE_TCP_ACK_FLAG, "cd", 2);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.ack, PEER_ISS + 10);
	h_clear(&H);
	/* A reply piggybacks the ACK. */
	send_seg(PEER_ISS + 10, iss + 1, RTE_TCP_ACK_FLAG, "x", 1);
	assert_int_equal(spate_tcp_send_copy(rec.conn, "pong", 4), 0);
	/* Called outside a callback: sent immediately. */
	assert_int_equal(H.ncap, 0);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.payload, 4);
	assert_int_equal(t.ack, PEER_ISS + 11);
	assert_int_equal(t.seq, iss + 1);
	assert_true(t.cksum_ok);
	h_clear(&H);
	send_seg(PEER_ISS + 11, iss + 5, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.sent_acked, 4);
	assert_int_equal(spate_tcp_send_queued(rec.conn), 0);
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

static void test_out_of_order(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	send_seg(PEER_ISS + 4, iss + 1, RTE_TCP_ACK_FLAG, "DEF", 3);
	assert_int_equal(rec.rx_len, 0);
	assert_int_equal(H.ncap, 1); /* duplicate ACK at once */
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.ack, PEER_ISS + 1);
	h_clear(&H);
	send_seg(PEER_ISS + 7, iss + 1, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		 "GH", 2);
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG, "ABC", 3);
	assert_int_equal(rec.rx_len, 8);
	assert_memory_equal(rec.rx, "ABCDEFGH", 8);
	/* The queued FIN was processed: CLOSE_WAIT, app closed -> LAST_ACK. */
	assert_int_equal(rec.eofs, 1);
	assert_int_equal(h_tcp_parse(&H, H.ncap - 1, &t), 0);
	assert_true(t.flags & RTE_TCP_FIN_FLAG);
	assert_int_equal(t.ack, PEER_ISS + 10);
	assert_string_equal(spate_tcp_state_name(rec.conn), "LAST_ACK");
	assert_int_equal(h_stat(&H, "tcp_ooo_queued"), 2);
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

/* --- closing ------------------------------------------------------------- */

static void test_passive_close(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		 NULL, 0);
	/* ESTABLISHED -> CLOSE_WAIT -> (app closes) LAST_ACK, FIN+ACK out. */
	assert_int_equal(rec.eofs, 1);
	assert_string_equal(spate_tcp_state_name(rec.conn), "LAST_ACK");
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.flags, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(t.ack, PEER_ISS + 2);
	assert_int_equal(t.seq, iss + 1);
	h_clear(&H);
	send_seg(PEER_ISS + 2, iss + 2, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.closed, 1);
	assert_int_equal(rec.close_reason, SPATE_TCP_CLOSED_OK);
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	h_fini(&H);
}

static void test_close_wait_app_sends_then_closes(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	rec.close_on_eof = 0;
	iss = open_conn();
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		 NULL, 0);
	assert_string_equal(spate_tcp_state_name(rec.conn), "CLOSE_WAIT");
	h_clear(&H);
	assert_int_equal(spate_tcp_send_copy(rec.conn, "bye", 3), 0);
	assert_int_equal(spate_tcp_close(rec.conn), 0);
	assert_string_equal(spate_tcp_state_name(rec.conn), "LAST_ACK");
	spate_net_tx_flush(H.net);
	/* "bye" went out on send; the FIN follows in its own segment. */
	assert_int_equal(H.ncap, 2);
	h_tcp_parse(&H, 1, &t);
	assert_true(t.flags & RTE_TCP_FIN_FLAG);
	assert_int_equal(t.seq, iss + 4);
	assert_int_equal(spate_tcp_send_copy(rec.conn, "x", 1), -EPIPE);
	h_clear(&H);
	send_seg(PEER_ISS + 2, iss + 5, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.closed, 1);
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	h_fini(&H);
}

static void test_active_close_time_wait(void **state)
{
	struct spate_net_conf conf;
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.time_wait_ms = 1000;
	setup_stack(&conf);
	iss = open_conn();
	assert_int_equal(spate_tcp_close(rec.conn), 0);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.flags, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	assert_string_equal(spate_tcp_state_name(rec.conn), "FIN_WAIT_1");
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 2, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_string_equal(spate_tcp_state_name(rec.conn), "FIN_WAIT_2");
	assert_int_equal(rec.closed, 0);
	/* Peer data still arrives in FIN_WAIT_2 (half close). */
	send_seg(PEER_ISS + 1, iss + 2, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		 "late", 4);
	assert_int_equal(rec.rx_len, 4);
	assert_int_equal(rec.closed, 1); /* TIME_WAIT: app is done */
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.ack, PEER_ISS + 6);
	assert_int_equal(h_stat(&H, "tcp_conns"), 1);
	h_clear(&H);
	/* A retransmitted FIN in TIME_WAIT is ACKed again. */
	send_seg(PEER_ISS + 5, iss + 2, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		 NULL, 0);
	assert_int_equal(H.ncap, 1);
	h_clear(&H);
	h_advance_ms(&H, 1001);
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	h_fini(&H);
}

static void test_simultaneous_close(void **state)
{
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	spate_tcp_close(rec.conn); /* FIN_WAIT_1, FIN sent */
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
		 NULL, 0); /* their FIN, not acking ours */
	assert_string_equal(spate_tcp_state_name(rec.conn), "CLOSING");
	send_seg(PEER_ISS + 2, iss + 2, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.closed, 1); /* TIME_WAIT */
	assert_int_equal(h_stat(&H, "tcp_conns"), 1);
	h_fini(&H); /* frees the TIME_WAIT conn */
}

static void test_rst_handling(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	/* In window but not exact: challenge ACK, connection stays. */
	send_seg(PEER_ISS + 100, 0, RTE_TCP_RST_FLAG, NULL, 0);
	assert_int_equal(rec.closed, 0);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(t.ack, PEER_ISS + 1);
	h_clear(&H);
	/* A SYN on an open connection: challenge ACK too (RFC 5961). */
	send_seg(PEER_ISS + 50, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	assert_int_equal(H.ncap, 1);
	assert_int_equal(h_stat(&H, "tcp_challenge_acks"), 2);
	h_clear(&H);
	/* Out of window: ignored. */
	send_seg(PEER_ISS + 10000000, 0, RTE_TCP_RST_FLAG, NULL, 0);
	assert_int_equal(rec.closed, 0);
	/* Exact: reset. */
	send_seg(PEER_ISS + 1, 0, RTE_TCP_RST_FLAG, NULL, 0);
	assert_int_equal(rec.closed, 1);
	assert_int_equal(rec.close_reason, SPATE_TCP_CLOSED_RESET);
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	(void)iss;
	h_fini(&H);
}

/* --- retransmission ---------------------------------------------------- */

static void test_rto_retransmit_backoff_timeout(void **state)
{
	struct spate_net_conf conf;
	struct h_tcp t;
	uint32_t iss;
	char buf[100];
	int i;

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.max_retries = 3;
	setup_stack(&conf);
	iss = open_conn();
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(spate_tcp_send_copy(rec.conn, buf, sizeof(buf)), 0);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 1);
	h_clear(&H); /* "lost" */
	/* No RTT sample yet: RTO 1 s, then 2 s, 4 s. */
	for (i = 0; i < 3; i++) {
		h_advance_ms(&H, (1000u << i) - 1);
		assert_int_equal(H.ncap, 0);
		h_advance_ms(&H, 1);
		assert_int_equal(H.ncap, 1);
		h_tcp_parse(&H, 0, &t);
		assert_int_equal(t.seq, iss + 1);
		assert_int_equal(t.payload, 100);
		assert_true(t.cksum_ok);
		h_clear(&H);
	}
	assert_int_equal(h_stat(&H, "tcp_retransmit_segs"), 3);
	h_advance_ms(&H, 8000);
	assert_int_equal(rec.closed, 1);
	assert_int_equal(rec.close_reason, SPATE_TCP_CLOSED_TIMEOUT);
	assert_int_equal(H.ncap, 1); /* RST */
	h_tcp_parse(&H, 0, &t);
	assert_true(t.flags & RTE_TCP_RST_FLAG);
	h_fini(&H);
}

static void test_rto_then_ack_recovers(void **state)
{
	struct h_tcp t;
	uint32_t iss;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	spate_tcp_send_copy(rec.conn, "0123456789", 10);
	spate_net_tx_flush(H.net);
	h_clear(&H);
	h_advance_ms(&H, 1000);
	assert_int_equal(H.ncap, 1);
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 11, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.sent_acked, 10);
	assert_int_equal(rec.conn->backoff, 0);
	assert_int_equal(rec.conn->t_rexmt, 0);
	/* Nothing more to send: no more retransmissions. */
	h_advance_ms(&H, 5000);
	assert_int_equal(H.ncap, 0);
	(void)t;
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

static void test_fast_retransmit(void **state)
{
	static uint8_t data[1448 * 6];
	struct h_tcp t;
	uint32_t iss, mss;
	struct spate_extbuf *b;
	int i;

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	mss = rec.conn->mss;
	b = spate_extbuf_alloc(sizeof(data), SOCKET_ID_ANY);
	assert_non_null(b);
	for (i = 0; i < (int)sizeof(data); i++)
		b->data[i] = (uint8_t)i;
	assert_int_equal(spate_tcp_send_ref(rec.conn, b, 0, 5 * mss), 0);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 5);
	h_clear(&H);
	/* Segment 1 lost: three duplicate ACKs. */
	for (i = 0; i < 3; i++)
		send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(h_stat(&H, "tcp_fast_retransmits"), 1);
	assert_true(H.ncap >= 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.seq, iss + 1);
	assert_int_equal(t.payload, mss);
	assert_true(t.cksum_ok);
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 1 + 5 * mss, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_false(rec.conn->flags & TF_RECOVERY);
	assert_int_equal(rec.sent_acked, 5 * mss);
	spate_extbuf_put(b);
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

/* --- SACK (RFC 2018, RFC 6675) and burst limiting ---------------------- */

/* SYN options: MSS 1460, NOP NOP SACK-permitted. */
static const uint8_t sack_syn_opts[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};

/* Handshake offering SACK (no timestamps: MSS stays 1460). */
static uint32_t open_conn_sack(void)
{
	struct h_tcp t;
	struct tcp_opts o;
	uint32_t iss;

	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, PEER_ISS, 0,
			     RTE_TCP_SYN_FLAG, 65535, sack_syn_opts,
			     sizeof(sack_syn_opts), NULL, 0));
	assert_int_equal(H.ncap, 1);
	assert_int_equal(h_tcp_parse(&H, 0, &t), 0);
	assert_int_equal(tcp_options_parse(t.opts, t.hdr_len - 20, &o), 0);
	assert_true(o.flags & TCP_OPT_F_SACK_PERM);
	iss = t.seq;
	h_clear(&H);
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_non_null(rec.conn);
	assert_true(rec.conn->flags & TF_SACK_PERM);
	assert_int_equal(rec.conn->mss, 1460);
	return iss;
}

/* A pure ACK carrying n SACK blocks (absolute sequence numbers). */
static void send_sack(uint32_t ack, const uint32_t (*blk)[2], unsigned int n)
{
	uint8_t opts[40];
	unsigned int i, k = 0;

	opts[k++] = 1;
	opts[k++] = 1;
	opts[k++] = 5;
	opts[k++] = (uint8_t)(2 + 8 * n);
	for (i = 0; i < n; i++) {
		uint32_t v[2] = {blk[i][0], blk[i][1]};
		int j;

		for (j = 0; j < 2; j++) {
			opts[k++] = (uint8_t)(v[j] >> 24);
			opts[k++] = (uint8_t)(v[j] >> 16);
			opts[k++] = (uint8_t)(v[j] >> 8);
			opts[k++] = (uint8_t)v[j];
		}
	}
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, PEER_ISS + 1, ack,
			     RTE_TCP_ACK_FLAG, 65535, opts, (uint8_t)k, NULL,
			     0));
}

/* Queues nseg * 1460 bytes of a pattern by reference and flushes. */
static struct spate_extbuf *queue_segments(uint32_t nseg)
{
	struct spate_extbuf *b = spate_extbuf_alloc(nseg * 1460, SOCKET_ID_ANY);
	uint32_t i;

	assert_non_null(b);
	for (i = 0; i < nseg * 1460; i++)
		b->data[i] = (uint8_t)(i * 7);
	assert_int_equal(spate_tcp_send_ref(rec.conn, b, 0, nseg * 1460), 0);
	spate_net_tx_flush(H.net);
	return b;
}

static void test_sack_perm_only_when_offered(void **state)
{
	struct spate_net_conf conf;
	struct h_tcp t;
	struct tcp_opts o;

	(void)state;
	/* Peer without SACK-permitted: we do not offer it either. */
	setup_stack(NULL);
	send_seg(PEER_ISS, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(tcp_options_parse(t.opts, t.hdr_len - 20, &o), 0);
	assert_false(o.flags & TCP_OPT_F_SACK_PERM);
	h_clear(&H);
	send_seg(PEER_ISS + 1, t.seq + 1, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_false(rec.conn->flags & TF_SACK_PERM);
	spate_tcp_abort(rec.conn);
	h_fini(&H);

	/* tcp.sack = 0: never offered, even to a peer that asks. */
	spate_net_conf_defaults(&conf);
	conf.sack = 0;
	setup_stack(&conf);
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, PEER_ISS, 0,
			     RTE_TCP_SYN_FLAG, 64240, h_linux_syn_opts, 20,
			     NULL, 0));
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(tcp_options_parse(t.opts, t.hdr_len - 20, &o), 0);
	assert_false(o.flags & TCP_OPT_F_SACK_PERM);
	assert_true(o.flags & TCP_OPT_F_TS);
	h_fini(&H);

	/* Offered when asked (no TS, no WS: just MSS + SACK-permitted). */
	setup_stack(NULL);
	open_conn_sack();
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

static void test_sack_blocks_validated(void **state)
{
	struct spate_extbuf *b;
	uint32_t iss, base;

	(void)state;
	setup_stack(NULL);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(6);
	assert_int_equal(H.ncap, 6);
	h_clear(&H);
	{
		/* D-SACK first (below ack), then bogus, then one good. */
		const uint32_t blk[4][2] = {
			{base - 100, base},		  /* D-SACK */
			{base + 3 * 1460, base + 2 * 1460}, /* start >= end */
			{base + 5 * 1460, base + 7 * 1460}, /* past snd_max */
			{base + 2 * 1460, base + 3 * 1460}, /* good */
		};

		send_sack(base, blk, 4);
	}
	assert_int_equal(h_stat(&H, "tcp_sack_blocks_rx"), 4);
	assert_int_equal(h_stat(&H, "tcp_dsack_rx"), 1);
	assert_int_equal(h_stat(&H, "tcp_sack_blocks_bad"), 2);
	assert_int_equal(rec.conn->sack_n, 1);
	assert_int_equal(rec.conn->sack[0].start, base + 2 * 1460);
	assert_int_equal(rec.conn->sack[0].end, base + 3 * 1460);
	assert_int_equal(rec.conn->sack_bytes, 1460);
	assert_false(rec.conn->flags & TF_RECOVERY);
	{
		/* Adjacent and overlapping blocks merge. */
		const uint32_t blk[2][2] = {
			{base + 3 * 1460, base + 4 * 1460},
			{base + 2 * 1460 + 100, base + 3 * 1460 + 10},
		};

		send_sack(base, blk, 2);
	}
	assert_int_equal(rec.conn->sack_n, 1);
	assert_int_equal(rec.conn->sack[0].end, base + 4 * 1460);
	/* A cumulative ACK into the range trims it. */
	send_seg(PEER_ISS + 1, base + 3 * 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.conn->sack_n, 1);
	assert_int_equal(rec.conn->sack[0].start, base + 3 * 1460);
	assert_int_equal(rec.conn->sack_bytes, 1460);
	send_seg(PEER_ISS + 1, base + 6 * 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.conn->sack_n, 0);
	assert_int_equal(rec.conn->sack_bytes, 0);
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

static void test_sack_recovery_retransmits_holes(void **state)
{
	struct spate_extbuf *b;
	struct h_tcp t;
	uint32_t iss, base, i;
	const uint32_t holes[3] = {0, 3, 6};

	(void)state;
	setup_stack(NULL);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(10);
	assert_int_equal(H.ncap, 10);
	h_clear(&H);
	{
		/* Segments 0, 3 and 6 lost; the rest SACKed (newest first). */
		const uint32_t blk[3][2] = {
			{base + 7 * 1460, base + 10 * 1460},
			{base + 4 * 1460, base + 6 * 1460},
			{base + 1 * 1460, base + 3 * 1460},
		};

		send_sack(base, blk, 3);
	}
	assert_true(rec.conn->flags & TF_SACK_RECOVERY);
	assert_int_equal(h_stat(&H, "tcp_sack_recovery_episodes"), 1);
	/* Exactly the three holes, in order, one MSS each, zero copy. */
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 3);
	for (i = 0; i < 3; i++) {
		struct rte_mbuf *seg = H.cap[i]->next;

		assert_int_equal(h_tcp_parse(&H, i, &t), 0);
		assert_int_equal(t.seq, base + holes[i] * 1460);
		assert_int_equal(t.payload, 1460);
		assert_true(t.cksum_ok);
		assert_non_null(seg);
		assert_true(RTE_MBUF_HAS_EXTBUF(seg));
		assert_ptr_equal(rte_pktmbuf_mtod(seg, uint8_t *),
				 b->data + holes[i] * 1460);
	}
	assert_int_equal(h_stat(&H, "tcp_sack_retransmits"), 3);
	assert_int_equal(h_stat(&H, "tcp_retransmit_segs"), 3);
	h_clear(&H);
	/* The same SACK again sends nothing new: holes already resent. */
	{
		const uint32_t blk[1][2] = {{base + 7 * 1460, base + 10 * 1460}};

		send_sack(base, blk, 1);
	}
	assert_int_equal(H.ncap, 0);
	/* The retransmissions arrive: one cumulative ACK ends recovery. */
	send_seg(PEER_ISS + 1, base + 10 * 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_false(rec.conn->flags & (TF_RECOVERY | TF_SACK_RECOVERY));
	assert_int_equal(rec.sent_acked, 10 * 1460);
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 0);
	assert_int_equal(rec.conn->t_rexmt, 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

static void test_sack_partial_ack_in_recovery(void **state)
{
	struct spate_extbuf *b;
	struct h_tcp t;
	uint32_t iss, base;

	(void)state;
	setup_stack(NULL);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(10);
	h_clear(&H);
	{
		/* Segments 0 and 5 lost. */
		const uint32_t blk[2][2] = {
			{base + 6 * 1460, base + 10 * 1460},
			{base + 1 * 1460, base + 5 * 1460},
		};

		send_sack(base, blk, 2);
	}
	assert_true(rec.conn->flags & TF_SACK_RECOVERY);
	assert_int_equal(H.ncap, 2);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.seq, base);
	h_tcp_parse(&H, 1, &t);
	assert_int_equal(t.seq, base + 5 * 1460);
	h_clear(&H);
	/* Partial ACK up to hole 5 (already resent): nothing more. */
	{
		const uint32_t blk[1][2] = {{base + 6 * 1460, base + 10 * 1460}};

		send_sack(base + 5 * 1460, blk, 1);
	}
	assert_true(rec.conn->flags & TF_SACK_RECOVERY);
	assert_int_equal(H.ncap, 0);
	send_seg(PEER_ISS + 1, base + 10 * 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_false(rec.conn->flags & TF_RECOVERY);
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

static void test_sack_rto_clears_scoreboard(void **state)
{
	struct spate_extbuf *b;
	struct h_tcp t;
	uint32_t iss, base;

	(void)state;
	setup_stack(NULL);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(4);
	h_clear(&H);
	{
		const uint32_t blk[1][2] = {{base + 2 * 1460, base + 3 * 1460}};

		send_sack(base, blk, 1);
	}
	assert_int_equal(rec.conn->sack_n, 1);
	assert_false(rec.conn->flags & TF_RECOVERY); /* not enough SACKed */
	h_advance_ms(&H, 1000); /* RTO (no RTT sample yet: 1 s) */
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 1);
	assert_int_equal(rec.conn->sack_n, 0);
	assert_int_equal(rec.conn->sack_bytes, 0);
	assert_false(rec.conn->flags & (TF_RECOVERY | TF_SACK_RECOVERY));
	assert_int_equal(H.ncap, 1); /* go-back-N from snd_una, cwnd 1 */
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.seq, base);
	h_clear(&H);
	/* A new ACK resets the back-off. */
	send_seg(PEER_ISS + 1, base + 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rec.conn->backoff, 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

static void test_burst_limit(void **state)
{
	struct spate_net_conf conf;
	struct spate_extbuf *b;
	struct h_tcp t;
	uint32_t iss, base, i;

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.max_burst_segs = 4;
	conf.init_cwnd_segs = 20;
	setup_stack(&conf);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(20);
	/* cwnd allows 20 segments, one output pass sends 4. */
	assert_int_equal(H.ncap, 4);
	assert_true(h_stat(&H, "tcp_burst_limited") >= 1);
	for (i = 0; i < 4; i++) {
		h_tcp_parse(&H, i, &t);
		assert_int_equal(t.seq, base + i * 1460);
	}
	h_clear(&H);
	/* Each ACK clocks out at most another 4. */
	send_seg(PEER_ISS + 1, base + 2 * 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(H.ncap, 4);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.seq, base + 4 * 1460);
	h_clear(&H);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);

	/* 0 = unlimited: the whole initial window goes out at once. */
	conf.max_burst_segs = 0;
	setup_stack(&conf);
	open_conn_sack();
	b = queue_segments(20);
	assert_int_equal(H.ncap, 20);
	assert_int_equal(h_stat(&H, "tcp_burst_limited"), 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

static void test_tlp_probe_before_rto(void **state)
{
	struct spate_extbuf *b;
	struct h_tcp t;
	uint32_t iss, base, cwnd;

	(void)state;
	setup_stack(NULL);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(4);
	assert_int_equal(H.ncap, 4);
	h_clear(&H);
	h_advance_ms(&H, 1);
	/* First segment ACKed after 1 ms: an RTT sample, PTO = 10 ms. */
	send_seg(PEER_ISS + 1, base + 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_not_equal(rec.conn->srtt_us, 0);
	assert_int_equal(rec.conn->tlp_state, TCP_TLP_ARMED);
	h_clear(&H);
	h_advance_ms(&H, 9);
	assert_int_equal(H.ncap, 0);
	h_advance_ms(&H, 1);
	/* The probe: the last segment in flight, not an RTO. */
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.seq, base + 3 * 1460);
	assert_int_equal(t.payload, 1460);
	assert_int_equal(h_stat(&H, "tcp_tlp_probes"), 1);
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 0);
	assert_int_equal(rec.conn->tlp_state, TCP_TLP_SENT);
	cwnd = rec.conn->cwnd;
	h_clear(&H);
	/* Its ACK (with a D-SACK for the probe) covers everything. */
	{
		const uint32_t blk[1][2] = {{base + 3 * 1460, base + 4 * 1460}};

		send_sack(base + 4 * 1460, blk, 1);
	}
	assert_int_equal(rec.sent_acked, 4 * 1460);
	assert_true(rec.conn->cwnd >= cwnd);
	assert_int_equal(rec.conn->t_rexmt, 0);
	assert_int_equal(h_stat(&H, "tcp_dsack_rx"), 1);
	h_advance_ms(&H, 1000);
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

static void test_spurious_rto_undo_by_dsack(void **state)
{
	struct spate_net_conf conf;
	struct spate_extbuf *b;
	uint32_t iss, base, cwnd_before;

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.tlp = 0;
	setup_stack(&conf);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(4);
	h_clear(&H);
	cwnd_before = rec.conn->cwnd;
	/* All ACKs lost: RTO after 1 s retransmits the first segment. */
	h_advance_ms(&H, 1000);
	assert_int_equal(h_stat(&H, "tcp_rto_events"), 1);
	assert_int_equal(rec.conn->cwnd, 1460);
	assert_int_equal(H.ncap, 1);
	h_clear(&H);
	/* The peer had it: ACK for all plus a D-SACK for the resend. */
	{
		const uint32_t blk[1][2] = {{base, base + 1460}};

		send_sack(base + 4 * 1460, blk, 1);
	}
	assert_int_equal(h_stat(&H, "tcp_spurious_rto_undo"), 1);
	assert_true(rec.conn->cwnd >= cwnd_before);
	assert_int_equal(rec.conn->backoff, 0);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);

	/* A real loss: the ACK carries no D-SACK, no undo. */
	setup_stack(&conf);
	iss = open_conn_sack();
	base = iss + 1;
	b = queue_segments(4);
	h_clear(&H);
	h_advance_ms(&H, 1000);
	h_clear(&H);
	send_seg(PEER_ISS + 1, base + 4 * 1460, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(h_stat(&H, "tcp_spurious_rto_undo"), 0);
	assert_true(rec.conn->cwnd < cwnd_before);
	spate_tcp_abort(rec.conn);
	spate_extbuf_put(b);
	h_fini(&H);
}

/* --- zero copy ------------------------------------------------------------ */

static int ext_freed;

static void test_send_ref_zero_copy(void **state)
{
	struct spate_extbuf *b;
	struct rte_mbuf *seg;
	struct h_tcp t;
	uint32_t iss;
	char got[300];

	(void)state;
	setup_stack(NULL);
	iss = open_conn();
	b = spate_extbuf_alloc(1000, SOCKET_ID_ANY);
	assert_non_null(b);
	memset(b->data, 'A', 1000);
	memcpy(b->data + 100, "zero-copy!", 10);
	assert_int_equal(spate_tcp_send_copy(rec.conn, "HDR:", 4), 0);
	assert_int_equal(spate_tcp_send_ref(rec.conn, b, 100, 296), 0);
	/* Continuing the same buffer extends the entry. */
	assert_int_equal(spate_tcp_send_slots(rec.conn), TCP_SNDQ_ENTRIES - 2);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 2);
	h_tcp_parse(&H, 1, &t);
	assert_int_equal(t.payload, 296);
	assert_true(t.cksum_ok);
	/* The payload segment points into the buffer, no copy. */
	seg = H.cap[1]->next;
	assert_non_null(seg);
	assert_true(RTE_MBUF_HAS_EXTBUF(seg));
	assert_ptr_equal(rte_pktmbuf_mtod(seg, uint8_t *), b->data + 100);
	h_tcp_payload(&H, 1, 0, got, 10);
	assert_memory_equal(got, "zero-copy!", 10);
	/* References: ours, the send queue's, the in-flight frame's. */
	assert_int_equal(rte_mbuf_ext_refcnt_read(&b->shinfo), 3);
	h_clear(&H);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&b->shinfo), 2);
	send_seg(PEER_ISS + 1, iss + 1 + 300, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&b->shinfo), 1);
	assert_int_equal(h_stat(&H, "tcp_zero_copy_bytes_tx"), 296);
	spate_extbuf_put(b);
	(void)ext_freed;
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

static void test_rx_hold_closes_window(void **state)
{
	struct spate_net_conf conf;
	struct h_tcp t;
	uint32_t iss;
	static char big[4096];

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.rcv_wnd_bytes = 4096;
	setup_stack(&conf);
	iss = open_conn();
	spate_tcp_rx_hold(rec.conn, 4096);
	send_seg(PEER_ISS + 1, iss + 1, RTE_TCP_ACK_FLAG, big, 100);
	/* Zero window: data refused, ACK says window 0. */
	assert_int_equal(rec.rx_len, 0);
	assert_int_equal(H.ncap, 1);
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.wnd, 0);
	assert_int_equal(t.ack, PEER_ISS + 1);
	h_clear(&H);
	spate_tcp_rx_release(rec.conn, 4096);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 1); /* window update */
	h_tcp_parse(&H, 0, &t);
	assert_int_equal(t.wnd, 4096);
	spate_tcp_abort(rec.conn);
	h_fini(&H);
}

/* --- malformed input ---------------------------------------------------- */

static void test_malformed_dropped(void **state)
{
	struct rte_mbuf *m;
	struct rte_tcp_hdr *th;
	static const uint8_t bad_opt[4] = {2, 7, 0, 0};

	(void)state;
	setup_stack(NULL);
	/* Bad checksum. */
	m = h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 1, 0, RTE_TCP_SYN_FLAG, 100,
		     NULL, 0, NULL, 0);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34);
	th->cksum ^= 0x1234;
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "tcp_bad_cksum"), 1);
	/* Malformed option. */
	h_input(&H, h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 1, 0,
			     RTE_TCP_SYN_FLAG, 100, bad_opt, 4, NULL, 0));
	assert_int_equal(h_stat(&H, "tcp_bad_opts"), 1);
	/* Data offset beyond the packet. */
	m = h_mk_tcp(&H, H_PEER_PORT, H_OUR_PORT, 1, 0, RTE_TCP_SYN_FLAG, 100,
		     NULL, 0, NULL, 0);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34);
	th->data_off = 15 << 4;
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "tcp_bad_hdr"), 1);
	assert_int_equal(H.ncap, 0);
	assert_int_equal(h_stat(&H, "tcp_conns"), 0);
	assert_int_equal(h_stat(&H, "tcp_syn_rx"), 0);
	h_fini(&H);
}

static void test_pool_exhaustion_counted(void **state)
{
	struct spate_net_conf conf;

	(void)state;
	spate_net_conf_defaults(&conf);
	conf.max_conns = 2;
	setup_stack(&conf);
	send_seg(1, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	h_input(&H, h_mk_tcp(&H, 40001, H_OUR_PORT, 1, 0, RTE_TCP_SYN_FLAG,
			     100, NULL, 0, NULL, 0));
	h_input(&H, h_mk_tcp(&H, 40002, H_OUR_PORT, 1, 0, RTE_TCP_SYN_FLAG,
			     100, NULL, 0, NULL, 0));
	assert_int_equal(h_stat(&H, "tcp_conns"), 2);
	assert_int_equal(h_stat(&H, "tcp_conn_pool_empty"), 1);
	assert_int_equal(H.ncap, 2);
	h_fini(&H);
}

static int group_setup(void **state)
{
	(void)state;
	return h_eal_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_parse),
		cmocka_unit_test(test_options_malformed),
		cmocka_unit_test(test_handshake_options),
		cmocka_unit_test(test_synack_retransmit_and_give_up),
		cmocka_unit_test(test_refused_port_and_stray_ack),
		cmocka_unit_test(test_app_refuses),
		cmocka_unit_test(test_data_and_delayed_ack),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_passive_close),
		cmocka_unit_test(test_close_wait_app_sends_then_closes),
		cmocka_unit_test(test_active_close_time_wait),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_rst_handling),
		cmocka_unit_test(test_rto_retransmit_backoff_timeout),
		cmocka_unit_test(test_rto_then_ack_recovers),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_sack_perm_only_when_offered),
		cmocka_unit_test(test_sack_blocks_validated),
		cmocka_unit_test(test_sack_recovery_retransmits_holes),
		cmocka_unit_test(test_sack_partial_ack_in_recovery),
		cmocka_unit_test(test_sack_rto_clears_scoreboard),
		cmocka_unit_test(test_burst_limit),
		cmocka_unit_test(test_tlp_probe_before_rto),
		cmocka_unit_test(test_spurious_rto_undo_by_dsack),
		cmocka_unit_test(test_send_ref_zero_copy),
		cmocka_unit_test(test_rx_hold_closes_window),
		cmocka_unit_test(test_malformed_dropped),
		cmocka_unit_test(test_pool_exhaustion_counted),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
