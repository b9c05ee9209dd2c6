/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything the packager hands to its output: init segments, parts,
 * segments, media playlists, the multivariant playlists and the MPD, with
 * their names (layout in manifest.h), plus removal of objects that fell out
 * of every window.
 *
 * Manifests follow the objects they describe: a rendition's playlist is
 * rewritten after each of its parts and segments; channel-level manifests
 * (multivariant, MPD) when every started rendition has finished a segment,
 * so a player never reads a segment number a rendition has not produced.
 */
#include "packager_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp4/mp4.h"

static int publish_iov(struct spate_packager *p, struct spate_object_info *info,
		       const struct spate_iov *iov, unsigned iovcnt)
{
	int rc = p->ops.publish(p->ops_ctx, info, iov, iovcnt);

	if (rc < 0) {
		p->stats.publish_errors++;
		pkg_log(p, 0, "publish %s failed: %s", info->name,
			strerror(-rc));
	}
	return 0; /* a failing output must not stop the channel */
}

static int publish(struct spate_packager *p, struct spate_object_info *info,
		   const uint8_t *data, size_t len)
{
	struct spate_iov iov = {data, len};

	return publish_iov(p, info, &iov, 1);
}

/*
 * The open segment as a gather list: styp, then each fragment's header
 * (in seg) followed by its sample bytes (in payload).
 */
static const struct spate_iov *segment_iov(struct pkg_track *t,
					   unsigned *iovcnt)
{
	size_t need = 1 + 2 * t->n_spans;
	unsigned n = 0;

	if (need > t->iov_cap) {
		struct spate_iov *v = realloc(t->iov, need * sizeof(*v));

		if (v == NULL)
			return NULL;
		t->iov = v;
		t->iov_cap = need;
	}
	t->iov[n++] = (struct spate_iov){t->seg.data, t->spans[0].hdr_off};
	for (size_t i = 0; i < t->n_spans; i++) {
		const struct pkg_span *sp = &t->spans[i];

		t->iov[n++] = (struct spate_iov){t->seg.data + sp->hdr_off,
						 sp->hdr_len};
		t->iov[n++] = (struct spate_iov){t->payload.data + sp->pay_off,
						 sp->pay_len};
	}
	*iovcnt = n;
	return t->iov;
}

static void unpublish(struct spate_packager *p, struct spate_object_info *info)
{
	if (p->ops.remove != NULL && p->ops.remove(p->ops_ctx, info) < 0)
		p->stats.publish_errors++;
}

int pkg_publish_init(struct pkg_track *t)
{
	struct spate_packager *p = t->owner;
	char name[64];
	struct spate_object_info info = {.kind = SPATE_OBJ_INIT,
					 .name = name,
					 .rendition = t->index};
	int rc;

	spate_buf_reset(&t->scratch);
	rc = spate_mp4_write_init(&t->scratch, &t->rend.track);
	if (rc < 0) {
		pkg_log(p, 0, "%s: init segment not written: %s", t->rend.id,
			strerror(-rc));
		return rc;
	}
	snprintf(name, sizeof(name), "%s/init-%u.mp4", t->rend.id,
		 t->rend.init_version);
	return publish(p, &info, t->scratch.data, t->scratch.len);
}

int pkg_publish_part(struct pkg_track *t, const struct pkg_span *span,
		     const struct spate_part_rec *rec)
{
	struct spate_packager *p = t->owner;
	char name[64];
	struct spate_object_info info = {.kind = SPATE_OBJ_PART,
					 .name = name,
					 .rendition = t->index,
					 .msn = rec->msn,
					 .part = rec->index};
	struct spate_iov iov[2] = {
		{t->seg.data + span->hdr_off, span->hdr_len},
		{t->payload.data + span->pay_off, span->pay_len},
	};

	snprintf(name, sizeof(name), "%s/seg-%llu.%u.m4s", t->rend.id,
		 (unsigned long long)rec->msn, rec->index);
	publish_iov(p, &info, iov, 2);
	spate_timeline_add_part(&t->rend.timeline, rec);
	t->rend.open_parts = rec->index + 1;
	p->stats.parts_out++;
	return pkg_publish_track_playlists(t, false);
}

