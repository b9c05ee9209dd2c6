/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Elementary-stream framing: one PES payload → access units.
 *   video  one AU per PES, key flag from random_access_indicator (the
 *          codec layer decides for real from the NAL units)
 *   ADTS   split into ADTS frames (headers kept: the codec layer strips
 *          them), frame i of a PES at pts + i x 1024 x 90000 / rate
 *          (stepped as libavformat does, see ts_step);
 *          a frame cut by the end of a PES is finished from the next one
 *   Opus   split on the TS control headers (prefix 0x7fe0, au_size, trim
 *          fields, extension), durations from each packet's TOC byte
 * Also describes streams whose PMT entry says too little: AAC from its
 * first ADTS header, Opus from the Opus audio descriptor.
 *
 * Trim fields of Opus control headers are skipped: struct spate_pkg_packet
 * has no place for them yet.
 */
#include <errno.h>
#include <string.h>

#include "ts_internal.h"

#define TS_CLOCK_HZ 90000
#define OPUS_RATE   48000

static const uint32_t adts_rates[13] = {96000, 88200, 64000, 48000, 44100,
					32000, 24000, 22050, 16000, 12000,
					11025, 8000,  7350};

struct adts_header {
	size_t frame_len;
	uint32_t sample_rate;
	unsigned channels;
	unsigned samples;
};

static int adts_parse(const uint8_t *p, size_t n, struct adts_header *h)
{
	unsigned sfi;

	if (n < 7 || p[0] != 0xff || (p[1] & 0xf6) != 0xf0)
		return -EINVAL;
	sfi = (p[2] >> 2) & 0x0f;
	if (sfi >= 13)
		return -EINVAL;
	h->frame_len =
		((size_t)(p[3] & 3) << 11) | ((size_t)p[4] << 3) | (p[5] >> 5);
	if (h->frame_len < ((p[1] & 1) ? 7u : 9u))
		return -EINVAL;
	h->sample_rate = adts_rates[sfi];
	h->channels = ((p[2] & 1u) << 2) | (p[3] >> 6);
	h->samples = 1024u * ((p[6] & 3u) + 1);
	return 0;
}

int ts_es_describe_adts(struct ts_es *es, const uint8_t *p, size_t n)
{
	struct adts_header h;

	if (adts_parse(p, n, &h) < 0)
		return -EINVAL;
	memcpy(es->config, p, 7);
	es->info.desc.extradata = es->config;
	es->info.desc.extradata_len = 7;
	es->info.desc.sample_rate = h.sample_rate;
	es->info.desc.channels = h.channels;
	es->described = true;
	return 0;
}

/*
 * OpusHead for an Opus audio descriptor's channel_config_code, the way
 * the Opus-in-TS encapsulation defines it (and libavformat builds it):
 * 0 dual mono, 1..8 Vorbis channel orders, absent → stereo.
 */
void ts_es_describe_opus(struct ts_es *es, int channel_config)
{
	static const uint8_t streams[9] = {1, 1, 1, 2, 2, 3, 4, 4, 5};
	static const uint8_t coupled[9] = {1, 0, 1, 1, 2, 2, 2, 3, 3};
	static const uint8_t map[8][8] = {
		{0},
		{0, 1},
		{0, 2, 1},
		{0, 1, 2, 3},
		{0, 4, 1, 2, 3},
		{0, 4, 1, 2, 3, 5},
		{0, 4, 1, 2, 3, 5, 6},
		{0, 6, 1, 2, 3, 4, 5, 7},
	};
	uint8_t *h = es->config;
	unsigned ch;

	if (channel_config < 0)
		channel_config = 2;
	if (channel_config > 8) {
		es->info.unsupported = "Opus extended channel configuration";
		return;
	}
	ch = channel_config != 0 ? (unsigned)channel_config : 2;
	memset(h, 0, 19);
	memcpy(h, "OpusHead", 8);
	h[8] = 1;
	h[9] = (uint8_t)ch;
	h[12] = OPUS_RATE & 0xff; /* input rate, informational */
	h[13] = (OPUS_RATE >> 8) & 0xff;
	h[18] = channel_config == 0 ? 255 : ch > 2;
	es->info.desc.extradata_len = 19;
	if (h[18] != 0) {
		h[19] = streams[channel_config];
		h[20] = coupled[channel_config];
		memcpy(h + 21, map[ch - 1], ch);
		es->info.desc.extradata_len = 21 + ch;
	}
	es->info.desc.extradata = h;
	es->info.desc.sample_rate = OPUS_RATE;
	es->info.desc.channels = ch;
}

