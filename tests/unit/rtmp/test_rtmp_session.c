/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RTMP connection through its ops table: a whole publish (commands,
 * answers, metadata, legacy and enhanced RTMP media, unpublish), bad stream
 * keys, protocol errors, timeouts, acks and pings, and a real ffmpeg
 * publish replayed from a byte capture whole, byte by byte and in random
 * pieces.  Also the FLV tag helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtmp_session.h"

/* ---- Fake owner --------------------------------------------------------- */

struct owner {
	uint8_t out[1 << 16];
	size_t out_len;
	bool closed;
	enum spate_rtmp_close_reason reason;
	int authorizes, unpublishes, metadata, video, audio, ex_video;
	int seq_starts, msgbuf_out;
	bool no_msgbuf;
	char app[64], key[64];
	double width;
	uint32_t codecs[64];
	int32_t cts[64];
	uint32_t ts[64];
	int nmedia;
	uint8_t media_hash;
	uint32_t seed;
};

static uint8_t msgbuf[1 << 20];

static int o_send(void *ctx, const void *d, size_t len)
{
	struct owner *o = ctx;

	assert_false(o->closed);
	assert_true(o->out_len + len <= sizeof(o->out));
	memcpy(o->out + o->out_len, d, len);
	o->out_len += len;
	return 0;
}

static void o_random(void *ctx, void *buf, size_t len)
{
	struct owner *o = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		o->seed = o->seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(o->seed >> 16);
	}
}

static void *o_msgbuf_get(void *ctx, uint32_t *size)
{
	struct owner *o = ctx;

	if (o->no_msgbuf)
		return NULL;
	o->msgbuf_out++;
	*size = sizeof(msgbuf);
	return msgbuf;
}

static void o_msgbuf_put(void *ctx, void *buf)
{
	struct owner *o = ctx;

	assert_ptr_equal(buf, msgbuf);
	o->msgbuf_out--;
}

static int o_authorize(void *ctx, const char *app, size_t app_len,
		       const char *key, size_t key_len, void **stream)
{
	struct owner *o = ctx;

	o->authorizes++;
	snprintf(o->app, sizeof(o->app), "%.*s", (int)app_len, app);
	snprintf(o->key, sizeof(o->key), "%.*s", (int)key_len, key);
	if (strcmp(o->key, "testkey") != 0)
		return -ENOENT;
	*stream = o;
	return 0;
}

static int o_metadata(void *ctx, void *stream,
		      const struct spate_rtmp_metadata *md)
{
	struct owner *o = ctx;

	assert_ptr_equal(stream, o);
	o->metadata++;
	o->width = md->width;
	/* an FLV script tag body: "onMetaData" first */
	assert_int_equal(md->amf[0], 2);
	assert_memory_equal(md->amf + 3, "onMetaData", 10);
	return 0;
}

static int o_media(void *ctx, void *stream, const struct spate_rtmp_media *m)
{
	struct owner *o = ctx;

	assert_ptr_equal(stream, o);
	assert_false(o->closed);
	if (m->type == 9)
		o->video++;
	else
		o->audio++;
	if (m->ex_header)
		o->ex_video++;
	if (m->packet == SPATE_RTMP_PKT_SEQUENCE_START)
		o->seq_starts++;
	if (o->nmedia < 64) {
		o->codecs[o->nmedia] = m->codec;
		o->cts[o->nmedia] = m->cts_ms;
		o->ts[o->nmedia] = m->timestamp_ms;
		o->nmedia++;
	}
	for (uint32_t i = 0; i < m->len; i++)
		o->media_hash = (uint8_t)(o->media_hash * 31 + m->data[i]);
	assert_true(m->payload >= m->data &&
		    m->payload + m->payload_len == m->data + m->len);
	return 0;
}

static void o_unpublish(void *ctx, void *stream)
{
	struct owner *o = ctx;

	assert_ptr_equal(stream, o);
	o->unpublishes++;
}

static void o_close(void *ctx, enum spate_rtmp_close_reason r)
{
	struct owner *o = ctx;

	assert_false(o->closed);
	o->closed = true;
	o->reason = r;
}

