/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MPEG-TS packaging loop: TS bytes → spate_ts_demux → spate_packager,
 * the counterpart of spate_pkg_pipeline_run() (pipeline.h) for inputs that
 * sniff as TS (spate_ts_sniff).  No libavformat, no probe decoding.
 *
 * Streams are declared to the packager as the demuxer announces them; the
 * demuxer's start-up probe makes sure that happens before the first
 * packet.  A stream appearing later (a new PMT version) cannot join a
 * started packager (-EBUSY): it is logged and skipped.
 *
 * Lives outside spate_pkg_core because it calls the packager.
 */
#ifndef SPATE_PKG_TS_PIPELINE_H
#define SPATE_PKG_TS_PIPELINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_demux.h"

/* Reads up to `size` bytes; bytes read, 0 at end of input, or -errno. */
typedef int (*spate_ts_read_fn)(void *opaque, uint8_t *buf, size_t size);

/* A spate_ts_read_fn over a file descriptor; opaque points to the int. */
int spate_ts_read_fd(void *opaque, uint8_t *buf, size_t size);

struct spate_ts_pipeline_input {
	spate_ts_read_fn read;
	void *opaque;
	/* Bytes already read (e.g. by the sniffer), parsed first. */
	const uint8_t *prefix;
	size_t prefix_len;
	/* Demuxer settings (callbacks are ours), NULL for the defaults. */
	const struct spate_ts_config *cfg;
	/* When not NULL, receives the demuxer's counters at the end. */
	struct spate_ts_stats *stats;
};

/*
 * Feeds the input to `p` until its end, a read error, or *stop becoming
 * non-zero, then calls spate_packager_finish().  Returns 0 at a clean end
 * or stop, -ENOENT when no packageable stream was found, or the read or
 * packager error (the output is still finished).
 */
int spate_ts_pipeline_run(const struct spate_ts_pipeline_input *in,
			  struct spate_packager *p,
			  volatile sig_atomic_t *stop);

#endif /* SPATE_PKG_TS_PIPELINE_H */
