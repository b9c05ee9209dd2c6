/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RTMP connection: lifecycle (handshake, chunk stream, close), timers,
 * protocol control messages, acknowledgements and media hand-off (see
 * rtmp_session.h).  AMF commands live in rtmp_command.c.
 *
 * Must not block, allocate or know the transport.
 */
#include <errno.h>
#include <string.h>

#include "rtmp_session_priv.h"

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline bool closed(const struct spate_rtmp_conn *conn)
{
	return conn->phase == SPATE_RTMP_PHASE_CLOSED;
}

/* ---- Output ----------------------------------------------------------------
 */

int rtmp_tx_flush(struct spate_rtmp_conn *conn)
{
	struct spate_rtmp_lcore *lc = conn->lc;
	uint32_t n = lc->tx_len;

	if (n == 0)
		return closed(conn) ? -EPIPE : 0;
	lc->tx_len = 0;
	if (closed(conn))
		return -EPIPE;
	if (conn->ops->send(conn->ctx, lc->tx, n) < 0) {
		lc->stats.send_errors++;
		return rtmp_close(conn, SPATE_RTMP_CLOSE_SEND_FAILED);
	}
	lc->stats.bytes_out += n;
	return 0;
}

int rtmp_tx_msg(struct spate_rtmp_conn *conn, uint32_t csid, uint8_t type,
		uint32_t stream_id, const void *payload, uint32_t len)
{
	struct spate_rtmp_lcore *lc = conn->lc;
	size_t need =
		spate_rtmp_chunk_write_size(conn->out_chunk_size, csid, 0, len);
	int n;

	if (closed(conn))
		return -EPIPE;
	if (need > sizeof(lc->tx) - lc->tx_len && rtmp_tx_flush(conn) < 0)
		return -EPIPE;
	n = spate_rtmp_chunk_write(
		lc->tx + lc->tx_len, sizeof(lc->tx) - lc->tx_len,
		conn->out_chunk_size, csid, type, stream_id, 0, payload, len);
	/* Our messages are bounded by SPATE_RTMP_AMF_SCRATCH < tx. */
	if (n < 0) {
		lc->stats.send_errors++;
		return rtmp_close(conn, SPATE_RTMP_CLOSE_SEND_FAILED);
	}
	lc->tx_len += (uint32_t)n;
	lc->stats.messages_out++;
	return 0;
}

int rtmp_tx_control(struct spate_rtmp_conn *conn, uint8_t type, uint32_t value)
{
	uint8_t b[4];

	put_be32(b, value);
	return rtmp_tx_msg(conn, RTMP_CSID_CONTROL, type, 0, b, sizeof(b));
}

int rtmp_tx_user_control(struct spate_rtmp_conn *conn, uint16_t event,
			 uint32_t value)
{
	uint8_t b[6];

	b[0] = (uint8_t)(event >> 8);
	b[1] = (uint8_t)event;
	put_be32(b + 2, value);
	return rtmp_tx_msg(conn, RTMP_CSID_CONTROL, SPATE_RTMP_MSG_USER_CONTROL,
			   0, b, sizeof(b));
}

/* ---- Lifecycle -------------------------------------------------------------
 */

void spate_rtmp_conn_init(struct spate_rtmp_conn *conn,
			  struct spate_rtmp_lcore *lc,
			  const struct spate_rtmp_conn_ops *ops, void *ctx,
			  uint64_t now_ms)
{
	memset(conn, 0, offsetof(struct spate_rtmp_conn, u));
	conn->ops = ops;
	conn->ctx = ctx;
	conn->lc = lc;
	conn->phase = SPATE_RTMP_PHASE_HANDSHAKE;
	conn->out_chunk_size = SPATE_RTMP_CHUNK_SIZE_DEFAULT;
	conn->next_stream_id = 1;
	conn->deadline_ms = now_ms + lc->cfg->handshake_timeout_ms;
	spate_rtmp_hs_init(&conn->u.hs);
	lc->stats.conns_opened++;
}

void rtmp_unpublish(struct spate_rtmp_conn *conn)
{
	void *stream = conn->stream;

	if (conn->phase != SPATE_RTMP_PHASE_PUBLISHING)
		return;
	conn->phase = SPATE_RTMP_PHASE_CONNECTED;
	conn->stream = NULL;
	conn->lc->stats.unpublishes++;
	conn->ops->unpublish(conn->ctx, stream);
}

