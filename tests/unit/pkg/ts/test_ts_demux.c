/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_ts_demux on synthetic transport streams built here, byte by byte,
 * so every error path can be provoked exactly: garbage before and inside
 * the stream, lost, repeated and TEI-flagged packets, broken PSI CRCs and
 * PES headers, truncation, oversize PES, PMT changes, programs, ADTS
 * frames split across PES, Opus control headers, callbacks that refuse
 * streams or fail.  Every test checks the counters and the exact AUs.
 */
/* cmocka.h needs these four first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ts_collect.h"

#define PID_PMT	   0x100
#define PID_VIDEO  0x101
#define PID_AAC	   0x102
#define PID_OPUS   0x103
#define PID_LATM   0x104
#define PID_MP2	   0x105
#define PID_AAC2   0x106
#define PID_PMT2   0x200
#define PID_VIDEO2 0x201

#define N_VIDEO	     10
#define ADTS_PER_PES 3
#define OPUS_PER_PES 2

/* ---- a tiny TS muxer ---------------------------------------------------- */

struct mux {
	uint8_t *buf;
	size_t len, cap;
	uint8_t cc[8192];
	/* packet start offsets, to damage chosen packets */
	size_t pkt_off[4096];
	uint16_t pkt_pid[4096];
	unsigned n_pkt;
};

static uint8_t *mux_grow(struct mux *m, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	m->len += n;
	return m->buf + m->len - n;
}

/* One packet: header, adaptation field (flags, PCR, stuffing), payload. */
static size_t mux_packet(struct mux *m, uint16_t pid, int pusi,
			 const uint8_t *p, size_t n, int rai, int64_t pcr)
{
	uint8_t *pk = mux_grow(m, 188);
	size_t af_need = (rai || pcr >= 0) ? 2 + (pcr >= 0 ? 6 : 0) : 0;
	size_t room, off;

	assert_true(m->n_pkt < 4096);
	m->pkt_off[m->n_pkt] = (size_t)(pk - m->buf);
	m->pkt_pid[m->n_pkt++] = pid;
	room = 184 - af_need;
	if (n > room)
		n = room;
	if (af_need == 0 && n < 184)
		af_need = 184 - n == 1 ? 1 : 184 - n;
	else if (af_need > 0)
		af_need = 184 - n;
	pk[0] = 0x47;
	pk[1] = (uint8_t)((pusi ? 0x40 : 0) | (pid >> 8));
	pk[2] = (uint8_t)pid;
	pk[3] = (uint8_t)((af_need ? 0x30 : 0x10) | (m->cc[pid]++ & 0xf));
	off = 4;
	if (af_need > 0) {
		memset(pk + 4, 0xff, af_need);
		pk[4] = (uint8_t)(af_need - 1);
		if (af_need > 1) {
			pk[5] = (uint8_t)((rai ? 0x40 : 0) |
					  (pcr >= 0 ? 0x10 : 0));
			if (pcr >= 0) {
				uint64_t base = (uint64_t)pcr / 300;
				unsigned ext = (unsigned)(pcr % 300);

				pk[6] = (uint8_t)(base >> 25);
				pk[7] = (uint8_t)(base >> 17);
				pk[8] = (uint8_t)(base >> 9);
				pk[9] = (uint8_t)(base >> 1);
				pk[10] = (uint8_t)(((base & 1) << 7) | 0x7e |
						   (ext >> 8));
				pk[11] = (uint8_t)ext;
			}
		}
		off += af_need;
	}
	memcpy(pk + off, p, n);
	return n;
}

static uint32_t crc32_mpeg(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (int b = 0; b < 8; b++)
			crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u
						: crc << 1;
	}
	return crc;
}

/* Finishes a section (length, CRC) in s[0..len) and sends it. */
static void mux_section(struct mux *m, uint16_t pid, uint8_t *s, size_t len)
{
	uint8_t pkt[184];
	uint32_t crc;

	s[1] = (uint8_t)(0xb0 | ((len + 4 - 3) >> 8));
	s[2] = (uint8_t)(len + 4 - 3);
	crc = crc32_mpeg(s, len);
	s[len] = (uint8_t)(crc >> 24);
	s[len + 1] = (uint8_t)(crc >> 16);
	s[len + 2] = (uint8_t)(crc >> 8);
	s[len + 3] = (uint8_t)crc;
	assert_true(len + 5 <= sizeof(pkt));
	memset(pkt, 0xff, sizeof(pkt));
	pkt[0] = 0; /* pointer_field */
	memcpy(pkt + 1, s, len + 4);
	mux_packet(m, pid, 1, pkt, sizeof(pkt), 0, -1);
}

