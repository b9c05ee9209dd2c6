/* SPDX-License-Identifier: BSD-3-Clause */
/* spate_http_range_parse: single ranges, suffixes, 416, ignored forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "http_range.h"

struct range_case {
	const char *v;
	uint64_t size;
	enum spate_http_range_result res;
	uint64_t first, last;
};

static void test_ranges(void **state)
{
	static const struct range_case cases[] = {
		/* bytes=a-b */
		{"bytes=0-99", 1000, SPATE_HTTP_RANGE_PARTIAL, 0, 99},
		{"bytes=100-199", 1000, SPATE_HTTP_RANGE_PARTIAL, 100, 199},
		{"bytes=0-0", 1000, SPATE_HTTP_RANGE_PARTIAL, 0, 0},
		{"bytes=999-999", 1000, SPATE_HTTP_RANGE_PARTIAL, 999, 999},
		{"bytes=500-5000", 1000, SPATE_HTTP_RANGE_PARTIAL, 500, 999},
		{"bytes=0-99999999999999999999999", 1000,
		 SPATE_HTTP_RANGE_PARTIAL, 0, 999},
		/* bytes=a- */
		{"bytes=0-", 1000, SPATE_HTTP_RANGE_PARTIAL, 0, 999},
		{"bytes=998-", 1000, SPATE_HTTP_RANGE_PARTIAL, 998, 999},
		/* bytes=-n */
		{"bytes=-1", 1000, SPATE_HTTP_RANGE_PARTIAL, 999, 999},
		{"bytes=-100", 1000, SPATE_HTTP_RANGE_PARTIAL, 900, 999},
		{"bytes=-1000", 1000, SPATE_HTTP_RANGE_PARTIAL, 0, 999},
		{"bytes=-5000", 1000, SPATE_HTTP_RANGE_PARTIAL, 0, 999},
		/* unit case, OWS, empty elements */
		{"Bytes=1-2", 10, SPATE_HTTP_RANGE_PARTIAL, 1, 2},
		{"bytes= 1-2 ", 10, SPATE_HTTP_RANGE_PARTIAL, 1, 2},
		{"bytes=,1-2,", 10, SPATE_HTTP_RANGE_PARTIAL, 1, 2},
		/* unsatisfiable */
		{"bytes=1000-", 1000, SPATE_HTTP_RANGE_UNSATISFIABLE, 0, 0},
		{"bytes=1000-2000", 1000, SPATE_HTTP_RANGE_UNSATISFIABLE, 0, 0},
		{"bytes=99999999999999999999999-", 1000,
		 SPATE_HTTP_RANGE_UNSATISFIABLE, 0, 0},
		{"bytes=-0", 1000, SPATE_HTTP_RANGE_UNSATISFIABLE, 0, 0},
		{"bytes=0-", 0, SPATE_HTTP_RANGE_UNSATISFIABLE, 0, 0},
		{"bytes=-5", 0, SPATE_HTTP_RANGE_UNSATISFIABLE, 0, 0},
		/* ignored: whole object */
		{"bytes=0-1,5-6", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=0-,0-,0-", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=5-1", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=-", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=a-b", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=1-2x", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytes=--1", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"items=0-1", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"bytesx=0-1", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
		{"", 1000, SPATE_HTTP_RANGE_NONE, 0, 0},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct spate_http_range r;
		enum spate_http_range_result res = spate_http_range_parse(
			cases[c].v, strlen(cases[c].v), cases[c].size, &r);

		if (res != cases[c].res)
			fail_msg("'%s' size %llu: result %d, want %d",
				 cases[c].v, (unsigned long long)cases[c].size,
				 res, cases[c].res);
		assert_int_equal(r.size, cases[c].size);
		if (res == SPATE_HTTP_RANGE_PARTIAL) {
			if (r.first != cases[c].first ||
			    r.last != cases[c].last)
				fail_msg("'%s': %llu-%llu", cases[c].v,
					 (unsigned long long)r.first,
					 (unsigned long long)r.last);
			assert_true(r.last < r.size);
			assert_int_equal(spate_http_range_length(&r),
					 cases[c].last - cases[c].first + 1);
		}
	}
}

/* The value is not NUL-terminated in real use: never read past len. */
static void test_no_overread(void **state)
{
	static const char buf[] = "bytes=0-99";
	struct spate_http_range r;

	(void)state;
	assert_int_equal(spate_http_range_parse(buf, 8, 1000, &r),
			 SPATE_HTTP_RANGE_PARTIAL);
	assert_int_equal(r.last, 999); /* "bytes=0-" */
	assert_int_equal(spate_http_range_parse(buf, 9, 1000, &r),
			 SPATE_HTTP_RANGE_PARTIAL);
	assert_int_equal(r.last, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_no_overread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
