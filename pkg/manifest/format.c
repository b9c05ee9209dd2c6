/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text primitives of the manifest writers: exact decimals from integer
 * ratios, xs:duration, and escaping of strings that come from configuration
 * or from the input (rendition ids, codec strings, languages, UTCTiming).
 *
 * Decimals are printed with integer arithmetic only.  printf("%f") would
 * depend on the C locale (a "," decimal point after setlocale) and on binary
 * floating point rounding; redundant origins must write identical bytes.
 */
#include <inttypes.h>

#include "manifest_priv.h"

uint64_t spate_mf_muldiv(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 r = (unsigned __int128)a * b / c;

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

uint64_t spate_mf_muldiv_round(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 r =
		((unsigned __int128)a * b * 2 + c) / (2 * (unsigned __int128)c);

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

/* Floor division that stays correct for negative media times. */
static int64_t floor_div(__int128 a, int64_t b)
{
	__int128 q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return (int64_t)q;
}

int64_t spate_mf_ts_to_ms_floor(int64_t t, uint32_t timescale)
{
	return floor_div((__int128)t * 1000, (int64_t)timescale);
}

int64_t spate_mf_ts_to_ms_ceil(int64_t t, uint32_t timescale)
{
	return -floor_div(-(__int128)t * 1000, (int64_t)timescale);
}

static uint64_t pow10_u64(unsigned n)
{
	uint64_t v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

void spate_mf_put_decimal(struct spate_buf *out, uint64_t num, uint64_t den,
			  unsigned decimals)
{
	uint64_t scale = pow10_u64(decimals);
	uint64_t q = spate_mf_muldiv_round(num, scale, den);

	if (decimals == 0) {
		spate_buf_printf(out, "%" PRIu64, q);
		return;
	}
	spate_buf_printf(out, "%" PRIu64 ".%0*" PRIu64, q / scale,
			 (int)decimals, q % scale);
}

void spate_mf_put_decimal_trim(struct spate_buf *out, uint64_t num,
			       uint64_t den, unsigned decimals)
{
	uint64_t scale = pow10_u64(decimals);
	uint64_t q = spate_mf_muldiv_round(num, scale, den);
	uint64_t frac = q % scale;
	unsigned digits = decimals;

	spate_buf_printf(out, "%" PRIu64, q / scale);
	if (frac == 0)
		return;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	spate_buf_printf(out, ".%0*" PRIu64, (int)digits, frac);
}

void spate_mf_put_xs_duration_ms(struct spate_buf *out, int64_t ms)
{
	spate_buf_put_str(out, "PT");
	spate_mf_put_decimal_trim(out, ms > 0 ? (uint64_t)ms : 0, 1000, 3);
	spate_buf_put_str(out, "S");
}

void spate_mf_put_xml_attr(struct spate_buf *out, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&':
			spate_buf_put_str(out, "&amp;");
			break;
		case '<':
			spate_buf_put_str(out, "&lt;");
			break;
		case '>':
			spate_buf_put_str(out, "&gt;");
			break;
		case '"':
			spate_buf_put_str(out, "&quot;");
			break;
		case '\'':
			spate_buf_put_str(out, "&apos;");
			break;
		default:
			/* XML 1.0 forbids most C0 controls even escaped. */
			if (c < 0x20)
				break;
			spate_buf_put_u8(out, c);
		}
	}
}

void spate_mf_put_hls_quoted(struct spate_buf *out, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c < 0x20 || c == 0x7f)
			continue;
		spate_buf_put_u8(out, c);
	}
}

int spate_mf_has_language(const struct spate_track_info *t)
{
	return t->language[0] != '\0' &&
	       strncmp(t->language, "und", sizeof(t->language)) != 0;
}

static uint32_t gcd_u32(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

int spate_mf_frame_rate(const struct spate_track_info *t, uint32_t *num,
			uint32_t *den)
{
	uint32_t g;

	if (t->frame_rate_num == 0 || t->frame_rate_den == 0)
		return 0;
	g = gcd_u32(t->frame_rate_num, t->frame_rate_den);
	*num = t->frame_rate_num / g;
	*den = t->frame_rate_den / g;
	return 1;
}
