/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libavformat demuxing for the packager.  Owns the AVFormatContext, the
 * custom AVIOContext for callback and stdin input, and the one AVPacket
 * whose data the caller borrows until the next read.
 */
#include "demux.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/dict.h>

#define DEMUX_IO_BUF 65536

struct spate_demux {
	AVFormatContext *fmt;
	AVIOContext *io; /* ours when reading a callback, else NULL */
	AVPacket *pkt;
	spate_demux_read_fn read;
	void *opaque;
};

static int av_to_errno(int averr)
{
	if (averr == AVERROR_EOF)
		return -EPIPE;
	if (averr == AVERROR_INVALIDDATA)
		return -EINVAL;
	return averr < 0 && averr > -4096 ? averr : -EIO;
}

static int io_read(void *opaque, uint8_t *buf, int size)
{
	struct spate_demux *d = opaque;
	int n = d->read(d->opaque, buf, size);

	if (n == 0)
		return AVERROR_EOF;
	return n < 0 ? AVERROR(-n) : n;
}

static int stdin_read(void *opaque, uint8_t *buf, int size)
{
	ssize_t n;

	(void)opaque;
	do {
		n = read(STDIN_FILENO, buf, (size_t)size);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (int)n;
}

static int demux_start(struct spate_demux *d, const char *url,
		       const struct spate_demux_options *opt)
{
	const AVInputFormat *ifmt = NULL;
	AVDictionary *o = NULL;
	char num[32];
	int rc;

	if (opt != NULL && opt->format != NULL) {
		ifmt = av_find_input_format(opt->format);
		if (ifmt == NULL)
			return -ENOENT;
	}
	/* Live inputs: bounded probing, so the first segment is not late. */
	snprintf(num, sizeof(num), "%u",
		 opt && opt->probe_bytes ? opt->probe_bytes : 5u << 20);
	av_dict_set(&o, "probesize", num, 0);
	snprintf(num, sizeof(num), "%llu",
		 (unsigned long long)(opt && opt->analyze_ms ? opt->analyze_ms
							     : 3000) *
			 1000ull);
	av_dict_set(&o, "analyzeduration", num, 0);
	rc = avformat_open_input(&d->fmt, url, ifmt, &o);
	av_dict_free(&o);
	if (rc < 0)
		return av_to_errno(rc);
	rc = avformat_find_stream_info(d->fmt, NULL);
	if (rc < 0)
		return av_to_errno(rc);
	/*
	 * Probing decodes a few frames of every stream (libavformat wants
	 * pixel formats); those decoders are gone now, but glibc keeps their
	 * frame pools mapped.  Give them back: a channel lives for days.
	 */
	malloc_trim(0);
	d->pkt = av_packet_alloc();
	return d->pkt == NULL ? -ENOMEM : 0;
}

static int open_with_io(struct spate_demux **out, spate_demux_read_fn read,
			void *opaque, const struct spate_demux_options *opt)
{
	struct spate_demux *d = calloc(1, sizeof(*d));
	uint8_t *buf;
	int rc;

	if (d == NULL)
		return -ENOMEM;
	d->read = read;
	d->opaque = opaque;
	buf = av_malloc(DEMUX_IO_BUF);
	d->fmt = avformat_alloc_context();
	if (buf == NULL || d->fmt == NULL) {
		av_free(buf);
		spate_demux_close(d);
		return -ENOMEM;
	}
	d->io = avio_alloc_context(buf, DEMUX_IO_BUF, 0, d, io_read, NULL, NULL);
	if (d->io == NULL) {
		av_free(buf);
		spate_demux_close(d);
		return -ENOMEM;
	}
	d->fmt->pb = d->io;
	d->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	rc = demux_start(d, NULL, opt);
	if (rc < 0) {
		spate_demux_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

int spate_demux_open_callback(struct spate_demux **out,
			      spate_demux_read_fn read, void *opaque,
			      const struct spate_demux_options *opt)
{
	return open_with_io(out, read, opaque, opt);
}

int spate_demux_open(struct spate_demux **out, const char *url,
		     const struct spate_demux_options *opt)
{
	struct spate_demux *d;
	int rc;

	if (strcmp(url, "-") == 0)
		return open_with_io(out, stdin_read, NULL, opt);
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	rc = demux_start(d, url, opt);
	if (rc < 0) {
		spate_demux_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

unsigned spate_demux_stream_count(const struct spate_demux *d)
{
	return d->fmt->nb_streams;
}

static enum spate_codec_id map_codec(enum AVCodecID id)
{
	switch (id) {
	case AV_CODEC_ID_H264:
		return SPATE_CODEC_H264;
	case AV_CODEC_ID_HEVC:
		return SPATE_CODEC_HEVC;
	case AV_CODEC_ID_AV1:
		return SPATE_CODEC_AV1;
	case AV_CODEC_ID_AAC:
		return SPATE_CODEC_AAC;
	case AV_CODEC_ID_OPUS:
		return SPATE_CODEC_OPUS;
	default:
		return SPATE_CODEC_UNKNOWN;
	}
}

/* Length-prefix size when extradata is an avcC/hvcC record, else 0. */
static unsigned nal_length_size(enum spate_codec_id codec, const uint8_t *x,
				size_t n)
{
	if (n == 0 || x[0] != 1)
		return 0; /* Annex B (start code) or nothing */
	if (codec == SPATE_CODEC_H264 && n >= 5)
		return (x[4] & 3u) + 1;
	if (codec == SPATE_CODEC_HEVC && n >= 22)
		return (x[21] & 3u) + 1;
	return 0;
}

int spate_demux_describe(const struct spate_demux *d, unsigned i,
			 struct spate_pkg_stream *s, const char **why)
{
	const AVStream *st;
	const AVCodecParameters *par;
	const AVDictionaryEntry *lang;
	AVRational fr;

	*why = NULL;
	if (i >= d->fmt->nb_streams)
		return -EINVAL;
	st = d->fmt->streams[i];
	par = st->codecpar;
	memset(s, 0, sizeof(*s));
	if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) {
		*why = "attached picture";
		return -ENOTSUP;
	}
	switch (par->codec_type) {
	case AVMEDIA_TYPE_VIDEO:
		s->type = SPATE_MEDIA_VIDEO;
		break;
	case AVMEDIA_TYPE_AUDIO:
		s->type = SPATE_MEDIA_AUDIO;
		break;
	default:
		*why = av_get_media_type_string(par->codec_type);
		if (*why == NULL)
			*why = "unknown stream type";
		return -ENOTSUP;
	}
	s->codec = map_codec(par->codec_id);
	if (s->codec == SPATE_CODEC_UNKNOWN) {
		*why = avcodec_get_name(par->codec_id);
		return -ENOTSUP;
	}
	s->extradata = par->extradata;
	s->extradata_len = par->extradata_size > 0 ? (size_t)par->extradata_size
						   : 0;
	s->nal_length_size = nal_length_size(s->codec, s->extradata,
					     s->extradata_len);
	s->tb_num = (uint32_t)st->time_base.num;
	s->tb_den = (uint32_t)st->time_base.den;
	s->ts_wrap_bits = st->pts_wrap_bits > 0 && st->pts_wrap_bits < 63
				  ? (unsigned)st->pts_wrap_bits
				  : 0;
	s->width = par->width > 0 ? (uint32_t)par->width : 0;
	s->height = par->height > 0 ? (uint32_t)par->height : 0;
	s->sample_rate = par->sample_rate > 0 ? (uint32_t)par->sample_rate : 0;
	s->channels = par->ch_layout.nb_channels > 0
			      ? (uint32_t)par->ch_layout.nb_channels
			      : 0;
	fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
	if (fr.num > 0 && fr.den > 0) {
		s->frame_rate_num = (uint32_t)fr.num;
		s->frame_rate_den = (uint32_t)fr.den;
	}
	s->bitrate_bps = par->bit_rate > 0 && par->bit_rate < UINT32_MAX
				 ? (uint32_t)par->bit_rate
				 : 0;
	/*
	 * MPEG-TS declares no bitrates: libavformat estimates one from the
	 * frames it happened to probe, which would make the init segment
	 * (btrt) depend on read timing.  Only declared values are used.
	 */
	if (strcmp(spate_demux_format_name(d), "mpegts") == 0)
		s->bitrate_bps = 0;
	lang = av_dict_get(st->metadata, "language", NULL, 0);
	s->language = lang != NULL ? lang->value : NULL;
	return 0;
}

int spate_demux_read(struct spate_demux *d, struct spate_pkg_packet *pkt)
{
	size_t side_len = 0;
	uint8_t *side;
	int rc;

	av_packet_unref(d->pkt);
	rc = av_read_frame(d->fmt, d->pkt);
	if (rc == AVERROR_EOF)
		return 1;
	if (rc < 0)
		return av_to_errno(rc);
	memset(pkt, 0, sizeof(*pkt));
	pkt->stream = d->pkt->stream_index;
	pkt->pts = d->pkt->pts == AV_NOPTS_VALUE ? SPATE_PKG_NOPTS : d->pkt->pts;
	pkt->dts = d->pkt->dts == AV_NOPTS_VALUE ? SPATE_PKG_NOPTS : d->pkt->dts;
	pkt->duration = d->pkt->duration > 0 ? d->pkt->duration : 0;
	pkt->data = d->pkt->data;
	pkt->size = d->pkt->size > 0 ? (size_t)d->pkt->size : 0;
	pkt->key = (d->pkt->flags & AV_PKT_FLAG_KEY) != 0;
	side = av_packet_get_side_data(d->pkt, AV_PKT_DATA_NEW_EXTRADATA,
				       &side_len);
	if (side != NULL && side_len > 0) {
		pkt->new_extradata = side;
		pkt->new_extradata_len = side_len;
	}
	return 0;
}

const char *spate_demux_format_name(const struct spate_demux *d)
{
	return d->fmt->iformat != NULL ? d->fmt->iformat->name : "?";
}

void spate_demux_close(struct spate_demux *d)
{
	if (d == NULL)
		return;
	av_packet_free(&d->pkt);
	if (d->io != NULL) {
		avformat_close_input(&d->fmt);
		av_freep(&d->io->buffer);
		avio_context_free(&d->io);
	} else {
		avformat_close_input(&d->fmt);
	}
	free(d);
}
