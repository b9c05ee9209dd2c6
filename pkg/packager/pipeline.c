/* SPDX-License-Identifier: BSD-3-Clause */
/* Demuxer → packager loop; see pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "packager_internal.h"

#define PIPELINE_MAX_STREAMS 64

int spate_pkg_pipeline_run(struct spate_demux *d, struct spate_packager *p,
			   volatile sig_atomic_t *stop)
{
	int map[PIPELINE_MAX_STREAMS];
	unsigned n = spate_demux_stream_count(d), used = 0;
	struct spate_pkg_packet pkt;
	struct spate_pkg_stream s;
	const char *why;
	int rc = 0, frc;

	for (unsigned i = 0; i < PIPELINE_MAX_STREAMS; i++)
		map[i] = -1;
	for (unsigned i = 0; i < n && i < PIPELINE_MAX_STREAMS; i++) {
		rc = spate_demux_describe(d, i, &s, &why);
		if (rc == 0)
			rc = spate_packager_add_stream(p, &s);
		if (rc >= 0) {
			map[i] = rc;
			used++;
			continue;
		}
		pkg_log(p, 1, "input stream %u skipped: %s", i,
			why != NULL ? why : strerror(-rc));
	}
	if (used == 0) {
		pkg_log(p, 0, "input has no stream spate can package");
		return -ENOENT;
	}

	rc = 0;
	while (stop == NULL || !*stop) {
		rc = spate_demux_read(d, &pkt);
		if (rc != 0)
			break;
		if (pkt.stream < 0 || pkt.stream >= PIPELINE_MAX_STREAMS ||
		    map[pkt.stream] < 0)
			continue;
		pkt.stream = map[pkt.stream];
		rc = spate_packager_write(p, &pkt);
		if (rc < 0)
			break;
	}
	if (rc == 1) {
		rc = 0;
	} else if (rc < 0) {
		pkg_log(p, 0, "input stopped: %s", strerror(-rc));
	}
	frc = spate_packager_finish(p);
	return rc < 0 ? rc : frc;
}
