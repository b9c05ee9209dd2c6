/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DASH MPD (manifest.mpd): dynamic with SegmentTimeline while live, static
 * once the input ended; LL-DASH (availabilityTimeOffset, ServiceDescription,
 * ProducerReferenceTime) when part_ms > 0.
 *
 * Timing model.  Media time t (track timescale) is presented at wall-clock
 * epoch_ms + t, so availabilityStartTime = epoch_ms and every Period keeps
 *   Period@start + (t - presentationTimeOffset) / timescale = t / timescale
 * by giving each Representation presentationTimeOffset = Period@start in its
 * own timescale.  Tracks whose segments start a few ms apart (audio frames
 * vs video frames) stay in sync that way, which a per-track "first segment"
 * offset would break.
 *
 * One Period per discontinuity sequence (id "p<disc_seq>").  SegmentTemplate
 * sits in each Representation because timescales and init versions differ
 * between them.  All Representations list the same $Number$ range, taken
 * from the first video rendition's window, so ABR switches line up.
 *
 * A Representation has one init segment per Period, so a new init_version
 * must come with a new discontinuity sequence (RFC 8216 asks the same of
 * HLS for changed encoding parameters).  Should one change inside a
 * sequence anyway, the newest version is announced: it decodes the live
 * edge, where players are.
 *
 * SegmentTimeline lists finished segments only; the segment in progress
 * has no known duration yet.  availabilityTimeOffset still lets an LL client
 * fetch each newly listed segment as soon as it appears.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "manifest_priv.h"

#define MPD_PROFILES                             \
	"urn:mpeg:dash:profile:isoff-live:2011," \
	"urn:mpeg:dash:profile:cmaf:2019"
/* LL-DASH latency target: three parts plus request/transfer margin. */
#define MPD_LL_LATENCY_PARTS	 3
#define MPD_LL_LATENCY_MARGIN_MS 500
/* Non-LL players start this many segments behind the live edge. */
#define MPD_DELAY_SEGMENTS 3

struct mpd_ctx {
	struct spate_buf *out;
	const struct spate_presentation *p;
	uint64_t first_msn; /* every Representation lists from here */
	int dynamic;
	int ll;		 /* LL-DASH attributes (dynamic only) */
	int64_t base_ms; /* static: media time that Period@start 0 maps to */
};

/* Segments of r the MPD lists: from first_msn to the newest. */
static void listing(const struct mpd_ctx *c, const struct spate_rendition *r,
		    struct spate_mf_range *range)
{
	spate_mf_range_from(&r->timeline, c->first_msn, range);
}

/* The listed segments of r that belong to discontinuity sequence disc. */
static void period_run(const struct mpd_ctx *c, const struct spate_rendition *r,
		       uint32_t disc, struct spate_mf_range *run)
{
	struct spate_mf_range range;
	size_t i, end;

	listing(c, r, &range);
	end = range.first + range.count;
	for (i = range.first; i < end; i++)
		if (spate_timeline_segment(&r->timeline, i)->disc_seq == disc)
			break;
	run->first = i;
	while (i < end &&
	       spate_timeline_segment(&r->timeline, i)->disc_seq == disc)
		i++;
	run->count = i - run->first;
}

/* Smallest listed discontinuity sequence after `after` (or any); 0 if none. */
static int next_disc(const struct mpd_ctx *c, int have_after, uint32_t after,
		     uint32_t *disc)
{
	int found = 0;

	for (uint32_t ri = 0; ri < c->p->n_renditions; ri++) {
		const struct spate_rendition *r = c->p->renditions[ri];
		struct spate_mf_range range;

		listing(c, r, &range);
		for (size_t i = range.first; i < range.first + range.count;
		     i++) {
			uint32_t d = spate_timeline_segment(&r->timeline, i)
					     ->disc_seq;

			if (have_after && d <= after)
				continue;
			if (!found || d < *disc)
				*disc = d;
			found = 1;
			break; /* sequences only grow along the ring */
		}
	}
	return found;
}

/*
 * Period@start of a discontinuity sequence in media milliseconds: from the
 * caller's record, else 0 for the first sequence, else the earliest retained
 * segment of the sequence across renditions.
 */
