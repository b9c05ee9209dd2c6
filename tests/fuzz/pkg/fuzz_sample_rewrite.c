/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for spate_codec_sample_rewrite().
 *
 * Byte 0 picks the codec (low 3 bits) and the input NAL length size
 * ((byte >> 3) % 5, 0 = Annex B).  Checks, besides memory safety:
 *   - the return value is the number of bytes appended, and on error the
 *     bytes already in `out` are untouched;
 *   - for video the stored form is a fixed point: rewriting it again
 *     (4-byte lengths) yields the same bytes and the same sync flag;
 *   - change detection accepts whatever the rewrite produced.
 */
#include "fuzz_codec_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char keep[] = "prefix";
	static struct spate_track_info t, next;
	struct spate_buf out = SPATE_BUF_INIT, again = SPATE_BUF_INIT;
	enum spate_codec_id codec;
	unsigned length_size;
	uint8_t *in;
	int rc, sync = -1, sync2 = -1;

	if (size < 1)
		return 0;
	codec = fuzz_pick_codec(data[0]);
	length_size = (data[0] >> 3) % 5;
	in = malloc(size - 1 ? size - 1 : 1);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	fuzz_track_init(&t, codec);

	spate_buf_put(&out, keep, sizeof(keep));
	rc = spate_codec_sample_rewrite(&t, in, size - 1, length_size, &out,
					&sync);
	if (out.error)
		goto done; /* allocation failure: nothing to check */
	if (rc < 0) {
		if (!fuzz_expected_error(rc) || out.len != sizeof(keep) ||
		    memcmp(out.data, keep, sizeof(keep)) != 0 || sync != -1)
			abort();
		goto done;
	}
	if (out.len != sizeof(keep) + (size_t)rc || (sync != 0 && sync != 1))
		abort();
	if (t.type == SPATE_MEDIA_VIDEO) {
		const uint8_t *stored = out.data + sizeof(keep);
		int rc2 = spate_codec_sample_rewrite(&t, stored, (size_t)rc, 4,
						     &again, &sync2);

		if (again.error)
			goto done;
		if (rc2 != rc || sync2 != sync ||
		    (rc > 0 && memcmp(again.data, stored, (size_t)rc) != 0))
			abort();
		rc2 = spate_codec_detect_change(&t, stored, (size_t)rc, &next);
		if (rc2 < 0 && !fuzz_expected_error(rc2))
			abort();
	}
done:
	spate_buf_free(&out);
	spate_buf_free(&again);
	free(in);
	return 0;
}
