/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_packager driven with synthetic access units into an in-memory
 * output: segment numbering and alignment across renditions, LL parts that
 * concatenate to their segment, discontinuities, 33-bit wrap, determinism,
 * and bad packets counted rather than crashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packager/packager.h"

/* x264 baseline 64x64 parameter sets (ffmpeg testsrc2). */
static const uint8_t sps_pps[] = {
	0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x0a, 0xdc, 0x42, 0x6c,
	0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83,
	0xc4, 0x89, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x68, 0xce, 0x0f, 0x2c,
	0x80};
/* AAC-LC, 48 kHz, stereo. */
static const uint8_t asc[] = {0x11, 0x90};

#define MAX_OBJECTS 512

struct object {
	char name[64];
	enum spate_object_kind kind;
	uint8_t *data;
	size_t len;
	int final;
};

struct mem_output {
	struct object obj[MAX_OBJECTS];
	unsigned n;
	unsigned publishes;
	unsigned removes;
	unsigned ll_playlists; /* live media playlists listing parts + hint */
};

static int mem_contains(const uint8_t *data, size_t len, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(data + i, text, n) == 0)
			return 1;
	return 0;
}

static struct object *find(struct mem_output *m, const char *name)
{
	for (unsigned i = 0; i < m->n; i++)
		if (strcmp(m->obj[i].name, name) == 0)
			return &m->obj[i];
	return NULL;
}

static int mem_publish(void *ctx, const struct spate_object_info *info,
		       const struct spate_iov *iov, unsigned iovcnt)
{
	struct mem_output *m = ctx;
	struct object *o = find(m, info->name);
	size_t len = 0;
	uint8_t *data;

	for (unsigned i = 0; i < iovcnt; i++)
		len += iov[i].len;
	data = malloc(len ? len : 1);
	assert_non_null(data);
	len = 0;
	for (unsigned i = 0; i < iovcnt; i++) {
		memcpy(data + len, iov[i].base, iov[i].len);
		len += iov[i].len;
	}

	if (o == NULL) {
		assert_true(m->n < MAX_OBJECTS);
		o = &m->obj[m->n++];
		snprintf(o->name, sizeof(o->name), "%s", info->name);
	}
	free(o->data);
	o->data = data;
	o->len = len;
	o->kind = info->kind;
	o->final = info->final;
	m->publishes++;
	if (info->kind == SPATE_OBJ_MEDIA_PLAYLIST &&
	    mem_contains(data, len, "#EXT-X-PART:") &&
	    mem_contains(data, len, "#EXT-X-PRELOAD-HINT:TYPE=PART"))
		m->ll_playlists++;
	return 0;
}

static int mem_remove(void *ctx, const struct spate_object_info *info)
{
	struct mem_output *m = ctx;
	struct object *o = find(m, info->name);

	if (o != NULL) {
		free(o->data);
		*o = m->obj[--m->n];
	}
	m->removes++;
	return 0;
}

static const struct spate_output_ops mem_ops = {mem_publish, mem_remove};

static void mem_free(struct mem_output *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->obj[i].data);
	free(m);
}

static struct mem_output *mem_new(void)
{
	struct mem_output *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	return m;
}

/* An Annex B access unit: parameter sets + IDR, or a non-IDR slice. */
static size_t make_au(uint8_t *out, int idr, uint32_t frame)
{
	size_t n = 0;
	static const uint8_t sc[] = {0, 0, 0, 1};

	if (idr) {
		memcpy(out, sps_pps, sizeof(sps_pps));
		n = sizeof(sps_pps);
	}
	memcpy(out + n, sc, 4);
	n += 4;
	out[n++] = idr ? 0x65 : 0x41;
	out[n++] = 0x88;
	/* A few payload bytes that vary per frame, no start-code pattern. */
	for (int i = 0; i < 24; i++)
		out[n++] = (uint8_t)(0x80 | ((frame * 7 + (uint32_t)i) & 0x7f));
	return n;
}

struct feed {
	int video_streams;
	int audio;
	uint32_t seconds;
	int64_t start_90k;    /* first video dts, 90 kHz */
	int64_t jump_at_s;    /* add jump_90k from this second on (0 = none) */
	int64_t jump_90k;
	unsigned wrap_bits;   /* stream timestamps wrap at 2^bits */
};

static struct spate_packager *make_packager(struct mem_output *m,
					    uint32_t part_ms)
{
	struct spate_pkg_config cfg;
	struct spate_packager *p;

	spate_pkg_config_defaults(&cfg);
	cfg.segment_ms = 2000;
	cfg.part_ms = part_ms;
	cfg.window_ms = 20000;
	cfg.epoch_ms = 1700000000000;
	assert_int_equal(spate_packager_create(&p, &cfg, &mem_ops, m), 0);
	return p;
}

