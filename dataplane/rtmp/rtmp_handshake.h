/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_rtmp_hs: the server side of the RTMP handshake.
 *
 *   client                      server
 *   C0 (1 byte, version 3)  ->
 *   C1 (1536 bytes)         ->
 *                           <-  S0 S1 S2 (3073 bytes, one write)
 *   C2 (1536 bytes)         ->  done; chunk stream follows
 *
 * Two flavours, chosen by what C1 holds:
 *  - simple: C1's version field (bytes 4..7) is zero, or no valid digest is
 *    found.  S1 = time, zero, random; S2 = echo of C1.
 *  - digest ("complex", Flash Player 9+; ffmpeg, OBS/librtmp and GStreamer
 *    send it): C1 carries an HMAC-SHA256 digest, keyed with the first 30
 *    bytes of the Genuine Flash Player key, at an offset derived from
 *    bytes 8..11 (scheme 0) or 772..775 (scheme 1).  When it validates,
 *    S1 carries our digest (Genuine FMS key, first 36 bytes) at the same
 *    scheme's offset, and S2 is random bytes whose last 32 are an HMAC
 *    keyed with HMAC(full FMS key, client digest).  A C1 with a non-zero
 *    version but no valid digest falls back to simple: nginx-rtmp and the
 *    Flash clients it serves behave the same way.
 *
 * C2 is counted, not checked: publishers echo S1 in it (ffmpeg does), and
 * nothing about a publish depends on it.
 *
 * Randomness comes from a function the caller injects, so tests (and
 * redundant origins) are reproducible.  Knows nothing of sockets.
 */
#ifndef SPATE_RTMP_HANDSHAKE_H
#define SPATE_RTMP_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#define SPATE_RTMP_HS_VERSION	 3
#define SPATE_RTMP_HS_SIZE	 1536 /* C1, C2, S1, S2 */
#define SPATE_RTMP_HS_DIGEST_LEN 32
#define SPATE_RTMP_HS_REPLY_SIZE (1 + 2 * SPATE_RTMP_HS_SIZE) /* S0 S1 S2 */
#define SPATE_RTMP_HS_FP_KEY_LEN 62 /* Genuine Adobe Flash Player 001 + 32 */
#define SPATE_RTMP_HS_FMS_KEY_LEN \
	68 /* Genuine Adobe Flash Media Server 001 +32 */
#define SPATE_RTMP_HS_FP_KEY_PARTIAL  30
#define SPATE_RTMP_HS_FMS_KEY_PARTIAL 36

extern const uint8_t spate_rtmp_hs_fp_key[SPATE_RTMP_HS_FP_KEY_LEN];
extern const uint8_t spate_rtmp_hs_fms_key[SPATE_RTMP_HS_FMS_KEY_LEN];

/* Fills buf with len random bytes. */
typedef void (*spate_rtmp_random_fn)(void *ctx, void *buf, size_t len);

enum spate_rtmp_hs_state {
	SPATE_RTMP_HS_C0,
	SPATE_RTMP_HS_C1,
	SPATE_RTMP_HS_C2,
	SPATE_RTMP_HS_DONE,
};

enum spate_rtmp_hs_kind {
	SPATE_RTMP_HS_SIMPLE,
	SPATE_RTMP_HS_DIGEST_SCHEME0,
	SPATE_RTMP_HS_DIGEST_SCHEME1,
};

struct spate_rtmp_hs {
	uint8_t state; /* enum spate_rtmp_hs_state */
	uint8_t kind;  /* enum spate_rtmp_hs_kind, known after C1 */
	uint16_t reserved;
	uint32_t got; /* bytes of C1 / C2 received */
	uint8_t c1[SPATE_RTMP_HS_SIZE];
};

static inline void spate_rtmp_hs_init(struct spate_rtmp_hs *hs)
{
	hs->state = SPATE_RTMP_HS_C0;
	hs->kind = SPATE_RTMP_HS_SIMPLE;
	hs->got = 0;
}

/*
 * Feeds client bytes; consumes only handshake bytes (stops after C2, the
 * rest of the input is chunk stream).  When C1 completes, writes S0 S1 S2
 * into reply (SPATE_RTMP_HS_REPLY_SIZE bytes) and sets *reply_len; the
 * caller sends them.  epoch_s is S1's time field.
 * Returns the bytes consumed, or -EPROTO when C0 is not version 3.
 */
int spate_rtmp_hs_input(struct spate_rtmp_hs *hs, const uint8_t *data,
			size_t len, uint8_t *reply, size_t *reply_len,
			spate_rtmp_random_fn rnd, void *rnd_ctx,
			uint32_t epoch_s);

/* ---- Building blocks, public for tests and test clients ------------------ */

/*
 * Digest position in a 1536-byte C1/S1 for a scheme: 8..11 summed mod 728
 * + 12 (scheme 0), 772..775 summed mod 728 + 776 (scheme 1).
 */
uint32_t spate_rtmp_hs_digest_offset(const uint8_t *sig,
				     enum spate_rtmp_hs_kind scheme);

/*
 * HMAC-SHA256 over the 1536-byte sig without the 32 bytes at offset skip
 * (a digest's own position; skip = 1504 covers the first 1504 bytes, the
 * S2/C2 form).
 */
void spate_rtmp_hs_hmac_sig(const uint8_t *sig, uint32_t skip,
			    const uint8_t *key, size_t key_len,
			    uint8_t out[SPATE_RTMP_HS_DIGEST_LEN]);

/*
 * Checks sig's digest at scheme's offset with key (partial key length).
 * 1 valid, 0 not.
 */
int spate_rtmp_hs_digest_valid(const uint8_t *sig,
			       enum spate_rtmp_hs_kind scheme,
			       const uint8_t *key, size_t key_len);

#endif /* SPATE_RTMP_HANDSHAKE_H */