static void mux_pat(struct mux *m, const uint16_t *prog, const uint16_t *pmt,
		    unsigned n, unsigned version)
{
	uint8_t s[256] = {0x00, 0, 0, 0, 1, (uint8_t)(0xc1 | version << 1),
			  0,	0};
	size_t len = 8;

	for (unsigned i = 0; i < n; i++) {
		s[len++] = (uint8_t)(prog[i] >> 8);
		s[len++] = (uint8_t)prog[i];
		s[len++] = (uint8_t)(0xe0 | pmt[i] >> 8);
		s[len++] = (uint8_t)pmt[i];
	}
	mux_section(m, 0, s, len);
}

struct es_entry {
	uint8_t type;
	uint16_t pid;
	const char *desc; /* descriptor bytes */
	size_t desc_len;
};

static void mux_pmt(struct mux *m, uint16_t pmt_pid, uint16_t program,
		    uint16_t pcr_pid, const struct es_entry *e, unsigned n,
		    unsigned version)
{
	uint8_t s[256] = {0x02,
			  0,
			  0,
			  (uint8_t)(program >> 8),
			  (uint8_t)program,
			  (uint8_t)(0xc1 | version << 1),
			  0,
			  0,
			  (uint8_t)(0xe0 | pcr_pid >> 8),
			  (uint8_t)pcr_pid,
			  0xf0,
			  0};
	size_t len = 12;

	for (unsigned i = 0; i < n; i++) {
		s[len++] = e[i].type;
		s[len++] = (uint8_t)(0xe0 | e[i].pid >> 8);
		s[len++] = (uint8_t)e[i].pid;
		s[len++] = (uint8_t)(0xf0 | e[i].desc_len >> 8);
		s[len++] = (uint8_t)e[i].desc_len;
		memcpy(s + len, e[i].desc, e[i].desc_len);
		len += e[i].desc_len;
	}
	mux_section(m, pmt_pid, s, len);
}

static void put_ts(uint8_t *p, unsigned prefix, int64_t ts)
{
	p[0] = (uint8_t)(prefix << 4 | ((ts >> 29) & 0x0e) | 1);
	p[1] = (uint8_t)(ts >> 22);
	p[2] = (uint8_t)((ts >> 14) | 1);
	p[3] = (uint8_t)(ts >> 7);
	p[4] = (uint8_t)((ts << 1) | 1);
}

/* A PES; bounded sets PES_packet_length.  First packet can carry PCR. */
static void mux_pes(struct mux *m, uint16_t pid, uint8_t sid, int64_t pts,
		    int64_t dts, const uint8_t *p, size_t n, int bounded,
		    int rai, int64_t pcr)
{
	size_t hl = dts >= 0 ? 10 : 5, total = 9 + hl + n, off = 0;
	uint8_t *pes = malloc(total);

	assert_non_null(pes);
	pes[0] = 0;
	pes[1] = 0;
	pes[2] = 1;
	pes[3] = sid;
	pes[4] = bounded ? (uint8_t)((total - 6) >> 8) : 0;
	pes[5] = bounded ? (uint8_t)(total - 6) : 0;
	pes[6] = 0x80;
	pes[7] = dts >= 0 ? 0xc0 : 0x80;
	pes[8] = (uint8_t)hl;
	put_ts(pes + 9, dts >= 0 ? 3 : 2, pts);
	if (dts >= 0)
		put_ts(pes + 14, 1, dts);
	memcpy(pes + 9 + hl, p, n);
	while (off < total) {
		off += mux_packet(m, pid, off == 0, pes + off, total - off,
				  off == 0 && rai, off == 0 ? pcr : -1);
	}
	free(pes);
}

/* ---- the reference stream ---------------------------------------------- */

static const char opus_desc[] = "\x05\x04Opus\x7f\x02\x80\x02";
static const char lang_desc[] = "\x0a\x04"
				"eng\x00";

static const struct es_entry prog1[] = {
	{0x1b, PID_VIDEO, "", 0},	 {0x0f, PID_AAC, lang_desc, 6},
	{0x06, PID_OPUS, opus_desc, 10}, {0x11, PID_LATM, "", 0},
	{0x03, PID_MP2, "", 0},
};

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* Video AU i: an AUD then pseudo-random bytes; 3000..3900 bytes. */
static size_t video_au(uint8_t *p, unsigned i)
{
	size_t n = 3000 + 100 * (i % 10);

	fill(p, n, i + 1);
	memcpy(p, "\0\0\0\1\x09\xf0\0\0\0\1\x65", 11);
	return n;
}

/* ADTS frame: 48 kHz stereo AAC-LC, `n` bytes in all. */
static void adts_frame(uint8_t *p, size_t n, unsigned seed)
{
	fill(p, n, seed);
	p[0] = 0xff;
	p[1] = 0xf1;
	p[2] = 0x4c; /* LC, 48000 (index 3), channel config high bit 0 */
	p[3] = (uint8_t)(0x80 | (n >> 11));
	p[4] = (uint8_t)(n >> 3);
	p[5] = (uint8_t)((n << 5) | 0x1f);
	p[6] = 0xfc;
}

