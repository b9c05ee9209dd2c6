/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Codec configuration and access-unit rewriting for the codecs spate
 * packages: H.264, HEVC, AV1, AAC, Opus.
 *
 * Demuxers hand us codec configuration in whichever form their container
 * uses: Annex B parameter sets (MPEG-TS), avcC/hvcC/av1C records (FLV, MP4),
 * an AudioSpecificConfig (FLV, MP4; TS carries ADTS headers instead), an
 * OpusHead (Ogg, MKV, TS).  These functions turn any of them into the
 * CMAF sample-entry form described in media.h, parsing SPS/VPS/sequence
 * headers ourselves for geometry and RFC 6381 codec strings.
 *
 * Every parser here faces bytes that came off the network: it validates
 * every length, never reads out of bounds, and answers bad input with
 * -EINVAL (malformed) or -ENOTSUP (valid but not supported).  Each has a
 * libFuzzer target in tests/fuzz/.
 */
#ifndef SPATE_PKG_CODEC_H
#define SPATE_PKG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "../buf.h"
#include "../media.h"

/*
 * Fills the codec-dependent fields of *t (config, config_len, codec_string,
 * width/height/sar for video, sample_rate/channels/frame_samples for audio)
 * from `extradata`.  t->type and t->codec must be set by the caller; other
 * fields the caller set (frame rate, bitrate, language) are kept.
 * Accepted forms:
 *   H264: avcC record, or Annex B stream holding SPS and PPS
 *   HEVC: hvcC record, or Annex B stream holding VPS, SPS and PPS
 *   AV1:  av1C record (4 bytes + optional config OBUs), or a raw sequence
 *         header OBU stream
 *   AAC:  AudioSpecificConfig, or an ADTS header (7 or 9 bytes)
 *   Opus: OpusHead (19+ bytes); writes the dOps body
 * Returns 0, -EINVAL on malformed input, -ENOTSUP for unsupported variants
 * (e.g. H.264 with separate colour planes), -EAGAIN when Annex B input
 * lacks a required parameter set.
 */
int spate_codec_configure(struct spate_track_info *t, const uint8_t *extradata,
			  size_t len);

/*
 * Converts one video access unit to its stored sample form, appending to
 * `out`:
 *   H264/HEVC: Annex B (start codes) or already length-prefixed input
 *              (`in_length_size` 1..4, 0 meaning Annex B) becomes NAL units
 *              with 4-byte big-endian lengths; access unit delimiters are
 *              dropped; parameter sets are kept in band (harmless, and they
 *              let a decoder join mid-stream).
 *   AV1:       temporal delimiter OBUs are dropped, the rest copied.
 *   audio:     ADTS headers are stripped from AAC; others copied.
 * *is_sync is set when the AU holds an IDR/IRAP picture (H264/HEVC), a key
 * frame sequence header (AV1), or always for audio.  Returns bytes appended,
 * or a negative errno on malformed input (out is left as it was).
 */
int spate_codec_sample_rewrite(const struct spate_track_info *t,
			       const uint8_t *in, size_t len,
			       unsigned in_length_size, struct spate_buf *out,
			       int *is_sync);

/*
 * Looks for in-band parameter sets in a stored-form (length-prefixed) AU
 * and, when they differ from t->config, writes the new configuration into
 * *next (a copy of *t updated via spate_codec_configure).  Returns 1 when
 * the configuration changed (the packager then starts a new init segment),
 * 0 when unchanged or the AU carries no parameter sets, negative on error.
 */
int spate_codec_detect_change(const struct spate_track_info *t,
			      const uint8_t *au, size_t len,
			      struct spate_track_info *next);

/* "H.264", "HEVC", ... for logs. */
const char *spate_codec_name(enum spate_codec_id codec);

#endif /* SPATE_PKG_CODEC_H */
