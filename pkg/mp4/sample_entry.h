/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stsd sample entry of a track (private to pkg/mp4): avc1+avcC,
 * hvc1+hvcC, av01+av1C, mp4a+esds, Opus+dOps.  Kept apart from init.c
 * because it is the one part of the init segment that encryption changes:
 * cenc/cbcs will write the same entry under encv/enca with a sinf(frma,
 * schm, schi(tenc)) child, and the rest of moov stays as it is.
 */
#ifndef SPATE_PKG_MP4_SAMPLE_ENTRY_H
#define SPATE_PKG_MP4_SAMPLE_ENTRY_H

#include "../buf.h"
#include "../media.h"

/*
 * 0 when *t describes a codec, geometry and configuration that a sample
 * entry can be written for; -EINVAL otherwise (unknown or mismatched codec,
 * empty or oversized config, zero or > 16-bit width/height/channels).
 */
int mp4_sample_entry_check(const struct spate_track_info *t);

/* Appends the sample entry of a track that passed mp4_sample_entry_check(). */
void mp4_put_sample_entry(struct spate_buf *b,
			  const struct spate_track_info *t);

#endif /* SPATE_PKG_MP4_SAMPLE_ENTRY_H */
