/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTMP chunk stream demuxer and muxer (see rtmp_chunk.h).  Owns chunk
 * headers, per chunk stream state, timestamps and message reassembly into
 * the lent buffer.  Does not interpret commands, media or acks.
 */
#include <errno.h>
#include <string.h>

#include "rtmp_chunk.h"

enum {
	ST_BASIC,     /* first byte of a basic header */
	ST_BASIC_EXT, /* 1 or 2 more csid bytes */
	ST_MSG_HDR,   /* 11 / 7 / 3 message header bytes */
	ST_EXT_TS,    /* 4 extended timestamp bytes */
	ST_EXT_PEEK,  /* 4 bytes that may be a repeated extended timestamp */
	ST_PAYLOAD,
	ST_ERROR,
};

#define F_EXT	   0x01 /* the last header's timestamp field was 0xffffff */
#define NO_BUF_OFF UINT32_MAX

static const uint8_t msg_hdr_len[4] = {11, 7, 3, 0};

static const char *const perr_names[SPATE_RTMP_PERR_MAX] = {
	[SPATE_RTMP_PERR_NONE] = "none",
	[SPATE_RTMP_PERR_HANDSHAKE_VERSION] = "handshake_version",
	[SPATE_RTMP_PERR_TOO_MANY_CSIDS] = "too_many_chunk_streams",
	[SPATE_RTMP_PERR_NO_PREV_HEADER] = "no_previous_header",
	[SPATE_RTMP_PERR_HEADER_MID_MESSAGE] = "header_mid_message",
	[SPATE_RTMP_PERR_MSG_TOO_BIG] = "message_too_big",
	[SPATE_RTMP_PERR_NO_BUFFER_SPACE] = "no_buffer_space",
	[SPATE_RTMP_PERR_BAD_CHUNK_SIZE] = "bad_chunk_size",
	[SPATE_RTMP_PERR_BAD_CONTROL] = "bad_control_message",
	[SPATE_RTMP_PERR_BAD_AMF] = "bad_amf",
	[SPATE_RTMP_PERR_BAD_COMMAND] = "bad_command",
};

const char *spate_rtmp_perr_name(enum spate_rtmp_perr e)
{
	return (unsigned)e < SPATE_RTMP_PERR_MAX ? perr_names[e] : "?";
}

static inline uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | be24(p + 1);
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

void spate_rtmp_chunk_rx_init(struct spate_rtmp_chunk_rx *rx, uint8_t *buf,
			      uint32_t buf_cap, uint32_t max_msg_len,
			      unsigned max_csids)
{
	memset(rx, 0, sizeof(*rx));
	rx->chunk_size = SPATE_RTMP_CHUNK_SIZE_DEFAULT;
	rx->max_msg_len = max_msg_len > SPATE_RTMP_MSG_LEN_MAX
				  ? SPATE_RTMP_MSG_LEN_MAX
				  : max_msg_len;
	rx->max_csids =
		(uint16_t)(max_csids == 0 || max_csids > SPATE_RTMP_MAX_CSIDS
				   ? SPATE_RTMP_MAX_CSIDS
				   : max_csids);
	rx->buf = buf;
	rx->buf_cap = buf_cap;
	rx->state = ST_BASIC;
}

static int fail(struct spate_rtmp_chunk_rx *rx, enum spate_rtmp_perr e)
{
	rx->perr = (uint8_t)e;
	rx->state = ST_ERROR;
	return -EPROTO;
}

/* Drops a message's reservation; the stack top falls to the highest one
 * still held (a scan of <= 64 slots, once per copied message). */
static void release(struct spate_rtmp_chunk_rx *rx, struct spate_rtmp_csid *s)
{
	uint32_t end, top = 0;

	if (s->buf_off == NO_BUF_OFF)
		return;
	end = s->buf_off + s->msg_len;
	s->buf_off = NO_BUF_OFF;
	if (end != rx->buf_top)
		return;
	for (unsigned i = 0; i < rx->ncsids; i++) {
		const struct spate_rtmp_csid *o = &rx->cs[i];

		if (o->buf_off != NO_BUF_OFF && o->buf_off + o->msg_len > top)
			top = o->buf_off + o->msg_len;
	}
	rx->buf_top = top;
}

static struct spate_rtmp_csid *find_csid(struct spate_rtmp_chunk_rx *rx,
					 uint32_t csid)
{
	for (unsigned i = 0; i < rx->ncsids; i++)
		if (rx->cs[i].csid == csid)
			return &rx->cs[i];
	return NULL;
}

