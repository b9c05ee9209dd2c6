/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HLS writers through manifest.h: multivariant playlists, media playlists
 * (window, eviction, discontinuity, init change, target duration rule) and
 * the LL-HLS additions (parts, preload hint, rendition reports, delta
 * updates).  Whole playlists are compared byte for byte.
 */
#include "fixture.h"

#include "expected_hls.h"

#include <errno.h>
#include <stdlib.h>

static const struct spate_hls_media_opts live = {SPATE_HLS_LIVE, 0};
static const struct spate_hls_media_opts dvr = {SPATE_HLS_DVR, 0};
static const struct spate_hls_media_opts dvr_skip = {SPATE_HLS_DVR, 1};

static void test_multivariant_live(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	fx_segments(&f, 0, 12, 0, 0, 1);
	assert_int_equal(
		spate_hls_write_multivariant(&f.out, &f.p, SPATE_HLS_LIVE), 0);
	fx_assert_text(&f.out, MV_LIVE);
	fx_free(&f);
}

static void test_multivariant_dvr_and_fallback_bitrates(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	/* No segment yet: configured bitrates, then the defaults. */
	f.v0.track.max_bitrate_bps = 2500000;
	f.v0.track.avg_bitrate_bps = 2000000;
	f.a0.track.avg_bitrate_bps = 96000;
	f.p.part_ms = 500;
	assert_int_equal(
		spate_hls_write_multivariant(&f.out, &f.p, SPATE_HLS_DVR),
		-ENOENT);
	assert_int_equal(f.out.len, 0);
	f.p.dvr_ms = 60000;
	assert_int_equal(
		spate_hls_write_multivariant(&f.out, &f.p, SPATE_HLS_DVR), 0);
	fx_assert_text(&f.out, MV_DVR_FALLBACK);
	fx_free(&f);
}

static void test_multivariant_audio_only(void **state)
{
	struct spate_rendition a0, a1;
	struct spate_rendition *rends[2] = {&a0, &a1};
	struct spate_presentation p = {
		.renditions = rends,
		.n_renditions = 2,
		.segment_ms = 2000,
		.window_ms = 6000,
	};
	struct spate_buf out = SPATE_BUF_INIT;

	(void)state;
	fx_audio(&a0, "a0", "eng");
	fx_audio(&a1, "a1", "fra");
	a1.track.codec = SPATE_CODEC_OPUS;
	snprintf(a1.track.codec_string, sizeof(a1.track.codec_string), "opus");
	a1.track.channels = 6;
	assert_int_equal(spate_hls_write_multivariant(&out, &p, SPATE_HLS_LIVE),
			 0);
	fx_assert_text(&out, MV_AUDIO_ONLY);
	spate_buf_free(&out);
}

static void test_media_live_window_after_eviction(void **state)
{
	struct fx f;

	(void)state;
	/* 12 segments through a ring of 8: 0..3 were evicted. */
	fx_init(&f, 8, 0);
	fx_segments(&f, 0, 12, 0, 0, 1);
	assert_int_equal(f.v0.timeline.segments_evicted, 4);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	fx_assert_text(&f.out, MEDIA_V0_LIVE);

	/* The DVR window cannot reach behind the ring. */
	spate_buf_reset(&f.out);
	f.p.dvr_ms = 3600000;
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 2, &dvr), 0);
	fx_assert_text(&f.out, MEDIA_A0_DVR);
	fx_free(&f);
}

static void test_media_discontinuity_and_init_change(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 16, 0);
	f.p.window_ms = 20000;
	fx_segments(&f, 0, 4, 0, 0, 1);
	fx_segments(&f, 4, 6, 0, 0, 2); /* new init, same timeline */
	fx_segments(&f, 6, 9, 1, 1, 3); /* encoder restart */
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	fx_assert_text(&f.out, MEDIA_V0_DISC);

	/* Window starting at the discontinuity: the header carries it. */
	spate_buf_reset(&f.out);
	f.p.window_ms = 6000;
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 2, &live), 0);
	fx_assert_text(&f.out, MEDIA_A0_DISC_FIRST);
	fx_free(&f);
}

/*
 * RFC 8216bis 4.4.3.1: each EXTINF rounded to the nearest integer must not
 * exceed EXT-X-TARGETDURATION.
 */