static size_t audio_pes(uint8_t *p, unsigned i)
{
	size_t off = 0;

	for (unsigned k = 0; k < ADTS_PER_PES; k++) {
		size_t n = 200 + 10 * k + i;

		adts_frame(p + off, n, 100 * i + k);
		off += n;
	}
	return off;
}

/* Opus PES: two 20 ms CELT packets, the second with trim fields and a
 * control extension. */
static size_t opus_pes(uint8_t *p, unsigned i)
{
	size_t off = 0;

	p[off++] = 0x7f;
	p[off++] = 0xe0;
	p[off++] = 255; /* au_size 255 + 5 = 260 */
	p[off++] = 5;
	fill(p + off, 260, 7 * i);
	p[off] = 0xfc; /* config 31, one frame: 960 samples */
	off += 260;
	p[off++] = 0x7f;
	p[off++] = 0xe0 | 0x10 | 0x08 | 0x04;
	p[off++] = 100;
	p[off++] = 0;
	p[off++] = 0; /* start_trim */
	p[off++] = 0;
	p[off++] = 0; /* end_trim */
	p[off++] = 2; /* extension length */
	p[off++] = 0xaa;
	p[off++] = 0xbb;
	fill(p + off, 100, 9 * i);
	p[off] = 0xfc;
	off += 100;
	return off;
}

#define VIDEO_PTS(i) (90000 + 3600 * (int64_t)(i) + 7200)
#define VIDEO_DTS(i) (90000 + 3600 * (int64_t)(i))
#define AUDIO_PTS(i) (90000 + 5760 * (int64_t)(i))

/*
 * PAT, PMT, then per step i: video PES i (unbounded, RAI every 5), audio
 * PES i (bounded, 3 ADTS frames), Opus PES i, PSI again half way.
 * `pmt_version_change`: the second PMT (version 1) drops the AAC stream
 * and adds another on PID_AAC2.
 */
static void build(struct mux *m, int pmt_version_change)
{
	static const uint16_t prog = 1, pmt = PID_PMT;
	uint8_t au[8192];

	memset(m, 0, sizeof(*m));
	mux_pat(m, &prog, &pmt, 1, 0);
	mux_pmt(m, PID_PMT, 1, PID_VIDEO, prog1, 5, 0);
	for (unsigned i = 0; i < N_VIDEO; i++) {
		size_t n = video_au(au, i);

		if (i == N_VIDEO / 2) {
			mux_pat(m, &prog, &pmt, 1, 0);
			if (pmt_version_change) {
				struct es_entry e[5];

				memcpy(e, prog1, sizeof(e));
				e[1].pid = PID_AAC2;
				mux_pmt(m, PID_PMT, 1, PID_VIDEO, e, 5, 1);
			} else {
				mux_pmt(m, PID_PMT, 1, PID_VIDEO, prog1, 5, 0);
			}
		}
		mux_pes(m, PID_VIDEO, 0xe0, VIDEO_PTS(i), VIDEO_DTS(i), au, n,
			0, i % 5 == 0, 27000000 + 108000 * (int64_t)i);
		n = audio_pes(au, i);
		mux_pes(m,
			pmt_version_change && i >= N_VIDEO / 2 ? PID_AAC2
							       : PID_AAC,
			0xc0, AUDIO_PTS(i), -1, au, n, 1, 0, -1);
		n = opus_pes(au, i);
		mux_pes(m, PID_OPUS, 0xbd, AUDIO_PTS(i), -1, au, n, 1, 0, -1);
	}
}

static unsigned count_pid(const struct collect *c, uint16_t pid)
{
	unsigned n = 0;

	for (size_t i = 0; i < c->n_au; i++)
		n += c->au[i].pid == pid;
	return n;
}

static const struct col_au *nth(const struct collect *c, uint16_t pid,
				unsigned k)
{
	for (size_t i = 0; i < c->n_au; i++)
		if (c->au[i].pid == pid && k-- == 0)
			return &c->au[i];
	fail_msg("PID %u has no AU %u", pid, k);
	return NULL;
}

static const struct col_stream *stream(const struct collect *c, uint16_t pid)
{
	for (unsigned i = 0; i < c->n_streams; i++)
		if (c->streams[i].s.pid == pid)
			return &c->streams[i];
	return NULL;
}

