/* SPDX-License-Identifier: BSD-3-Clause */
/* TS bytes → demuxer → packager; see ts_pipeline.h. */
#include "ts_pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../codec/codec.h"
#include "../packager/packager_internal.h"

/* 348 packets: a multiple of 188 and of a 7-packet UDP datagram. */
#define TS_READ_BYTES (348 * SPATE_TS_PACKET_SIZE)

struct ts_pipeline {
	struct spate_packager *p;
	unsigned streams;
};

int spate_ts_read_fd(void *opaque, uint8_t *buf, size_t size)
{
	int fd = *(const int *)opaque;
	ssize_t n;

	do {
		n = read(fd, buf, size);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (int)n;
}

static int on_stream(void *ctx, const struct spate_ts_stream *s)
{
	struct ts_pipeline *tp = ctx;
	int rc;

	if (s->unsupported != NULL) {
		pkg_log(tp->p, 1,
			"TS PID %u (program %u, stream_type 0x%02x) skipped: %s",
			s->pid, s->program_number, s->stream_type,
			s->unsupported);
		return -ENOTSUP;
	}
	rc = spate_packager_add_stream(tp->p, &s->desc);
	if (rc < 0) {
		pkg_log(tp->p, 1, "TS PID %u (program %u, %s) skipped: %s",
			s->pid, s->program_number,
			spate_codec_name(s->desc.codec),
			rc == -EBUSY ? "appeared after packaging started"
				     : strerror(-rc));
		return rc;
	}
	tp->streams++;
	return rc;
}

static int on_packet(void *ctx, uint16_t pid,
		     const struct spate_pkg_packet *pkt)
{
	struct ts_pipeline *tp = ctx;

	(void)pid;
	return spate_packager_write(tp->p, pkt);
}

static void on_stream_end(void *ctx, uint16_t pid, int index)
{
	struct ts_pipeline *tp = ctx;

	pkg_log(tp->p, 1, "TS PID %u (stream %d) left its PMT", pid, index);
}

static void log_stats(struct spate_packager *p, const struct spate_ts_stats *s)
{
	if (s->sync_losses + s->cc_errors + s->tei_packets + s->psi_crc_errors +
		    s->pes_header_errors + s->pes_dropped + s->pes_oversize +
		    s->es_errors ==
	    0)
		return;
	pkg_log(p, 1,
		"TS input damage: %llu sync losses (%llu bytes skipped), "
		"%llu CC errors, %llu TEI packets, %llu PSI CRC errors, "
		"%llu bad PES headers, %llu PES dropped, %llu oversize, "
		"%llu framing errors",
		(unsigned long long)s->sync_losses,
		(unsigned long long)s->bytes_skipped,
		(unsigned long long)s->cc_errors,
		(unsigned long long)s->tei_packets,
		(unsigned long long)s->psi_crc_errors,
		(unsigned long long)s->pes_header_errors,
		(unsigned long long)s->pes_dropped,
		(unsigned long long)s->pes_oversize,
		(unsigned long long)s->es_errors);
}

int spate_ts_pipeline_run(const struct spate_ts_pipeline_input *in,
			  struct spate_packager *p, volatile sig_atomic_t *stop)
{
	struct ts_pipeline tp = {.p = p};
	struct spate_ts_config cfg;
	struct spate_ts_demux *d;
	struct spate_ts_stats st;
	uint8_t *buf;
	int rc, frc;

	if (in->cfg != NULL)
		cfg = *in->cfg;
	else
		spate_ts_config_defaults(&cfg);
	cfg.ctx = &tp;
	cfg.on_stream = on_stream;
	cfg.on_packet = on_packet;
	cfg.on_stream_end = on_stream_end;
	buf = malloc(TS_READ_BYTES);
	if (buf == NULL)
		return -ENOMEM;
	rc = spate_ts_demux_create(&d, &cfg);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	rc = in->prefix_len > 0
		     ? spate_ts_demux_input(d, in->prefix, in->prefix_len)
		     : 0;
	while (rc == 0 && (stop == NULL || !*stop)) {
		int n = in->read(in->opaque, buf, TS_READ_BYTES);

		if (n <= 0) {
			rc = n;
			break;
		}
		rc = spate_ts_demux_input(d, buf, (size_t)n);
	}
	if (rc == 0)
		rc = spate_ts_demux_finish(d);
	if (rc < 0)
		pkg_log(p, 0, "TS input stopped: %s", strerror(-rc));
	spate_ts_demux_stats(d, &st);
	log_stats(p, &st);
	if (in->stats != NULL)
		*in->stats = st;
	spate_ts_demux_destroy(d);
	free(buf);
	if (tp.streams == 0) {
		pkg_log(p, 0, "TS input has no stream spate can package");
		return rc < 0 ? rc : -ENOENT;
	}
	frc = spate_packager_finish(p);
	return rc < 0 ? rc : frc;
}
