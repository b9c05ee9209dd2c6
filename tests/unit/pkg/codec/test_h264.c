/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * H.264 configuration: SPS fields, avcC built from Annex B or rebuilt from
 * avcC, compared byte for byte with what ffmpeg's mp4 muxer wrote for the
 * same x264 streams (vectors.h), plus crafted SPSs for the corners no
 * encoder at hand produces.
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

static const uint8_t pps_nal[] = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};

struct sps_opts {
	unsigned profile;
	unsigned level;
	unsigned chroma; /* only written for high profiles */
	unsigned separate_planes;
	unsigned scaling_matrix;
	unsigned poc_type;
	uint32_t poc_cycle;
	uint32_t mbs_w_minus1;
	uint32_t map_h_minus1;
	unsigned frame_mbs_only;
	unsigned crop;
	uint32_t crop_l, crop_r, crop_t, crop_b;
	unsigned vui;
	unsigned sar_idc;
	unsigned sar_w, sar_h;
	unsigned timing;
	uint32_t units, scale;
	unsigned cut_bits; /* bits dropped before the trailing bits */
};

static const struct sps_opts sps_1080p = {
	.profile = 100,
	.level = 40,
	.chroma = 1,
	.mbs_w_minus1 = 119,
	.map_h_minus1 = 67,
	.frame_mbs_only = 1,
	.crop = 1,
	.crop_b = 4,
};

/* Writes SPS + PPS as Annex B into out; returns the length. */
static size_t make_sps_pps(uint8_t *out, const struct sps_opts *o)
{
	static const uint8_t hdr = 0x67;
	struct test_bits b;
	size_t n;

	tb_init(&b);
	tb_u(&b, 8, o->profile);
	tb_u(&b, 8, 0);
	tb_u(&b, 8, o->level);
	tb_ue(&b, 0); /* sps id */
	if (o->profile == 100 || o->profile == 244 || o->profile == 122) {
		tb_ue(&b, o->chroma);
		if (o->chroma == 3)
			tb_u(&b, 1, o->separate_planes);
		tb_ue(&b, 0);
		tb_ue(&b, 0);
		tb_u(&b, 1, 0);
		tb_u(&b, 1, o->scaling_matrix);
		if (o->scaling_matrix) {
			/* list 0 explicit (16 deltas of 1), list 6 explicit
			 * with an early zero, the rest absent */
			for (unsigned i = 0; i < (o->chroma == 3 ? 12u : 8u);
			     i++) {
				tb_u(&b, 1, i == 0 || i == 6);
				if (i == 0)
					for (int j = 0; j < 16; j++)
						tb_se(&b, 1);
				if (i == 6)
					tb_se(&b, -8); /* next = 0: stop */
			}
		}
	}
	tb_ue(&b, 0); /* log2_max_frame_num_minus4 */
	tb_ue(&b, o->poc_type);
	if (o->poc_type == 0) {
		tb_ue(&b, 2);
	} else if (o->poc_type == 1) {
		tb_u(&b, 1, 0);
		tb_se(&b, -1);
		tb_se(&b, 2);
		tb_ue(&b, o->poc_cycle);
		for (uint32_t i = 0; i < o->poc_cycle && i < 300; i++)
			tb_se(&b, 1);
	}
	tb_ue(&b, 4); /* max_num_ref_frames */
	tb_u(&b, 1, 0);
	tb_ue(&b, o->mbs_w_minus1);
	tb_ue(&b, o->map_h_minus1);
	tb_u(&b, 1, o->frame_mbs_only);
	if (!o->frame_mbs_only)
		tb_u(&b, 1, 1);
	tb_u(&b, 1, 1);
	tb_u(&b, 1, o->crop);
	if (o->crop) {
		tb_ue(&b, o->crop_l);
		tb_ue(&b, o->crop_r);
		tb_ue(&b, o->crop_t);
		tb_ue(&b, o->crop_b);
	}
	tb_u(&b, 1, o->vui);
	if (o->vui) {
		tb_u(&b, 1, o->sar_idc != 0);
		if (o->sar_idc) {
			tb_u(&b, 8, o->sar_idc);
			if (o->sar_idc == 255) {
				tb_u(&b, 16, o->sar_w);
				tb_u(&b, 16, o->sar_h);
			}
		}
		tb_u(&b, 1, 0); /* overscan */
		tb_u(&b, 1, 1); /* video signal type, with colour description */
		tb_u(&b, 4, 5);
		tb_u(&b, 1, 1);
		tb_u(&b, 24, 0x010101);
		tb_u(&b, 1, 0); /* chroma loc */
		tb_u(&b, 1, o->timing);
		if (o->timing) {
			tb_u(&b, 32, o->units);
			tb_u(&b, 32, o->scale);
			tb_u(&b, 1, 1);
		}
		tb_u(&b, 5, 0); /* no hrd, pic_struct, restriction... */
	}
	b.bits -= o->cut_bits;
	tb_trailing(&b);
	n = tb_nal_annexb(out, 0, &hdr, 1, &b);
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 1;
	memcpy(out + n, pps_nal, sizeof(pps_nal));
	return n + sizeof(pps_nal);
}

