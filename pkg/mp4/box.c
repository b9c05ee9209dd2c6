/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small field encoders shared by the init and fragment writers: the unity
 * matrix, brand lists, MPEG-4 descriptor headers and packed languages.  They
 * only append to a spate_buf; validation of what they are given belongs to
 * the callers in init.c and fragment.c.
 */
#include "box.h"

void mp4_put_unity_matrix(struct spate_buf *b)
{
	/* { a, b, u, c, d, v, x, y, w }: a = d = 1.0 (16.16), w = 1.0 (2.30).
	 */
	static const uint32_t unity[9] = {
		0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000,
	};

	for (size_t i = 0; i < 9; i++)
		spate_buf_put_be32(b, unity[i]);
}

void mp4_put_brands(struct spate_buf *b, const char *box_type,
		    const char *major, uint32_t minor,
		    const char *const *compatible, size_t n)
{
	size_t box = mp4_box_open(b, box_type);

	spate_buf_put_fourcc(b, major);
	spate_buf_put_be32(b, minor);
	for (size_t i = 0; i < n; i++)
		spate_buf_put_fourcc(b, compatible[i]);
	mp4_box_close(b, box);
}

size_t mp4_descriptor_header_size(uint32_t body_size)
{
	size_t n = 1;

	while (body_size >= 0x80) {
		body_size >>= 7;
		n++;
	}
	return 1 + n; /* tag byte + size bytes */
}

void mp4_put_descriptor_header(struct spate_buf *b, uint8_t tag,
			       uint32_t body_size)
{
	size_t n = mp4_descriptor_header_size(body_size) - 1;

	spate_buf_put_u8(b, tag);
	/* Most significant 7-bit group first; bit 7 set on all but the last. */
	while (n-- > 0) {
		uint8_t v = (uint8_t)((body_size >> (7 * n)) & 0x7f);

		spate_buf_put_u8(b, n > 0 ? (uint8_t)(v | 0x80) : v);
	}
}

uint16_t mp4_pack_language(const char *lang)
{
	const char *use = "und";
	uint16_t packed = 0;

	if (lang != NULL && lang[0] >= 'a' && lang[0] <= 'z' &&
	    lang[1] >= 'a' && lang[1] <= 'z' && lang[2] >= 'a' &&
	    lang[2] <= 'z' && lang[3] == '\0')
		use = lang;
	for (int i = 0; i < 3; i++)
		packed = (uint16_t)((packed << 5) | (uint16_t)(use[i] - 0x60));
	return packed;
}