/* Our output for the intact stream, checked field by field. */
static void test_reference(void **state)
{
	struct mux m;
	struct collect c = {0};
	uint8_t au[8192];

	(void)state;
	build(&m, 0);
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.n_streams, 5);
	assert_int_equal(stream(&c, PID_VIDEO)->s.desc.codec, SPATE_CODEC_H264);
	assert_int_equal(stream(&c, PID_AAC)->s.desc.codec, SPATE_CODEC_AAC);
	assert_int_equal(stream(&c, PID_AAC)->s.desc.sample_rate, 48000);
	assert_int_equal(stream(&c, PID_AAC)->s.desc.channels, 2);
	assert_int_equal(stream(&c, PID_AAC)->s.desc.extradata_len, 7);
	assert_string_equal(stream(&c, PID_AAC)->s.desc.language, "eng");
	assert_int_equal(stream(&c, PID_OPUS)->s.desc.codec, SPATE_CODEC_OPUS);
	assert_int_equal(stream(&c, PID_OPUS)->s.desc.channels, 2);
	assert_string_equal(stream(&c, PID_LATM)->s.unsupported, "AAC LATM");
	assert_string_equal(stream(&c, PID_MP2)->s.unsupported, "MPEG audio");
	for (unsigned i = 0; i < c.n_streams; i++)
		assert_int_equal(c.streams[i].first_au, 0);
	assert_int_equal(c.stats.streams_ignored, 2);

	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO);
	assert_int_equal(count_pid(&c, PID_AAC), N_VIDEO * ADTS_PER_PES);
	assert_int_equal(count_pid(&c, PID_OPUS), N_VIDEO * OPUS_PER_PES);
	assert_int_equal(c.n_au, N_VIDEO * (1 + ADTS_PER_PES + OPUS_PER_PES));
	for (unsigned i = 0; i < N_VIDEO; i++) {
		const struct col_au *v = nth(&c, PID_VIDEO, i);
		size_t n = video_au(au, i), off = 0;

		assert_int_equal(v->pts, VIDEO_PTS(i));
		assert_int_equal(v->dts, VIDEO_DTS(i));
		assert_int_equal(v->key, i % 5 == 0);
		assert_int_equal(v->size, n);
		assert_memory_equal(v->data, au, n);
		assert_int_equal(v->stream, stream(&c, PID_VIDEO)->index);
		audio_pes(au, i);
		for (unsigned k = 0; k < ADTS_PER_PES; k++) {
			const struct col_au *a =
				nth(&c, PID_AAC, i * ADTS_PER_PES + k);

			assert_int_equal(a->pts, AUDIO_PTS(i) + 1920 * k);
			assert_int_equal(a->dts, a->pts);
			assert_int_equal(a->duration, 1920);
			assert_int_equal(a->size, 200 + 10 * k + i);
			assert_memory_equal(a->data, au + off, a->size);
			off += a->size;
		}
		for (unsigned k = 0; k < OPUS_PER_PES; k++) {
			const struct col_au *o =
				nth(&c, PID_OPUS, i * OPUS_PER_PES + k);

			assert_int_equal(o->pts, AUDIO_PTS(i) + 1800 * k);
			assert_int_equal(o->duration, 1800);
			assert_int_equal(o->size, k == 0 ? 260 : 100);
			assert_int_equal(o->data[0], 0xfc);
		}
	}
	assert_int_equal(c.stats.cc_errors + c.stats.sync_losses +
				 c.stats.pes_dropped + c.stats.es_errors +
				 c.stats.psi_crc_errors + c.stats.psi_errors +
				 c.stats.unknown_pid_packets,
			 0);
	assert_int_equal(c.stats.n_programs, 1);
	assert_int_equal(c.stats.programs[0].pcr_pid, PID_VIDEO);
	assert_int_equal(c.stats.programs[0].last_pcr,
			 27000000 + 108000 * (N_VIDEO - 1));
	{
		struct spate_ts_pid_stats ps;
		struct spate_ts_demux *d;
		struct spate_ts_config cfg;
		struct collect c2 = {0};

		col_config(&cfg, &c2);
		assert_int_equal(spate_ts_demux_create(&d, &cfg), 0);
		assert_int_equal(spate_ts_demux_input(d, m.buf, m.len), 0);
		assert_int_equal(spate_ts_demux_finish(d), 0);
		assert_int_equal(spate_ts_demux_pid_stats(d, PID_VIDEO, &ps),
				 0);
		assert_int_equal(ps.au_out, N_VIDEO);
		assert_int_equal(ps.cc_errors, 0);
		assert_int_equal(spate_ts_demux_pid_stats(d, 0x1234, &ps),
				 -ENOENT);
		spate_ts_demux_destroy(d);
		col_free(&c2);
	}
	col_free(&c);
	free(m.buf);
}

/* Any chunking gives the same output: bytes, datagrams, random sizes. */
static void test_chunking(void **state)
{
	static const long chunks[] = {1, 2, 187, 188, 189, 1316, -50, -5000};
	struct mux m;
	struct collect ref = {0};

	(void)state;
	build(&m, 0);
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	for (unsigned i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct collect c = {0};

		assert_int_equal(col_run(&c, m.buf, m.len, chunks[i]), 0);
		assert_true(col_same(&ref, &c));
		assert_int_equal(c.stats.bytes_in, m.len);
		col_free(&c);
	}
	col_free(&ref);
	free(m.buf);
}

