/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HLS media playlists (<rid>/index.m3u8, <rid>/dvr.m3u8), with the LL-HLS
 * additions when part_ms > 0: EXT-X-PART for segments near the live edge and
 * for the segment in progress, a preload hint for the next part, rendition
 * reports, and Playlist Delta Updates (EXT-X-SKIP) on request.
 *
 * The playlist is a function of the rendition's timeline and the channel
 * settings only.  Blocking reloads (_HLS_msn/_HLS_part) are the HTTP layer's
 * job: it waits until the rendition has published what the client asked for
 * and then calls this writer; CAN-BLOCK-RELOAD=YES promises that it does.
 */
#include <errno.h>
#include <inttypes.h>

#include "manifest_priv.h"

/* RFC 8216bis: the Skip Boundary is at least six target durations. */
#define HLS_SKIP_TARGET_DURATIONS 6
/* RFC 8216bis: parts are listed for the last three target durations. */
#define HLS_PART_TARGET_DURATIONS 3
/* RFC 8216bis: PART-HOLD-BACK at least 2, and recommended 3, part targets. */
#define HLS_PART_HOLD_BACK_PARTS 3

struct media_ctx {
	struct spate_buf *out;
	const struct spate_presentation *p;
	const struct spate_rendition *r;
	const struct spate_timeline *tl;
	uint32_t timescale;
	uint32_t target_s; /* EXT-X-TARGETDURATION */
	int64_t edge;	   /* end of the newest finished segment */
	int live_ll;	   /* list parts, hint and reports */
};

static void put_pdt(const struct media_ctx *c, int64_t start)
{
	char iso[32];

	spate_manifest_iso8601(
		iso,
		c->p->epoch_ms + spate_mf_ts_to_ms_floor(start, c->timescale));
	spate_buf_printf(c->out, "#EXT-X-PROGRAM-DATE-TIME:%s\n", iso);
}

static void put_map(const struct media_ctx *c, uint32_t init_version)
{
	spate_buf_printf(c->out, "#EXT-X-MAP:URI=\"init-%" PRIu32 ".mp4\"\n",
			 init_version);
}

/*
 * Ring position of part 0 of segment msn when parts 0..nparts-1 are all
 * still in the ring, in order; -1 otherwise.  A segment is listed with all
 * of its parts or with none: a client fills the parent segment from them.
 */
static long parts_complete(const struct spate_timeline *tl, uint64_t msn,
			   uint32_t nparts)
{
	if (nparts == 0)
		return -1;
	for (size_t i = 0; i < tl->part_count; i++) {
		const struct spate_part_rec *pr = spate_timeline_part(tl, i);

		if (pr->msn != msn)
			continue;
		if (pr->index != 0 || tl->part_count - i < nparts)
			return -1;
		for (uint32_t k = 1; k < nparts; k++) {
			pr = spate_timeline_part(tl, i + k);
			if (pr->msn != msn || pr->index != k)
				return -1;
		}
		return (long)i;
	}
	return -1;
}

static void put_parts(const struct media_ctx *c, long first, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		const struct spate_part_rec *pr =
			spate_timeline_part(c->tl, (size_t)first + k);

		spate_buf_put_str(c->out, "#EXT-X-PART:DURATION=");
		spate_mf_put_decimal(c->out, pr->duration, c->timescale, 5);
		spate_buf_printf(c->out,
				 ",URI=\"seg-%" PRIu64 ".%" PRIu32 ".m4s\"%s\n",
				 pr->msn, pr->index,
				 pr->independent ? ",INDEPENDENT=YES" : "");
	}
}

/* Parts of a finished segment: only near the live edge. */
static void put_segment_parts(const struct media_ctx *c,
			      const struct spate_segment_rec *s)
{
	int64_t horizon =
		(int64_t)HLS_PART_TARGET_DURATIONS * c->target_s * c->timescale;
	long first;

	if (c->edge - spate_mf_seg_end(s) > horizon)
		return;
	first = parts_complete(c->tl, s->msn, s->nparts);
	if (first >= 0)
		put_parts(c, first, s->nparts);
}

