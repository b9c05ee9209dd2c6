/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DASH MPD writer through manifest.h: dynamic, LL and static MPDs compared
 * byte for byte, Period split at a discontinuity with presentationTimeOffset
 * arithmetic, Period@start stability, SegmentTimeline run-length and gaps,
 * escaping, and well-formed XML for every MPD the tests produce.
 */
#include "fixture.h"

#include "expected_dash.h"

#include <errno.h>
#include <stdlib.h>

/*
 * A small well-formedness check, enough for what the writer produces: one
 * root element, balanced tags, quoted attributes without duplicates, only
 * the predefined entities, no text content but whitespace.
 */
static int xml_name(const char **q, const char *end, char *name, size_t cap)
{
	size_t n = 0;

	while (*q < end && n + 1 < cap &&
	       ((**q >= 'a' && **q <= 'z') || (**q >= 'A' && **q <= 'Z') ||
		(**q >= '0' && **q <= '9') || **q == ':' || **q == '_' ||
		**q == '-' || **q == '.'))
		name[n++] = *(*q)++;
	name[n] = '\0';
	return n > 0;
}

static int xml_entity_ok(const char *q, const char *end)
{
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;",
					   "&apos;"};

	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(ents[i]);

		if ((size_t)(end - q) >= n && memcmp(q, ents[i], n) == 0)
			return 1;
	}
	return 0;
}

static int xml_wellformed(const struct spate_buf *b)
{
	const char *q = (const char *)b->data, *end = q + b->len;
	char stack[16][64], name[64], attrs[16][64];
	int depth = 0, roots = 0;

	if (b->len < 5 || memcmp(q, "<?xml", 5) != 0)
		return 0;
	q = strstr(q, "?>");
	if (q == NULL)
		return 0;
	q += 2;
	while (q < end) {
		int n_attrs = 0;

		if (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r') {
			q++;
			continue;
		}
		if (*q++ != '<')
			return 0; /* text content */
		if (q < end && *q == '/') {
			q++;
			if (!xml_name(&q, end, name, sizeof(name)) ||
			    q >= end || *q++ != '>' || depth == 0 ||
			    strcmp(stack[--depth], name) != 0)
				return 0;
			continue;
		}
		if (!xml_name(&q, end, name, sizeof(name)))
			return 0;
		if (depth == 0 && roots++ > 0)
			return 0;
		for (;;) {
			while (q < end && *q == ' ')
				q++;
			if (q + 1 < end && q[0] == '/' && q[1] == '>') {
				q += 2;
				break;
			}
			if (q < end && *q == '>') {
				q++;
				if (depth == 16)
					return 0;
				strcpy(stack[depth++], name);
				break;
			}
			if (n_attrs == 16 ||
			    !xml_name(&q, end, attrs[n_attrs], 64))
				return 0;
			for (int i = 0; i < n_attrs; i++)
				if (strcmp(attrs[i], attrs[n_attrs]) == 0)
					return 0;
			n_attrs++;
			if (q + 1 >= end || q[0] != '=' || q[1] != '"')
				return 0;
			for (q += 2; q < end && *q != '"'; q++)
				if (*q == '<' ||
				    (*q == '&' && !xml_entity_ok(q, end)))
					return 0;
			if (q++ >= end)
				return 0;
		}
	}
	return depth == 0 && roots == 1;
}

static void write_mpd_ok(struct fx *f)
{
	spate_buf_reset(&f->out);
	assert_int_equal(spate_dash_write_mpd(&f->out, &f->p), 0);
	assert_true(xml_wellformed(&f->out));
}

static void test_checker_rejects_broken_xml(void **state)
{
	static const char *const bad[] = {
		"<?xml version=\"1.0\"?>\n<A><B></A></B>\n",
		"<?xml version=\"1.0\"?>\n<A x=\"1\" x=\"2\"/>\n",
		"<?xml version=\"1.0\"?>\n<A x=\"a&b\"/>\n",
		"<?xml version=\"1.0\"?>\n<A/><B/>\n",
		"<?xml version=\"1.0\"?>\n<A>text</A>\n",
		"<?xml version=\"1.0\"?>\n<A x=1/>\n",
	};
	struct spate_buf b = SPATE_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		spate_buf_reset(&b);
		spate_buf_put_str(&b, bad[i]);
		assert_false(xml_wellformed(&b));
	}
	spate_buf_reset(&b);
	spate_buf_put_str(&b,
			  "<?xml version=\"1.0\"?>\n<A x=\"&amp;\"><B/></A>\n");
	assert_true(xml_wellformed(&b));
	spate_buf_free(&b);
}

static void test_mpd_dynamic(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	f.p.dvr_ms = 10000;
	f.p.utc_timing_scheme = "urn:mpeg:dash:utc:http-iso:2014";
	f.p.utc_timing_value = "https://time.example/now?fmt=iso&ms=1";
	fx_segments(&f, 0, 12, 0, 0, 1);
	write_mpd_ok(&f);
	fx_assert_text(&f.out, MPD_DYNAMIC);
	fx_free(&f);
}