static const struct spate_rtmp_conn_ops ops = {
	.send = o_send,
	.random = o_random,
	.msgbuf_get = o_msgbuf_get,
	.msgbuf_put = o_msgbuf_put,
	.authorize = o_authorize,
	.on_metadata = o_metadata,
	.on_media = o_media,
	.unpublish = o_unpublish,
	.close = o_close,
};

static struct spate_rtmp_config cfg;
static struct spate_rtmp_lcore lc;
static struct spate_rtmp_conn conn;
static struct owner own;

static int setup(void **state)
{
	(void)state;
	spate_rtmp_config_default(&cfg);
	cfg.max_message_bytes = 1 << 19;
	assert_int_equal(spate_rtmp_lcore_init(&lc, &cfg), 0);
	memset(&own, 0, sizeof(own));
	own.seed = 42;
	spate_rtmp_conn_init(&conn, &lc, &ops, &own, 1000);
	return 0;
}

/* ---- Client side builder ------------------------------------------------ */

static uint8_t cl[1 << 16];
static size_t cl_len;

static void cl_handshake(void)
{
	memset(cl, 0, 1 + 2 * SPATE_RTMP_HS_SIZE);
	cl[0] = 3;
	cl_len = 1 + 2 * SPATE_RTMP_HS_SIZE;
}

static void cl_msg(uint32_t csid, uint8_t type, uint32_t sid, uint32_t ts,
		   const void *d, uint32_t len)
{
	int n = spate_rtmp_chunk_write(cl + cl_len, sizeof(cl) - cl_len, 128,
				       csid, type, sid, ts, d, len);

	assert_true(n > 0);
	cl_len += (size_t)n;
}

static uint8_t amfbuf[4096];

static struct spate_amf0_writer *cmd(const char *name, double txn)
{
	static struct spate_amf0_writer w;

	spate_amf0_writer_init(&w, amfbuf, sizeof(amfbuf));
	spate_amf0_put_cstr(&w, name);
	spate_amf0_put_number(&w, txn);
	return &w;
}

static void cl_send_cmd(struct spate_amf0_writer *w, uint32_t sid)
{
	assert_int_equal(w->err, 0);
	cl_msg(3, SPATE_RTMP_MSG_COMMAND_AMF0, sid, 0, w->buf,
	       (uint32_t)w->len);
}

static void cl_connect(bool fourcc)
{
	struct spate_amf0_writer *w = cmd("connect", 1);

	spate_amf0_put_object_begin(w);
	spate_amf0_put_prop_cstr(w, "app", "live");
	spate_amf0_put_prop_cstr(w, "type", "nonprivate");
	spate_amf0_put_prop_cstr(w, "tcUrl", "rtmp://127.0.0.1/live");
	if (fourcc) {
		spate_amf0_put_key(w, "fourCcList");
		spate_amf0_put_strict_begin(w, 1);
		spate_amf0_put_cstr(w, "hvc1");
	}
	spate_amf0_put_object_end(w);
	cl_send_cmd(w, 0);
}

static void cl_stream_cmd(const char *name, double txn, const char *arg,
			  uint32_t sid)
{
	struct spate_amf0_writer *w = cmd(name, txn);

	spate_amf0_put_null(w);
	if (arg != NULL)
		spate_amf0_put_cstr(w, arg);
	cl_send_cmd(w, sid);
}

static void cl_publish(const char *key)
{
	struct spate_amf0_writer *w = cmd("publish", 5);

	spate_amf0_put_null(w);
	spate_amf0_put_cstr(w, key);
	spate_amf0_put_cstr(w, "live");
	cl_send_cmd(w, 1);
}

static void cl_metadata(void)
{
	struct spate_amf0_writer w;

	spate_amf0_writer_init(&w, amfbuf, sizeof(amfbuf));
	spate_amf0_put_cstr(&w, "@setDataFrame");
	spate_amf0_put_cstr(&w, "onMetaData");
	spate_amf0_put_ecma_begin(&w, 3);
	spate_amf0_put_prop_number(&w, "width", 320);
	spate_amf0_put_prop_number(&w, "height", 240);
	spate_amf0_put_prop_number(&w, "videocodecid", 7);
	spate_amf0_put_object_end(&w);
	cl_msg(4, SPATE_RTMP_MSG_DATA_AMF0, 1, 0, w.buf, (uint32_t)w.len);
}

