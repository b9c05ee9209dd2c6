/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections: the per-lcore pool and hash table, listeners, the
 * application calls of tcp.h and the end of a connection's life.
 *
 * The pool is one array allocated at start (conf.max_conns); a free list
 * threads through it, so accepting a connection never allocates.  The table
 * is chained on (remote ip, remote port, local port) — the local address is
 * the interface's.  Freeing is deferred while the stack is still working on
 * the connection (TF_IN_INPUT), so an application may abort from inside a
 * callback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tcp_impl.h"

static const char *const tcp_state_names[] = {
	[TCP_CLOSED] = "CLOSED",	 [TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",	 [TCP_SYN_RCVD] = "SYN_RCVD",
	[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",	 [TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *spate_tcp_state_name(const struct spate_tcp_conn *c)
{
	return c->state < RTE_DIM(tcp_state_names) ? tcp_state_names[c->state]
						   : "?";
}

/* --- spate_extbuf ------------------------------------------------------ */

static void extbuf_free_cb(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	rte_free(opaque);
}

struct spate_extbuf *spate_extbuf_alloc(uint32_t len, int socket_id)
{
	struct spate_extbuf *b;

	b = rte_malloc_socket("spate_extbuf", sizeof(*b) + len,
			      RTE_CACHE_LINE_SIZE, socket_id);
	if (b == NULL)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->data = (uint8_t *)(b + 1);
	/* virt2iova wants the pointer rte_malloc returned. */
	b->iova = rte_malloc_virt2iova(b);
	if (b->iova != RTE_BAD_IOVA)
		b->iova += sizeof(*b);
	b->len = len;
	b->shinfo.free_cb = extbuf_free_cb;
	b->shinfo.fcb_opaque = b;
	rte_mbuf_ext_refcnt_set(&b->shinfo, 1);
	return b;
}

void spate_extbuf_put(struct spate_extbuf *b)
{
	if (rte_mbuf_ext_refcnt_update(&b->shinfo, -1) == 0)
		b->shinfo.free_cb(b->data, b->shinfo.fcb_opaque);
}

/* --- table and pool ------------------------------------------------------ */

static inline uint32_t conn_hash(const struct spate_tcp_stack *s,
				 rte_be32_t raddr, rte_be16_t rport,
				 rte_be16_t lport)
{
	return rte_jhash_2words(raddr, (uint32_t)rport << 16 | lport,
				s->iss_secret) &
	       s->bucket_mask;
}

int net_tcp_create(struct spate_net *net, int socket_id)
{
	struct spate_tcp_stack *s;
	uint32_t n = net->conf.max_conns ? net->conf.max_conns : 1;
	uint32_t nb = rte_align32pow2(n), i;

	s = rte_zmalloc_socket("spate_tcp", sizeof(*s), RTE_CACHE_LINE_SIZE,
			       socket_id);
	if (s == NULL)
		return -ENOMEM;
	s->conns = rte_zmalloc_socket("spate_tcp_conns",
				      (size_t)n * sizeof(struct spate_tcp_conn),
				      RTE_CACHE_LINE_SIZE, socket_id);
	s->buckets = rte_zmalloc_socket("spate_tcp_hash",
					(size_t)nb * sizeof(s->buckets[0]),
					RTE_CACHE_LINE_SIZE, socket_id);
	if (s->conns == NULL || s->buckets == NULL) {
		rte_free(s->conns);
		rte_free(s->buckets);
		rte_free(s);
		return -ENOMEM;
	}
	s->bucket_mask = nb - 1;
	for (i = n; i-- > 0;) {
		s->conns[i].hash_next = s->free_list;
		s->free_list = &s->conns[i];
	}
	for (i = 0; i < TCP_WHEEL_SLOTS; i++)
		LIST_INIT(&s->wheel[i]);
	s->iss_secret = (uint32_t)rte_rand();
	s->wheel_tick = net->now_us / TCP_TICK_US;
	net->tcp = s;
	return 0;
}

void net_tcp_free(struct spate_net *net)
{
	struct spate_tcp_stack *s = net->tcp;
	uint32_t i, n = net->conf.max_conns ? net->conf.max_conns : 1;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct spate_tcp_conn *c = &s->conns[i];

		if (c->state == TCP_CLOSED)
			continue;
		c->flags &= (uint16_t)~(TF_APP_OPEN | TF_IN_INPUT);
		tcp_conn_release(c);
	}
	rte_free(s->conns);
	rte_free(s->buckets);
	rte_free(s);
	net->tcp = NULL;
}

struct spate_tcp_conn *tcp_conn_lookup(struct spate_net *net,
				       rte_be32_t raddr, rte_be16_t rport,
				       rte_be16_t lport)
{
	struct spate_tcp_stack *s = net->tcp;
	struct spate_tcp_conn *c = s->buckets[conn_hash(s, raddr, rport, lport)];

	for (; c != NULL; c = c->hash_next)
		if (c->raddr == raddr && c->rport == rport && c->lport == lport)
			return c;
	return NULL;
}

struct spate_tcp_conn *tcp_conn_alloc(struct spate_net *net, rte_be32_t raddr,
				      rte_be16_t rport, rte_be16_t lport)
{
	struct spate_tcp_stack *s = net->tcp;
	struct spate_tcp_conn *c = s->free_list;
	uint32_t b;

	if (c == NULL) {
		NET_STAT_INC(net, tcp_conn_pool_empty);
		return NULL;
	}
	s->free_list = c->hash_next;
	memset(c, 0, sizeof(*c));
	c->net = net;
	c->raddr = raddr;
	c->laddr = net->ifc->ip;
	c->rport = rport;
	c->lport = lport;
	b = conn_hash(s, raddr, rport, lport);
	c->hash_next = s->buckets[b];
	s->buckets[b] = c;
	c->flags = TF_IN_TABLE;
	s->nconns++;
	NET_STAT_INC(net, tcp_conns);
	return c;
}

static void conn_unhash(struct spate_tcp_conn *c)
{
	struct spate_tcp_stack *s = c->net->tcp;
	struct spate_tcp_conn **link =
		&s->buckets[conn_hash(s, c->raddr, c->rport, c->lport)];

	while (*link != NULL && *link != c)
		link = &(*link)->hash_next;
	if (*link == c)
		*link = c->hash_next;
	c->flags &= (uint16_t)~TF_IN_TABLE;
}

uint32_t tcp_iss_new(struct spate_net *net, const struct spate_tcp_conn *c)
{
	/* RFC 6528: a keyed hash of the tuple plus a 4 us clock. */
	return rte_jhash_3words(c->raddr, c->laddr,
				(uint32_t)c->rport << 16 | c->lport,
				net->tcp->iss_secret ^ 0x9e3779b9) +
	       (uint32_t)(net->now_us >> 2);
}

const struct tcp_listener *tcp_listener_find(struct spate_net *net,
					     rte_be16_t port)
{
	struct spate_tcp_stack *s = net->tcp;
	uint32_t i;

	for (i = 0; i < s->nlisteners; i++)
		if (s->listeners[i].port == port)
			return &s->listeners[i];
	return NULL;
}

int spate_tcp_listen(struct spate_net *net, uint16_t port,
		     const struct spate_tcp_ops *ops, void *listen_ctx)
{
	struct spate_tcp_stack *s = net->tcp;
	rte_be16_t p = rte_cpu_to_be_16(port);

	if (ops == NULL || ops->on_accept == NULL || ops->on_closed == NULL)
		return -EINVAL;
	if (tcp_listener_find(net, p) != NULL)
		return -EADDRINUSE;
	if (s->nlisteners == TCP_MAX_LISTENERS)
		return -ENOSPC;
	s->listeners[s->nlisteners++] =
		(struct tcp_listener){.port = p, .ops = ops, .ctx = listen_ctx};
	return 0;
}

/* --- queues ------------------------------------------------------------- */

void tcp_sndq_release(struct spate_tcp_conn *c, uint32_t bytes)
{
	while (bytes > 0 && c->sndq_count > 0) {
		struct tcp_sndq_ent *e = &c->sndq[c->sndq_head];
		uint32_t n = bytes < e->len ? bytes : e->len;

		e->off += n;
		e->len -= n;
		bytes -= n;
		c->sndq_bytes -= n;
		if (e->len != 0)
			break;
		if (e->is_mbuf)
			rte_pktmbuf_free((struct rte_mbuf *)e->obj);
		else
			spate_extbuf_put((struct spate_extbuf *)e->obj);
		e->obj = NULL;
		c->sndq_head = (uint8_t)((c->sndq_head + 1) % TCP_SNDQ_ENTRIES);
		c->sndq_count--;
	}
}

void tcp_ooo_purge(struct spate_tcp_conn *c)
{
	struct rte_mbuf *m = c->ooo_head, *next;

	while (m != NULL) {
		next = net_mbuf_priv(m)->next;
		rte_pktmbuf_free(m);
		m = next;
	}
	c->net->tcp->ooo_total -= c->ooo_count;
	c->ooo_head = NULL;
	c->ooo_count = 0;
	c->flags &= (uint16_t)~TF_OOO_FIN;
}

/* --- end of life -------------------------------------------------------- */

static void sndq_clear(struct spate_tcp_conn *c)
{
	while (c->sndq_count > 0) {
		struct tcp_sndq_ent *e = &c->sndq[c->sndq_head];

		if (e->is_mbuf)
			rte_pktmbuf_free((struct rte_mbuf *)e->obj);
		else
			spate_extbuf_put((struct spate_extbuf *)e->obj);
		e->obj = NULL;
		c->sndq_head = (uint8_t)((c->sndq_head + 1) % TCP_SNDQ_ENTRIES);
		c->sndq_count--;
	}
	c->sndq_bytes = 0;
}

static void conn_free_now(struct spate_tcp_conn *c)
{
	struct spate_net *net = c->net;
	struct spate_tcp_stack *s = net->tcp;

	tcp_timer_remove(c);
	if (c->flags & TF_IN_TABLE)
		conn_unhash(c);
	tcp_ooo_purge(c);
	sndq_clear(c);
	if (c->state == TCP_SYN_RCVD)
		s->n_syn_rcvd--;
	c->state = TCP_CLOSED;
	c->flags = 0;
	c->hash_next = s->free_list;
	s->free_list = c;
	s->nconns--;
	NET_STAT_DEC(net, tcp_conns);
}

void tcp_conn_release(struct spate_tcp_conn *c)
{
	if (c->flags & TF_IN_INPUT) {
		c->flags |= TF_RELEASE;
		return;
	}
	conn_free_now(c);
}

int tcp_conn_end_processing(struct spate_tcp_conn *c)
{
	c->flags &= (uint16_t)~TF_IN_INPUT;
	if (c->flags & TF_RELEASE) {
		conn_free_now(c);
		return 1;
	}
	tcp_timer_update(c);
	return 0;
}

void tcp_conn_app_closed(struct spate_tcp_conn *c, int reason)
{
	const struct spate_tcp_ops *ops = c->ops;

	if (!(c->flags & TF_APP_OPEN))
		return;
	c->flags &= (uint16_t)~TF_APP_OPEN;
	NET_STAT_INC(c->net, tcp_closed);
	if (ops != NULL && ops->on_closed != NULL)
		ops->on_closed(c, c->ctx, reason);
	c->ops = NULL;
	c->ctx = NULL;
}

void tcp_conn_close_final(struct spate_tcp_conn *c, int reason)
{
	if (c->state == TCP_CLOSED)
		return;
	tcp_conn_app_closed(c, reason);
	if (c->state == TCP_SYN_RCVD)
		c->net->tcp->n_syn_rcvd--;
	c->state = TCP_CLOSED;
	/* n_syn_rcvd already adjusted: conn_free_now sees CLOSED. */
	tcp_conn_release(c);
}

void tcp_conn_enter_time_wait(struct spate_tcp_conn *c)
{
	c->state = TCP_TIME_WAIT;
	tcp_ooo_purge(c);
	c->t_rexmt = 0;
	c->t_persist = 0;
	c->t_delack = 0;
	c->t_keep = 0;
	c->flags &= (uint16_t)~TF_DELACK;
	c->t_2msl = c->net->now_us + (uint64_t)c->net->conf.time_wait_ms * 1000;
	tcp_conn_app_closed(c, SPATE_TCP_CLOSED_OK);
	tcp_timer_update(c);
}

/* --- application calls -------------------------------------------------- */

static int conn_can_send(const struct spate_tcp_conn *c)
{
	if (c->flags & TF_FIN_QUEUED)
		return -EPIPE;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return -EPIPE;
	return 0;
}

static inline struct tcp_sndq_ent *sndq_tail(struct spate_tcp_conn *c)
{
	return &c->sndq[(c->sndq_head + c->sndq_count - 1) % TCP_SNDQ_ENTRIES];
}

static inline struct tcp_sndq_ent *sndq_push(struct spate_tcp_conn *c)
{
	struct tcp_sndq_ent *e;

	e = &c->sndq[(c->sndq_head + c->sndq_count) % TCP_SNDQ_ENTRIES];
	c->sndq_count++;
	return e;
}

/* Sends now unless the stack is already inside this connection. */
static void conn_kick(struct spate_tcp_conn *c)
{
	if (!(c->flags & TF_IN_INPUT))
		tcp_output(c);
}

int spate_tcp_send_ref(struct spate_tcp_conn *c, struct spate_extbuf *buf,
		       uint32_t off, uint32_t len)
{
	struct tcp_sndq_ent *e;
	int rc = conn_can_send(c);

	if (rc < 0)
		return rc;
	if (off > buf->len || len > buf->len - off || len >= (1u << 31))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (c->sndq_count > 0) {
		e = sndq_tail(c);
		if (!e->is_mbuf && e->obj == buf && e->off + e->len == off &&
		    (uint64_t)e->len + len < (1u << 31)) {
			e->len += len;
			c->sndq_bytes += len;
			conn_kick(c);
			return 0;
		}
	}
	if (c->sndq_count == TCP_SNDQ_ENTRIES) {
		NET_STAT_INC(c->net, tcp_sndq_full);
		return -ENOBUFS;
	}
	spate_extbuf_get(buf);
	e = sndq_push(c);
	e->obj = buf;
	e->off = off;
	e->len = len;
	e->is_mbuf = 0;
	c->sndq_bytes += len;
	conn_kick(c);
	return 0;
}

int spate_tcp_send_copy(struct spate_tcp_conn *c, const void *data,
			uint32_t len)
{
	const uint8_t *p = data;
	int rc = conn_can_send(c);

	if (rc < 0)
		return rc;
	while (len > 0) {
		struct tcp_sndq_ent *e = c->sndq_count ? sndq_tail(c) : NULL;
		struct rte_mbuf *m;
		uint32_t n;

		/*
		 * Fill the tail mbuf first.  Appending past bytes already
		 * sent is safe: in-flight clones cover only their slice.
		 */
		if (e != NULL && e->is_mbuf) {
			m = e->obj;
			if (e->off + e->len == m->data_len &&
			    rte_pktmbuf_tailroom(m) > 0) {
				n = RTE_MIN(len, (uint32_t)
						 rte_pktmbuf_tailroom(m));
				memcpy(rte_pktmbuf_append(m, (uint16_t)n), p, n);
				e->len += n;
				goto copied;
			}
		}
		if (c->sndq_count == TCP_SNDQ_ENTRIES) {
			NET_STAT_INC(c->net, tcp_sndq_full);
			rc = -ENOBUFS;
			break;
		}
		m = rte_pktmbuf_alloc(c->net->pool_data);
		if (m == NULL) {
			NET_STAT_INC(c->net, mbuf_alloc_fail);
			rc = -ENOMEM;
			break;
		}
		n = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), p, n);
		e = sndq_push(c);
		e->obj = m;
		e->off = 0;
		e->len = n;
		e->is_mbuf = 1;
copied:
		c->sndq_bytes += n;
		NET_STAT_ADD(c->net, tcp_copy_bytes_queued, n);
		p += n;
		len -= n;
	}
	conn_kick(c);
	return rc;
}

