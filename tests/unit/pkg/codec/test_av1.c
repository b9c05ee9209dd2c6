/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AV1 configuration: av1C built from libaom/SVT-AV1 sequence headers and
 * rebuilt from ffmpeg's av1C, byte for byte against ffmpeg's records, codec
 * strings, and crafted sequence headers for the syntax those encoders do
 * not use (reduced still picture header, timing and decoder model info,
 * several operating points, 12-bit, monochrome, static HDR metadata).
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

struct seq_opts {
	unsigned profile;
	unsigned reduced;
	unsigned timing;
	uint32_t units, scale;
	unsigned equal_interval;
	unsigned ticks_minus1; /* uvlc, small values only */
	unsigned decoder_model;
	unsigned ops_minus1;
	unsigned level;
	unsigned tier;
	unsigned display_delay;
	unsigned high_bitdepth;
	unsigned twelve_bit;
	unsigned mono;
	unsigned srgb; /* BT.709 / sRGB / identity: 4:4:4 implied */
	unsigned w_minus1, h_minus1;
};

static const struct seq_opts seq_1080p = {
	.level = 8,
	.w_minus1 = 1919,
	.h_minus1 = 1079,
};

static void put_uvlc(struct test_bits *b, unsigned v)
{
	uint64_t x = (uint64_t)v + 1;
	unsigned len = 0;

	while ((x >> len) > 1)
		len++;
	tb_u(b, len, 0);
	tb_u(b, len + 1, x);
}

/* Writes OBU_SEQUENCE_HEADER (with obu_size) at out; returns its length. */
static size_t make_seq_obu(uint8_t *out, const struct seq_opts *o)
{
	struct test_bits b;
	size_t len;

	tb_init(&b);
	tb_u(&b, 3, o->profile);
	tb_u(&b, 1, o->reduced);
	tb_u(&b, 1, o->reduced);
	if (o->reduced) {
		tb_u(&b, 5, o->level);
	} else {
		tb_u(&b, 1, o->timing);
		if (o->timing) {
			tb_u(&b, 32, o->units);
			tb_u(&b, 32, o->scale);
			tb_u(&b, 1, o->equal_interval);
			if (o->equal_interval)
				put_uvlc(&b, o->ticks_minus1);
			tb_u(&b, 1, o->decoder_model);
			if (o->decoder_model) {
				tb_u(&b, 5,
				     9); /* buffer_delay_length_minus_1 */
				tb_u(&b, 32, 1);
				tb_u(&b, 10, 0);
			}
		}
		tb_u(&b, 1, o->display_delay);
		tb_u(&b, 5, o->ops_minus1);
		for (unsigned i = 0; i <= o->ops_minus1; i++) {
			tb_u(&b, 12, i == 0 ? 0 : 0x101);
			tb_u(&b, 5, i == 0 ? o->level : 31);
			if ((i == 0 ? o->level : 31) > 7)
				tb_u(&b, 1, i == 0 ? o->tier : 1);
			if (o->decoder_model) {
				tb_u(&b, 1, 1);
				tb_u(&b, 10, 0x155);
				tb_u(&b, 10, 0x0aa);
				tb_u(&b, 1, 0);
			}
			if (o->display_delay) {
				tb_u(&b, 1, 1);
				tb_u(&b, 4, 3);
			}
		}
	}
	tb_u(&b, 4, 15);
	tb_u(&b, 4, 15);
	tb_u(&b, 16, o->w_minus1);
	tb_u(&b, 16, o->h_minus1);
	if (!o->reduced)
		tb_u(&b, 1, 0); /* frame_id_numbers_present */
	tb_u(&b, 3, 7);
	if (!o->reduced) {
		tb_u(&b, 4, 0xf);
		tb_u(&b, 1, 1); /* order hint */
		tb_u(&b, 2, 3);
		tb_u(&b, 1, 1); /* seq_choose_screen_content_tools */
		tb_u(&b, 1, 1); /* seq_choose_integer_mv */
		tb_u(&b, 3, 6);
	}
	tb_u(&b, 3, 7);
	/* color_config */
	tb_u(&b, 1, o->high_bitdepth);
	if (o->profile == 2 && o->high_bitdepth)
		tb_u(&b, 1, o->twelve_bit);
	if (o->profile != 1)
		tb_u(&b, 1, o->mono);
	tb_u(&b, 1, o->srgb);
	if (o->srgb)
		tb_u(&b, 24, 0x010d00);
	if (o->mono) {
		tb_u(&b, 1, 1);
	} else if (!o->srgb) {
		tb_u(&b, 1, 0); /* color_range */
		if (o->profile == 2 && o->twelve_bit) {
			tb_u(&b, 1, 1);
			tb_u(&b, 1, 1);
		}
		if (o->profile == 0 || (o->profile == 2 && o->twelve_bit))
			tb_u(&b, 2, 1); /* chroma_sample_position: vertical */
	}
	if (!o->mono)
		tb_u(&b, 1, 0); /* separate_uv_delta_q */
	tb_u(&b, 1, 0);		/* film grain */
	tb_trailing(&b);
	len = tb_bytes(&b);
	assert_true(len < 128);
	out[0] = 0x0a;
	out[1] = (uint8_t)len;
	memcpy(out + 2, b.data, len);
	return len + 2;
}

