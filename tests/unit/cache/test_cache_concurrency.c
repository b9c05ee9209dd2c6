/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/cache: one writer (main lcore) republishes a live playlist key
 * 100k times and publishes evictable segments under a small budget, while
 * a reader lcore looks both up, checks every byte it sees against the
 * self-describing content, attaches mbufs and reports quiescent states.
 * Any use-after-free shows as corrupt content (or an ASan report).
 *
 * Bounded in count and in time; both sides yield now and then so a 2-core
 * machine stays usable.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "harness.h"

#define REPUBLISH     100000u
#define SEG_EVERY     50u
#define TIME_LIMIT_S  60
#define READER_LCORE  1

struct shared {
	struct spate_cache *c;
	struct spate_cache_reader *r;
	volatile int done;
	volatile uint32_t last_seg; /* newest segment number published */
	/* reader results */
	uint64_t lookups, hits, seg_hits, attaches;
	uint64_t errors;
	char why[128];
};

/* Body: [seq u64][len u64][pattern(seq)]. */
static size_t make_body(uint8_t *buf, uint64_t seq)
{
	uint64_t len = 16 + (seq * 7919) % 2000;

	memcpy(buf, &seq, 8);
	memcpy(buf + 8, &len, 8);
	tc_fill(buf + 16, len - 16, (uint32_t)seq);
	return len;
}

static int check_body(const struct spate_cache_blob *b, uint64_t *seq_out)
{
	uint8_t want[2048];
	uint64_t seq, len;

	if (b->size < 16)
		return -1;
	memcpy(&seq, b->body, 8);
	memcpy(&len, b->body + 8, 8);
	if (len != b->size || len > sizeof(want))
		return -1;
	tc_fill(want, len - 16, (uint32_t)seq);
	if (memcmp(want, b->body + 16, len - 16) != 0)
		return -1;
	*seq_out = seq;
	return 0;
}

static void note_error(struct shared *s, const char *why)
{
	if (s->errors++ == 0)
		snprintf(s->why, sizeof(s->why), "%s", why);
}

static int reader_main(void *arg)
{
	struct shared *s = arg;
	struct spate_cache_reader *r = s->r;
	uint64_t last_seq = 0, last_version = 0, seq;
	uint64_t iter = 0;

	spate_cache_reader_online(r);
	while (!s->done && iter < 50000000ull) {
		struct spate_cache_blob *b;
		char path[32];

		iter++;
		b = spate_cache_lookup(r, "live", 4, "v0/index.m3u8", 13);
		s->lookups++;
		if (b != NULL) {
			s->hits++;
			if (check_body(b, &seq) < 0)
				note_error(s, "playlist content corrupt");
			else if (seq < last_seq)
				note_error(s, "playlist went back in time");
			if (b->version < last_version)
				note_error(s, "version went backwards");
			last_seq = seq;
			last_version = b->version;
			if ((iter & 15) == 0) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(tc_pool());

				if (m != NULL &&
				    spate_cache_attach(r, m, b, b->hdr_len,
						       (uint32_t)b->size) == 0) {
					s->attaches++;
					if (memcmp(rte_pktmbuf_mtod(m, void *),
						   b->body, 16) != 0)
						note_error(s, "attached bytes differ");
				}
				rte_pktmbuf_free(m);
			}
			spate_cache_blob_put(b);
		}
		/* A recent segment (may have been evicted: a miss is fine). */
		snprintf(path, sizeof(path), "v0/seg-%u.m4s",
			 s->last_seg - (uint32_t)(iter % 4));
		b = spate_cache_lookup(r, "live", 4, path, strlen(path));
		if (b != NULL) {
			s->seg_hits++;
			if (check_body(b, &seq) < 0)
				note_error(s, "segment content corrupt");
			spate_cache_blob_put(b);
		}
		spate_cache_reader_quiescent(r);
		if ((iter & 1023) == 0)
			sched_yield();
		else
			rte_pause();
	}
	spate_cache_reader_offline(r);
	return 0;
}

static void test_writer_reader(void **state)
{
	static struct shared s;
	static uint8_t body[2048];
	struct spate_cache_channel *ch;
	struct spate_cache_meta live = {.cls = SPATE_CACHE_CLASS_LIVE};
	struct spate_cache_meta imm = {.cls = SPATE_CACHE_CLASS_IMMUTABLE};
	struct spate_cache_stats st;
	time_t t0 = time(NULL);
	uint32_t i, segs = 0;

	(void)state;
	if (rte_lcore_count() < 2)
		skip();
	memset(&s, 0, sizeof(s));
	s.c = tc_cache(64 * 1024); /* a few dozen segments */
	assert_non_null(s.c);
	assert_int_equal(spate_cache_channel_create(s.c, "live", NULL, &ch), 0);
	assert_int_equal(spate_cache_reader_register(s.c, READER_LCORE, &s.r),
			 0);
	assert_int_equal(rte_eal_remote_launch(reader_main, &s, READER_LCORE),
			 0);

	for (i = 1; i <= REPUBLISH; i++) {
		struct spate_cache_iov iov = {body, make_body(body, i)};

		assert_int_equal(spate_cache_publish(ch, "v0/index.m3u8", &live,
						     &iov, 1),
				 0);
		if (i % SEG_EVERY == 0) {
			char path[32];

			snprintf(path, sizeof(path), "v0/seg-%u.m4s", ++segs);
			iov.len = make_body(body, i);
			assert_int_equal(
				spate_cache_publish(ch, path, &imm, &iov, 1), 0);
			s.last_seg = segs;
		}
		if ((i & 255) == 0) {
			sched_yield();
			if (time(NULL) - t0 > TIME_LIMIT_S)
				break;
		}
	}
	s.done = 1;
	rte_eal_wait_lcore(READER_LCORE);
	spate_cache_synchronize(s.c);
	spate_cache_stats(s.c, &st);
	print_message("published %u, reader lookups %llu hits %llu seg hits "
		      "%llu attaches %llu, evictions %llu, freed %llu\n",
		      i - 1, (unsigned long long)s.lookups,
		      (unsigned long long)s.hits,
		      (unsigned long long)s.seg_hits,
		      (unsigned long long)s.attaches,
		      (unsigned long long)st.evictions,
		      (unsigned long long)st.blobs_freed);
	if (s.errors)
		fail_msg("%llu errors, first: %s",
			 (unsigned long long)s.errors, s.why);
	assert_true(s.hits > 0);
	assert_true(st.evictions > 0);
	assert_int_equal(st.replaced, i - 1 - 1);
	/* Nothing leaked: every blob not in the index is gone. */
	assert_int_equal(st.blobs_alive, st.objects);
	assert_int_equal(st.deferred, 0);
	spate_cache_destroy(s.c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_reader),
	};

	if (tc_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