void spate_tcp_rx_hold(struct spate_tcp_conn *c, uint32_t bytes)
{
	c->rcv_held += bytes;
}

void spate_tcp_rx_release(struct spate_tcp_conn *c, uint32_t bytes)
{
	c->rcv_held = bytes < c->rcv_held ? c->rcv_held - bytes : 0;
	if (tcp_rcv_wnd(c) >= c->rcv_wnd_adv + 2u * c->mss &&
	    c->state >= TCP_ESTABLISHED && c->state <= TCP_FIN_WAIT_2) {
		tcp_ack_now(c);
		conn_kick(c);
	}
}

uint32_t spate_tcp_send_slots(const struct spate_tcp_conn *c)
{
	return TCP_SNDQ_ENTRIES - c->sndq_count;
}

uint64_t spate_tcp_send_queued(const struct spate_tcp_conn *c)
{
	return c->sndq_bytes;
}

int spate_tcp_close(struct spate_tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		c->state = TCP_LAST_ACK;
		break;
	default:
		return -EALREADY;
	}
	c->flags |= TF_FIN_QUEUED;
	c->t_keep = 0;
	conn_kick(c);
	return 0;
}

void spate_tcp_abort(struct spate_tcp_conn *c)
{
	if (c->state == TCP_CLOSED)
		return;
	if (c->state != TCP_TIME_WAIT)
		tcp_send_rst(c);
	tcp_conn_close_final(c, SPATE_TCP_CLOSED_ABORTED);
}

