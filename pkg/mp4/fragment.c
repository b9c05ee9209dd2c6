/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CMAF media objects: the styp that opens a segment and the fragments
 * (moof + mdat) inside it.  One call writes one fragment; an LL-HLS part is
 * one fragment, so a full segment is styp plus its parts' bytes unchanged,
 * and a part can be served the moment it is written.
 *
 * The per-sample fields are laid out by a fixed rule (see trun_layout_pick)
 * so identical input gives identical bytes on every origin.  This file owns
 * the fragment byte layout only: it never reorders, retimes or drops
 * samples, and it never reads the payload beyond copying it into mdat, so an
 * encryption pass can later work on the mdat bytes in place and add
 * senc/saiz/saio to the traf (see write_traf).
 */
#include <errno.h>

#include "box.h"
#include "mp4.h"

static const char *const styp_brands[] = {"msdh", "cmfs", "cmfc", "iso6"};

#define TFHD_DEFAULT_BASE_IS_MOOF    0x020000
#define TFHD_DEFAULT_SAMPLE_DURATION 0x000008
#define TFHD_DEFAULT_SAMPLE_SIZE     0x000010
#define TFHD_DEFAULT_SAMPLE_FLAGS    0x000020

#define TRUN_DATA_OFFSET	0x000001
#define TRUN_FIRST_SAMPLE_FLAGS 0x000004
#define TRUN_SAMPLE_DURATION	0x000100
#define TRUN_SAMPLE_SIZE	0x000200
#define TRUN_SAMPLE_FLAGS	0x000400
#define TRUN_SAMPLE_CTS_OFFSET	0x000800

/*
 * sample_flags (ISO/IEC 14496-12 8.8.3.1): is_leading(2) depends_on(2)
 * is_depended_on(2) has_redundancy(2) padding(3) is_non_sync(1)
 * degradation_priority(16).  A sync sample depends on nothing (2); any other
 * video sample depends on others (1) and is flagged non-sync.  Whether
 * others depend on a sample is not known here, so it stays 0 (unknown).
 */
#define SAMPLE_FLAGS_SYNC     0x02000000u
#define SAMPLE_FLAGS_NON_SYNC 0x01010000u

/* The fields each sample carries in trun, and what tfhd defaults instead. */
struct trun_layout {
	uint32_t tfhd_flags;
	uint32_t trun_flags;
	uint32_t default_duration;
	uint32_t default_size;
	uint32_t default_flags;
	uint32_t first_flags;
};

int spate_mp4_write_styp(struct spate_buf *out)
{
	size_t start;

	if (out == NULL)
		return -EINVAL;
	if (out->error)
		return out->error;
	start = out->len;
	mp4_put_brands(out, "styp", "msdh", 0, styp_brands,
		       sizeof(styp_brands) / sizeof(styp_brands[0]));
	if (out->error)
		out->len = start;
	return out->error;
}

static uint32_t sample_flags(const struct spate_track_info *t,
			     const struct spate_sample *s)
{
	if (!spate_media_is_video(t) || (s->flags & SPATE_SAMPLE_SYNC))
		return SAMPLE_FLAGS_SYNC;
	return SAMPLE_FLAGS_NON_SYNC;
}

/*
 * The compact encoding, chosen by a fixed rule:
 *  - duration, size: in tfhd when every sample has the same value,
 *    otherwise per sample;
 *  - flags: in tfhd when all equal; else, when all but the first are equal
 *    (the usual sync-first video fragment), tfhd takes the common value and
 *    trun first_sample_flags the first; otherwise per sample;
 *  - composition offsets: per sample when any is non-zero, else absent.
 * Defaults go in tfhd, never in trex, so each fragment stands alone.
 */
