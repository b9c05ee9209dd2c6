/* SPDX-License-Identifier: BSD-3-Clause */
/* AMF0 decoder/encoder: round trips, nesting bounds, malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "amf0.h"

static size_t build_all(uint8_t *buf, size_t cap)
{
	struct spate_amf0_writer w;
	static char big[70000];

	memset(big, 'x', sizeof(big));
	spate_amf0_writer_init(&w, buf, cap);
	spate_amf0_put_number(&w, 1.5);
	spate_amf0_put_bool(&w, true);
	spate_amf0_put_cstr(&w, "hello");
	spate_amf0_put_string(&w, big, sizeof(big)); /* long string */
	spate_amf0_put_null(&w);
	spate_amf0_put_undefined(&w);
	spate_amf0_put_date(&w, 1700000000000.0, -60);
	spate_amf0_put_object_begin(&w);
	spate_amf0_put_prop_cstr(&w, "app", "live");
	spate_amf0_put_prop_number(&w, "n", 42);
	spate_amf0_put_key(&w, "inner");
	spate_amf0_put_ecma_begin(&w, 1);
	spate_amf0_put_prop_number(&w, "width", 1920);
	spate_amf0_put_object_end(&w);
	spate_amf0_put_object_end(&w);
	spate_amf0_put_strict_begin(&w, 2);
	spate_amf0_put_cstr(&w, "av01");
	spate_amf0_put_number(&w, 7);
	assert_int_equal(w.err, 0);
	return w.len;
}

static void test_round_trip(void **state)
{
	static uint8_t buf[80000];
	size_t len = build_all(buf, sizeof(buf));
	struct spate_amf0_cursor c, a;
	struct spate_amf0_value v, inner, e;

	(void)state;
	spate_amf0_cursor_init(&c, buf, len);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_NUMBER);
	assert_true(v.number == 1.5);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_true(v.type == SPATE_AMF0_BOOLEAN && v.boolean);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_true(spate_amf0_str_eq(&v, "hello"));
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_LONG_STRING);
	assert_int_equal(v.str.len, 70000);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_NULL);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_UNDEFINED);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_DATE);
	assert_true(v.number == 1700000000000.0);
	assert_int_equal(v.date_tz, -60);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_OBJECT);
	assert_int_equal(spate_amf0_find(&v, "app", &e), 0);
	assert_true(spate_amf0_str_eq(&e, "live"));
	/* zero copy: the view points into buf */
	assert_true((const uint8_t *)e.str.ptr > buf &&
		    (const uint8_t *)e.str.ptr < buf + len);
	assert_int_equal(spate_amf0_find(&v, "n", &e), 0);
	assert_true(e.number == 42);
	assert_int_equal(spate_amf0_find(&v, "inner", &inner), 0);
	assert_int_equal(inner.type, SPATE_AMF0_ECMA_ARRAY);
	assert_int_equal(inner.count, 1);
	assert_int_equal(spate_amf0_find(&inner, "width", &e), 0);
	assert_true(e.number == 1920);
	assert_int_equal(spate_amf0_find(&v, "missing", &e), -ENOENT);
	assert_int_equal(spate_amf0_read(&c, &v), 0);
	assert_int_equal(v.type, SPATE_AMF0_STRICT_ARRAY);
	assert_int_equal(v.count, 2);
	spate_amf0_body_cursor(&v, &a);
	assert_int_equal(spate_amf0_read(&a, &e), 0);
	assert_true(spate_amf0_str_eq(&e, "av01"));
	assert_int_equal(spate_amf0_read(&a, &e), 0);
	assert_true(e.number == 7);
	assert_int_equal(spate_amf0_read(&a, &e), -ENODATA);
	assert_int_equal(spate_amf0_read(&c, &v), -ENODATA);
	assert_true(spate_amf0_cursor_done(&c));
}

/* Every strict prefix of a value is truncated and must be refused. */
static void test_truncated(void **state)
{
	static uint8_t buf[80000];
	size_t len = build_all(buf, sizeof(buf));
	struct spate_amf0_cursor c;
	struct spate_amf0_value v;
	const uint8_t *starts[16];
	size_t n = 0;

	(void)state;
	spate_amf0_cursor_init(&c, buf, len);
	while (starts[n] = c.p, spate_amf0_read(&c, &v) == 0)
		n++;
	for (size_t i = 0; i < n; i++) {
		size_t vlen = (size_t)(starts[i + 1] - starts[i]);

		for (size_t cut = 1; cut < vlen; cut += (vlen > 200 ? 97 : 1)) {
			spate_amf0_cursor_init(&c, starts[i], cut);
			assert_int_equal(spate_amf0_read(&c, &v), -EBADMSG);
			assert_ptr_equal(c.p, starts[i]);
		}
	}
}

static void test_depth_limit(void **state)
{
	uint8_t buf[512];
	struct spate_amf0_writer w;
	struct spate_amf0_cursor c;
	struct spate_amf0_value v;

	(void)state;
	for (int depth = 1; depth <= SPATE_AMF0_MAX_DEPTH + 2; depth++) {
		spate_amf0_writer_init(&w, buf, sizeof(buf));
		for (int i = 0; i < depth; i++) {
			spate_amf0_put_object_begin(&w);
			if (i + 1 < depth)
				spate_amf0_put_key(&w, "k");
		}
		for (int i = 0; i < depth; i++)
			spate_amf0_put_object_end(&w);
		assert_int_equal(w.err, 0);
		spate_amf0_cursor_init(&c, buf, w.len);
		assert_int_equal(spate_amf0_read(&c, &v),
				 depth <= SPATE_AMF0_MAX_DEPTH + 1 ? 0
								   : -EBADMSG);
	}
}

static void test_malformed(void **state)
{
	static const uint8_t cases[][8] = {
		{0x09},	      /* object end out of place */
		{0x04},	      /* movieclip */
		{0x0e},	      /* recordset */
		{0x11, 0x01}, /* AVM+ */
		{0x20},	      /* unknown marker */
		{0x0a, 0xff, 0xff, 0xff, 0xff, 0x05}, /* huge strict count */
		{0x02, 0x00, 0x05, 'a'},	      /* short string */
		{0x03, 0x00, 0x01, 'a', 0x09},	      /* object without end */
	};
	static const size_t lens[] = {1, 1, 1, 2, 1, 6, 4, 5};
	struct spate_amf0_cursor c;
	struct spate_amf0_value v;

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		spate_amf0_cursor_init(&c, cases[i], lens[i]);
		assert_int_equal(spate_amf0_read(&c, &v), -EBADMSG);
	}
	spate_amf0_cursor_init(&c, cases[0], 0);
	assert_int_equal(spate_amf0_read(&c, &v), -ENODATA);
}

static void test_writer_nospace(void **state)
{
	uint8_t buf[10];
	struct spate_amf0_writer w;

	(void)state;
	spate_amf0_writer_init(&w, buf, sizeof(buf));
	spate_amf0_put_number(&w, 1);
	assert_int_equal(w.err, 0);
	spate_amf0_put_cstr(&w, "too long for the rest");
	assert_int_equal(w.err, -ENOSPC);
	spate_amf0_put_null(&w); /* sticky: nothing more written */
	assert_int_equal(w.len, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_writer_nospace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
