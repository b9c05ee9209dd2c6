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

/*
 * Most samples one fragment may carry.  Keeps moof far below 4 GiB (a trun
 * entry is at most 16 bytes) so box sizes and data_offset stay 32-bit; a
 * real fragment holds tens to a few thousand samples.
 */
#define SPATE_MP4_FRAGMENT_MAX_SAMPLES (1u << 24)

/*
 * Appends the init segment for track *t.  0 or negative errno: -EINVAL for
 * track_id 0, timescale 0, a codec that does not match the media type, a
 * config record that is empty, too long or not in ISO BMFF form (avcC/hvcC
 * must start with 1, av1C with 0x81, dOps with 0), video width/height 0 or
 * above 65535, audio channels 0 or above 65535.  On any error nothing is
 * appended.
 */
int spate_mp4_write_init(struct spate_buf *out, const struct spate_track_info *t);

/*
 * Appends a styp box: major brand msdh, compatible msdh cmfs cmfc iso6.
 * Not msix: that brand promises a sidx in every segment, which we do not
 * write.  0 or negative errno.
 */
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
 *
 * Timing contract: fMP4 stores one decode time per fragment and durations
 * after it, so samples[0].dts must be >= 0 and every later
 * samples[i].dts must equal samples[i-1].dts + samples[i-1].duration;
 * anything else is -EINVAL rather than silently retimed.  cts may be
 * negative (trun v1 offsets are signed) and is written as given; no edit
 * list is written, so the first presented time is samples[0].dts +
 * samples[0].cts.  Also -EINVAL: n > SPATE_MP4_FRAGMENT_MAX_SAMPLES,
 * payload_len + 8 > UINT32_MAX (mdat uses the 32-bit size), a track that
 * is neither video nor audio, track_id 0.  On any error nothing is
 * appended, so a caller may drop the fragment and keep the segment.
 */
int spate_mp4_write_fragment(struct spate_buf *out,
			     const struct spate_track_info *t,
			     uint32_t sequence_number,
			     const struct spate_sample *samples, size_t n,
			     const uint8_t *payload, size_t payload_len);

/*
 * Same fragment as spate_mp4_write_fragment, but stops after the mdat box
 * header: the caller sends the `payload_len` sample bytes right after it
 * (gather I/O), so the packager never copies sample bytes into fragments.
 * Same checks and errors.
 */
int spate_mp4_write_fragment_header(struct spate_buf *out,
				    const struct spate_track_info *t,
				    uint32_t sequence_number,
				    const struct spate_sample *samples,
				    size_t n, size_t payload_len);

#endif /* SPATE_PKG_MP4_H */