static void cl_media(void)
{
	static const uint8_t avc_seq[] = {0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f};
	static const uint8_t avc_key[] = {0x17, 1, 0, 0, 40, 0, 0, 0, 1, 0x65};
	static const uint8_t aac_seq[] = {0xaf, 0, 0x12, 0x10};
	static const uint8_t aac_raw[] = {0xaf, 1, 0x21, 0x22, 0x23};
	/* E-RTMP: IsExHeader | key frame | SequenceStart, hvc1 */
	static const uint8_t hevc_seq[] = {0x90, 'h', 'v', 'c', '1', 1, 2, 3};
	/* key | CodedFrames, hvc1, cts -2 */
	static const uint8_t hevc_frame[] = {
		0x91, 'h', 'v', 'c', '1', 0xff, 0xff, 0xfe, 0, 0, 0, 1, 0x26};
	/* inter | CodedFramesX, av01 */
	static const uint8_t av1_frame[] = {0xa3, 'a', 'v', '0', '1', 0x12, 0};
	static uint8_t big[20000];

	cl_msg(6, 9, 1, 0, avc_seq, sizeof(avc_seq));
	cl_msg(4, 8, 1, 0, aac_seq, sizeof(aac_seq));
	cl_msg(6, 9, 1, 40, avc_key, sizeof(avc_key));
	cl_msg(4, 8, 1, 23, aac_raw, sizeof(aac_raw));
	cl_msg(6, 9, 1, 80, hevc_seq, sizeof(hevc_seq));
	cl_msg(6, 9, 1, 120, hevc_frame, sizeof(hevc_frame));
	cl_msg(6, 9, 1, 160, av1_frame, sizeof(av1_frame));
	memset(big, 0x5a, sizeof(big));
	big[0] = 0x27;
	big[1] = 1;
	cl_msg(6, 9, 1, 200, big, sizeof(big)); /* 157 chunks */
}

/* ---- Server output decoder ---------------------------------------------- */

struct srv_msg {
	uint8_t type;
	uint32_t sid;
	char name[32];
	char code[64];
	double num; /* _result's 3rd value, or control value */
};

static uint8_t dec_buf[1 << 16];

static unsigned decode_output(const uint8_t *out, size_t len,
			      struct srv_msg *ms, unsigned max)
{
	struct spate_rtmp_chunk_rx rx;
	size_t pos = 1 + 2 * SPATE_RTMP_HS_SIZE, used;
	unsigned n = 0;

	assert_true(len >= pos);
	assert_int_equal(out[0], 3);
	spate_rtmp_chunk_rx_init(&rx, dec_buf, sizeof(dec_buf), 1 << 16, 0);
	while (pos < len && n < max) {
		struct spate_rtmp_msg m;
		int rc = spate_rtmp_chunk_input(&rx, out + pos, len - pos,
						&used, &m);

		assert_true(rc >= 0);
		pos += used;
		if (rc != 1)
			continue;
		struct srv_msg *s = &ms[n++];

		memset(s, 0, sizeof(*s));
		s->type = m.type;
		s->sid = m.stream_id;
		if (m.type == SPATE_RTMP_MSG_COMMAND_AMF0) {
			struct spate_amf0_cursor c;
			struct spate_amf0_value v, st;

			spate_amf0_cursor_init(&c, m.data, m.len);
			assert_int_equal(spate_amf0_read(&c, &v), 0);
			snprintf(s->name, sizeof(s->name), "%.*s",
				 (int)v.str.len, v.str.ptr);
			assert_int_equal(spate_amf0_read(&c, &v), 0); /* txn */
			while (spate_amf0_read(&c, &v) == 0) {
				if (v.type == SPATE_AMF0_NUMBER)
					s->num = v.number;
				if (spate_amf0_find(&v, "code", &st) == 0)
					snprintf(s->code, sizeof(s->code),
						 "%.*s", (int)st.str.len,
						 st.str.ptr);
			}
		} else if (m.len >= 4) {
			uint32_t off = m.type == 4 ? 2 : 0;

			s->num = (double)((uint32_t)m.data[off] << 24 |
					  (uint32_t)m.data[off + 1] << 16 |
					  (uint32_t)m.data[off + 2] << 8 |
					  m.data[off + 3]);
		}
	}
	assert_int_equal(pos, len);
	return n;
}

