/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-capacity rings of segment and part records.  Owns no media bytes:
 * objects themselves live in the output (files or the dataplane cache).
 */
#include "timeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int spate_timeline_init(struct spate_timeline *tl, size_t seg_cap,
			size_t part_cap)
{
	memset(tl, 0, sizeof(*tl));
	if (seg_cap == 0)
		return -EINVAL;
	tl->segs = calloc(seg_cap, sizeof(*tl->segs));
	if (tl->segs == NULL)
		return -ENOMEM;
	if (part_cap > 0) {
		tl->parts = calloc(part_cap, sizeof(*tl->parts));
		if (tl->parts == NULL) {
			free(tl->segs);
			tl->segs = NULL;
			return -ENOMEM;
		}
	}
	tl->seg_cap = seg_cap;
	tl->part_cap = part_cap;
	return 0;
}

void spate_timeline_free(struct spate_timeline *tl)
{
	free(tl->segs);
	free(tl->parts);
	memset(tl, 0, sizeof(*tl));
}

int spate_timeline_add_segment(struct spate_timeline *tl,
			       const struct spate_segment_rec *seg,
			       struct spate_segment_rec *evicted)
{
	int dropped = 0;

	if (tl->seg_count == tl->seg_cap) {
		if (evicted != NULL)
			*evicted = tl->segs[tl->seg_head];
		tl->seg_head = (tl->seg_head + 1) % tl->seg_cap;
		tl->seg_count--;
		tl->segments_evicted++;
		dropped = 1;
	}
	tl->segs[(tl->seg_head + tl->seg_count) % tl->seg_cap] = *seg;
	tl->seg_count++;
	if (seg->duration > tl->max_seg_duration)
		tl->max_seg_duration = seg->duration;
	return dropped;
}

void spate_timeline_add_part(struct spate_timeline *tl,
			     const struct spate_part_rec *part)
{
	if (tl->part_cap == 0)
		return;
	if (tl->part_count == tl->part_cap) {
		tl->part_head = (tl->part_head + 1) % tl->part_cap;
		tl->part_count--;
	}
	tl->parts[(tl->part_head + tl->part_count) % tl->part_cap] = *part;
	tl->part_count++;
	if (part->duration > tl->max_part_duration)
		tl->max_part_duration = part->duration;
}

const struct spate_segment_rec *
spate_timeline_segment(const struct spate_timeline *tl, size_t i)
{
	if (i >= tl->seg_count)
		return NULL;
	return &tl->segs[(tl->seg_head + i) % tl->seg_cap];
}

const struct spate_part_rec *
spate_timeline_part(const struct spate_timeline *tl, size_t i)
{
	if (i >= tl->part_count)
		return NULL;
	return &tl->parts[(tl->part_head + i) % tl->part_cap];
}

const struct spate_segment_rec *
spate_timeline_last(const struct spate_timeline *tl)
{
	if (tl->seg_count == 0)
		return NULL;
	return spate_timeline_segment(tl, tl->seg_count - 1);
}

const struct spate_segment_rec *
spate_timeline_find(const struct spate_timeline *tl, uint64_t msn)
{
	const struct spate_segment_rec *first = spate_timeline_segment(tl, 0);

	/* msn values are contiguous inside the ring, so index directly. */
	if (first == NULL || msn < first->msn ||
	    msn - first->msn >= tl->seg_count)
		return NULL;
	return spate_timeline_segment(tl, (size_t)(msn - first->msn));
}
