/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CMAF header (init segment) of one track: ftyp + moov.
 *
 * Every time and duration field is zero and every name is a constant, so the
 * bytes depend on the spate_track_info alone and redundant origins agree.
 * The sample tables in stbl are empty because samples live in fragments;
 * mvex/trex announces that and carries no defaults, since each fragment's
 * tfhd brings its own (an LL part must decode without its neighbours).
 *
 * Not here: the sample entry itself (sample_entry.c) and, later, pssh boxes
 * for encryption, which belong at the end of moov after mvex.
 */
#include <errno.h>
#include <string.h>

#include "box.h"
#include "mp4.h"
#include "sample_entry.h"

/*
 * ftyp: major iso6 (ISO BMFF with tfdt, styp and trun v1 signed offsets),
 * minor 0, compatible iso6, cmfc (the CMAF track brand that ISO/IEC
 * 23000-19 requires in a CMAF header) and dash (DASH segment format; also
 * what older sniffers such as Android's look for).  Codec-specific CMAF
 * media-profile brands (cfhd, caac...) are not claimed: they constrain
 * encoding parameters this writer cannot check.
 */
static const char *const init_brands[] = {"iso6", "cmfc", "dash"};

/* Movie timescale: nothing in moov carries a duration, so any value works. */
#define MP4_MOVIE_TIMESCALE 1000

#define TKHD_FLAGS_ENABLED  0x000001
#define TKHD_FLAGS_IN_MOVIE 0x000002
#define VMHD_FLAGS	    0x000001 /* required by ISO/IEC 14496-12 */
#define URL_FLAGS_SELF	    0x000001 /* media data is in this file */

/*
 * tkhd width in 16.16, stretched by the sample aspect ratio so players size
 * the display correctly (ISO/IEC 14496-12 8.3.2.3).  Rounded to nearest so
 * e.g. 720 px at 64:45 gives the same 1024.0 everyone else writes.
 */
static int display_width_1616(const struct spate_track_info *t,
			      uint32_t *width_1616)
{
	uint64_t w = (uint64_t)t->width << 16;

	if (t->sar_num != 0 && t->sar_den != 0 && t->sar_num != t->sar_den)
		w = (w * t->sar_num + t->sar_den / 2) / t->sar_den;
	if (w > UINT32_MAX)
		return -EINVAL;
	*width_1616 = (uint32_t)w;
	return 0;
}

static void put_mvhd(struct spate_buf *b, const struct spate_track_info *t)
{
	size_t box = mp4_full_box_open(b, "mvhd", 0, 0);
	/* All-ones tells readers to search for a free id themselves. */
	uint32_t next_track_id =
		t->track_id == UINT32_MAX ? UINT32_MAX : t->track_id + 1;

	spate_buf_put_be32(b, 0); /* creation_time */
	spate_buf_put_be32(b, 0); /* modification_time */
	spate_buf_put_be32(b, MP4_MOVIE_TIMESCALE);
	spate_buf_put_be32(b, 0);	   /* duration: live, unknown */
	spate_buf_put_be32(b, 0x00010000); /* rate 1.0 */
	spate_buf_put_be16(b, 0x0100);	   /* volume 1.0 */
	spate_buf_put_zero(b, 2 + 8);	   /* reserved */
	mp4_put_unity_matrix(b);
	spate_buf_put_zero(b, 6 * 4); /* pre_defined */
	spate_buf_put_be32(b, next_track_id);
	mp4_box_close(b, box);
}

static void put_tkhd(struct spate_buf *b, const struct spate_track_info *t,
		     uint32_t width_1616)
{
	int video = spate_media_is_video(t);
	size_t box = mp4_full_box_open(
		b, "tkhd", 0, TKHD_FLAGS_ENABLED | TKHD_FLAGS_IN_MOVIE);

	spate_buf_put_be32(b, 0); /* creation_time */
	spate_buf_put_be32(b, 0); /* modification_time */
	spate_buf_put_be32(b, t->track_id);
	spate_buf_put_be32(b, 0);		   /* reserved */
	spate_buf_put_be32(b, 0);		   /* duration */
	spate_buf_put_zero(b, 8);		   /* reserved */
	spate_buf_put_be16(b, 0);		   /* layer */
	spate_buf_put_be16(b, 0);		   /* alternate_group */
	spate_buf_put_be16(b, video ? 0 : 0x0100); /* volume */
	spate_buf_put_be16(b, 0);		   /* reserved */
	mp4_put_unity_matrix(b);
	spate_buf_put_be32(b, video ? width_1616 : 0);
	spate_buf_put_be32(b, video ? t->height << 16 : 0);
	mp4_box_close(b, box);
}

static void put_mdhd(struct spate_buf *b, const struct spate_track_info *t)
{
	size_t box = mp4_full_box_open(b, "mdhd", 0, 0);

	spate_buf_put_be32(b, 0); /* creation_time */
	spate_buf_put_be32(b, 0); /* modification_time */
	spate_buf_put_be32(b, t->timescale);
	spate_buf_put_be32(b, 0); /* duration */
	/* pad(1) = 0, then three 5-bit letters */
	spate_buf_put_be16(b, mp4_pack_language(t->language));
	spate_buf_put_be16(b, 0); /* pre_defined */
	mp4_box_close(b, box);
}