static int feed(const uint8_t *d, size_t len, size_t step, uint64_t now)
{
	size_t pos = 0;
	int rc;

	while (pos < len) {
		size_t n = step ? step : 1 + (size_t)rand() % 300;

		if (n > len - pos)
			n = len - pos;
		rc = spate_rtmp_conn_input(&conn, d + pos, n, now);
		if (rc < 0)
			return rc;
		assert_int_equal(rc, (int)n);
		pos += n;
	}
	return 0;
}

/* ---- Tests ----------------------------------------------------------------
 */

static void build_publish_session(void)
{
	cl_handshake();
	cl_connect(true);
	cl_stream_cmd("releaseStream", 2, "testkey", 0);
	cl_stream_cmd("FCPublish", 3, "testkey", 0);
	cl_stream_cmd("createStream", 4, NULL, 0);
	cl_publish("testkey?token=abc");
	cl_metadata();
	cl_media();
	cl_stream_cmd("FCUnpublish", 6, "testkey", 1);
	cl_stream_cmd("deleteStream", 7, NULL, 0);
}

static void test_publish_session(void **state)
{
	static uint8_t out_whole[1 << 16];
	size_t out_whole_len;
	struct srv_msg ms[32];
	unsigned n;

	(void)state;
	build_publish_session();
	assert_int_equal(feed(cl, cl_len, 0, 1000), 0);
	assert_false(own.closed);
	assert_string_equal(own.app, "live");
	assert_string_equal(own.key, "testkey");
	assert_int_equal(own.metadata, 1);
	assert_true(own.width == 320);
	assert_int_equal(own.video, 6);
	assert_int_equal(own.audio, 2);
	assert_int_equal(own.ex_video, 3);
	assert_int_equal(own.seq_starts, 3);
	assert_int_equal(own.codecs[0], SPATE_RTMP_CODEC_AVC);
	assert_int_equal(own.codecs[1], SPATE_RTMP_CODEC_AAC);
	assert_int_equal(own.codecs[4], SPATE_RTMP_CODEC_HEVC);
	assert_int_equal(own.codecs[5], SPATE_RTMP_CODEC_HEVC);
	assert_int_equal(own.cts[5], -2);
	assert_int_equal(own.codecs[6], SPATE_RTMP_CODEC_AV1);
	assert_int_equal(own.ts[7], 200);
	assert_int_equal(own.unpublishes, 1);
	assert_int_equal(lc.stats.publishes, 1);
	assert_int_equal(lc.stats.ertmp_video_msgs, 3);
	assert_int_equal(spate_rtmp_conn_phase(&conn),
			 SPATE_RTMP_PHASE_CONNECTED);

	n = decode_output(own.out, own.out_len, ms, 32);
	assert_int_equal(n, 11);
	assert_int_equal(ms[0].type, SPATE_RTMP_MSG_WINDOW_ACK_SIZE);
	assert_true(ms[0].num == SPATE_RTMP_DEFAULT_WINDOW_ACK_SIZE);
	assert_int_equal(ms[1].type, SPATE_RTMP_MSG_SET_PEER_BW);
	assert_int_equal(ms[2].type, SPATE_RTMP_MSG_SET_CHUNK_SIZE);
	assert_true(ms[2].num == SPATE_RTMP_DEFAULT_OUT_CHUNK_SIZE);
	assert_string_equal(ms[3].name, "_result");
	assert_string_equal(ms[3].code, "NetConnection.Connect.Success");
	assert_string_equal(ms[4].name, "_result"); /* releaseStream */
	assert_string_equal(ms[5].name, "onFCPublish");
	assert_string_equal(ms[6].name, "_result"); /* createStream */
	assert_true(ms[6].num == 1);
	assert_int_equal(ms[7].type, SPATE_RTMP_MSG_USER_CONTROL);
	assert_true(ms[7].num == 1); /* StreamBegin 1 */
	assert_string_equal(ms[8].name, "onStatus");
	assert_string_equal(ms[8].code, "NetStream.Publish.Start");
	assert_int_equal(ms[8].sid, 1);
	assert_string_equal(ms[9].name, "onFCUnpublish");
	assert_string_equal(ms[10].name, "onStatus");
	assert_string_equal(ms[10].code, "NetStream.Unpublish.Success");

	/* Byte at a time: the same answers, byte for byte. */
	memcpy(out_whole, own.out, own.out_len);
	out_whole_len = own.out_len;
	setup(NULL);
	assert_int_equal(feed(cl, cl_len, 1, 1000), 0);
	assert_int_equal(own.out_len, out_whole_len);
	assert_memory_equal(own.out, out_whole, out_whole_len);
	assert_int_equal(own.video, 6);
	spate_rtmp_conn_fini(&conn);
	assert_int_equal(own.msgbuf_out, 0);
}

