/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkg/mp4 byte layouts: styp, an AAC init segment and two fragments are
 * compared against hand-written bytes (box by box, sizes worked out by hand
 * in the comments), and every other output is run through the test-only
 * box walker, which checks that each box's children fill it exactly.  Also
 * covers the compact trun/tfhd encodings, argument validation and the
 * "nothing appended on error" promise.
 */
/* cmocka.h needs these four first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "box_walk.h"
#include "mp4/mp4.h"

#define BE16(v) (uint8_t)((v) >> 8), (uint8_t)(v)
#define BE24(v) (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)
#define BE32(v)                                                         \
	(uint8_t)((uint32_t)(v) >> 24), (uint8_t)((uint32_t)(v) >> 16), \
		(uint8_t)((uint32_t)(v) >> 8), (uint8_t)(v)
#define BE64(v)	       BE32((uint64_t)(v) >> 32), BE32(v)
#define CC(a, b, c, d) (uint8_t)(a), (uint8_t)(b), (uint8_t)(c), (uint8_t)(d)
#define UNITY_MATRIX                                                   \
	BE32(0x00010000), BE32(0), BE32(0), BE32(0), BE32(0x00010000), \
		BE32(0), BE32(0), BE32(0), BE32(0x40000000)
#define ZERO4  0, 0, 0, 0
#define ZERO8  ZERO4, ZERO4
#define ZERO16 ZERO8, ZERO8

/* Asserts the walker accepts the whole buffer and returns its box count. */
static int assert_boxes_ok(const struct spate_buf *b)
{
	char err[160];
	int n = bw_check(b->data, b->len, err, sizeof(err));

	if (n < 0)
		fail_msg("box walk failed: %s", err);
	return n;
}

static void aac_track(struct spate_track_info *t)
{
	memset(t, 0, sizeof(*t));
	t->track_id = 2;
	t->type = SPATE_MEDIA_AUDIO;
	t->codec = SPATE_CODEC_AAC;
	t->timescale = 48000;
	strcpy(t->language, "eng");
	t->avg_bitrate_bps = 128000;
	t->max_bitrate_bps = 160000;
	t->sample_rate = 48000;
	t->channels = 2;
	t->frame_samples = 1024;
	t->config[0] = 0x11; /* AAC-LC, 48 kHz, stereo */
	t->config[1] = 0x90;
	t->config_len = 2;
}

/* A minimal but well-formed avcC: version 1, High@3.0, no SPS/PPS. */
static void h264_track(struct spate_track_info *t)
{
	static const uint8_t avcc[] = {0x01, 0x64, 0x00, 0x1e,
				       0xff, 0xe0, 0x00};

	memset(t, 0, sizeof(*t));
	t->track_id = 1;
	t->type = SPATE_MEDIA_VIDEO;
	t->codec = SPATE_CODEC_H264;
	t->timescale = 90000;
	strcpy(t->language, "und");
	t->width = 640;
	t->height = 360;
	t->sar_num = 1;
	t->sar_den = 1;
	memcpy(t->config, avcc, sizeof(avcc));
	t->config_len = sizeof(avcc);
}