static int64_t period_start_ms(const struct mpd_ctx *c, uint32_t disc)
{
	const struct spate_presentation *p = c->p;
	int64_t best = INT64_MAX;

	for (uint32_t i = 0; p->period_starts != NULL && i < p->n_period_starts;
	     i++)
		if (p->period_starts[i].disc_seq == disc)
			return p->period_starts[i].start_ms;
	for (uint32_t ri = 0; ri < p->n_renditions; ri++) {
		const struct spate_rendition *r = p->renditions[ri];

		for (size_t i = 0; i < r->timeline.seg_count; i++) {
			const struct spate_segment_rec *s =
				spate_timeline_segment(&r->timeline, i);
			int64_t ms;

			if (s->disc_seq != disc)
				continue;
			ms = spate_mf_ts_to_ms_floor(s->start,
						     r->track.timescale);
			if (ms < best)
				best = ms;
			break;
		}
	}
	if (disc == 0 && best >= 0)
		return 0;
	return best == INT64_MAX ? 0 : best;
}

/* Earliest listed media time of a sequence, for the static origin. */
static int64_t first_listed_ms(const struct mpd_ctx *c, uint32_t disc)
{
	int64_t best = INT64_MAX;

	for (uint32_t ri = 0; ri < c->p->n_renditions; ri++) {
		const struct spate_rendition *r = c->p->renditions[ri];
		struct spate_mf_range run;
		int64_t ms;

		period_run(c, r, disc, &run);
		if (run.count == 0)
			continue;
		ms = spate_mf_ts_to_ms_floor(
			spate_timeline_segment(&r->timeline, run.first)->start,
			r->track.timescale);
		if (ms < best)
			best = ms;
	}
	return best == INT64_MAX ? 0 : best;
}

/* Renditions one AdaptationSet can switch between seamlessly. */
static int same_set(const struct spate_rendition *a,
		    const struct spate_rendition *b)
{
	if (a->track.type != b->track.type || a->track.codec != b->track.codec)
		return 0;
	return a->track.type != SPATE_MEDIA_AUDIO ||
	       strncmp(a->track.language, b->track.language,
		       sizeof(a->track.language)) == 0;
}

static uint32_t set_leader(const struct spate_presentation *p, uint32_t i)
{
	for (uint32_t j = 0; j < i; j++)
		if (same_set(p->renditions[j], p->renditions[i]))
			return j;
	return i;
}

static void put_segment_timeline(const struct mpd_ctx *c,
				 const struct spate_timeline *tl,
				 const struct spate_mf_range *run)
{
	struct spate_buf *out = c->out;
	size_t i = run->first, end = run->first + run->count;
	int64_t expect = 0;

	spate_buf_put_str(out, "          <SegmentTimeline>\n");
	while (i < end) {
		const struct spate_segment_rec *s =
			spate_timeline_segment(tl, i);
		uint64_t repeat = 0;

		/* Run-length: equal durations back to back share one S. */
		while (i + 1 + repeat < end) {
			const struct spate_segment_rec *n =
				spate_timeline_segment(tl, i + 1 + repeat);

			if (n->duration != s->duration ||
			    n->start != s->start + (int64_t)((repeat + 1) *
							     s->duration))
				break;
			repeat++;
		}
		spate_buf_put_str(out, "            <S");
		if (i == run->first || s->start != expect)
			spate_buf_printf(out, " t=\"%" PRId64 "\"", s->start);
		spate_buf_printf(out, " d=\"%" PRIu64 "\"", s->duration);
		if (repeat > 0)
			spate_buf_printf(out, " r=\"%" PRIu64 "\"", repeat);
		spate_buf_put_str(out, "/>\n");
		expect = s->start + (int64_t)((repeat + 1) * s->duration);
		i += (size_t)repeat + 1;
	}
	spate_buf_put_str(out, "          </SegmentTimeline>\n");
}