static void test_bad_name(void **state)
{
	struct srv_msg ms[16];
	unsigned n;

	(void)state;
	cl_handshake();
	cl_connect(false);
	cl_stream_cmd("createStream", 4, NULL, 0);
	cl_publish("nosuchkey");
	cl_media(); /* never reaches the owner */
	assert_int_equal(feed(cl, cl_len, 0, 1000), -EPIPE);
	assert_true(own.closed);
	assert_int_equal(own.reason, SPATE_RTMP_CLOSE_BAD_NAME);
	assert_int_equal(own.video + own.audio, 0);
	assert_int_equal(own.unpublishes, 0);
	assert_int_equal(own.msgbuf_out, 0);
	assert_int_equal(lc.stats.bad_names, 1);
	n = decode_output(own.out, own.out_len, ms, 16);
	assert_string_equal(ms[n - 1].name, "onStatus");
	assert_string_equal(ms[n - 1].code, "NetStream.Publish.BadName");
	/* closed conns ignore everything */
	assert_int_equal(spate_rtmp_conn_input(&conn, cl, 10, 2000), -EPIPE);
	assert_int_equal(spate_rtmp_conn_timer(&conn, 99999999), -EPIPE);
}

static void test_protocol_errors(void **state)
{
	uint8_t junk[4] = {'G', 'E', 'T', ' '};

	(void)state;
	/* publish before connect */
	cl_handshake();
	cl_publish("testkey");
	assert_int_equal(feed(cl, cl_len, 0, 1000), -EPIPE);
	assert_int_equal(own.reason, SPATE_RTMP_CLOSE_PROTOCOL);
	assert_int_equal(spate_rtmp_conn_perr(&conn),
			 SPATE_RTMP_PERR_BAD_COMMAND);
	assert_int_equal(own.msgbuf_out, 0);

	/* HTTP on the RTMP port */
	setup(NULL);
	assert_int_equal(spate_rtmp_conn_input(&conn, junk, 4, 1000), -EPIPE);
	assert_int_equal(spate_rtmp_conn_perr(&conn),
			 SPATE_RTMP_PERR_HANDSHAKE_VERSION);
	assert_int_equal(own.out_len, 0);

	/* a command that is not AMF */
	setup(NULL);
	cl_handshake();
	cl_msg(3, SPATE_RTMP_MSG_COMMAND_AMF0, 0, 0, "\x02\x00\x09xx", 5);
	assert_int_equal(feed(cl, cl_len, 0, 1000), -EPIPE);
	assert_int_equal(spate_rtmp_conn_perr(&conn), SPATE_RTMP_PERR_BAD_AMF);

	/* a message bigger than max_message_bytes ends this conn only */
	setup(NULL);
	cl_handshake();
	cl_connect(false);
	{
		uint8_t hdr[12] = {0x06, 0, 0, 0, 0x10, 0, 0, 9, 1, 0, 0, 0};

		memcpy(cl + cl_len, hdr, sizeof(hdr)); /* 1 MB video */
		cl_len += sizeof(hdr);
	}
	assert_int_equal(feed(cl, cl_len, 0, 1000), -EPIPE);
	assert_int_equal(spate_rtmp_conn_perr(&conn),
			 SPATE_RTMP_PERR_MSG_TOO_BIG);
	assert_int_equal(lc.stats.protocol_errors[SPATE_RTMP_PERR_MSG_TOO_BIG],
			 1);
	assert_int_equal(own.msgbuf_out, 0);

	/* no message buffer to lend */
	setup(NULL);
	own.no_msgbuf = true;
	cl_handshake();
	assert_int_equal(feed(cl, cl_len, 0, 1000), -EPIPE);
	assert_int_equal(own.reason, SPATE_RTMP_CLOSE_NO_BUFFER);
	assert_int_equal(lc.stats.msgbuf_exhausted, 1);
}