static void test_styp_bytes(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	/* one box per line, sizes worked out by hand */
	/* clang-format off */
	const uint8_t want[] = {
		BE32(32), CC('s', 't', 'y', 'p'),
		CC('m', 's', 'd', 'h'), BE32(0), /* major, minor */
		CC('m', 's', 'd', 'h'), CC('c', 'm', 'f', 's'),
		CC('c', 'm', 'f', 'c'), CC('i', 's', 'o', '6'),
	};
	/* clang-format on */

	(void)state;
	assert_int_equal(spate_mp4_write_styp(&b), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	spate_buf_free(&b);
}

static void test_init_aac_bytes(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	/* one box per line, sizes worked out by hand */
	/* clang-format off */
	const uint8_t want[] = {
		/* ftyp 28 */
		BE32(28), CC('f', 't', 'y', 'p'), CC('i', 's', 'o', '6'),
		BE32(0), CC('i', 's', 'o', '6'), CC('c', 'm', 'f', 'c'),
		CC('d', 'a', 's', 'h'),
		/* moov 588 = 8 + mvhd 108 + trak 432 + mvex 40 */
		BE32(588), CC('m', 'o', 'o', 'v'),
		/* mvhd 108, v0 */
		BE32(108), CC('m', 'v', 'h', 'd'), BE32(0),
		BE32(0), BE32(0), BE32(1000), BE32(0), /* times, ts, dur */
		BE32(0x00010000), BE16(0x0100), 0, 0, ZERO8, /* rate, vol */
		UNITY_MATRIX, ZERO16, ZERO8, /* matrix, pre_defined[6] */
		BE32(3),		     /* next_track_ID */
		/* trak 432 = 8 + tkhd 92 + mdia 332 */
		BE32(432), CC('t', 'r', 'a', 'k'),
		/* tkhd 92, flags enabled|in_movie */
		BE32(92), CC('t', 'k', 'h', 'd'), 0, BE24(3),
		BE32(0), BE32(0), BE32(2), BE32(0), BE32(0), /* .. track 2 */
		ZERO8, BE16(0), BE16(0), BE16(0x0100), BE16(0), /* vol 1.0 */
		UNITY_MATRIX, BE32(0), BE32(0), /* no width/height: audio */
		/* mdia 332 = 8 + mdhd 32 + hdlr 45 + minf 247 */
		BE32(332), CC('m', 'd', 'i', 'a'),
		BE32(32), CC('m', 'd', 'h', 'd'), BE32(0),
		BE32(0), BE32(0), BE32(48000), BE32(0),
		BE16(0x15c7), BE16(0), /* "eng" = 5,14,7 */
		BE32(45), CC('h', 'd', 'l', 'r'), BE32(0),
		BE32(0), CC('s', 'o', 'u', 'n'), ZERO8, ZERO4,
		'S', 'o', 'u', 'n', 'd', 'H', 'a', 'n', 'd', 'l', 'e', 'r', 0,
		/* minf 247 = 8 + smhd 16 + dinf 36 + stbl 187 */
		BE32(247), CC('m', 'i', 'n', 'f'),
		BE32(16), CC('s', 'm', 'h', 'd'), BE32(0), BE16(0), BE16(0),
		BE32(36), CC('d', 'i', 'n', 'f'),
		BE32(28), CC('d', 'r', 'e', 'f'), BE32(0), BE32(1),
		BE32(12), CC('u', 'r', 'l', ' '), BE32(1),
		/* stbl 187 = 8 + stsd 111 + stts 16 + stsc 16 + stsz 20 +
		 * stco 16 */
		BE32(187), CC('s', 't', 'b', 'l'),
		BE32(111), CC('s', 't', 's', 'd'), BE32(0), BE32(1),
		/* mp4a 95 = 8 + 28 + esds 39 + btrt 20 */
		BE32(95), CC('m', 'p', '4', 'a'), 0, 0, 0, 0, 0, 0, BE16(1),
		ZERO8, BE16(2), BE16(16), BE16(0), BE16(0),
		BE32(48000u << 16),
		/* esds 39 = 12 + ES_Descriptor (2 + 25) */
		BE32(39), CC('e', 's', 'd', 's'), BE32(0),
		0x03, 25, BE16(0), 0x00,	 /* ES_ID 0, no flags */
		0x04, 17, 0x40, 0x15, BE24(0), /* AAC, audio stream */
		BE32(160000), BE32(128000),	 /* max, avg bitrate */
		0x05, 2, 0x11, 0x90,		 /* AudioSpecificConfig */
		0x06, 1, 0x02,			 /* SLConfig predefined 2 */
		BE32(20), CC('b', 't', 'r', 't'), BE32(0), BE32(160000),
		BE32(128000),
		BE32(16), CC('s', 't', 't', 's'), BE32(0), BE32(0),
		BE32(16), CC('s', 't', 's', 'c'), BE32(0), BE32(0),
		BE32(20), CC('s', 't', 's', 'z'), BE32(0), BE32(0), BE32(0),
		BE32(16), CC('s', 't', 'c', 'o'), BE32(0), BE32(0),
		/* mvex 40 = 8 + trex 32 */
		BE32(40), CC('m', 'v', 'e', 'x'),
		BE32(32), CC('t', 'r', 'e', 'x'), BE32(0), BE32(2), BE32(1),
		BE32(0), BE32(0), BE32(0),
	};
	/* clang-format on */

	(void)state;
	aac_track(&t);
	assert_int_equal(spate_mp4_write_init(&b, &t), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(assert_boxes_ok(&b), 24);
	spate_buf_free(&b);
}

/* Three AAC frames: one duration, different sizes, all sync. */
static void test_fragment_audio_bytes(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	const struct spate_sample s[3] = {
		{.dts = 10240, .duration = 1024, .size = 2, .flags = 0},
		{.dts = 11264, .duration = 1024, .size = 3, .flags = 0},
		{.dts = 12288, .duration = 1024, .size = 1, .flags = 0},
	};
	const uint8_t payload[] = {0xa1, 0xa2, 0xb1, 0xb2, 0xb3, 0xc1};
	/* one box per line, sizes worked out by hand */
	/* clang-format off */
	const uint8_t want[] = {
		/* moof 108 = 8 + mfhd 16 + traf 84 */
		BE32(108), CC('m', 'o', 'o', 'f'),
		BE32(16), CC('m', 'f', 'h', 'd'), BE32(0), BE32(7),
		/* traf 84 = 8 + tfhd 24 + tfdt 20 + trun 32 */
		BE32(84), CC('t', 'r', 'a', 'f'),
		/* tfhd: base-is-moof | default duration | default flags */
		BE32(24), CC('t', 'f', 'h', 'd'), 0, BE24(0x020028),
		BE32(2), BE32(1024), BE32(0x02000000),
		BE32(20), CC('t', 'f', 'd', 't'), 1, BE24(0), BE64(10240),
		/* trun v1: data offset | sizes */
		BE32(32), CC('t', 'r', 'u', 'n'), 1, BE24(0x000201),
		BE32(3), BE32(108 + 8), BE32(2), BE32(3), BE32(1),
		BE32(14), CC('m', 'd', 'a', 't'),
		0xa1, 0xa2, 0xb1, 0xb2, 0xb3, 0xc1,
	};
	/* clang-format on */

	(void)state;
	aac_track(&t);
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 7, s, 3, payload,
						  sizeof(payload)),
			 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(assert_boxes_ok(&b), 7);
	spate_buf_free(&b);
}

/*
 * IDR then two non-sync frames with B-frame style offsets, one negative:
 * exercises first_sample_flags and signed composition offsets.
 */
static void test_fragment_video_bytes(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	const struct spate_sample s[3] = {
		{.dts = 0,
		 .cts = 3000,
		 .duration = 3000,
		 .size = 2,
		 .flags = SPATE_SAMPLE_SYNC},
		{.dts = 3000, .cts = -3000, .duration = 3000, .size = 2},
		{.dts = 6000, .cts = 0, .duration = 3000, .size = 2},
	};
	const uint8_t payload[] = {1, 2, 3, 4, 5, 6};
	/* one box per line, sizes worked out by hand */
	/* clang-format off */
	const uint8_t want[] = {
		/* moof 116 = 8 + mfhd 16 + traf 92 */
		BE32(116), CC('m', 'o', 'o', 'f'),
		BE32(16), CC('m', 'f', 'h', 'd'), BE32(0), BE32(1),
		/* traf 92 = 8 + tfhd 28 + tfdt 20 + trun 36 */
		BE32(92), CC('t', 'r', 'a', 'f'),
		/* tfhd: base-is-moof | duration | size | flags defaults */
		BE32(28), CC('t', 'f', 'h', 'd'), 0, BE24(0x020038),
		BE32(1), BE32(3000), BE32(2), BE32(0x01010000),
		BE32(20), CC('t', 'f', 'd', 't'), 1, BE24(0), BE64(0),
		/* trun v1: data offset | first sample flags | cts offsets */
		BE32(36), CC('t', 'r', 'u', 'n'), 1, BE24(0x000805),
		BE32(3), BE32(116 + 8), BE32(0x02000000),
		BE32(3000), BE32(0xfffff448), BE32(0),
		BE32(14), CC('m', 'd', 'a', 't'), 1, 2, 3, 4, 5, 6,
	};
	/* clang-format on */

	(void)state;
	h264_track(&t);
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, s, 3, payload,
						  sizeof(payload)),
			 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	spate_buf_free(&b);
}

