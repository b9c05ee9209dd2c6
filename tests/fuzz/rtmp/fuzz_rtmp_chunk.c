/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the chunk stream demuxer, differentially.  Input:
 * [0] piece size - 1, [1] max chunk streams, then the chunk stream.  The
 * stream is parsed twice, whole and in pieces; both must give the same
 * messages (type, timestamp, stream, csid, length, bytes) and the same
 * outcome.  Limits are small (4 KB messages, 8 KB buffer) so the
 * too-big / no-space paths are reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

#define MAX_MSG 4096
#define BUF_CAP 8192

struct digest {
	uint64_t h;
	unsigned msgs;
	int rc;
	uint8_t perr;
};

static uint8_t buf[BUF_CAP];

static void mix(struct digest *d, uint64_t v)
{
	d->h = (d->h ^ v) * 0x100000001b3ull;
}

static void run(const uint8_t *in, size_t size, size_t step, unsigned csids,
		struct digest *d)
{
	struct spate_rtmp_chunk_rx rx;
	size_t pos = 0;

	memset(d, 0, sizeof(*d));
	d->h = 0xcbf29ce484222325ull;
	spate_rtmp_chunk_rx_init(&rx, buf, BUF_CAP, MAX_MSG, csids);
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step, off = 0;

		while (off < n) {
			struct spate_rtmp_msg m;
			size_t used;
			int rc = spate_rtmp_chunk_input(&rx, in + pos + off,
							n - off, &used, &m);

			CHECK(used <= n - off);
			off += used;
			if (rc < 0) {
				CHECK(rx.perr != SPATE_RTMP_PERR_NONE);
				d->rc = rc;
				d->perr = rx.perr;
				return;
			}
			if (rc == 0) {
				CHECK(off == n);
				continue;
			}
			CHECK(m.len <= MAX_MSG);
			CHECK(m.csid >= SPATE_RTMP_CSID_MIN &&
			      m.csid <= SPATE_RTMP_CSID_MAX);
			if (m.zero_copy)
				CHECK(m.data >= in &&
				      m.data + m.len <= in + size);
			else if (m.len)
				CHECK(m.data >= buf &&
				      m.data + m.len <= buf + BUF_CAP);
			CHECK(rx.buf_top <= BUF_CAP);
			d->msgs++;
			mix(d, m.type);
			mix(d, m.timestamp);
			mix(d, m.stream_id);
			mix(d, m.csid);
			mix(d, m.len);
			for (uint32_t i = 0; i < m.len; i++)
				mix(d, m.data[i]);
		}
		pos += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, pieces;
	size_t step;
	unsigned csids;

	if (size < 2)
		return 0;
	step = (size_t)data[0] + 1;
	csids = data[1] % (SPATE_RTMP_MAX_CSIDS + 1);
	data += 2;
	size -= 2;
	run(data, size, size ? size : 1, csids, &whole);
	run(data, size, step, csids, &pieces);
	CHECK(whole.msgs == pieces.msgs);
	CHECK(whole.h == pieces.h);
	CHECK(whole.rc == pieces.rc && whole.perr == pieces.perr);
	return 0;
}