/* Control messages that change parsing, applied once complete. */
static int apply_control(struct spate_rtmp_chunk_rx *rx,
			 const struct spate_rtmp_msg *m)
{
	uint32_t v;

	if (m->type == SPATE_RTMP_MSG_SET_CHUNK_SIZE) {
		if (m->len < 4)
			return fail(rx, SPATE_RTMP_PERR_BAD_CONTROL);
		v = be32(m->data);
		if (v == 0 || v > SPATE_RTMP_CHUNK_SIZE_MAX)
			return fail(rx, SPATE_RTMP_PERR_BAD_CHUNK_SIZE);
		rx->chunk_size = v;
	} else if (m->type == SPATE_RTMP_MSG_ABORT) {
		struct spate_rtmp_csid *s;

		if (m->len < 4)
			return fail(rx, SPATE_RTMP_PERR_BAD_CONTROL);
		s = find_csid(rx, be32(m->data));
		if (s != NULL) {
			release(rx, s);
			s->received = 0;
		}
	}
	return 0;
}

static int complete(struct spate_rtmp_chunk_rx *rx, struct spate_rtmp_csid *s,
		    const uint8_t *data, struct spate_rtmp_msg *m, bool zc)
{
	m->data = data;
	m->len = s->msg_len;
	m->timestamp = s->timestamp;
	m->stream_id = s->stream_id;
	m->csid = s->csid;
	m->type = s->type;
	m->zero_copy = zc;
	s->received = 0;
	/* The bytes stay readable until the next input call copies. */
	release(rx, s);
	rx->state = ST_BASIC;
	rx->messages++;
	if (m->type == SPATE_RTMP_MSG_SET_CHUNK_SIZE ||
	    m->type == SPATE_RTMP_MSG_ABORT)
		if (apply_control(rx, m) < 0)
			return -EPROTO;
	return 1;
}

/* Headers done: set up this chunk's payload (or hand out an empty one). */
static int begin_payload(struct spate_rtmp_chunk_rx *rx,
			 struct spate_rtmp_csid *s, struct spate_rtmp_msg *m)
{
	uint32_t left = s->msg_len - s->received;

	if (s->msg_len == 0)
		return complete(rx, s, rx->hdr, m, false);
	rx->chunk_left = left < rx->chunk_size ? left : rx->chunk_size;
	rx->state = ST_PAYLOAD;
	return 0;
}

/*
 * The timestamp field (or its extended value) of the current header.
 * fmt 3 starting a new message repeats the last delta; after a fmt 0 that
 * is fmt 0's own field, as ffmpeg and librtmp read it.
 */
static void apply_timestamp(struct spate_rtmp_chunk_rx *rx,
			    struct spate_rtmp_csid *s, uint32_t value)
{
	switch (rx->fmt) {
	case 0:
		s->timestamp = value;
		s->delta = value;
		break;
	case 1:
	case 2:
		s->delta = value;
		s->timestamp += value;
		break;
	default:
		if (s->received == 0) {
			if (s->flags & F_EXT)
				s->delta = value;
			s->timestamp += s->delta;
		}
		break;
	}
	if (s->flags & F_EXT)
		s->ext = value;
}

/* Basic header complete: find the chunk stream, decide what follows. */
static int chunk_begin(struct spate_rtmp_chunk_rx *rx, uint32_t csid,
		       struct spate_rtmp_msg *m)
{
	struct spate_rtmp_csid *s = find_csid(rx, csid);

	if (s == NULL) {
		if (rx->ncsids >= rx->max_csids)
			return fail(rx, SPATE_RTMP_PERR_TOO_MANY_CSIDS);
		/* fmt 1 on a fresh stream happens (librtmp sends a MEDIUM
		 * header when it has no previous packet): stream id 0. */
		if (rx->fmt >= 2)
			return fail(rx, SPATE_RTMP_PERR_NO_PREV_HEADER);
		s = &rx->cs[rx->ncsids++];
		memset(s, 0, sizeof(*s));
		s->csid = csid;
		s->buf_off = NO_BUF_OFF;
	}
	rx->cur = (uint32_t)(s - rx->cs);
	if (rx->fmt < 3 && s->received != 0)
		return fail(rx, SPATE_RTMP_PERR_HEADER_MID_MESSAGE);
	rx->need = msg_hdr_len[rx->fmt];
	rx->got = 0;
	if (rx->need != 0) {
		rx->state = ST_MSG_HDR;
		return 0;
	}
	/* fmt 3 */
	if (s->flags & F_EXT) {
		uint32_t left = s->msg_len - s->received;

		rx->got = 0;
		rx->need = 4;
		/* Only a continuation chunk with >= 4 payload bytes can be
		 * told apart from one that omits the repeat. */
		rx->state =
			(s->received != 0 && left >= 4 && rx->chunk_size >= 4)
				? ST_EXT_PEEK
				: ST_EXT_TS;
		return 0;
	}
	apply_timestamp(rx, s, 0);
	return begin_payload(rx, s, m);
}

