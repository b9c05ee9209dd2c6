/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_range: the Range request header (RFC 9110 14.2) against an
 * object of known size.
 *
 * Only a single byte range is honoured: "bytes=a-b", "bytes=a-",
 * "bytes=-n".  Everything else degrades to serving the whole object (200),
 * which RFC 9110 14.2 allows ("a server MAY ignore the Range header
 * field"):
 *  - a range unit other than bytes (MUST be ignored),
 *  - a syntactically invalid set (MAY ignore),
 *  - several ranges.  Answering those needs multipart/byteranges, which no
 *    streaming player asks for, and honouring them is the classic
 *    amplification vector (overlapping "0-,0-,0-..." sets, CVE-2011-3192).
 *    A 200 is always a correct answer to a Range request.
 * A single well-formed range that starts at or beyond the end (or a
 * zero-length suffix, or any range of an empty object) is unsatisfiable:
 * 416 with the unsatisfied-range form of Content-Range ("bytes", "*",
 * "/", the size).
 *
 * Ranges apply to GET only (RFC 9110 14.2); the caller checks the method
 * and If-Range.
 */
#ifndef SPATE_HTTP_RANGE_H
#define SPATE_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>

enum spate_http_range_result {
	SPATE_HTTP_RANGE_NONE = 0,	    /* serve the whole object: 200 */
	SPATE_HTTP_RANGE_PARTIAL = 1,	    /* serve [first, last]: 206 */
	SPATE_HTTP_RANGE_UNSATISFIABLE = 2, /* 416 */
};

struct spate_http_range {
	uint64_t first; /* inclusive */
	uint64_t last;	/* inclusive, < size */
	uint64_t size;	/* the complete length, for Content-Range */
};

/*
 * Evaluates the Range field value v[0, len) for an object of `size`
 * bytes.  out->size is always set; first/last only for PARTIAL.
 */
enum spate_http_range_result
spate_http_range_parse(const char *v, size_t len, uint64_t size,
		       struct spate_http_range *out);

static inline uint64_t spate_http_range_length(const struct spate_http_range *r)
{
	return r->last - r->first + 1;
}

#endif /* SPATE_HTTP_RANGE_H */