static void configure_ok(struct spate_track_info *t, const uint8_t *data,
			 size_t len)
{
	track_init(t, SPATE_CODEC_AV1);
	assert_int_equal(spate_codec_configure(t, data, len), 0);
}

static void aom_from_obus_matches_ffmpeg(void **state)
{
	struct spate_track_info t;

	(void)state;
	configure_ok(&t, av1_aom_td_seq, sizeof(av1_aom_td_seq));
	assert_config_equal(&t, av1_aom_av1c_ffmpeg);
	assert_string_equal(t.codec_string, "av01.0.01M.08");
	assert_int_equal(t.width, 640);
	assert_int_equal(t.height, 360);
	assert_int_equal(t.sar_num, 1);
	assert_int_equal(t.frame_rate_num, 0); /* no timing info */
	assert_int_equal(t.timescale, 90000);
}

static void aom_av1c_rebuilds_identically(void **state)
{
	struct spate_track_info t;

	(void)state;
	configure_ok(&t, av1_aom_av1c_ffmpeg, sizeof(av1_aom_av1c_ffmpeg));
	assert_config_equal(&t, av1_aom_av1c_ffmpeg);
	assert_int_equal(spate_codec_configure(&t, t.config, t.config_len), 0);
	assert_config_equal(&t, av1_aom_av1c_ffmpeg);
}

static void svt_10bit(void **state)
{
	struct spate_track_info t;

	(void)state;
	configure_ok(&t, av1_svt10_td_seq, sizeof(av1_svt10_td_seq));
	assert_config_equal(&t, av1_svt10_av1c_ffmpeg);
	assert_string_equal(t.codec_string, "av01.0.05M.10");
	assert_int_equal(t.width, 1280);
	assert_int_equal(t.height, 720);
	configure_ok(&t, av1_svt10_av1c_ffmpeg, sizeof(av1_svt10_av1c_ffmpeg));
	assert_config_equal(&t, av1_svt10_av1c_ffmpeg);
}

static void av1c_without_sequence_header(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_AV1);
	assert_int_equal(spate_codec_configure(&t, av1_aom_av1c_ffmpeg, 4),
			 -EAGAIN);
	/* a temporal delimiter alone neither */
	assert_int_equal(spate_codec_configure(&t, av1_aom_td_seq, 2), -EAGAIN);
}

static void av1c_bad_header(void **state)
{
	uint8_t rec[sizeof(av1_aom_av1c_ffmpeg)];
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_AV1);
	memcpy(rec, av1_aom_av1c_ffmpeg, sizeof(rec));
	rec[0] = 0x82; /* version 2 */
	assert_int_equal(spate_codec_configure(&t, rec, sizeof(rec)), -ENOTSUP);
	rec[0] = 0x81;
	rec[1] = 0x41; /* claims profile 2 */
	assert_int_equal(spate_codec_configure(&t, rec, sizeof(rec)), -EINVAL);
	assert_int_equal(t.config_len, 0);
}

static void truncated_av1c(void **state)
{
	struct spate_track_info t;

	(void)state;
	for (size_t n = 1; n < sizeof(av1_aom_av1c_ffmpeg); n++) {
		track_init(&t, SPATE_CODEC_AV1);
		assert_int_equal(
			spate_codec_configure(&t, av1_aom_av1c_ffmpeg, n),
			n == 4 ? -EAGAIN : -EINVAL);
	}
}

static void bad_obu_framing(void **state)
{
	static const uint8_t forbidden[] = {0x12, 0x00, 0x8a, 0x01, 0x00};
	static const uint8_t long_leb[] = {0x0a, 0x80, 0x80, 0x80, 0x80,
					   0x80, 0x80, 0x80, 0x80, 0x01};
	static const uint8_t huge_size[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f};
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_AV1);
	assert_int_equal(
		spate_codec_configure(&t, forbidden, sizeof(forbidden)),
		-EINVAL);
	assert_int_equal(spate_codec_configure(&t, long_leb, sizeof(long_leb)),
			 -EINVAL);
	assert_int_equal(
		spate_codec_configure(&t, huge_size, sizeof(huge_size)),
		-EINVAL);
}

static void crafted_timing_and_operating_points(void **state)
{
	struct seq_opts o = seq_1080p;
	struct spate_track_info t;
	uint8_t buf[160];

	(void)state;
	o.timing = 1;
	o.units = 1001;
	o.scale = 60000;
	o.equal_interval = 1;
	o.ticks_minus1 = 1;
	o.decoder_model = 1;
	o.display_delay = 1;
	o.ops_minus1 = 2;
	o.level = 12;
	o.tier = 1;
	configure_ok(&t, buf, make_seq_obu(buf, &o));
	assert_string_equal(t.codec_string, "av01.0.12H.08");
	assert_int_equal(t.width, 1920);
	assert_int_equal(t.height, 1080);
	assert_int_equal(t.frame_rate_num, 30000); /* 60000 / (1001 * 2) */
	assert_int_equal(t.frame_rate_den, 1001);
	/* byte 1: profile 0, level 12; byte 2: tier 1, 4:2:0, vertical csp */
	assert_int_equal(t.config[1], 12);
	assert_int_equal(t.config[2], 0x80 | 0x0c | 0x01);
	/* initial_presentation_delay is never claimed */
	assert_int_equal(t.config[3], 0);
}