static int msg_header_done(struct spate_rtmp_chunk_rx *rx,
			   struct spate_rtmp_msg *m)
{
	struct spate_rtmp_csid *s = &rx->cs[rx->cur];
	const uint8_t *h = rx->hdr;
	uint32_t field = be24(h);

	if (rx->fmt <= 1) {
		uint32_t len = be24(h + 3);

		if (len > rx->max_msg_len)
			return fail(rx, SPATE_RTMP_PERR_MSG_TOO_BIG);
		s->msg_len = len;
		s->type = h[6];
		if (rx->fmt == 0)
			s->stream_id = le32(h + 7);
	}
	if (field == 0xffffff) {
		s->flags |= F_EXT;
		rx->need = 4;
		rx->got = 0;
		rx->state = ST_EXT_TS;
		return 0;
	}
	s->flags &= (uint8_t)~F_EXT;
	apply_timestamp(rx, s, field);
	return begin_payload(rx, s, m);
}

/* Reserves the message's room in the lent buffer on its first copy. */
static int reserve(struct spate_rtmp_chunk_rx *rx, struct spate_rtmp_csid *s)
{
	if (s->buf_off != NO_BUF_OFF)
		return 0;
	if (s->msg_len > rx->buf_cap - rx->buf_top) {
		if (s->msg_len > rx->buf_cap)
			return fail(rx, SPATE_RTMP_PERR_MSG_TOO_BIG);
		return fail(rx, SPATE_RTMP_PERR_NO_BUFFER_SPACE);
	}
	s->buf_off = rx->buf_top;
	rx->buf_top += s->msg_len;
	return 0;
}

/* Copies n payload bytes of the current chunk; 1 when the message is
 * complete, 0 to go on, <0 on error. */
static int copy_payload(struct spate_rtmp_chunk_rx *rx,
			struct spate_rtmp_csid *s, const uint8_t *src,
			uint32_t n, struct spate_rtmp_msg *m)
{
	if (reserve(rx, s) < 0)
		return -EPROTO;
	memcpy(rx->buf + s->buf_off + s->received, src, n);
	s->received += n;
	rx->chunk_left -= n;
	rx->copied += n;
	if (s->received == s->msg_len)
		return complete(rx, s, rx->buf + s->buf_off, m, false);
	if (rx->chunk_left == 0)
		rx->state = ST_BASIC;
	return 0;
}

int spate_rtmp_chunk_input(struct spate_rtmp_chunk_rx *rx, const uint8_t *data,
			   size_t len, size_t *consumed,
			   struct spate_rtmp_msg *m)
{
	struct spate_rtmp_csid *s;
	size_t pos = 0, n;
	int rc = 0;

