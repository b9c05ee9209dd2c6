/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the writers derive from the timelines rather than print: which
 * segments a window lists, the HLS target duration, and bitrates.  Also the
 * check every writer runs before it appends a byte, so a bad presentation
 * leaves the output buffer untouched.
 */
#include <errno.h>
#include <string.h>

#include "manifest_priv.h"

/*
 * Rendition ids become directory names, URI path segments and DASH
 * Representation@id (also substituted for $RepresentationID$), so only
 * characters that need no escaping anywhere are accepted.
 */
static int rendition_id_valid(const char *id)
{
	size_t n = strnlen(id, SPATE_RENDITION_ID_MAX);

	if (n == 0 || n == SPATE_RENDITION_ID_MAX || id[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

int spate_mf_check(const struct spate_presentation *p)
{
	if (p == NULL || p->n_renditions == 0 || p->renditions == NULL)
		return -EINVAL;
	/* Parts subdivide segments: a part target of a segment or more is a
	 * configuration error, not something to describe. */
	if (p->segment_ms == 0 ||
	    (p->part_ms > 0 && p->part_ms >= p->segment_ms))
		return -EINVAL;
	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];

		if (r == NULL || !rendition_id_valid(r->id) ||
		    r->track.timescale == 0)
			return -EINVAL;
		if (r->track.type != SPATE_MEDIA_VIDEO &&
		    r->track.type != SPATE_MEDIA_AUDIO)
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (strncmp(p->renditions[j]->id, r->id,
				    SPATE_RENDITION_ID_MAX) == 0)
				return -EINVAL;
	}
	return 0;
}

void spate_mf_window(const struct spate_timeline *tl, uint32_t timescale,
		     uint64_t window_ms, size_t min_segments,
		     struct spate_mf_range *range)
{
	size_t n = tl->seg_count, first;
	int64_t edge, window_ts;

	range->first = 0;
	range->count = 0;
	if (n == 0)
		return;
	edge = spate_mf_seg_end(spate_timeline_last(tl));
	window_ts = (int64_t)spate_mf_muldiv(window_ms, timescale, 1000);
	first = n - 1;
	while (first > 0) {
		const struct spate_segment_rec *s =
			spate_timeline_segment(tl, first - 1);

		if (edge - spate_mf_seg_end(s) >= window_ts)
			break;
		first--;
	}
	if (n - first < min_segments)
		first = n > min_segments ? n - min_segments : 0;
	range->first = first;
	range->count = n - first;
}

uint32_t spate_mf_target_duration_s(const struct spate_presentation *p)
{
	uint64_t td = spate_mf_muldiv_round(p->segment_ms, 1, 1000);

	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];
		uint64_t s = spate_mf_muldiv_round(r->timeline.max_seg_duration,
						   1, r->track.timescale);

		if (s > td)
			td = s;
	}
	if (td == 0)
		td = 1;
	return td > UINT32_MAX ? UINT32_MAX : (uint32_t)td;
}

void spate_mf_part_target(const struct spate_presentation *p, uint64_t *num,
			  uint64_t *den)
{
	*num = p->part_ms;
	*den = 1000;
	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];
		uint64_t d = r->timeline.max_part_duration;

		/* d / timescale > num / den, cross-multiplied. */
		if ((unsigned __int128)d * *den >
		    (unsigned __int128)*num * r->track.timescale) {
			*num = d;
			*den = r->track.timescale;
		}
	}
}

const struct spate_rendition *
spate_mf_reference(const struct spate_presentation *p)
{
	const struct spate_rendition *any = NULL;

	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];

		if (r->timeline.seg_count == 0)
			continue;
		if (spate_media_is_video(&r->track))
			return r;
		if (any == NULL)
			any = r;
	}
	return any;
}

void spate_mf_range_from(const struct spate_timeline *tl, uint64_t first_msn,
			 struct spate_mf_range *range)
{
	const struct spate_segment_rec *oldest = spate_timeline_segment(tl, 0);
	uint64_t skip;

	range->first = 0;
	range->count = 0;
	if (oldest == NULL)
		return;
	skip = first_msn > oldest->msn ? first_msn - oldest->msn : 0;
	if (skip >= tl->seg_count)
		return;
	range->first = (size_t)skip;
	range->count = tl->seg_count - (size_t)skip;
}

int spate_mf_listing(const struct spate_presentation *p,
		     const struct spate_rendition *r, uint64_t window_ms,
		     struct spate_mf_range *range)
{
	const struct spate_rendition *ref = spate_mf_reference(p);
	struct spate_mf_range ref_range;
	uint64_t first_msn, min_ms;

	range->first = 0;
	range->count = 0;
	if (ref == NULL)
		return 0;
	/*
	 * RFC 8216 6.2.2: a live playlist must last at least three target
	 * durations.  A window of W lists at least W whenever the ring reaches
	 * back that far, so widening W is enough.
	 */
	min_ms = 3000 * (uint64_t)spate_mf_target_duration_s(p);
	if (window_ms < min_ms)
		window_ms = min_ms;
	spate_mf_window(&ref->timeline, ref->track.timescale, window_ms,
			SPATE_MF_MIN_WINDOW_SEGMENTS, &ref_range);
	first_msn =
		spate_timeline_segment(&ref->timeline, ref_range.first)->msn;
	spate_mf_range_from(&r->timeline, first_msn, range);
	/* A rendition that fell behind the reference keeps its own window. */
	if (range->count == 0)
		spate_mf_window(&r->timeline, r->track.timescale, window_ms,
				SPATE_MF_MIN_WINDOW_SEGMENTS, range);
	return range->count > 0;
}

void spate_mf_bitrate(const struct spate_rendition *r,
		      struct spate_mf_bitrate *br)
{
	const struct spate_timeline *tl = &r->timeline;
	uint64_t ts = r->track.timescale, bytes = 0, dur = 0, fallback;

	br->peak_bps = 0;
	br->avg_bps = 0;
	for (size_t i = 0; i < tl->seg_count; i++) {
		const struct spate_segment_rec *s =
			spate_timeline_segment(tl, i);
		uint64_t bps;

		if (s->duration == 0)
			continue;
		/* Round up: BANDWIDTH is an upper bound. */
		bps = spate_mf_muldiv((uint64_t)s->size_bytes * 8, ts,
				      s->duration);
		if (spate_mf_muldiv(bps, s->duration, ts) <
		    (uint64_t)s->size_bytes * 8)
			bps++;
		if (bps > br->peak_bps)
			br->peak_bps = bps;
		bytes += s->size_bytes;
		dur += s->duration;
	}
	if (dur > 0) {
		br->avg_bps = spate_mf_muldiv_round(bytes * 8, ts, dur);
		return;
	}
	fallback = spate_media_is_video(&r->track) ? SPATE_MF_DEFAULT_VIDEO_BPS
						   : SPATE_MF_DEFAULT_AUDIO_BPS;
	br->peak_bps = r->track.max_bitrate_bps	  ? r->track.max_bitrate_bps
		       : r->track.avg_bitrate_bps ? r->track.avg_bitrate_bps
						  : fallback;
	br->avg_bps = r->track.avg_bitrate_bps ? r->track.avg_bitrate_bps
					       : br->peak_bps;
	if (br->avg_bps > br->peak_bps)
		br->avg_bps = br->peak_bps;
}
