/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server side of the RTMP handshake, simple and digest (see
 * rtmp_handshake.h).  Owns C0/C1/C2 parsing and S0/S1/S2 generation; it
 * does not send anything itself and holds no socket.
 *
 * Crypto is one HMAC-SHA256 per digest through OpenSSL's one-shot HMAC();
 * a handshake costs four of them, once per connection.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rtmp_handshake.h"

#define KEY_TAIL                                                            \
	0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0,   \
		0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, \
		0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, \
		0xae

const uint8_t spate_rtmp_hs_fp_key[SPATE_RTMP_HS_FP_KEY_LEN] = {
	'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A',	 'd', 'o',
	'b', 'e', ' ', 'F', 'l', 'a', 's', 'h', ' ',	 'P', 'l',
	'a', 'y', 'e', 'r', ' ', '0', '0', '1', KEY_TAIL};

const uint8_t spate_rtmp_hs_fms_key[SPATE_RTMP_HS_FMS_KEY_LEN] = {
	'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o',	   'b', 'e',
	' ', 'F', 'l', 'a', 's', 'h', ' ', 'M', 'e', 'd', 'i',	   'a', ' ',
	'S', 'e', 'r', 'v', 'e', 'r', ' ', '0', '0', '1', KEY_TAIL};

/* What we claim to be in S1's version field (nginx-rtmp sends the same). */
static const uint8_t server_version[4] = {0x0d, 0x0e, 0x0a, 0x0d};

uint32_t spate_rtmp_hs_digest_offset(const uint8_t *sig,
				     enum spate_rtmp_hs_kind scheme)
{
	uint32_t base = scheme == SPATE_RTMP_HS_DIGEST_SCHEME1 ? 772 : 8;
	uint32_t sum = (uint32_t)sig[base] + sig[base + 1] + sig[base + 2] +
		       sig[base + 3];

	return sum % 728 + base + 4;
}

void spate_rtmp_hs_hmac_sig(const uint8_t *sig, uint32_t skip,
			    const uint8_t *key, size_t key_len,
			    uint8_t out[SPATE_RTMP_HS_DIGEST_LEN])
{
	uint8_t msg[SPATE_RTMP_HS_SIZE - SPATE_RTMP_HS_DIGEST_LEN];
	unsigned int out_len = SPATE_RTMP_HS_DIGEST_LEN;

	memcpy(msg, sig, skip);
	memcpy(msg + skip, sig + skip + SPATE_RTMP_HS_DIGEST_LEN,
	       SPATE_RTMP_HS_SIZE - SPATE_RTMP_HS_DIGEST_LEN - skip);
	HMAC(EVP_sha256(), key, (int)key_len, msg, sizeof(msg), out, &out_len);
}

