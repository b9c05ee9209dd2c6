/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HEVC configuration: hvcC built from x265 Annex B and rebuilt from
 * ffmpeg's hvcC, compared with ffmpeg's bytes except array_completeness
 * (1 for 'hvc1', see hevc.c), codec strings per 14496-15 Annex E, and a
 * crafted VPS/SPS/PPS that walks the syntax x265 does not emit (sub-layer
 * PTL, range extensions profile, scaling lists, PCM, inter RPS, long-term
 * refs, HRD, bitstream restriction, WPP).
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

/* ffmpeg's record with array_completeness set on every array. */
static size_t expected_hvcc(uint8_t *out, const uint8_t *ffmpeg, size_t len)
{
	size_t p = 23;

	memcpy(out, ffmpeg, len);
	for (unsigned a = 0; a < ffmpeg[22]; a++) {
		unsigned count = (unsigned)out[p + 1] << 8 | out[p + 2];

		out[p] |= 0x80;
		p += 3;
		for (unsigned i = 0; i < count; i++)
			p += 2 + ((size_t)out[p] << 8 | out[p + 1]);
	}
	assert_int_equal(p, len);
	return len;
}

static void configure_ok(struct spate_track_info *t, const uint8_t *data,
			 size_t len)
{
	track_init(t, SPATE_CODEC_HEVC);
	assert_int_equal(spate_codec_configure(t, data, len), 0);
}