/* Reads trun's fields back; checks the flags and returns the sample count. */
static uint32_t trun_of(const struct spate_buf *b, const char *path,
			uint32_t want_flags)
{
	struct bw_box trun;

	assert_int_equal(bw_find(b->data, b->len, path, &trun), 0);
	assert_int_equal(trun.body[0], 1); /* version 1 always */
	assert_int_equal(bw_be32(trun.body) & 0xffffff, want_flags);
	return bw_be32(trun.body + 4);
}

/* A sync frame mid-fragment forces per-sample flags; sizes/durations vary. */
static void test_fragment_per_sample_fields(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	const struct spate_sample s[4] = {
		{.dts = 90000, .duration = 3000, .size = 1},
		{.dts = 93000, .duration = 3003, .size = 2},
		{.dts = 96003,
		 .duration = 3000,
		 .size = 1,
		 .flags = SPATE_SAMPLE_SYNC},
		{.dts = 99003, .duration = 2997, .size = 3},
	};
	const uint8_t payload[7] = {0};
	struct bw_box tfhd, trun;
	const uint8_t *e;

	(void)state;
	h264_track(&t);
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 2, s, 4, payload,
						  sizeof(payload)),
			 0);
	assert_boxes_ok(&b);
	assert_int_equal(bw_find(b.data, b.len, "moof/traf/tfhd", &tfhd), 0);
	assert_int_equal(bw_be32(tfhd.body), 0x020000); /* no defaults */
	assert_int_equal(tfhd.body_len, 8);
	/* data offset | duration | size | flags, no cts: all zero */
	assert_int_equal(trun_of(&b, "moof/traf/trun", 0x000701), 4);
	assert_int_equal(bw_find(b.data, b.len, "moof/traf/trun", &trun), 0);
	assert_int_equal(trun.body_len, 12 + 4 * 12);
	e = trun.body + 12;
	assert_int_equal(bw_be32(e + 0), 3000);
	assert_int_equal(bw_be32(e + 4), 1);
	assert_int_equal(bw_be32(e + 8), 0x01010000);
	assert_int_equal(bw_be32(e + 24 + 8), 0x02000000); /* the sync one */
	assert_int_equal(bw_be32(e + 36), 2997);
	spate_buf_free(&b);
}

