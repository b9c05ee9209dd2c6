/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only box walker (see box_walk.h).  Knows just enough of ISO BMFF to
 * find the children of the boxes spate writes: plain containers, the
 * entry-count tables stsd and dref, and visual/audio sample entries.
 */
#include "box_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Body bytes before the first child, or -1 when `type` is not a container. */
static long children_offset(const char *type)
{
	static const char *const plain[] = {"moov", "trak", "mdia", "minf",
					    "dinf", "stbl", "mvex", "moof",
					    "traf", "edts", "sinf", "schi"};
	static const char *const visual[] = {"avc1", "avc3", "hvc1",
					     "hev1", "av01", "encv"};
	static const char *const audio[] = {"mp4a", "Opus", "enca"};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (memcmp(type, plain[i], 4) == 0)
			return 0;
	if (memcmp(type, "stsd", 4) == 0 || memcmp(type, "dref", 4) == 0)
		return 8; /* version, flags, entry_count */
	for (size_t i = 0; i < sizeof(visual) / sizeof(visual[0]); i++)
		if (memcmp(type, visual[i], 4) == 0)
			return 78;
	for (size_t i = 0; i < sizeof(audio) / sizeof(audio[0]); i++)
		if (memcmp(type, audio[i], 4) == 0)
			return 28;
	return -1;
}

/* Parses the box header at p; 0, or -1 when it does not fit in len. */
static int box_at(const uint8_t *p, size_t len, struct bw_box *b)
{
	uint32_t size;

	if (len < 8)
		return -1;
	size = bw_be32(p);
	if (size < 8 || size > len)
		return -1; /* the writer never uses size 0/1 forms */
	memcpy(b->type, p + 4, 4);
	b->type[4] = '\0';
	b->start = p;
	b->size = size;
	b->body = p + 8;
	b->body_len = size - 8;
	return 0;
}

/*
 * Returns every box at and below this level; *direct gets the boxes at this
 * level alone (what stsd/dref entry_count must match).
 */
static int walk(const uint8_t *p, size_t len, int depth, char *err,
		size_t err_len, const char *parent, int *direct)
{
	int count = 0;
	size_t off = 0;

	*direct = 0;
	if (depth > 16) {
		snprintf(err, err_len, "nesting too deep under %s", parent);
		return -1;
	}
	while (off < len) {
		struct bw_box b;
		long child_off;
		int n, children;

		if (box_at(p + off, len - off, &b) < 0) {
			snprintf(
				err, err_len,
				"bad box header at offset %zu of %s (%zu left)",
				off, parent, len - off);
			return -1;
		}
		count++;
		(*direct)++;
		child_off = children_offset(b.type);
		if (child_off >= 0) {
			if ((size_t)child_off > b.body_len) {
				snprintf(err, err_len, "%s too short", b.type);
				return -1;
			}
			n = walk(b.body + child_off, b.body_len - child_off,
				 depth + 1, err, err_len, b.type, &children);
			if (n < 0)
				return -1;
			if (child_off == 8 &&
			    bw_be32(b.body + 4) != (uint32_t)children) {
				/* stsd/dref entry_count must match reality */
				snprintf(err, err_len,
					 "%s entry_count %u but %d entries",
					 b.type, bw_be32(b.body + 4), children);
				return -1;
			}
			count += n;
		}
		off += b.size;
	}
	return count;
}

int bw_check(const uint8_t *p, size_t len, char *err, size_t err_len)
{
	int direct;

	if (err_len > 0)
		err[0] = '\0';
	return walk(p, len, 0, err, err_len, "top", &direct);
}

static int find_in(const uint8_t *p, size_t len, const char *path,
		   struct bw_box *out)
{
	char name[5] = {0};
	const char *slash = strchr(path, '/');
	size_t elem_len = slash ? (size_t)(slash - path) : strlen(path);
	long want = 0, seen = 0;
	size_t off = 0;

	if (elem_len < 4)
		return -1;
	memcpy(name, path, 4);
	if (elem_len > 4) {
		if (path[4] != '#')
			return -1;
		want = strtol(path + 5, NULL, 10);
	}
	while (off < len) {
		struct bw_box b;

		if (box_at(p + off, len - off, &b) < 0)
			return -1;
		if (memcmp(b.type, name, 4) == 0 && seen++ == want) {
			long child_off;

			if (slash == NULL) {
				*out = b;
				return 0;
			}
			child_off = children_offset(b.type);
			if (child_off < 0 || (size_t)child_off > b.body_len)
				return -1;
			return find_in(b.body + child_off,
				       b.body_len - child_off, slash + 1, out);
		}
		off += b.size;
	}
	return -1;
}

int bw_find(const uint8_t *p, size_t len, const char *path, struct bw_box *out)
{
	return find_in(p, len, path, out);
}

int bw_count(const uint8_t *p, size_t len, const char *type)
{
	int n = 0;
	size_t off = 0;

	while (off < len) {
		struct bw_box b;

		if (box_at(p + off, len - off, &b) < 0)
			return -1;
		if (memcmp(b.type, type, 4) == 0)
			n++;
		off += b.size;
	}
	return n;
}
