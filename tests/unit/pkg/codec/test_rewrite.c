/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_codec_sample_rewrite: Annex B and 1..4-byte length-prefixed
 * H.264/HEVC to 4-byte lengths without AUDs, AV1 temporal units without
 * temporal delimiters, ADTS headers stripped; sync sample detection; and
 * "out is left as it was" on every error.
 */
#include <errno.h>

#include "test_util.h"

/* AUD (4-byte start code), SPS, PPS (3-byte), IDR slice, trailing zeros */
static const uint8_t h264_idr_annexb[] = {
	0x00, 0x00, 0x00, 0x01, 0x09, 0x10, 0x00, 0x00, 0x00, 0x01, 0x67,
	0x42, 0xc0, 0x1e, 0x00, 0x00, 0x01, 0x68, 0xce, 0x3c, 0x80, 0x00,
	0x00, 0x01, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01, 0x84, 0x00, 0x00,
};

static const uint8_t h264_idr_stored[] = {
	0x00, 0x00, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e, /* SPS */
	0x00, 0x00, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80, /* PPS */
	0x00, 0x00, 0x00, 0x07, 0x65, 0x88, 0x00, 0x00, /* IDR, EP kept */
	0x03, 0x01, 0x84,
};

static int rewrite(enum spate_codec_id codec, const uint8_t *in, size_t len,
		   unsigned length_size, struct spate_buf *out, int *sync)
{
	struct spate_track_info t;

	track_init(&t, codec);
	return spate_codec_sample_rewrite(&t, in, len, length_size, out, sync);
}

/* Re-frames stored 4-byte-length NAL units with n-byte lengths. */
static size_t reframe(uint8_t *dst, const uint8_t *src, size_t len, unsigned n)
{
	size_t o = 0;

	for (size_t p = 0; p < len;) {
		size_t nal = (size_t)src[p] << 24 | (size_t)src[p + 1] << 16 |
			     (size_t)src[p + 2] << 8 | src[p + 3];

		for (unsigned i = 0; i < n; i++)
			dst[o++] = (uint8_t)(nal >> (8 * (n - 1 - i)));
		memcpy(dst + o, src + p + 4, nal);
		o += nal;
		p += 4 + nal;
	}
	return o;
}

static void h264_annexb_idr(void **state)
{
	struct spate_buf out = SPATE_BUF_INIT;
	int sync = -1;

	(void)state;
	assert_int_equal(rewrite(SPATE_CODEC_H264, h264_idr_annexb,
				 sizeof(h264_idr_annexb), 0, &out, &sync),
			 sizeof(h264_idr_stored));
	assert_int_equal(sync, 1);
	assert_int_equal(out.len, sizeof(h264_idr_stored));
	assert_memory_equal(out.data, h264_idr_stored, out.len);
	spate_buf_free(&out);
}

static void h264_length_prefixed_any_size(void **state)
{
	uint8_t in[64];
	struct spate_buf out = SPATE_BUF_INIT;

	(void)state;
	for (unsigned n = 1; n <= 4; n++) {
		size_t len = reframe(in, h264_idr_stored,
				     sizeof(h264_idr_stored), n);
		int sync = -1;

		spate_buf_reset(&out);
		assert_int_equal(
			rewrite(SPATE_CODEC_H264, in, len, n, &out, &sync),
			sizeof(h264_idr_stored));
		assert_int_equal(sync, 1);
		assert_memory_equal(out.data, h264_idr_stored, out.len);
	}
	spate_buf_free(&out);
}

static void h264_stored_form_is_a_fixed_point(void **state)
{
	struct spate_buf out = SPATE_BUF_INIT;
	int sync;

	(void)state;
	assert_int_equal(rewrite(SPATE_CODEC_H264, h264_idr_stored,
				 sizeof(h264_idr_stored), 4, &out, &sync),
			 sizeof(h264_idr_stored));
	assert_memory_equal(out.data, h264_idr_stored, out.len);
	spate_buf_free(&out);
}