/* One sample: everything goes to tfhd defaults, trun is just offset. */
static void test_fragment_single_sample(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	const struct spate_sample s = {
		.dts = 0x123456789a, .duration = 1024, .size = 3};
	const uint8_t payload[3] = {7, 8, 9};
	struct bw_box tfhd, tfdt, mdat;

	(void)state;
	aac_track(&t);
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, &s, 1, payload, 3),
			 0);
	assert_boxes_ok(&b);
	assert_int_equal(bw_find(b.data, b.len, "moof/traf/tfhd", &tfhd), 0);
	assert_int_equal(bw_be32(tfhd.body), 0x020038);
	assert_int_equal(bw_be32(tfhd.body + 8), 1024);
	assert_int_equal(bw_be32(tfhd.body + 12), 3);
	assert_int_equal(bw_be32(tfhd.body + 16), 0x02000000);
	assert_int_equal(trun_of(&b, "moof/traf/trun", 0x000001), 1);
	/* tfdt v1 carries the full 64-bit time */
	assert_int_equal(bw_find(b.data, b.len, "moof/traf/tfdt", &tfdt), 0);
	assert_int_equal(bw_be64(tfdt.body + 4), 0x123456789a);
	assert_int_equal(bw_find(b.data, b.len, "mdat", &mdat), 0);
	assert_memory_equal(mdat.body, payload, 3);
	spate_buf_free(&b);
}

/*
 * data_offset is relative to moof even when the fragment is appended behind
 * other bytes, and several fragments can follow one styp (LL parts).
 */
static void test_fragments_appended(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	struct spate_sample s[2] = {
		{.dts = 0,
		 .duration = 3000,
		 .size = 3,
		 .flags = SPATE_SAMPLE_SYNC},
		{.dts = 3000, .duration = 3000, .size = 2},
	};
	const uint8_t p1[5] = {1, 1, 1, 2, 2};
	const uint8_t p2[5] = {3, 3, 3, 4, 4};

	(void)state;
	h264_track(&t);
	assert_int_equal(spate_mp4_write_styp(&b), 0);
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, s, 2, p1, 5), 0);
	s[0].dts = 6000;
	s[0].flags = 0;
	s[1].dts = 9000;
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 2, s, 2, p2, 5), 0);
	assert_int_equal(assert_boxes_ok(&b), 1 + 2 * 7);
	assert_int_equal(bw_count(b.data, b.len, "moof"), 2);

	for (int k = 0; k < 2; k++) {
		char path[32];
		struct bw_box moof, trun, mfhd;
		uint32_t data_offset;

		snprintf(path, sizeof(path), "moof#%d", k);
		assert_int_equal(bw_find(b.data, b.len, path, &moof), 0);
		snprintf(path, sizeof(path), "moof#%d/traf/trun", k);
		assert_int_equal(bw_find(b.data, b.len, path, &trun), 0);
		snprintf(path, sizeof(path), "moof#%d/mfhd", k);
		assert_int_equal(bw_find(b.data, b.len, path, &mfhd), 0);
		assert_int_equal(bw_be32(mfhd.body + 4), k + 1);
		data_offset = bw_be32(trun.body + 8);
		assert_int_equal(data_offset, moof.size + 8);
		assert_memory_equal(moof.start + data_offset, k ? p2 : p1, 5);
	}
	/* Second part starts on a non-sync frame: all flags are the same. */
	assert_int_equal(trun_of(&b, "moof#1/traf/trun", 0x000201), 2);
	spate_buf_free(&b);
}

