/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Choosing the demuxer for an input: MPEG-TS (files, pipes, stdin) goes
 * through spate's own demuxer (pkg/ts: fuzzed, no probe decoding, seven
 * times libavformat's parsing speed); everything else — FLV, MP4, MKV, URLs
 * — through libavformat (demux.h).  The choice is made by sniffing the first
 * bytes, which are then replayed, so pipes work as well as files.
 *
 * Pipes, FIFOs and stdin are read so that a stop request is honoured within
 * 100 ms even while the input is silent (FIFOs are opened non-blocking, so
 * a missing writer does not hang start-up either).  A libavformat URL is
 * read by libavformat and only sees the stop flag between packets.
 */
#ifndef SPATE_PKG_INPUT_H
#define SPATE_PKG_INPUT_H

#include <signal.h>

#include "demux.h"
#include "packager.h"

enum spate_input_demux {
	SPATE_INPUT_AUTO = 0, /* sniff: TS → pkg/ts, else libavformat */
	SPATE_INPUT_TS,	      /* always pkg/ts */
	SPATE_INPUT_LAVF,     /* always libavformat */
};

/*
 * Packages `input` (a path, "-" for stdin, or a URL for libavformat) into
 * p until its end or *stop, and finishes p.  *used names the demuxer that
 * ran ("spate-ts", or libavformat's format name), for logs.  Returns 0, or
 * a negative errno (-ENOENT: nothing packageable; open/read errors).
 */
int spate_pkg_run_input(const char *input, enum spate_input_demux how,
			const struct spate_demux_options *opt,
			struct spate_packager *p, volatile sig_atomic_t *stop,
			const char **used);

#endif /* SPATE_PKG_INPUT_H */