/*
 * Feeds `seconds` of 25 fps video (key frame every 2 s) on each video
 * stream and 48 kHz AAC frames, interleaved by time as a muxer would.
 */
static void run_feed(struct spate_packager *p, const struct feed *f)
{
	struct spate_pkg_stream vs = {
		.type = SPATE_MEDIA_VIDEO, .codec = SPATE_CODEC_H264,
		.extradata = sps_pps, .extradata_len = sizeof(sps_pps),
		.tb_num = 1, .tb_den = 90000, .ts_wrap_bits = f->wrap_bits,
		.frame_rate_num = 25, .frame_rate_den = 1};
	struct spate_pkg_stream as = {
		.type = SPATE_MEDIA_AUDIO, .codec = SPATE_CODEC_AAC,
		.extradata = asc, .extradata_len = sizeof(asc),
		.tb_num = 1, .tb_den = 90000, .ts_wrap_bits = f->wrap_bits,
		.sample_rate = 48000, .channels = 2};
	int vid[4], aid = -1;
	uint8_t au[256], aac[64];
	uint32_t frames = f->seconds * 25;
	uint64_t mask = f->wrap_bits ? ((uint64_t)1 << f->wrap_bits) - 1
				     : UINT64_MAX;
	uint32_t a = 0;

	for (int i = 0; i < f->video_streams; i++)
		vid[i] = spate_packager_add_stream(p, &vs);
	if (f->audio)
		aid = spate_packager_add_stream(p, &as);
	memset(aac, 0x21, sizeof(aac));
	for (uint32_t fr = 0; fr < frames; fr++) {
		int64_t t = f->start_90k + (int64_t)fr * 3600;

		if (f->jump_at_s && fr >= f->jump_at_s * 25)
			t += f->jump_90k;
		for (int i = 0; i < f->video_streams; i++) {
			struct spate_pkg_packet pkt = {
				.stream = vid[i],
				.dts = (int64_t)((uint64_t)t & mask),
				.pts = (int64_t)((uint64_t)t & mask),
				.data = au,
				.size = make_au(au, fr % 50 == 0, fr),
				.key = fr % 50 == 0};
			assert_int_equal(spate_packager_write(p, &pkt), 0);
		}
		/* Audio frames (1024 samples at 48 kHz = 1920 ticks) up to t. */
		while (aid >= 0) {
			int64_t at = f->start_90k + (int64_t)a * 1920;

			if (f->jump_at_s && at >= f->start_90k +
							 f->jump_at_s * 90000)
				at += f->jump_90k;
			if (at > t + 3600)
				break;
			struct spate_pkg_packet pkt = {
				.stream = aid,
				.dts = (int64_t)((uint64_t)at & mask),
				.pts = (int64_t)((uint64_t)at & mask),
				.data = aac, .size = sizeof(aac), .key = 1};
			assert_int_equal(spate_packager_write(p, &pkt), 0);
			a++;
		}
	}
	assert_int_equal(spate_packager_finish(p), 0);
}

/* baseMediaDecodeTime of the first tfdt in an object. */
static uint64_t first_tfdt(const struct object *o)
{
	for (size_t i = 4; i + 16 <= o->len; i++) {
		if (memcmp(o->data + i, "tfdt", 4) != 0)
			continue;
		const uint8_t *b = o->data + i + 4;
		uint64_t v = 0;

		if (b[0] == 1) {
			for (int k = 0; k < 8; k++)
				v = (v << 8) | b[4 + k];
		} else {
			for (int k = 0; k < 4; k++)
				v = (v << 8) | b[4 + k];
		}
		return v;
	}
	fail_msg("no tfdt in %s", o->name);
	return 0;
}