static void remove_segment(struct pkg_track *t, uint64_t msn)
{
	char name[64];
	struct spate_object_info info = {.kind = SPATE_OBJ_SEGMENT,
					 .name = name,
					 .rendition = t->index,
					 .msn = msn};

	snprintf(name, sizeof(name), "%s/seg-%llu.m4s", t->rend.id,
		 (unsigned long long)msn);
	unpublish(t->owner, &info);
}

static void remove_parts(struct pkg_track *t,
			 const struct spate_segment_rec *seg)
{
	char name[64];
	struct spate_object_info info = {.kind = SPATE_OBJ_PART,
					 .name = name,
					 .rendition = t->index,
					 .msn = seg->msn};

	for (uint32_t i = 0; i < seg->nparts; i++) {
		snprintf(name, sizeof(name), "%s/seg-%llu.%u.m4s", t->rend.id,
			 (unsigned long long)seg->msn, i);
		info.part = i;
		unpublish(t->owner, &info);
	}
}

int pkg_publish_segment(struct pkg_track *t,
			const struct spate_segment_rec *rec)
{
	struct spate_packager *p = t->owner;
	struct spate_segment_rec evicted;
	const struct spate_segment_rec *old;
	const struct spate_iov *iov;
	unsigned iovcnt;
	char name[64];
	struct spate_object_info info = {.kind = SPATE_OBJ_SEGMENT,
					 .name = name,
					 .rendition = t->index,
					 .msn = rec->msn};

	if (t->seg.error)
		return t->seg.error;
	iov = segment_iov(t, &iovcnt);
	if (iov == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s/seg-%llu.m4s", t->rend.id,
		 (unsigned long long)rec->msn);
	publish_iov(p, &info, iov, iovcnt);
	p->stats.segments_out++;
	if (spate_timeline_add_segment(&t->rend.timeline, rec, &evicted))
		remove_segment(t, evicted.msn);
	/* Parts are only listed near the live edge; retire older ones. */
	if (rec->msn >= PKG_PART_KEEP_SEGMENTS) {
		old = spate_timeline_find(&t->rend.timeline,
					  rec->msn - PKG_PART_KEEP_SEGMENTS);
		if (old != NULL)
			remove_parts(t, old);
	}
	return pkg_publish_track_playlists(t, true);
}

/*
 * The renditions a manifest lists: those that produced something.  A stream
 * still waiting for its first key frame or codec configuration is left out
 * rather than advertised empty.
 */
static void build_presentation(struct spate_packager *p)
{
	static struct spate_rendition *const none[1];
	unsigned n = 0;

	for (unsigned i = 0; i < p->n_tracks; i++) {
		struct pkg_track *t = p->tracks[i];

		if (t->rend.timeline.seg_count > 0 ||
		    t->rend.timeline.part_count > 0)
			p->active[n++] = &t->rend;
	}
	p->pres.renditions = n > 0 ? p->active : none;
	p->pres.n_renditions = n;
}

static int rendition_index(const struct spate_packager *p,
			   const struct pkg_track *t)
{
	for (uint32_t i = 0; i < p->pres.n_renditions; i++)
		if (p->pres.renditions[i] == &t->rend)
			return (int)i;
	return -1;
}

/*
 * A manifest that cannot be written is logged and counted; only running
 * out of memory stops the channel.  Segments keep flowing either way.
 */
static int manifest_failed(struct spate_packager *p, const char *name, int rc)
{
	p->stats.publish_errors++;
	pkg_log(p, 0, "%s not written: %s", name, strerror(-rc));
	return rc == -ENOMEM ? rc : 0;
}


static int publish_media_playlist(struct pkg_track *t, uint32_t ri,
				  enum spate_hls_window window)
{
	struct spate_packager *p = t->owner;
	struct spate_hls_media_opts opts = {.window = window, .skip = 0};
	char name[64];
	struct spate_object_info info = {.kind = SPATE_OBJ_MEDIA_PLAYLIST,
					 .name = name,
					 .rendition = t->index,
					 .final = p->pres.ended};
	int rc;

