/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper: runs spate_ts_demux over a byte buffer (in chunks of a
 * chosen size) and records every announced stream and emitted access unit,
 * so tests can compare whole outputs.  Header-only, test code: it
 * allocates freely.
 */
#ifndef SPATE_TEST_TS_COLLECT_H
#define SPATE_TEST_TS_COLLECT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ts/ts_demux.h"

struct col_au {
	uint16_t pid;
	int stream;
	int64_t pts, dts, duration;
	int key;
	uint8_t *data;
	size_t size;
};

struct col_stream {
	struct spate_ts_stream s;
	uint8_t extradata[64];
	char language[4];
	int index;
	int ended;
	size_t first_au; /* AUs before this one came before the announce */
};

struct collect {
	struct col_stream streams[SPATE_TS_MAX_STREAMS];
	unsigned n_streams;
	struct col_au *au;
	size_t n_au, cap_au;
	int reject_pid; /* on_stream returns -1 for this PID */
	int fail_after; /* on_packet fails after this many AUs, 0 never */
	struct spate_ts_stats stats;
};

static inline int col_on_stream(void *ctx, const struct spate_ts_stream *s)
{
	struct collect *c = ctx;
	struct col_stream *cs;

	if (c->n_streams == SPATE_TS_MAX_STREAMS)
		return -1;
	cs = &c->streams[c->n_streams];
	cs->s = *s;
	if (s->desc.extradata_len > 0 &&
	    s->desc.extradata_len <= sizeof(cs->extradata)) {
		memcpy(cs->extradata, s->desc.extradata, s->desc.extradata_len);
		cs->s.desc.extradata = cs->extradata;
	}
	if (s->desc.language != NULL) {
		memcpy(cs->language, s->desc.language, 3);
		cs->s.desc.language = cs->language;
	}
	cs->first_au = c->n_au;
	cs->index = s->unsupported != NULL || s->pid == c->reject_pid
			    ? -1
			    : 100 + (int)c->n_streams;
	c->n_streams++;
	return cs->index;
}

static inline int col_on_packet(void *ctx, uint16_t pid,
				const struct spate_pkg_packet *pkt)
{
	struct collect *c = ctx;
	struct col_au *a;

	if (c->fail_after != 0 && c->n_au >= (size_t)c->fail_after)
		return -ENOSPC;
	if (c->n_au == c->cap_au) {
		c->cap_au = c->cap_au ? 2 * c->cap_au : 256;
		c->au = realloc(c->au, c->cap_au * sizeof(*c->au));
		if (c->au == NULL)
			abort();
	}
	a = &c->au[c->n_au++];
	a->pid = pid;
	a->stream = pkt->stream;
	a->pts = pkt->pts;
	a->dts = pkt->dts;
	a->duration = pkt->duration;
	a->key = pkt->key;
	a->size = pkt->size;
	a->data = malloc(pkt->size ? pkt->size : 1);
	if (a->data == NULL)
		abort();
	memcpy(a->data, pkt->data, pkt->size);
	return 0;
}

static inline void col_on_stream_end(void *ctx, uint16_t pid, int index)
{
	struct collect *c = ctx;

	for (unsigned i = 0; i < c->n_streams; i++)
		if (c->streams[i].s.pid == pid && c->streams[i].index == index)
			c->streams[i].ended = 1;
}

static inline void col_config(struct spate_ts_config *cfg, struct collect *c)
{
	spate_ts_config_defaults(cfg);
	cfg->ctx = c;
	cfg->on_stream = col_on_stream;
	cfg->on_packet = col_on_packet;
	cfg->on_stream_end = col_on_stream_end;
}

/*
 * Demuxes `len` bytes in chunks of `chunk` bytes (0: all at once; a
 * negative value: pseudo-random sizes 1..-chunk from a fixed seed).
 * Returns the first error of input/finish.
 */
static inline int col_run_cfg(struct collect *c, struct spate_ts_config *cfg,
			      const uint8_t *p, size_t len, long chunk)
{
	struct spate_ts_demux *d;
	uint32_t seed = 12345;
	int rc = spate_ts_demux_create(&d, cfg), err = 0;

	if (rc < 0)
		return rc;
	while (len > 0) {
		size_t n = len;

		if (chunk > 0 && (size_t)chunk < n)
			n = (size_t)chunk;
		if (chunk < 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 8) % (size_t)(-chunk);
			if (n > len)
				n = len;
		}
		rc = spate_ts_demux_input(d, p, n);
		if (rc < 0 && err == 0)
			err = rc;
		p += n;
		len -= n;
	}
	rc = spate_ts_demux_finish(d);
	if (rc < 0 && err == 0)
		err = rc;
	spate_ts_demux_stats(d, &c->stats);
	spate_ts_demux_destroy(d);
	return err;
}

static inline int col_run(struct collect *c, const uint8_t *p, size_t len,
			  long chunk)
{
	struct spate_ts_config cfg;

	col_config(&cfg, c);
	return col_run_cfg(c, &cfg, p, len, chunk);
}

static inline void col_free(struct collect *c)
{
	for (size_t i = 0; i < c->n_au; i++)
		free(c->au[i].data);
	free(c->au);
	memset(c, 0, sizeof(*c));
}

/* 1 when both runs emitted the same AUs (pid, times, flags, bytes). */
static inline int col_same(const struct collect *a, const struct collect *b)
{
	if (a->n_au != b->n_au || a->n_streams != b->n_streams)
		return 0;
	for (size_t i = 0; i < a->n_au; i++) {
		const struct col_au *x = &a->au[i], *y = &b->au[i];

		if (x->pid != y->pid || x->pts != y->pts || x->dts != y->dts ||
		    x->key != y->key || x->size != y->size ||
		    memcmp(x->data, y->data, x->size) != 0)
			return 0;
	}
	return 1;
}

#endif /* SPATE_TEST_TS_COLLECT_H */