static int configure_opts(struct spate_track_info *t, const struct sps_opts *o)
{
	uint8_t buf[600];
	size_t n = make_sps_pps(buf, o);

	track_init(t, SPATE_CODEC_H264);
	return spate_codec_configure(t, buf, n);
}

static void high_from_annexb_matches_ffmpeg(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, h264_high_annexb,
					       sizeof(h264_high_annexb)),
			 0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
	assert_string_equal(t.codec_string, "avc1.64001e");
	assert_int_equal(t.width, 640);
	assert_int_equal(t.height, 360); /* 368 coded, 8 cropped */
	assert_int_equal(t.sar_num, 1);
	assert_int_equal(t.sar_den, 1);
	assert_int_equal(t.frame_rate_num, 30);
	assert_int_equal(t.frame_rate_den, 1);
	assert_int_equal(t.timescale, 90000);
	/* high profile trailer: 4:2:0, 8-bit, no SPS extensions */
	assert_memory_equal(t.config + t.config_len - 4, "\xfd\xf8\xf8\x00", 4);
}

static void high_avcc_rebuilds_identically(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, h264_high_avcc_ffmpeg,
					       sizeof(h264_high_avcc_ffmpeg)),
			 0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
	assert_int_equal(t.width, 640);
	assert_int_equal(t.height, 360);
	/* and our own record configures to itself */
	assert_int_equal(spate_codec_configure(&t, t.config, t.config_len), 0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
}

static void baseline_has_no_trailer(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, h264_base_annexb,
					       sizeof(h264_base_annexb)),
			 0);
	assert_config_equal(&t, h264_base_avcc_ffmpeg);
	assert_string_equal(t.codec_string, "avc1.42c00d");
	assert_int_equal(t.width, 320);
	assert_int_equal(t.height, 240);
	assert_int_equal(t.frame_rate_num, 25);
	assert_int_equal(t.frame_rate_den, 1);
}

static void high422_10bit_trailer_and_sar(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, h264_422_10_annexb,
					       sizeof(h264_422_10_annexb)),
			 0);
	assert_config_equal(&t, h264_422_10_avcc_ffmpeg);
	assert_string_equal(t.codec_string, "avc1.7a0028");
	assert_int_equal(t.width, 1920);
	assert_int_equal(t.height, 1080);
	assert_int_equal(t.sar_num, 4);
	assert_int_equal(t.sar_den, 3);
	/* chroma_format_idc 2, luma and chroma 10-bit */
	assert_memory_equal(t.config + t.config_len - 4, "\xfe\xfa\xfa\x00", 4);
}

static void interlaced_height_counts_fields(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, h264_il_annexb,
					       sizeof(h264_il_annexb)),
			 0);
	assert_config_equal(&t, h264_il_avcc_ffmpeg);
	assert_int_equal(t.width, 720);
	assert_int_equal(t.height, 576);
	assert_int_equal(t.sar_num, 16);
	assert_int_equal(t.sar_den, 15);
	assert_int_equal(t.frame_rate_num, 25);
}