void spate_tcp_set_ctx(struct spate_tcp_conn *c, void *ctx)
{
	c->ctx = ctx;
}

void spate_tcp_peer(const struct spate_tcp_conn *c, rte_be32_t *ip,
		    rte_be16_t *port)
{
	*ip = c->raddr;
	*port = c->rport;
}

struct spate_net *spate_tcp_net(const struct spate_tcp_conn *c)
{
	return c->net;
}

void spate_tcp_dump(struct spate_net *net, FILE *out, unsigned int max)
{
	struct spate_tcp_stack *s = net->tcp;
	uint32_t i, shown = 0;

	for (i = 0; i < net->conf.max_conns && shown < max; i++) {
		const struct spate_tcp_conn *c = &s->conns[i];
		struct in_addr a = {.s_addr = c->raddr};

		if (c->state == TCP_CLOSED)
			continue;
		shown++;
		fprintf(out,
			"  conn %s:%u %s una %u nxt %+d max %+d wnd %u "
			"cwnd %u ssth %u rcv_nxt %u held %u sndq %llu/%u "
			"flags 0x%x backoff %u rto %u us rexmt %s ooo %u\n",
			inet_ntoa(a), rte_be_to_cpu_16(c->rport),
			spate_tcp_state_name(c), c->snd_una - c->iss,
			(int)(c->snd_nxt - c->snd_una),
			(int)(c->snd_max - c->snd_una), c->snd_wnd, c->cwnd,
			c->ssthresh, c->rcv_nxt - c->irs, c->rcv_held,
			(unsigned long long)c->sndq_bytes, c->sndq_count,
			c->flags, c->backoff, c->rto_us,
			c->t_rexmt ? "armed" : "off", c->ooo_count);
	}
}