static void h264_non_idr_and_aud_only(void **state)
{
	static const uint8_t p_slice[] = {0, 0, 1,    0x09, 0x30, 0,
					  0, 1, 0x41, 0x9a, 0x23};
	static const uint8_t aud_only[] = {0, 0, 0, 1, 0x09, 0xf0};
	struct spate_buf out = SPATE_BUF_INIT;
	int sync = -1;

	(void)state;
	assert_int_equal(rewrite(SPATE_CODEC_H264, p_slice, sizeof(p_slice), 0,
				 &out, &sync),
			 7);
	assert_int_equal(sync, 0);
	assert_memory_equal(out.data, "\0\0\0\3\x41\x9a\x23", 7);
	sync = -1;
	assert_int_equal(rewrite(SPATE_CODEC_H264, aud_only, sizeof(aud_only),
				 0, &out, &sync),
			 0);
	assert_int_equal(sync, 0);
	assert_int_equal(out.len, 7);
	spate_buf_free(&out);
}

static void appends_after_existing_bytes(void **state)
{
	struct spate_buf out = SPATE_BUF_INIT;
	int sync;

	(void)state;
	spate_buf_put(&out, "mdat", 4);
	assert_int_equal(rewrite(SPATE_CODEC_H264, h264_idr_annexb,
				 sizeof(h264_idr_annexb), 0, &out, &sync),
			 sizeof(h264_idr_stored));
	assert_int_equal(out.len, 4 + sizeof(h264_idr_stored));
	assert_memory_equal(out.data, "mdat", 4);
	assert_memory_equal(out.data + 4, h264_idr_stored,
			    sizeof(h264_idr_stored));
	spate_buf_free(&out);
}

static void malformed_leaves_out_alone(void **state)
{
	static const struct {
		enum spate_codec_id codec;
		const char *in;
		size_t len;
		unsigned length_size;
		int rc;
	} cases[] = {
		/* second length runs past the end */
		{SPATE_CODEC_H264, "\0\0\0\2\x65\x88\0\0\0\x09\x41", 11, 4,
		 -EINVAL},
		/* length field itself cut short */
		{SPATE_CODEC_H264, "\0\0\0\2\x65\x88\0\0", 8, 4, -EINVAL},
		/* junk before the first start code */
		{SPATE_CODEC_H264, "\x12\0\0\1\x65\x88", 6, 0, -EINVAL},
		/* length-prefixed AU passed as Annex B */
		{SPATE_CODEC_H264, "\0\0\0\2\x65\x88", 6, 0, -EINVAL},
		/* forbidden_zero_bit */
		{SPATE_CODEC_H264, "\0\0\1\x65\x88\0\0\1\xe5\x88", 10, 0,
		 -EINVAL},
		{SPATE_CODEC_H264, "\0\0\0\2\x65\x88", 6, 5, -EINVAL},
		/* HEVC NAL shorter than its 2-byte header */
		{SPATE_CODEC_HEVC, "\0\0\0\1\x26", 5, 4, -EINVAL},
		/* AV1 OBU size past the end, after a valid TD */
		{SPATE_CODEC_AV1, "\x12\x00\x32\x09\x10", 5, 0, -EINVAL},
		{SPATE_CODEC_AV1, "\x12\x00\xb2\x01\x10", 5, 0, -EINVAL},
		/* ADTS frame_length larger than the packet */
		{SPATE_CODEC_AAC, "\xff\xf1\x4c\x80\x02\x1f\xfc\x21", 8, 0,
		 -EINVAL},
		/* ADTS frame_length smaller: two frames in one packet */
		{SPATE_CODEC_AAC, "\xff\xf1\x4c\x80\x01\x1f\xfc\x21\x00", 9, 0,
		 -ENOTSUP},
		/* two raw data blocks in one ADTS frame */
		{SPATE_CODEC_AAC, "\xff\xf1\x4c\x80\x01\x1f\xfd\x21", 8, 0,
		 -ENOTSUP},
		{SPATE_CODEC_AAC, "\xff\xf1\x4c", 3, 0, -EINVAL},
	};
	struct spate_buf out = SPATE_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sync = 42;

		spate_buf_reset(&out);
		spate_buf_put(&out, "keep", 4);
		assert_int_equal(rewrite(cases[i].codec,
					 (const uint8_t *)cases[i].in,
					 cases[i].len, cases[i].length_size,
					 &out, &sync),
				 cases[i].rc);
		assert_int_equal(out.len, 4);
		assert_memory_equal(out.data, "keep", 4);
		assert_int_equal(sync, 42);
		assert_int_equal(out.error, 0);
	}
	spate_buf_free(&out);
}

