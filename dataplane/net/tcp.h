/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_tcp: the application interface of the userspace TCP.
 *
 * Transport-neutral on purpose: an application (HTTP, RTMP, a test hook)
 * sees a connection handle, byte callbacks and send calls, never a segment,
 * an mbuf or a sequence number, so the same application code can be driven
 * by a test harness that feeds bytes.
 *
 * Sending never copies payload unless asked to: spate_tcp_send_ref() queues
 * a *reference* (buffer, offset, length) to a refcounted spate_extbuf; the
 * stack attaches that memory to TX mbufs (rte_pktmbuf_attach_extbuf), and
 * the reference is dropped when the bytes are acknowledged, so
 * retransmissions re-attach the same memory.  spate_tcp_send_copy() is for
 * small, short-lived bytes (response headers): they are copied into mbufs
 * that the send queue holds instead.
 *
 * Callbacks run on the connection's lcore, from inside spate_net_input() or
 * spate_net_timers_run(); they must not block.  A connection handle is valid
 * from on_accept until on_closed returns.
 */
#ifndef SPATE_TCP_H
#define SPATE_TCP_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "net.h"

/*
 * A refcounted buffer that TX mbufs can attach to.  The shared info carries
 * the reference count and the free callback, exactly what
 * rte_pktmbuf_attach_extbuf needs; the cache layer will embed the same
 * header in its blobs.  The creator holds one reference.
 */
struct spate_extbuf {
	struct rte_mbuf_ext_shared_info shinfo;
	uint8_t *data;
	rte_iova_t iova;
	uint32_t len;
};

/* rte_malloc'd buffer of len bytes with refcount 1; NULL on failure. */
struct spate_extbuf *spate_extbuf_alloc(uint32_t len, int socket_id);

static inline void spate_extbuf_get(struct spate_extbuf *b)
{
	rte_mbuf_ext_refcnt_update(&b->shinfo, 1);
}

/* Drops one reference; the last one frees the buffer. */
void spate_extbuf_put(struct spate_extbuf *b);

struct spate_tcp_conn;

/* Why on_closed was called. */
#define SPATE_TCP_CLOSED_OK	   0		/* orderly close */
#define SPATE_TCP_CLOSED_RESET	   (-ECONNRESET) /* peer sent RST */
#define SPATE_TCP_CLOSED_TIMEOUT   (-ETIMEDOUT)	/* retransmits/keepalive */
#define SPATE_TCP_CLOSED_ABORTED   (-ECONNABORTED) /* spate_tcp_abort */

struct spate_tcp_ops {
	/*
	 * The three-way handshake completed.  Return 0 to accept (and set
	 * *conn_ctx), or a negative value to refuse: the peer gets a RST.
	 */
	int (*on_accept)(struct spate_tcp_conn *c, void *listen_ctx,
			 void **conn_ctx);
	/* In-order bytes from the peer; valid only during the call. */
	void (*on_data)(struct spate_tcp_conn *c, void *ctx,
			const uint8_t *data, uint32_t len);
	/*
	 * The peer will send no more (FIN).  NULL: the stack closes our side
	 * once everything queued is sent.
	 */
	void (*on_eof)(struct spate_tcp_conn *c, void *ctx);
	/* acked bytes left the send queue: room for more. May be NULL. */
	void (*on_sent)(struct spate_tcp_conn *c, void *ctx, uint32_t acked);
	/*
	 * The connection is finished for the application (SPATE_TCP_CLOSED_*).
	 * Called exactly once per accepted connection; the handle is invalid
	 * after return (the stack may keep TIME_WAIT state on its own).
	 */
	void (*on_closed)(struct spate_tcp_conn *c, void *ctx, int reason);
};

/* Accepts connections to port (host order) on this lcore.  0 or -errno. */
int spate_tcp_listen(struct spate_net *net, uint16_t port,
		     const struct spate_tcp_ops *ops, void *listen_ctx);

/*
 * Queues len bytes of buf starting at off, taking a reference on buf.
 * 0, -EPIPE after close, -ENOBUFS when the send queue has no free entry
 * (retry from on_sent), -EINVAL for a range outside buf.
 */
int spate_tcp_send_ref(struct spate_tcp_conn *c, struct spate_extbuf *buf,
		       uint32_t off, uint32_t len);

/* Copies len bytes into the send queue.  0, -EPIPE, -ENOBUFS, -ENOMEM. */
int spate_tcp_send_copy(struct spate_tcp_conn *c, const void *data,
			uint32_t len);

/*
 * Receive-side flow control.  Bytes handed to on_data are gone from the
 * stack's point of view and the advertised window stays full — unless the
 * application says it still holds them: hold shrinks the window by bytes,
 * release reopens it (sending a window update when it grew by 2 MSS).
 * An application that cannot keep up holds what it buffered, and the peer
 * stops sending.
 */
void spate_tcp_rx_hold(struct spate_tcp_conn *c, uint32_t bytes);
void spate_tcp_rx_release(struct spate_tcp_conn *c, uint32_t bytes);

/*
 * Free send-queue entries.  Each send call takes one, except that a
 * reference continuing the previous one in the same buffer extends it.
 */
uint32_t spate_tcp_send_slots(const struct spate_tcp_conn *c);

/* Bytes queued and not yet acknowledged. */
uint64_t spate_tcp_send_queued(const struct spate_tcp_conn *c);

/*
 * Orderly close: FIN after queued data.  on_closed follows once the peer
 * acknowledged everything (or the connection fails).  0 or -EALREADY.
 */
int spate_tcp_close(struct spate_tcp_conn *c);

/* Sends RST and releases the connection; on_closed(ABORTED) is called. */
void spate_tcp_abort(struct spate_tcp_conn *c);

void spate_tcp_set_ctx(struct spate_tcp_conn *c, void *ctx);

/* Peer address and port, network order. */
void spate_tcp_peer(const struct spate_tcp_conn *c, rte_be32_t *ip,
		    rte_be16_t *port);

/* The stack the connection belongs to (its lcore's). */
struct spate_net *spate_tcp_net(const struct spate_tcp_conn *c);

/*
 * Prints up to max connections of this stack with their sequence and
 * window state (debugging; call from the owning lcore or after it stopped).
 */
void spate_tcp_dump(struct spate_net *net, FILE *out, unsigned int max);

/* State name for logs and tests ("ESTABLISHED", ...). */
const char *spate_tcp_state_name(const struct spate_tcp_conn *c);

#endif /* SPATE_TCP_H */