static void test_determinism(void **state)
{
	struct spate_buf a = SPATE_BUF_INIT, b = SPATE_BUF_INIT;
	struct spate_track_info t;
	const struct spate_sample s[2] = {
		{.dts = 0,
		 .cts = 6000,
		 .duration = 3000,
		 .size = 2,
		 .flags = SPATE_SAMPLE_SYNC},
		{.dts = 3000, .cts = 0, .duration = 3000, .size = 1},
	};
	const uint8_t payload[3] = {9, 9, 9};

	(void)state;
	h264_track(&t);
	t.sar_num = 4;
	t.sar_den = 3;
	t.avg_bitrate_bps = 1000000;
	for (int i = 0; i < 2; i++) {
		struct spate_buf *o = i ? &b : &a;

		assert_int_equal(spate_mp4_write_init(o, &t), 0);
		assert_int_equal(spate_mp4_write_styp(o), 0);
		assert_int_equal(
			spate_mp4_write_fragment(o, &t, 5, s, 2, payload, 3),
			0);
	}
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	spate_buf_free(&a);
	spate_buf_free(&b);
}

/* Video init: geometry, pasp only for non-square pixels, btrt when known. */
static void test_init_video_geometry(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	struct bw_box box;

	(void)state;
	h264_track(&t);
	assert_int_equal(spate_mp4_write_init(&b, &t), 0);
	assert_boxes_ok(&b);
	assert_int_equal(bw_find(b.data, b.len, "moov/trak/tkhd", &box), 0);
	assert_int_equal(bw_be32(box.body + 76), 640u << 16);
	assert_int_equal(bw_be32(box.body + 80), 360u << 16);
	assert_int_equal(bw_be16(box.body + 36), 0); /* video volume 0 */
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/avc1/pasp",
				 &box),
			 -1);
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/avc1/btrt",
				 &box),
			 -1);
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/avc1", &box),
			 0);
	assert_int_equal(bw_be16(box.body + 6), 1);	    /* dref index */
	assert_int_equal(bw_be16(box.body + 24), 640);	    /* width */
	assert_int_equal(bw_be16(box.body + 26), 360);	    /* height */
	assert_int_equal(bw_be32(box.body + 28), 0x480000); /* 72 dpi */
	assert_int_equal(bw_be16(box.body + 40), 1);	    /* frame_count */
	assert_int_equal(bw_be16(box.body + 74), 0x18);	    /* depth */
	assert_int_equal(bw_be16(box.body + 76), 0xffff);   /* pre_defined */
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/avc1/avcC",
				 &box),
			 0);
	assert_int_equal(box.body_len, t.config_len);
	assert_memory_equal(box.body, t.config, t.config_len);
	assert_int_equal(
		bw_find(b.data, b.len, "moov/trak/mdia/minf/vmhd", &box), 0);
	assert_int_equal(bw_be32(box.body), 1); /* flags 1 */
	assert_int_equal(bw_find(b.data, b.len, "moov/trak/mdia/hdlr", &box),
			 0);
	assert_memory_equal(box.body + 8, "vide", 4);
	assert_int_equal(bw_find(b.data, b.len, "moov/trak/mdia/mdhd", &box),
			 0);
	assert_int_equal(bw_be32(box.body + 12), 90000);
	assert_int_equal(bw_be16(box.body + 20), 0x55c4); /* "und" */

	/* 720x576 at 64:45 displays as 1024x576. */
	spate_buf_reset(&b);
	t.width = 720;
	t.height = 576;
	t.sar_num = 64;
	t.sar_den = 45;
	t.avg_bitrate_bps = 2000000;
	assert_int_equal(spate_mp4_write_init(&b, &t), 0);
	assert_boxes_ok(&b);
	assert_int_equal(bw_find(b.data, b.len, "moov/trak/tkhd", &box), 0);
	assert_int_equal(bw_be32(box.body + 76), 1024u << 16);
	assert_int_equal(bw_be32(box.body + 80), 576u << 16);
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/avc1/pasp",
				 &box),
			 0);
	assert_int_equal(bw_be32(box.body), 64);
	assert_int_equal(bw_be32(box.body + 4), 45);
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/avc1/btrt",
				 &box),
			 0);
	/* max below avg (here unknown, 0) is raised to avg */
	assert_int_equal(bw_be32(box.body + 4), 2000000);
	assert_int_equal(bw_be32(box.body + 8), 2000000);

	/* Non-integer display width keeps its fraction: 3 px at 1:2. */
	spate_buf_reset(&b);
	t.width = 3;
	t.sar_num = 1;
	t.sar_den = 2;
	assert_int_equal(spate_mp4_write_init(&b, &t), 0);
	assert_int_equal(bw_find(b.data, b.len, "moov/trak/tkhd", &box), 0);
	assert_int_equal(bw_be32(box.body + 76), 0x00018000); /* 1.5 */
	spate_buf_free(&b);
}

