/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CMAF (ISO/IEC 23000-19) fragmented-MP4 writer: one track per file.
 *
 * An init segment is ftyp + moov(mvhd, trak(tkhd, mdia(mdhd, hdlr,
 * minf(vmhd|smhd, dinf, stbl(stsd, empty stts/stsc/stsz/stco)))),
 * mvex(trex)).  A media segment is styp followed by one or more fragments
 * (moof(mfhd, traf(tfhd, tfdt, trun)) + mdat); each LL part is one fragment,
 * so a segment is its styp plus its parts' bytes, unchanged.
 *
 * Output is a pure function of the arguments: no clock, no randomness, so
 * identical input gives identical bytes on every origin.
 */
#ifndef SPATE_PKG_MP4_H
#define SPATE_PKG_MP4_H

#include <stddef.h>
#include <stdint.h>

#include "../buf.h"
#include "../media.h"

/* Appends the init segment for track *t.  0 or negative errno. */
int spate_mp4_write_init(struct spate_buf *out, const struct spate_track_info *t);

/* Appends a styp box (major brand msdh, compatible msdh msix cmfs cmfc iso6). */
int spate_mp4_write_styp(struct spate_buf *out);

/*
 * Appends one fragment: moof + mdat holding `n` samples whose payloads are
 * the contiguous `payload` (sum of samples[i].size == payload_len).
 * tfdt = samples[0].dts; trun (version 1, signed composition offsets) carries
 * per-sample duration, size, flags and offsets as needed; tfhd uses
 * default-base-is-moof.  Sample flags mark sync samples for video; every
 * audio sample is sync.  `sequence_number` goes into mfhd and must grow
 * along the track.  0 or negative errno (-EINVAL for n == 0 or a size
 * mismatch).
 */
int spate_mp4_write_fragment(struct spate_buf *out,
			     const struct spate_track_info *t,
			     uint32_t sequence_number,
			     const struct spate_sample *samples, size_t n,
			     const uint8_t *payload, size_t payload_len);

#endif /* SPATE_PKG_MP4_H */