void ts_emit(struct spate_ts_demux *d, struct ts_pid *tp, struct ts_es *es,
	     const uint8_t *p, size_t n, int64_t pts, int64_t dts,
	     int64_t duration, bool key)
{
	struct spate_pkg_packet pkt;
	int rc;

	if (d->probing || d->error != 0)
		return;
	if (!es->announced)
		ts_es_announce(d, es);
	if (es->index < 0)
		return;
	memset(&pkt, 0, sizeof(pkt));
	pkt.stream = es->index;
	pkt.pts = pts;
	pkt.dts = dts;
	pkt.duration = duration;
	pkt.data = p;
	pkt.size = n;
	pkt.key = key;
	d->st.au_out++;
	tp->st.au_out++;
	rc = d->cfg.on_packet(d->cfg.ctx, tp->pid, &pkt);
	if (rc < 0)
		d->error = rc;
}

#define TS_WRAP_MASK ((INT64_C(1) << 33) - 1)

/* x * num / den rounded to nearest, halves away from zero (av_rescale). */
static int64_t rescale(int64_t x, int64_t num, int64_t den)
{
	int64_t v = x * num;

	return v >= 0 ? (v + den / 2) / den : -((-v + den / 2) / den);
}

/* `samples` at `rate` on the 90 kHz clock, rounded to nearest. */
static int64_t ticks(uint64_t samples, uint32_t rate)
{
	return rescale((int64_t)samples, TS_CLOCK_HZ, rate);
}

/*
 * The timestamp one frame of `samples` after `ts`.  When a frame is not a
 * whole number of ticks (AAC at 44.1 kHz: 2089.8), this steps on the grid
 * of frame boundaries anchored at time 0, keeping ts's offset from it --
 * libavformat's av_add_stable(), so the AUs we emit carry exactly the
 * timestamps the libavformat path gives, and both ingest paths package
 * to the same bytes.
 */
static int64_t ts_step(int64_t ts, uint64_t samples, uint32_t rate)
{
	int64_t m = (int64_t)samples * TS_CLOCK_HZ, dd = rate, old;

	if (ts == SPATE_PKG_NOPTS || rate == 0)
		return ts;
	if (m % dd == 0)
		return (ts + m / dd) & TS_WRAP_MASK;
	old = rescale(ts, dd, m);
	return (rescale(old + 1, m, dd) + ts - rescale(old, m, dd)) &
	       TS_WRAP_MASK;
}

static void adts_frame(struct spate_ts_demux *d, struct ts_pid *tp,
		       struct ts_es *es, const uint8_t *p,
		       const struct adts_header *h, int64_t pts)
{
	if (!es->described && ts_es_describe_adts(es, p, h->frame_len) == 0) {
		d->probe_check = true;
		if (!d->probing)
			ts_es_announce(d, es);
	}
	ts_emit(d, tp, es, p, h->frame_len, pts, pts,
		ticks(h->samples, h->sample_rate), true);
}