static void put_representation(const struct mpd_ctx *c,
			       const struct spate_rendition *r,
			       const struct spate_mf_range *run,
			       int64_t period_ms, int with_prt)
{
	const struct spate_track_info *t = &r->track;
	const struct spate_segment_rec *newest = spate_timeline_segment(
		&r->timeline, run->first + run->count - 1);
	struct spate_buf *out = c->out;
	struct spate_mf_bitrate br;
	uint32_t fr_num, fr_den;
	int64_t pto = 0;

	if (period_ms > 0)
		pto = (int64_t)spate_mf_muldiv((uint64_t)period_ms,
					       t->timescale, 1000);
	spate_mf_bitrate(r, &br);
	spate_buf_printf(out,
			 "      <Representation id=\"%s\" bandwidth=\"%" PRIu64
			 "\"",
			 r->id, br.peak_bps);
	if (t->codec_string[0] != '\0') {
		spate_buf_put_str(out, " codecs=\"");
		spate_mf_put_xml_attr(out, t->codec_string,
				      sizeof(t->codec_string));
		spate_buf_put_str(out, "\"");
	}
	if (spate_media_is_video(t)) {
		if (t->width > 0 && t->height > 0)
			spate_buf_printf(out,
					 " width=\"%" PRIu32
					 "\" height=\"%" PRIu32 "\"",
					 t->width, t->height);
		if (spate_mf_frame_rate(t, &fr_num, &fr_den))
			spate_buf_printf(out,
					 fr_den == 1 ? " frameRate=\"%" PRIu32
						       "\""
						     : " frameRate=\"%" PRIu32
						       "/%" PRIu32 "\"",
					 fr_num, fr_den);
		spate_buf_printf(out, " sar=\"%" PRIu32 ":%" PRIu32 "\">\n",
				 t->sar_num && t->sar_den ? t->sar_num : 1,
				 t->sar_num && t->sar_den ? t->sar_den : 1);
	} else {
		if (t->sample_rate > 0)
			spate_buf_printf(out,
					 " audioSamplingRate=\"%" PRIu32 "\"",
					 t->sample_rate);
		spate_buf_put_str(out, ">\n");
		if (t->channels > 0) {
			/* CICP ChannelConfiguration: 1..6 map to themselves,
			 * 7.1 (8 channels) is 7; others keep the MPEG-DASH
			 * channel-count scheme. */
			uint32_t cicp = t->channels <= 6   ? t->channels
					: t->channels == 8 ? 7
							   : 0;

			if (cicp != 0)
				spate_buf_printf(
					out,
					"        <AudioChannelConfiguration "
					"schemeIdUri=\"urn:mpeg:mpegB:cicp:"
					"ChannelConfiguration\" value=\"%" PRIu32
					"\"/>\n",
					cicp);
			else
				spate_buf_printf(
					out,
					"        <AudioChannelConfiguration "
					"schemeIdUri=\"urn:mpeg:dash:23003:3:"
					"audio_channel_configuration:2011\" "
					"value=\"%" PRIu32 "\"/>\n",
					t->channels);
		}
	}
	if (with_prt) {
		/* Wall clock of media time pto is epoch + Period@start:
		 * deterministic, no clock read. */
		char iso[32];

		spate_manifest_iso8601(iso, c->p->epoch_ms + period_ms);
		spate_buf_printf(out,
				 "        <ProducerReferenceTime id=\"0\" "
				 "type=\"encoder\" wallClockTime=\"%s\" "
				 "presentationTime=\"%" PRId64 "\"/>\n",
				 iso, pto);
	}
	/* One init per Representation per Period: see the file header. */
	spate_buf_printf(out,
			 "        <SegmentTemplate timescale=\"%" PRIu32
			 "\" presentationTimeOffset=\"%" PRId64
			 "\" initialization=\"$RepresentationID$/init-%" PRIu32
			 ".mp4\" media=\"$RepresentationID$/seg-$Number$.m4s\" "
			 "startNumber=\"%" PRIu64 "\"",
			 t->timescale, pto, newest->init_version,
			 spate_timeline_segment(&r->timeline, run->first)->msn);
	if (c->ll && c->p->segment_ms > c->p->part_ms) {
		/* A segment can be requested once its first part exists. */
		spate_buf_put_str(out, " availabilityTimeOffset=\"");
		spate_mf_put_decimal_trim(out, c->p->segment_ms - c->p->part_ms,
					  1000, 3);
		spate_buf_put_str(out, "\" availabilityTimeComplete=\"false\"");
	}
	spate_buf_put_str(out, ">\n");
	put_segment_timeline(c, &r->timeline, run);
	spate_buf_put_str(out, "        </SegmentTemplate>\n"
			       "      </Representation>\n");
}