static void check_target_duration_rule(const struct spate_buf *b)
{
	const char *s = (const char *)b->data, *end = s + b->len;
	const char *td = strstr(s, "#EXT-X-TARGETDURATION:");
	long target;
	int seen = 0;

	assert_non_null(td);
	target = strtol(td + strlen("#EXT-X-TARGETDURATION:"), NULL, 10);
	for (const char *q = s; q < end; q++) {
		if (strncmp(q, "#EXTINF:", 8) == 0) {
			double d = strtod(q + 8, NULL);

			assert_true((long)(d + 0.5) <= target);
			seen++;
		}
	}
	assert_true(seen > 0);
}

static void test_target_duration_rounding(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	/* 2.49999 s rounds to 2: target stays at the configured 2. */
	fx_add(&f.v0, 0, 0, 224999, 1000, 0, 0, 1, 0);
	fx_add(&f.v0, 1, 224999, 180000, 1000, 0, 0, 1, 0);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_true(fx_contains(&f.out, "#EXT-X-TARGETDURATION:2\n"));
	assert_true(fx_contains(&f.out, "#EXTINF:2.49999,\n"));
	check_target_duration_rule(&f.out);

	/* 2.5 s rounds to 3; the target follows and never goes back. */
	fx_add(&f.v0, 2, 404999, 225000, 1000, 0, 0, 1, 0);
	for (uint64_t m = 3; m < 12; m++)
		fx_add(&f.v0, m, (int64_t)(629999 + (m - 3) * 180000), 180000,
		       1000, 0, 0, 1, 0);
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_true(fx_contains(&f.out, "#EXT-X-TARGETDURATION:3\n"));
	assert_false(fx_contains(&f.out, "#EXTINF:2.50000,"));
	check_target_duration_rule(&f.out);
	/* RFC 8216 6.2.2: the 6 s window grows to 3 x 3 s = 5 segments. */
	assert_true(fx_contains(&f.out, "#EXT-X-MEDIA-SEQUENCE:7\n"));
	assert_int_equal(fx_count(&f.out, "#EXTINF:2.00000,"), 5);

	/* A longer configured target wins over short segments. */
	f.p.segment_ms = 4000;
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_true(fx_contains(&f.out, "#EXT-X-TARGETDURATION:4\n"));
	fx_free(&f);
}

static void test_ll_media_playlist(void **state)
{
	struct fx f;

	(void)state;
	/* 16 parts per ring: the oldest listed segment lost its parts. */
	fx_init(&f, 8, 16);
	fx_segments(&f, 0, 12, 0, 0, 1);
	fx_open(&f, 2);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	fx_assert_text(&f.out, LL_V0_LIVE);
	fx_free(&f);
}

static void test_ll_rendition_reports(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 16);
	fx_segments(&f, 0, 5, 0, 0, 1);
	fx_open(&f, 3);
	/* v1 has finished segment 4 but no part of 5 yet. */
	f.v1.open_parts = 0;
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 2, &live), 0);
	assert_true(fx_contains(
		&f.out, "#EXT-X-RENDITION-REPORT:URI=\"../v0/index.m3u8\""
			",LAST-MSN=5,LAST-PART=2\n"
			"#EXT-X-RENDITION-REPORT:URI=\"../v1/index.m3u8\""
			",LAST-MSN=4,LAST-PART=3\n"));
	assert_int_equal(fx_count(&f.out, "#EXT-X-RENDITION-REPORT:"), 2);
	assert_false(fx_contains(&f.out, "../a0/"));
	assert_true(fx_contains(&f.out, "#EXT-X-PRELOAD-HINT:TYPE=PART,"
					"URI=\"seg-5.3.m4s\"\n"));
	/* Segment in progress: parts 0..2, 0.5 s each (48000 Hz). */
	assert_true(fx_contains(
		&f.out, "#EXT-X-PART:DURATION=0.50000,URI=\"seg-5.0.m4s\","
			"INDEPENDENT=YES\n"
			"#EXT-X-PART:DURATION=0.50000,URI=\"seg-5.1.m4s\"\n"
			"#EXT-X-PART:DURATION=0.50000,URI=\"seg-5.2.m4s\"\n"
			"#EXT-X-PRELOAD-HINT:"));

	/* A rendition with nothing published is not reported. */
	spate_timeline_free(&f.v1.timeline);
	assert_int_equal(spate_timeline_init(&f.v1.timeline, 8, 16), 0);
	f.v1.next_msn = 0;
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_false(fx_contains(&f.out, "../v1/"));
	assert_true(fx_contains(&f.out, "../a0/index.m3u8\",LAST-MSN=5,"
					"LAST-PART=2\n"));
	fx_free(&f);
}

