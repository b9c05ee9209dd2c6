/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HLS multivariant playlist (index.m3u8 / dvr.m3u8): one audio group "aud"
 * holding every audio rendition, and one variant per video rendition that
 * references it.  A channel without video lists its audio renditions as the
 * variants themselves.
 *
 * It names playlists only; segment-level detail lives in hls_media.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "manifest_priv.h"

#define HLS_AUDIO_GROUP "aud"

static const char *playlist_name(enum spate_hls_window window)
{
	return window == SPATE_HLS_DVR ? "dvr.m3u8" : "index.m3u8";
}

/*
 * CODECS lists every format a client may have to decode for the variant:
 * the video codec and each distinct audio codec of the group.
 */
static void put_codecs(struct spate_buf *out,
		       const struct spate_presentation *p,
		       const struct spate_rendition *main)
{
	size_t mark = out->len;
	int any = 0;

	spate_buf_put_str(out, ",CODECS=\"");
	if (main->track.codec_string[0] != '\0') {
		spate_mf_put_hls_quoted(out, main->track.codec_string,
					sizeof(main->track.codec_string));
		any = 1;
	}
	for (uint32_t i = 0;
	     spate_media_is_video(&main->track) && i < p->n_renditions; i++) {
		const struct spate_track_info *a = &p->renditions[i]->track;
		int seen = 0;

		if (a->type != SPATE_MEDIA_AUDIO || a->codec_string[0] == '\0')
			continue;
		for (uint32_t j = 0; j < i && !seen; j++) {
			const struct spate_track_info *b =
				&p->renditions[j]->track;

			seen = b->type == SPATE_MEDIA_AUDIO &&
			       strncmp(a->codec_string, b->codec_string,
				       sizeof(a->codec_string)) == 0;
		}
		if (seen)
			continue;
		if (any)
			spate_buf_put_str(out, ",");
		spate_mf_put_hls_quoted(out, a->codec_string,
					sizeof(a->codec_string));
		any = 1;
	}
	if (!any) {
		/* Nothing known: omit the attribute rather than print "". */
		if (!out->error)
			out->len = mark;
		return;
	}
	spate_buf_put_str(out, "\"");
}

static void put_audio_media(struct spate_buf *out,
			    const struct spate_rendition *r, int is_default,
			    enum spate_hls_window window)
{
	spate_buf_printf(out,
			 "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"" HLS_AUDIO_GROUP
			 "\",NAME=\"%s\"",
			 r->id);
	if (spate_mf_has_language(&r->track)) {
		spate_buf_put_str(out, ",LANGUAGE=\"");
		spate_mf_put_hls_quoted(out, r->track.language,
					sizeof(r->track.language));
		spate_buf_put_str(out, "\"");
	}
	spate_buf_printf(out, ",DEFAULT=%s,AUTOSELECT=YES",
			 is_default ? "YES" : "NO");
	if (r->track.channels > 0)
		spate_buf_printf(out, ",CHANNELS=\"%" PRIu32 "\"",
				 r->track.channels);
	spate_buf_printf(out, ",URI=\"%s/%s\"\n", r->id, playlist_name(window));
}

static void put_stream_inf(struct spate_buf *out,
			   const struct spate_presentation *p,
			   const struct spate_rendition *r,
			   const struct spate_mf_bitrate *audio, int has_audio,
			   enum spate_hls_window window)
{
	struct spate_mf_bitrate br;
	uint32_t fr_num, fr_den;

	spate_mf_bitrate(r, &br);
	spate_buf_printf(out,
			 "#EXT-X-STREAM-INF:BANDWIDTH=%" PRIu64
			 ",AVERAGE-BANDWIDTH=%" PRIu64,
			 br.peak_bps + audio->peak_bps,
			 br.avg_bps + audio->avg_bps);
	put_codecs(out, p, r);
	if (spate_media_is_video(&r->track)) {
		if (r->track.width > 0 && r->track.height > 0)
			spate_buf_printf(out,
					 ",RESOLUTION=%" PRIu32 "x%" PRIu32,
					 r->track.width, r->track.height);
		if (spate_mf_frame_rate(&r->track, &fr_num, &fr_den)) {
			spate_buf_put_str(out, ",FRAME-RATE=");
			spate_mf_put_decimal(out, fr_num, fr_den, 3);
		}
		if (has_audio)
			spate_buf_put_str(out,
					  ",AUDIO=\"" HLS_AUDIO_GROUP "\"");
	}
	spate_buf_printf(out, "\n%s/%s\n", r->id, playlist_name(window));
}

int spate_hls_write_multivariant(struct spate_buf *out,
				 const struct spate_presentation *p,
				 enum spate_hls_window window)
{
	struct spate_mf_bitrate audio = {0, 0}, none = {0, 0};
	uint32_t n_video = 0, n_audio = 0;
	int rc;

	if (out == NULL)
		return -EINVAL;
	rc = spate_mf_check(p);
	if (rc < 0)
		return rc;
	if (window == SPATE_HLS_DVR && p->dvr_ms == 0)
		return -ENOENT;

	/* A variant must budget for the heaviest audio it may be paired with.
	 */
	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];
		struct spate_mf_bitrate br;

		if (spate_media_is_video(&r->track)) {
			n_video++;
			continue;
		}
		n_audio++;
		spate_mf_bitrate(r, &br);
		if (br.peak_bps > audio.peak_bps)
			audio.peak_bps = br.peak_bps;
		if (br.avg_bps > audio.avg_bps)
			audio.avg_bps = br.avg_bps;
	}

	spate_buf_printf(out,
			 "#EXTM3U\n#EXT-X-VERSION:%d\n"
			 "#EXT-X-INDEPENDENT-SEGMENTS\n",
			 p->part_ms > 0 ? 9 : 7);
	if (n_video > 0) {
		int first_audio = 1;

		for (uint32_t i = 0; i < p->n_renditions; i++) {
			const struct spate_rendition *r = p->renditions[i];

			if (r->track.type != SPATE_MEDIA_AUDIO)
				continue;
			put_audio_media(out, r, first_audio, window);
			first_audio = 0;
		}
	}
	for (uint32_t i = 0; i < p->n_renditions; i++) {
		const struct spate_rendition *r = p->renditions[i];

		if (n_video > 0 && spate_media_is_video(&r->track))
			put_stream_inf(out, p, r, &audio, n_audio > 0, window);
		else if (n_video == 0)
			put_stream_inf(out, p, r, &none, 0, window);
	}
	return out->error;
}
