/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/cache: the packager output interface driven with hand-made
 * gather lists, and static directory loading.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_lcore.h>

#include "harness.h"
#include "packager/packager.h"

struct fx {
	struct spate_cache *c;
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
};

static int setup(void **state)
{
	static struct fx f;
	struct spate_cache_channel_config cc = {.live_max_age_s = 3};

	f.c = tc_cache(64u << 20);
	if (f.c == NULL ||
	    spate_cache_channel_create(f.c, "live1", &cc, &f.ch) != 0 ||
	    spate_cache_reader_register(f.c, rte_lcore_id(), &f.r) != 0)
		return -1;
	spate_cache_reader_online(f.r);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	spate_cache_reader_offline(f->r);
	spate_cache_destroy(f->c);
	return 0;
}

static struct spate_cache_blob *get(struct fx *f, const char *ch,
				    const char *path)
{
	return spate_cache_lookup(f->r, ch, strlen(ch), path, strlen(path));
}

static void test_packager_ops(void **state)
{
	struct fx *f = *state;
	const struct spate_output_ops *ops = &spate_cache_output_ops;
	static const uint8_t styp[] = "styp", moof[] = "moof....",
			     mdat[] = "mdat:samples";
	struct spate_iov seg[4] = {
		{styp, 4}, {moof, 8}, {mdat, 5}, {mdat + 5, 7}};
	struct spate_object_info info;
	struct spate_cache_blob *b;
	uint64_t g;

	memset(&info, 0, sizeof(info));
	info.kind = SPATE_OBJ_INIT;
	info.name = "v0/init-0.mp4";
	info.rendition = 0;
	assert_int_equal(ops->publish(f->ch, &info, seg, 1), 0);

	info.kind = SPATE_OBJ_SEGMENT;
	info.name = "v0/seg-7.m4s";
	info.msn = 7;
	g = spate_cache_channel_generation(f->ch);
	assert_int_equal(ops->publish(f->ch, &info, seg, 4), 0);
	assert_true(spate_cache_channel_generation(f->ch) != g);

	info.kind = SPATE_OBJ_PART;
	info.name = "v0/seg-8.0.m4s";
	info.part = 0;
	assert_int_equal(ops->publish(f->ch, &info, seg + 1, 2), 0);

	info.kind = SPATE_OBJ_MEDIA_PLAYLIST;
	info.name = "v0/index.m3u8";
	{
		struct spate_iov pl = {(const uint8_t *)"#EXTM3U\n", 8};

		assert_int_equal(ops->publish(f->ch, &info, &pl, 1), 0);
	}
	info.kind = SPATE_OBJ_MPD;
	info.name = "manifest.mpd";
	{
		struct spate_iov pl = {(const uint8_t *)"<MPD/>", 6};

		assert_int_equal(ops->publish(f->ch, &info, &pl, 1), 0);
	}

	b = get(f, "live1", "v0/seg-7.m4s");
	assert_non_null(b);
	assert_int_equal(b->size, 24);
	assert_memory_equal(b->body, "stypmoof....mdat:samples", 24);
	assert_int_equal(b->kind, SPATE_CACHE_KIND_SEGMENT);
	assert_int_equal(b->cls, SPATE_CACHE_CLASS_IMMUTABLE);
	assert_false(b->pinned);
	spate_cache_blob_put(b);

	b = get(f, "live1", "v0/init-0.mp4");
	assert_non_null(b);
	assert_int_equal(b->kind, SPATE_CACHE_KIND_INIT);
	assert_string_equal(b->content_type, "video/mp4");
	spate_cache_blob_put(b);

	b = get(f, "live1", "v0/seg-8.0.m4s");
	assert_non_null(b);
	assert_int_equal(b->kind, SPATE_CACHE_KIND_PART);
	assert_memory_equal(b->body, "moof....mdat:", 13);
	spate_cache_blob_put(b);

	b = get(f, "live1", "v0/index.m3u8");
	assert_non_null(b);
	assert_int_equal(b->cls, SPATE_CACHE_CLASS_LIVE);
	assert_true(b->pinned);
	assert_int_equal(b->max_age_s, 3);
	assert_string_equal(b->content_type, "application/vnd.apple.mpegurl");
	spate_cache_blob_put(b);

	b = get(f, "live1", "manifest.mpd");
	assert_non_null(b);
	assert_int_equal(b->kind, SPATE_CACHE_KIND_MPD);
	assert_string_equal(b->content_type, "application/dash+xml");
	spate_cache_blob_put(b);

	/* The input ended: the final playlist is ENDED. */
	info.kind = SPATE_OBJ_MEDIA_PLAYLIST;
	info.name = "v0/index.m3u8";
	info.final = 1;
	{
		struct spate_iov pl = {(const uint8_t *)"#EXT-X-ENDLIST\n", 15};

		assert_int_equal(ops->publish(f->ch, &info, &pl, 1), 0);
	}
	b = get(f, "live1", "v0/index.m3u8");
	assert_int_equal(b->cls, SPATE_CACHE_CLASS_ENDED);
	assert_int_equal(b->max_age_s, 3600);
	assert_non_null(memmem(b->hdr, b->hdr_len, "max-age=3600", 12));
	spate_cache_blob_put(b);

	/* Fell out of the DVR window. */
	info.kind = SPATE_OBJ_SEGMENT;
	info.name = "v0/seg-7.m4s";
	assert_int_equal(ops->remove(f->ch, &info), 0);
	assert_null(get(f, "live1", "v0/seg-7.m4s"));
	assert_int_equal(ops->remove(f->ch, &info), -ENOENT);
	spate_cache_reader_quiescent(f->r);
	spate_cache_synchronize(f->c);
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void test_load_dir(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/spate-cache-test-XXXXXX";
	char sub[600], cmd[700];
	static uint8_t big[300000];
	struct spate_cache_channel *vod;
	struct spate_cache_blob *b;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/v0", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	tc_fill(big, sizeof(big), 3);
	write_file(dir, "index.m3u8", "#EXTM3U\n#EXT-X-ENDLIST\n", 23);
	write_file(dir, ".hidden", "x", 1);
	write_file(dir, "empty.ts", NULL, 0);
	write_file(sub, "seg-1.m4s", big, sizeof(big));
	write_file(sub, "key.key", "0123456789abcdef", 16);

	assert_int_equal(spate_cache_channel_create(f->c, "vod", NULL, &vod),
			 0);
	assert_int_equal(spate_cache_load_dir(f->c, vod, dir), 4);

	b = get(f, "vod", "index.m3u8");
	assert_non_null(b);
	assert_int_equal(b->cls, SPATE_CACHE_CLASS_ENDED);
	assert_int_equal(b->kind, SPATE_CACHE_KIND_STATIC);
	assert_true(b->pinned);
	spate_cache_blob_put(b);
	b = get(f, "vod", "v0/seg-1.m4s");
	assert_non_null(b);
	assert_int_equal(b->size, sizeof(big));
	assert_memory_equal(b->body, big, sizeof(big));
	assert_int_equal(b->cls, SPATE_CACHE_CLASS_IMMUTABLE);
	spate_cache_blob_put(b);
	b = get(f, "vod", "empty.ts");
	assert_non_null(b);
	assert_int_equal(b->size, 0);
	assert_string_equal(b->content_type, "video/mp2t");
	spate_cache_blob_put(b);
	assert_null(get(f, "vod", ".hidden"));
	b = get(f, "vod", "v0/key.key");
	assert_non_null(b);
	spate_cache_blob_put(b);

	assert_int_equal(spate_cache_load_dir(f->c, vod, "/nonexistent/dir"),
			 -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	spate_cache_channel_destroy(vod);
	spate_cache_reader_quiescent(f->r);
	spate_cache_synchronize(f->c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packager_ops),
		cmocka_unit_test(test_load_dir),
	};

	if (tc_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
