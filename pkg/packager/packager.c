/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packager front half: stream set-up and everything about input timestamps
 * before a sample reaches its track's queue — 33-bit wrap, conversion to the
 * track timescale, discontinuity detection and rebasing, audio timestamp
 * smoothing, and codec configuration changes.
 *
 * Output timeline: media time = input time + offset, where the offset only
 * changes at a discontinuity (an encoder restart, a spliced input).  The new
 * offset makes the output continue where the lead track ended, so players
 * see one monotonic timeline with a DISCONTINUITY/new Period marker, and the
 * offset depends only on the input — never on when we saw it.
 */
#include "packager_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/codec.h"

/* Backward steps smaller than this are jitter, larger ones a discontinuity. */
#define PKG_JUMP_BACK_MS 1000
/* Forward gaps beyond max(this, 3 segments) are a discontinuity. */
#define PKG_JUMP_FWD_MS 10000

void spate_pkg_config_defaults(struct spate_pkg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->segment_ms = 2000;
	cfg->part_ms = 0;
	cfg->window_ms = 30000;
	cfg->dvr_ms = 0;
	cfg->hls = 1;
	cfg->dash = 1;
	cfg->max_segment_bytes = 64u << 20;
}

int64_t spate_pkg_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pkg_log(const struct spate_packager *p, int level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info"};
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->cfg.log != NULL) {
		p->cfg.log(p->cfg.log_ctx, level, msg);
		return;
	}
	fprintf(stderr, "spate-pkg: %s: %s\n", names[level < 0 ? 0 : level > 2 ? 2 : level],
		msg);
}

/* v * num / den rounded to nearest, without intermediate overflow. */
static int64_t rescale(int64_t v, int64_t num, int64_t den)
{
	__int128 x = (__int128)v * num;
	__int128 half = den / 2;

	return (int64_t)(x >= 0 ? (x + half) / den : (x - half) / den);
}

int64_t pkg_to_clock(const struct pkg_track *t, int64_t ts)
{
	return rescale(ts, PKG_CLOCK_HZ, t->rend.track.timescale);
}

int64_t pkg_from_clock(const struct pkg_track *t, int64_t clk)
{
	return rescale(clk, t->rend.track.timescale, PKG_CLOCK_HZ);
}

static int64_t in_to_track(const struct pkg_track *t, int64_t ts)
{
	return rescale(ts, (int64_t)t->tb_num * t->rend.track.timescale,
		       t->tb_den);
}

static int64_t in_to_clock(const struct pkg_track *t, int64_t ts)
{
	return rescale(ts, (int64_t)t->tb_num * PKG_CLOCK_HZ, t->tb_den);
}

int spate_packager_create(struct spate_packager **out,
			  const struct spate_pkg_config *cfg,
			  const struct spate_output_ops *ops, void *ops_ctx)
{
	struct spate_packager *p;

	if (cfg->segment_ms < 100 || cfg->segment_ms > 60000 ||
	    (cfg->part_ms != 0 &&
	     (cfg->part_ms < 50 || cfg->part_ms > cfg->segment_ms)) ||
	    cfg->window_ms < cfg->segment_ms || ops == NULL ||
	    ops->publish == NULL || (cfg->epoch_auto && cfg->clock_ms == NULL))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->cfg = *cfg;
	if (p->cfg.max_segment_bytes == 0)
		p->cfg.max_segment_bytes = 64u << 20;
	p->ops = *ops;
	p->ops_ctx = ops_ctx;
	p->disc_count = 1; /* entry 0: the initial offset, set on first packet */
	p->lead_horizon = INT64_MIN;
	p->pres.segment_ms = cfg->segment_ms;
	p->pres.part_ms = cfg->part_ms;
	p->pres.window_ms = cfg->window_ms;
	p->pres.dvr_ms = cfg->dvr_ms;
	p->pres.epoch_ms = cfg->epoch_ms;
	p->pres.utc_timing_scheme = cfg->utc_timing_scheme;
	p->pres.utc_timing_value = cfg->utc_timing_value;
	spate_buf_init(&p->manifest);
	spate_buf_init(&p->last_multivariant);
	*out = p;
	return 0;
}

static int next_rendition_id(const struct spate_packager *p,
			     enum spate_media_type type, char *id, size_t n)
{
	unsigned same = 0;