static void test_empty_input(void **state)
{
	struct collect c = {0};
	struct spate_ts_demux *d;
	struct spate_ts_config cfg;
	uint8_t byte = 0x47;

	(void)state;
	col_config(&cfg, &c);
	assert_int_equal(spate_ts_demux_create(&d, &cfg), 0);
	assert_int_equal(spate_ts_demux_input(d, &byte, 0), 0);
	assert_int_equal(spate_ts_demux_finish(d), 0);
	assert_int_equal(spate_ts_demux_finish(d), 0);
	spate_ts_demux_destroy(d);
	assert_int_equal(c.n_streams, 0);
	assert_int_equal(c.n_au, 0);
	/* no callbacks at all is a usage error */
	cfg.on_packet = NULL;
	assert_int_equal(spate_ts_demux_create(&d, &cfg), -EINVAL);
	/* one lonely sync byte, then the end */
	assert_int_equal(col_run(&c, &byte, 1, 0), 0);
	assert_int_equal(c.n_au, 0);
	col_free(&c);
}

/* Garbage first: skipped, counted, then the stream as usual. */
static void test_garbage_prefix(void **state)
{
	struct mux m;
	struct collect ref = {0}, c = {0};
	size_t glen = 1000;
	uint8_t *in;

	(void)state;
	build(&m, 0);
	in = malloc(glen + m.len);
	assert_non_null(in);
	fill(in, glen, 99);
	for (size_t i = 0; i < glen; i++)
		if (in[i] == 0x47)
			in[i] = 0x46;
	memcpy(in + glen, m.buf, m.len);
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	assert_int_equal(col_run(&c, in, glen + m.len, -700), 0);
	assert_true(col_same(&ref, &c));
	assert_int_equal(c.stats.bytes_skipped, glen);
	assert_int_equal(c.stats.sync_losses, 0);
	col_free(&ref);
	col_free(&c);
	free(in);
	free(m.buf);
}

/* Garbage between two packets: lock lost, regained, nothing else lost. */
static void test_garbage_inside(void **state)
{
	struct mux m;
	struct collect ref = {0}, c = {0};
	size_t cut, glen = 77;
	uint8_t *in;

	(void)state;
	build(&m, 0);
	cut = m.pkt_off[40];
	in = malloc(m.len + glen);
	assert_non_null(in);
	memcpy(in, m.buf, cut);
	memset(in + cut, 0x47, glen); /* sync bytes, but not 188 apart */
	memcpy(in + cut + glen, m.buf + cut, m.len - cut);
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	assert_int_equal(col_run(&c, in, m.len + glen, 1316), 0);
	assert_true(col_same(&ref, &c));
	assert_int_equal(c.stats.sync_losses, 1);
	assert_int_equal(c.stats.bytes_skipped, glen);
	assert_int_equal(c.stats.cc_errors, 0);
	col_free(&ref);
	col_free(&c);
	free(in);
	free(m.buf);
}

/* Index of the `k`th packet of `pid` that does not start a PES. */
static unsigned pkt_index(const struct mux *m, uint16_t pid, unsigned k)
{
	for (unsigned i = 0; i < m->n_pkt; i++)
		if (m->pkt_pid[i] == pid &&
		    !(m->buf[m->pkt_off[i] + 1] & 0x40) && k-- == 0)
			return i;
	fail_msg("no such packet");
	return 0;
}

static uint8_t *without_packet(const struct mux *m, unsigned idx, size_t *len)
{
	uint8_t *in = malloc(m->len);
	size_t off = m->pkt_off[idx];

	assert_non_null(in);
	memcpy(in, m->buf, off);
	memcpy(in + off, m->buf + off + 188, m->len - off - 188);
	*len = m->len - 188;
	return in;
}

/* A lost packet: CC error on that PID, its PES dropped, nothing else. */
static void test_dropped_packet(void **state)
{
	struct mux m;
	struct collect c = {0};
	unsigned idx;
	size_t len;
	uint8_t *in;
	struct spate_ts_pid_stats ps;

	(void)state;
	(void)ps;
	build(&m, 0);
	idx = pkt_index(&m, PID_VIDEO, 30); /* inside video PES 1 or 2 */
	in = without_packet(&m, idx, &len);
	assert_int_equal(col_run(&c, in, len, 0), 0);
	assert_int_equal(c.stats.cc_errors, 1);
	assert_int_equal(c.stats.pes_dropped, 1);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO - 1);
	assert_int_equal(count_pid(&c, PID_AAC), N_VIDEO * ADTS_PER_PES);
	assert_int_equal(count_pid(&c, PID_OPUS), N_VIDEO * OPUS_PER_PES);
	col_free(&c);
	free(in);

	/* the same in an audio PES: its 3 frames go, never half of them */
	idx = pkt_index(&m, PID_AAC, 2);
	in = without_packet(&m, idx, &len);
	assert_int_equal(col_run(&c, in, len, 0), 0);
	assert_int_equal(c.stats.cc_errors, 1);
	assert_int_equal(c.stats.pes_dropped, 1);
	assert_int_equal(count_pid(&c, PID_AAC), (N_VIDEO - 1) * ADTS_PER_PES);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO);
	col_free(&c);
	free(in);
	free(m.buf);
}

