/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for spate_ts_demux.
 *
 * Input: 4 header bytes, then transport stream.
 *   byte 0: bit 0 probe off, bit 1 first_program_only, bit 2 only program
 *           1, bits 3-4 sync lock of 2..5 packets, bit 5 small PES limit
 *   byte 1: largest chunk size / 8 (chunk sizes 1..8*byte1+1)
 *   bytes 2-3: seed of the chunk-size sequence
 * Beyond memory safety it checks the contract:
 *   - a packet only for an announced, accepted stream, never empty, with
 *     33-bit timestamps (or none) and the stream's own index;
 *   - the same bytes fed whole and in chunks give the same streams and the
 *     same access units (chunking must never change the output);
 *   - au_out counts exactly the packets delivered.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ts/ts_demux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	uint64_t hash;
	uint64_t packets;
	unsigned streams;
	int index[8192]; /* per PID: announced index + 1, 0 none */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static int on_stream(void *ctx, const struct spate_ts_stream *s)
{
	struct run *r = ctx;

	if (s->pid >= 8192 || r->index[s->pid] != 0)
		abort(); /* announced twice without an end */
	r->streams++;
	r->hash = mix(r->hash, s->pid);
	r->hash = mix(r->hash, (uint64_t)s->desc.codec << 8 | s->stream_type);
	if (s->unsupported != NULL)
		return -1;
	if (s->desc.tb_num != 1 || s->desc.tb_den != 90000 ||
	    s->desc.ts_wrap_bits != 33)
		abort();
	r->index[s->pid] = (int)s->pid + 1;
	return (int)s->pid;
}

static void on_stream_end(void *ctx, uint16_t pid, int index)
{
	struct run *r = ctx;

	if (pid >= 8192 || r->index[pid] != index + 1)
		abort();
	r->index[pid] = 0;
	r->hash = mix(r->hash, 0xe000u | pid);
}

static int valid_ts(int64_t t)
{
	return t == SPATE_PKG_NOPTS || (t >= 0 && t < (INT64_C(1) << 33));
}

static int on_packet(void *ctx, uint16_t pid, const struct spate_pkg_packet *p)
{
	struct run *r = ctx;
	uint64_t h = 0;

	if (pid >= 8192 || r->index[pid] == 0 || p->stream != (int)pid ||
	    p->size == 0 || p->data == NULL || !valid_ts(p->pts) ||
	    !valid_ts(p->dts))
		abort();
	for (size_t i = 0; i < p->size; i++)
		h = h * 131 + p->data[i];
	r->packets++;
	r->hash = mix(r->hash, pid);
	r->hash = mix(r->hash, (uint64_t)p->pts);
	r->hash = mix(r->hash, (uint64_t)p->dts);
	r->hash = mix(r->hash, (uint64_t)p->key);
	r->hash = mix(r->hash, h ^ p->size);
	return 0;
}

static void run(struct run *r, uint8_t flags, const uint8_t *p, size_t n,
		size_t max_chunk, uint32_t seed)
{
	struct spate_ts_config cfg;
	struct spate_ts_demux *d;
	struct spate_ts_stats st;

	memset(r, 0, sizeof(*r));
	spate_ts_config_defaults(&cfg);
	cfg.ctx = r;
	cfg.on_stream = on_stream;
	cfg.on_packet = on_packet;
	cfg.on_stream_end = on_stream_end;
	if (flags & 1)
		cfg.probe_max_bytes = 0;
	cfg.first_program_only = (flags >> 1) & 1;
	cfg.program_number = (flags >> 2) & 1;
	cfg.sync_lock_packets = 2 + ((flags >> 3) & 3);
	if (flags & 0x20)
		cfg.max_pes_bytes = 4096;
	if (spate_ts_demux_create(&d, &cfg) != 0)
		abort();
	while (n > 0) {
		size_t k = n;

		if (max_chunk > 0) {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 8) % max_chunk;
			if (k > n)
				k = n;
		}
		if (spate_ts_demux_input(d, p, k) != 0)
			abort();
		p += k;
		n -= k;
	}
	if (spate_ts_demux_finish(d) != 0)
		abort();
	spate_ts_demux_stats(d, &st);
	if (st.au_out != r->packets)
		abort();
	spate_ts_demux_destroy(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, chunked;

	if (size < 4)
		return 0;
	run(&whole, data[0], data + 4, size - 4, 0, 0);
	run(&chunked, data[0], data + 4, size - 4, 8u * data[1] + 1,
	    (uint32_t)data[2] << 8 | data[3]);
	if (whole.hash != chunked.hash || whole.packets != chunked.packets ||
	    whole.streams != chunked.streams)
		abort();
	return 0;
}