static void test_mpd_low_latency(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 16);
	fx_segments(&f, 0, 5, 0, 0, 1);
	fx_open(&f, 2);
	write_mpd_ok(&f);
	fx_assert_text(&f.out, MPD_LL);
	fx_free(&f);
}

static void test_mpd_period_per_discontinuity(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 16, 0);
	f.p.window_ms = 20000;
	fx_segments(&f, 0, 6, 0, 0, 1);
	fx_segments(&f, 6, 9, 1, 1, 2);
	write_mpd_ok(&f);
	fx_assert_text(&f.out, MPD_PERIODS);

	/*
	 * Period@start + (t - presentationTimeOffset) / timescale = t /
	 * timescale in both tracks: audio segment 6 starts at 576512/48000 =
	 * 12.0107 s, 10.7 ms after video, and keeps that offset.
	 */
	assert_true(fx_contains(&f.out, "<Period id=\"p1\" start=\"PT12S\">"));
	assert_true(fx_contains(&f.out, "presentationTimeOffset=\"1080000\""));
	assert_true(fx_contains(&f.out, "presentationTimeOffset=\"576000\""));
	assert_true(fx_contains(&f.out, "<S t=\"576512\" d=\"96256\"/>"));
	fx_free(&f);
}

/*
 * Period@start must not move between updates.  Once the first segment of
 * the oldest period has been evicted only the caller's record keeps it.
 */
static void test_mpd_period_start_history(void **state)
{
	struct spate_period_start starts[2] = {{1, 11990}, {0, 0}};
	struct fx f;

	(void)state;
	fx_init(&f, 4, 0);
	f.p.window_ms = 20000;
	fx_segments(&f, 0, 6, 0, 0, 1);
	fx_segments(&f, 6, 9, 1, 1, 2);
	/* Ring holds 5..8: p0 has one segment, p1 starts at segment 6. */
	write_mpd_ok(&f);
	assert_true(fx_contains(&f.out, "<Period id=\"p0\" start=\"PT0S\">"));
	assert_true(fx_contains(&f.out, "<Period id=\"p1\" start=\"PT12S\">"));

	fx_segments(&f, 9, 11, 1, 0, 2);
	/* Segment 6 is gone: the fallback now drifts to segment 7... */
	write_mpd_ok(&f);
	assert_false(fx_contains(&f.out, "<Period id=\"p0\""));
	assert_true(fx_contains(&f.out, "<Period id=\"p1\" start=\"PT14S\">"));

	/* ...the caller's record does not. */
	f.p.period_starts = starts;
	f.p.n_period_starts = 2;
	write_mpd_ok(&f);
	assert_true(
		fx_contains(&f.out, "<Period id=\"p1\" start=\"PT11.99S\">"));
	assert_true(fx_contains(&f.out, "presentationTimeOffset=\"1079100\""));
	assert_true(fx_contains(&f.out, "presentationTimeOffset=\"575520\""));
	fx_free(&f);
}

static void test_mpd_static_after_end(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 16, 16);
	f.p.window_ms = 6000;
	f.p.dvr_ms = 10000;
	fx_segments(&f, 0, 4, 0, 0, 1);
	fx_segments(&f, 4, 10, 1, 1, 2);
	f.p.ended = 1;
	f.p.utc_timing_scheme = "urn:mpeg:dash:utc:http-iso:2014";
	write_mpd_ok(&f);
	fx_assert_text(&f.out, MPD_STATIC);
	fx_free(&f);
}

static void test_mpd_timeline_gap_and_init_change(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	f.p.window_ms = 20000;
	f.p.n_renditions = 1;
	fx_add(&f.v0, 0, 0, 180000, 1000, 0, 0, 1, 0);
	fx_add(&f.v0, 1, 180000, 180000, 1000, 0, 0, 1, 0);
	/* 1 s hole in the input, then a shorter segment. */
	fx_add(&f.v0, 2, 450000, 180000, 1000, 0, 0, 1, 0);
	fx_add(&f.v0, 3, 630000, 90000, 1000, 0, 0, 2, 0);
	fx_add(&f.v0, 4, 720000, 180000, 1000, 0, 0, 2, 0);
	write_mpd_ok(&f);
	assert_true(fx_contains(
		&f.out, "          <SegmentTimeline>\n"
			"            <S t=\"0\" d=\"180000\" r=\"1\"/>\n"
			"            <S t=\"450000\" d=\"180000\"/>\n"
			"            <S d=\"90000\"/>\n"
			"            <S d=\"180000\"/>\n"
			"          </SegmentTimeline>\n"));
	/* One init per Period: the newest version of the sequence. */
	assert_true(fx_contains(&f.out, "initialization=\"$RepresentationID$/"
					"init-2.mp4\""));
	assert_int_equal(fx_count(&f.out, "<Period "), 1);
	fx_free(&f);
}