/* HEVC, AV1 and Opus sample entries carry their records unchanged. */
static void test_init_other_codecs(void **state)
{
	static const struct {
		enum spate_media_type type;
		enum spate_codec_id codec;
		const char *entry;
		const char *config_box;
		uint8_t first;
		size_t len;
	} cases[] = {
		{SPATE_MEDIA_VIDEO, SPATE_CODEC_HEVC, "hvc1", "hvcC", 0x01, 23},
		{SPATE_MEDIA_VIDEO, SPATE_CODEC_AV1, "av01", "av1C", 0x81, 4},
		{SPATE_MEDIA_AUDIO, SPATE_CODEC_OPUS, "Opus", "dOps", 0x00, 11},
	};
	struct spate_buf b = SPATE_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spate_track_info t;
		struct bw_box box;
		char path[96];

		h264_track(&t);
		t.type = cases[i].type;
		t.codec = cases[i].codec;
		t.channels = 2;
		t.sample_rate = 48000;
		for (size_t k = 0; k < cases[i].len; k++)
			t.config[k] = (uint8_t)(k * 7 + 1);
		t.config[0] = cases[i].first;
		t.config_len = cases[i].len;

		spate_buf_reset(&b);
		assert_int_equal(spate_mp4_write_init(&b, &t), 0);
		assert_boxes_ok(&b);
		snprintf(path, sizeof(path),
			 "moov/trak/mdia/minf/stbl/stsd/%s/%s", cases[i].entry,
			 cases[i].config_box);
		assert_int_equal(bw_find(b.data, b.len, path, &box), 0);
		assert_int_equal(box.body_len, cases[i].len);
		assert_memory_equal(box.body, t.config, cases[i].len);
		snprintf(path, sizeof(path), "moov/trak/mdia/minf/stbl/stsd/%s",
			 cases[i].entry);
		assert_int_equal(bw_find(b.data, b.len, path, &box), 0);
		if (cases[i].codec == SPATE_CODEC_OPUS) {
			assert_int_equal(bw_be16(box.body + 16), 2);
			assert_int_equal(bw_be32(box.body + 24), 48000u << 16);
			assert_int_equal(bw_find(b.data, b.len,
						 "moov/trak/mdia/minf/smhd",
						 &box),
					 0);
		} else if (cases[i].codec == SPATE_CODEC_AV1) {
			assert_memory_equal(box.body + 42, "\012AOM Coding",
					    11);
		}

		/* Annex B start code instead of the record: refused. */
		t.config[0] = 0x00;
		if (cases[i].codec == SPATE_CODEC_OPUS)
			t.config[0] = 0x01; /* dOps version must be 0 */
		assert_int_equal(spate_mp4_write_init(&b, &t), -EINVAL);
	}
	spate_buf_free(&b);
}

/*
 * A long AudioSpecificConfig needs the multi-byte descriptor sizes, and
 * rates above 65535 Hz do not fit the 16.16 samplerate.
 */
static void test_esds_long_sizes(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	struct bw_box box;
	const uint8_t *d;

	(void)state;
	aac_track(&t);
	t.config_len = 200;
	memset(t.config + 2, 0x5a, 198);
	t.sample_rate = 96000;
	t.avg_bitrate_bps = 0;
	t.max_bitrate_bps = 0;
	assert_int_equal(spate_mp4_write_init(&b, &t), 0);
	assert_boxes_ok(&b);
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/mp4a/btrt",
				 &box),
			 -1);
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/mp4a", &box),
			 0);
	assert_int_equal(bw_be32(box.body + 24), 0); /* 96 kHz: no 16.16 */
	assert_int_equal(bw_find(b.data, b.len,
				 "moov/trak/mdia/minf/stbl/stsd/mp4a/esds",
				 &box),
			 0);
	d = box.body + 4;
	/* ES 3+(3+13+(3+200))+(2+1) = 225: 0x81 0x61; DCD 216: 0x81 0x58;
	 * DSI 200: 0x81 0x48 */
	const uint8_t es_hdr[] = {0x03, 0x81, 0x61, 0, 0, 0, 0x04, 0x81, 0x58};
	assert_memory_equal(d, es_hdr, sizeof(es_hdr));
	const uint8_t dsi_hdr[] = {0x05, 0x81, 0x48, 0x11, 0x90};
	assert_memory_equal(d + sizeof(es_hdr) + 13, dsi_hdr, sizeof(dsi_hdr));
	assert_int_equal(box.body_len, 4 + 3 + 225);
	const uint8_t sl[] = {0x06, 0x01, 0x02};
	assert_memory_equal(box.body + box.body_len - 3, sl, 3);
	spate_buf_free(&b);
}