	for (unsigned i = 0; i < p->n_tracks; i++)
		if (p->tracks[i]->rend.track.type == type)
			same++;
	return snprintf(id, n, "%c%u", type == SPATE_MEDIA_VIDEO ? 'v' : 'a',
			same) >= (int)n
		       ? -EOVERFLOW
		       : 0;
}

int spate_packager_add_stream(struct spate_packager *p,
			      const struct spate_pkg_stream *s)
{
	struct pkg_track *t;
	struct spate_track_info *ti;
	int rc;

	if (p->started || p->n_tracks == sizeof(p->tracks) / sizeof(p->tracks[0]))
		return -EBUSY;
	if (s->type != SPATE_MEDIA_VIDEO && s->type != SPATE_MEDIA_AUDIO)
		return -ENOTSUP;
	switch (s->codec) {
	case SPATE_CODEC_H264:
	case SPATE_CODEC_HEVC:
	case SPATE_CODEC_AV1:
	case SPATE_CODEC_AAC:
	case SPATE_CODEC_OPUS:
		break;
	default:
		return -ENOTSUP;
	}
	if (s->tb_num == 0 || s->tb_den == 0)
		return -EINVAL;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	rc = pkg_track_init(t, p, (int)p->n_tracks);
	if (rc < 0) {
		free(t);
		return rc;
	}
	ti = &t->rend.track;
	ti->track_id = p->n_tracks + 1;
	ti->type = s->type;
	ti->codec = s->codec;
	ti->timescale = s->type == SPATE_MEDIA_VIDEO ? 90000 : s->sample_rate;
	ti->width = s->width;
	ti->height = s->height;
	ti->sar_num = 1;
	ti->sar_den = 1;
	ti->frame_rate_num = s->frame_rate_num;
	ti->frame_rate_den = s->frame_rate_den;
	ti->sample_rate = s->sample_rate;
	ti->channels = s->channels;
	ti->avg_bitrate_bps = s->bitrate_bps;
	ti->max_bitrate_bps = s->bitrate_bps;
	snprintf(ti->language, sizeof(ti->language), "%s",
		 s->language != NULL && strlen(s->language) == 3 ? s->language
								  : "und");
	if (s->extradata_len > 0) {
		rc = spate_codec_configure(ti, s->extradata, s->extradata_len);
		if (rc == 0)
			t->configured = true;
		else
			pkg_log(p, 1,
				"stream %u (%s): codec configuration unusable "
				"(%s), waiting for in-band parameters",
				p->n_tracks, spate_codec_name(s->codec),
				strerror(-rc));
	}
	/* Opus always runs at 48 kHz whatever the input says. */
	if (s->codec == SPATE_CODEC_OPUS)
		ti->timescale = 48000;
	if (ti->type == SPATE_MEDIA_AUDIO && ti->sample_rate != 0)
		ti->timescale = s->codec == SPATE_CODEC_OPUS ? 48000
							    : ti->sample_rate;
	if (ti->timescale == 0) {
		pkg_track_free(t);
		free(t);
		return -EINVAL;
	}
	rc = next_rendition_id(p, s->type, t->rend.id, sizeof(t->rend.id));
	if (rc < 0) {
		pkg_track_free(t);
		free(t);
		return rc;
	}
	t->tb_num = s->tb_num;
	t->tb_den = s->tb_den;
	t->wrap_bits = s->ts_wrap_bits > 0 && s->ts_wrap_bits < 63
			       ? s->ts_wrap_bits
			       : 0;
	t->nal_length_size = s->nal_length_size;
	/* Half a frame at 50 fps, or of an audio frame. */
	t->seg_cut_tol = (uint32_t)pkg_from_clock(t, PKG_CLOCK_HZ / 100);
	p->tracks[p->n_tracks] = t;
	return (int)p->n_tracks++;
}

/* The first video stream leads, or the first audio one without video. */
static void choose_lead(struct spate_packager *p)
{
	for (unsigned i = 0; i < p->n_tracks && p->lead == NULL; i++)
		if (p->tracks[i]->rend.track.type == SPATE_MEDIA_VIDEO)
			p->lead = p->tracks[i];
	if (p->lead == NULL && p->n_tracks > 0)
		p->lead = p->tracks[0];
	if (p->lead != NULL)
		p->lead->is_lead = true;
}

