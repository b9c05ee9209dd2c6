/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISO BMFF box plumbing shared by the init and fragment writers (private to
 * pkg/mp4; not installed, not part of mp4.h).
 *
 * A box is opened by appending a zero size and its type, children are
 * appended behind it, and closing patches the real size in.  That lets every
 * writer emit boxes in one forward pass over a spate_buf with no size
 * precomputation, which matters for moof where sizes depend on the per-sample
 * fields chosen.  Sizes are always the 32-bit form: the public writers refuse
 * input that could produce a box of 4 GiB or more, so largesize is never
 * needed and output stays byte-for-byte predictable.
 *
 * Nothing here allocates outside spate_buf, and nothing here knows about
 * codecs or tracks.
 */
#ifndef SPATE_PKG_MP4_BOX_H
#define SPATE_PKG_MP4_BOX_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "../buf.h"

/* Bytes of a plain box header (size + type) and of a full box header. */
#define MP4_BOX_HEADER_SIZE	 8
#define MP4_FULL_BOX_HEADER_SIZE 12

/*
 * Opens box `type` (exactly four characters) and returns the offset its
 * header starts at, to be handed to mp4_box_close().
 */
static inline size_t mp4_box_open(struct spate_buf *b, const char *type)
{
	size_t start = b->len;

	spate_buf_put_be32(b, 0); /* patched by mp4_box_close() */
	spate_buf_put_fourcc(b, type);
	return start;
}

/* Opens a FullBox: the plain header followed by version and 24-bit flags. */
static inline size_t mp4_full_box_open(struct spate_buf *b, const char *type,
				       uint8_t version, uint32_t flags)
{
	size_t start = mp4_box_open(b, type);

	spate_buf_put_u8(b, version);
	spate_buf_put_be24(b, flags);
	return start;
}

/*
 * Patches the size of the box opened at `start` to cover everything appended
 * since.  A box that would not fit the 32-bit size field poisons the buffer
 * with -EOVERFLOW rather than writing a wrong size; the public writers check
 * their limits first, so reaching that is a bug, not bad input.
 */
static inline void mp4_box_close(struct spate_buf *b, size_t start)
{
	size_t size;

	if (b->error)
		return;
	size = b->len - start;
	if (size > UINT32_MAX) {
		b->error = -EOVERFLOW;
		return;
	}
	spate_buf_patch_be32(b, start, (uint32_t)size);
}

/* The unity transformation matrix of mvhd and tkhd (16.16 and 2.30 fixed). */
void mp4_put_unity_matrix(struct spate_buf *b);

/*
 * Appends an ftyp or styp body-and-header: major brand, minor version and
 * `n` compatible brands, each four characters.
 */
void mp4_put_brands(struct spate_buf *b, const char *box_type,
		    const char *major, uint32_t minor,
		    const char *const *compatible, size_t n);

/*
 * Appends an MPEG-4 Systems descriptor header (ISO/IEC 14496-1 8.3.3): tag
 * and the body size in the shortest 7-bits-per-byte form.  Always the
 * shortest form, so the same sizes give the same bytes.
 */
void mp4_put_descriptor_header(struct spate_buf *b, uint8_t tag,
			       uint32_t body_size);

/* Bytes mp4_put_descriptor_header() emits for a body of `body_size`. */
size_t mp4_descriptor_header_size(uint32_t body_size);

/*
 * ISO-639-2/T code packed as mdhd wants it (three 5-bit letters, each minus
 * 0x60).  Anything that is not three lowercase ASCII letters packs as "und",
 * so a malformed tag cannot produce an invalid mdhd.
 */
uint16_t mp4_pack_language(const char *lang);

#endif /* SPATE_PKG_MP4_BOX_H */