static void put_adaptation_set_open(const struct mpd_ctx *c, uint32_t set_id,
				    uint32_t leader)
{
	const struct spate_presentation *p = c->p;
	const struct spate_track_info *lt = &p->renditions[leader]->track;
	struct spate_buf *out = c->out;
	uint32_t max_w = 0, max_h = 0, fr_num = 0, fr_den = 1;

	spate_buf_printf(out, "    <AdaptationSet id=\"%" PRIu32 "\"", set_id);
	if (!spate_media_is_video(lt)) {
		spate_buf_put_str(out, " contentType=\"audio\"");
		if (spate_mf_has_language(lt)) {
			spate_buf_put_str(out, " lang=\"");
			spate_mf_put_xml_attr(out, lt->language,
					      sizeof(lt->language));
			spate_buf_put_str(out, "\"");
		}
		spate_buf_put_str(out, " mimeType=\"audio/mp4\" "
				       "segmentAlignment=\"true\" "
				       "startWithSAP=\"1\">\n");
		return;
	}
	for (uint32_t i = leader; i < p->n_renditions; i++) {
		const struct spate_track_info *t = &p->renditions[i]->track;
		uint32_t n, d;

		if (set_leader(p, i) != leader)
			continue;
		if (t->width > max_w)
			max_w = t->width;
		if (t->height > max_h)
			max_h = t->height;
		if (spate_mf_frame_rate(t, &n, &d) &&
		    (uint64_t)n * fr_den > (uint64_t)fr_num * d) {
			fr_num = n;
			fr_den = d;
		}
	}
	spate_buf_put_str(out, " contentType=\"video\" mimeType=\"video/mp4\" "
			       "segmentAlignment=\"true\" startWithSAP=\"1\"");
	if (max_w > 0 && max_h > 0)
		spate_buf_printf(out,
				 " maxWidth=\"%" PRIu32
				 "\" maxHeight=\"%" PRIu32 "\"",
				 max_w, max_h);
	if (fr_num > 0)
		spate_buf_printf(out,
				 fr_den == 1 ? " maxFrameRate=\"%" PRIu32 "\""
					     : " maxFrameRate=\"%" PRIu32
					       "/%" PRIu32 "\"",
				 fr_num, fr_den);
	spate_buf_put_str(out, ">\n");
}

/*
 * AdaptationSets in a fixed order (video sets, then audio sets, each by
 * first rendition) so their ids stay the same in every Period and update.
 */
static void put_adaptation_sets(const struct mpd_ctx *c, uint32_t disc,
				int64_t period_ms)
{
	const struct spate_presentation *p = c->p;
	uint32_t set_id = 0;
	int prt_done = !c->ll;

	for (int pass = 0; pass < 2; pass++) {
		enum spate_media_type type =
			pass == 0 ? SPATE_MEDIA_VIDEO : SPATE_MEDIA_AUDIO;

		for (uint32_t leader = 0; leader < p->n_renditions; leader++) {
			int opened = 0;

			if (p->renditions[leader]->track.type != type ||
			    set_leader(p, leader) != leader)
				continue;
			for (uint32_t i = leader; i < p->n_renditions; i++) {
				const struct spate_rendition *r =
					p->renditions[i];
				struct spate_mf_range run;

				if (set_leader(p, i) != leader)
					continue;
				period_run(c, r, disc, &run);
				if (run.count == 0)
					continue;
				if (!opened)
					put_adaptation_set_open(c, set_id,
								leader);
				opened = 1;
				put_representation(c, r, &run, period_ms,
						   !prt_done);
				prt_done = 1;
			}
			if (opened)
				spate_buf_put_str(c->out,
						  "    </AdaptationSet>\n");
			set_id++;
		}
	}
}

static uint64_t depth_ms(const struct spate_presentation *p)
{
	uint64_t d = p->window_ms > p->dvr_ms ? p->window_ms : p->dvr_ms;
	uint64_t floor_ms =
		(uint64_t)SPATE_MF_MIN_WINDOW_SEGMENTS * p->segment_ms;

	return d > floor_ms ? d : floor_ms;
}

static void put_mpd_open(const struct mpd_ctx *c, int64_t end_ms)
{
	const struct spate_presentation *p = c->p;
	struct spate_buf *out = c->out;
	int64_t max_seg_ms = 0;
	char iso[32];

	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];
		int64_t ms = spate_mf_ts_to_ms_ceil(
			(int64_t)r->timeline.max_seg_duration,
			r->track.timescale);

		if (ms > max_seg_ms)
			max_seg_ms = ms;
	}

	spate_buf_put_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
			       "profiles=\"" MPD_PROFILES "\"");
	if (c->dynamic) {
		uint64_t delay_ms =
			c->ll ? (uint64_t)MPD_LL_LATENCY_PARTS * p->part_ms +
					MPD_LL_LATENCY_MARGIN_MS
			      : (uint64_t)MPD_DELAY_SEGMENTS * p->segment_ms;

		spate_manifest_iso8601(iso, p->epoch_ms);
		spate_buf_printf(
			out, " type=\"dynamic\" availabilityStartTime=\"%s\"",
			iso);
		/* Derived from media time so that origins agree. */
		spate_manifest_iso8601(iso, p->epoch_ms + end_ms);
		spate_buf_printf(out, " publishTime=\"%s\"", iso);
		spate_buf_put_str(out, " minimumUpdatePeriod=\"");
		spate_mf_put_xs_duration_ms(out, p->segment_ms);
		spate_buf_put_str(out, "\" timeShiftBufferDepth=\"");
		spate_mf_put_xs_duration_ms(out, (int64_t)depth_ms(p));
		spate_buf_put_str(out, "\" suggestedPresentationDelay=\"");
		spate_mf_put_xs_duration_ms(out, (int64_t)delay_ms);
		spate_buf_put_str(out, "\"");
	} else {
		spate_buf_put_str(
			out, " type=\"static\" mediaPresentationDuration=\"");
		spate_mf_put_xs_duration_ms(out, end_ms - c->base_ms);
		spate_buf_put_str(out, "\"");
	}
	spate_buf_put_str(out, " maxSegmentDuration=\"");
	spate_mf_put_xs_duration_ms(out, max_seg_ms);
	spate_buf_put_str(out, "\" minBufferTime=\"");
	spate_mf_put_xs_duration_ms(out, p->segment_ms);
	spate_buf_put_str(out, "\">\n");

	if (c->ll) {
		spate_buf_printf(
			out,
			"  <ServiceDescription id=\"0\">\n"
			"    <Latency referenceId=\"0\" target=\"%" PRIu64
			"\"/>\n"
			"    <PlaybackRate min=\"0.96\" max=\"1.04\"/>\n"
			"  </ServiceDescription>\n",
			(uint64_t)MPD_LL_LATENCY_PARTS * p->part_ms +
				MPD_LL_LATENCY_MARGIN_MS);
	}
}