static void release_resources(struct spate_rtmp_conn *conn)
{
	rtmp_unpublish(conn);
	if (conn->msgbuf != NULL) {
		void *buf = conn->msgbuf;

		conn->msgbuf = NULL;
		conn->ops->msgbuf_put(conn->ctx, buf);
	}
}

/*
 * Every path that closes returns -EPIPE straight up the stack without
 * touching conn again: the owner may free it inside ops->close.
 */
int rtmp_close(struct spate_rtmp_conn *conn,
	       enum spate_rtmp_close_reason reason)
{
	struct spate_rtmp_lcore *lc = conn->lc;

	if (closed(conn))
		return -EPIPE;
	release_resources(conn);
	/* Whatever answer is queued (onStatus BadName, _error) goes first. */
	if (lc->tx_len != 0 && reason != SPATE_RTMP_CLOSE_SEND_FAILED) {
		if (conn->ops->send(conn->ctx, lc->tx, lc->tx_len) < 0) {
			lc->stats.send_errors++;
			reason = SPATE_RTMP_CLOSE_SEND_FAILED;
		} else {
			lc->stats.bytes_out += lc->tx_len;
		}
	}
	lc->tx_len = 0;
	conn->phase = SPATE_RTMP_PHASE_CLOSED;
	conn->deadline_ms = 0;
	lc->stats.conns_closed++;
	conn->ops->close(conn->ctx, reason);
	return -EPIPE;
}

int rtmp_protocol_error(struct spate_rtmp_conn *conn, enum spate_rtmp_perr perr)
{
	if (closed(conn))
		return -EPIPE;
	conn->perr = (uint8_t)perr;
	conn->lc->stats.protocol_errors[perr]++;
	conn->lc->tx_len = 0;
	return rtmp_close(conn, SPATE_RTMP_CLOSE_PROTOCOL);
}

void spate_rtmp_conn_fini(struct spate_rtmp_conn *conn)
{
	if (closed(conn))
		return;
	release_resources(conn);
	conn->phase = SPATE_RTMP_PHASE_CLOSED;
	conn->deadline_ms = 0;
	conn->lc->stats.conns_closed++;
}

int spate_rtmp_conn_eof(struct spate_rtmp_conn *conn, uint64_t now_ms)
{
	(void)now_ms;
	return rtmp_close(conn, SPATE_RTMP_CLOSE_PEER);
}

int spate_rtmp_conn_timer(struct spate_rtmp_conn *conn, uint64_t now_ms)
{
	if (closed(conn))
		return -EPIPE;
	if (conn->deadline_ms == 0 || now_ms < conn->deadline_ms)
		return 0;
	if (conn->phase == SPATE_RTMP_PHASE_HANDSHAKE) {
		conn->lc->stats.timeout_handshake++;
		return rtmp_close(conn, SPATE_RTMP_CLOSE_HANDSHAKE_TIMEOUT);
	}
	conn->lc->stats.timeout_idle++;
	return rtmp_close(conn, SPATE_RTMP_CLOSE_IDLE_TIMEOUT);
}

/* ---- Handshake
 * --------------------------------------------------------------- */

/* C2 is in: borrow the message buffer and start the chunk stream. */
static int start_chunk_stream(struct spate_rtmp_conn *conn)
{
	const struct spate_rtmp_config *cfg = conn->lc->cfg;
	uint32_t size = 0;
	void *buf = conn->ops->msgbuf_get(conn->ctx, &size);

	if (buf == NULL) {
		conn->lc->stats.msgbuf_exhausted++;
		return rtmp_close(conn, SPATE_RTMP_CLOSE_NO_BUFFER);
	}
	conn->msgbuf = buf;
	/* The handshake state is dead: its storage becomes the table. */
	spate_rtmp_chunk_rx_init(&conn->u.rx, buf, size, cfg->max_message_bytes,
				 cfg->max_chunk_streams);
	conn->phase = SPATE_RTMP_PHASE_CONNECT;
	return 0;
}