static int64_t unwrap(struct pkg_track *t, int64_t raw)
{
	int64_t period, v;

	if (t->wrap_bits == 0)
		return raw;
	period = (int64_t)1 << t->wrap_bits;
	v = raw + t->wrap_add;
	if (t->last_raw_dts != SPATE_PKG_NOPTS) {
		if (v < t->last_raw_dts - period / 2) {
			t->wrap_add += period;
			v += period;
		} else if (v > t->last_raw_dts + period / 2 &&
			   t->wrap_add >= period) {
			/* A late packet from before the wrap. */
			v -= period;
		}
	}
	return v;
}

/* Where the lead's output ends, in the common clock. */
static int64_t lead_end_clock(const struct spate_packager *p)
{
	const struct pkg_track *l = p->lead;
	int64_t end = l->next_audio_dts;

	if (l->rend.track.type == SPATE_MEDIA_VIDEO || end == SPATE_PKG_NOPTS)
		end = l->last_in_dts + (l->last_duration > 0 ? l->last_duration
							     : 0);
	return pkg_to_clock(l, end);
}

/*
 * Applies the presentation offset for a timestamp jump seen on track t.
 * The first track to see a jump registers it (offset chosen so the output
 * continues at the lead's end); the others apply the same one when their
 * own jump arrives, keeping all tracks in sync.
 */
static void apply_jump(struct spate_packager *p, struct pkg_track *t,
		       int64_t dts_unwrapped)
{
	if (t->applied_disc + 1 < p->disc_count) {
		t->applied_disc++;
	} else if (p->disc_count < sizeof(p->disc_offset) /
					   sizeof(p->disc_offset[0])) {
		int64_t off = lead_end_clock(p) - in_to_clock(t, dts_unwrapped);

		p->disc_offset[p->disc_count] = off;
		t->applied_disc = p->disc_count++;
		p->stats.discontinuities++;
		pkg_log(p, 1,
			"%s: timestamp jump to %.3f s, discontinuity %u "
			"(output continues at %.3f s)",
			t->rend.id,
			(double)in_to_clock(t, dts_unwrapped) / PKG_CLOCK_HZ,
			t->applied_disc,
			(double)lead_end_clock(p) / PKG_CLOCK_HZ);
	}
	t->offset = pkg_from_clock(t, p->disc_offset[t->applied_disc]);
	t->next_audio_dts = SPATE_PKG_NOPTS;
}

static bool is_jump(const struct spate_packager *p, const struct pkg_track *t,
		    int64_t dts_unwrapped)
{
	int64_t now, last, fwd_ms;

	if (t->last_raw_dts == SPATE_PKG_NOPTS)
		return false;
	now = in_to_clock(t, dts_unwrapped);
	last = in_to_clock(t, t->last_raw_dts);
	fwd_ms = p->cfg.segment_ms * 3 > PKG_JUMP_FWD_MS ? p->cfg.segment_ms * 3
							  : PKG_JUMP_FWD_MS;
	return now < last - PKG_JUMP_BACK_MS * (PKG_CLOCK_HZ / 1000) ||
	       now > last + fwd_ms * (PKG_CLOCK_HZ / 1000);
}

/*
 * tfdt cannot be negative, and an MP4 source with B-frames starts its
 * decode times below zero.  When the lead's first packet would land below
 * zero, the whole output timeline shifts up by that much.  Nothing has been
 * processed yet (only queued), so queued follower samples shift with it.
 */
static void anchor_on_lead(struct spate_packager *p, int64_t lead_dts_clock)
{
	int64_t shift = lead_dts_clock < 0 ? -lead_dts_clock : 0;

	p->lead_anchored = true;
	if (shift == 0)
		return;
	p->disc_offset[0] += shift;
	for (unsigned i = 0; i < p->n_tracks; i++) {
		struct pkg_track *t = p->tracks[i];
		int64_t d = pkg_from_clock(t, shift);

		t->offset += d;
		if (t->next_audio_dts != SPATE_PKG_NOPTS)
			t->next_audio_dts += d;
		for (size_t q = 0; q < t->queue_len; q++) {
			struct pkg_qsample *qs =
				&t->queue[(t->queue_head + q) % t->queue_cap];
			qs->dts += d;
			qs->pts += d;
		}
	}
}

/*
 * Audio frames have exact durations; container timestamps (FLV's
 * milliseconds especially) do not.  Snap a frame to where the previous one
 * ended when it is within half a frame, so sample timing stays exact and
 * the trun needs no per-sample durations.
 */
