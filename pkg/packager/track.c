/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-track segmentation: takes timestamped samples off the track's queue,
 * decides where segments and LL parts end, and writes them as CMAF
 * fragments into the open segment's buffer.
 *
 * Cut rules (see packager.h): the lead cuts at the first sync sample at
 * least segment_ms after its segment start, or at once for a discontinuity
 * or a codec change; followers cut at the first sync sample (any audio
 * frame) at or after the lead's cut time for their next segment, and take
 * the lead's segment number, so numbers and times line up across the
 * ladder.  A sample's duration is only known when the next one arrives, so
 * the newest sample is "held" until then.
 */
#include "packager_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mp4/mp4.h"

/* Cut-time tolerance in the common clock: 10 ms. */
#define PKG_CUT_TOL_CLOCK (PKG_CLOCK_HZ / 100)

enum cut_action {
	CUT_NONE,  /* sample continues the open segment */
	CUT_OPEN,  /* close the open segment (if any), open a new one */
	CUT_DROP,  /* sample cannot be packaged yet */
};

struct cut_decision {
	enum cut_action action;
	uint64_t msn;
	bool discontinuity;
	uint32_t disc_seq;
	uint64_t *drop_counter;
};

static size_t div_ceil(size_t a, size_t b)
{
	return (a + b - 1) / b;
}

int pkg_track_init(struct pkg_track *t, struct spate_packager *p, int index)
{
	const struct spate_pkg_config *cfg = &p->cfg;
	uint32_t keep_ms = cfg->dvr_ms > cfg->window_ms ? cfg->dvr_ms
							: cfg->window_ms;
	size_t seg_cap, part_cap = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	t->owner = p;
	t->index = index;
	t->last_raw_dts = SPATE_PKG_NOPTS;
	t->next_audio_dts = SPATE_PKG_NOPTS;
	/*
	 * Segments stay published for twice the longest window: HLS clients
	 * may fetch a segment for a while after it left the playlist
	 * (RFC 8216 6.2.2), and segments may run shorter than the target.
	 */
	seg_cap = 2 * div_ceil(keep_ms, cfg->segment_ms) + 8;
	if (cfg->part_ms > 0)
		part_cap = (PKG_PART_KEEP_SEGMENTS + 2) *
			   (2 * div_ceil(cfg->segment_ms, cfg->part_ms) + 2);
	rc = spate_timeline_init(&t->rend.timeline, seg_cap, part_cap);
	if (rc < 0)
		return rc;
	spate_buf_init(&t->payload);
	spate_buf_init(&t->seg);
	spate_buf_init(&t->scratch);
	return 0;
}

void pkg_track_free(struct pkg_track *t)
{
	spate_timeline_free(&t->rend.timeline);
	spate_buf_free(&t->payload);
	spate_buf_free(&t->seg);
	spate_buf_free(&t->scratch);
	free(t->samples);
	free(t->spans);
	free(t->iov);
	free(t->queue);
	free(t->pending_config);
}

/* Bytes of queued samples at the tail of the payload buffer. */
static size_t queued_bytes(const struct pkg_track *t)
{
	return t->payload.len - t->committed_bytes -
	       (t->has_held ? t->held.size : 0);
}

int pkg_track_enqueue(struct pkg_track *t, const struct pkg_qsample *qs)
{
	struct spate_packager *p = t->owner;

	/* The bytes are already at the payload tail; bound what may wait. */
	if (queued_bytes(t) > p->cfg.max_segment_bytes) {
		t->payload.len -= qs->size;
		p->stats.dropped_oversize++;
		return 0;
	}
	if (t->queue_len == t->queue_cap) {
		size_t cap = t->queue_cap ? t->queue_cap * 2 : 64;
		struct pkg_qsample *q = malloc(cap * sizeof(*q));

		if (q == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < t->queue_len; i++)
			q[i] = t->queue[(t->queue_head + i) % t->queue_cap];
		free(t->queue);
		t->queue = q;
		t->queue_cap = cap;
		t->queue_head = 0;
	}
	t->queue[(t->queue_head + t->queue_len) % t->queue_cap] = *qs;
	t->queue_len++;
	return 0;
}

