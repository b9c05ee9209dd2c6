/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the field-value parsers that see raw client bytes
 * after the head parser -- Range (primarily), plus HTTP-dates, ETag lists,
 * If-Range and Content-Type by extension.  Input: 1 byte selecting the
 * object size from a table (0, 1, small, huge, ...), the rest the value.
 * The value is copied into a buffer of exactly its size so ASan catches
 * any read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_range.h"
#include "http_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static const uint64_t sizes[] = {0,
				 1,
				 2,
				 10,
				 100,
				 1000,
				 65536,
				 1000000,
				 1ULL << 32,
				 (1ULL << 63) - 1,
				 UINT64_MAX - 1,
				 UINT64_MAX};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spate_http_range r;
	enum spate_http_range_result res;
	char date[SPATE_HTTP_DATE_LEN + 1];
	uint64_t obj_size;
	const char *ct;
	char *v;
	size_t n;
	time_t t;

	if (size < 1)
		return 0;
	obj_size = sizes[data[0] % (sizeof(sizes) / sizeof(sizes[0]))];
	n = size - 1;
	v = malloc(n ? n : 1);
	CHECK(v != NULL);
	memcpy(v, data + 1, n);

	res = spate_http_range_parse(v, n, obj_size, &r);
	CHECK(r.size == obj_size);
	switch (res) {
	case SPATE_HTTP_RANGE_PARTIAL:
		CHECK(obj_size > 0);
		CHECK(r.first <= r.last && r.last < obj_size);
		CHECK(spate_http_range_length(&r) <= obj_size);
		break;
	case SPATE_HTTP_RANGE_UNSATISFIABLE:
	case SPATE_HTTP_RANGE_NONE:
		break;
	default:
		CHECK(0);
	}

	/* Dates: whatever parses must format and parse back to itself. */
	if (spate_http_date_parse(v, n, &t) == 0 && t >= 0 &&
	    t <= 253402300799LL) {
		time_t t2;

		spate_http_date_format(t, date);
		CHECK(spate_http_date_parse(date, SPATE_HTTP_DATE_LEN, &t2) ==
		      0);
		CHECK(t2 == t);
	}
	(void)spate_http_etag_list_match(v, n, obj_size);
	(void)spate_http_if_range_match(v, n, obj_size, (time_t)obj_size);
	(void)spate_http_not_modified(v, n / 2, v + n / 2, n - n / 2, obj_size,
				      (time_t)(obj_size & 0xffffffff));
	ct = spate_http_content_type(v, n);
	CHECK(ct != NULL && ct[0] != '\0');
	free(v);
	return 0;
}
