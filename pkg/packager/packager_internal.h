/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private state of the packager, shared by its files:
 *   packager.c  streams, timestamps (unwrap, discontinuities), the lead
 *   track.c     per-track sample queue, part and segment cutting, fragments
 *   publish.c   object names, manifest rendering, window eviction
 *
 * One track per stream.  A track's payload buffer holds, in order:
 *   [committed samples of the open segment][held sample][queued samples]
 * "held" is the newest processed sample, whose duration is unknown until the
 * next one arrives; "queued" samples wait for the lead track's progress.
 * Keeping them in one buffer means a sample's bytes are written once, by
 * the codec rewrite, published from there, and moved only when a segment
 * closes (the held and queued bytes slide to the front).
 */
#ifndef SPATE_PKG_PACKAGER_INTERNAL_H
#define SPATE_PKG_PACKAGER_INTERNAL_H

#include <stdbool.h>

#include "buf.h"
#include "manifest.h"
#include "packager.h"

/* The clock every track's cut times are compared in. */
#define PKG_CLOCK_HZ 90000

/* Cut records the lead keeps for followers. */
#define PKG_CUT_RING 64

/* Parts stay published for this many segments behind the live edge. */
#define PKG_PART_KEEP_SEGMENTS 4

struct pkg_qsample {
	int64_t dts; /* output timeline, track timescale */
	int64_t pts;
	uint32_t duration_hint; /* from the container; 0 when unknown */
	uint32_t size;
	bool sync;
	bool config_change; /* carries a new codec configuration */
	bool jump;	    /* first sample after a timestamp jump */
};

/* One fragment of the open segment: header in seg, samples in payload. */
struct pkg_span {
	size_t hdr_off, hdr_len;
	size_t pay_off, pay_len;
};

struct pkg_cut {
	uint64_t msn;
	int64_t start; /* presentation time of the first sample, PKG_CLOCK_HZ */
	bool discontinuity;
	uint32_t disc_seq;
};

struct pkg_track {
	struct spate_rendition rend; /* id, track info, timeline, LL state */
	struct spate_packager *owner;
	int index;
	bool is_lead;
	bool configured; /* track info holds a usable codec configuration */

	/* Input timestamps: stream time base, wrap and discontinuity state. */
	uint32_t tb_num, tb_den;
	unsigned wrap_bits;
	int64_t wrap_add;
	int64_t last_raw_dts; /* unwrapped input dts, SPATE_PKG_NOPTS at start */
	uint32_t applied_disc; /* presentation offsets applied so far */
	int64_t offset;	       /* track timescale, added to input times */
	int64_t next_audio_dts; /* audio: where the next frame should start */
	int64_t last_in_dts;	/* output dts of the newest queued sample */
	unsigned nal_length_size;

	/* Sample assembly (see the file comment). */
	struct spate_buf payload;
	struct spate_sample *samples; /* committed samples of the open segment */
	size_t n_committed, samples_cap;
	size_t committed_bytes;
	size_t part_first_sample;  /* first sample of the open part */
	size_t part_payload_off;   /* its first payload byte */
	struct pkg_qsample held;
	bool has_held;
	struct pkg_qsample *queue; /* queued samples, oldest at queue_head */
	size_t queue_head, queue_len, queue_cap;

	/* The open segment and part. */
	bool seg_open;
	uint64_t seg_msn;
	int64_t seg_start;   /* decode time of its first sample, timescale */
	int64_t seg_start_pts; /* presentation time of that sample */
	int64_t part_start;  /* track timescale */
	bool part_independent;
	bool seg_discontinuity;	 /* the open segment follows a discontinuity */
	bool want_discontinuity; /* lead: next segment starts a new sequence */
	bool started;		 /* has opened a segment */
	bool init_published;	 /* init-<init_version>.mp4 is out */
	int64_t seg_end;	 /* end of committed samples, track timescale */
	uint32_t disc_seq;
	uint32_t frag_seq; /* mfhd sequence_number */
	/*
	 * The open segment is published as a gather list: styp and each
	 * fragment's header live in `seg`, sample bytes stay in `payload`.
	 */
	struct spate_buf seg;
	struct pkg_span *spans; /* one per fragment of the open segment */
	size_t n_spans, spans_cap;
	struct spate_iov *iov;	/* scratch gather list */
	size_t iov_cap;
	int64_t last_duration; /* track timescale, for the final sample */
	uint32_t seg_cut_tol;  /* track timescale */

	/* A codec configuration waiting for the next segment. */
	struct spate_track_info *pending_config;
	bool awaiting_disc_cut; /* follower: drop until the lead's disc cut */

	struct spate_buf scratch; /* init segments, rewrites */
};

struct spate_packager {
	struct spate_pkg_config cfg;
	struct spate_output_ops ops;
	void *ops_ctx;

	struct pkg_track *tracks[16];
	struct spate_rendition *active[16]; /* renditions the manifests list */
	unsigned n_tracks;
	struct pkg_track *lead;
	bool started; /* first packet seen: no more add_stream */
	bool lead_anchored; /* initial offset fixed by the lead's first packet */
	bool finished;

	/* Discontinuities: offsets in PKG_CLOCK_HZ, one per registered jump. */
	int64_t disc_offset[64];
	uint32_t disc_count;
	bool force_disc_cut; /* a follower changed codec: lead cuts next key */

	/* The lead's cuts, for followers. */
	struct pkg_cut cuts[PKG_CUT_RING];
	uint64_t cut_count;
	int64_t lead_horizon; /* lead processed up to here, PKG_CLOCK_HZ */

	/* Channel objects are rewritten when every track finished a segment. */
	uint64_t channel_msn_done; /* +1; 0 = none yet */
	bool epoch_set;

	/* DASH Period starts, one per discontinuity sequence, by seq % 64. */
	struct spate_period_start periods[64];
	uint32_t n_periods;

	struct spate_presentation pres;
	struct spate_buf manifest;
	struct spate_buf last_multivariant;
	struct spate_pkg_stats stats;
};

/* packager.c */
void pkg_log(const struct spate_packager *p, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t pkg_to_clock(const struct pkg_track *t, int64_t ts);
int64_t pkg_from_clock(const struct pkg_track *t, int64_t clk);

/* track.c */
int pkg_track_init(struct pkg_track *t, struct spate_packager *p, int index);
void pkg_track_free(struct pkg_track *t);
int pkg_track_enqueue(struct pkg_track *t, const struct pkg_qsample *qs);
int pkg_track_drain(struct pkg_track *t, bool final);
int pkg_track_finish(struct pkg_track *t);
const struct pkg_cut *pkg_cut_find(const struct spate_packager *p,
				   uint64_t msn);

/* publish.c */
int pkg_publish_init(struct pkg_track *t);
int pkg_publish_part(struct pkg_track *t, const struct pkg_span *span,
		     const struct spate_part_rec *rec);
int pkg_publish_segment(struct pkg_track *t,
			const struct spate_segment_rec *rec);
int pkg_publish_track_playlists(struct pkg_track *t, bool with_dvr);
int pkg_publish_channel(struct spate_packager *p);
void pkg_segment_closed(struct pkg_track *t, uint64_t msn);

#endif /* SPATE_PKG_PACKAGER_INTERNAL_H */