const struct pkg_cut *pkg_cut_find(const struct spate_packager *p,
				   uint64_t msn)
{
	const struct pkg_cut *c;

	if (p->cut_count == 0)
		return NULL;
	c = &p->cuts[msn % PKG_CUT_RING];
	return c->msn == msn && p->cut_count > 0 ? c : NULL;
}

/* The newest lead cut at or before clock time clk. */
static const struct pkg_cut *cut_at(const struct spate_packager *p,
				    int64_t clk)
{
	uint64_t n = p->cut_count < PKG_CUT_RING ? p->cut_count : PKG_CUT_RING;
	const struct pkg_cut *newest;

	if (n == 0)
		return NULL;
	newest = &p->cuts[(p->cut_count - 1) % PKG_CUT_RING];
	for (uint64_t i = 0; i < n; i++) {
		const struct pkg_cut *c = pkg_cut_find(p, newest->msn - i);

		if (c != NULL && c->start <= clk + PKG_CUT_TOL_CLOCK)
			return c;
	}
	return NULL;
}

static void drop_bytes(struct pkg_track *t, size_t off, size_t len)
{
	memmove(t->payload.data + off, t->payload.data + off + len,
		t->payload.len - off - len);
	t->payload.len -= len;
}

static int commit_held(struct pkg_track *t, int64_t duration)
{
	struct spate_sample *s;

	if (t->n_committed == t->samples_cap) {
		size_t cap = t->samples_cap ? t->samples_cap * 2 : 128;
		struct spate_sample *n = realloc(t->samples, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		t->samples = n;
		t->samples_cap = cap;
	}
	if (duration <= 0 || duration > UINT32_MAX)
		duration = t->last_duration > 0 ? t->last_duration : 1;
	s = &t->samples[t->n_committed++];
	s->dts = t->held.dts;
	s->cts = (int32_t)(t->held.pts - t->held.dts);
	s->duration = (uint32_t)duration;
	s->size = t->held.size;
	s->flags = t->held.sync ? SPATE_SAMPLE_SYNC : 0;
	t->committed_bytes += t->held.size;
	t->last_duration = duration;
	t->has_held = false;
	return 0;
}

/* End time of the committed samples, track timescale. */
static int64_t committed_end(const struct pkg_track *t)
{
	const struct spate_sample *s = &t->samples[t->n_committed - 1];

	return s->dts + s->duration;
}

/*
 * Closes the open part: its samples become one fragment whose header goes
 * to `seg` while the sample bytes stay where they are in `payload`; a span
 * records both.  With LL on the fragment is published as a part at once.
 */
static int flush_part(struct pkg_track *t)
{
	struct spate_packager *p = t->owner;
	size_t first = t->part_first_sample;
	size_t n = t->n_committed - first;
	size_t pay_len = t->committed_bytes - t->part_payload_off;
	size_t off = t->seg.len;
	struct spate_part_rec rec;
	struct pkg_span *span;
	int rc;

	if (n == 0)
		return 0;
	if (t->n_spans == t->spans_cap) {
		size_t cap = t->spans_cap ? t->spans_cap * 2 : 16;
		struct pkg_span *sp = realloc(t->spans, cap * sizeof(*sp));

		if (sp == NULL)
			return -ENOMEM;
		t->spans = sp;
		t->spans_cap = cap;
	}
	rc = spate_mp4_write_fragment_header(&t->seg, &t->rend.track,
					     t->frag_seq + 1, t->samples + first,
					     n, pay_len);
	if (rc < 0) {
		pkg_log(p, 0, "%s: fragment of %zu samples not written: %s",
			t->rend.id, n, strerror(-rc));
		t->seg.len = off;
		t->seg.error = 0;
		p->stats.dropped_bad_au += n;
		/* The samples are in no fragment: forget them. */
		drop_bytes(t, t->part_payload_off, pay_len);
		t->committed_bytes = t->part_payload_off;
		t->n_committed = first;
		return rc == -ENOMEM ? rc : 0;
	}
	t->frag_seq++;
	span = &t->spans[t->n_spans++];
	*span = (struct pkg_span){.hdr_off = off,
				  .hdr_len = t->seg.len - off,
				  .pay_off = t->part_payload_off,
				  .pay_len = pay_len};
	p->stats.samples_out += n;
	t->seg_end = committed_end(t);
	t->part_first_sample = t->n_committed;
	t->part_payload_off = t->committed_bytes;
	if (p->cfg.part_ms == 0)
		return 0;
	rec = (struct spate_part_rec){
		.msn = t->seg_msn,
		.index = t->rend.open_parts,
		.duration = (uint32_t)(t->seg_end - t->part_start),
		.size_bytes = (uint32_t)(span->hdr_len + span->pay_len),
		.independent = (t->samples[first].flags & SPATE_SAMPLE_SYNC) != 0,
	};
	return pkg_publish_part(t, span, &rec);
}

/* The segment's bytes are out: held and queued samples slide down. */
static void forget_segment(struct pkg_track *t)
{
	drop_bytes(t, 0, t->committed_bytes);
	t->committed_bytes = 0;
	t->n_committed = 0;
	t->part_first_sample = 0;
	t->part_payload_off = 0;
	t->n_spans = 0;
}

static int close_segment(struct pkg_track *t)
{
	struct spate_segment_rec rec;
	int rc;

	if (!t->seg_open)
		return 0;
	rc = flush_part(t);
	if (rc < 0)
		return rc;
	t->seg_open = false;
	if (t->n_spans == 0) {
		forget_segment(t);
		return 0; /* nothing made it into the segment */
	}
	rec = (struct spate_segment_rec){
		.msn = t->seg_msn,
		.start = t->seg_start,
		.duration = (uint64_t)(t->seg_end - t->seg_start),
		.size_bytes = (uint32_t)(t->seg.len + t->committed_bytes),
		.nparts = t->owner->cfg.part_ms > 0 ? t->rend.open_parts : 0,
		.disc_seq = t->disc_seq,
		.init_version = t->rend.init_version,
		.discontinuity = t->seg_discontinuity,
	};
	rc = pkg_publish_segment(t, &rec);
	forget_segment(t);
	t->rend.open_parts = 0;
	t->rend.next_msn = t->seg_msn + 1;
	if (rc == 0)
		pkg_segment_closed(t, rec.msn);
	return rc;
}

/*
 * A DASH Period must start at or before the first sample of every track in
 * it, and must not move once announced.  Followers open a sequence's first
 * segment before any manifest lists it (channel manifests wait for every
 * track), so taking the minimum here is final by the time it is printed.
 */
static void note_period_start(struct spate_packager *p, uint32_t disc_seq,
			      int64_t start_clock)
{
	struct spate_period_start *ps = &p->periods[disc_seq % 64];
	int64_t ms = start_clock >= 0 ? start_clock / (PKG_CLOCK_HZ / 1000)
				      : -((-start_clock + 89) / 90);

	if (p->n_periods > 0 && ps->disc_seq == disc_seq) {
		if (ms < ps->start_ms)
			ps->start_ms = ms;
		return;
	}
	ps->disc_seq = disc_seq;
	ps->start_ms = ms;
	if (p->n_periods < 64)
		p->n_periods++;
	p->pres.period_starts = p->periods;
	p->pres.n_period_starts = p->n_periods;
}

/*
 * Opens segment d->msn at sample s.  tfdt and the timeline use decode time;
 * cut decisions use presentation time, because B-frame reordering delays
 * can differ from one GOP to the next (x265 does this) while key frames
 * stay exactly a GOP apart in presentation order.
 */
static int open_segment(struct pkg_track *t, const struct cut_decision *d,
			const struct pkg_qsample *s)
{
	int64_t start = s->dts;
	struct spate_packager *p = t->owner;
	int rc;

	if (t->pending_config != NULL && !t->awaiting_disc_cut) {
		uint32_t id = t->rend.track.track_id;

		t->rend.track = *t->pending_config;
		t->rend.track.track_id = id;
		free(t->pending_config);
		t->pending_config = NULL;
		t->rend.init_version++;
		t->init_published = false;
	}
	if (!t->init_published) {
		rc = pkg_publish_init(t);
		if (rc < 0)
			return rc;
		t->init_published = true;
	}
	spate_buf_reset(&t->seg);
	rc = spate_mp4_write_styp(&t->seg);
	if (rc < 0)
		return rc;
	t->seg_open = true;
	t->seg_msn = d->msn;
	t->seg_start = start;
	t->seg_start_pts = s->pts;
	t->seg_end = start;
	t->part_start = start;
	t->seg_discontinuity = d->discontinuity;
	t->disc_seq = d->disc_seq;
	t->rend.next_msn = d->msn;
	t->rend.open_parts = 0;
	t->rend.open_start = start;
	t->rend.open_discontinuity = d->discontinuity;
	note_period_start(p, d->disc_seq, pkg_to_clock(t, start));
	if (t->is_lead) {
		struct pkg_cut *c = &p->cuts[d->msn % PKG_CUT_RING];

		c->msn = d->msn;
		c->start = pkg_to_clock(t, s->pts);
		c->discontinuity = d->discontinuity;
		c->disc_seq = d->disc_seq;
		p->cut_count++;
	}
	return 0;
}

static void decide_lead(struct pkg_track *t, const struct pkg_qsample *s,
			struct cut_decision *d)
{
	struct spate_packager *p = t->owner;
	bool video = t->rend.track.type == SPATE_MEDIA_VIDEO;
	bool forced = t->pending_config != NULL || p->force_disc_cut ||
		      t->want_discontinuity;
	int64_t seg_len = pkg_from_clock(t, (int64_t)p->cfg.segment_ms *
						    (PKG_CLOCK_HZ / 1000));

	d->action = CUT_NONE;
	if (video && !s->sync) {
		if (!t->seg_open) {
			d->action = CUT_DROP;
			d->drop_counter = &p->stats.dropped_before_key;
		}
		return;
	}
	if (t->seg_open && !forced &&
	    s->pts - t->seg_start_pts < seg_len - (int64_t)t->seg_cut_tol)
		return;
	d->action = CUT_OPEN;
	if (!t->started) {
		/*
		 * Number the first segment from media time, so origins that
		 * join the same encoder at different moments agree.
		 */
		int64_t clk = pkg_to_clock(t, s->pts);
		int64_t len = (int64_t)p->cfg.segment_ms * (PKG_CLOCK_HZ / 1000);

		d->msn = clk > 0 ? (uint64_t)(clk / len) : 0;
		d->discontinuity = false;
		d->disc_seq = 0;
		return;
	}
	d->msn = t->seg_msn + 1;
	d->discontinuity = forced;
	d->disc_seq = t->disc_seq + (forced ? 1 : 0);
}

static void decide_follower(struct pkg_track *t, const struct pkg_qsample *s,
			    struct cut_decision *d)
{
	struct spate_packager *p = t->owner;
	bool can_start = s->sync || t->rend.track.type == SPATE_MEDIA_AUDIO;
	int64_t clk = pkg_to_clock(t, s->pts);
	const struct pkg_cut *c;

	d->action = CUT_NONE;
	if (t->awaiting_disc_cut) {
		c = cut_at(p, clk);
		if (c != NULL && c->discontinuity && can_start &&
		    (!t->seg_open || c->msn > t->seg_msn)) {
			t->awaiting_disc_cut = false;
			d->action = CUT_OPEN;
			d->msn = t->started ? t->seg_msn + 1 : c->msn;
			d->discontinuity = t->started;
			d->disc_seq = c->disc_seq;
		} else {
			d->action = CUT_DROP;
			d->drop_counter = &p->stats.dropped_config_change;
		}
		return;
	}
	if (!t->seg_open) {
		c = cut_at(p, clk);
		if (c == NULL || !can_start || s->dts < 0) {
			d->action = CUT_DROP;
			d->drop_counter = &p->stats.dropped_before_key;
			return;
		}
		d->action = CUT_OPEN;
		d->msn = t->started ? t->seg_msn + 1 : c->msn;
		d->discontinuity = t->started && c->discontinuity;
		d->disc_seq = c->disc_seq;
		return;
	}
	c = pkg_cut_find(p, t->seg_msn + 1);
	if (c == NULL || !can_start || clk + PKG_CUT_TOL_CLOCK < c->start)
		return;
	d->action = CUT_OPEN;
	d->msn = c->msn;
	d->discontinuity = c->discontinuity;
	d->disc_seq = c->disc_seq;
}

/*
 * LL-HLS parts must not run longer than PART-TARGET, so a part closes
 * before the sample that would carry it past part_ms (the sample's own
 * duration is not known yet: assume it lasts as long as the previous one).
 */
static bool part_full(const struct pkg_track *t, const struct pkg_qsample *s)
{
	const struct spate_packager *p = t->owner;
	int64_t target;

	if (p->cfg.part_ms == 0 || t->n_committed == 0)
		return false;
	target = pkg_from_clock(t, (int64_t)p->cfg.part_ms *
					    (PKG_CLOCK_HZ / 1000));
	return s->dts + t->last_duration - t->part_start >
	       target + (int64_t)t->seg_cut_tol;
}

/* Takes the oldest queued sample through the cut rules. */
static int process_one(struct pkg_track *t)
{
	struct spate_packager *p = t->owner;
	struct pkg_qsample s = t->queue[t->queue_head];
	size_t s_off = t->committed_bytes + (t->has_held ? t->held.size : 0);
	struct cut_decision d = {0};
	int rc;

	t->queue_head = (t->queue_head + 1) % t->queue_cap;
	t->queue_len--;

	if (s.config_change && !t->is_lead) {
		/*
		 * New parameters need a new init at a common cut: ask the lead
		 * for a discontinuity at its next key frame, drop until then.
		 * (A lead's change is handled in decide_lead.)
		 */
		p->force_disc_cut = true;
		t->awaiting_disc_cut = true;
	}
	if (s.jump && t->is_lead && t->seg_open) {
		/* Close at the jump even without a key frame. */
		if (t->has_held) {
			rc = commit_held(t, 0);
			if (rc < 0)
				return rc;
		}
		rc = close_segment(t);
		if (rc < 0)
			return rc;
		s_off = t->committed_bytes;
		t->want_discontinuity = true;
	}
	if (!t->configured) {
		d.action = CUT_DROP;
		d.drop_counter = &p->stats.dropped_before_key;
	} else if (t->is_lead) {
		decide_lead(t, &s, &d);
	} else {
		decide_follower(t, &s, &d);
	}
	if (d.action == CUT_DROP) {
		(*d.drop_counter)++;
		drop_bytes(t, s_off, s.size);
		return 0;
	}
	if (t->has_held) {
		if (s.dts <= t->held.dts && d.action != CUT_OPEN) {
			/* Non-monotonic decode time inside a segment. */
			p->stats.dropped_bad_ts++;
			drop_bytes(t, s_off, s.size);
			return 0;
		}
		rc = commit_held(t, s.dts - t->held.dts);
		if (rc < 0)
			return rc;
	}
	if (d.action == CUT_OPEN) {
		rc = close_segment(t);
		if (rc == 0)
			rc = open_segment(t, &d, &s);
		if (rc < 0)
			return rc;
		t->started = true;
		if (t->is_lead) {
			t->want_discontinuity = false;
			if (d.discontinuity)
				p->force_disc_cut = false;
		}
	} else if (part_full(t, &s)) {
		rc = flush_part(t);
		if (rc < 0)
			return rc;
		t->part_start = s.dts;
	}
	/* s now sits right after the committed bytes. */
	if (t->committed_bytes + s.size > p->cfg.max_segment_bytes) {
		p->stats.dropped_oversize++;
		drop_bytes(t, t->committed_bytes, s.size);
		return 0;
	}
	t->held = s;
	t->has_held = true;
	return 0;
}

int pkg_track_drain(struct pkg_track *t, bool final)
{
	const struct spate_packager *p = t->owner;
	int rc;

	while (t->queue_len > 0) {
		const struct pkg_qsample *s = &t->queue[t->queue_head];

		if (!final && !t->is_lead &&
		    pkg_to_clock(t, s->dts) > p->lead_horizon)
			break;
		rc = process_one(t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int pkg_track_finish(struct pkg_track *t)
{
	int64_t last;
	int rc;

	rc = pkg_track_drain(t, true);
	if (rc < 0)
		return rc;
	if (t->has_held) {
		last = t->last_duration;
		if (last <= 0)
			last = t->rend.track.type == SPATE_MEDIA_AUDIO &&
					       t->rend.track.frame_samples
				       ? t->rend.track.frame_samples
				       : t->rend.track.timescale / 25;
		rc = commit_held(t, last);
		if (rc < 0)
			return rc;
	}
	rc = close_segment(t);
	if (rc < 0)
		return rc;
	return pkg_publish_track_playlists(t, true);
}
