/* SPDX-License-Identifier: BSD-3-Clause */
/* Demuxer choice by sniffing, with the sniffed bytes replayed; see input.h. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline.h"
#include "ts/ts_pipeline.h"

/* Enough for spate_ts_sniff (3 packets) with room to spare. */
#define SNIFF_BYTES 1024

/* A byte source that first hands back what the sniffer read. */
struct replay {
	const uint8_t *prefix;
	size_t len, off;
	int fd;
};

static int replay_read(void *opaque, uint8_t *buf, int size)
{
	struct replay *r = opaque;
	ssize_t n;

	if (r->off < r->len) {
		size_t k = r->len - r->off < (size_t)size ? r->len - r->off
							  : (size_t)size;

		memcpy(buf, r->prefix + r->off, k);
		r->off += k;
		return (int)k;
	}
	do {
		n = read(r->fd, buf, (size_t)size);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (int)n;
}

/* Reads up to cap bytes, waiting for a pipe to deliver them. */
static ssize_t read_head(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int run_lavf_url(const char *url, const struct spate_demux_options *opt,
			struct spate_packager *p, volatile sig_atomic_t *stop,
			const char **used)
{
	struct spate_demux *d;
	int rc = spate_demux_open(&d, url, opt);

	if (rc < 0)
		return rc;
	*used = spate_demux_format_name(d);
	rc = spate_pkg_pipeline_run(d, p, stop);
	spate_demux_close(d);
	return rc;
}

int spate_pkg_run_input(const char *input, enum spate_input_demux how,
			const struct spate_demux_options *opt,
			struct spate_packager *p, volatile sig_atomic_t *stop,
			const char **used)
{
	bool is_stdin = strcmp(input, "-") == 0;
	uint8_t head[SNIFF_BYTES];
	struct replay rp;
	struct spate_demux *d;
	struct stat st;
	ssize_t n;
	int fd, rc;

	*used = "?";
	if (opt != NULL && opt->format != NULL)
		how = strcmp(opt->format, "mpegts") == 0 ? SPATE_INPUT_TS
							 : SPATE_INPUT_LAVF;
	if (!is_stdin && (how == SPATE_INPUT_LAVF || strstr(input, "://")))
		return run_lavf_url(input, opt, p, stop, used);

	fd = is_stdin ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_head(fd, head, sizeof(head));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	if (how == SPATE_INPUT_TS ||
	    (how == SPATE_INPUT_AUTO && spate_ts_sniff(head, (size_t)n))) {
		struct spate_ts_pipeline_input in = {
			.read = spate_ts_read_fd,
			.opaque = &fd,
			.prefix = head,
			.prefix_len = (size_t)n,
		};

		*used = "spate-ts";
		rc = spate_ts_pipeline_run(&in, p, stop);
		goto out;
	}
	if (!is_stdin && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		/* A file libavformat can seek in: let it open it itself. */
		close(fd);
		return run_lavf_url(input, opt, p, stop, used);
	}
	rp = (struct replay){.prefix = head, .len = (size_t)n, .fd = fd};
	rc = spate_demux_open_callback(&d, replay_read, &rp, opt);
	if (rc == 0) {
		*used = spate_demux_format_name(d);
		rc = spate_pkg_pipeline_run(d, p, stop);
		spate_demux_close(d);
	}
out:
	if (!is_stdin)
		close(fd);
	return rc;
}