static void put_header(const struct media_ctx *c,
		       const struct spate_segment_rec *first)
{
	const struct spate_presentation *p = c->p;

	spate_buf_printf(c->out,
			 "#EXTM3U\n#EXT-X-VERSION:%d\n"
			 "#EXT-X-INDEPENDENT-SEGMENTS\n"
			 "#EXT-X-TARGETDURATION:%" PRIu32 "\n",
			 p->part_ms > 0 ? 9 : 7, c->target_s);
	if (p->part_ms > 0) {
		/* PART-TARGET covers the longest part ever published. */
		uint64_t num, den;

		spate_mf_part_target(p, &num, &den);
		spate_buf_put_str(c->out,
				  "#EXT-X-SERVER-CONTROL:"
				  "CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=");
		spate_mf_put_decimal_trim(
			c->out, HLS_PART_HOLD_BACK_PARTS * num, den, 5);
		spate_buf_printf(c->out, ",CAN-SKIP-UNTIL=%" PRIu64 ".0\n",
				 (uint64_t)HLS_SKIP_TARGET_DURATIONS *
					 c->target_s);
		spate_buf_put_str(c->out, "#EXT-X-PART-INF:PART-TARGET=");
		spate_mf_put_decimal_trim(c->out, num, den, 5);
		spate_buf_put_str(c->out, "\n");
	}
	/*
	 * A discontinuity tag before the first listed segment would count
	 * twice (the sequence number already includes it), so it is never
	 * written there and the header carries that segment's sequence.
	 */
	spate_buf_printf(c->out,
			 "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n"
			 "#EXT-X-DISCONTINUITY-SEQUENCE:%" PRIu32 "\n",
			 first->msn, first->disc_seq);
}

/*
 * Leading listed segments a delta update replaces with EXT-X-SKIP: those
 * ending more than the Skip Boundary (CAN-SKIP-UNTIL) before the end of the
 * playlist.  Counting by segment end skips the fewest segments the rule
 * allows, which is always safe for the client's merge.
 */
static size_t skip_count(const struct media_ctx *c,
			 const struct spate_mf_range *range)
{
	int64_t boundary =
		(int64_t)HLS_SKIP_TARGET_DURATIONS * c->target_s * c->timescale;
	size_t n = 0;

	while (n + 1 < range->count) {
		const struct spate_segment_rec *s =
			spate_timeline_segment(c->tl, range->first + n);

		if (c->edge - spate_mf_seg_end(s) <= boundary)
			break;
		n++;
	}
	return n;
}

static int starts_discontinuity(const struct spate_segment_rec *prev,
				const struct spate_segment_rec *s)
{
	return prev != NULL &&
	       (s->discontinuity || s->disc_seq != prev->disc_seq);
}

static void put_segments(const struct media_ctx *c,
			 const struct spate_mf_range *range, size_t n_skip)
{
	for (size_t i = range->first + n_skip; i < range->first + range->count;
	     i++) {
		const struct spate_segment_rec *s =
			spate_timeline_segment(c->tl, i);
		const struct spate_segment_rec *prev =
			i > range->first ? spate_timeline_segment(c->tl, i - 1)
					 : NULL;
		int first_out = i == range->first + n_skip;
		int disc = starts_discontinuity(prev, s);

		if (disc)
			spate_buf_put_str(c->out, "#EXT-X-DISCONTINUITY\n");
		/*
		 * After an EXT-X-SKIP the map in force was stated in the
		 * skipped part; it is restated so the delta update decodes
		 * on its own (a MAP applies to all later segments, so this
		 * changes nothing for a client that merged the skip).
		 */
		if (first_out || disc || s->init_version != prev->init_version)
			put_map(c, s->init_version);
		if (first_out || disc)
			put_pdt(c, s->start);
		if (c->live_ll)
			put_segment_parts(c, s);
		spate_buf_put_str(c->out, "#EXTINF:");
		spate_mf_put_decimal(c->out, s->duration, c->timescale, 5);
		spate_buf_printf(c->out, ",\nseg-%" PRIu64 ".m4s\n", s->msn);
	}
}