static int handshake_input(struct spate_rtmp_conn *conn, const uint8_t *data,
			   size_t len, uint64_t now_ms)
{
	struct spate_rtmp_lcore *lc = conn->lc;
	size_t reply_len = 0;
	int n;

	/* S0S1S2 is written straight into the (empty) tx scratch. */
	if (rtmp_tx_flush(conn) < 0)
		return -EPIPE;
	n = spate_rtmp_hs_input(&conn->u.hs, data, len, lc->tx, &reply_len,
				conn->ops->random, conn->ctx, (uint32_t)now_ms);
	if (n < 0)
		return rtmp_protocol_error(conn,
					   SPATE_RTMP_PERR_HANDSHAKE_VERSION);
	if (reply_len != 0) {
		conn->hs_kind = conn->u.hs.kind;
		if (conn->hs_kind == SPATE_RTMP_HS_SIMPLE)
			lc->stats.handshakes_simple++;
		else
			lc->stats.handshakes_digest++;
		lc->tx_len = (uint32_t)reply_len;
		if (rtmp_tx_flush(conn) < 0)
			return -EPIPE;
	}
	if (conn->u.hs.state == SPATE_RTMP_HS_DONE &&
	    start_chunk_stream(conn) < 0)
		return -EPIPE;
	return n;
}

/* ---- Messages --------------------------------------------------------------
 */

static int user_control(struct spate_rtmp_conn *conn,
			const struct spate_rtmp_msg *m)
{
	uint16_t event;

	if (m->len < 2)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_CONTROL);
	event = (uint16_t)(m->data[0] << 8 | m->data[1]);
	/* PingRequest (6): answer PingResponse (7) with its timestamp. */
	if (event == 6) {
		if (m->len < 6)
			return rtmp_protocol_error(conn,
						   SPATE_RTMP_PERR_BAD_CONTROL);
		conn->lc->stats.pings_answered++;
		return rtmp_tx_user_control(conn, 7, be32(m->data + 2));
	}
	/* SetBufferLength, PingResponse, ...: nothing to do for a publisher. */
	return 0;
}

static int media(struct spate_rtmp_conn *conn, uint8_t type, uint32_t timestamp,
		 const uint8_t *data, uint32_t len)
{
	struct spate_rtmp_counters *st = &conn->lc->stats;
	struct spate_rtmp_media md;
	int rc;

	if (conn->phase != SPATE_RTMP_PHASE_PUBLISHING) {
		st->media_dropped++;
		return 0;
	}
	rc = type == SPATE_RTMP_MSG_VIDEO
		     ? spate_rtmp_flv_parse_video(data, len, &md)
		     : spate_rtmp_flv_parse_audio(data, len, &md);
	if (rc < 0) {
		/* An empty tag (some encoders send one) is not worth a
		 * disconnect. */
		st->media_malformed++;
		return 0;
	}
	md.timestamp_ms = timestamp;
	if (type == SPATE_RTMP_MSG_VIDEO) {
		st->video_msgs++;
		if (md.ex_header)
			st->ertmp_video_msgs++;
	} else {
		st->audio_msgs++;
	}
	st->media_bytes += len;
	if (conn->ops->on_media(conn->ctx, conn->stream, &md) < 0)
		return rtmp_close(conn, SPATE_RTMP_CLOSE_MEDIA_REJECTED);
	return 0;
}

/*
 * Aggregate (22): FLV-like sub-tags [type u8][size u24][ts u24 + u8]
 * [stream id u24][body][back pointer u32]; timestamps are rebased on the
 * message's own.  Only audio/video/data sub-tags are used.
 */