/*
 * A splice (encoder restart, concatenated inputs): the continuity counter
 * jumps on the packet that starts the next video PES, no byte is missing.
 * The unbounded PES in progress goes on (counted), so no frame is lost.
 */
static void test_splice_keeps_pes(void **state)
{
	struct mux m;
	struct collect ref = {0}, c = {0};
	unsigned seen = 0, first = 0;

	(void)state;
	build(&m, 0);
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	/* From the 4th video PES start on, shift the video CC by 5. */
	for (unsigned i = 0; i < m.n_pkt; i++) {
		uint8_t *p = m.buf + m.pkt_off[i];

		if (m.pkt_pid[i] != PID_VIDEO)
			continue;
		if ((p[1] & 0x40) && seen++ == 3)
			first = i;
		if (first != 0 && i >= first)
			p[3] = (uint8_t)((p[3] & 0xf0) | ((p[3] + 5) & 0x0f));
	}
	assert_true(first != 0);
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.cc_errors, 1);
	assert_int_equal(c.stats.pes_kept_at_cc_gap, 1);
	assert_int_equal(c.stats.pes_dropped, 0);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO);
	assert_int_equal(c.stats.au_out, ref.stats.au_out);
	col_free(&ref);
	col_free(&c);
	free(m.buf);
}

/* A packet sent twice is legal once: discarded, counted, no error. */
static void test_duplicate_packet(void **state)
{
	struct mux m;
	struct collect ref = {0}, c = {0};
	size_t off;
	uint8_t *in;

	(void)state;
	build(&m, 0);
	off = m.pkt_off[pkt_index(&m, PID_VIDEO, 12)];
	in = malloc(m.len + 188);
	assert_non_null(in);
	memcpy(in, m.buf, off + 188);
	memcpy(in + off + 188, m.buf + off, m.len - off);
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	assert_int_equal(col_run(&c, in, m.len + 188, 0), 0);
	assert_true(col_same(&ref, &c));
	assert_int_equal(c.stats.cc_duplicates, 1);
	assert_int_equal(c.stats.cc_errors, 0);
	col_free(&ref);
	col_free(&c);
	free(in);
	free(m.buf);
}

/* TEI: the packet is discarded; its loss shows as a CC gap. */
static void test_tei(void **state)
{
	struct mux m;
	struct collect c = {0};

	(void)state;
	build(&m, 0);
	m.buf[m.pkt_off[pkt_index(&m, PID_VIDEO, 50)] + 1] |= 0x80;
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.tei_packets, 1);
	assert_int_equal(c.stats.cc_errors, 1);
	assert_int_equal(c.stats.pes_dropped, 1);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO - 1);
	col_free(&c);
	free(m.buf);
}

/*
 * A PMT with a bad CRC is ignored.  With the probe, the repeated PMT is
 * found before anything is emitted and the replay delivers everything;
 * without it, only what follows the good PMT.
 */
static void test_psi_crc(void **state)
{
	struct mux m;
	struct collect c = {0};
	struct spate_ts_config cfg;

	(void)state;
	build(&m, 0);
	assert_int_equal(m.pkt_pid[1], PID_PMT);
	m.buf[m.pkt_off[1] + 20] ^= 0x01; /* inside the ES loop */
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.psi_crc_errors, 1);
	assert_int_equal(c.n_streams, 5);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO);
	col_free(&c);

	col_config(&cfg, &c);
	cfg.probe_max_bytes = 0;
	assert_int_equal(col_run_cfg(&c, &cfg, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.psi_crc_errors, 1);
	assert_int_equal(c.n_streams, 5);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO / 2);
	assert_true(c.stats.unknown_pid_packets > 0);
	col_free(&c);
	free(m.buf);

	/* a corrupt PAT, and no other: nothing at all */
	build(&m, 0);
	for (unsigned i = 0; i < m.n_pkt; i++)
		if (m.pkt_pid[i] == 0)
			m.buf[m.pkt_off[i] + 10] ^= 0x01;
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.psi_crc_errors, 2);
	assert_int_equal(c.n_streams, 0);
	assert_int_equal(c.n_au, 0);
	col_free(&c);
	free(m.buf);
}

/* The input stops inside a bounded audio PES: that PES is dropped; the
 * unbounded video PES in progress ends with the input. */