static void test_mpd_escaping_and_channel_layouts(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	fx_segments(&f, 0, 3, 0, 0, 1);
	f.p.utc_timing_scheme = "urn:x:\"<odd>\"&'";
	f.p.utc_timing_value = NULL;
	snprintf(f.v1.track.codec_string, sizeof(f.v1.track.codec_string),
		 "avc1.4d401e\"/><x");
	f.v0.track.frame_rate_num = 30000;
	f.v0.track.frame_rate_den = 1001;
	f.a0.track.channels = 8;
	write_mpd_ok(&f);
	assert_true(fx_contains(
		&f.out, "<UTCTiming schemeIdUri=\"urn:x:&quot;&lt;odd&gt;"
			"&quot;&amp;&apos;\" value=\"\"/>"));
	assert_true(
		fx_contains(&f.out, "codecs=\"avc1.4d401e&quot;/&gt;&lt;x\""));
	assert_true(fx_contains(&f.out, "frameRate=\"30000/1001\""));
	/* maxFrameRate is the largest of 30000/1001 and 30. */
	assert_true(fx_contains(&f.out, "maxFrameRate=\"30\""));
	assert_true(
		fx_contains(&f.out, "ChannelConfiguration\" value=\"7\"/>"));

	f.a0.track.channels = 3;
	f.v1.track.frame_rate_num = 0;
	write_mpd_ok(&f);
	assert_true(
		fx_contains(&f.out, "ChannelConfiguration\" value=\"3\"/>"));
	assert_true(fx_contains(&f.out, "maxFrameRate=\"30000/1001\""));
	f.a0.track.channels = 16;
	write_mpd_ok(&f);
	assert_true(fx_contains(&f.out,
				"schemeIdUri=\"urn:mpeg:dash:23003:3:audio_"
				"channel_configuration:2011\" value=\"16\"/>"));
	fx_free(&f);
}

/* Audio in two languages: one AdaptationSet each, ids stable. */
static void test_mpd_adaptation_sets_by_language(void **state)
{
	struct spate_rendition a1;
	struct spate_rendition *rends[4];
	struct fx f;

	(void)state;
	fx_init(&f, 8, 0);
	fx_segments(&f, 0, 3, 0, 0, 1);
	fx_audio(&a1, "a1", "deu");
	assert_int_equal(spate_timeline_init(&a1.timeline, 8, 0), 0);
	for (uint64_t k = 0; k < 3; k++)
		fx_add(&a1, k, fx_audio_start(k),
		       (uint64_t)(fx_audio_start(k + 1) - fx_audio_start(k)),
		       16000, 0, 0, 1, 0);
	rends[0] = &f.a0;
	rends[1] = &f.v0;
	rends[2] = &a1;
	rends[3] = &f.v1;
	f.p.renditions = rends;
	f.p.n_renditions = 4;
	write_mpd_ok(&f);
	assert_true(fx_contains(&f.out, "<AdaptationSet id=\"0\" "
					"contentType=\"video\""));
	assert_true(fx_contains(&f.out, "<AdaptationSet id=\"1\" "
					"contentType=\"audio\" lang=\"eng\""));
	assert_true(fx_contains(&f.out, "<AdaptationSet id=\"2\" "
					"contentType=\"audio\" lang=\"deu\""));
	assert_int_equal(fx_count(&f.out, "<Representation "), 4);
	spate_timeline_free(&a1.timeline);
	fx_free(&f);
}

static void test_mpd_errors_and_determinism(void **state)
{
	struct spate_buf again = SPATE_BUF_INIT;
	struct fx f;

	(void)state;
	fx_init(&f, 8, 16);
	assert_int_equal(spate_dash_write_mpd(&f.out, &f.p), -EAGAIN);
	assert_int_equal(spate_dash_write_mpd(NULL, &f.p), -EINVAL);
	f.p.segment_ms = 0;
	assert_int_equal(spate_dash_write_mpd(&f.out, &f.p), -EINVAL);
	f.p.segment_ms = 2000;
	f.a0.track.timescale = 0;
	assert_int_equal(spate_dash_write_mpd(&f.out, &f.p), -EINVAL);
	f.a0.track.timescale = FX_AUDIO_TS;
	assert_int_equal(f.out.len, 0);

	fx_segments(&f, 0, 7, 0, 0, 1);
	fx_open(&f, 3);
	assert_int_equal(spate_dash_write_mpd(&f.out, &f.p), 0);
	assert_int_equal(spate_dash_write_mpd(&again, &f.p), 0);
	assert_int_equal(f.out.len, again.len);
	assert_memory_equal(f.out.data, again.data, again.len);
	/* publishTime follows media time, not the clock: the end of the
	 * newest segment of any track (audio: 672768 / 48000 s). */
	assert_true(fx_contains(&f.out,
				"publishTime=\"2026-11-24T10:00:14.016Z\""));
	spate_buf_free(&again);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_rejects_broken_xml),
		cmocka_unit_test(test_mpd_dynamic),
		cmocka_unit_test(test_mpd_low_latency),
		cmocka_unit_test(test_mpd_period_per_discontinuity),
		cmocka_unit_test(test_mpd_period_start_history),
		cmocka_unit_test(test_mpd_static_after_end),
		cmocka_unit_test(test_mpd_timeline_gap_and_init_change),
		cmocka_unit_test(test_mpd_escaping_and_channel_layouts),
		cmocka_unit_test(test_mpd_adaptation_sets_by_language),
		cmocka_unit_test(test_mpd_errors_and_determinism),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
