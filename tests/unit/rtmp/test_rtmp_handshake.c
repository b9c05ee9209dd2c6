/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake: simple and digest (scheme 0 and 1), with C1 built the way
 * librtmp/ffmpeg build it; our S1 and S2 checked the way those clients
 * check them.  Byte-at-a-time equals whole.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rtmp_handshake.h"

static void rnd_fill(void *ctx, void *buf, size_t len)
{
	uint32_t *seed = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		*seed = *seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(*seed >> 16);
	}
}

/*
 * librtmp HandShake() / ffmpeg rtmp_handshake(): time, version 9.0.124.2,
 * random, then the digest over the rest with the 30-byte Flash Player key
 * at the scheme's offset.
 */
static void make_c1(uint8_t *c1, enum spate_rtmp_hs_kind scheme, uint32_t seed)
{
	uint32_t off;

	rnd_fill(&seed, c1, SPATE_RTMP_HS_SIZE);
	memset(c1, 0, 4);
	c1[4] = 9;
	c1[5] = 0;
	c1[6] = 124;
	c1[7] = 2;
	off = spate_rtmp_hs_digest_offset(c1, scheme);
	spate_rtmp_hs_hmac_sig(c1, off, spate_rtmp_hs_fp_key,
			       SPATE_RTMP_HS_FP_KEY_PARTIAL, c1 + off);
}

static void run_hs(const uint8_t *c0c1c2, size_t len, size_t step,
		   uint8_t *reply, struct spate_rtmp_hs *hs)
{
	size_t pos = 0, rl, got = 0;
	uint32_t seed = 7;

	spate_rtmp_hs_init(hs);
	while (pos < len) {
		size_t n = len - pos < step ? len - pos : step;
		int rc = spate_rtmp_hs_input(hs, c0c1c2 + pos, n, reply, &rl,
					     rnd_fill, &seed, 1234);

		assert_true(rc >= 0);
		if (rl != 0) {
			assert_int_equal(rl, SPATE_RTMP_HS_REPLY_SIZE);
			got++;
		}
		pos += (size_t)rc;
		if (hs->state == SPATE_RTMP_HS_DONE)
			break;
	}
	assert_int_equal(got, 1);
	assert_int_equal(hs->state, SPATE_RTMP_HS_DONE);
	assert_int_equal(pos, 1 + 2 * SPATE_RTMP_HS_SIZE);
}

static void test_simple(void **state)
{
	static uint8_t in[1 + 2 * SPATE_RTMP_HS_SIZE + 10];
	static uint8_t reply[SPATE_RTMP_HS_REPLY_SIZE],
		reply1[SPATE_RTMP_HS_REPLY_SIZE];
	struct spate_rtmp_hs hs;
	uint32_t seed = 3;

	(void)state;
	rnd_fill(&seed, in, sizeof(in));
	in[0] = 3;
	memset(in + 1 + 4, 0, 4); /* version 0: simple */
	run_hs(in, sizeof(in), sizeof(in), reply, &hs);
	assert_int_equal(hs.kind, SPATE_RTMP_HS_SIMPLE);
	assert_int_equal(reply[0], 3);
	assert_memory_equal(reply + 1, "\x00\x00\x04\xd2\x00\x00\x00\x00", 8);
	/* S2 echoes C1 */
	assert_memory_equal(reply + 1 + SPATE_RTMP_HS_SIZE, in + 1,
			    SPATE_RTMP_HS_SIZE);
	run_hs(in, sizeof(in), 1, reply1, &hs);
	assert_memory_equal(reply, reply1, sizeof(reply));
}

/* What ffmpeg (playing) and librtmp verify in S1 and S2. */
static void check_server_digests(const uint8_t *c1, const uint8_t *reply,
				 enum spate_rtmp_hs_kind scheme)
{
	const uint8_t *s1 = reply + 1, *s2 = reply + 1 + SPATE_RTMP_HS_SIZE;
	uint8_t key[32], sig[32];
	uint32_t coff = spate_rtmp_hs_digest_offset(c1, scheme);

	assert_int_equal(reply[0], 3);
	assert_true(s1[4] != 0); /* a version: the digest flavour */
	assert_true(spate_rtmp_hs_digest_valid(s1, scheme,
					       spate_rtmp_hs_fms_key,
					       SPATE_RTMP_HS_FMS_KEY_PARTIAL));
	HMAC(EVP_sha256(), spate_rtmp_hs_fms_key, SPATE_RTMP_HS_FMS_KEY_LEN,
	     c1 + coff, 32, key, NULL);
	HMAC(EVP_sha256(), key, 32, s2, SPATE_RTMP_HS_SIZE - 32, sig, NULL);
	assert_memory_equal(sig, s2 + SPATE_RTMP_HS_SIZE - 32, 32);
}