static void test_ll_parts_only_near_edge_and_complete(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 16, 64);
	fx_segments(&f, 0, 10, 0, 0, 1);
	f.p.window_ms = 20000;
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 1, &live), 0);
	/* Edge at 20 s, target 2 s: segments ending at 14 s or later. */
	assert_false(fx_contains(&f.out, "seg-5.0.m4s"));
	assert_true(fx_contains(&f.out, "seg-6.0.m4s"));
	assert_int_equal(fx_count(&f.out, "#EXT-X-PART:"), 16);
	/* No segment in progress announced: hint for its first part. */
	assert_true(fx_contains(&f.out, "#EXT-X-PRELOAD-HINT:TYPE=PART,"
					"URI=\"seg-10.0.m4s\"\n"));

	/* A segment whose first part left the ring is listed without parts. */
	fx_free(&f);
	fx_init(&f, 16, 6);
	fx_segments(&f, 0, 3, 0, 0, 1);
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_false(fx_contains(&f.out, "seg-1.2.m4s"));
	assert_true(fx_contains(&f.out, "seg-2.0.m4s"));
	assert_int_equal(fx_count(&f.out, "#EXT-X-PART:"), 4);
	fx_free(&f);
}

static void test_ll_open_segment_after_discontinuity(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 32);
	fx_segments(&f, 0, 3, 0, 0, 1);
	fx_open(&f, 1);
	f.v0.open_discontinuity = 1;
	f.v0.init_version = 2;
	f.v0.open_start = 540000 + 9000; /* 6.1 s: restarted encoder */
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_true(fx_contains(
		&f.out, "seg-2.m4s\n"
			"#EXT-X-DISCONTINUITY\n"
			"#EXT-X-MAP:URI=\"init-2.mp4\"\n"
			"#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:06.100Z\n"
			"#EXT-X-PART:DURATION=0.50000,URI=\"seg-3.0.m4s\","
			"INDEPENDENT=YES\n"
			"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg-3.1.m4s\"\n"));

	/* New init without discontinuity: only the MAP. */
	f.v0.open_discontinuity = 0;
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_true(fx_contains(&f.out, "seg-2.m4s\n"
					"#EXT-X-MAP:URI=\"init-2.mp4\"\n"
					"#EXT-X-PART:DURATION=0.50000,"));
	assert_int_equal(fx_count(&f.out, "#EXT-X-DISCONTINUITY\n"), 0);
	fx_free(&f);
}

static void test_ll_delta_update(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 16, 16);
	fx_segments(&f, 0, 15, 0, 0, 1);
	fx_segments(&f, 15, 16, 1, 1, 2);
	fx_open(&f, 1);
	f.p.dvr_ms = 40000;
	f.p.window_ms = 6000;

	/* Edge 32 s, CAN-SKIP-UNTIL 12 s: segments ending before 20 s go. */
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &dvr_skip), 0);
	fx_assert_text(&f.out, LL_V0_DELTA);

	/* The full playlist has the same header and every segment. */
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &dvr), 0);
	assert_false(fx_contains(&f.out, "#EXT-X-SKIP"));
	assert_int_equal(fx_count(&f.out, "#EXTINF:"), 16);
	assert_true(fx_contains(&f.out, "#EXT-X-MEDIA-SEQUENCE:0\n"
					"#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
					"#EXT-X-MAP:URI=\"init-1.mp4\"\n"));

	/* The live window is shorter than the Skip Boundary: no skip. */
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0,
					       &(struct spate_hls_media_opts){
						       SPATE_HLS_LIVE, 1}),
			 0);
	assert_false(fx_contains(&f.out, "#EXT-X-SKIP"));

	/* Without LL there is no CAN-SKIP-UNTIL, so no delta either. */
	f.p.part_ms = 0;
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &dvr_skip), 0);
	assert_false(fx_contains(&f.out, "#EXT-X-SKIP"));
	assert_false(fx_contains(&f.out, "#EXT-X-PART"));
	assert_true(fx_contains(&f.out, "#EXT-X-VERSION:7\n"));
	fx_free(&f);
}

static void test_ll_ended(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 16);
	fx_segments(&f, 0, 5, 0, 0, 1);
	f.p.ended = 1;
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 1, &live), 0);
	fx_assert_text(&f.out, LL_V1_ENDED);
	/* Skip requests get the whole playlist once ended. */
	f.p.dvr_ms = 60000;
	spate_buf_reset(&f.out);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 1, &dvr_skip), 0);
	assert_false(fx_contains(&f.out, "#EXT-X-SKIP"));
	assert_int_equal(fx_count(&f.out, "#EXTINF:"), 5);
	fx_free(&f);
}

