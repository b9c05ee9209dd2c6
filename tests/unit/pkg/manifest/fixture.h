/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A channel built by hand for the manifest writer tests: two H.264
 * renditions (v0 720p, v1 360p) and one AAC rendition (a0), 2 s segments,
 * optional 0.5 s LL parts, epoch 2026-11-24T10:00:00Z.
 *
 * Audio segments end on the first AAC frame boundary at or after the video
 * cut, as a real segmenter's do, so their durations alternate between 94 and
 * 93 frames and start a few ms after the video ones.
 */
#ifndef SPATE_TEST_MANIFEST_FIXTURE_H
#define SPATE_TEST_MANIFEST_FIXTURE_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "manifest.h"

#define FX_EPOCH_MS  1795514400000LL /* 2026-11-24T10:00:00.000Z */
#define FX_VIDEO_TS  90000u
#define FX_AUDIO_TS  48000u
#define FX_AAC_FRAME 1024u

struct fx {
	struct spate_rendition v0, v1, a0;
	struct spate_rendition *rends[3];
	struct spate_presentation p;
	struct spate_buf out;
};

static inline void fx_video(struct spate_rendition *r, const char *id,
			    uint32_t w, uint32_t h, const char *codec)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->track.type = SPATE_MEDIA_VIDEO;
	r->track.codec = SPATE_CODEC_H264;
	r->track.timescale = FX_VIDEO_TS;
	snprintf(r->track.codec_string, sizeof(r->track.codec_string), "%s",
		 codec);
	snprintf(r->track.language, sizeof(r->track.language), "und");
	r->track.width = w;
	r->track.height = h;
	r->track.sar_num = 1;
	r->track.sar_den = 1;
	r->track.frame_rate_num = 30;
	r->track.frame_rate_den = 1;
	r->init_version = 1;
}

static inline void fx_audio(struct spate_rendition *r, const char *id,
			    const char *lang)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->track.type = SPATE_MEDIA_AUDIO;
	r->track.codec = SPATE_CODEC_AAC;
	r->track.timescale = FX_AUDIO_TS;
	snprintf(r->track.codec_string, sizeof(r->track.codec_string),
		 "mp4a.40.2");
	snprintf(r->track.language, sizeof(r->track.language), "%s", lang);
	r->track.sample_rate = FX_AUDIO_TS;
	r->track.channels = 2;
	r->track.frame_samples = FX_AAC_FRAME;
	r->init_version = 1;
}

/* seg_cap segments and part_cap parts per rendition; LL when part_cap. */
static inline void fx_init(struct fx *f, size_t seg_cap, size_t part_cap)
{
	memset(f, 0, sizeof(*f));
	fx_video(&f->v0, "v0", 1280, 720, "avc1.64001f");
	fx_video(&f->v1, "v1", 640, 360, "avc1.4d401e");
	fx_audio(&f->a0, "a0", "eng");
	f->rends[0] = &f->v0;
	f->rends[1] = &f->v1;
	f->rends[2] = &f->a0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(spate_timeline_init(&f->rends[i]->timeline,
						     seg_cap, part_cap),
				 0);
	f->p.renditions = f->rends;
	f->p.n_renditions = 3;
	f->p.segment_ms = 2000;
	f->p.part_ms = part_cap > 0 ? 500 : 0;
	f->p.window_ms = 6000;
	f->p.dvr_ms = 0;
	f->p.epoch_ms = FX_EPOCH_MS;
	spate_buf_init(&f->out);
}

static inline void fx_free(struct fx *f)
{
	for (int i = 0; i < 3; i++)
		spate_timeline_free(&f->rends[i]->timeline);
	spate_buf_free(&f->out);
}