	if (rx->state == ST_ERROR) {
		*consumed = 0;
		return -EPROTO;
	}
	while (pos < len && rc == 0) {
		switch (rx->state) {
		case ST_BASIC: {
			uint8_t b = data[pos++];

			rx->chunks++;
			rx->fmt = b >> 6;
			if ((b & 0x3f) <= 1) {
				rx->need = (b & 0x3f) == 0 ? 1 : 2;
				rx->got = 0;
				rx->state = ST_BASIC_EXT;
			} else {
				rc = chunk_begin(rx, b & 0x3f, m);
			}
			break;
		}
		case ST_BASIC_EXT:
			rx->hdr[rx->got++] = data[pos++];
			if (rx->got == rx->need) {
				uint32_t csid = 64u + rx->hdr[0];

				if (rx->need == 2)
					csid += (uint32_t)rx->hdr[1] << 8;
				rc = chunk_begin(rx, csid, m);
			}
			break;
		case ST_MSG_HDR:
		case ST_EXT_TS:
		case ST_EXT_PEEK:
			n = (size_t)(rx->need - rx->got);
			if (n > len - pos)
				n = len - pos;
			memcpy(rx->hdr + rx->got, data + pos, n);
			rx->got += (uint8_t)n;
			pos += n;
			if (rx->got < rx->need)
				break;
			s = &rx->cs[rx->cur];
			if (rx->state == ST_MSG_HDR) {
				rc = msg_header_done(rx, m);
			} else if (rx->state == ST_EXT_TS) {
				apply_timestamp(rx, s, be32(rx->hdr));
				rc = begin_payload(rx, s, m);
			} else if (be32(rx->hdr) == s->ext) {
				rc = begin_payload(rx, s, m);
			} else {
				/* The quirk: no repeat, these are payload. */
				rc = begin_payload(rx, s, m);
				if (rc == 0) {
					uint8_t tmp[4];

					memcpy(tmp, rx->hdr, 4);
					rc = copy_payload(rx, s, tmp, 4, m);
				}
			}
			break;
		case ST_PAYLOAD:
			s = &rx->cs[rx->cur];
			n = len - pos;
			if (s->received == 0 && rx->chunk_left == s->msg_len &&
			    n >= s->msg_len) {
				/* The whole message is in this input. */
				pos += s->msg_len;
				rc = complete(rx, s, data + pos - s->msg_len, m,
					      true);
				break;
			}
			if (n > rx->chunk_left)
				n = rx->chunk_left;
			rc = copy_payload(rx, s, data + pos, (uint32_t)n, m);
			pos += n;
			break;
		default:
			rc = -EPROTO;
			break;
		}
	}
	*consumed = pos;
	rx->bytes += pos;
	return rc;
}

/* ---- Muxer ----------------------------------------------------------------
 */

static size_t basic_hdr_len(uint32_t csid)
{
	return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

static uint8_t *put_basic_hdr(uint8_t *p, unsigned fmt, uint32_t csid)
{
	if (csid < 64) {
		*p++ = (uint8_t)(fmt << 6 | csid);
	} else if (csid < 320) {
		*p++ = (uint8_t)(fmt << 6);
		*p++ = (uint8_t)(csid - 64);
	} else {
		*p++ = (uint8_t)(fmt << 6 | 1);
		*p++ = (uint8_t)((csid - 64) & 0xff);
		*p++ = (uint8_t)((csid - 64) >> 8);
	}
	return p;
}

static uint8_t *put_be(uint8_t *p, uint32_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return p + bytes;
}

size_t spate_rtmp_chunk_write_size(uint32_t chunk_size, uint32_t csid,
				   uint32_t timestamp, uint32_t len)
{
	size_t bh = basic_hdr_len(csid), ext = timestamp >= 0xffffff ? 4 : 0;
	size_t chunks;

	if (chunk_size == 0)
		return 0;
	chunks = len == 0 ? 1 : ((size_t)len + chunk_size - 1) / chunk_size;
	return bh + 11 + ext + len + (chunks - 1) * (bh + ext);
}

int spate_rtmp_chunk_write(uint8_t *out, size_t cap, uint32_t chunk_size,
			   uint32_t csid, uint8_t type, uint32_t stream_id,
			   uint32_t timestamp, const void *payload,
			   uint32_t len)
{
	const uint8_t *src = payload;
	bool ext = timestamp >= 0xffffff;
	uint8_t *p = out;
	size_t need;

	if (csid < SPATE_RTMP_CSID_MIN || csid > SPATE_RTMP_CSID_MAX ||
	    len > SPATE_RTMP_MSG_LEN_MAX || chunk_size == 0)
		return -EINVAL;
	need = spate_rtmp_chunk_write_size(chunk_size, csid, timestamp, len);
	if (need > cap || need > INT32_MAX)
		return -ENOSPC;

	p = put_basic_hdr(p, 0, csid);
	p = put_be(p, ext ? 0xffffff : timestamp, 3);
	p = put_be(p, len, 3);
	*p++ = type;
	/* Message stream id is little-endian, the one odd field. */
	*p++ = (uint8_t)stream_id;
	*p++ = (uint8_t)(stream_id >> 8);
	*p++ = (uint8_t)(stream_id >> 16);
	*p++ = (uint8_t)(stream_id >> 24);
	if (ext)
		p = put_be(p, timestamp, 4);
	for (uint32_t off = 0;;) {
		uint32_t n = len - off < chunk_size ? len - off : chunk_size;

		if (n != 0)
			memcpy(p, src + off, n);
		p += n;
		off += n;
		if (off >= len)
			break;
		p = put_basic_hdr(p, 3, csid);
		if (ext)
			p = put_be(p, timestamp, 4);
	}
	return (int)(p - out);
}
