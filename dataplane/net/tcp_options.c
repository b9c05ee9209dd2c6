/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP option parsing and writing: MSS (RFC 9293), window scale and
 * timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018).
 *
 * The parser is a pure function over bytes, bounded by the header length,
 * and rejects rather than guesses: a length byte that is missing, below 2,
 * runs past the header, or does not match the option's fixed size makes the
 * whole segment malformed.  Unknown options are skipped by their length.
 */
#include <errno.h>
#include <string.h>

#include "tcp_impl.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACK_PERM = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
};

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int tcp_options_parse(const uint8_t *p, uint32_t len, struct tcp_opts *o)
{
	uint32_t i = 0, olen, k;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i];

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		switch (kind) {
		case OPT_MSS:
			if (olen != 4)
				return -EINVAL;
			o->flags |= TCP_OPT_F_MSS;
			o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			break;
		case OPT_WSCALE:
			if (olen != 3)
				return -EINVAL;
			o->flags |= TCP_OPT_F_WSCALE;
			/* RFC 7323 2.3: larger values are treated as 14. */
			o->wscale = p[i + 2] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE
							       : p[i + 2];
			break;
		case OPT_SACK_PERM:
			if (olen != 2)
				return -EINVAL;
			o->flags |= TCP_OPT_F_SACK_PERM;
			break;
		case OPT_TS:
			if (olen != 10)
				return -EINVAL;
			o->flags |= TCP_OPT_F_TS;
			o->tsval = get_be32(&p[i + 2]);
			o->tsecr = get_be32(&p[i + 6]);
			break;
		case OPT_SACK:
			if ((olen - 2) % 8 != 0 || olen == 2 ||
			    (olen - 2) / 8 > TCP_OPT_SACK_MAX)
				return -EINVAL;
			o->flags |= TCP_OPT_F_SACK;
			o->nsack = (uint8_t)((olen - 2) / 8);
			for (k = 0; k < o->nsack; k++) {
				o->sack[k].start = get_be32(&p[i + 2 + 8 * k]);
				o->sack[k].end = get_be32(&p[i + 6 + 8 * k]);
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

uint32_t tcp_options_write_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = OPT_NOP;
	p[1] = OPT_NOP;
	p[2] = OPT_TS;
	p[3] = 10;
	put_be32(&p[4], tsval);
	put_be32(&p[8], tsecr);
	return TCP_OPT_TS_LEN;
}

uint32_t tcp_options_write_synack(uint8_t *p, uint16_t mss, int ws_ok,
				  uint8_t wscale, int ts_ok, uint32_t tsval,
				  uint32_t tsecr, int sack_ok)
{
	uint32_t n = 0;

	p[n++] = OPT_MSS;
	p[n++] = 4;
	p[n++] = (uint8_t)(mss >> 8);
	p[n++] = (uint8_t)mss;
	if (ws_ok) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_WSCALE;
		p[n++] = 3;
		p[n++] = wscale;
	}
	if (ts_ok)
		n += tcp_options_write_ts(&p[n], tsval, tsecr);
	if (sack_ok) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_NOP;
		p[n++] = OPT_SACK_PERM;
		p[n++] = 2;
	}
	return n;
}
