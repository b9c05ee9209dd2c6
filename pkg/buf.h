/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_buf: a growable byte buffer with a sticky error.
 *
 * Writers in pkg/ (boxes, playlists, MPDs) append to a spate_buf without
 * checking every call: an allocation failure sets buf->error to -ENOMEM and
 * turns every later append into a no-op, so the caller checks once at the
 * end.  Buffers are meant to be reused (spate_buf_reset keeps the memory), so
 * a steady-state packager does not allocate per segment.
 *
 * Big-endian helpers match ISO BMFF, which is big-endian throughout.
 */
#ifndef SPATE_PKG_BUF_H
#define SPATE_PKG_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct spate_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int error; /* 0, or the first negative errno seen */
};

#define SPATE_BUF_INIT {NULL, 0, 0, 0}

void spate_buf_init(struct spate_buf *b);
void spate_buf_free(struct spate_buf *b);

/* Empties the buffer and clears the error, keeping its memory. */
static inline void spate_buf_reset(struct spate_buf *b)
{
	b->len = 0;
	b->error = 0;
}

/* Makes room for `extra` more bytes; 0 or -ENOMEM (also recorded in error). */
int spate_buf_reserve(struct spate_buf *b, size_t extra);

/* Appends printf-formatted text (no terminating NUL counted in len). */
int spate_buf_printf(struct spate_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int spate_buf_vprintf(struct spate_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static inline void spate_buf_put(struct spate_buf *b, const void *p, size_t n)
{
	if (n == 0 || spate_buf_reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void spate_buf_put_str(struct spate_buf *b, const char *s)
{
	spate_buf_put(b, s, strlen(s));
}

static inline void spate_buf_put_zero(struct spate_buf *b, size_t n)
{
	if (n == 0 || spate_buf_reserve(b, n) < 0)
		return;
	memset(b->data + b->len, 0, n);
	b->len += n;
}

static inline void spate_buf_put_u8(struct spate_buf *b, uint8_t v)
{
	spate_buf_put(b, &v, 1);
}

static inline void spate_buf_put_be16(struct spate_buf *b, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	spate_buf_put(b, p, 2);
}

static inline void spate_buf_put_be24(struct spate_buf *b, uint32_t v)
{
	uint8_t p[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	spate_buf_put(b, p, 3);
}

static inline void spate_buf_put_be32(struct spate_buf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	spate_buf_put(b, p, 4);
}

static inline void spate_buf_put_be64(struct spate_buf *b, uint64_t v)
{
	spate_buf_put_be32(b, (uint32_t)(v >> 32));
	spate_buf_put_be32(b, (uint32_t)v);
}

/* A four-character code such as "moov"; exactly 4 bytes are written. */
static inline void spate_buf_put_fourcc(struct spate_buf *b, const char *cc)
{
	spate_buf_put(b, cc, 4);
}

/* Overwrites 4 bytes at `off` (used to patch box sizes and offsets). */
static inline void spate_buf_patch_be32(struct spate_buf *b, size_t off,
					uint32_t v)
{
	if (b->error || off + 4 > b->len)
		return;
	b->data[off] = (uint8_t)(v >> 24);
	b->data[off + 1] = (uint8_t)(v >> 16);
	b->data[off + 2] = (uint8_t)(v >> 8);
	b->data[off + 3] = (uint8_t)v;
}

#endif /* SPATE_PKG_BUF_H */
