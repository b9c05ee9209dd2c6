/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packaging loop: demuxer → packager until the input ends or the
 * caller asks to stop.  spate-pkg runs it on its main thread; the dataplane
 * runs it on its packager thread over a callback demuxer fed from ingest.
 */
#ifndef SPATE_PKG_PIPELINE_H
#define SPATE_PKG_PIPELINE_H

#include <signal.h>

#include "demux.h"
#include "packager.h"

/*
 * Declares every packageable stream of `d` to `p` (logging the ones it
 * skips and why), then feeds packets until the end of the input, an input
 * error, or *stop becoming non-zero, and finally calls
 * spate_packager_finish().  Returns 0 at a clean end of input or stop,
 * -ENOENT when the input has no packageable stream, or the input/packager
 * error (the output is still finished, so what was received is published).
 */
int spate_pkg_pipeline_run(struct spate_demux *d, struct spate_packager *p,
			   volatile sig_atomic_t *stop);

#endif /* SPATE_PKG_PIPELINE_H */