static void hevc_aud_dropped_and_irap_types(void **state)
{
	static const struct {
		uint8_t type;
		int sync;
	} types[] = {
		{1, 0},	 {0, 0},  {16, 1}, {19, 1}, {20, 1},
		{21, 1}, {23, 1}, {24, 0}, {32, 0},
	};
	struct spate_buf out = SPATE_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint8_t au[] = {0, 0, 0, 1, 0x46, 0x01, 0x50, /* AUD */
				0, 0, 1, 0, 0x01, 0xaf, 0x08};
		uint8_t want[] = {0, 0, 0, 4, 0, 0x01, 0xaf, 0x08};
		int sync = -1;

		au[10] = (uint8_t)(types[i].type << 1);
		want[4] = au[10];
		spate_buf_reset(&out);
		assert_int_equal(rewrite(SPATE_CODEC_HEVC, au, sizeof(au), 0,
					 &out, &sync),
				 sizeof(want));
		assert_memory_equal(out.data, want, sizeof(want));
		assert_int_equal(sync, types[i].sync);
	}
	spate_buf_free(&out);
}

static void av1_temporal_units(void **state)
{
	/* TD, sequence header (payload byte 0: not reduced), shown key frame */
	static const uint8_t key_tu[] = {0x12, 0x00, 0x0a, 0x02, 0x00,
					 0x00, 0x32, 0x02, 0x10, 0x00};
	static const uint8_t inter_tu[] = {0x12, 0x00, 0x32, 0x02, 0x30, 0x00};
	/* show_existing_frame and frame headers of key frames not shown */
	static const uint8_t existing[] = {0x12, 0x00, 0x0a, 0x01,
					   0x00, 0x1a, 0x01, 0x80};
	static const uint8_t hidden_key[] = {0x0a, 0x01, 0x00,
					     0x32, 0x01, 0x00};
	/* reduced still picture header: always a key frame */
	static const uint8_t still[] = {0x0a, 0x01, 0x18, 0x32, 0x01, 0xff};
	/* last OBU without obu_size runs to the end */
	static const uint8_t unsized[] = {0x12, 0x00, 0x30, 0x30, 0x01, 0x02};
	struct spate_buf out = SPATE_BUF_INIT;
	int sync = -1;

	(void)state;
	assert_int_equal(rewrite(SPATE_CODEC_AV1, key_tu, sizeof(key_tu), 0,
				 &out, &sync),
			 8);
	assert_int_equal(sync, 1);
	assert_memory_equal(out.data, key_tu + 2, 8);

	spate_buf_reset(&out);
	assert_int_equal(rewrite(SPATE_CODEC_AV1, inter_tu, sizeof(inter_tu), 0,
				 &out, &sync),
			 4);
	assert_int_equal(sync, 0);

	spate_buf_reset(&out);
	assert_int_equal(rewrite(SPATE_CODEC_AV1, existing, sizeof(existing), 0,
				 &out, &sync),
			 6);
	assert_int_equal(sync, 0);

	spate_buf_reset(&out);
	assert_int_equal(rewrite(SPATE_CODEC_AV1, hidden_key,
				 sizeof(hidden_key), 0, &out, &sync),
			 6);
	assert_int_equal(sync, 0);

	spate_buf_reset(&out);
	assert_int_equal(
		rewrite(SPATE_CODEC_AV1, still, sizeof(still), 0, &out, &sync),
		6);
	assert_int_equal(sync, 1);

	spate_buf_reset(&out);
	assert_int_equal(rewrite(SPATE_CODEC_AV1, unsized, sizeof(unsized), 0,
				 &out, &sync),
			 4);
	assert_memory_equal(out.data, unsized + 2, 4);
	spate_buf_free(&out);
}

