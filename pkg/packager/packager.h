/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_packager: turns the elementary-stream samples of one live channel
 * into CMAF init segments, media segments and LL parts, plus the HLS and
 * DASH manifests describing them, and hands every finished object to an
 * output (files, or the dataplane cache).
 *
 * It knows nothing of containers: a demuxer (demux.h) or any other source
 * feeds it access units with timestamps.  It never reads the wall clock
 * unless asked to (epoch_auto), so the same input gives the same bytes.
 *
 * Model: every video stream is a rendition of the ladder, every audio stream
 * an audio rendition.  The first video stream leads (the first audio stream
 * when there is no video): it cuts segments at the first key frame at least
 * segment_ms after the segment start; every other stream follows the lead's
 * cut times, so segment k of all renditions covers the same media time.
 * Followers are processed only up to the lead's progress, which is what
 * makes their cut decisions safe without lookahead.
 */
#ifndef SPATE_PKG_PACKAGER_H
#define SPATE_PKG_PACKAGER_H

#include <stddef.h>
#include <stdint.h>

#include "media.h"

enum spate_object_kind {
	SPATE_OBJ_INIT = 1,	    /* <rid>/init-<v>.mp4: immutable */
	SPATE_OBJ_SEGMENT,	    /* <rid>/seg-<msn>.m4s: immutable */
	SPATE_OBJ_PART,		    /* <rid>/seg-<msn>.<i>.m4s: immutable */
	SPATE_OBJ_MEDIA_PLAYLIST,   /* <rid>/index.m3u8, <rid>/dvr.m3u8: live */
	SPATE_OBJ_MULTIVARIANT,	    /* index.m3u8, dvr.m3u8: live */
	SPATE_OBJ_MPD,		    /* manifest.mpd: live */
};

/* What an output learns about each object besides its bytes. */
struct spate_object_info {
	enum spate_object_kind kind;
	const char *name;     /* path relative to the channel root */
	int rendition;	      /* index, -1 for channel-level objects */
	uint64_t msn;	      /* segments and parts */
	uint32_t part;	      /* parts */
	int final;	      /* manifests: the input has ended */
};

/* One piece of an object: objects are published as gather lists. */
struct spate_iov {
	const uint8_t *base;
	size_t len;
};

/*
 * Where objects go.  publish() receives an object as `iovcnt` pieces to be
 * concatenated, valid only for the call: an output keeps a copy (file,
 * cache blob).  Gathering lets a segment go out as styp, fragment headers
 * and sample bytes straight from the packager's buffers, never copied into
 * a contiguous segment first.  remove() is called for objects that fell out
 * of every window.  Both return 0 or a negative errno; a failing publish is
 * counted and logged by the packager, which keeps going (a full disk must
 * not stop a live channel).
 */
struct spate_output_ops {
	int (*publish)(void *ctx, const struct spate_object_info *info,
		       const struct spate_iov *iov, unsigned iovcnt);
	int (*remove)(void *ctx, const struct spate_object_info *info);
};

struct spate_pkg_config {
	uint32_t segment_ms; /* target segment duration, default 2000 */
	uint32_t part_ms;    /* LL part duration, 0 = LL off */
	uint32_t window_ms;  /* live playlist window, default 30000 */
	uint32_t dvr_ms;     /* DVR window, 0 = none */
	int hls;	     /* write HLS playlists */
	int dash;	     /* write the DASH MPD */
	int64_t epoch_ms;    /* Unix ms of media time 0 (when !epoch_auto) */
	/*
	 * epoch_auto: anchor media time to clock_ms() at the first sample,
	 * for a live source whose timestamps carry no wall-clock meaning.
	 * Convenient, but two origins then disagree: redundant setups pass
	 * a shared epoch_ms instead.
	 */
	int epoch_auto;
	int64_t (*clock_ms)(void);
	/* DASH UTCTiming (scheme URI and value); NULL omits it. */
	const char *utc_timing_scheme;
	const char *utc_timing_value;
	/* Largest segment accepted in memory before samples are dropped. */
	size_t max_segment_bytes;
	/* Log sink; NULL logs to stderr. level: 0 error, 1 warning, 2 info */
	void (*log)(void *ctx, int level, const char *msg);
	void *log_ctx;
};

