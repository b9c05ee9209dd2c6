/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_buf growth and formatted output.  Growth doubles, so appending to a
 * reused buffer settles at zero allocations once it has seen its largest
 * segment or playlist.
 */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void spate_buf_init(struct spate_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->error = 0;
}

void spate_buf_free(struct spate_buf *b)
{
	free(b->data);
	spate_buf_init(b);
}

int spate_buf_reserve(struct spate_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (b->error)
		return b->error;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->error = -EOVERFLOW;
		return b->error;
	}
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->error = -ENOMEM;
		return b->error;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int spate_buf_vprintf(struct spate_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (b->error)
		return b->error;
	va_copy(ap2, ap);
	/* Try in place first: most lines fit in what is already reserved. */
	n = vsnprintf(b->cap > b->len ? (char *)b->data + b->len : NULL,
		      b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->error = -EINVAL;
		return b->error;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (spate_buf_reserve(b, (size_t)n + 1) < 0)
			return b->error;
		vsnprintf((char *)b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

int spate_buf_printf(struct spate_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = spate_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}
