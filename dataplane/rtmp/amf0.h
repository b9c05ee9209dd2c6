/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_amf0: AMF0 decoder and encoder for RTMP commands and metadata.
 *
 * The decoder is a cursor over a message buffer.  It never allocates and
 * never copies: strings come back as views into the buffer, objects and
 * arrays as views of their bodies that a second cursor walks.  Reading a
 * value always validates (and skips) everything inside it, with nesting
 * bounded by SPATE_AMF0_MAX_DEPTH, so a value that reads is a value whose
 * bytes are all well formed.
 *
 * The encoder writes into a caller buffer with a sticky error: any write
 * that does not fit sets -ENOSPC and later writes do nothing, so callers
 * check once at the end.
 *
 * AMF3 is not decoded (RTMP publishers send AMF0; an AMF3 command message
 * carries AMF0 after a one-byte switch, which rtmp_session skips).
 */
#ifndef SPATE_AMF0_H
#define SPATE_AMF0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nested objects/arrays deeper than this are malformed input. */
#define SPATE_AMF0_MAX_DEPTH 16

enum spate_amf0_type {
	SPATE_AMF0_NUMBER = 0x00,
	SPATE_AMF0_BOOLEAN = 0x01,
	SPATE_AMF0_STRING = 0x02,
	SPATE_AMF0_OBJECT = 0x03,
	SPATE_AMF0_MOVIECLIP = 0x04, /* reserved, rejected */
	SPATE_AMF0_NULL = 0x05,
	SPATE_AMF0_UNDEFINED = 0x06,
	SPATE_AMF0_REFERENCE = 0x07,
	SPATE_AMF0_ECMA_ARRAY = 0x08,
	SPATE_AMF0_OBJECT_END = 0x09,
	SPATE_AMF0_STRICT_ARRAY = 0x0a,
	SPATE_AMF0_DATE = 0x0b,
	SPATE_AMF0_LONG_STRING = 0x0c,
	SPATE_AMF0_UNSUPPORTED = 0x0d,
	SPATE_AMF0_RECORDSET = 0x0e, /* reserved, rejected */
	SPATE_AMF0_XML_DOCUMENT = 0x0f,
	SPATE_AMF0_TYPED_OBJECT = 0x10,
	SPATE_AMF0_AVMPLUS = 0x11, /* AMF3 follows: rejected */
};

/* A string view; not NUL-terminated. */
struct spate_amf0_str {
	const char *ptr;
	uint32_t len;
};

/*
 * One decoded value.  For OBJECT / TYPED_OBJECT / ECMA_ARRAY, body is the
 * property list (pairs of key + value, up to but excluding the object-end
 * marker); for STRICT_ARRAY it is the elements.  Walk it with
 * spate_amf0_prop_next / spate_amf0_read on a cursor from
 * spate_amf0_body_cursor.
 */
struct spate_amf0_value {
	uint8_t type; /* enum spate_amf0_type */
	bool boolean;
	int16_t date_tz;	   /* DATE: minutes, as sent */
	uint32_t count;		   /* ECMA/STRICT array: the declared count */
	uint16_t ref;		   /* REFERENCE */
	double number;		   /* NUMBER; DATE: ms since the epoch */
	struct spate_amf0_str str; /* STRING, LONG_STRING, XML, TYPED class */
	const uint8_t *body;
	uint32_t body_len;
};

/* A read position in a buffer. */
struct spate_amf0_cursor {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void spate_amf0_cursor_init(struct spate_amf0_cursor *c,
					  const void *buf, size_t len)
{
	c->p = (const uint8_t *)buf;
	c->end = c->p + len;
}

static inline bool spate_amf0_cursor_done(const struct spate_amf0_cursor *c)
{
	return c->p >= c->end;
}

/*
 * Reads the next value at the cursor and advances past it (including the
 * whole body of objects and arrays).  0, -ENODATA at the end of the
 * buffer, or -EBADMSG for malformed or truncated input (cursor unchanged).
 */
int spate_amf0_read(struct spate_amf0_cursor *c, struct spate_amf0_value *v);

/* A cursor over an object's or array's body. */
static inline void spate_amf0_body_cursor(const struct spate_amf0_value *v,
					  struct spate_amf0_cursor *c)
{
	spate_amf0_cursor_init(c, v->body, v->body_len);
}

/*
 * Next property of an object / ECMA array body: key and value.  0,
 * -ENODATA after the last one, -EBADMSG (cannot happen on a body that
 * spate_amf0_read returned, which validated it).
 */
int spate_amf0_prop_next(struct spate_amf0_cursor *c,
			 struct spate_amf0_str *key,
			 struct spate_amf0_value *v);

/*
 * Finds property `name` in an OBJECT / TYPED_OBJECT / ECMA_ARRAY value
 * (first match).  0 or -ENOENT (also for a value that is not one of those).
 */
int spate_amf0_find(const struct spate_amf0_value *obj, const char *name,
		    struct spate_amf0_value *out);

/* True when a STRING/LONG_STRING value equals the C string s. */
bool spate_amf0_str_eq(const struct spate_amf0_value *v, const char *s);

/* ---- Encoder ------------------------------------------------------------ */

struct spate_amf0_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* 0 or -ENOSPC, sticky */
};

static inline void spate_amf0_writer_init(struct spate_amf0_writer *w,
					  void *buf, size_t cap)
{
	w->buf = (uint8_t *)buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

void spate_amf0_put_number(struct spate_amf0_writer *w, double n);
void spate_amf0_put_bool(struct spate_amf0_writer *w, bool b);
/* STRING, or LONG_STRING when len > 65535. */
void spate_amf0_put_string(struct spate_amf0_writer *w, const char *s,
			   size_t len);
void spate_amf0_put_cstr(struct spate_amf0_writer *w, const char *s);
void spate_amf0_put_null(struct spate_amf0_writer *w);
void spate_amf0_put_undefined(struct spate_amf0_writer *w);
void spate_amf0_put_date(struct spate_amf0_writer *w, double ms, int16_t tz);
/* Object / ECMA array: begin, then (key, value) pairs, then end. */
void spate_amf0_put_object_begin(struct spate_amf0_writer *w);
void spate_amf0_put_ecma_begin(struct spate_amf0_writer *w, uint32_t count);
void spate_amf0_put_key(struct spate_amf0_writer *w, const char *key);
void spate_amf0_put_object_end(struct spate_amf0_writer *w);
/* Strict array header; `count` values follow. */
void spate_amf0_put_strict_begin(struct spate_amf0_writer *w, uint32_t count);

/* Key + value shorthands for building objects. */
void spate_amf0_put_prop_cstr(struct spate_amf0_writer *w, const char *key,
			      const char *s);
void spate_amf0_put_prop_number(struct spate_amf0_writer *w, const char *key,
				double n);

#endif /* SPATE_AMF0_H */
