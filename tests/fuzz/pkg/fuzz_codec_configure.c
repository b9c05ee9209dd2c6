/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for spate_codec_configure().
 *
 * Byte 0 picks the codec (see fuzz_codec_common.h); bit 3 prepends the
 * start of the "other" input form (Annex B start code, av1C header, ADTS
 * syncword, "OpusHead") so mutations reach both parsers of each codec
 * quickly.  Beyond memory safety it checks the contract:
 *   - only the documented errors come back, and a failure leaves the track
 *     untouched;
 *   - a success describes a usable track;
 *   - configuring from the record we just built gives the same track
 *     (our builders are canonical: no drift across re-configuration).
 */
#include "fuzz_codec_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *form_prefix(enum spate_codec_id codec, size_t *len)
{
	switch (codec) {
	case SPATE_CODEC_H264:
	case SPATE_CODEC_HEVC:
		*len = 4;
		return (const uint8_t *)"\0\0\0\1";
	case SPATE_CODEC_AV1:
		*len = 4;
		return (const uint8_t *)"\x81\x00\x0c\x00";
	case SPATE_CODEC_AAC:
		*len = 2;
		return (const uint8_t *)"\xff\xf1";
	default:
		*len = 8;
		return (const uint8_t *)"OpusHead";
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spate_track_info t, before, again;
	enum spate_codec_id codec;
	const uint8_t *prefix;
	size_t prefix_len = 0, len;
	uint8_t *in;
	int rc;

	if (size < 1)
		return 0;
	codec = fuzz_pick_codec(data[0]);
	prefix = form_prefix(codec, &prefix_len);
	if (!(data[0] & 0x08))
		prefix_len = 0;
	len = prefix_len + size - 1;
	/* An exact-size copy, so ASan sees any read past the end. */
	in = malloc(len ? len : 1);
	if (in == NULL)
		return 0;
	memcpy(in, prefix, prefix_len);
	memcpy(in + prefix_len, data + 1, size - 1);

	fuzz_track_init(&t, codec);
	before = t;
	rc = spate_codec_configure(&t, in, len);
	if (rc < 0) {
		if (!fuzz_expected_error(rc) ||
		    memcmp(&t, &before, sizeof(t)) != 0)
			abort();
		free(in);
		return 0;
	}
	if (rc != 0 || t.config_len == 0 || t.config_len > sizeof(t.config) ||
	    t.codec_string[0] == '\0' ||
	    memchr(t.codec_string, 0, sizeof(t.codec_string)) == NULL ||
	    t.timescale == 0)
		abort();
	if (t.type == SPATE_MEDIA_VIDEO &&
	    (t.width == 0 || t.height == 0 || t.width > 65535 ||
	     t.height > 65535 || t.sar_num == 0 || t.sar_den == 0))
		abort();
	if (t.type == SPATE_MEDIA_AUDIO &&
	    (t.sample_rate == 0 || t.channels == 0 || t.frame_samples == 0))
		abort();
	/* dOps is an output form only: Opus has no record round trip. */
	if (codec != SPATE_CODEC_OPUS) {
		again = t;
		if (spate_codec_configure(&again, again.config,
					  again.config_len) != 0 ||
		    memcmp(&again, &t, sizeof(t)) != 0)
			abort();
	}
	free(in);
	return 0;
}