static void trun_layout_pick(struct trun_layout *l,
			     const struct spate_track_info *t,
			     const struct spate_sample *samples, size_t n)
{
	int same_duration = 1, same_size = 1, same_rest_flags = 1, any_cts = 0;
	uint32_t first_flags = sample_flags(t, &samples[0]);
	uint32_t rest_flags =
		n > 1 ? sample_flags(t, &samples[1]) : first_flags;

	for (size_t i = 0; i < n; i++) {
		const struct spate_sample *s = &samples[i];

		same_duration &= s->duration == samples[0].duration;
		same_size &= s->size == samples[0].size;
		if (i > 0)
			same_rest_flags &= sample_flags(t, s) == rest_flags;
		any_cts |= s->cts != 0;
	}

	*l = (struct trun_layout){
		.tfhd_flags = TFHD_DEFAULT_BASE_IS_MOOF,
		.trun_flags = TRUN_DATA_OFFSET,
	};
	if (same_duration) {
		l->tfhd_flags |= TFHD_DEFAULT_SAMPLE_DURATION;
		l->default_duration = samples[0].duration;
	} else {
		l->trun_flags |= TRUN_SAMPLE_DURATION;
	}
	if (same_size) {
		l->tfhd_flags |= TFHD_DEFAULT_SAMPLE_SIZE;
		l->default_size = samples[0].size;
	} else {
		l->trun_flags |= TRUN_SAMPLE_SIZE;
	}
	if (same_rest_flags) {
		l->tfhd_flags |= TFHD_DEFAULT_SAMPLE_FLAGS;
		l->default_flags = rest_flags;
		if (first_flags != rest_flags) {
			l->trun_flags |= TRUN_FIRST_SAMPLE_FLAGS;
			l->first_flags = first_flags;
		}
	} else {
		l->trun_flags |= TRUN_SAMPLE_FLAGS;
	}
	if (any_cts)
		l->trun_flags |= TRUN_SAMPLE_CTS_OFFSET;
}

/*
 * Rejects anything the fragment could not represent exactly: see the
 * timing contract in mp4.h.
 */
static int fragment_check(const struct spate_track_info *t,
			  const struct spate_sample *samples, size_t n,
			  const uint8_t *payload, size_t payload_len)
{
	uint64_t total = 0;

	if (t->track_id == 0 ||
	    (t->type != SPATE_MEDIA_VIDEO && t->type != SPATE_MEDIA_AUDIO))
		return -EINVAL;
	if (n == 0 || n > SPATE_MP4_FRAGMENT_MAX_SAMPLES)
		return -EINVAL;
	if (payload == NULL && payload_len != 0)
		return -EINVAL;
	if (payload_len > UINT32_MAX - MP4_BOX_HEADER_SIZE)
		return -EINVAL;
	if (samples[0].dts < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		total += samples[i].size;
		if (i == 0)
			continue;
		/* dts >= 0 holds inductively, so the sum cannot wrap. */
		if (samples[i - 1].dts > INT64_MAX - samples[i - 1].duration ||
		    samples[i].dts !=
			    samples[i - 1].dts + samples[i - 1].duration)
			return -EINVAL;
	}
	if (total != payload_len)
		return -EINVAL;
	return 0;
}

static void write_tfhd(struct spate_buf *b, const struct spate_track_info *t,
		       const struct trun_layout *l)
{
	size_t box = mp4_full_box_open(b, "tfhd", 0, l->tfhd_flags);

	spate_buf_put_be32(b, t->track_id);
	if (l->tfhd_flags & TFHD_DEFAULT_SAMPLE_DURATION)
		spate_buf_put_be32(b, l->default_duration);
	if (l->tfhd_flags & TFHD_DEFAULT_SAMPLE_SIZE)
		spate_buf_put_be32(b, l->default_size);
	if (l->tfhd_flags & TFHD_DEFAULT_SAMPLE_FLAGS)
		spate_buf_put_be32(b, l->default_flags);
	mp4_box_close(b, box);
}

/*
 * Writes trun and returns the offset of its data_offset field, which the
 * caller patches once the moof size is known.
 */
static size_t write_trun(struct spate_buf *b, const struct spate_track_info *t,
			 const struct trun_layout *l,
			 const struct spate_sample *samples, size_t n)
{
	size_t box = mp4_full_box_open(b, "trun", 1, l->trun_flags);
	size_t data_offset_at;

	spate_buf_put_be32(b, (uint32_t)n);
	data_offset_at = b->len;
	spate_buf_put_be32(b, 0); /* data_offset, patched */
	if (l->trun_flags & TRUN_FIRST_SAMPLE_FLAGS)
		spate_buf_put_be32(b, l->first_flags);
	for (size_t i = 0; i < n; i++) {
		const struct spate_sample *s = &samples[i];

		if (l->trun_flags & TRUN_SAMPLE_DURATION)
			spate_buf_put_be32(b, s->duration);
		if (l->trun_flags & TRUN_SAMPLE_SIZE)
			spate_buf_put_be32(b, s->size);
		if (l->trun_flags & TRUN_SAMPLE_FLAGS)
			spate_buf_put_be32(b, sample_flags(t, s));
		if (l->trun_flags & TRUN_SAMPLE_CTS_OFFSET)
			/* version 1: signed, two's complement on the wire */
			spate_buf_put_be32(b, (uint32_t)s->cts);
	}
	mp4_box_close(b, box);
	return data_offset_at;
}