static void test_timeouts(void **state)
{
	(void)state;
	assert_int_equal(spate_rtmp_conn_deadline(&conn),
			 1000 + SPATE_RTMP_DEFAULT_HANDSHAKE_TIMEOUT_MS);
	cl_handshake();
	assert_int_equal(spate_rtmp_conn_input(&conn, cl, 100, 2000), 100);
	assert_int_equal(spate_rtmp_conn_timer(&conn, 10999), 0);
	assert_int_equal(spate_rtmp_conn_timer(&conn, 11000), -EPIPE);
	assert_int_equal(own.reason, SPATE_RTMP_CLOSE_HANDSHAKE_TIMEOUT);

	setup(NULL);
	cl_handshake();
	cl_connect(false);
	cl_stream_cmd("createStream", 4, NULL, 0);
	cl_publish("testkey");
	assert_int_equal(feed(cl, cl_len, 0, 5000), 0);
	assert_int_equal(spate_rtmp_conn_deadline(&conn),
			 5000 + SPATE_RTMP_DEFAULT_IDLE_TIMEOUT_MS);
	assert_int_equal(spate_rtmp_conn_timer(&conn, 5000 + 29999), 0);
	assert_int_equal(spate_rtmp_conn_timer(&conn, 5000 + 30000), -EPIPE);
	assert_int_equal(own.reason, SPATE_RTMP_CLOSE_IDLE_TIMEOUT);
	assert_int_equal(own.unpublishes, 1);
	assert_int_equal(lc.stats.timeout_idle, 1);
}

static void test_ack_and_ping(void **state)
{
	static uint8_t pad[3000];
	uint8_t win[4] = {0, 0, 0x03, 0xe8}; /* 1000 */
	uint8_t ping[6] = {0, 6, 0, 0, 0x12, 0x34};
	struct srv_msg ms[16];
	unsigned n, acks = 0, pongs = 0;

	(void)state;
	cl_handshake();
	cl_msg(2, SPATE_RTMP_MSG_WINDOW_ACK_SIZE, 0, 0, win, 4);
	cl_msg(2, SPATE_RTMP_MSG_USER_CONTROL, 0, 0, ping, 6);
	cl_msg(7, 8, 1, 0, pad, sizeof(pad)); /* dropped: not publishing */
	assert_int_equal(feed(cl, cl_len, 0, 1000), 0);
	n = decode_output(own.out, own.out_len, ms, 16);
	for (unsigned i = 0; i < n; i++) {
		if (ms[i].type == SPATE_RTMP_MSG_ACK)
			acks++;
		if (ms[i].type == SPATE_RTMP_MSG_USER_CONTROL) {
			pongs++;
			assert_true(ms[i].num == 0x1234);
		}
	}
	assert_true(acks >= 1);
	assert_int_equal(pongs, 1);
	assert_int_equal(lc.stats.media_dropped, 1);
}

/* ---- Replay of a real ffmpeg publish ------------------------------------- */

static uint8_t *capture;
static size_t capture_len;

static void load_capture(void)
{
	FILE *f = fopen(RTMP_TEST_DATA "/ffmpeg_publish.bin", "rb");

	assert_non_null(f);
	capture = malloc(1 << 20);
	capture_len = fread(capture, 1, 1 << 20, f);
	fclose(f);
	assert_true(capture_len > 3073);
}

