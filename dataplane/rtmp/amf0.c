/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AMF0 decoding and encoding (see amf0.h).  Owns the byte format only; what
 * the values mean to RTMP is rtmp_session.c's business.
 *
 * Reading recurses into nested objects, bounded by SPATE_AMF0_MAX_DEPTH, so
 * the stack a hostile message can make us use is fixed and small.
 */
#include <errno.h>
#include <string.h>

#include "amf0.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static double rd_double(const uint8_t *p)
{
	uint64_t u = 0;
	double d;

	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	memcpy(&d, &u, sizeof(d));
	return d;
}

static int read_value(const uint8_t **pp, const uint8_t *end,
		      struct spate_amf0_value *v, unsigned depth);

/*
 * Skips a property list ending in the 00 00 09 marker: key (u16 length +
 * bytes) and value pairs.  *pp ends after the marker; *body_len excludes it.
 */
static int read_props(const uint8_t **pp, const uint8_t *end,
		      uint32_t *body_len, unsigned depth)
{
	const uint8_t *p = *pp, *start = *pp;
	struct spate_amf0_value v;

	for (;;) {
		uint16_t klen;

		if (end - p < 2)
			return -EBADMSG;
		klen = rd16(p);
		if (klen == 0 && end - p >= 3 &&
		    p[2] == SPATE_AMF0_OBJECT_END) {
			*body_len = (uint32_t)(p - start);
			*pp = p + 3;
			return 0;
		}
		p += 2;
		if ((size_t)(end - p) < klen)
			return -EBADMSG;
		p += klen;
		if (read_value(&p, end, &v, depth + 1) < 0)
			return -EBADMSG;
	}
}

static int read_value(const uint8_t **pp, const uint8_t *end,
		      struct spate_amf0_value *v, unsigned depth)
{
	const uint8_t *p = *pp;
	uint32_t n;

	if (depth > SPATE_AMF0_MAX_DEPTH)
		return -EBADMSG;
	if (p >= end)
		return -EBADMSG;
	memset(v, 0, sizeof(*v));
	v->type = *p++;
	switch (v->type) {
	case SPATE_AMF0_NUMBER:
		if (end - p < 8)
			return -EBADMSG;
		v->number = rd_double(p);
		p += 8;
		break;
	case SPATE_AMF0_BOOLEAN:
		if (end - p < 1)
			return -EBADMSG;
		v->boolean = *p++ != 0;
		break;
	case SPATE_AMF0_STRING:
		if (end - p < 2)
			return -EBADMSG;
		n = rd16(p);
		p += 2;
		goto string_body;
	case SPATE_AMF0_LONG_STRING:
	case SPATE_AMF0_XML_DOCUMENT:
		if (end - p < 4)
			return -EBADMSG;
		n = rd32(p);
		p += 4;
	string_body:
		if ((size_t)(end - p) < n)
			return -EBADMSG;
		v->str.ptr = (const char *)p;
		v->str.len = n;
		p += n;
		break;
	case SPATE_AMF0_TYPED_OBJECT:
		if (end - p < 2)
			return -EBADMSG;
		n = rd16(p);
		p += 2;
		if ((size_t)(end - p) < n)
			return -EBADMSG;
		v->str.ptr = (const char *)p;
		v->str.len = n;
		p += n;
		/* The properties follow the class name. */
		/* fall through */
	case SPATE_AMF0_OBJECT:
		v->body = p;
		if (read_props(&p, end, &v->body_len, depth) < 0)
			return -EBADMSG;
		break;
	case SPATE_AMF0_ECMA_ARRAY:
		if (end - p < 4)
			return -EBADMSG;
		v->count = rd32(p);
		p += 4;
		v->body = p;
		if (read_props(&p, end, &v->body_len, depth) < 0)
			return -EBADMSG;
		break;
	case SPATE_AMF0_STRICT_ARRAY: {
		struct spate_amf0_value e;

		if (end - p < 4)
			return -EBADMSG;
		v->count = rd32(p);
		p += 4;
		/* Each element is at least one byte: reject absurd counts
		 * before looping over them. */
		if (v->count > (size_t)(end - p))
			return -EBADMSG;
		v->body = p;
		for (uint32_t i = 0; i < v->count; i++)
			if (read_value(&p, end, &e, depth + 1) < 0)
				return -EBADMSG;
		v->body_len = (uint32_t)(p - v->body);
		break;
	}
	case SPATE_AMF0_DATE:
		if (end - p < 10)
			return -EBADMSG;
		v->number = rd_double(p);
		v->date_tz = (int16_t)rd16(p + 8);
		p += 10;
		break;
	case SPATE_AMF0_REFERENCE:
		if (end - p < 2)
			return -EBADMSG;
		v->ref = rd16(p);
		p += 2;
		break;
	case SPATE_AMF0_NULL:
	case SPATE_AMF0_UNDEFINED:
	case SPATE_AMF0_UNSUPPORTED:
		break;
	default:
		/* OBJECT_END out of place, MOVIECLIP, RECORDSET, AVMPLUS,
		 * unknown markers */
		return -EBADMSG;
	}
	*pp = p;
	return 0;
}