static void avcc_short_lengths_become_4_bytes(void **state)
{
	struct spate_track_info t;
	uint8_t rec[sizeof(h264_high_avcc_ffmpeg)];

	(void)state;
	memcpy(rec, h264_high_avcc_ffmpeg, sizeof(rec));
	rec[4] = 0xfc | 1; /* 2-byte NAL lengths in the source */
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, rec, sizeof(rec)), 0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
	assert_int_equal(t.config[4], 0xff);
}

static void avcc_without_trailer_gets_one(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	/* FLV encoders often omit the High profile trailer */
	assert_int_equal(
		spate_codec_configure(&t, h264_high_avcc_ffmpeg,
				      sizeof(h264_high_avcc_ffmpeg) - 4),
		0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
}

static void annexb_full_access_unit(void **state)
{
	/* AUD, SPS, PPS (3-byte start codes), SEI, IDR slice, trailing 0s */
	static const uint8_t au[] = {
		0x00,
		0x00,
		0x01,
		0x09,
		0xf0,
		0x00,
		0x00,
		0x01,
		/* SPS */
		0x67,
		0x64,
		0x00,
		0x1e,
		0xac,
		0xd9,
		0x40,
		0xa0,
		0x2f,
		0xf9,
		0x70,
		0x11,
		0x00,
		0x00,
		0x03,
		0x00,
		0x01,
		0x00,
		0x00,
		0x03,
		0x00,
		0x3c,
		0x0f,
		0x16,
		0x2d,
		0x96,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x01,
		0x68,
		0xeb,
		0xe3,
		0xcb,
		0x22,
		0xc0,
		0x00,
		0x00,
		0x01,
		0x06,
		0x05,
		0x01,
		0x80,
		0x00,
		0x00,
		0x01,
		0x65,
		0x88,
		0x84,
		0x00,
		0x00,
		0x00,
	};
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, au, sizeof(au)), 0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
}

static void repeated_parameter_sets_are_deduplicated(void **state)
{
	uint8_t twice[2 * sizeof(h264_high_annexb)];
	struct spate_track_info t;

	(void)state;
	memcpy(twice, h264_high_annexb, sizeof(h264_high_annexb));
	memcpy(twice + sizeof(h264_high_annexb), h264_high_annexb,
	       sizeof(h264_high_annexb));
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, twice, sizeof(twice)), 0);
	assert_config_equal(&t, h264_high_avcc_ffmpeg);
}

static void missing_parameter_sets_ask_for_more(void **state)
{
	struct spate_track_info t;
	/* SPS only: the PPS starts at byte 30 of the vector */
	const size_t sps_only = 4 + 26;
	static const uint8_t avcc_no_sps[] = {0x01, 0x64, 0x00, 0x1e,
					      0xff, 0xe0, 0x00};

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, h264_high_annexb, sps_only),
			 -EAGAIN);
	assert_int_equal(
		spate_codec_configure(&t, h264_high_annexb + sps_only,
				      sizeof(h264_high_annexb) - sps_only),
		-EAGAIN);
	assert_int_equal(
		spate_codec_configure(&t, avcc_no_sps, sizeof(avcc_no_sps)),
		-EAGAIN);
	/* a slice alone has no parameter sets either */
	assert_int_equal(spate_codec_configure(
				 &t, (const uint8_t *)"\0\0\1\x65\x88\x84", 6),
			 -EAGAIN);
	assert_int_equal(t.config_len, 0);
}

static void truncated_avcc_is_rejected(void **state)
{
	struct spate_track_info t;
	/* header 6 + SPS 2+26 + count 1 + PPS 2+6: the trailer is optional */
	const size_t complete = 43;

	(void)state;
	for (size_t n = 1; n < sizeof(h264_high_avcc_ffmpeg); n++) {
		int rc;

		track_init(&t, SPATE_CODEC_H264);
		rc = spate_codec_configure(&t, h264_high_avcc_ffmpeg, n);
		if (n < complete)
			assert_true(rc == -EINVAL);
		else
			assert_int_equal(rc, 0);
	}
}