static void adts_split(struct spate_ts_demux *d, struct ts_pid *tp,
		       struct ts_es *es, const uint8_t *p, size_t n,
		       int64_t pts)
{
	struct adts_header h;

	if (es->carry.len > 0) {
		size_t take = es->carry_need - es->carry.len;

		if (take > n)
			take = n;
		spate_buf_put(&es->carry, p, take);
		p += take;
		n -= take;
		if (es->carry.error != 0) {
			spate_buf_reset(&es->carry);
			d->st.es_errors++;
		} else if (es->carry.len == es->carry_need) {
			if (adts_parse(es->carry.data, es->carry.len, &h) == 0)
				adts_frame(d, tp, es, es->carry.data, &h,
					   es->carry_pts);
			es->carry.len = 0;
		}
	}
	if (pts == SPATE_PKG_NOPTS)
		pts = es->next_pts;
	while (n > 0 && d->error == 0) {
		if (adts_parse(p, n, &h) < 0) {
			size_t skip = 1;

			/* Resynchronise on the next plausible header. */
			d->st.es_errors++;
			while (skip < n &&
			       adts_parse(p + skip, n - skip, &h) < 0)
				skip++;
			p += skip;
			n -= skip;
			continue;
		}
		if (h.frame_len > n) {
			/* Finished by the next PES. */
			es->carry.len = 0;
			spate_buf_put(&es->carry, p, n);
			es->carry_need = h.frame_len;
			es->carry_pts = pts;
			pts = ts_step(pts, h.samples, h.sample_rate);
			break;
		}
		adts_frame(d, tp, es, p, &h, pts);
		pts = ts_step(pts, h.samples, h.sample_rate);
		p += h.frame_len;
		n -= h.frame_len;
	}
	es->next_pts = pts;
}

/* Samples in one Opus packet at 48 kHz, from its TOC (RFC 6716 3.1). */
static unsigned opus_samples(const uint8_t *p, size_t n)
{
	static const unsigned silk[4] = {480, 960, 1920, 2880};
	static const unsigned celt[4] = {120, 240, 480, 960};
	unsigned config, frame, count;

	if (n < 1)
		return 0;
	config = p[0] >> 3;
	if (config < 12)
		frame = silk[config & 3];
	else if (config < 16)
		frame = (config & 1) ? 960 : 480;
	else
		frame = celt[config & 3];
	switch (p[0] & 3) {
	case 0:
		count = 1;
		break;
	case 3:
		count = n >= 2 ? p[1] & 0x3fu : 0;
		break;
	default:
		count = 2;
		break;
	}
	return frame * count;
}

static void opus_split(struct spate_ts_demux *d, struct ts_pid *tp,
		       struct ts_es *es, const uint8_t *p, size_t n,
		       int64_t pts)
{
	if (pts == SPATE_PKG_NOPTS)
		pts = es->next_pts;
	while (n > 0 && d->error == 0) {
		size_t off = 2, size = 0;
		unsigned flags, b, count;

		if (n < 2 || p[0] != 0x7f || (p[1] & 0xe0) != 0xe0)
			goto bad;
		flags = p[1];
		do {
			if (off >= n)
				goto bad;
			b = p[off++];
			size += b;
		} while (b == 0xff);
		off += (flags & 0x10) ? 2 : 0; /* start_trim */
		off += (flags & 0x08) ? 2 : 0; /* end_trim */
		if (flags & 0x04) {	       /* control extension */
			if (off >= n)
				goto bad;
			off += 1 + (size_t)p[off];
		}
		if (off > n || size > n - off || size == 0)
			goto bad;
		count = opus_samples(p + off, size);
		ts_emit(d, tp, es, p + off, size, pts, pts,
			ticks(count, OPUS_RATE), true);
		pts = ts_step(pts, count, OPUS_RATE);
		p += off + size;
		n -= off + size;
	}
	es->next_pts = pts;
	return;
bad:
	d->st.es_errors++; /* the rest of this PES cannot be framed */
	es->next_pts = pts;
}

void ts_es_payload(struct spate_ts_demux *d, struct ts_pid *tp,
		   struct ts_es *es, const uint8_t *p, size_t n, int64_t pts,
		   int64_t dts, bool rai)
{
	switch (es->framing) {
	case TS_FRAMING_VIDEO:
		if (n > 0)
			ts_emit(d, tp, es, p, n, pts, dts, 0, rai);
		return;
	case TS_FRAMING_ADTS:
		adts_split(d, tp, es, p, n, pts);
		return;
	case TS_FRAMING_OPUS:
		opus_split(d, tp, es, p, n, pts);
		return;
	default:
		return;
	}
}
