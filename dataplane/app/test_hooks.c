/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TEST HOOK — not a production path.
 *
 *   --echo-port N    TCP echo, proving the userspace TCP with real clients
 *                    (tests/e2e/dataplane/tcp_echo.sh, impaired.sh).  Each
 *                    connection gets a ring buffer as large as the receive
 *                    window; received bytes are copied into it once and
 *                    sent back *by reference* from it (the path the cache
 *                    uses), and the receive window is held until the echo
 *                    is acknowledged, so a fast client is throttled by TCP
 *                    flow control, never dropped.
 *
 * It allocates per connection with rte_malloc, which the real protocol
 * layers must not do.  (The HTTP/1.0 "hello" hook that stood in for HTTP
 * is gone: origin.c serves HTTP now.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "app.h"

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

int spate_hooks_listen(struct spate_app *app, struct spate_net *net)
{
	int rc;

	if (app->echo_port != 0) {
		rc = spate_tcp_listen(net, app->echo_port, &echo_ops, app);
		if (rc < 0)
			return rc;
	}
	return 0;
}
