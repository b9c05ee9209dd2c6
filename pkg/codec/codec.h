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
 *   AV1:  av1C record (4 bytes + configOBUs holding the sequence header),
 *         or a low-overhead OBU stream holding a sequence header OBU (a
 *         keyframe temporal unit will do)
 *   AAC:  AudioSpecificConfig, or an ADTS header (7 or 9 bytes)
 *   Opus: OpusHead (19+ bytes); writes the dOps body
 * Annex B input may be a whole access unit: parameter sets are picked out
 * and everything else is ignored, so a track whose container carried no
 * extradata can be configured from its first keyframe.
 *
 * Records are always rebuilt, never copied: avcC/hvcC/av1C come out of one
 * builder per codec whatever form came in, so the same stream ingested over
 * different protocols gets the same init segment.  Consequences:
 *   - avcC/hvcC declare 4-byte NAL lengths (what sample_rewrite emits); the
 *     caller keeps the demuxer's original length size (avcC byte 4, hvcC
 *     byte 21, low 2 bits, plus one) for spate_codec_sample_rewrite();
 *   - hvcC carries VPS/SPS/PPS arrays with array_completeness = 1 (sample
 *     entry 'hvc1') and no SEI arrays;
 *   - av1C carries the sequence header and static HDR metadata OBUs only.
 * Audio: Opus tracks run at 48000 Hz with 960-sample frames whatever the
 * encoder input rate; AAC with explicit SBR signalling (object type 5/29,
 * or the 0x2b7 extension) runs at the SBR output rate, with 2048-sample
 * frames when that rate is twice the core rate.
 * timescale is set (90000 video, sample_rate audio) only when the caller
 * left it 0; frame_rate_num/den likewise come from VUI/timing info only
 * when left 0.  On failure *t is left exactly as it was.
 *
 * Returns 0, -EINVAL on malformed input, -ENOTSUP for unsupported variants
 * (e.g. H.264 with separate colour planes, AAC object types other than
 * Main/LC/SSR/LTP/Scalable/TwinVQ, ADTS without a channel configuration),
 * -EAGAIN when the input lacks a required parameter set (Annex B without
 * SPS/PPS, an av1C without its sequence header OBU, ...).
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
 * *is_sync is set when the AU holds an IDR/IRAP picture (H264/HEVC: NAL
 * types 16..23, so CRA and BLA count), a sequence header followed by a
 * shown key frame (AV1), or always for audio.  Returns bytes appended (0
 * when nothing was left to store, e.g. an AU holding only an AUD), or a
 * negative errno on malformed input, with out->len restored and *is_sync
 * untouched.  An AAC packet holding several ADTS frames, or one frame with
 * several raw data blocks, is -ENOTSUP: one call makes one sample.
 */
int spate_codec_sample_rewrite(const struct spate_track_info *t,
			       const uint8_t *in, size_t len,
			       unsigned in_length_size, struct spate_buf *out,
			       int *is_sync);

/*
 * Looks for in-band parameter sets in a stored-form AU (as produced by
 * spate_codec_sample_rewrite: 4-byte NAL lengths, or AV1 OBUs) and, when
 * they differ from t->config, writes the new configuration into *next (a
 * copy of *t with a rebuilt record).  "Differ" means a parameter set that
 * is not byte-identical to one in the record; kinds the AU does not carry
 * (e.g. an AU with only a new PPS) are kept from t->config.  Returns 1 when
 * the configuration changed (the packager then starts a new init segment),
 * 0 when unchanged, when the AU carries no parameter sets, or for audio;
 * negative on error.  *next is written only when 1 is returned.
 */
int spate_codec_detect_change(const struct spate_track_info *t,
			      const uint8_t *au, size_t len,
			      struct spate_track_info *next);

/*
 * Removes VPS/SPS/PPS NAL units from a stored-form (4-byte length-prefixed)
 * HEVC access unit, in place, and returns its new length.  The hvc1 sample
 * entry with array_completeness=1 (what Apple requires for HLS) promises
 * that every parameter set lives in hvcC and none in the samples, so once
 * spate_codec_detect_change has looked at an AU its parameter sets go.
 * Other codecs keep theirs (avc1 and av01 allow them in band): returns len.
 */
size_t spate_codec_strip_parameter_sets(const struct spate_track_info *t,
					uint8_t *au, size_t len);

/* "H.264", "HEVC", ... for logs. */
const char *spate_codec_name(enum spate_codec_id codec);

#endif /* SPATE_PKG_CODEC_H */