int spate_amf0_read(struct spate_amf0_cursor *c, struct spate_amf0_value *v)
{
	const uint8_t *p = c->p;

	if (p >= c->end)
		return -ENODATA;
	if (read_value(&p, c->end, v, 0) < 0)
		return -EBADMSG;
	c->p = p;
	return 0;
}

int spate_amf0_prop_next(struct spate_amf0_cursor *c,
			 struct spate_amf0_str *key, struct spate_amf0_value *v)
{
	const uint8_t *p = c->p;
	uint16_t klen;

	if (p >= c->end)
		return -ENODATA;
	if (c->end - p < 2)
		return -EBADMSG;
	klen = rd16(p);
	p += 2;
	if ((size_t)(c->end - p) < klen)
		return -EBADMSG;
	key->ptr = (const char *)p;
	key->len = klen;
	p += klen;
	if (read_value(&p, c->end, v, 1) < 0)
		return -EBADMSG;
	c->p = p;
	return 0;
}

int spate_amf0_find(const struct spate_amf0_value *obj, const char *name,
		    struct spate_amf0_value *out)
{
	struct spate_amf0_cursor c;
	struct spate_amf0_str key;
	size_t nlen = strlen(name);

	if (obj->type != SPATE_AMF0_OBJECT &&
	    obj->type != SPATE_AMF0_TYPED_OBJECT &&
	    obj->type != SPATE_AMF0_ECMA_ARRAY)
		return -ENOENT;
	spate_amf0_body_cursor(obj, &c);
	while (spate_amf0_prop_next(&c, &key, out) == 0)
		if (key.len == nlen && memcmp(key.ptr, name, nlen) == 0)
			return 0;
	return -ENOENT;
}

bool spate_amf0_str_eq(const struct spate_amf0_value *v, const char *s)
{
	size_t n = strlen(s);

	return (v->type == SPATE_AMF0_STRING ||
		v->type == SPATE_AMF0_LONG_STRING) &&
	       v->str.len == n && memcmp(v->str.ptr, s, n) == 0;
}

/* ---- Encoder ------------------------------------------------------------ */

static uint8_t *reserve(struct spate_amf0_writer *w, size_t n)
{
	uint8_t *p;

	if (w->err != 0)
		return NULL;
	if (w->cap - w->len < n) {
		w->err = -ENOSPC;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void wr_double(uint8_t *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)u;
		u >>= 8;
	}
}

void spate_amf0_put_number(struct spate_amf0_writer *w, double n)
{
	uint8_t *p = reserve(w, 9);

	if (p != NULL) {
		p[0] = SPATE_AMF0_NUMBER;
		wr_double(p + 1, n);
	}
}