int spate_rtmp_hs_digest_valid(const uint8_t *sig,
			       enum spate_rtmp_hs_kind scheme,
			       const uint8_t *key, size_t key_len)
{
	uint8_t d[SPATE_RTMP_HS_DIGEST_LEN];
	uint32_t off = spate_rtmp_hs_digest_offset(sig, scheme);

	spate_rtmp_hs_hmac_sig(sig, off, key, key_len, d);
	return memcmp(d, sig + off, sizeof(d)) == 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Builds S0 S1 S2 from the complete C1.  The digest flavour answers in the
 * scheme the client used: librtmp checks that scheme first and only
 * retries the other one with a warning.
 */
static void hs_reply(struct spate_rtmp_hs *hs, uint8_t *reply,
		     spate_rtmp_random_fn rnd, void *rnd_ctx, uint32_t epoch_s)
{
	uint8_t *s1 = reply + 1, *s2 = reply + 1 + SPATE_RTMP_HS_SIZE;
	const uint8_t *c1 = hs->c1;

	hs->kind = SPATE_RTMP_HS_SIMPLE;
	if (c1[4] | c1[5] | c1[6] | c1[7]) {
		if (spate_rtmp_hs_digest_valid(c1, SPATE_RTMP_HS_DIGEST_SCHEME0,
					       spate_rtmp_hs_fp_key,
					       SPATE_RTMP_HS_FP_KEY_PARTIAL))
			hs->kind = SPATE_RTMP_HS_DIGEST_SCHEME0;
		else if (spate_rtmp_hs_digest_valid(
				 c1, SPATE_RTMP_HS_DIGEST_SCHEME1,
				 spate_rtmp_hs_fp_key,
				 SPATE_RTMP_HS_FP_KEY_PARTIAL))
			hs->kind = SPATE_RTMP_HS_DIGEST_SCHEME1;
	}

	reply[0] = SPATE_RTMP_HS_VERSION;
	put32(s1, epoch_s);
	rnd(rnd_ctx, s1 + 8, SPATE_RTMP_HS_SIZE - 8);

	if (hs->kind == SPATE_RTMP_HS_SIMPLE) {
		memset(s1 + 4, 0, 4);
		memcpy(s2, c1, SPATE_RTMP_HS_SIZE);
		return;
	}

	enum spate_rtmp_hs_kind scheme = (enum spate_rtmp_hs_kind)hs->kind;
	uint8_t key[SPATE_RTMP_HS_DIGEST_LEN];
	uint32_t off;

	memcpy(s1 + 4, server_version, 4);
	off = spate_rtmp_hs_digest_offset(s1, scheme);
	spate_rtmp_hs_hmac_sig(s1, off, spate_rtmp_hs_fms_key,
			       SPATE_RTMP_HS_FMS_KEY_PARTIAL, s1 + off);

	/* S2: random, signed with a key derived from the client's digest. */
	off = spate_rtmp_hs_digest_offset(c1, scheme);
	HMAC(EVP_sha256(), spate_rtmp_hs_fms_key, SPATE_RTMP_HS_FMS_KEY_LEN,
	     c1 + off, SPATE_RTMP_HS_DIGEST_LEN, key, NULL);
	rnd(rnd_ctx, s2, SPATE_RTMP_HS_SIZE - SPATE_RTMP_HS_DIGEST_LEN);
	spate_rtmp_hs_hmac_sig(
		s2, SPATE_RTMP_HS_SIZE - SPATE_RTMP_HS_DIGEST_LEN, key,
		sizeof(key),
		s2 + SPATE_RTMP_HS_SIZE - SPATE_RTMP_HS_DIGEST_LEN);
}

int spate_rtmp_hs_input(struct spate_rtmp_hs *hs, const uint8_t *data,
			size_t len, uint8_t *reply, size_t *reply_len,
			spate_rtmp_random_fn rnd, void *rnd_ctx,
			uint32_t epoch_s)
{
	size_t pos = 0, n;

	*reply_len = 0;
	while (pos < len) {
		switch (hs->state) {
		case SPATE_RTMP_HS_C0:
			if (data[pos] != SPATE_RTMP_HS_VERSION)
				return -EPROTO;
			pos++;
			hs->state = SPATE_RTMP_HS_C1;
			hs->got = 0;
			break;
		case SPATE_RTMP_HS_C1:
			n = SPATE_RTMP_HS_SIZE - hs->got;
			if (n > len - pos)
				n = len - pos;
			memcpy(hs->c1 + hs->got, data + pos, n);
			hs->got += (uint32_t)n;
			pos += n;
			if (hs->got == SPATE_RTMP_HS_SIZE) {
				hs_reply(hs, reply, rnd, rnd_ctx, epoch_s);
				*reply_len = SPATE_RTMP_HS_REPLY_SIZE;
				hs->state = SPATE_RTMP_HS_C2;
				hs->got = 0;
			}
			break;
		case SPATE_RTMP_HS_C2:
			n = SPATE_RTMP_HS_SIZE - hs->got;
			if (n > len - pos)
				n = len - pos;
			hs->got += (uint32_t)n;
			pos += n;
			if (hs->got == SPATE_RTMP_HS_SIZE)
				hs->state = SPATE_RTMP_HS_DONE;
			break;
		default:
			return (int)pos;
		}
	}
	return (int)pos;
}
