/* SPDX-License-Identifier: BSD-3-Clause */
/* spate_buf: big-endian appends, printf growth, sticky errors, patching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

static void test_be_appends(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				0x07, 0x08, 0x09, 'm',	'o',  'o',
				'v',  0,    0,	  0,	0,    0,
				0,    0,    0x2a};

	(void)state;
	spate_buf_put_u8(&b, 0x01);
	spate_buf_put_be16(&b, 0x0203);
	spate_buf_put_be24(&b, 0x040506);
	spate_buf_put_be24(&b, 0x070809);
	spate_buf_put_fourcc(&b, "moov");
	spate_buf_put_be64(&b, 0x2a);
	assert_int_equal(b.error, 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	spate_buf_free(&b);
}

static void test_printf_grows(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	char expect[64];

	(void)state;
	for (int i = 0; i < 1000; i++)
		spate_buf_printf(&b, "#EXTINF:%d.000,\n", i);
	assert_int_equal(b.error, 0);
	snprintf(expect, sizeof(expect), "#EXTINF:999.000,\n");
	assert_memory_equal(b.data + b.len - strlen(expect), expect,
			    strlen(expect));
	assert_memory_equal(b.data, "#EXTINF:0.000,\n#EXTINF:1.000,\n", 30);
	spate_buf_free(&b);
}

static void test_patch_and_reset(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	const uint8_t want[] = {0, 0, 0, 12, 'f', 'r', 'e', 'e', 1, 2, 3, 4};

	(void)state;
	spate_buf_put_be32(&b, 0);
	spate_buf_put_fourcc(&b, "free");
	spate_buf_put_be32(&b, 0x01020304);
	spate_buf_patch_be32(&b, 0, (uint32_t)b.len);
	assert_memory_equal(b.data, want, sizeof(want));
	/* Patching past the end is ignored, not a write out of bounds. */
	spate_buf_patch_be32(&b, 10, 0xffffffff);
	assert_memory_equal(b.data, want, sizeof(want));
	spate_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_true(b.cap >= sizeof(want));
	spate_buf_free(&b);
}

static void test_sticky_error(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;

	(void)state;
	assert_int_equal(spate_buf_reserve(&b, SIZE_MAX), -EOVERFLOW);
	spate_buf_put_be32(&b, 1);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.error, -EOVERFLOW);
	spate_buf_reset(&b);
	spate_buf_put_be32(&b, 1);
	assert_int_equal(b.len, 4);
	spate_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_be_appends),
		cmocka_unit_test(test_printf_grows),
		cmocka_unit_test(test_patch_and_reset),
		cmocka_unit_test(test_sticky_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
