/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only ISO BMFF reader for the pkg/mp4 tests: walks a byte run as a
 * sequence of boxes, descends into the containers the writer emits, and
 * checks that every child list fills its parent exactly.  It is deliberately
 * independent of pkg/mp4/box.h so a bug there cannot hide itself here.
 */
#ifndef SPATE_TEST_MP4_BOX_WALK_H
#define SPATE_TEST_MP4_BOX_WALK_H

#include <stddef.h>
#include <stdint.h>

struct bw_box {
	char type[5];
	const uint8_t *start; /* first byte of the box header */
	size_t size;	      /* whole box, header included */
	const uint8_t *body;  /* after size/type (and nothing else) */
	size_t body_len;
};

/*
 * Walks `len` bytes as top-level boxes and every known container below.
 * Returns the number of boxes seen, or -1 with a reason in err.
 */
int bw_check(const uint8_t *p, size_t len, char *err, size_t err_len);

/*
 * Finds a box by slash-separated path ("moov/trak/mdia/mdhd"); a path
 * element may end in "#k" to take the k-th (0-based) box of that type among
 * its siblings ("moof#1/traf/trun").  0 when found, -1 otherwise.
 */
int bw_find(const uint8_t *p, size_t len, const char *path, struct bw_box *out);

/* Counts top-level boxes of `type`. */
int bw_count(const uint8_t *p, size_t len, const char *type);

static inline uint32_t bw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t bw_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint64_t bw_be64(const uint8_t *p)
{
	return (uint64_t)bw_be32(p) << 32 | bw_be32(p + 4);
}

#endif /* SPATE_TEST_MP4_BOX_WALK_H */