void spate_amf0_put_bool(struct spate_amf0_writer *w, bool b)
{
	uint8_t *p = reserve(w, 2);

	if (p != NULL) {
		p[0] = SPATE_AMF0_BOOLEAN;
		p[1] = b ? 1 : 0;
	}
}

void spate_amf0_put_string(struct spate_amf0_writer *w, const char *s,
			   size_t len)
{
	uint8_t *p;

	if (len > UINT32_MAX) {
		w->err = w->err ? w->err : -ENOSPC;
		return;
	}
	if (len <= 0xffff) {
		p = reserve(w, 3 + len);
		if (p == NULL)
			return;
		p[0] = SPATE_AMF0_STRING;
		wr16(p + 1, (uint16_t)len);
		memcpy(p + 3, s, len);
	} else {
		p = reserve(w, 5 + len);
		if (p == NULL)
			return;
		p[0] = SPATE_AMF0_LONG_STRING;
		wr32(p + 1, (uint32_t)len);
		memcpy(p + 5, s, len);
	}
}

void spate_amf0_put_cstr(struct spate_amf0_writer *w, const char *s)
{
	spate_amf0_put_string(w, s, strlen(s));
}

void spate_amf0_put_null(struct spate_amf0_writer *w)
{
	uint8_t *p = reserve(w, 1);

	if (p != NULL)
		p[0] = SPATE_AMF0_NULL;
}

void spate_amf0_put_undefined(struct spate_amf0_writer *w)
{
	uint8_t *p = reserve(w, 1);

	if (p != NULL)
		p[0] = SPATE_AMF0_UNDEFINED;
}

void spate_amf0_put_date(struct spate_amf0_writer *w, double ms, int16_t tz)
{
	uint8_t *p = reserve(w, 11);

	if (p != NULL) {
		p[0] = SPATE_AMF0_DATE;
		wr_double(p + 1, ms);
		wr16(p + 9, (uint16_t)tz);
	}
}

void spate_amf0_put_object_begin(struct spate_amf0_writer *w)
{
	uint8_t *p = reserve(w, 1);

	if (p != NULL)
		p[0] = SPATE_AMF0_OBJECT;
}

void spate_amf0_put_ecma_begin(struct spate_amf0_writer *w, uint32_t count)
{
	uint8_t *p = reserve(w, 5);

	if (p != NULL) {
		p[0] = SPATE_AMF0_ECMA_ARRAY;
		wr32(p + 1, count);
	}
}

void spate_amf0_put_key(struct spate_amf0_writer *w, const char *key)
{
	size_t n = strlen(key);
	uint8_t *p;

	if (n > 0xffff) {
		w->err = w->err ? w->err : -ENOSPC;
		return;
	}
	p = reserve(w, 2 + n);
	if (p != NULL) {
		wr16(p, (uint16_t)n);
		memcpy(p + 2, key, n);
	}
}

void spate_amf0_put_object_end(struct spate_amf0_writer *w)
{
	uint8_t *p = reserve(w, 3);

	if (p != NULL) {
		p[0] = 0;
		p[1] = 0;
		p[2] = SPATE_AMF0_OBJECT_END;
	}
}

void spate_amf0_put_strict_begin(struct spate_amf0_writer *w, uint32_t count)
{
	uint8_t *p = reserve(w, 5);

	if (p != NULL) {
		p[0] = SPATE_AMF0_STRICT_ARRAY;
		wr32(p + 1, count);
	}
}

void spate_amf0_put_prop_cstr(struct spate_amf0_writer *w, const char *key,
			      const char *s)
{
	spate_amf0_put_key(w, key);
	spate_amf0_put_cstr(w, s);
}

void spate_amf0_put_prop_number(struct spate_amf0_writer *w, const char *key,
				double n)
{
	spate_amf0_put_key(w, key);
	spate_amf0_put_number(w, n);
}