static void test_digest(void **state)
{
	static uint8_t in[1 + 2 * SPATE_RTMP_HS_SIZE];
	static uint8_t reply[SPATE_RTMP_HS_REPLY_SIZE],
		reply1[SPATE_RTMP_HS_REPLY_SIZE];
	struct spate_rtmp_hs hs;

	(void)state;
	for (int scheme = SPATE_RTMP_HS_DIGEST_SCHEME0;
	     scheme <= SPATE_RTMP_HS_DIGEST_SCHEME1; scheme++) {
		for (uint32_t seed = 1; seed < 20; seed++) {
			in[0] = 3;
			make_c1(in + 1, (enum spate_rtmp_hs_kind)scheme, seed);
			memset(in + 1 + SPATE_RTMP_HS_SIZE, 0xaa,
			       SPATE_RTMP_HS_SIZE);
			run_hs(in, sizeof(in), sizeof(in), reply, &hs);
			/* A scheme-1 C1 may happen to validate as scheme 0
			 * only if the HMAC collides: it does not. */
			assert_int_equal(hs.kind, scheme);
			check_server_digests(in + 1, reply,
					     (enum spate_rtmp_hs_kind)scheme);
			run_hs(in, sizeof(in), 7, reply1, &hs);
			assert_memory_equal(reply, reply1, sizeof(reply));
		}
	}
}

/* Non-zero version but a bad digest: served as simple (nginx-rtmp does). */
static void test_bad_digest_falls_back(void **state)
{
	static uint8_t in[1 + 2 * SPATE_RTMP_HS_SIZE];
	static uint8_t reply[SPATE_RTMP_HS_REPLY_SIZE];
	struct spate_rtmp_hs hs;
	uint32_t off;

	(void)state;
	in[0] = 3;
	make_c1(in + 1, SPATE_RTMP_HS_DIGEST_SCHEME0, 5);
	off = spate_rtmp_hs_digest_offset(in + 1, SPATE_RTMP_HS_DIGEST_SCHEME0);
	in[1 + off] ^= 1;
	run_hs(in, sizeof(in), sizeof(in), reply, &hs);
	assert_int_equal(hs.kind, SPATE_RTMP_HS_SIMPLE);
	assert_memory_equal(reply + 1 + SPATE_RTMP_HS_SIZE, in + 1,
			    SPATE_RTMP_HS_SIZE);
}

static void test_bad_version(void **state)
{
	uint8_t in[4] = {6, 0, 0, 0}, reply[SPATE_RTMP_HS_REPLY_SIZE];
	struct spate_rtmp_hs hs;
	uint32_t seed = 1;
	size_t rl;

	(void)state;
	spate_rtmp_hs_init(&hs);
	assert_int_equal(spate_rtmp_hs_input(&hs, in, sizeof(in), reply, &rl,
					     rnd_fill, &seed, 0),
			 -EPROTO);
	/* 'G' of an HTTP request on the RTMP port */
	in[0] = 'G';
	spate_rtmp_hs_init(&hs);
	assert_int_equal(spate_rtmp_hs_input(&hs, in, sizeof(in), reply, &rl,
					     rnd_fill, &seed, 0),
			 -EPROTO);
}

/* Bytes after C2 belong to the chunk stream and are not consumed. */
static void test_stops_after_c2(void **state)
{
	static uint8_t in[1 + 2 * SPATE_RTMP_HS_SIZE + 5];
	static uint8_t reply[SPATE_RTMP_HS_REPLY_SIZE];
	struct spate_rtmp_hs hs;
	uint32_t seed = 1;
	size_t rl;

	(void)state;
	memset(in, 0, sizeof(in));
	in[0] = 3;
	spate_rtmp_hs_init(&hs);
	assert_int_equal(spate_rtmp_hs_input(&hs, in, sizeof(in), reply, &rl,
					     rnd_fill, &seed, 0),
			 (int)sizeof(in) - 5);
	assert_int_equal(hs.state, SPATE_RTMP_HS_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_bad_digest_falls_back),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_stops_after_c2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