static unsigned count_prefix(struct mem_output *m, const char *prefix,
			     enum spate_object_kind kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->n; i++)
		if (m->obj[i].kind == kind &&
		    strncmp(m->obj[i].name, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static int contains(const struct object *o, const char *text)
{
	return mem_contains(o->data, o->len, text);
}

static void test_ladder_aligned(void **state)
{
	struct mem_output *m = mem_new();
	struct spate_packager *p = make_packager(m, 0);
	struct feed f = {.video_streams = 2, .audio = 1, .seconds = 10,
			 .start_90k = 90000};
	struct spate_pkg_stats st;
	char name[64];

	(void)state;
	run_feed(p, &f);
	spate_packager_stats(p, &st);
	assert_int_equal(spate_packager_rendition_count(p), 3);
	assert_string_equal(spate_packager_rendition_id(p, 1), "v1");
	assert_string_equal(spate_packager_rendition_id(p, 2), "a0");
	assert_int_equal(st.dropped_before_key, 0);
	assert_int_equal(st.discontinuities, 0);
	/* Media time starts at 1 s: first segment is number 0, then 5 in all. */
	assert_int_equal(count_prefix(m, "v0/seg-", SPATE_OBJ_SEGMENT), 5);
	assert_int_equal(count_prefix(m, "v1/seg-", SPATE_OBJ_SEGMENT), 5);
	assert_int_equal(count_prefix(m, "a0/seg-", SPATE_OBJ_SEGMENT), 5);
	for (unsigned k = 0; k < 5; k++) {
		uint64_t v0, v1, a0;

		snprintf(name, sizeof(name), "v0/seg-%u.m4s", k);
		assert_non_null(find(m, name));
		v0 = first_tfdt(find(m, name));
		snprintf(name, sizeof(name), "v1/seg-%u.m4s", k);
		v1 = first_tfdt(find(m, name));
		snprintf(name, sizeof(name), "a0/seg-%u.m4s", k);
		a0 = first_tfdt(find(m, name));
		assert_int_equal(v0, 90000 + k * 180000);
		assert_int_equal(v1, v0);
		/* Audio cuts at the frame nearest the video cut (48 kHz). */
		assert_true(llabs((long long)a0 * 90000 / 48000 -
				  (long long)v0) <= 1920);
	}
	assert_non_null(find(m, "v0/init-0.mp4"));
	assert_non_null(find(m, "a0/init-0.mp4"));
	assert_non_null(find(m, "index.m3u8"));
	assert_non_null(find(m, "manifest.mpd"));
	assert_true(find(m, "manifest.mpd")->final);
	assert_true(contains(find(m, "v0/index.m3u8"), "#EXT-X-ENDLIST"));
	assert_true(contains(find(m, "manifest.mpd"), "type=\"static\""));
	spate_packager_destroy(p);
	mem_free(m);
}

static void test_ll_parts_concatenate(void **state)
{
	struct mem_output *m = mem_new();
	struct spate_packager *p = make_packager(m, 500);
	struct feed f = {.video_streams = 1, .audio = 1, .seconds = 6,
			 .start_90k = 0};
	char name[64];

	(void)state;
	run_feed(p, &f);
	for (unsigned k = 0; k < 3; k++) {
		const struct object *seg;
		size_t off;

		snprintf(name, sizeof(name), "v0/seg-%u.m4s", k);
		seg = find(m, name);
		assert_non_null(seg);
		/* styp (24 bytes in our layout) then the parts, byte for byte. */
		off = ((size_t)seg->data[0] << 24 | (size_t)seg->data[1] << 16 |
		       (size_t)seg->data[2] << 8 | seg->data[3]);
		assert_memory_equal(seg->data + 4, "styp", 4);
		/* 25 fps, 500 ms target: 12 frames (480 ms) a part, then 2. */
		for (unsigned i = 0; i < 5; i++) {
			const struct object *part;

			snprintf(name, sizeof(name), "v0/seg-%u.%u.m4s", k, i);
			part = find(m, name);
			assert_non_null(part);
			assert_true(off + part->len <= seg->len);
			assert_memory_equal(seg->data + off, part->data,
					    part->len);
			off += part->len;
		}
		assert_int_equal(off, seg->len);
		snprintf(name, sizeof(name), "v0/seg-%u.5.m4s", k);
		assert_null(find(m, name));
	}
	/* Live playlists listed parts and hints; the ended one drops them. */
	assert_true(m->ll_playlists > 10);
	assert_false(contains(find(m, "v0/index.m3u8"), "#EXT-X-PART:"));
	spate_packager_destroy(p);
	mem_free(m);
}

static void test_jump_is_discontinuity(void **state)
{
	struct mem_output *m = mem_new();
	struct spate_packager *p = make_packager(m, 0);
	/* At 4 s the encoder "restarts" 1000 s later. */
	struct feed f = {.video_streams = 1, .audio = 1, .seconds = 8,
			 .start_90k = 0, .jump_at_s = 4,
			 .jump_90k = 1000 * 90000};
	struct spate_pkg_stats st;

	(void)state;
	run_feed(p, &f);
	spate_packager_stats(p, &st);
	assert_int_equal(st.discontinuities, 1);
	/* The output timeline continues where it left off. */
	assert_int_equal(first_tfdt(find(m, "v0/seg-2.m4s")), 4 * 90000);
	assert_int_equal(first_tfdt(find(m, "v0/seg-3.m4s")), 6 * 90000);
	assert_true(contains(find(m, "v0/index.m3u8"),
			     "#EXT-X-DISCONTINUITY\n"));
	spate_packager_destroy(p);
	mem_free(m);
}

static void test_pts_wrap_is_continuous(void **state)
{
	struct mem_output *m = mem_new();
	struct spate_packager *p = make_packager(m, 0);
	/* Start 3 s before the 33-bit wrap. */
	struct feed f = {.video_streams = 1, .audio = 1, .seconds = 8,
			 .start_90k = ((int64_t)1 << 33) - 3 * 90000,
			 .wrap_bits = 33};
	struct spate_pkg_stats st;
	uint64_t prev = 0;
	unsigned segs = 0;

	(void)state;
	run_feed(p, &f);
	spate_packager_stats(p, &st);
	assert_int_equal(st.discontinuities, 0);
	for (unsigned i = 0; i < m->n; i++) {
		if (m->obj[i].kind != SPATE_OBJ_SEGMENT ||
		    strncmp(m->obj[i].name, "v0/", 3) != 0)
			continue;
		segs++;
	}
	assert_int_equal(segs, 4);
	/* Segment numbers follow media time; tfdt keeps growing past 2^33. */
	for (unsigned k = 0; k < 4; k++) {
		char name[64];
		uint64_t msn0 = (((uint64_t)1 << 33) - 3 * 90000) / 180000;
		uint64_t t;

		snprintf(name, sizeof(name), "v0/seg-%llu.m4s",
			 (unsigned long long)(msn0 + k));
		assert_non_null(find(m, name));
		t = first_tfdt(find(m, name));
		assert_true(t > prev);
		prev = t;
	}
	assert_true(prev > ((uint64_t)1 << 33));
	spate_packager_destroy(p);
	mem_free(m);
}

static void test_deterministic(void **state)
{
	struct mem_output *a = mem_new(), *b = mem_new();
	struct spate_packager *pa = make_packager(a, 400);
	struct spate_packager *pb = make_packager(b, 400);
	struct feed f = {.video_streams = 2, .audio = 1, .seconds = 7,
			 .start_90k = 12345};

	(void)state;
	run_feed(pa, &f);
	run_feed(pb, &f);
	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		struct object *o = find(b, a->obj[i].name);

		assert_non_null(o);
		assert_int_equal(o->len, a->obj[i].len);
		assert_memory_equal(o->data, a->obj[i].data, o->len);
	}
	spate_packager_destroy(pa);
	spate_packager_destroy(pb);
	mem_free(a);
	mem_free(b);
}

static void test_bad_packets_counted(void **state)
{
	struct mem_output *m = mem_new();
	struct spate_packager *p = make_packager(m, 0);
	struct spate_pkg_stream vs = {
		.type = SPATE_MEDIA_VIDEO, .codec = SPATE_CODEC_H264,
		.extradata = sps_pps, .extradata_len = sizeof(sps_pps),
		.tb_num = 1, .tb_den = 90000};
	struct spate_pkg_stream unsupported = {
		.type = SPATE_MEDIA_AUDIO, .codec = SPATE_CODEC_UNKNOWN,
		.tb_num = 1, .tb_den = 1000};
	uint8_t au[256];
	struct spate_pkg_stats st;
	int v;

	(void)state;
	assert_int_equal(spate_packager_add_stream(p, &unsupported), -ENOTSUP);
	v = spate_packager_add_stream(p, &vs);
	assert_int_equal(v, 0);
	struct spate_pkg_packet empty = {.stream = v, .dts = 0, .pts = 0,
					 .data = au, .size = 0};
	struct spate_pkg_packet nots = {.stream = v, .dts = SPATE_PKG_NOPTS,
					.pts = SPATE_PKG_NOPTS, .data = au,
					.size = make_au(au, 1, 0)};
	struct spate_pkg_packet nonkey = {.stream = v, .dts = 0, .pts = 0,
					  .data = au, .size = 0};
	struct spate_pkg_packet bad = {.stream = 5, .dts = 0, .pts = 0,
				       .data = au, .size = 4};

	assert_int_equal(spate_packager_write(p, &empty), 0);
	assert_int_equal(spate_packager_write(p, &nots), 0);
	nonkey.size = make_au(au, 0, 1);
	assert_int_equal(spate_packager_write(p, &nonkey), 0);
	assert_int_equal(spate_packager_write(p, &bad), -EINVAL);
	/* Too late to add a stream once packets flow. */
	assert_int_equal(spate_packager_add_stream(p, &vs), -EBUSY);
	assert_int_equal(spate_packager_finish(p), 0);
	spate_packager_stats(p, &st);
	assert_int_equal(st.dropped_empty, 1);
	assert_int_equal(st.dropped_no_ts, 1);
	assert_int_equal(st.dropped_before_key, 1);
	assert_int_equal(st.segments_out, 0);
	spate_packager_destroy(p);
	mem_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ladder_aligned),
		cmocka_unit_test(test_ll_parts_concatenate),
		cmocka_unit_test(test_jump_is_discontinuity),
		cmocka_unit_test(test_pts_wrap_is_continuous),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bad_packets_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
