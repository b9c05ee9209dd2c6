/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TEMPORARY TEST HOOKS — not a production path.
 *
 * Two tiny responders that prove the TCP stack end to end with real
 * clients until the HTTP layer is wired in:
 *
 *   --echo-port N    TCP echo.  Each connection gets a ring buffer as large
 *                    as the receive window; received bytes are copied into
 *                    it once and sent back *by reference* from it (the same
 *                    path the cache will use), and the receive window is
 *                    held until the echo is acknowledged, so a fast client
 *                    is throttled by TCP flow control, never dropped.
 *   --hello-port N   one HTTP/1.0 answer per connection, then close: the
 *                    body is "hello\n" or the file given by --hello-file,
 *                    loaded once into a refcounted buffer shared by all
 *                    lcores and sent by reference (zero copy).
 *
 * They allocate per connection with rte_malloc, which the real protocol
 * layers must not do.  Delete this file when dataplane/http is connected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "app.h"

/* Set once before workers start; read-only afterwards. */
static struct spate_app *hooks_app;

/* --- echo -------------------------------------------------------------- */

struct echo_conn {
	struct spate_extbuf *ring;
	uint32_t wpos;
};

static int echo_accept(struct spate_tcp_conn *c, void *listen_ctx,
		       void **conn_ctx)
{
	struct spate_app *app = listen_ctx;
	struct echo_conn *e;

	RTE_SET_USED(c);
	e = rte_zmalloc("echo_conn", sizeof(*e), 0);
	if (e == NULL)
		return -ENOMEM;
	e->ring = spate_extbuf_alloc(app->net_conf.rcv_wnd_bytes,
				     (int)rte_socket_id());
	if (e->ring == NULL) {
		rte_free(e);
		return -ENOMEM;
	}
	*conn_ctx = e;
	return 0;
}

static void echo_data(struct spate_tcp_conn *c, void *ctx, const uint8_t *data,
		      uint32_t len)
{
	struct echo_conn *e = ctx;
	uint32_t size = e->ring->len;

	while (len > 0) {
		uint32_t n = RTE_MIN(len, size - e->wpos);

		memcpy(e->ring->data + e->wpos, data, n);
		if (spate_tcp_send_ref(c, e->ring, e->wpos, n) < 0) {
			spate_tcp_abort(c);
			return;
		}
		/* Until acked, these bytes occupy the ring: shrink the window. */
		spate_tcp_rx_hold(c, n);
		e->wpos = (e->wpos + n) % size;
		data += n;
		len -= n;
	}
}

static void echo_sent(struct spate_tcp_conn *c, void *ctx, uint32_t acked)
{
	RTE_SET_USED(ctx);
	spate_tcp_rx_release(c, acked);
}

static void echo_eof(struct spate_tcp_conn *c, void *ctx)
{
	RTE_SET_USED(ctx);
	spate_tcp_close(c);
}

static void echo_closed(struct spate_tcp_conn *c, void *ctx, int reason)
{
	struct echo_conn *e = ctx;

	RTE_SET_USED(c);
	RTE_SET_USED(reason);
	if (e == NULL)
		return;
	spate_extbuf_put(e->ring);
	rte_free(e);
}

static const struct spate_tcp_ops echo_ops = {
	.on_accept = echo_accept,
	.on_data = echo_data,
	.on_eof = echo_eof,
	.on_sent = echo_sent,
	.on_closed = echo_closed,
};

/* --- hello (HTTP/1.0) --------------------------------------------------- */

/* The connection context is the count of "\r\n\r\n" bytes matched so far
 * (0-3), or 4 once answered: no allocation needed. */
static int hello_accept(struct spate_tcp_conn *c, void *listen_ctx,
			void **conn_ctx)
{
	RTE_SET_USED(c);
	RTE_SET_USED(listen_ctx);
	*conn_ctx = NULL;
	return 0;
}

static void hello_respond(struct spate_tcp_conn *c)
{
	struct spate_extbuf *body = hooks_app->hello_body;
	char hdr[256];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 200 OK\r\n"
		     "Server: spate-test-hook\r\n"
		     "Content-Type: application/octet-stream\r\n"
		     "Content-Length: %u\r\n"
		     "Connection: close\r\n\r\n",
		     body->len);
	if (spate_tcp_send_copy(c, hdr, (uint32_t)n) < 0 ||
	    (body->len > 0 && spate_tcp_send_ref(c, body, 0, body->len) < 0)) {
		spate_tcp_abort(c);
		return;
	}
	spate_tcp_close(c);
}

static void hello_data(struct spate_tcp_conn *c, void *ctx,
		       const uint8_t *data, uint32_t len)
{
	static const char end[] = "\r\n\r\n";
	uintptr_t matched = (uintptr_t)ctx;
	uint32_t i;

	for (i = 0; i < len && matched < 4; i++) {
		if (data[i] == (uint8_t)end[matched])
			matched++;
		else
			matched = data[i] == '\r' ? 1 : 0;
	}
	spate_tcp_set_ctx(c, (void *)matched);
	if (matched == 4 && (uintptr_t)ctx < 4)
		hello_respond(c);
}

static void hello_closed(struct spate_tcp_conn *c, void *ctx, int reason)
{
	RTE_SET_USED(c);
	RTE_SET_USED(ctx);
	RTE_SET_USED(reason);
}

static const struct spate_tcp_ops hello_ops = {
	.on_accept = hello_accept,
	.on_data = hello_data,
	.on_closed = hello_closed,
};

int spate_hooks_load_body(struct spate_app *app, const char *path)
{
	static const char hello[] = "hello\n";
	struct stat st;
	size_t done = 0;
	int fd;

	hooks_app = app;
	if (path == NULL) {
		app->hello_body = spate_extbuf_alloc(sizeof(hello) - 1, -1);
		if (app->hello_body == NULL)
			return -ENOMEM;
		memcpy(app->hello_body->data, hello, sizeof(hello) - 1);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size >= (1ll << 31)) {
		fprintf(stderr, "spate: --hello-file %s: %s\n", path,
			fd < 0 ? strerror(errno) : "unreadable or >= 2 GB");
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	app->hello_body = spate_extbuf_alloc((uint32_t)st.st_size, -1);
	if (app->hello_body == NULL) {
		close(fd);
		fprintf(stderr, "spate: --hello-file %s: no memory for %lld "
			"bytes\n", path, (long long)st.st_size);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, app->hello_body->data + done,
				 (size_t)st.st_size - done);

		if (r <= 0) {
			close(fd);
			return -EIO;
		}
		done += (size_t)r;
	}
	close(fd);
	return 0;
}

int spate_hooks_listen(struct spate_app *app, struct spate_net *net)
{
	int rc;

	if (app->echo_port != 0) {
		rc = spate_tcp_listen(net, app->echo_port, &echo_ops, app);
		if (rc < 0)
			return rc;
	}
	if (app->hello_port != 0) {
		rc = spate_tcp_listen(net, app->hello_port, &hello_ops, app);
		if (rc < 0)
			return rc;
	}
	return 0;
}
