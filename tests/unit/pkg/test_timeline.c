/* SPDX-License-Identifier: BSD-3-Clause */
/* spate_timeline: ring order, eviction, lookup by msn, part ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "timeline.h"

static struct spate_segment_rec seg(uint64_t msn, uint64_t dur)
{
	struct spate_segment_rec s = {.msn = msn,
				      .start = (int64_t)(msn * dur),
				      .duration = dur};
	return s;
}

static void test_segments_evict_oldest(void **state)
{
	struct spate_timeline tl;
	struct spate_segment_rec ev, s;

	(void)state;
	assert_int_equal(spate_timeline_init(&tl, 3, 0), 0);
	assert_null(spate_timeline_last(&tl));
	for (uint64_t m = 10; m < 13; m++) {
		s = seg(m, 180000);
		assert_int_equal(spate_timeline_add_segment(&tl, &s, &ev), 0);
	}
	s = seg(13, 270000);
	assert_int_equal(spate_timeline_add_segment(&tl, &s, &ev), 1);
	assert_int_equal(ev.msn, 10);
	assert_int_equal(tl.seg_count, 3);
	assert_int_equal(spate_timeline_segment(&tl, 0)->msn, 11);
	assert_int_equal(spate_timeline_last(&tl)->msn, 13);
	assert_int_equal(tl.max_seg_duration, 270000);
	assert_int_equal(tl.segments_evicted, 1);
	assert_null(spate_timeline_find(&tl, 10));
	assert_int_equal(spate_timeline_find(&tl, 12)->msn, 12);
	assert_null(spate_timeline_find(&tl, 14));
	assert_null(spate_timeline_segment(&tl, 3));
	spate_timeline_free(&tl);
}

static void test_parts_ring(void **state)
{
	struct spate_timeline tl;

	(void)state;
	assert_int_equal(spate_timeline_init(&tl, 4, 5), 0);
	for (uint32_t i = 0; i < 8; i++) {
		struct spate_part_rec p = {.msn = 7 + i / 4,
					   .index = i % 4,
					   .duration = 18000 + i,
					   .independent = (i % 4) == 0};
		spate_timeline_add_part(&tl, &p);
	}
	assert_int_equal(tl.part_count, 5);
	assert_int_equal(spate_timeline_part(&tl, 0)->index, 3);
	assert_int_equal(spate_timeline_part(&tl, 0)->msn, 7);
	assert_int_equal(spate_timeline_part(&tl, 4)->msn, 8);
	assert_int_equal(spate_timeline_part(&tl, 4)->index, 3);
	assert_null(spate_timeline_part(&tl, 5));
	assert_int_equal(tl.max_part_duration, 18007);
	spate_timeline_free(&tl);
}

static void test_parts_disabled(void **state)
{
	struct spate_timeline tl;
	struct spate_part_rec p = {.msn = 1};

	(void)state;
	assert_int_equal(spate_timeline_init(&tl, 2, 0), 0);
	spate_timeline_add_part(&tl, &p);
	assert_int_equal(tl.part_count, 0);
	spate_timeline_free(&tl);
	assert_int_equal(spate_timeline_init(&tl, 0, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments_evict_oldest),
		cmocka_unit_test(test_parts_ring),
		cmocka_unit_test(test_parts_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