static void put_hdlr(struct spate_buf *b, const struct spate_track_info *t)
{
	int video = spate_media_is_video(t);
	const char *name = video ? "VideoHandler" : "SoundHandler";
	size_t box = mp4_full_box_open(b, "hdlr", 0, 0);

	spate_buf_put_be32(b, 0); /* pre_defined */
	spate_buf_put_fourcc(b, video ? "vide" : "soun");
	spate_buf_put_zero(b, 12);		  /* reserved[3] */
	spate_buf_put(b, name, strlen(name) + 1); /* NUL-terminated UTF-8 */
	mp4_box_close(b, box);
}

static void put_media_header(struct spate_buf *b,
			     const struct spate_track_info *t)
{
	size_t box;

	if (spate_media_is_video(t)) {
		box = mp4_full_box_open(b, "vmhd", 0, VMHD_FLAGS);
		spate_buf_put_be16(b, 0);     /* graphicsmode: copy */
		spate_buf_put_zero(b, 3 * 2); /* opcolor */
	} else {
		box = mp4_full_box_open(b, "smhd", 0, 0);
		spate_buf_put_be16(b, 0); /* balance: centre */
		spate_buf_put_be16(b, 0); /* reserved */
	}
	mp4_box_close(b, box);
}

static void put_dinf(struct spate_buf *b)
{
	size_t dinf = mp4_box_open(b, "dinf");
	size_t dref = mp4_full_box_open(b, "dref", 0, 0);
	size_t url;

	spate_buf_put_be32(b, 1); /* entry_count */
	url = mp4_full_box_open(b, "url ", 0, URL_FLAGS_SELF);
	mp4_box_close(b, url);
	mp4_box_close(b, dref);
	mp4_box_close(b, dinf);
}

/* A full box whose body is a single zero entry_count. */
static void put_empty_table(struct spate_buf *b, const char *type)
{
	size_t box = mp4_full_box_open(b, type, 0, 0);

	spate_buf_put_be32(b, 0);
	mp4_box_close(b, box);
}

static void put_stbl(struct spate_buf *b, const struct spate_track_info *t)
{
	size_t stbl = mp4_box_open(b, "stbl");
	size_t stsd = mp4_full_box_open(b, "stsd", 0, 0);
	size_t stsz;

	spate_buf_put_be32(b, 1); /* entry_count */
	mp4_put_sample_entry(b, t);
	mp4_box_close(b, stsd);
	put_empty_table(b, "stts");
	put_empty_table(b, "stsc");
	stsz = mp4_full_box_open(b, "stsz", 0, 0);
	spate_buf_put_be32(b, 0); /* sample_size */
	spate_buf_put_be32(b, 0); /* sample_count */
	mp4_box_close(b, stsz);
	put_empty_table(b, "stco");
	mp4_box_close(b, stbl);
}

static void put_trak(struct spate_buf *b, const struct spate_track_info *t,
		     uint32_t width_1616)
{
	size_t trak = mp4_box_open(b, "trak");
	size_t mdia, minf;

	put_tkhd(b, t, width_1616);
	mdia = mp4_box_open(b, "mdia");
	put_mdhd(b, t);
	put_hdlr(b, t);
	minf = mp4_box_open(b, "minf");
	put_media_header(b, t);
	put_dinf(b);
	put_stbl(b, t);
	mp4_box_close(b, minf);
	mp4_box_close(b, mdia);
	mp4_box_close(b, trak);
}

static void put_mvex(struct spate_buf *b, const struct spate_track_info *t)
{
	size_t mvex = mp4_box_open(b, "mvex");
	size_t trex = mp4_full_box_open(b, "trex", 0, 0);

	spate_buf_put_be32(b, t->track_id);
	spate_buf_put_be32(b, 1); /* default_sample_description_index */
	spate_buf_put_be32(b, 0); /* default_sample_duration */
	spate_buf_put_be32(b, 0); /* default_sample_size */
	spate_buf_put_be32(b, 0); /* default_sample_flags */
	mp4_box_close(b, trex);
	mp4_box_close(b, mvex);
}

int spate_mp4_write_init(struct spate_buf *out,
			 const struct spate_track_info *t)
{
	uint32_t width_1616 = 0;
	size_t start, moov;
	int rc;

	if (out == NULL || t == NULL)
		return -EINVAL;
	if (out->error)
		return out->error;
	if (t->track_id == 0 || t->timescale == 0)
		return -EINVAL;
	rc = mp4_sample_entry_check(t);
	if (rc < 0)
		return rc;
	if (spate_media_is_video(t)) {
		rc = display_width_1616(t, &width_1616);
		if (rc < 0)
			return rc;
	}

	start = out->len;
	mp4_put_brands(out, "ftyp", "iso6", 0, init_brands,
		       sizeof(init_brands) / sizeof(init_brands[0]));
	moov = mp4_box_open(out, "moov");
	put_mvhd(out, t);
	put_trak(out, t, width_1616);
	put_mvex(out, t);
	/* Encryption: one pssh per DRM system goes here. */
	mp4_box_close(out, moov);
	if (out->error) {
		out->len = start; /* never leave half an init segment */
		return out->error;
	}
	return 0;
}
