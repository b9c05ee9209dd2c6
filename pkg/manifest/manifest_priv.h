/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the HLS and DASH writers, private to pkg/manifest:
 * exact decimal printing from integer ratios (no floating point, so output
 * never depends on FPU mode or LC_NUMERIC), escaping of configured strings,
 * window selection over a timeline ring, target durations and bitrates.
 *
 * Nothing here allocates except through the output spate_buf.
 */
#ifndef SPATE_PKG_MANIFEST_PRIV_H
#define SPATE_PKG_MANIFEST_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

/* Bitrates used when a rendition has no finished segment and no bitrate. */
#define SPATE_MF_DEFAULT_VIDEO_BPS 3000000u
#define SPATE_MF_DEFAULT_AUDIO_BPS 128000u

/* Segments a live playlist keeps even when window_ms covers fewer. */
#define SPATE_MF_MIN_WINDOW_SEGMENTS 3

/* A run of ring positions [first, first + count) of one timeline. */
struct spate_mf_range {
	size_t first;
	size_t count;
};

struct spate_mf_bitrate {
	uint64_t peak_bps; /* largest segment: size * 8 / duration */
	uint64_t avg_bps;  /* all retained bytes over all retained time */
};

/* 0 when every rendition can be named and timed; -EINVAL otherwise. */
int spate_mf_check(const struct spate_presentation *p);

/* floor(a * b / c) and round-half-up(a * b / c), exact; c > 0. */
uint64_t spate_mf_muldiv(uint64_t a, uint64_t b, uint64_t c);
uint64_t spate_mf_muldiv_round(uint64_t a, uint64_t b, uint64_t c);

/* Media time in a track timescale to milliseconds. */
int64_t spate_mf_ts_to_ms_floor(int64_t t, uint32_t timescale);
int64_t spate_mf_ts_to_ms_ceil(int64_t t, uint32_t timescale);

static inline int64_t spate_mf_seg_end(const struct spate_segment_rec *s)
{
	return s->start + (int64_t)s->duration;
}

/*
 * num/den rounded half-up to `decimals` places, always printing them all
 * ("2.00000").  _trim drops trailing zeros and a bare point ("2", "2.5").
 */
void spate_mf_put_decimal(struct spate_buf *out, uint64_t num, uint64_t den,
			  unsigned decimals);
void spate_mf_put_decimal_trim(struct spate_buf *out, uint64_t num,
			       uint64_t den, unsigned decimals);

/* xs:duration of a non-negative number of milliseconds: "PT2S", "PT1.5S". */
void spate_mf_put_xs_duration_ms(struct spate_buf *out, int64_t ms);

/* Escapes & < > " ' for an XML attribute value. */
void spate_mf_put_xml_attr(struct spate_buf *out, const char *s, size_t max);

/*
 * Text for an HLS quoted-string, which cannot carry '"', CR or LF: those and
 * other control characters are dropped rather than breaking the playlist.
 */
void spate_mf_put_hls_quoted(struct spate_buf *out, const char *s, size_t max);

/* Language worth printing: set and not "und". */
int spate_mf_has_language(const struct spate_track_info *t);

/*
 * The segments a listing covers: those whose end lies less than window_ms
 * before the end of the newest segment, but at least min_segments of them
 * when the ring holds that many.
 */
void spate_mf_window(const struct spate_timeline *tl, uint32_t timescale,
		     uint64_t window_ms, size_t min_segments,
		     struct spate_mf_range *range);

/*
 * EXT-X-TARGETDURATION in whole seconds: every EXTINF rounded to the nearest
 * integer must not exceed it, every playlist of a channel must carry the
 * same one (RFC 8216 6.2.4), and it must not change while live.  So it is the
 * largest segment any rendition has ever finished (a value that only grows)
 * or the configured target, whichever is larger.
 */
uint32_t spate_mf_target_duration_s(const struct spate_presentation *p);

/* LL part target as num/den seconds: part_ms or the longest part seen. */
void spate_mf_part_target(const struct spate_presentation *p, uint64_t *num,
			  uint64_t *den);

/* First video rendition with a finished segment, else any; NULL if none. */
const struct spate_rendition *
spate_mf_reference(const struct spate_presentation *p);

/* Ring positions of tl from segment first_msn to the newest. */
void spate_mf_range_from(const struct spate_timeline *tl, uint64_t first_msn,
			 struct spate_mf_range *range);

/*
 * What rendition r lists for a window of at least three target durations:
 * the reference rendition picks the first msn so that every rendition lists
 * the same segment numbers (their own windows could differ by one where
 * audio cuts land a few ms after video ones).  0 when there is nothing.
 */
int spate_mf_listing(const struct spate_presentation *p,
		     const struct spate_rendition *r, uint64_t window_ms,
		     struct spate_mf_range *range);

/* Peak and average bitrate of the retained segments, or configured ones. */
void spate_mf_bitrate(const struct spate_rendition *r,
		      struct spate_mf_bitrate *br);

/* Reduced frame rate; 0 when unknown. */
int spate_mf_frame_rate(const struct spate_track_info *t, uint32_t *num,
			uint32_t *den);

#endif /* SPATE_PKG_MANIFEST_PRIV_H */
