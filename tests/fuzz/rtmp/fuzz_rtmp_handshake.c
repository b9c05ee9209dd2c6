/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the server handshake.  Input: [0] piece size - 1,
 * then the client's bytes, fed in pieces.
 *
 * Invariants: exactly one reply, and only once C0 and C1 are in; never
 * consumes more than given; stops consuming at C2's end; a digest reply's
 * S1 validates with the server key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void rnd(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t reply[SPATE_RTMP_HS_REPLY_SIZE];
	struct spate_rtmp_hs hs;
	size_t step, pos = 0, rl;
	unsigned replies = 0;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	spate_rtmp_hs_init(&hs);
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step;
		int rc = spate_rtmp_hs_input(&hs, data + pos, n, reply, &rl,
					     rnd, NULL, 0);

		if (rc < 0) {
			CHECK(pos == 0 && data[0] != SPATE_RTMP_HS_VERSION);
			return 0;
		}
		CHECK((size_t)rc <= n);
		if (rl != 0) {
			CHECK(rl == SPATE_RTMP_HS_REPLY_SIZE);
			CHECK(pos + (size_t)rc >= 1 + SPATE_RTMP_HS_SIZE);
			replies++;
			if (hs.kind != SPATE_RTMP_HS_SIMPLE)
				CHECK(spate_rtmp_hs_digest_valid(
					reply + 1,
					(enum spate_rtmp_hs_kind)hs.kind,
					spate_rtmp_hs_fms_key,
					SPATE_RTMP_HS_FMS_KEY_PARTIAL));
		}
		pos += (size_t)rc;
		if (hs.state == SPATE_RTMP_HS_DONE) {
			CHECK(pos == 1 + 2 * SPATE_RTMP_HS_SIZE);
			break;
		}
		CHECK((size_t)rc == n);
	}
	CHECK(replies == (pos >= 1 + SPATE_RTMP_HS_SIZE ? 1u : 0u));
	return 0;
}