static void smooth_audio(struct pkg_track *t, struct pkg_qsample *qs)
{
	uint32_t dur = qs->duration_hint ? qs->duration_hint
					 : t->rend.track.frame_samples;

	if (dur == 0)
		return;
	if (t->next_audio_dts != SPATE_PKG_NOPTS) {
		int64_t d = qs->dts - t->next_audio_dts;

		if (d < (int64_t)dur / 2 && d > -(int64_t)dur / 2)
			qs->dts = t->next_audio_dts;
	}
	qs->pts = qs->dts;
	qs->duration_hint = dur;
	t->next_audio_dts = qs->dts + dur;
}

/* Handles a change of codec configuration seen on packet data. */
static int check_config(struct spate_packager *p, struct pkg_track *t,
			const struct spate_pkg_packet *pkt, size_t au_off,
			size_t au_len, bool sync, bool *changed)
{
	struct spate_track_info next;
	int rc = 0;

	*changed = false;
	if (pkt->new_extradata != NULL && pkt->new_extradata_len > 0) {
		next = t->rend.track;
		rc = spate_codec_configure(&next, pkt->new_extradata,
					   pkt->new_extradata_len);
		if (rc == 0 && (next.config_len != t->rend.track.config_len ||
				memcmp(next.config, t->rend.track.config,
				       next.config_len) != 0))
			rc = 1;
		else if (rc == 0)
			return 0;
	} else if (sync && t->rend.track.type == SPATE_MEDIA_VIDEO) {
		next = t->rend.track;
		rc = spate_codec_detect_change(&t->rend.track,
					       t->payload.data + au_off,
					       au_len, &next);
	}
	if (rc <= 0)
		return rc;
	if (!t->configured || !t->init_published) {
		/* Nothing was published with the old configuration yet. */
		t->rend.track = next;
		t->configured = true;
		return 0;
	}
	if (t->pending_config == NULL) {
		t->pending_config = malloc(sizeof(*t->pending_config));
		if (t->pending_config == NULL)
			return -ENOMEM;
	}
	*t->pending_config = next;
	*changed = true;
	p->stats.codec_changes++;
	pkg_log(p, 1, "%s: codec configuration changed (%s, %ux%u)",
		t->rend.id, next.codec_string, next.width, next.height);
	return 0;
}

static void configure_from_frame(struct spate_packager *p, struct pkg_track *t,
				 const struct spate_pkg_packet *pkt)
{
	struct spate_track_info next = t->rend.track;

	if (spate_codec_configure(&next, pkt->data, pkt->size) < 0)
		return;
	if (next.sample_rate != 0 && next.codec != SPATE_CODEC_OPUS &&
	    next.sample_rate != t->rend.track.timescale) {
		pkg_log(p, 1, "%s: ADTS says %u Hz, container said %u Hz",
			t->rend.id, next.sample_rate, t->rend.track.timescale);
		return;
	}
	t->rend.track = next;
	t->configured = true;
}