static void aac_adts_stripped(void **state)
{
	/* frame_length 10: 7-byte header + 3 bytes */
	static const uint8_t adts[] = {0xff, 0xf1, 0x4c, 0x80, 0x01,
				       0x5f, 0xfc, 0x21, 0x10, 0x04};
	/* with CRC: 9-byte header + 3 bytes */
	static const uint8_t adts_crc[] = {0xff, 0xf0, 0x4c, 0x80, 0x01, 0x9f,
					   0xfc, 0xaa, 0xbb, 0x21, 0x10, 0x04};
	static const uint8_t raw[] = {0x21, 0x10, 0x04};
	struct spate_buf out = SPATE_BUF_INIT;
	int sync = -1;

	(void)state;
	assert_int_equal(
		rewrite(SPATE_CODEC_AAC, adts, sizeof(adts), 0, &out, &sync),
		3);
	assert_int_equal(sync, 1);
	assert_memory_equal(out.data, raw, 3);
	assert_int_equal(rewrite(SPATE_CODEC_AAC, adts_crc, sizeof(adts_crc), 0,
				 &out, &sync),
			 3);
	assert_memory_equal(out.data + 3, raw, 3);
	assert_int_equal(
		rewrite(SPATE_CODEC_AAC, raw, sizeof(raw), 0, &out, &sync), 3);
	assert_memory_equal(out.data + 6, raw, 3);
	assert_int_equal(out.len, 9);
	spate_buf_free(&out);
}

static void opus_copied(void **state)
{
	static const uint8_t pkt[] = {0xfc, 0xb4, 0x06, 0x5a};
	struct spate_buf out = SPATE_BUF_INIT;
	int sync = -1;

	(void)state;
	assert_int_equal(
		rewrite(SPATE_CODEC_OPUS, pkt, sizeof(pkt), 0, &out, &sync), 4);
	assert_int_equal(sync, 1);
	assert_memory_equal(out.data, pkt, 4);
	spate_buf_free(&out);
}

static void bad_arguments(void **state)
{
	struct spate_track_info t;
	struct spate_buf out = SPATE_BUF_INIT;
	int sync;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_sample_rewrite(NULL, h264_idr_stored, 4, 4,
						    &out, &sync),
			 -EINVAL);
	assert_int_equal(
		spate_codec_sample_rewrite(&t, NULL, 4, 4, &out, &sync),
		-EINVAL);
	assert_int_equal(spate_codec_sample_rewrite(&t, h264_idr_stored, 4, 4,
						    NULL, &sync),
			 -EINVAL);
	assert_int_equal(spate_codec_sample_rewrite(&t, h264_idr_stored, 4, 4,
						    &out, NULL),
			 -EINVAL);
	t.codec = SPATE_CODEC_UNKNOWN;
	assert_int_equal(spate_codec_sample_rewrite(&t, h264_idr_stored, 4, 4,
						    &out, &sync),
			 -ENOTSUP);
	/* a buffer already in error stays in error and unchanged */
	t.codec = SPATE_CODEC_H264;
	out.error = -ENOMEM;
	assert_int_equal(spate_codec_sample_rewrite(&t, h264_idr_stored,
						    sizeof(h264_idr_stored), 4,
						    &out, &sync),
			 -ENOMEM);
	assert_int_equal(out.len, 0);
	spate_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(h264_annexb_idr),
		cmocka_unit_test(h264_length_prefixed_any_size),
		cmocka_unit_test(h264_stored_form_is_a_fixed_point),
		cmocka_unit_test(h264_non_idr_and_aud_only),
		cmocka_unit_test(appends_after_existing_bytes),
		cmocka_unit_test(malformed_leaves_out_alone),
		cmocka_unit_test(hevc_aud_dropped_and_irap_types),
		cmocka_unit_test(av1_temporal_units),
		cmocka_unit_test(aac_adts_stripped),
		cmocka_unit_test(opus_copied),
		cmocka_unit_test(bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