/* Sets the defaults documented above. */
void spate_pkg_config_defaults(struct spate_pkg_config *cfg);

/*
 * The wall clock (CLOCK_REALTIME) in Unix ms, for callers that set
 * epoch_auto.  The packager never calls it unless given it as clock_ms.
 */
int64_t spate_pkg_realtime_ms(void);

/* A stream offered to the packager, as a demuxer describes it. */
struct spate_pkg_stream {
	enum spate_media_type type;
	enum spate_codec_id codec;
	const uint8_t *extradata; /* codec configuration, any form codec.h takes */
	size_t extradata_len;
	uint32_t tb_num; /* time base of the timestamps fed for this stream */
	uint32_t tb_den;
	unsigned ts_wrap_bits; /* 33 for MPEG-TS; 0 or 64 when none */
	uint32_t width, height;       /* hints when extradata has none */
	uint32_t sample_rate, channels;
	uint32_t frame_rate_num, frame_rate_den; /* 0 when unknown */
	uint32_t bitrate_bps;			   /* 0 when unknown */
	const char *language;			   /* ISO 639-2, NULL */
	unsigned nal_length_size; /* 0: Annex B; 1..4: length-prefixed */
};

#define SPATE_PKG_NOPTS INT64_MIN

/* An access unit in the stream's time base. */
struct spate_pkg_packet {
	int stream; /* index returned by spate_packager_add_stream */
	int64_t pts; /* SPATE_PKG_NOPTS when absent */
	int64_t dts; /* SPATE_PKG_NOPTS when absent */
	int64_t duration; /* 0 when unknown */
	const uint8_t *data;
	size_t size;
	int key;   /* the container flagged a key frame */
	/* New codec configuration carried with this packet, or NULL. */
	const uint8_t *new_extradata;
	size_t new_extradata_len;
};

/* Counters a channel keeps; read them with spate_packager_stats(). */
struct spate_pkg_stats {
	uint64_t packets_in;
	uint64_t bytes_in;
	uint64_t samples_out;
	uint64_t segments_out;
	uint64_t parts_out;
	uint64_t manifests_out;
	uint64_t discontinuities;
	uint64_t codec_changes;
	uint64_t dropped_before_key; /* samples before the first key frame */
	uint64_t dropped_empty;	    /* zero-length packets */
	uint64_t dropped_no_ts;	    /* packets without any timestamp */
	uint64_t dropped_oversize;  /* segment grew past max_segment_bytes */
	uint64_t dropped_bad_au;    /* access units the codec layer rejected */
	uint64_t dropped_bad_ts;    /* decode time not after the previous one */
	uint64_t dropped_config_change; /* follower samples awaiting a cut */
	uint64_t publish_errors;
};

struct spate_packager;

/* Creates a packager; *out set on success.  0 or negative errno. */
int spate_packager_create(struct spate_packager **out,
			  const struct spate_pkg_config *cfg,
			  const struct spate_output_ops *ops, void *ops_ctx);

/*
 * Declares a stream before the first packet.  Returns the stream index
 * (>= 0) to use in packets, -ENOTSUP for a codec spate does not package
 * (the caller skips that stream), or another negative errno.
 */
int spate_packager_add_stream(struct spate_packager *p,
			      const struct spate_pkg_stream *s);

/*
 * Feeds one access unit.  Returns 0, or a negative errno only for fatal
 * conditions (out of memory); bad packets are dropped and counted.
 */
int spate_packager_write(struct spate_packager *p,
			 const struct spate_pkg_packet *pkt);

/*
 * The input ended: flushes every stream, publishes the final segments and
 * the ended manifests (ENDLIST, static MPD).  0 or negative errno.
 */
int spate_packager_finish(struct spate_packager *p);

void spate_packager_stats(const struct spate_packager *p,
			  struct spate_pkg_stats *out);

/* Number of renditions and their ids ("v0", "a0"), for reporting. */
unsigned spate_packager_rendition_count(const struct spate_packager *p);
const char *spate_packager_rendition_id(const struct spate_packager *p,
					unsigned i);

void spate_packager_destroy(struct spate_packager *p);

#endif /* SPATE_PKG_PACKAGER_H */