static void test_errors_and_determinism(void **state)
{
	struct fx f;
	struct spate_buf again = SPATE_BUF_INIT;

	(void)state;
	fx_init(&f, 8, 16);
	/* Nothing finished yet. */
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live),
			 -EAGAIN);
	fx_segments(&f, 0, 6, 0, 0, 1);
	fx_open(&f, 1);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 3, &live),
			 -EINVAL);
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &dvr), -ENOENT);
	assert_int_equal(spate_hls_write_media(NULL, &f.p, 0, &live), -EINVAL);
	assert_int_equal(spate_hls_write_media(&f.out, NULL, 0, &live),
			 -EINVAL);
	f.p.part_ms = 2000;
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live),
			 -EINVAL);
	f.p.part_ms = 500;
	/* Ids are path segments: no traversal, no duplicates. */
	snprintf(f.v1.id, sizeof(f.v1.id), "../x");
	assert_int_equal(
		spate_hls_write_multivariant(&f.out, &f.p, SPATE_HLS_LIVE),
		-EINVAL);
	snprintf(f.v1.id, sizeof(f.v1.id), "v0");
	assert_int_equal(spate_dash_write_mpd(&f.out, &f.p), -EINVAL);
	snprintf(f.v1.id, sizeof(f.v1.id), "v1");
	assert_int_equal(f.out.len, 0);

	/* Same presentation, same bytes; the writer appends. */
	assert_int_equal(spate_hls_write_media(&f.out, &f.p, 0, &live), 0);
	assert_int_equal(spate_hls_write_media(&again, &f.p, 0, &live), 0);
	assert_int_equal(f.out.len, again.len);
	assert_memory_equal(f.out.data, again.data, again.len);
	assert_int_equal(spate_hls_write_media(&again, &f.p, 0, &live), 0);
	assert_int_equal(again.len, 2 * f.out.len);
	assert_memory_equal(again.data + f.out.len, f.out.data, f.out.len);
	spate_buf_free(&again);
	fx_free(&f);
}

static void test_quoted_strings_are_sanitised(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	fx_segments(&f, 0, 3, 0, 0, 1);
	snprintf(f.v0.track.codec_string, sizeof(f.v0.track.codec_string),
		 "avc1.\"64\n001f");
	snprintf(f.a0.track.language, sizeof(f.a0.track.language), "e\"n");
	assert_int_equal(
		spate_hls_write_multivariant(&f.out, &f.p, SPATE_HLS_LIVE), 0);
	assert_true(fx_contains(&f.out, "CODECS=\"avc1.64001f,mp4a.40.2\""));
	assert_true(fx_contains(&f.out, "LANGUAGE=\"en\""));
	fx_free(&f);
}

static void test_iso8601(void **state)
{
	static const struct {
		int64_t ms;
		const char *iso;
	} cases[] = {
		{0, "1970-01-01T00:00:00.000Z"},
		{FX_EPOCH_MS, "2026-11-24T10:00:00.000Z"},
		{FX_EPOCH_MS + 50399999, "2026-11-24T23:59:59.999Z"},
		{-1, "1969-12-31T23:59:59.999Z"},
		{951782400000LL, "2000-02-29T00:00:00.000Z"},
		{4102444800000LL, "2100-01-01T00:00:00.000Z"},
		{-62135596800000LL, "0001-01-01T00:00:00.000Z"},
		{INT64_MAX, "9999-12-31T23:59:59.999Z"},
		{INT64_MIN, "0000-01-01T00:00:00.000Z"},
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spate_manifest_iso8601(out, cases[i].ms);
		assert_string_equal(out, cases[i].iso);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multivariant_live),
		cmocka_unit_test(test_multivariant_dvr_and_fallback_bitrates),
		cmocka_unit_test(test_multivariant_audio_only),
		cmocka_unit_test(test_media_live_window_after_eviction),
		cmocka_unit_test(test_media_discontinuity_and_init_change),
		cmocka_unit_test(test_target_duration_rounding),
		cmocka_unit_test(test_ll_media_playlist),
		cmocka_unit_test(test_ll_rendition_reports),
		cmocka_unit_test(test_ll_parts_only_near_edge_and_complete),
		cmocka_unit_test(test_ll_open_segment_after_discontinuity),
		cmocka_unit_test(test_ll_delta_update),
		cmocka_unit_test(test_ll_ended),
		cmocka_unit_test(test_errors_and_determinism),
		cmocka_unit_test(test_quoted_strings_are_sanitised),
		cmocka_unit_test(test_iso8601),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