static void test_language_packing(void **state)
{
	static const struct {
		const char *lang;
		uint16_t packed;
	} cases[] = {
		{"eng", 0x15c7}, {"und", 0x55c4}, {"fra", 0x1a41},
		{"", 0x55c4},	 {"EN", 0x55c4},  {"e1g", 0x55c4},
	};
	struct spate_buf b = SPATE_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spate_track_info t;
		struct bw_box mdhd;

		aac_track(&t);
		memset(t.language, 0, sizeof(t.language));
		memcpy(t.language, cases[i].lang, strlen(cases[i].lang));
		spate_buf_reset(&b);
		assert_int_equal(spate_mp4_write_init(&b, &t), 0);
		assert_int_equal(
			bw_find(b.data, b.len, "moov/trak/mdia/mdhd", &mdhd),
			0);
		assert_int_equal(bw_be16(mdhd.body + 20), cases[i].packed);
	}
	spate_buf_free(&b);
}

static void test_init_rejects(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;

	(void)state;
	spate_buf_put_str(&b, "keep");
#define EXPECT_INIT_EINVAL(setup)                                        \
	do {                                                             \
		h264_track(&t);                                          \
		setup;                                                   \
		assert_int_equal(spate_mp4_write_init(&b, &t), -EINVAL); \
		assert_int_equal(b.len, 4);                              \
		assert_int_equal(b.error, 0);                            \
	} while (0)
	EXPECT_INIT_EINVAL(t.track_id = 0);
	EXPECT_INIT_EINVAL(t.timescale = 0);
	EXPECT_INIT_EINVAL(t.type = SPATE_MEDIA_NONE);
	EXPECT_INIT_EINVAL(t.codec = SPATE_CODEC_UNKNOWN);
	EXPECT_INIT_EINVAL(t.codec = SPATE_CODEC_AAC);
	EXPECT_INIT_EINVAL(t.config_len = 0);
	EXPECT_INIT_EINVAL(t.config_len = 3);
	EXPECT_INIT_EINVAL(t.config_len = SPATE_CODEC_CONFIG_MAX + 1);
	EXPECT_INIT_EINVAL(t.width = 0);
	EXPECT_INIT_EINVAL(t.height = 65536);
	EXPECT_INIT_EINVAL(t.width = 65536);
	EXPECT_INIT_EINVAL((t.sar_num = 200, t.sar_den = 1, t.width = 60000));
	EXPECT_INIT_EINVAL(aac_track(&t); t.channels = 0);
	EXPECT_INIT_EINVAL(aac_track(&t); t.config_len = 1);
	EXPECT_INIT_EINVAL(aac_track(&t); t.codec = SPATE_CODEC_H264);
	EXPECT_INIT_EINVAL(aac_track(&t); t.type = SPATE_MEDIA_VIDEO);
#undef EXPECT_INIT_EINVAL
	assert_int_equal(spate_mp4_write_init(NULL, &t), -EINVAL);
	assert_int_equal(spate_mp4_write_init(&b, NULL), -EINVAL);
	assert_int_equal(spate_mp4_write_styp(NULL), -EINVAL);

	/* A buffer already in error stays so and gets nothing appended. */
	h264_track(&t);
	b.error = -ENOMEM;
	assert_int_equal(spate_mp4_write_init(&b, &t), -ENOMEM);
	assert_int_equal(spate_mp4_write_styp(&b), -ENOMEM);
	assert_int_equal(b.len, 4);
	spate_buf_free(&b);
}

static void test_fragment_rejects(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	struct spate_sample s[2];
	const uint8_t payload[5] = {0};

	(void)state;
	spate_buf_put_str(&b, "keep");
#define RESET_SAMPLES()                                                   \
	do {                                                              \
		h264_track(&t);                                           \
		s[0] = (struct spate_sample){.dts = 0,                    \
					     .duration = 3000,            \
					     .size = 2,                   \
					     .flags = SPATE_SAMPLE_SYNC}; \
		s[1] = (struct spate_sample){                             \
			.dts = 3000, .duration = 3000, .size = 3};        \
	} while (0)
#define EXPECT_FRAG_EINVAL(setup, count, pay, pay_len)                         \
	do {                                                                   \
		RESET_SAMPLES();                                               \
		setup;                                                         \
		assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, s, count, \
							  pay, pay_len),       \
				 -EINVAL);                                     \
		assert_int_equal(b.len, 4);                                    \
		assert_int_equal(b.error, 0);                                  \
	} while (0)
	/* sanity: the baseline is accepted */
	RESET_SAMPLES();
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, s, 2, payload, 5),
			 0);
	b.len = 4;
	EXPECT_FRAG_EINVAL((void)0, 0, payload, 5);	    /* n == 0 */
	EXPECT_FRAG_EINVAL((void)0, 2, payload, 4);	    /* short */
	EXPECT_FRAG_EINVAL((void)0, 2, payload, 6);	    /* long */
	EXPECT_FRAG_EINVAL(s[1].size = 4, 2, payload, 5);   /* mismatch */
	EXPECT_FRAG_EINVAL((void)0, 2, NULL, 5);	    /* no payload */
	EXPECT_FRAG_EINVAL(s[0].dts = -1, 1, payload, 2);   /* negative */
	EXPECT_FRAG_EINVAL(s[1].dts = 3001, 2, payload, 5); /* gap */
	EXPECT_FRAG_EINVAL(s[1].dts = 2999, 2, payload, 5); /* overlap */
	EXPECT_FRAG_EINVAL(t.track_id = 0, 2, payload, 5);
	EXPECT_FRAG_EINVAL(t.type = SPATE_MEDIA_NONE, 2, payload, 5);
	/* sizes beyond 32 bits are refused before anything is read */
	EXPECT_FRAG_EINVAL((void)0, 2, payload, (size_t)UINT32_MAX - 7);
	EXPECT_FRAG_EINVAL((void)0, SPATE_MP4_FRAGMENT_MAX_SAMPLES + 1, payload,
			   5);
	/* dts so large the next one would wrap */
	EXPECT_FRAG_EINVAL((s[0].dts = INT64_MAX - 100, s[1].dts = INT64_MIN),
			   2, payload, 5);