static void main_from_annexb(void **state)
{
	uint8_t want[sizeof(hevc_main_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	expected_hvcc(want, hevc_main_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, hevc_main_annexb, sizeof(hevc_main_annexb));
	assert_config_equal(&t, want);
	assert_string_equal(t.codec_string, "hvc1.1.6.L63.90");
	assert_int_equal(t.width, 640);
	assert_int_equal(t.height, 360);
	assert_int_equal(t.sar_num, 1);
	assert_int_equal(t.sar_den, 1);
	assert_int_equal(t.frame_rate_num, 30);
	assert_int_equal(t.frame_rate_den, 1);
	assert_int_equal(t.timescale, 90000);
	/* the only difference from ffmpeg: array_completeness */
	assert_int_equal(t.config[23], 0xa0);
}

static void main_from_ffmpeg_hvcc(void **state)
{
	uint8_t want[sizeof(hevc_main_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	expected_hvcc(want, hevc_main_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, hevc_main_hvcc_ffmpeg, sizeof(hevc_main_hvcc_ffmpeg));
	assert_config_equal(&t, want);
	assert_string_equal(t.codec_string, "hvc1.1.6.L63.90");
	/* our record configures to itself */
	assert_int_equal(spate_codec_configure(&t, t.config, t.config_len), 0);
	assert_config_equal(&t, want);
}

static void main10(void **state)
{
	uint8_t want[sizeof(hevc_main10_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	expected_hvcc(want, hevc_main10_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, hevc_main10_annexb, sizeof(hevc_main10_annexb));
	assert_config_equal(&t, want);
	/* Main 10: compatibility flag 2 only, reversed -> 0x4 */
	assert_string_equal(t.codec_string, "hvc1.2.4.L120.90");
	assert_int_equal(t.width, 1280);
	assert_int_equal(t.height, 720);
	assert_int_equal(t.frame_rate_num, 60000);
	assert_int_equal(t.frame_rate_den, 1001);
	/* 4:2:0, 10-bit luma and chroma */
	assert_memory_equal(t.config + 16, "\xfd\xfa\xfa", 3);
}

static void full_hd_cropped(void **state)
{
	uint8_t want[sizeof(hevc_1080_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	expected_hvcc(want, hevc_1080_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, hevc_1080_annexb, sizeof(hevc_1080_annexb));
	assert_config_equal(&t, want);
	assert_string_equal(t.codec_string, "hvc1.1.6.L120.90");
	assert_int_equal(t.width, 1920);
	assert_int_equal(t.height, 1080);
}

static void x265_sei_array_is_dropped(void **state)
{
	uint8_t want[sizeof(hevc_main_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	/* same encoder settings as hevc_main: only the SEI array differs */
	assert_true(sizeof(hevc_x265_hvcc_with_sei) > 2000);
	expected_hvcc(want, hevc_main_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, hevc_x265_hvcc_with_sei,
		     sizeof(hevc_x265_hvcc_with_sei));
	assert_config_equal(&t, want);
}

static void annexb_as_mpegts_gives_it(void **state)
{
	/* 3-byte start codes, an AUD first, trailing zero bytes between */
	uint8_t buf[sizeof(hevc_main_annexb) + 16];
	uint8_t want[sizeof(hevc_main_hvcc_ffmpeg)];
	struct spate_track_info t;
	size_t n = 0;

	(void)state;
	memcpy(buf, "\0\0\1\x46\x01\x50\0\0", 8);
	n = 8;
	memcpy(buf + n, hevc_main_annexb + 1, sizeof(hevc_main_annexb) - 1);
	n += sizeof(hevc_main_annexb) - 1;
	expected_hvcc(want, hevc_main_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, buf, n);
	assert_config_equal(&t, want);
}

static void missing_parameter_sets_ask_for_more(void **state)
{
	struct spate_track_info t;
	/* VPS is 24 bytes, SPS 42, PPS 7, each behind a 4-byte start code */
	const size_t vps_end = 28, sps_end = 28 + 46;

	(void)state;
	track_init(&t, SPATE_CODEC_HEVC);
	assert_int_equal(spate_codec_configure(&t, hevc_main_annexb, sps_end),
			 -EAGAIN);
	assert_int_equal(
		spate_codec_configure(&t, hevc_main_annexb + vps_end,
				      sizeof(hevc_main_annexb) - vps_end),
		-EAGAIN);
	assert_int_equal(spate_codec_configure(&t, hevc_main_annexb, vps_end),
			 -EAGAIN);
}

static void truncated_hvcc_is_rejected(void **state)
{
	struct spate_track_info t;

	(void)state;
	for (size_t n = 1; n < sizeof(hevc_main_hvcc_ffmpeg); n++) {
		track_init(&t, SPATE_CODEC_HEVC);
		assert_int_equal(
			spate_codec_configure(&t, hevc_main_hvcc_ffmpeg, n),
			-EINVAL);
	}
}

static void hvcc_type_mismatch_is_rejected(void **state)
{
	uint8_t rec[sizeof(hevc_main_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	memcpy(rec, hevc_main_hvcc_ffmpeg, sizeof(rec));
	rec[23] = 0x21; /* the VPS array claims to hold SPSs */
	track_init(&t, SPATE_CODEC_HEVC);
	assert_int_equal(spate_codec_configure(&t, rec, sizeof(rec)), -EINVAL);
}

static void enhancement_layer_sets_are_ignored(void **state)
{
	uint8_t buf[sizeof(hevc_main_annexb) + 16];
	uint8_t want[sizeof(hevc_main_hvcc_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	memcpy(buf, hevc_main_annexb, sizeof(hevc_main_annexb));
	/* an SPS with nuh_layer_id 1 and a body we could not parse */
	memcpy(buf + sizeof(hevc_main_annexb),
	       "\0\0\0\1\x42\x09\xff\xff\xff\xff\xff\xff", 12);
	expected_hvcc(want, hevc_main_hvcc_ffmpeg, sizeof(want));
	configure_ok(&t, buf, sizeof(hevc_main_annexb) + 12);
	assert_config_equal(&t, want);
}

/* The crafted stream: one PTL for VPS and SPS. */
static void put_ptl(struct test_bits *b)
{
	tb_u(b, 2, 1);			/* profile_space 1 -> "A" */
	tb_u(b, 1, 1);			/* high tier */
	tb_u(b, 5, 4);			/* format range extensions */
	tb_u(b, 32, 0x08000000);	/* compatible with profile 4 */
	tb_u(b, 48, 0x910200000000ull); /* progressive, frame only, ... */
	tb_u(b, 8, 153);		/* level 5.1 */
	tb_u(b, 1, 1);			/* sub_layer_profile_present_flag[0] */
	tb_u(b, 1, 1);			/* sub_layer_level_present_flag[0] */
	tb_u(b, 14, 0);			/* reserved_zero_2bits x 7 */
	tb_u(b, 32, 0x44000000);	/* sub-layer profile: 88 bits */
	tb_u(b, 32, 0x08000000);
	tb_u(b, 24, 0x910200);
	tb_u(b, 8, 150); /* sub_layer_level_idc */
}

struct crafted_opts {
	unsigned conf_right; /* conformance window, chroma units */
	unsigned sub_layers_minus1;
	unsigned wpp;
};

static size_t make_crafted(uint8_t *out, const struct crafted_opts *o)
{
	static const uint8_t vps_hdr[2] = {0x40, 0x01};
	static const uint8_t sps_hdr[2] = {0x42, 0x01};
	static const uint8_t pps_hdr[2] = {0x44, 0x01};
	struct test_bits b;
	size_t n;

	/* VPS */
	tb_init(&b);
	tb_u(&b, 4, 0);
	tb_u(&b, 2, 3);
	tb_u(&b, 6, 0);
	tb_u(&b, 3, o->sub_layers_minus1);
	tb_u(&b, 1, 1);
	tb_u(&b, 16, 0xffff);
	put_ptl(&b);
	tb_u(&b, 8, 0x5a); /* rest of the VPS: not parsed */
	tb_trailing(&b);
	n = tb_nal_annexb(out, 0, vps_hdr, 2, &b);

	/* SPS */
	tb_init(&b);
	tb_u(&b, 4, 0);
	tb_u(&b, 3, o->sub_layers_minus1);
	tb_u(&b, 1, 1); /* temporal_id_nesting */
	put_ptl(&b);
	tb_ue(&b, 0); /* sps id */
	tb_ue(&b, 2); /* 4:2:2 */
	tb_ue(&b, 1920);
	tb_ue(&b, 1080);
	tb_u(&b, 1, 1); /* conformance window: SubWidthC 2, SubHeightC 1 */
	tb_ue(&b, 0);
	tb_ue(&b, o->conf_right);
	tb_ue(&b, 0);
	tb_ue(&b, 2);
	tb_ue(&b, 2); /* 10-bit */
	tb_ue(&b, 2);
	tb_ue(&b, 4); /* poc lsb: 8 bits */
	tb_u(&b, 1, 1);
	for (int i = 0; i < 2; i++) {
		tb_ue(&b, 4);
		tb_ue(&b, 2);
		tb_ue(&b, 0);
	}
	tb_ue(&b, 0);
	tb_ue(&b, 3);
	tb_ue(&b, 0);
	tb_ue(&b, 3);
	tb_ue(&b, 1);
	tb_ue(&b, 1);
	tb_u(&b, 1, 1); /* scaling_list_enabled */
	tb_u(&b, 1, 1); /* sps_scaling_list_data_present */
	for (unsigned size_id = 0; size_id < 4; size_id++)
		for (unsigned m = 0; m < 6; m += size_id == 3 ? 3 : 1) {
			if (size_id < 3) {
				tb_u(&b, 1, 0);
				tb_ue(&b, 0);
				continue;
			}
			tb_u(&b, 1, 1);
			tb_se(&b, 8); /* dc */
			for (int c = 0; c < 64; c++)
				tb_se(&b, c & 1 ? 1 : -1);
		}
	tb_u(&b, 2, 3); /* amp, sao */
	tb_u(&b, 1, 1); /* pcm */
	tb_u(&b, 8, 0x77);
	tb_ue(&b, 0);
	tb_ue(&b, 0);
	tb_u(&b, 1, 1);
	tb_ue(&b, 2); /* two short-term RPS */
	tb_ue(&b, 2); /* set 0: explicit, 2 negative 1 positive */
	tb_ue(&b, 1);
	for (int i = 0; i < 3; i++) {
		tb_ue(&b, 0);
		tb_u(&b, 1, 1);
	}
	tb_u(&b, 1, 1); /* set 1: predicted from set 0 */
	tb_u(&b, 1, 0);
	tb_ue(&b, 0);
	tb_u(&b, 1, 1); /* j = 0..3: used / not used + use_delta */
	tb_u(&b, 2, 1);
	tb_u(&b, 1, 1);
	tb_u(&b, 2, 0);
	tb_u(&b, 1, 1); /* long-term refs: 2 of 8 + 1 bits */
	tb_ue(&b, 2);
	tb_u(&b, 18, 0x2aaaa);
	tb_u(&b, 2, 3); /* temporal mvp, strong intra smoothing */
	tb_u(&b, 1, 1); /* VUI */
	tb_u(&b, 1, 1);
	tb_u(&b, 8, 255);
	tb_u(&b, 16, 4);
	tb_u(&b, 16, 3);
	tb_u(&b, 3, 0); /* overscan, video signal, chroma loc */
	tb_u(&b, 3, 0);
	tb_u(&b, 1, 1); /* default display window */
	for (int i = 0; i < 4; i++)
		tb_ue(&b, 1);
	tb_u(&b, 1, 1); /* timing */
	tb_u(&b, 32, 1);
	tb_u(&b, 32, 50);
	tb_u(&b, 1, 1);
	tb_ue(&b, 0);
	tb_u(&b, 1, 1); /* HRD */
	tb_u(&b, 1, 1); /* nal hrd */
	tb_u(&b, 1, 0);
	tb_u(&b, 1, 0); /* no sub-pic params */
	tb_u(&b, 8, 0x44);
	tb_u(&b, 15, 0x7fff);
	for (unsigned i = 0; i <= o->sub_layers_minus1; i++) {
		tb_u(&b, 1, 1); /* fixed_pic_rate_general */
		tb_ue(&b, 0);
		tb_ue(&b, 1); /* two CPBs */
		for (int j = 0; j < 2; j++) {
			tb_ue(&b, 5000);
			tb_ue(&b, 6000);
			tb_u(&b, 1, 0);
		}
	}
	tb_u(&b, 1, 1); /* bitstream restriction */
	tb_u(&b, 3, 0);
	tb_ue(&b, 4); /* min_spatial_segmentation_idc */
	tb_ue(&b, 2);
	tb_ue(&b, 1);
	tb_ue(&b, 15);
	tb_ue(&b, 15);
	tb_u(&b, 1, 0); /* sps_extension_present */
	tb_trailing(&b);
	n = tb_nal_annexb(out, n, sps_hdr, 2, &b);

	/* PPS */
	tb_init(&b);
	tb_ue(&b, 0);
	tb_ue(&b, 0);
	tb_u(&b, 7, 0);
	tb_ue(&b, 0);
	tb_ue(&b, 0);
	tb_se(&b, -3);
	tb_u(&b, 2, 0);
	tb_u(&b, 1, 1); /* cu_qp_delta */
	tb_ue(&b, 1);
	tb_se(&b, 1);
	tb_se(&b, -1);
	tb_u(&b, 4, 0);
	tb_u(&b, 1, 0);	     /* tiles */
	tb_u(&b, 1, o->wpp); /* entropy_coding_sync */
	tb_u(&b, 4, 0);
	tb_trailing(&b);
	return tb_nal_annexb(out, n, pps_hdr, 2, &b);
}

static void crafted_syntax_walk(void **state)
{
	static const uint8_t want_header[23] = {
		0x01, 0x64, 0x08, 0x00, 0x00, 0x00, 0x91, 0x02,
		0x00, 0x00, 0x00, 0x00, 0x99, 0xf0, 0x04, 0xff,
		0xfe, 0xfa, 0xfa, 0x00, 0x00, 0x17, 0x03,
	};
	struct crafted_opts o = {
		.conf_right = 4, .sub_layers_minus1 = 1, .wpp = 1};
	struct spate_track_info t;
	uint8_t buf[1024];
	size_t n = make_crafted(buf, &o);

	(void)state;
	configure_ok(&t, buf, n);
	assert_memory_equal(t.config, want_header, sizeof(want_header));
	assert_string_equal(t.codec_string, "hvc1.A4.10.H153.91.2");
	assert_int_equal(t.width, 1912);
	assert_int_equal(t.height, 1078);
	assert_int_equal(t.sar_num, 4);
	assert_int_equal(t.sar_den, 3);
	assert_int_equal(t.frame_rate_num, 50);
	assert_int_equal(t.frame_rate_den, 1);
	/* slices, not WPP: parallelismType 1 */
	o.wpp = 0;
	n = make_crafted(buf, &o);
	configure_ok(&t, buf, n);
	assert_int_equal(t.config[15], 0xfd);
}

static void crafted_bad_values(void **state)
{
	struct crafted_opts o = {.conf_right = 960, .sub_layers_minus1 = 1};
	struct spate_track_info t;
	uint8_t buf[1024];
	size_t n;

	(void)state;
	n = make_crafted(buf, &o); /* window as wide as the picture */
	track_init(&t, SPATE_CODEC_HEVC);
	assert_int_equal(spate_codec_configure(&t, buf, n), -EINVAL);
	o.conf_right = 0;
	o.sub_layers_minus1 = 7; /* reserved value */
	n = make_crafted(buf, &o);
	assert_int_equal(spate_codec_configure(&t, buf, n), -EINVAL);
	assert_int_equal(t.config_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(main_from_annexb),
		cmocka_unit_test(main_from_ffmpeg_hvcc),
		cmocka_unit_test(main10),
		cmocka_unit_test(full_hd_cropped),
		cmocka_unit_test(x265_sei_array_is_dropped),
		cmocka_unit_test(annexb_as_mpegts_gives_it),
		cmocka_unit_test(missing_parameter_sets_ask_for_more),
		cmocka_unit_test(truncated_hvcc_is_rejected),
		cmocka_unit_test(hvcc_type_mismatch_is_rejected),
		cmocka_unit_test(enhancement_layer_sets_are_ignored),
		cmocka_unit_test(crafted_syntax_walk),
		cmocka_unit_test(crafted_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