static void truncated_sps_is_rejected(void **state)
{
	struct spate_track_info t;
	uint8_t buf[64];

	(void)state;
	/* SPS cut after 5 bytes, then the PPS */
	memcpy(buf, h264_high_annexb, 4 + 5);
	memcpy(buf + 9, h264_high_annexb + 30, 10);
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, buf, 19), -EINVAL);
}

static void garbage_is_rejected(void **state)
{
	struct spate_track_info t;
	static const uint8_t junk[] = {0x47, 0x40, 0x00, 0x10, 0x00, 0x00};
	static const uint8_t bad_version[] = {0x02, 0x64, 0x00, 0x1e,
					      0xff, 0xe1, 0x00};

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, junk, sizeof(junk)),
			 -EINVAL);
	assert_int_equal(
		spate_codec_configure(&t, bad_version, sizeof(bad_version)),
		-EINVAL);
	/* a NAL with forbidden_zero_bit set is not H.264 */
	assert_int_equal(spate_codec_configure(
				 &t, (const uint8_t *)"\0\0\1\xe7\x64\x00", 6),
			 -EINVAL);
}

static void crafted_cropping_420(void **state)
{
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure_opts(&t, &sps_1080p), 0);
	assert_int_equal(t.width, 1920);
	assert_int_equal(t.height, 1080); /* 1088 - 2 * 4 */
	assert_string_equal(t.codec_string, "avc1.640028");
}

static void crafted_cropping_units(void **state)
{
	struct sps_opts o = sps_1080p;
	struct spate_track_info t;

	(void)state;
	/* 4:4:4: crop unit 1 */
	o.profile = 244;
	o.chroma = 3;
	o.crop_b = 8;
	o.crop_r = 2;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.width, 1918);
	assert_int_equal(t.height, 1080);
	/* 4:0:0: crop unit 1 as well */
	o.chroma = 0;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.width, 1918);
	assert_int_equal(t.height, 1080);
	/* 4:2:0 field coding: vertical unit 4, map units are field MBs */
	o = sps_1080p;
	o.frame_mbs_only = 0;
	o.map_h_minus1 = 33;
	o.crop_b = 2;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.height, 1080);
}

static void crafted_bad_geometry(void **state)
{
	struct sps_opts o = sps_1080p;
	struct spate_track_info t;

	(void)state;
	o.crop_b = 544; /* crops all 1088 lines */
	assert_int_equal(configure_opts(&t, &o), -EINVAL);
	o = sps_1080p;
	o.mbs_w_minus1 = 5000; /* 80016 pixels: beyond a 16-bit entry */
	assert_int_equal(configure_opts(&t, &o), -EINVAL);
	o = sps_1080p;
	o.crop_l = 0xfffffff0u; /* huge exp-Golomb values must not wrap */
	assert_int_equal(configure_opts(&t, &o), -EINVAL);
}

static void crafted_separate_colour_planes_unsupported(void **state)
{
	struct sps_opts o = sps_1080p;
	struct spate_track_info t;

	(void)state;
	o.profile = 244;
	o.chroma = 3;
	o.separate_planes = 1;
	assert_int_equal(configure_opts(&t, &o), -ENOTSUP);
	assert_int_equal(t.config_len, 0);
}

static void crafted_scaling_matrix_and_poc_type_1(void **state)
{
	struct sps_opts o = sps_1080p;
	struct spate_track_info t;

	(void)state;
	o.scaling_matrix = 1;
	o.poc_type = 1;
	o.poc_cycle = 3;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.width, 1920);
	assert_int_equal(t.height, 1080);
	o.poc_cycle = 256; /* num_ref_frames_in_pic_order_cnt_cycle <= 255 */
	assert_int_equal(configure_opts(&t, &o), -EINVAL);
}

