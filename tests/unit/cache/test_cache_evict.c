/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/cache: byte budget, approximate LRU, pinned objects, and that
 * eviction never frees a referenced blob.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_lcore.h>

#include "harness.h"

#define OBJ 16384

static struct spate_cache_stats stats(struct spate_cache *c)
{
	struct spate_cache_stats st;

	spate_cache_stats(c, &st);
	return st;
}

static void test_budget_and_referenced(void **state)
{
	const uint64_t budget = 256 * 1024;
	struct spate_cache *c = tc_cache(budget);
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
	struct spate_cache_blob *held;
	static uint8_t buf[OBJ];
	uint8_t want[OBJ];
	char path[32];
	unsigned i;

	(void)state;
	assert_non_null(c);
	assert_int_equal(spate_cache_channel_create(c, "ev", NULL, &ch), 0);
	assert_int_equal(spate_cache_reader_register(c, rte_lcore_id(), &r), 0);
	spate_cache_reader_online(r);

	/* A live playlist: pinned, must survive everything below. */
	assert_int_equal(tc_publish(ch, "index.m3u8", SPATE_CACHE_CLASS_LIVE,
				    "#EXTM3U", 7),
			 0);
	tc_fill(want, OBJ, 0);
	assert_int_equal(tc_publish(ch, "seg-0.m4s", 0, want, OBJ), 0);
	held = spate_cache_lookup(r, "ev", 2, "seg-0.m4s", 9);
	assert_non_null(held);

	for (i = 1; i < 100; i++) {
		struct spate_cache_stats st;

		snprintf(path, sizeof(path), "seg-%u.m4s", i);
		tc_fill(buf, OBJ, i);
		assert_int_equal(tc_publish(ch, path, 0, buf, OBJ), 0);
		spate_cache_reader_quiescent(r);
		st = stats(c);
		assert_true(st.bytes_indexed <= budget);
	}
	assert_true(stats(c).evictions > 50);
	/* Long evicted, never freed: we hold it. */
	assert_null(spate_cache_lookup(r, "ev", 2, "seg-0.m4s", 9));
	spate_cache_synchronize(c);
	assert_int_equal(spate_cache_blob_refcnt(held), 1);
	assert_memory_equal(held->body, want, OBJ);
	{
		uint64_t f0 = stats(c).blobs_freed;
		uint64_t alive0 = stats(c).blobs_alive;

		spate_cache_blob_put(held);
		assert_int_equal(stats(c).blobs_freed, f0 + 1);
		assert_int_equal(stats(c).blobs_alive, alive0 - 1);
	}
	/* Every blob still alive is in the index. */
	assert_int_equal(stats(c).blobs_alive, stats(c).objects);
	assert_int_equal(stats(c).bytes_alive, stats(c).bytes_indexed);
	held = spate_cache_lookup(r, "ev", 2, "index.m3u8", 10);
	assert_non_null(held);
	spate_cache_blob_put(held);

	spate_cache_reader_offline(r);
	spate_cache_destroy(c);
}

/* Pinned objects alone over the budget: publish refuses, counted. */
static void test_budget_pinned_full(void **state)
{
	struct spate_cache *c = tc_cache(64 * 1024);
	struct spate_cache_channel *ch;
	static uint8_t buf[OBJ];
	struct spate_cache_meta m = {.pinned = 1};
	struct spate_cache_iov iov = {buf, OBJ};
	char path[32];
	unsigned i;
	int rc = 0;

	(void)state;
	assert_int_equal(spate_cache_channel_create(c, "p", NULL, &ch), 0);
	for (i = 0; i < 10 && rc == 0; i++) {
		snprintf(path, sizeof(path), "vod-%u.mp4", i);
		rc = spate_cache_publish(ch, path, &m, &iov, 1);
	}
	assert_int_equal(rc, -ENOBUFS);
	assert_true(i > 2);
	assert_int_equal(stats(c).budget_failures, 1);
	assert_int_equal(stats(c).evictions, 0);
	/* An object larger than the whole budget. */
	{
		static uint8_t big[128 * 1024];
		struct spate_cache_iov bi = {big, sizeof(big)};

		m.pinned = 0;
		assert_int_equal(spate_cache_publish(ch, "big", &m, &bi, 1),
				 -ENOBUFS);
	}
	spate_cache_destroy(c);
}

/*
 * Sampling LRU: with as many samples as objects the victim is the exact
 * least recently used one; objects a reader keeps hitting survive.
 */