static int aggregate(struct spate_rtmp_conn *conn,
		     const struct spate_rtmp_msg *m)
{
	const uint8_t *p = m->data, *end = m->data + m->len;
	uint32_t first_ts = 0;
	bool first = true;

	while (end - p >= 11) {
		uint8_t type = p[0];
		uint32_t size =
			(uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		uint32_t ts = (uint32_t)p[7] << 24 | (uint32_t)p[4] << 16 |
			      (uint32_t)p[5] << 8 | p[6];

		if ((size_t)(end - p - 11) < size)
			break;
		if (first) {
			first_ts = ts;
			first = false;
		}
		ts = m->timestamp + (ts - first_ts);
		if (type == SPATE_RTMP_MSG_AUDIO ||
		    type == SPATE_RTMP_MSG_VIDEO) {
			if (media(conn, type, ts, p + 11, size) < 0)
				return -EPIPE;
		} else if (type == SPATE_RTMP_MSG_DATA_AMF0) {
			struct spate_rtmp_msg sub = *m;

			sub.type = type;
			sub.data = p + 11;
			sub.len = size;
			sub.timestamp = ts;
			if (rtmp_data(conn, &sub) < 0)
				return -EPIPE;
		}
		p += 11 + size;
		p += (end - p >= 4) ? 4 : end - p;
	}
	return 0;
}

static int handle_message(struct spate_rtmp_conn *conn,
			  const struct spate_rtmp_msg *m)
{
	switch (m->type) {
	case SPATE_RTMP_MSG_SET_CHUNK_SIZE:
	case SPATE_RTMP_MSG_ABORT: /* applied by the chunk layer */
	case SPATE_RTMP_MSG_ACK:   /* we send too little to care */
		return 0;
	case SPATE_RTMP_MSG_USER_CONTROL:
		return user_control(conn, m);
	case SPATE_RTMP_MSG_WINDOW_ACK_SIZE:
		if (m->len < 4)
			return rtmp_protocol_error(conn,
						   SPATE_RTMP_PERR_BAD_CONTROL);
		conn->ack_window = be32(m->data);
		return 0;
	case SPATE_RTMP_MSG_SET_PEER_BW:
		if (m->len < 5)
			return rtmp_protocol_error(conn,
						   SPATE_RTMP_PERR_BAD_CONTROL);
		conn->peer_bw = be32(m->data);
		return 0;
	case SPATE_RTMP_MSG_AUDIO:
	case SPATE_RTMP_MSG_VIDEO:
		return media(conn, m->type, m->timestamp, m->data, m->len);
	case SPATE_RTMP_MSG_AGGREGATE:
		return aggregate(conn, m);
	case SPATE_RTMP_MSG_COMMAND_AMF0:
	case SPATE_RTMP_MSG_COMMAND_AMF3:
		return rtmp_command(conn, m);
	case SPATE_RTMP_MSG_DATA_AMF0:
	case SPATE_RTMP_MSG_DATA_AMF3:
		return rtmp_data(conn, m);
	default: /* shared objects and unknown types: ignored */
		return 0;
	}
}

/* Acknowledgement each time the peer's window of bytes has arrived. */
static int maybe_ack(struct spate_rtmp_conn *conn)
{
	uint64_t bytes = conn->u.rx.bytes;

	if (conn->ack_window == 0 ||
	    bytes - conn->acked_bytes < conn->ack_window)
		return 0;
	conn->acked_bytes = bytes;
	conn->lc->stats.acks_sent++;
	return rtmp_tx_control(conn, SPATE_RTMP_MSG_ACK, (uint32_t)bytes);
}

static int chunk_input(struct spate_rtmp_conn *conn, const uint8_t *data,
		       size_t len)
{
	struct spate_rtmp_chunk_rx *rx = &conn->u.rx;
	struct spate_rtmp_counters *st = &conn->lc->stats;
	uint64_t chunks0 = rx->chunks, msgs0 = rx->messages,
		 copied0 = rx->copied;
	struct spate_rtmp_msg m;
	size_t pos = 0, used;
	int rc;

	while (pos < len) {
		rc = spate_rtmp_chunk_input(rx, data + pos, len - pos, &used,
					    &m);
		pos += used;
		st->chunks_in += rx->chunks - chunks0;
		st->messages_in += rx->messages - msgs0;
		st->bytes_copied += rx->copied - copied0;
		chunks0 = rx->chunks;
		msgs0 = rx->messages;
		copied0 = rx->copied;
		if (rc < 0)
			return rtmp_protocol_error(
				conn, (enum spate_rtmp_perr)rx->perr);
		if (rc == 1 && handle_message(conn, &m) < 0)
			return -EPIPE;
	}
	return maybe_ack(conn);
}

int spate_rtmp_conn_input(struct spate_rtmp_conn *conn, const void *data,
			  size_t len, uint64_t now_ms)
{
	const uint8_t *p = data;
	size_t pos = 0;
	int n;

	if (closed(conn))
		return -EPIPE;
	conn->lc->stats.bytes_in += len;
	if (conn->phase == SPATE_RTMP_PHASE_HANDSHAKE) {
		n = handshake_input(conn, p, len, now_ms);
		if (n < 0)
			return -EPIPE;
		pos = (size_t)n;
	}
	if (conn->phase != SPATE_RTMP_PHASE_HANDSHAKE) {
		conn->deadline_ms = now_ms + conn->lc->cfg->idle_timeout_ms;
		if (pos < len && chunk_input(conn, p + pos, len - pos) < 0)
			return -EPIPE;
	}
	if (rtmp_tx_flush(conn) < 0)
		return -EPIPE;
	return (int)len;
}