/* Appends a segment and, when nparts > 0, its equal parts. */
static inline void fx_add(struct spate_rendition *r, uint64_t msn,
			  int64_t start, uint64_t dur, uint32_t bytes,
			  uint32_t disc_seq, int disc_flag,
			  uint32_t init_version, uint32_t nparts)
{
	struct spate_segment_rec s = {
		.msn = msn,
		.start = start,
		.duration = dur,
		.size_bytes = bytes,
		.nparts = nparts,
		.disc_seq = disc_seq,
		.init_version = init_version,
		.discontinuity = (uint8_t)disc_flag,
	};

	for (uint32_t i = 0; i < nparts; i++) {
		struct spate_part_rec pr = {
			.msn = msn,
			.index = i,
			.duration = (uint32_t)(dur / nparts),
			.size_bytes = bytes / nparts,
			.independent = i == 0,
		};

		spate_timeline_add_part(&r->timeline, &pr);
	}
	spate_timeline_add_segment(&r->timeline, &s, NULL);
	r->next_msn = msn + 1;
	r->init_version = init_version;
	r->open_start = start + (int64_t)dur;
}

/* AAC sample where audio segment k starts: first frame at or after 2k s. */
static inline int64_t fx_audio_start(uint64_t k)
{
	uint64_t frames =
		(k * 2 * FX_AUDIO_TS + FX_AAC_FRAME - 1) / FX_AAC_FRAME;

	return (int64_t)(frames * FX_AAC_FRAME);
}

/*
 * Segments [from, to) of the whole channel: v0 500 kB, v1 200 kB, a0 32 kB
 * per 2 s, 4 parts each when LL is on.
 */
static inline void fx_segments(struct fx *f, uint64_t from, uint64_t to,
			       uint32_t disc_seq, int disc_flag_first,
			       uint32_t init_version)
{
	uint32_t nparts = f->p.part_ms > 0 ? 4 : 0;

	for (uint64_t k = from; k < to; k++) {
		int flag = disc_flag_first && k == from;
		int64_t a0 = fx_audio_start(k), a1 = fx_audio_start(k + 1);

		fx_add(&f->v0, k, (int64_t)(k * 2 * FX_VIDEO_TS),
		       2 * FX_VIDEO_TS, 500000, disc_seq, flag, init_version,
		       nparts);
		fx_add(&f->v1, k, (int64_t)(k * 2 * FX_VIDEO_TS),
		       2 * FX_VIDEO_TS, 200000, disc_seq, flag, init_version,
		       nparts);
		fx_add(&f->a0, k, a0, (uint64_t)(a1 - a0), 32000, disc_seq,
		       flag, init_version, nparts);
	}
}

/* Publishes nparts 0.5 s parts of the segment in progress everywhere. */
static inline void fx_open(struct fx *f, uint32_t nparts)
{
	for (int i = 0; i < 3; i++) {
		struct spate_rendition *r = f->rends[i];
		uint32_t ts = r->track.timescale;

		for (uint32_t k = 0; k < nparts; k++) {
			struct spate_part_rec pr = {
				.msn = r->next_msn,
				.index = k,
				.duration = ts / 2,
				.size_bytes = 1000,
				.independent = k == 0,
			};

			spate_timeline_add_part(&r->timeline, &pr);
		}
		r->open_parts = nparts;
	}
}

/* The buffer holds exactly `expect`; prints both on mismatch. */
static inline void fx_assert_text(const struct spate_buf *b, const char *expect)
{
	size_t n = strlen(expect);

	assert_int_equal(b->error, 0);
	if (b->len != n || memcmp(b->data, expect, n) != 0) {
		size_t i = 0;

		while (i < n && i < b->len && b->data[i] == expect[i])
			i++;
		fprintf(stderr,
			"--- got (%zu bytes) ---\n%.*s--- expected (%zu) ---\n"
			"%s--- first difference at byte %zu ---\n",
			b->len, (int)b->len, (const char *)b->data, n, expect,
			i);
		fail();
	}
}

/* Occurrences of `needle` in the buffer. */
static inline int fx_count(const struct spate_buf *b, const char *needle)
{
	size_t n = strlen(needle);
	int count = 0;

	for (size_t i = 0; n > 0 && i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			count++;
	return count;
}

static inline int fx_contains(const struct spate_buf *b, const char *needle)
{
	return fx_count(b, needle) > 0;
}

#endif /* SPATE_TEST_MANIFEST_FIXTURE_H */