int spate_packager_write(struct spate_packager *p,
			 const struct spate_pkg_packet *pkt)
{
	struct pkg_track *t;
	struct pkg_qsample qs = {0};
	int64_t dts, pts;
	size_t au_off;
	int rc, is_sync = 0;
	bool changed;

	if (p->finished || pkt->stream < 0 || (unsigned)pkt->stream >= p->n_tracks)
		return -EINVAL;
	t = p->tracks[pkt->stream];
	if (!p->started) {
		p->started = true;
		choose_lead(p);
	}
	p->stats.packets_in++;
	p->stats.bytes_in += pkt->size;
	if (pkt->size == 0 || pkt->data == NULL) {
		p->stats.dropped_empty++;
		return 0;
	}
	dts = pkt->dts != SPATE_PKG_NOPTS ? pkt->dts : pkt->pts;
	pts = pkt->pts != SPATE_PKG_NOPTS ? pkt->pts : dts;
	if (dts == SPATE_PKG_NOPTS) {
		p->stats.dropped_no_ts++;
		return 0;
	}

	/* Timestamps: unwrap, detect jumps, move to the output timeline. */
	dts = unwrap(t, dts);
	if (t->wrap_bits != 0)
		pts = dts + (int64_t)(((uint64_t)pts - (uint64_t)dts) &
				      (((uint64_t)1 << t->wrap_bits) - 1));
	if (is_jump(p, t, dts)) {
		apply_jump(p, t, dts);
		qs.jump = true;
	}
	t->last_raw_dts = dts;

	/*
	 * MPEG-TS carries AAC configuration in every ADTS header and gives
	 * no extradata: configure from the first frame.
	 */
	if (!t->configured && t->rend.track.type == SPATE_MEDIA_AUDIO)
		configure_from_frame(p, t, pkt);

	/* The sample's bytes go straight to the tail of the payload buffer. */
	au_off = t->payload.len;
	rc = spate_codec_sample_rewrite(&t->rend.track, pkt->data, pkt->size,
					t->nal_length_size, &t->payload,
					&is_sync);
	if (rc <= 0) {
		t->payload.len = au_off;
		t->payload.error = 0;
		p->stats.dropped_bad_au++;
		return rc == -ENOMEM ? rc : 0;
	}
	rc = check_config(p, t, pkt, au_off, (size_t)rc, is_sync, &changed);
	if (rc < 0) {
		t->payload.len = au_off;
		return rc;
	}
	t->payload.len = au_off + spate_codec_strip_parameter_sets(
					   &t->rend.track, t->payload.data + au_off,
					   t->payload.len - au_off);
	if (t->payload.len == au_off) {
		p->stats.dropped_empty++; /* parameter sets only */
		return 0;
	}

	qs.dts = in_to_track(t, dts) + t->offset;
	qs.pts = in_to_track(t, pts) + t->offset;
	qs.duration_hint = (uint32_t)(pkt->duration > 0
					      ? in_to_track(t, pkt->duration)
					      : 0);
	qs.size = (uint32_t)(t->payload.len - au_off);
	qs.sync = is_sync != 0;
	qs.config_change = changed;
	if (t->rend.track.type == SPATE_MEDIA_AUDIO)
		smooth_audio(t, &qs);
	if (qs.pts < qs.dts)
		qs.pts = qs.dts;
	if (t->is_lead && !p->lead_anchored) {
		int64_t old_offset = t->offset;

		anchor_on_lead(p, pkg_to_clock(t, qs.dts));
		qs.dts += t->offset - old_offset;
		qs.pts += t->offset - old_offset;
	}
	t->last_in_dts = qs.dts;

	if (p->cfg.epoch_auto && !p->epoch_set && t->is_lead) {
		p->pres.epoch_ms = p->cfg.clock_ms() -
				   pkg_to_clock(t, qs.dts) / (PKG_CLOCK_HZ / 1000);
		p->epoch_set = true;
	}
	rc = pkg_track_enqueue(t, &qs);
	if (rc < 0)
		return rc;
	if (!t->is_lead)
		return pkg_track_drain(t, false);
	p->lead_horizon = pkg_to_clock(t, qs.dts);
	rc = pkg_track_drain(t, false);
	for (unsigned i = 0; i < p->n_tracks && rc == 0; i++)
		if (p->tracks[i] != t)
			rc = pkg_track_drain(p->tracks[i], false);
	return rc;
}

int spate_packager_finish(struct spate_packager *p)
{
	int rc = 0, r;

	if (p->finished)
		return 0;
	if (!p->started)
		choose_lead(p);
	p->finished = true;
	p->pres.ended = 1;
	/* Lead first: followers' last cuts depend on it. */
	if (p->lead != NULL)
		rc = pkg_track_finish(p->lead);
	for (unsigned i = 0; i < p->n_tracks; i++) {
		if (p->tracks[i] == p->lead)
			continue;
		r = pkg_track_finish(p->tracks[i]);
		if (rc == 0)
			rc = r;
	}
	r = pkg_publish_channel(p);
	return rc == 0 ? r : rc;
}

void spate_packager_stats(const struct spate_packager *p,
			  struct spate_pkg_stats *out)
{
	*out = p->stats;
}

unsigned spate_packager_rendition_count(const struct spate_packager *p)
{
	return p->n_tracks;
}

const char *spate_packager_rendition_id(const struct spate_packager *p,
					unsigned i)
{
	return i < p->n_tracks ? p->tracks[i]->rend.id : NULL;
}

void spate_packager_destroy(struct spate_packager *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n_tracks; i++) {
		pkg_track_free(p->tracks[i]);
		free(p->tracks[i]);
	}
	spate_buf_free(&p->manifest);
	spate_buf_free(&p->last_multivariant);
	free(p);
}