/* Returns the offset of trun's data_offset field (see write_trun). */
static size_t write_traf(struct spate_buf *b, const struct spate_track_info *t,
			 const struct spate_sample *samples, size_t n)
{
	struct trun_layout l;
	size_t traf, tfdt, data_offset_at;

	trun_layout_pick(&l, t, samples, n);
	traf = mp4_box_open(b, "traf");
	write_tfhd(b, t, &l);
	/* Version 1 always: a live 90 kHz clock passes 2^32 in 13 hours. */
	tfdt = mp4_full_box_open(b, "tfdt", 1, 0);
	spate_buf_put_be64(b, (uint64_t)samples[0].dts);
	mp4_box_close(b, tfdt);
	data_offset_at = write_trun(b, t, &l, samples, n);
	/*
	 * Encryption: senc, saiz and saio follow trun here.  saio's offset is
	 * relative to moof too (default-base-is-moof), so it is patched the
	 * same way as data_offset once the moof size is known.
	 */
	mp4_box_close(b, traf);
	return data_offset_at;
}

/*
 * moof, then the mdat header; the payload is copied after it only when
 * `payload` is non-NULL (see spate_mp4_write_fragment_header).
 */
static int write_fragment(struct spate_buf *out,
			  const struct spate_track_info *t,
			  uint32_t sequence_number,
			  const struct spate_sample *samples, size_t n,
			  const uint8_t *payload, size_t payload_len)
{
	size_t start, mfhd, data_offset_at, moof_size;

	start = mp4_box_open(out, "moof");
	mfhd = mp4_full_box_open(out, "mfhd", 0, 0);
	spate_buf_put_be32(out, sequence_number);
	mp4_box_close(out, mfhd);
	data_offset_at = write_traf(out, t, samples, n);
	mp4_box_close(out, start);

	/*
	 * With default-base-is-moof the data offset counts from the first
	 * byte of moof; the samples start right after the mdat header.
	 */
	moof_size = out->len - start;
	spate_buf_patch_be32(out, data_offset_at,
			     (uint32_t)(moof_size + MP4_BOX_HEADER_SIZE));

	spate_buf_put_be32(out, (uint32_t)(payload_len + MP4_BOX_HEADER_SIZE));
	spate_buf_put_fourcc(out, "mdat");
	if (payload != NULL)
		spate_buf_put(out, payload, payload_len);
	if (out->error) {
		out->len = start; /* never leave half a fragment */
		return out->error;
	}
	return 0;
}

int spate_mp4_write_fragment(struct spate_buf *out,
			     const struct spate_track_info *t,
			     uint32_t sequence_number,
			     const struct spate_sample *samples, size_t n,
			     const uint8_t *payload, size_t payload_len)
{
	int rc;

	if (out == NULL || t == NULL || samples == NULL)
		return -EINVAL;
	if (out->error)
		return out->error;
	rc = fragment_check(t, samples, n, payload, payload_len);
	if (rc < 0)
		return rc;
	return write_fragment(out, t, sequence_number, samples, n, payload,
			      payload_len);
}

int spate_mp4_write_fragment_header(struct spate_buf *out,
				    const struct spate_track_info *t,
				    uint32_t sequence_number,
				    const struct spate_sample *samples,
				    size_t n, size_t payload_len)
{
	/* Any non-NULL pointer: only its presence is checked, never read. */
	static const uint8_t absent;
	int rc;

	if (out == NULL || t == NULL || samples == NULL)
		return -EINVAL;
	if (out->error)
		return out->error;
	rc = fragment_check(t, samples, n, &absent, payload_len);
	if (rc < 0)
		return rc;
	return write_fragment(out, t, sequence_number, samples, n, NULL,
			      payload_len);
}