static void put_mpd_close(const struct mpd_ctx *c)
{
	const struct spate_presentation *p = c->p;
	struct spate_buf *out = c->out;

	/* Schema order: UTCTiming follows the Periods. */
	if (c->dynamic && p->utc_timing_scheme != NULL) {
		spate_buf_put_str(out, "  <UTCTiming schemeIdUri=\"");
		spate_mf_put_xml_attr(out, p->utc_timing_scheme, SIZE_MAX);
		spate_buf_put_str(out, "\" value=\"");
		if (p->utc_timing_value != NULL)
			spate_mf_put_xml_attr(out, p->utc_timing_value,
					      SIZE_MAX);
		spate_buf_put_str(out, "\"/>\n");
	}
	spate_buf_put_str(out, "</MPD>\n");
}

int spate_dash_write_mpd(struct spate_buf *out,
			 const struct spate_presentation *p)
{
	const struct spate_rendition *ref;
	struct spate_mf_range range;
	struct mpd_ctx c;
	int64_t end_ms = INT64_MIN;
	uint32_t disc;
	int rc, have;

	if (out == NULL)
		return -EINVAL;
	rc = spate_mf_check(p);
	if (rc < 0)
		return rc;
	ref = spate_mf_reference(p);
	if (ref == NULL)
		return -EAGAIN; /* no segment yet: nothing to describe */

	spate_mf_window(&ref->timeline, ref->track.timescale, depth_ms(p),
			SPATE_MF_MIN_WINDOW_SEGMENTS, &range);
	c.out = out;
	c.p = p;
	c.first_msn = spate_timeline_segment(&ref->timeline, range.first)->msn;
	c.dynamic = !p->ended;
	c.ll = c.dynamic && p->part_ms > 0;
	c.base_ms = 0;

	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];
		const struct spate_segment_rec *last =
			spate_timeline_last(&r->timeline);
		int64_t ms;

		if (last == NULL || last->msn < c.first_msn)
			continue;
		ms = spate_mf_ts_to_ms_floor(spate_mf_seg_end(last),
					     r->track.timescale);
		if (!c.dynamic)
			ms = spate_mf_ts_to_ms_ceil(spate_mf_seg_end(last),
						    r->track.timescale);
		if (ms > end_ms)
			end_ms = ms;
	}
	have = next_disc(&c, 0, 0, &disc);
	if (!c.dynamic && have)
		c.base_ms = first_listed_ms(&c, disc);

	put_mpd_open(&c, end_ms);
	while (have) {
		int64_t start_ms = period_start_ms(&c, disc);

		/* A static presentation starts where its first segment does. */
		if (!c.dynamic && start_ms < c.base_ms)
			start_ms = c.base_ms;
		spate_buf_printf(out, "  <Period id=\"p%" PRIu32 "\" start=\"",
				 disc);
		spate_mf_put_xs_duration_ms(out, start_ms - c.base_ms);
		spate_buf_put_str(out, "\">\n");
		put_adaptation_sets(&c, disc, start_ms);
		spate_buf_put_str(out, "  </Period>\n");
		have = next_disc(&c, 1, disc, &disc);
	}
	put_mpd_close(&c);
	return out->error;
}