static void test_lru_prefers_cold(void **state)
{
	struct spate_cache_config cfg;
	struct spate_cache *c;
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
	static uint8_t buf[OBJ];
	char path[32];
	unsigned i, k, n_fit;
	uint64_t budget;

	(void)state;
	spate_cache_config_defaults(&cfg);
	cfg.max_readers = 1;
	cfg.max_objects = 256;
	cfg.evict_samples = 64;
	c = spate_cache_create(&cfg);
	assert_non_null(c);
	spate_cache_destroy(c);
	/* Budget for exactly 8 objects of this size. */
	{
		struct spate_cache_channel *probe;
		struct spate_cache_blob *b;

		c = spate_cache_create(&cfg);
		assert_int_equal(
			spate_cache_channel_create(c, "lru", NULL, &probe), 0);
		assert_int_equal(tc_publish(probe, "x", 0, buf, OBJ), 0);
		b = spate_cache_peek(probe, "x");
		budget = 8 * (b->alloc_bytes + 1024) - 1;
		spate_cache_blob_put(b);
		spate_cache_destroy(c);
	}
	cfg.budget_bytes = budget;
	c = spate_cache_create(&cfg);
	assert_int_equal(spate_cache_channel_create(c, "lru", NULL, &ch), 0);
	assert_int_equal(spate_cache_reader_register(c, rte_lcore_id(), &r), 0);
	spate_cache_reader_online(r);
	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "s%u", i);
		assert_int_equal(tc_publish(ch, path, 0, buf, OBJ), 0);
		usleep(2000); /* > one recency tick */
	}
	n_fit = (unsigned)stats(c).objects;
	assert_true(n_fit >= 7);
	/* s0..s3 are hot: hit them now, after s4..s7 were published. */
	for (i = 0; i < 4; i++) {
		struct spate_cache_blob *b;

		snprintf(path, sizeof(path), "s%u", i);
		b = spate_cache_lookup(r, "lru", 3, path, strlen(path));
		if (b != NULL)
			spate_cache_blob_put(b);
	}
	usleep(2000);
	/* Four more objects evict four cold ones: s4..s7 (or s0 if it had
	 * already been evicted before being hit). */
	for (k = 8; k < 12; k++) {
		snprintf(path, sizeof(path), "s%u", k);
		assert_int_equal(tc_publish(ch, path, 0, buf, OBJ), 0);
		spate_cache_reader_quiescent(r);
	}
	for (i = 1; i < 4; i++) {
		struct spate_cache_blob *b;

		snprintf(path, sizeof(path), "s%u", i);
		b = spate_cache_lookup(r, "lru", 3, path, strlen(path));
		assert_non_null(b);
		spate_cache_blob_put(b);
	}
	spate_cache_reader_offline(r);
	spate_cache_destroy(c);
}

/* Replacing an object credits its bytes: no eviction when it fits. */
static void test_replace_in_full_budget(void **state)
{
	struct spate_cache *c;
	struct spate_cache_channel *ch;
	struct spate_cache_blob *b;
	static uint8_t buf[OBJ];
	uint64_t budget;

	(void)state;
	c = tc_cache(1 << 20);
	assert_int_equal(spate_cache_channel_create(c, "r", NULL, &ch), 0);
	assert_int_equal(tc_publish(ch, "a", 0, buf, OBJ), 0);
	b = spate_cache_peek(ch, "a");
	budget = 2 * b->alloc_bytes + 1024 + 512;
	spate_cache_blob_put(b);
	spate_cache_destroy(c);

	c = tc_cache(budget);
	assert_int_equal(spate_cache_channel_create(c, "r", NULL, &ch), 0);
	assert_int_equal(tc_publish(ch, "a", 0, buf, OBJ), 0);
	assert_int_equal(tc_publish(ch, "b", 0, buf, OBJ), 0);
	assert_int_equal(stats(c).evictions, 0);
	/* One of a/b has to go for c. */
	assert_int_equal(tc_publish(ch, "c", 0, buf, OBJ), 0);
	assert_int_equal(stats(c).evictions, 1);
	/* Replacing c in place: its own bytes are credited, c is kept. */
	assert_int_equal(tc_publish(ch, "c", 0, buf, OBJ), 0);
	assert_int_equal(stats(c).evictions, 1);
	assert_int_equal(stats(c).replaced, 1);
	spate_cache_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_and_referenced),
		cmocka_unit_test(test_budget_pinned_full),
		cmocka_unit_test(test_lru_prefers_cold),
		cmocka_unit_test(test_replace_in_full_budget),
	};

	if (tc_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