#undef EXPECT_FRAG_EINVAL
#undef RESET_SAMPLES
	assert_int_equal(
		spate_mp4_write_fragment(NULL, &t, 1, s, 1, payload, 2),
		-EINVAL);
	assert_int_equal(
		spate_mp4_write_fragment(&b, NULL, 1, s, 1, payload, 2),
		-EINVAL);
	assert_int_equal(
		spate_mp4_write_fragment(&b, &t, 1, NULL, 1, payload, 2),
		-EINVAL);
	b.error = -ENOMEM;
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, s, 2, payload, 5),
			 -ENOMEM);
	assert_int_equal(b.len, 4);
	spate_buf_free(&b);
}

/* Zero-sized samples are legal (e.g. a dropped frame kept for timing). */
static void test_fragment_empty_payload(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	const struct spate_sample s = {.dts = 0, .duration = 1024, .size = 0};
	struct bw_box mdat;

	(void)state;
	aac_track(&t);
	assert_int_equal(spate_mp4_write_fragment(&b, &t, 1, &s, 1, NULL, 0),
			 0);
	assert_boxes_ok(&b);
	assert_int_equal(bw_find(b.data, b.len, "mdat", &mdat), 0);
	assert_int_equal(mdat.size, 8);
	spate_buf_free(&b);
}

/* The walker the other tests lean on must itself notice broken sizes. */
static void test_walker_catches_bad_sizes(void **state)
{
	struct spate_buf b = SPATE_BUF_INIT;
	struct spate_track_info t;
	struct bw_box box;
	char err[160];
	size_t off;

	(void)state;
	aac_track(&t);
	assert_int_equal(spate_mp4_write_init(&b, &t), 0);
	assert_true(bw_check(b.data, b.len, err, sizeof(err)) > 0);
	assert_int_equal(
		bw_find(b.data, b.len, "moov/trak/mdia/minf/stbl/stsd", &box),
		0);
	off = (size_t)(box.start - b.data);

	b.data[off + 3]++; /* stsd one byte too long */
	assert_int_equal(bw_check(b.data, b.len, err, sizeof(err)), -1);
	b.data[off + 3] -= 2; /* one byte too short */
	assert_int_equal(bw_check(b.data, b.len, err, sizeof(err)), -1);
	b.data[off + 3]++;
	b.data[off + 15] = 2; /* entry_count 2 with one entry */
	assert_int_equal(bw_check(b.data, b.len, err, sizeof(err)), -1);
	b.data[off + 15] = 1;
	assert_true(bw_check(b.data, b.len, err, sizeof(err)) > 0);
	assert_int_equal(bw_check(b.data, b.len - 1, err, sizeof(err)), -1);
	spate_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_styp_bytes),
		cmocka_unit_test(test_init_aac_bytes),
		cmocka_unit_test(test_fragment_audio_bytes),
		cmocka_unit_test(test_fragment_video_bytes),
		cmocka_unit_test(test_fragment_per_sample_fields),
		cmocka_unit_test(test_fragment_single_sample),
		cmocka_unit_test(test_fragments_appended),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_init_video_geometry),
		cmocka_unit_test(test_init_other_codecs),
		cmocka_unit_test(test_esds_long_sizes),
		cmocka_unit_test(test_language_packing),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_fragment_rejects),
		cmocka_unit_test(test_fragment_empty_payload),
		cmocka_unit_test(test_walker_catches_bad_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