static void test_truncated(void **state)
{
	struct mux m;
	struct collect ref = {0}, c = {0};
	unsigned idx;

	(void)state;
	build(&m, 0);
	idx = pkt_index(&m, PID_AAC, 4); /* a continuation packet */
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	assert_int_equal(col_run(&c, m.buf, m.pkt_off[idx] + 100, 0), 0);
	assert_int_equal(c.stats.pes_dropped, 1);
	assert_true(c.n_au > 0 && c.n_au < ref.n_au);
	/* everything emitted is what the whole stream gives */
	for (size_t i = 0; i < c.n_au; i++) {
		const struct col_au *x = &c.au[i];
		unsigned k = 0;

		for (size_t j = 0; j < i; j++)
			k += c.au[j].pid == x->pid;
		assert_int_equal(x->size, nth(&ref, x->pid, k)->size);
		assert_memory_equal(x->data, nth(&ref, x->pid, k)->data,
				    x->size);
	}
	col_free(&ref);
	col_free(&c);
	free(m.buf);
}

/* PES that does not start with 00 00 01: counted, dropped. */
static void test_bad_pes_header(void **state)
{
	struct mux m;
	struct collect c = {0};
	unsigned i;

	(void)state;
	build(&m, 0);
	for (i = 0; i < m.n_pkt; i++)
		if (m.pkt_pid[i] == PID_VIDEO &&
		    (m.buf[m.pkt_off[i] + 1] & 0x40))
			break;
	/* first video PES: a 2-byte adaptation field (RAI + PCR: 8) */
	assert_int_equal(m.buf[m.pkt_off[i] + 4], 7);
	m.buf[m.pkt_off[i] + 4 + 8 + 2] = 0x02;
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.pes_header_errors, 1);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO - 1);
	col_free(&c);
	free(m.buf);
}

static void test_oversize(void **state)
{
	struct mux m;
	struct collect c = {0};
	struct spate_ts_config cfg;

	(void)state;
	build(&m, 0);
	col_config(&cfg, &c);
	cfg.max_pes_bytes = 2000; /* audio fits, video does not */
	assert_int_equal(col_run_cfg(&c, &cfg, m.buf, m.len, 0), 0);
	assert_int_equal(c.stats.pes_oversize, N_VIDEO);
	assert_int_equal(count_pid(&c, PID_VIDEO), 0);
	assert_int_equal(count_pid(&c, PID_AAC), N_VIDEO * ADTS_PER_PES);
	col_free(&c);
	free(m.buf);
}

/* New PMT version: the old AAC stream ends, the new one is announced. */
static void test_pmt_change(void **state)
{
	struct mux m;
	struct collect c = {0};

	(void)state;
	build(&m, 1);
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.n_streams, 6);
	assert_true(stream(&c, PID_AAC)->ended);
	assert_false(stream(&c, PID_VIDEO)->ended);
	assert_non_null(stream(&c, PID_AAC2));
	assert_true(stream(&c, PID_AAC2)->first_au > 0);
	assert_int_equal(c.stats.streams_late, 1);
	assert_int_equal(count_pid(&c, PID_AAC), N_VIDEO / 2 * ADTS_PER_PES);
	assert_int_equal(count_pid(&c, PID_AAC2), N_VIDEO / 2 * ADTS_PER_PES);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO);
	col_free(&c);
	free(m.buf);
}

/* The caller refuses a stream: its PID is not reassembled. */
static void test_reject_and_fail(void **state)
{
	struct mux m;
	struct collect c = {0};
	struct spate_ts_config cfg;

	(void)state;
	build(&m, 0);
	c.reject_pid = PID_AAC;
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(count_pid(&c, PID_AAC), 0);
	assert_int_equal(c.stats.streams_ignored, 3);
	assert_int_equal(count_pid(&c, PID_VIDEO), N_VIDEO);
	col_free(&c);

	/* on_packet failing stops the input call with its error */
	c.fail_after = 5;
	col_config(&cfg, &c);
	assert_int_equal(col_run_cfg(&c, &cfg, m.buf, m.len, 0), -ENOSPC);
	assert_int_equal(c.n_au, 5);
	col_free(&c);
	free(m.buf);
}

/* An ADTS frame cut in two by the PES boundary, and a PES without PTS. */
static void test_adts_across_pes(void **state)
{
	static const uint16_t prog = 1, pmt = PID_PMT;
	struct mux m;
	struct collect c = {0};
	uint8_t a[1200];

	(void)state;
	memset(&m, 0, sizeof(m));
	mux_pat(&m, &prog, &pmt, 1, 0);
	mux_pmt(&m, PID_PMT, 1, PID_AAC, &prog1[1], 1, 0);
	for (unsigned k = 0; k < 4; k++)
		adts_frame(a + 300 * k, 300, k);
	mux_pes(&m, PID_AAC, 0xc0, 1000, -1, a, 450, 1, 0, -1);
	mux_pes(&m, PID_AAC, 0xc0, 1000 + 2 * 1920, -1, a + 450, 750, 1, 0, -1);
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.n_au, 4);
	for (unsigned k = 0; k < 4; k++) {
		assert_int_equal(c.au[k].pts, 1000 + 1920 * k);
		assert_int_equal(c.au[k].size, 300);
		assert_memory_equal(c.au[k].data, a + 300 * k, 300);
	}
	assert_int_equal(c.stats.es_errors, 0);
	col_free(&c);
	free(m.buf);
}