static void crafted_vui_sar_and_timing(void **state)
{
	struct sps_opts o = sps_1080p;
	struct spate_track_info t;

	(void)state;
	o.vui = 1;
	o.sar_idc = 255;
	o.sar_w = 64;
	o.sar_h = 45;
	o.timing = 1;
	o.units = 1001;
	o.scale = 60000;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.sar_num, 64);
	assert_int_equal(t.sar_den, 45);
	assert_int_equal(t.frame_rate_num, 30000);
	assert_int_equal(t.frame_rate_den, 1001);
	/* SAR 0:0 means unspecified */
	o.sar_w = 0;
	o.sar_h = 0;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.sar_num, 1);
	assert_int_equal(t.sar_den, 1);
	/* a timebase, not a frame rate: ignored */
	o.units = 1;
	o.scale = 180000;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.frame_rate_num, 0);
	/* table entry 13 is 160:99 */
	o.sar_idc = 13;
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.sar_num, 160);
	assert_int_equal(t.sar_den, 99);
}

static void crafted_truncated_vui_is_tolerated(void **state)
{
	struct sps_opts o = sps_1080p;
	struct spate_track_info t;

	(void)state;
	o.vui = 1;
	o.sar_idc = 14;
	o.timing = 1;
	o.units = 1;
	o.scale = 50;
	o.cut_bits = 5 + 1 + 40; /* timing info runs off the end */
	assert_int_equal(configure_opts(&t, &o), 0);
	assert_int_equal(t.width, 1920);
	assert_int_equal(t.sar_num, 4); /* parsed before the cut */
	assert_int_equal(t.sar_den, 3);
	assert_int_equal(t.frame_rate_num, 0);
}

static void crafted_overlong_exp_golomb(void **state)
{
	static const uint8_t hdr = 0x67;
	uint8_t buf[128];
	struct test_bits b;
	struct spate_track_info t;
	size_t n;

	(void)state;
	tb_init(&b);
	tb_u(&b, 24, 0x42c01e);
	tb_u(&b, 32, 0); /* 32+ leading zeros: not a valid ue(v) */
	tb_u(&b, 8, 0xff);
	tb_trailing(&b);
	n = tb_nal_annexb(buf, 0, &hdr, 1, &b);
	memcpy(buf + n, "\0\0\0\1\x68\xce\x3c\x80", 8);
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(&t, buf, n + 8), -EINVAL);
}

static void caller_fields_are_kept(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	t.track_id = 7;
	t.timescale = 1000;
	t.frame_rate_num = 50;
	t.frame_rate_den = 1;
	t.avg_bitrate_bps = 3000000;
	memcpy(t.language, "fra", 4);
	assert_int_equal(spate_codec_configure(&t, h264_high_annexb,
					       sizeof(h264_high_annexb)),
			 0);
	assert_int_equal(t.track_id, 7);
	assert_int_equal(t.timescale, 1000);
	assert_int_equal(t.frame_rate_num, 50);
	assert_int_equal(t.frame_rate_den, 1);
	assert_int_equal(t.avg_bitrate_bps, 3000000);
	assert_string_equal(t.language, "fra");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(high_from_annexb_matches_ffmpeg),
		cmocka_unit_test(high_avcc_rebuilds_identically),
		cmocka_unit_test(baseline_has_no_trailer),
		cmocka_unit_test(high422_10bit_trailer_and_sar),
		cmocka_unit_test(interlaced_height_counts_fields),
		cmocka_unit_test(avcc_short_lengths_become_4_bytes),
		cmocka_unit_test(avcc_without_trailer_gets_one),
		cmocka_unit_test(annexb_full_access_unit),
		cmocka_unit_test(repeated_parameter_sets_are_deduplicated),
		cmocka_unit_test(missing_parameter_sets_ask_for_more),
		cmocka_unit_test(truncated_avcc_is_rejected),
		cmocka_unit_test(truncated_sps_is_rejected),
		cmocka_unit_test(garbage_is_rejected),
		cmocka_unit_test(crafted_cropping_420),
		cmocka_unit_test(crafted_cropping_units),
		cmocka_unit_test(crafted_bad_geometry),
		cmocka_unit_test(crafted_separate_colour_planes_unsupported),
		cmocka_unit_test(crafted_scaling_matrix_and_poc_type_1),
		cmocka_unit_test(crafted_vui_sar_and_timing),
		cmocka_unit_test(crafted_truncated_vui_is_tolerated),
		cmocka_unit_test(crafted_overlong_exp_golomb),
		cmocka_unit_test(caller_fields_are_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
