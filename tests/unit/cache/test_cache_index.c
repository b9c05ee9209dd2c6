/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/cache: publish, lookup, replace, remove, reference lifetimes,
 * metadata, pre-rendered fields, channels and generations.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_lcore.h>

#include "harness.h"

struct fx {
	struct spate_cache *c;
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
};

static int setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	f.c = tc_cache(64u << 20);
	if (f.c == NULL ||
	    spate_cache_channel_create(f.c, "ch1", NULL, &f.ch) != 0 ||
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

static struct spate_cache_blob *lookup(struct fx *f, const char *path)
{
	return spate_cache_lookup(f->r, "ch1", 3, path, strlen(path));
}

static uint64_t freed(struct fx *f)
{
	struct spate_cache_stats st;

	spate_cache_stats(f->c, &st);
	return st.blobs_freed;
}

/* Quiescent report + reclaim: what a worker loop and the writer do. */
static void settle(struct fx *f)
{
	spate_cache_reader_quiescent(f->r);
	spate_cache_synchronize(f->c);
}

static void test_publish_lookup(void **state)
{
	struct fx *f = *state;
	static const char a[] = "styp-and-moof", b[] = "mdat-bytes";
	struct spate_cache_iov iov[3] = {{a, 13}, {NULL, 0}, {b, 10}};
	struct spate_cache_meta m = {.cls = SPATE_CACHE_CLASS_IMMUTABLE,
				     .kind = SPATE_CACHE_KIND_SEGMENT};
	struct spate_cache_blob *bl;
	struct spate_cache_stats st;
	uint64_t wlen;
	const uint8_t *wire;
	char cl[64];

	assert_int_equal(spate_cache_publish(f->ch, "v0/seg-1.m4s", &m, iov, 3),
			 0);
	bl = lookup(f, "v0/seg-1.m4s");
	assert_non_null(bl);
	assert_int_equal(bl->size, 23);
	assert_memory_equal(bl->body, "styp-and-moofmdat-bytes", 23);
	assert_string_equal(bl->content_type, "video/iso.segment");
	assert_int_equal(bl->cls, SPATE_CACHE_CLASS_IMMUTABLE);
	assert_int_equal(bl->kind, SPATE_CACHE_KIND_SEGMENT);
	assert_true(bl->version > 0);
	assert_true(bl->mtime_ms > 1600000000000ll);
	assert_false(bl->pinned);
	/* index + ours */
	assert_int_equal(spate_cache_blob_refcnt(bl), 2);

	/* Pre-rendered fields, contiguous with the body. */
	wire = spate_cache_blob_wire(bl, &wlen);
	assert_int_equal(wlen, bl->hdr_len + 23);
	assert_ptr_equal(wire + bl->hdr_len, bl->body);
	assert_true(bl->hdr_len > 40);
	assert_memory_equal(wire + bl->hdr_len - 4, "\r\n\r\n", 4);
	snprintf(cl, sizeof(cl), "Content-Length: 23\r\n");
	assert_non_null(memmem(wire, bl->hdr_len, cl, strlen(cl)));
	assert_non_null(memmem(wire, bl->hdr_len, "ETag: \"", 7));
	assert_non_null(memmem(wire, bl->hdr_len, "immutable", 9));
	assert_null(memmem(wire, bl->hdr_len, "Connection:", 11));
	assert_null(memmem(wire, bl->hdr_len, "HTTP/1.1", 8));
	spate_cache_blob_put(bl);

	assert_null(lookup(f, "v0/seg-2.m4s"));
	assert_null(spate_cache_lookup(f->r, "nope", 4, "v0/seg-1.m4s", 12));
	spate_cache_stats(f->c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.objects, 1);
	assert_int_equal(st.bytes_published, 23);

	assert_int_equal(spate_cache_remove(f->ch, "v0/seg-1.m4s"), 0);
}

static void test_replace_keeps_old_alive(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *old, *cur;
	uint64_t f0, v1;

	settle(f);
	assert_int_equal(tc_publish(f->ch, "index.m3u8", SPATE_CACHE_CLASS_LIVE,
				    "#EXTM3U v1", 10),
			 0);
	old = lookup(f, "index.m3u8");
	assert_non_null(old);
	v1 = old->version;
	assert_true(old->pinned);
	assert_int_equal(old->max_age_s, 1);
	assert_non_null(memmem(old->hdr, old->hdr_len, "max-age=1\r\n", 11));
	f0 = freed(f);

	assert_int_equal(tc_publish(f->ch, "index.m3u8", SPATE_CACHE_CLASS_LIVE,
				    "#EXTM3U v2!", 11),
			 0);
	cur = lookup(f, "index.m3u8");
	assert_non_null(cur);
	assert_ptr_not_equal(cur, old);
	assert_true(cur->version > v1);
	assert_memory_equal(cur->body, "#EXTM3U v2!", 11);

	/* Grace period over: the index let go, our reference still holds. */
	settle(f);
	assert_int_equal(spate_cache_blob_refcnt(old), 1);
	assert_memory_equal(old->body, "#EXTM3U v1", 10);
	assert_int_equal(freed(f), f0);
	spate_cache_blob_put(old);
	assert_int_equal(freed(f), f0 + 1);
	spate_cache_blob_put(cur);
	assert_int_equal(spate_cache_remove(f->ch, "index.m3u8"), 0);
	settle(f);
	assert_int_equal(freed(f), f0 + 2);
}

/* The index's reference is only dropped after the reader's quiescent
 * report: a pointer loaded before the replace stays safe to reference. */
static void test_grace_period(void **state)
{
	struct fx *f = *state;
	struct spate_cache_stats st;
	uint64_t f0;

	settle(f);
	f0 = freed(f);
	assert_int_equal(tc_publish(f->ch, "p", 0, "one", 3), 0);
	spate_cache_reader_quiescent(f->r);
	assert_int_equal(tc_publish(f->ch, "p", 0, "two", 3), 0);
	spate_cache_reclaim(f->c);
	spate_cache_stats(f->c, &st);
	assert_int_equal(st.deferred, 1); /* reader has not passed yet */
	assert_int_equal(freed(f), f0);
	spate_cache_reader_quiescent(f->r);
	assert_int_equal(spate_cache_reclaim(f->c), 0);
	assert_int_equal(freed(f), f0 + 1);
	assert_int_equal(spate_cache_remove(f->ch, "p"), 0);
	settle(f);
}

static void test_remove_and_generation(void **state)
{
	struct fx *f = *state;
	struct spate_cache_channel *rch;
	uint64_t g0, g1;

	rch = spate_cache_channel_find(f->r, "ch1", 3);
	assert_ptr_equal(rch, f->ch);
	assert_null(spate_cache_channel_find(f->r, "ch2", 3));
	g0 = spate_cache_channel_generation(rch);
	assert_int_equal(tc_publish(f->ch, "v0/seg-9.m4s", 0, "x", 1), 0);
	g1 = spate_cache_channel_generation(rch);
	assert_true(g1 != g0);
	assert_int_equal(spate_cache_remove(f->ch, "v0/seg-9.m4s"), 0);
	assert_true(spate_cache_channel_generation(rch) != g1);
	assert_null(lookup(f, "v0/seg-9.m4s"));
	assert_int_equal(spate_cache_remove(f->ch, "v0/seg-9.m4s"), -ENOENT);
	/* Re-publishing a removed key works (key slot reused safely). */
	settle(f);
	assert_int_equal(tc_publish(f->ch, "v0/seg-9.m4s", 0, "y", 1), 0);
	assert_int_equal(spate_cache_remove(f->ch, "v0/seg-9.m4s"), 0);
	settle(f);
}

static void test_empty_object(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *b;

	assert_int_equal(tc_publish(f->ch, "empty.vtt", 0, NULL, 0), 0);
	b = lookup(f, "empty.vtt");
	assert_non_null(b);
	assert_int_equal(b->size, 0);
	assert_string_equal(b->content_type, "text/vtt");
	spate_cache_blob_put(b);
	assert_int_equal(spate_cache_remove(f->ch, "empty.vtt"), 0);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	struct spate_cache_channel *x;
	char longp[200];
	struct spate_cache_meta m = {.content_type = "bad\r\ntype"};
	struct spate_cache_iov iov = {"a", 1};

	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(tc_publish(f->ch, longp, 0, "x", 1), -ENAMETOOLONG);
	assert_int_equal(spate_cache_remove(f->ch, longp), -ENOENT);
	assert_null(spate_cache_lookup(f->r, "ch1", 3, longp, strlen(longp)));
	assert_int_equal(spate_cache_publish(f->ch, "a", &m, &iov, 1),
			 -EINVAL);
	assert_int_equal(spate_cache_channel_create(f->c, "ch1", NULL, &x),
			 -EEXIST);
	assert_int_equal(spate_cache_channel_create(f->c, "a/b", NULL, &x),
			 -EINVAL);
	assert_int_equal(spate_cache_channel_create(f->c, "", NULL, &x),
			 -EINVAL);
	/* "ch1" + "/" + "a" is not channel "ch1/a"'s anything. */
	assert_null(spate_cache_lookup(f->r, "ch1/a", 5, "", 0));
}

static void test_channel_destroy(void **state)
{
	struct fx *f = *state;
	struct spate_cache_channel *ch2;
	struct spate_cache_blob *held;
	struct spate_cache_stats st;
	uint64_t f0, g;

	settle(f);
	f0 = freed(f);

	assert_int_equal(spate_cache_channel_create(f->c, "ch2", NULL, &ch2),
			 0);
	assert_ptr_equal(spate_cache_channel_lookup(f->c, "ch2"), ch2);
	assert_int_equal(tc_publish(ch2, "a.m4s", 0, "aaaa", 4), 0);
	assert_int_equal(tc_publish(ch2, "b.m3u8", 1, "bbbb", 4), 0);
	held = spate_cache_lookup(f->r, "ch2", 3, "a.m4s", 5);
	assert_non_null(held);
	g = spate_cache_channel_generation(ch2);
	spate_cache_channel_destroy(ch2);
	assert_null(spate_cache_channel_find(f->r, "ch2", 3));
	assert_null(spate_cache_lookup(f->r, "ch2", 3, "b.m3u8", 6));
	/* The held blob keeps its channel struct (generation readable). */
	assert_true(spate_cache_channel_generation(held->channel) != g);
	settle(f);
	assert_int_equal(freed(f), f0 + 1);
	assert_memory_equal(held->body, "aaaa", 4);
	spate_cache_blob_put(held);
	assert_int_equal(freed(f), f0 + 2);
	spate_cache_stats(f->c, &st);
	assert_int_equal(st.channels, 1);
	/* The name is free again. */
	assert_int_equal(spate_cache_channel_create(f->c, "ch2", NULL, &ch2),
			 0);
	spate_cache_channel_destroy(ch2);
	settle(f);
}

static void test_burst_lookup(void **state)
{
	struct fx *f = *state;
	char keys[4][SPATE_CACHE_KEY_LEN] __rte_aligned(16);
	struct spate_cache_blob *out[4];
	unsigned i;

	assert_int_equal(tc_publish(f->ch, "k0", 0, "0", 1), 0);
	assert_int_equal(tc_publish(f->ch, "k2", 0, "2", 1), 0);
	for (i = 0; i < 4; i++) {
		char p[4];

		snprintf(p, sizeof(p), "k%u", i);
		assert_true(spate_cache_key_make(keys[i], "ch1", 3, p, 2) > 0);
	}
	assert_int_equal(spate_cache_lookup_burst(
				 f->r, (const char(*)[SPATE_CACHE_KEY_LEN])keys,
				 4, out),
			 2);
	assert_non_null(out[0]);
	assert_null(out[1]);
	assert_non_null(out[2]);
	assert_null(out[3]);
	assert_int_equal(out[2]->body[0], '2');
	spate_cache_blob_put(out[0]);
	spate_cache_blob_put(out[2]);
	assert_int_equal(spate_cache_remove(f->ch, "k0"), 0);
	assert_int_equal(spate_cache_remove(f->ch, "k2"), 0);
	settle(f);
}

/* Destroying the cache while an mbuf-like holder still has a blob. */
static void test_destroy_with_holder(void **state)
{
	struct spate_cache *c = tc_cache(1 << 20);
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
	struct spate_cache_blob *b;

	(void)state;
	assert_non_null(c);
	assert_int_equal(spate_cache_channel_create(c, "x", NULL, &ch), 0);
	assert_int_equal(spate_cache_reader_register(c, 5, &r), 0);
	assert_int_equal(spate_cache_reader_register(c, 5, &r), -EEXIST);
	assert_ptr_equal(spate_cache_reader_get(c, 5), r);
	assert_null(spate_cache_reader_get(c, 6));
	assert_int_equal(tc_publish(ch, "o", 0, "held", 4), 0);
	b = spate_cache_lookup(r, "x", 1, "o", 1);
	assert_non_null(b);
	spate_cache_destroy(c);
	assert_memory_equal(b->body, "held", 4);
	spate_cache_blob_put(b); /* frees the blob, then the context */
}

/* A writer thread that is also an online reader never deadlocks on a
 * full defer queue: it counts as quiescent while it waits. */
static void test_writer_is_reader(void **state)
{
	struct fx *f = *state;
	struct spate_cache_stats st;
	unsigned i;

	for (i = 0; i < 600; i++) /* defer_max is 256 */
		assert_int_equal(tc_publish(f->ch, "pl.m3u8", 1, &i, sizeof(i)),
				 0);
	spate_cache_stats(f->c, &st);
	assert_true(st.defer_waits > 0);
	assert_int_equal(spate_cache_remove(f->ch, "pl.m3u8"), 0);
	spate_cache_synchronize(f->c); /* no quiescent report first */
	spate_cache_stats(f->c, &st);
	assert_int_equal(st.deferred, 0);
	assert_int_equal(st.blobs_alive, st.objects);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_lookup),
		cmocka_unit_test(test_replace_keeps_old_alive),
		cmocka_unit_test(test_grace_period),
		cmocka_unit_test(test_remove_and_generation),
		cmocka_unit_test(test_empty_object),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_channel_destroy),
		cmocka_unit_test(test_burst_lookup),
		cmocka_unit_test(test_destroy_with_holder),
		cmocka_unit_test(test_writer_is_reader),
	};

	if (tc_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