/* Without the probe, AAC is announced at its first frame (here still
 * before any AU: the unbounded video PES 0 ends after audio PES 0). */
static void test_no_probe(void **state)
{
	struct mux m;
	struct collect ref = {0}, c = {0};
	struct spate_ts_config cfg;

	(void)state;
	build(&m, 0);
	assert_int_equal(col_run(&ref, m.buf, m.len, 0), 0);
	col_config(&cfg, &c);
	cfg.probe_max_bytes = 0;
	assert_int_equal(col_run_cfg(&c, &cfg, m.buf, m.len, 188), 0);
	assert_true(col_same(&ref, &c));
	assert_int_equal(stream(&c, PID_VIDEO)->first_au, 0);
	assert_int_equal(stream(&c, PID_AAC)->first_au, 0);
	assert_int_equal(c.stats.streams_late, 0);
	col_free(&ref);
	col_free(&c);

	/* a tiny probe budget ends the probe early: nothing is lost */
	col_config(&cfg, &c);
	cfg.probe_max_bytes = 188;
	assert_int_equal(col_run_cfg(&c, &cfg, m.buf, m.len, 1316), 0);
	assert_int_equal(c.n_au, N_VIDEO * (1 + ADTS_PER_PES + OPUS_PER_PES));
	col_free(&c);
	free(m.buf);
}

/* Two programs: all by default, or one chosen. */
static void test_programs(void **state)
{
	static const uint16_t progs[2] = {1, 2}, pmts[2] = {PID_PMT, PID_PMT2};
	static const struct es_entry v2 = {0x24, PID_VIDEO2, "", 0};
	struct mux m;
	struct collect c = {0};
	struct spate_ts_config cfg;
	uint8_t au[8192];

	(void)state;
	memset(&m, 0, sizeof(m));
	mux_pat(&m, progs, pmts, 2, 0);
	mux_pmt(&m, PID_PMT, 1, PID_VIDEO, prog1, 1, 0);
	mux_pmt(&m, PID_PMT2, 2, PID_VIDEO2, &v2, 1, 0);
	for (unsigned i = 0; i < 4; i++) {
		size_t n = video_au(au, i);

		mux_pes(&m, PID_VIDEO, 0xe0, VIDEO_PTS(i), VIDEO_DTS(i), au, n,
			0, 1, 1000 * i);
		mux_pes(&m, PID_VIDEO2, 0xe0, VIDEO_PTS(i), -1, au, 500, 1, 1,
			2000 * i);
	}
	assert_int_equal(col_run(&c, m.buf, m.len, 0), 0);
	assert_int_equal(c.n_streams, 2);
	assert_int_equal(stream(&c, PID_VIDEO2)->s.desc.codec,
			 SPATE_CODEC_HEVC);
	assert_int_equal(stream(&c, PID_VIDEO2)->s.program_number, 2);
	assert_int_equal(c.n_au, 8);
	assert_int_equal(nth(&c, PID_VIDEO2, 3)->dts, VIDEO_PTS(3));
	assert_int_equal(c.stats.n_programs, 2);
	assert_int_equal(c.stats.programs[0].last_pcr, 3000);
	assert_int_equal(c.stats.programs[1].last_pcr, 6000);
	col_free(&c);

	col_config(&cfg, &c);
	cfg.program_number = 2;
	assert_int_equal(col_run_cfg(&c, &cfg, m.buf, m.len, 0), 0);
	assert_int_equal(c.n_streams, 1);
	assert_int_equal(count_pid(&c, PID_VIDEO2), 4);
	assert_int_equal(c.stats.unknown_pid_packets > 0, 1);
	col_free(&c);
	free(m.buf);
}

static void test_sniff(void **state)
{
	struct mux m;
	uint8_t junk[1024];

	(void)state;
	build(&m, 0);
	assert_int_equal(spate_ts_sniff(m.buf, m.len), 1);
	assert_int_equal(spate_ts_sniff(m.buf + 5, 600), 1);
	assert_int_equal(spate_ts_sniff(m.buf, 300), 0);
	memset(junk, 0, sizeof(junk));
	memcpy(junk, "FLV\1", 4);
	assert_int_equal(spate_ts_sniff(junk, sizeof(junk)), 0);
	free(m.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_garbage_prefix),
		cmocka_unit_test(test_garbage_inside),
		cmocka_unit_test(test_dropped_packet),
		cmocka_unit_test(test_splice_keeps_pes),
		cmocka_unit_test(test_duplicate_packet),
		cmocka_unit_test(test_tei),
		cmocka_unit_test(test_psi_crc),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_pes_header),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_pmt_change),
		cmocka_unit_test(test_reject_and_fail),
		cmocka_unit_test(test_adts_across_pes),
		cmocka_unit_test(test_no_probe),
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