/* Parts of the segment in progress, then the hint for the next part. */
static void put_open_segment(const struct media_ctx *c,
			     const struct spate_segment_rec *last)
{
	const struct spate_rendition *r = c->r;
	long first;

	/* A stale next_msn would point clients at an old segment. */
	if (r->next_msn <= last->msn)
		return;
	first = parts_complete(c->tl, r->next_msn, r->open_parts);
	if (first >= 0) {
		if (r->open_discontinuity)
			spate_buf_put_str(c->out, "#EXT-X-DISCONTINUITY\n");
		if (r->open_discontinuity ||
		    r->init_version != last->init_version)
			put_map(c, r->init_version);
		if (r->open_discontinuity)
			put_pdt(c, r->open_start);
		put_parts(c, first, r->open_parts);
	}
	spate_buf_printf(c->out,
			 "#EXT-X-PRELOAD-HINT:TYPE=PART,"
			 "URI=\"seg-%" PRIu64 ".%" PRIu32 ".m4s\"\n",
			 r->next_msn, r->open_parts);
}

/*
 * LAST-MSN/LAST-PART name the last part the other rendition published, so
 * a client switching to it can issue a blocking request for the next one.
 */
static void put_rendition_reports(const struct media_ctx *c,
				  enum spate_hls_window window)
{
	const char *name = window == SPATE_HLS_DVR ? "dvr.m3u8" : "index.m3u8";

	for (uint32_t i = 0; i < c->p->n_renditions; i++) {
		const struct spate_rendition *o = c->p->renditions[i];
		const struct spate_segment_rec *olast =
			spate_timeline_last(&o->timeline);

		if (o == c->r)
			continue;
		if (o->open_parts > 0) {
			spate_buf_printf(
				c->out,
				"#EXT-X-RENDITION-REPORT:URI=\"../%s/%s\""
				",LAST-MSN=%" PRIu64 ",LAST-PART=%" PRIu32 "\n",
				o->id, name, o->next_msn, o->open_parts - 1);
		} else if (olast != NULL && olast->nparts > 0) {
			spate_buf_printf(
				c->out,
				"#EXT-X-RENDITION-REPORT:URI=\"../%s/%s\""
				",LAST-MSN=%" PRIu64 ",LAST-PART=%" PRIu32 "\n",
				o->id, name, olast->msn, olast->nparts - 1);
		} else if (olast != NULL) {
			spate_buf_printf(
				c->out,
				"#EXT-X-RENDITION-REPORT:URI=\"../%s/%s\""
				",LAST-MSN=%" PRIu64 "\n",
				o->id, name, olast->msn);
		}
	}
}

int spate_hls_write_media(struct spate_buf *out,
			  const struct spate_presentation *p, uint32_t ri,
			  const struct spate_hls_media_opts *opts)
{
	enum spate_hls_window window =
		opts != NULL ? opts->window : SPATE_HLS_LIVE;
	struct spate_mf_range range;
	struct media_ctx c;
	size_t n_skip = 0;
	int rc;

	if (out == NULL)
		return -EINVAL;
	rc = spate_mf_check(p);
	if (rc < 0)
		return rc;
	if (ri >= p->n_renditions)
		return -EINVAL;
	if (window == SPATE_HLS_DVR && p->dvr_ms == 0)
		return -ENOENT;

	c.out = out;
	c.p = p;
	c.r = p->renditions[ri];
	c.tl = &c.r->timeline;
	c.timescale = c.r->track.timescale;
	/* Nothing finished yet: the caller answers 404 and clients retry. */
	if (!spate_mf_listing(
		    p, c.r, window == SPATE_HLS_DVR ? p->dvr_ms : p->window_ms,
		    &range))
		return -EAGAIN;
	c.target_s = spate_mf_target_duration_s(p);
	c.edge = spate_mf_seg_end(spate_timeline_last(c.tl));
	c.live_ll = p->part_ms > 0 && !p->ended;

	if (c.live_ll && opts != NULL && opts->skip)
		n_skip = skip_count(&c, &range);

	put_header(&c, spate_timeline_segment(c.tl, range.first));
	if (n_skip > 0)
		spate_buf_printf(out, "#EXT-X-SKIP:SKIPPED-SEGMENTS=%zu\n",
				 n_skip);
	put_segments(&c, &range, n_skip);
	if (c.live_ll) {
		put_open_segment(&c, spate_timeline_last(c.tl));
		put_rendition_reports(&c, window);
	}
	if (p->ended)
		spate_buf_put_str(out, "#EXT-X-ENDLIST\n");
	return out->error;
}
