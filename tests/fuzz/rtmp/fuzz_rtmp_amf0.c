/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the AMF0 decoder.  Reads every top-level value, walks
 * every object/array body it returned, looks names up, and re-encodes
 * scalars to check they read back the same.
 *
 * Invariants: reads never leave the buffer (ASan), a value that read OK
 * has a body that walks OK to its end, cursors only move forward.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amf0.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void walk(const struct spate_amf0_value *v, unsigned depth)
{
	struct spate_amf0_cursor c;
	struct spate_amf0_value e;
	struct spate_amf0_str key;

	CHECK(depth <= SPATE_AMF0_MAX_DEPTH + 1);
	switch (v->type) {
	case SPATE_AMF0_OBJECT:
	case SPATE_AMF0_TYPED_OBJECT:
	case SPATE_AMF0_ECMA_ARRAY:
		spate_amf0_body_cursor(v, &c);
		while (!spate_amf0_cursor_done(&c)) {
			CHECK(spate_amf0_prop_next(&c, &key, &e) == 0);
			walk(&e, depth + 1);
		}
		(void)spate_amf0_find(v, "app", &e);
		break;
	case SPATE_AMF0_STRICT_ARRAY:
		spate_amf0_body_cursor(v, &c);
		for (uint32_t i = 0; i < v->count; i++) {
			CHECK(spate_amf0_read(&c, &e) == 0);
			walk(&e, depth + 1);
		}
		CHECK(spate_amf0_cursor_done(&c));
		break;
	default:
		break;
	}
}

static void reencode(const struct spate_amf0_value *v)
{
	uint8_t buf[64];
	struct spate_amf0_writer w;
	struct spate_amf0_cursor c;
	struct spate_amf0_value r;

	spate_amf0_writer_init(&w, buf, sizeof(buf));
	switch (v->type) {
	case SPATE_AMF0_NUMBER:
		spate_amf0_put_number(&w, v->number);
		break;
	case SPATE_AMF0_BOOLEAN:
		spate_amf0_put_bool(&w, v->boolean);
		break;
	case SPATE_AMF0_STRING:
		if (v->str.len > 40)
			return;
		spate_amf0_put_string(&w, v->str.ptr, v->str.len);
		break;
	default:
		return;
	}
	CHECK(w.err == 0);
	spate_amf0_cursor_init(&c, buf, w.len);
	CHECK(spate_amf0_read(&c, &r) == 0);
	CHECK(r.type == v->type);
	CHECK(memcmp(&r.number, &v->number, sizeof(double)) == 0);
	CHECK(r.boolean == v->boolean && r.str.len == v->str.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spate_amf0_cursor c;
	struct spate_amf0_value v;

	spate_amf0_cursor_init(&c, data, size);
	for (;;) {
		const uint8_t *before = c.p;

		if (spate_amf0_read(&c, &v) != 0) {
			CHECK(c.p == before);
			break;
		}
		CHECK(c.p > before && c.p <= data + size);
		walk(&v, 0);
		reencode(&v);
	}
	return 0;
}