static void test_replay_ffmpeg_capture(void **state)
{
	static uint8_t out0[1 << 16];
	size_t out0_len = 0;
	struct owner first;
	const size_t steps[] = {0 /* whole */, 1, 2, 0 /* random */};

	(void)state;
	load_capture();
	for (size_t i = 0; i < 4; i++) {
		setup(NULL);
		srand((unsigned)i);
		if (i == 0)
			assert_int_equal(spate_rtmp_conn_input(&conn, capture,
							       capture_len,
							       1000),
					 (int)capture_len);
		else
			feed(capture, capture_len, steps[i], 1000);
		assert_false(own.closed);
		assert_int_equal(spate_rtmp_conn_eof(&conn, 2000), -EPIPE);
		assert_int_equal(own.reason, SPATE_RTMP_CLOSE_PEER);
		assert_string_equal(own.app, "live");
		assert_string_equal(own.key, "testkey");
		assert_int_equal(own.metadata, 1);
		assert_int_equal(own.video, 12);
		assert_int_equal(own.audio, 10);
		assert_int_equal(own.codecs[0], SPATE_RTMP_CODEC_AVC);
		assert_int_equal(own.unpublishes, 1);
		assert_int_equal(own.msgbuf_out, 0);
		assert_int_equal(conn.hs_kind, SPATE_RTMP_HS_DIGEST_SCHEME0);
		if (i == 0) {
			first = own;
			memcpy(out0, own.out, own.out_len);
			out0_len = own.out_len;
		} else {
			assert_int_equal(own.media_hash, first.media_hash);
			assert_memory_equal(own.ts, first.ts, sizeof(own.ts));
			assert_int_equal(own.out_len, out0_len);
			assert_memory_equal(own.out, out0, out0_len);
		}
	}
	free(capture);
}

/* ---- FLV helpers -----------------------------------------------------------
 */

static void test_flv(void **state)
{
	uint8_t b[64];
	struct spate_rtmp_media m;
	static const uint8_t body[] = {0xaf, 1, 9, 9};
	static const uint8_t av1_seq[] = {0x95, 'a', 'v', '0', '1', 0x81};

	(void)state;
	spate_rtmp_flv_file_header(b, true, true);
	assert_memory_equal(b, "FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00",
			    13);
	assert_int_equal(spate_rtmp_flv_tag(b, sizeof(b), 8, 0x01020304, body,
					    sizeof(body)),
			 4 + 15);
	assert_memory_equal(b, "\x08\x00\x00\x04\x02\x03\x04\x01\x00\x00\x00",
			    11);
	assert_memory_equal(b + 11, body, 4);
	assert_memory_equal(b + 15, "\x00\x00\x00\x0f", 4);
	assert_int_equal(spate_rtmp_flv_tag(b, 10, 8, 0, body, 4), -ENOSPC);

	assert_int_equal(spate_rtmp_flv_parse_audio(body, 4, &m), 0);
	assert_int_equal(m.codec, SPATE_RTMP_CODEC_AAC);
	assert_int_equal(m.packet, SPATE_RTMP_PKT_CODED_FRAMES);
	assert_int_equal(m.payload_len, 2);
	/* key frame | MPEG2TSSequenceStart, av01 */
	assert_int_equal(spate_rtmp_flv_parse_video(av1_seq, 6, &m), 0);
	assert_true(m.ex_header && m.keyframe);
	assert_int_equal(m.codec, SPATE_RTMP_CODEC_AV1);
	assert_int_equal(m.packet, SPATE_RTMP_PKT_MPEG2TS_SEQ_START);
	assert_int_equal(spate_rtmp_flv_parse_video(av1_seq, 3, &m), -EBADMSG);
	assert_int_equal(spate_rtmp_flv_parse_video(body, 0, &m), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_publish_session, setup),
		cmocka_unit_test_setup(test_bad_name, setup),
		cmocka_unit_test_setup(test_protocol_errors, setup),
		cmocka_unit_test_setup(test_timeouts, setup),
		cmocka_unit_test_setup(test_ack_and_ping, setup),
		cmocka_unit_test_setup(test_replay_ffmpeg_capture, setup),
		cmocka_unit_test(test_flv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
