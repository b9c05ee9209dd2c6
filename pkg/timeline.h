/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_timeline: what one rendition has published, as the manifest writers
 * need to see it — a ring of finished segments (the live/DVR window) and a
 * ring of recent parts (LL-HLS lists parts only near the live edge).
 *
 * The ring sizes are fixed at init from the window and part durations, so a
 * running channel never allocates here.  Segment numbers (msn) are the same
 * across the renditions of a channel: segment k of every rendition covers the
 * same media time, which is what makes ABR switching and DASH $Number$ work.
 */
#ifndef SPATE_PKG_TIMELINE_H
#define SPATE_PKG_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct spate_part_rec {
	uint64_t msn;	     /* segment the part belongs to */
	uint32_t index;	     /* 0-based within that segment */
	uint32_t duration;   /* track timescale */
	uint32_t size_bytes; /* bytes of the part object (moof+mdat) */
	uint8_t independent; /* starts with a sync sample */
};

struct spate_segment_rec {
	uint64_t msn;	     /* media sequence number */
	int64_t start;	     /* tfdt of the first sample, track timescale */
	uint64_t duration;   /* track timescale */
	uint32_t size_bytes; /* bytes of the segment object (styp..last mdat) */
	uint32_t nparts;     /* parts it was published as; 0 when LL is off */
	uint32_t disc_seq;   /* discontinuity sequence it belongs to */
	uint32_t init_version; /* init-<v>.mp4 that decodes it */
	uint8_t discontinuity; /* first segment after a discontinuity */
};

struct spate_timeline {
	struct spate_segment_rec *segs; /* ring, oldest at seg_head */
	size_t seg_cap, seg_head, seg_count;
	struct spate_part_rec *parts; /* ring, oldest at part_head */
	size_t part_cap, part_head, part_count;
	uint64_t max_seg_duration;  /* largest finished segment, timescale */
	uint32_t max_part_duration; /* largest part, timescale */
	uint64_t segments_evicted;  /* counter: segments that fell off */
};

/* Allocates both rings; 0 or -ENOMEM.  part_cap may be 0 (LL off). */
int spate_timeline_init(struct spate_timeline *tl, size_t seg_cap,
			size_t part_cap);
void spate_timeline_free(struct spate_timeline *tl);

/*
 * Appends a finished segment.  When the ring is full the oldest record is
 * dropped and copied to *evicted (if non-NULL); returns 1 in that case,
 * 0 otherwise.  Parts of the evicted segment stay until the part ring wraps.
 */
int spate_timeline_add_segment(struct spate_timeline *tl,
			       const struct spate_segment_rec *seg,
			       struct spate_segment_rec *evicted);

/* Appends a part; the oldest part is dropped when the ring is full. */
void spate_timeline_add_part(struct spate_timeline *tl,
			     const struct spate_part_rec *part);

/* i-th finished segment counting from the oldest; NULL past the end. */
const struct spate_segment_rec *
spate_timeline_segment(const struct spate_timeline *tl, size_t i);

/* i-th retained part counting from the oldest; NULL past the end. */
const struct spate_part_rec *
spate_timeline_part(const struct spate_timeline *tl, size_t i);

/* Newest finished segment, or NULL when none. */
const struct spate_segment_rec *
spate_timeline_last(const struct spate_timeline *tl);

/* Finished segment with this msn, or NULL when absent or evicted. */
const struct spate_segment_rec *
spate_timeline_find(const struct spate_timeline *tl, uint64_t msn);

#endif /* SPATE_PKG_TIMELINE_H */
