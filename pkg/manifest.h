/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Manifest writers: HLS multivariant and media playlists (with LL-HLS parts,
 * preload hints, rendition reports and delta updates) and the DASH MPD
 * (dynamic while live, static once the input ended).
 *
 * The writers are pure functions of a spate_presentation: they read the
 * renditions' timelines and the channel settings and append text to a
 * spate_buf.  They never read the wall clock — every time they print comes
 * from media time plus presentation->epoch_ms — so redundant origins fed the
 * same input write byte-identical manifests.
 *
 * Object names, relative to the channel root (the directory holding
 * index.m3u8 and manifest.mpd):
 *   index.m3u8                 multivariant playlist, live window
 *   dvr.m3u8                   multivariant playlist, DVR window (dvr_ms > 0)
 *   manifest.mpd               DASH MPD
 *   <rid>/index.m3u8           media playlist, live window
 *   <rid>/dvr.m3u8             media playlist, DVR window
 *   <rid>/init-<v>.mp4         init segment version v
 *   <rid>/seg-<msn>.m4s        media segment
 *   <rid>/seg-<msn>.<i>.m4s    LL part i of segment msn
 * where <rid> is spate_rendition.id ("v0", "v1", "a0" ...).
 */
#ifndef SPATE_PKG_MANIFEST_H
#define SPATE_PKG_MANIFEST_H

#include <stdint.h>

#include "buf.h"
#include "media.h"
#include "timeline.h"

#define SPATE_RENDITION_ID_MAX 16

struct spate_rendition {
	char id[SPATE_RENDITION_ID_MAX]; /* directory and DASH Representation id */
	struct spate_track_info track;
	struct spate_timeline timeline;
	uint32_t init_version; /* init-<v>.mp4 of the segment in progress */
	/* The segment in progress (LL): its number, and parts already out. */
	uint64_t next_msn;
	uint32_t open_parts;
	/* First sample time of the segment in progress, track timescale. */
	int64_t open_start;
	/*
	 * The segment in progress starts a new discontinuity sequence: its
	 * LL parts must follow an EXT-X-DISCONTINUITY before it is finished.
	 */
	uint8_t open_discontinuity;
};

/*
 * Where a discontinuity sequence began.  DASH opens a Period per
 * discontinuity sequence, and Period@start must not move between MPD
 * updates, yet the first segment of the oldest listed Period leaves the ring
 * while later ones are still listed.  The caller remembers the starts.
 */
struct spate_period_start {
	uint32_t disc_seq;
	int64_t start_ms; /* media time, ms: <= first sample of every track */
};

struct spate_presentation {
	struct spate_rendition *const *renditions;
	uint32_t n_renditions;
	uint32_t segment_ms; /* target segment duration */
	uint32_t part_ms;    /* LL part target; 0 = low latency off */
	uint32_t window_ms;  /* live playlist window */
	uint32_t dvr_ms;     /* DVR window; 0 = none */
	int64_t epoch_ms;    /* wall-clock (Unix ms) of media time 0 */
	int ended;	     /* input finished: ENDLIST, static MPD */
	/* DASH UTCTiming: scheme and value; NULL scheme omits the element. */
	const char *utc_timing_scheme;
	const char *utc_timing_value;
	/*
	 * Optional, any order: starts of the discontinuity sequences that are
	 * still listed.  Without an entry the DASH writer uses 0 for
	 * sequence 0, else the earliest retained segment of the sequence
	 * (which moves once that segment is evicted).
	 */
	const struct spate_period_start *period_starts;
	uint32_t n_period_starts;
};

/* Which segments a media playlist lists. */
enum spate_hls_window {
	SPATE_HLS_LIVE = 0, /* the last window_ms */
	SPATE_HLS_DVR,	    /* the last dvr_ms */
};

struct spate_hls_media_opts {
	enum spate_hls_window window;
	int skip; /* client asked _HLS_skip=YES: write a delta update */
};

/* Multivariant playlist for the live (index.m3u8) or DVR (dvr.m3u8) window. */
int spate_hls_write_multivariant(struct spate_buf *out,
				 const struct spate_presentation *p,
				 enum spate_hls_window window);

/* Media playlist of rendition `ri`. */
int spate_hls_write_media(struct spate_buf *out,
			  const struct spate_presentation *p, uint32_t ri,
			  const struct spate_hls_media_opts *opts);

/* DASH MPD: dynamic while !p->ended, static afterwards. */
int spate_dash_write_mpd(struct spate_buf *out,
			 const struct spate_presentation *p);

/* Formats Unix milliseconds as ISO 8601 UTC, "2026-11-24T10:00:00.000Z". */
void spate_manifest_iso8601(char out[32], int64_t unix_ms);

#endif /* SPATE_PKG_MANIFEST_H */