	snprintf(name, sizeof(name), "%s/%s", t->rend.id,
		 window == SPATE_HLS_DVR ? "dvr.m3u8" : "index.m3u8");
	spate_buf_reset(&p->manifest);
	rc = spate_hls_write_media(&p->manifest, &p->pres, ri, &opts);
	if (rc == -EAGAIN)
		return 0; /* parts but no finished segment yet */
	if (rc < 0 || p->manifest.error)
		return manifest_failed(p, name, rc < 0 ? rc : p->manifest.error);
	p->stats.manifests_out++;
	return publish(p, &info, p->manifest.data, p->manifest.len);
}

int pkg_publish_track_playlists(struct pkg_track *t, bool with_dvr)
{
	struct spate_packager *p = t->owner;
	int ri, rc;

	if (!p->cfg.hls)
		return 0;
	build_presentation(p);
	ri = rendition_index(p, t);
	if (ri < 0)
		return 0;
	rc = publish_media_playlist(t, (uint32_t)ri, SPATE_HLS_LIVE);
	if (rc == 0 && with_dvr && p->cfg.dvr_ms > 0)
		rc = publish_media_playlist(t, (uint32_t)ri, SPATE_HLS_DVR);
	return rc;
}

static int publish_multivariant(struct spate_packager *p,
				enum spate_hls_window window)
{
	struct spate_object_info info = {
		.kind = SPATE_OBJ_MULTIVARIANT,
		.name = window == SPATE_HLS_DVR ? "dvr.m3u8" : "index.m3u8",
		.rendition = -1,
		.final = p->pres.ended};
	int rc;

	spate_buf_reset(&p->manifest);
	rc = spate_hls_write_multivariant(&p->manifest, &p->pres, window);
	if (rc == -EAGAIN)
		return 0;
	if (rc < 0 || p->manifest.error)
		return manifest_failed(p, info.name,
				       rc < 0 ? rc : p->manifest.error);
	/* Unchanged most of the time: don't make outputs rewrite it. */
	if (window == SPATE_HLS_LIVE) {
		if (p->last_multivariant.len == p->manifest.len &&
		    memcmp(p->last_multivariant.data, p->manifest.data,
			   p->manifest.len) == 0)
			return 0;
		spate_buf_reset(&p->last_multivariant);
		spate_buf_put(&p->last_multivariant, p->manifest.data,
			      p->manifest.len);
	}
	p->stats.manifests_out++;
	return publish(p, &info, p->manifest.data, p->manifest.len);
}

int pkg_publish_channel(struct spate_packager *p)
{
	struct spate_object_info info = {.kind = SPATE_OBJ_MPD,
					 .name = "manifest.mpd",
					 .rendition = -1,
					 .final = p->pres.ended};
	int rc = 0;

	build_presentation(p);
	if (p->pres.n_renditions == 0)
		return 0;
	if (p->cfg.hls) {
		rc = publish_multivariant(p, SPATE_HLS_LIVE);
		if (rc == 0 && p->cfg.dvr_ms > 0)
			rc = publish_multivariant(p, SPATE_HLS_DVR);
		if (rc < 0)
			return rc;
	}
	if (p->cfg.dash) {
		spate_buf_reset(&p->manifest);
		rc = spate_dash_write_mpd(&p->manifest, &p->pres);
		if (rc == -EAGAIN)
			return 0;
		if (rc < 0 || p->manifest.error)
			return manifest_failed(p, info.name,
					       rc < 0 ? rc : p->manifest.error);
		p->stats.manifests_out++;
		rc = publish(p, &info, p->manifest.data, p->manifest.len);
	}
	return rc;
}

/* Rewrites channel manifests once every started track has closed msn. */
void pkg_segment_closed(struct pkg_track *t, uint64_t msn)
{
	struct spate_packager *p = t->owner;

	for (unsigned i = 0; i < p->n_tracks; i++) {
		const struct spate_segment_rec *last =
			spate_timeline_last(&p->tracks[i]->rend.timeline);

		if (p->tracks[i]->started && (last == NULL || last->msn < msn))
			return;
	}
	if (msn + 1 <= p->channel_msn_done)
		return;
	p->channel_msn_done = msn + 1;
	pkg_publish_channel(p);
}
