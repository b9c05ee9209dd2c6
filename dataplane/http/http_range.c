/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single byte-range evaluation.  Numbers saturate instead of overflowing:
 * "bytes=99999999999999999999999-" is simply past the end (416), and a
 * huge last-pos is clamped to the object like any other.
 */
#include "http_range.h"

#include <stdbool.h>

static inline bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses 1*DIGIT at v[*k], saturating at UINT64_MAX. */
static bool digits(const char *v, size_t len, size_t *k, uint64_t *out)
{
	size_t s = *k;
	uint64_t x = 0;

	while (*k < len && v[*k] >= '0' && v[*k] <= '9') {
		unsigned d = (unsigned)(v[*k] - '0');

		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
		(*k)++;
	}
	*out = x;
	return *k > s;
}

enum spate_http_range_result
spate_http_range_parse(const char *v, size_t len, uint64_t size,
		       struct spate_http_range *out)
{
	size_t k = 0;
	uint64_t first = 0, last = UINT64_MAX;
	bool has_first, has_last;
	static const char unit[] = "bytes";

	out->size = size;
	out->first = out->last = 0;

	/* range-unit is case-insensitive (RFC 9110 14.1). */
	if (len < sizeof(unit))
		return SPATE_HTTP_RANGE_NONE;
	for (; k < sizeof(unit) - 1; k++)
		if ((v[k] | 0x20) != unit[k])
			return SPATE_HTTP_RANGE_NONE;
	if (v[k++] != '=')
		return SPATE_HTTP_RANGE_NONE;
	/* Empty list elements and OWS are allowed around commas (5.6.1). */
	while (k < len && (ows(v[k]) || v[k] == ','))
		k++;

	has_first = digits(v, len, &k, &first);
	if (k >= len || v[k] != '-')
		return SPATE_HTTP_RANGE_NONE;
	k++;
	has_last = digits(v, len, &k, &last);
	if (!has_first && !has_last)
		return SPATE_HTTP_RANGE_NONE;
	while (k < len && ows(v[k]))
		k++;
	if (k < len) {
		/* Only trailing empty elements may follow; else multi-range. */
		while (k < len && (ows(v[k]) || v[k] == ','))
			k++;
		if (k < len)
			return SPATE_HTTP_RANGE_NONE;
	}

	if (!has_first) {
		/* suffix-range "-n": the last n bytes; "-0" asks for nothing.
		 */
		if (last == 0 || size == 0)
			return SPATE_HTTP_RANGE_UNSATISFIABLE;
		out->first = last >= size ? 0 : size - last;
		out->last = size - 1;
		return SPATE_HTTP_RANGE_PARTIAL;
	}
	if (has_last && last < first)
		return SPATE_HTTP_RANGE_NONE; /* invalid: ignore (14.1.1) */
	if (first >= size)
		return SPATE_HTTP_RANGE_UNSATISFIABLE;
	out->first = first;
	out->last = (!has_last || last >= size) ? size - 1 : last;
	return SPATE_HTTP_RANGE_PARTIAL;
}