static void crafted_reduced_still_picture(void **state)
{
	struct seq_opts o = seq_1080p;
	struct spate_track_info t;
	uint8_t buf[160];

	(void)state;
	o.reduced = 1;
	o.level = 5;
	configure_ok(&t, buf, make_seq_obu(buf, &o));
	assert_string_equal(t.codec_string, "av01.0.05M.08");
	assert_int_equal(t.width, 1920);
}

static void crafted_bit_depths_and_chroma(void **state)
{
	struct seq_opts o = seq_1080p;
	struct spate_track_info t;
	uint8_t buf[160];

	(void)state;
	o.profile = 2;
	o.high_bitdepth = 1;
	o.twelve_bit = 1;
	configure_ok(&t, buf, make_seq_obu(buf, &o));
	assert_string_equal(t.codec_string, "av01.2.08M.12");
	assert_int_equal(t.config[2], 0x40 | 0x20 | 0x0c | 0x01);

	o = seq_1080p;
	o.mono = 1;
	configure_ok(&t, buf, make_seq_obu(buf, &o));
	assert_int_equal(t.config[2], 0x10 | 0x0c);

	o = seq_1080p;
	o.profile = 1;
	o.high_bitdepth = 1;
	configure_ok(&t, buf, make_seq_obu(buf, &o));
	assert_string_equal(t.codec_string, "av01.1.08M.10");
	assert_int_equal(t.config[2], 0x40); /* 4:4:4 */

	o = seq_1080p;
	o.profile = 1;
	o.srgb = 1;
	configure_ok(&t, buf, make_seq_obu(buf, &o));
	assert_int_equal(t.config[2], 0x00);

	o = seq_1080p;
	o.profile = 3; /* reserved */
	track_init(&t, SPATE_CODEC_AV1);
	assert_int_equal(spate_codec_configure(&t, buf, make_seq_obu(buf, &o)),
			 -EINVAL);
}

static void static_hdr_metadata_is_kept(void **state)
{
	/* TD, sequence header, HDR CLL metadata, T.35 metadata, frame */
	static const uint8_t cll[] = {0x2a, 0x05, 0x01, 0x03, 0xe8, 0x01, 0x90};
	static const uint8_t t35[] = {0x2a, 0x03, 0x04, 0xb5, 0x00};
	static const uint8_t frame[] = {0x32, 0x02, 0x10, 0x00};
	struct spate_track_info t;
	uint8_t buf[256];
	size_t n = 0, seq_len;

	(void)state;
	buf[n++] = 0x12;
	buf[n++] = 0x00;
	seq_len = make_seq_obu(buf + n, &seq_1080p);
	n += seq_len;
	memcpy(buf + n, cll, sizeof(cll));
	n += sizeof(cll);
	memcpy(buf + n, t35, sizeof(t35));
	n += sizeof(t35);
	memcpy(buf + n, frame, sizeof(frame));
	n += sizeof(frame);
	configure_ok(&t, buf, n);
	assert_int_equal(t.config_len, 4 + seq_len + sizeof(cll));
	assert_memory_equal(t.config + 4, buf + 2, seq_len);
	assert_memory_equal(t.config + 4 + seq_len, cll, sizeof(cll));
	/* and the record configures to itself */
	assert_int_equal(spate_codec_configure(&t, t.config, t.config_len), 0);
	assert_int_equal(t.config_len, 4 + seq_len + sizeof(cll));
}

static void obu_without_size_field(void **state)
{
	/* sequence header as the last OBU, obu_has_size_field = 0 */
	uint8_t buf[160];
	struct spate_track_info t;
	size_t n = make_seq_obu(buf + 1, &seq_1080p);

	(void)state;
	buf[0] = 0x08;
	memmove(buf + 1, buf + 3, n - 2); /* drop 0x0a and the size */
	configure_ok(&t, buf, n - 1);
	assert_int_equal(t.config[4], 0x0a); /* size field added back */
	assert_int_equal(t.width, 1920);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aom_from_obus_matches_ffmpeg),
		cmocka_unit_test(aom_av1c_rebuilds_identically),
		cmocka_unit_test(svt_10bit),
		cmocka_unit_test(av1c_without_sequence_header),
		cmocka_unit_test(av1c_bad_header),
		cmocka_unit_test(truncated_av1c),
		cmocka_unit_test(bad_obu_framing),
		cmocka_unit_test(crafted_timing_and_operating_points),
		cmocka_unit_test(crafted_reduced_still_picture),
		cmocka_unit_test(crafted_bit_depths_and_chroma),
		cmocka_unit_test(static_hdr_metadata_is_kept),
		cmocka_unit_test(obu_without_size_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
