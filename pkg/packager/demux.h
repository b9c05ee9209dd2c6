/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_demux: libavformat as the container layer in front of the
 * packager.  Opens anything libavformat reads (file, pipe, "-" for stdin,
 * or a read callback so the dataplane can feed ingest bytes from memory),
 * describes its streams in packager terms and reads access units.
 *
 * libavformat owns container parsing (FLV, MPEG-TS, MP4, ...) and its own
 * resynchronisation on corrupt input; everything codec-level is ours
 * (pkg/codec), because the packager must produce byte-exact output.
 */
#ifndef SPATE_PKG_DEMUX_H
#define SPATE_PKG_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "packager.h"

struct spate_demux;

/* Reads up to `size` bytes into buf; bytes read, 0 at end of input, or a
 * negative errno. */
typedef int (*spate_demux_read_fn)(void *opaque, uint8_t *buf, int size);

struct spate_demux_options {
	const char *format;	    /* force a container ("mpegts"), or NULL */
	uint32_t probe_bytes;	    /* 0: 5 MB */
	uint32_t analyze_ms;	    /* 0: 3000 */
};

/* Opens a URL or path; "-" reads standard input.  0 or negative errno. */
int spate_demux_open(struct spate_demux **out, const char *url,
		     const struct spate_demux_options *opt);

/* Opens a byte source given as a read callback. */
int spate_demux_open_callback(struct spate_demux **out,
			      spate_demux_read_fn read, void *opaque,
			      const struct spate_demux_options *opt);

unsigned spate_demux_stream_count(const struct spate_demux *d);

/*
 * Describes stream i for spate_packager_add_stream().  Pointers inside *s
 * stay valid until the demuxer is closed.  -ENOTSUP for streams spate does
 * not package (data, subtitles, unsupported codecs); *why names it.
 */
int spate_demux_describe(const struct spate_demux *d, unsigned i,
			 struct spate_pkg_stream *s, const char **why);

/*
 * Reads the next access unit: 0 with *pkt filled (pkt->stream is the
 * demuxer's stream index, data valid until the next call), 1 at the end of
 * the input, or a negative errno.
 */
int spate_demux_read(struct spate_demux *d, struct spate_pkg_packet *pkt);

/* Container name for logs ("mpegts", "flv"). */
const char *spate_demux_format_name(const struct spate_demux *d);

void spate_demux_close(struct spate_demux *d);

#endif /* SPATE_PKG_DEMUX_H */
