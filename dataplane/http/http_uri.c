/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path percent-decoding + normalisation and query-string lookup: the two
 * things a request-target needs after the parser has delimited it.  The
 * normalised path is what the cache is keyed on, so every spelling of the
 * same resource ("/a/./b", "/a//b", "/a/%62", "/a/x/../b") must come out
 * as one string, and no spelling may climb above "/".
 *
 * Must not: allocate, or write beyond the caller's output capacity.
 */
#include "http_parser.h"

#include <errno.h>
#include <string.h>

static inline int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Called at each separator: looks at the segment just written at
 * out[seg, o) and applies the dot-segment rules.  Returns the new output
 * length, or -1 when ".." would leave the root.
 */
static long segment_end(char *out, size_t seg, size_t o, bool more)
{
	size_t n = o - seg;

	if (n == 1 && out[seg] == '.')
		return (long)seg; /* drop "." */
	if (n == 2 && out[seg] == '.' && out[seg + 1] == '.') {
		size_t j;

		if (seg == 1)
			return -1; /* "/.." escapes the root */
		/* out[seg - 1] is the '/' ending the previous segment. */
		j = seg - 1;
		while (j > 0 && out[j - 1] != '/')
			j--;
		return (long)j;
	}
	if (n == 0)
		return (long)o; /* "//": merge */
	if (more)
		out[o++] = '/';
	return (long)o;
}

int spate_http_path_normalize(const char *raw, size_t len, char *out,
			      size_t cap)
{
	size_t i = 0, o = 0, seg;
	long r;

	if (cap < len + 1)
		return -400;
	out[o++] = '/';
	if (len > 0 && raw[0] == '/')
		i = 1;
	seg = o;
	while (i < len) {
		char c = raw[i++];

		if (c == '%') {
			int hi, lo;

			if (i + 2 > len)
				return -400;
			hi = hex_val(raw[i]);
			lo = hex_val(raw[i + 1]);
			if (hi < 0 || lo < 0)
				return -400;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		/* Controls (NUL included) and DEL never name a resource. */
		if ((unsigned char)c < 0x20 || c == 0x7f)
			return -400;
		if (c == '/') {
			r = segment_end(out, seg, o, true);
			if (r < 0)
				return -400;
			o = (size_t)r;
			seg = o;
			continue;
		}
		out[o++] = c;
	}
	r = segment_end(out, seg, o, false);
	if (r < 0)
		return -400;
	return (int)r;
}

bool spate_http_query_get(const char *query, size_t qlen, const char *name,
			  const char **val, size_t *vlen)
{
	size_t nlen = strlen(name), k = 0;

	while (k <= qlen) {
		size_t s = k, e, eq;

		while (k < qlen && query[k] != '&')
			k++;
		e = k++;
		for (eq = s; eq < e && query[eq] != '='; eq++)
			;
		if (eq - s == nlen && memcmp(query + s, name, nlen) == 0 &&
		    nlen > 0) {
			if (eq < e) {
				*val = query + eq + 1;
				*vlen = e - eq - 1;
			} else {
				*val = query + e;
				*vlen = 0;
			}
			return true;
		}
	}
	return false;
}

int spate_http_query_get_u64(const char *query, size_t qlen, const char *name,
			     uint64_t *out)
{
	const char *v;
	size_t n;
	uint64_t x = 0;

	if (!spate_http_query_get(query, qlen, name, &v, &n))
		return -ENOENT;
	if (n == 0)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		unsigned d = (unsigned)(unsigned char)v[k] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}
