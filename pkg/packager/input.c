/* SPDX-License-Identifier: BSD-3-Clause */
/* Demuxer choice by sniffing, with the sniffed bytes replayed; see input.h. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline.h"
#include "ts/ts_pipeline.h"

/* Enough for spate_ts_sniff (3 packets) with room to spare. */
#define SNIFF_BYTES 1024

/*
 * The input descriptor, read so that a stop request is seen within 100 ms
 * even when a pipe or FIFO stays silent (an encoder that hung, a FIFO
 * whose writer has not come yet): a live channel must always be stoppable.
 */
struct fd_source {
	int fd;
	volatile sig_atomic_t *stop;
};

static ssize_t source_read(struct fd_source *s, uint8_t *buf, size_t size)
{
	for (;;) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		ssize_t r;
		int n;

		if (s->stop != NULL && *s->stop)
			return 0; /* a clean end: the packager finishes */
		n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		r = read(s->fd, buf, size);
		if (r >= 0)
			return r; /* 0: end of file, or every writer left */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

static int ts_source_read(void *opaque, uint8_t *buf, size_t size)
{
	return (int)source_read(opaque, buf, size);
}

/* A byte source that first hands back what the sniffer read. */
struct replay {
	const uint8_t *prefix;
	size_t len, off;
	struct fd_source *src;
};

static int replay_read(void *opaque, uint8_t *buf, int size)
{
	struct replay *r = opaque;

	if (r->off < r->len) {
		size_t k = r->len - r->off < (size_t)size ? r->len - r->off
							  : (size_t)size;

		memcpy(buf, r->prefix + r->off, k);
		r->off += k;
		return (int)k;
	}
	return (int)source_read(r->src, buf, (size_t)size);
}

/* Reads up to cap bytes, waiting for a pipe to deliver them. */
static ssize_t read_head(struct fd_source *s, uint8_t *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = source_read(s, buf + got, cap - got);

		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * Opens a path: FIFOs without O_NONBLOCK would block until a writer
 * appears, before any stop request could be seen.
 */
static int open_input(const char *path)
{
	struct stat st;
	int flags = O_RDONLY | O_CLOEXEC;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		flags |= O_NONBLOCK;
	return open(path, flags);
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
	struct fd_source src;
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

	fd = is_stdin ? STDIN_FILENO : open_input(input);
	if (fd < 0)
		return -errno;
	src = (struct fd_source){.fd = fd, .stop = stop};
	n = read_head(&src, head, sizeof(head));
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	if (how == SPATE_INPUT_TS ||
	    (how == SPATE_INPUT_AUTO && spate_ts_sniff(head, (size_t)n))) {
		struct spate_ts_pipeline_input in = {
			.read = ts_source_read,
			.opaque = &src,
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
	rp = (struct replay){.prefix = head, .len = (size_t)n, .src = &src};
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
