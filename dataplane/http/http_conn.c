/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection state machine: receive-buffer borrowing, request
 * dispatch (method -> path -> lookup -> conditionals -> range -> queue),
 * parking, timers and closing.
 *
 * Ownership rules this file keeps:
 *  - A request head is parsed in place, either in the owner's input bytes
 *    (valid only during the input call) or in the borrowed rx buffer.
 *    Anything that must outlive the call (a split or parked head, bytes
 *    pipelined behind a parked one) is copied to rx first.
 *  - ops->close is the last thing done with a conn: every path that calls
 *    it returns -EPIPE / D_CLOSED straight up without touching the conn.
 *  - Every error path ends in a defined state, a status counter or a parse
 *    error counter, and (when there is a request) an access-log record.
 */
#include "http_conn.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "http_range.h"

/* conn->flags */
#define CF_REQ_COUNTED (1u << 0) /* current head counted in stats.requests */
#define CF_EOF	       (1u << 1) /* the peer half-closed */

enum dispatch_result {
	D_NEXT,	  /* answered; the conn continues with the next request */
	D_PARKED, /* WAITING; the head must stay available in rx */
	D_CLOSED, /* ops->close called; do not touch the conn */
};

/* ---- receive buffer --------------------------------------------------- */

static void rx_release(struct spate_http_conn *c)
{
	if (c->rx != NULL)
		c->ops->rxbuf_put(c->ctx, c->rx);
	c->rx = NULL;
	c->rx_cap = c->rx_off = c->rx_len = 0;
}

static int rx_borrow(struct spate_http_conn *c)
{
	uint32_t size = 0;
	void *b = c->ops->rxbuf_get(c->ctx, &size);

	if (b != NULL && size < spate_http_rxbuf_min(c->lc->cfg)) {
		/* Too small to hold a head at our limits: a config bug. */
		c->ops->rxbuf_put(c->ctx, b);
		b = NULL;
	}
	if (b == NULL) {
		c->lc->stats.rxbuf_exhausted++;
		return -ENOBUFS;
	}
	c->rx = b;
	c->rx_cap = size;
	c->rx_off = c->rx_len = 0;
	return 0;
}

/* Appends what fits, compacting first if that makes room. */
static size_t rx_append(struct spate_http_conn *c, const uint8_t *p, size_t n)
{
	size_t room = c->rx_cap - c->rx_off - c->rx_len;

	if (room < n && c->rx_off > 0) {
		/* Spans are relative to the request start: moving is safe. */
		memmove(c->rx, c->rx + c->rx_off, c->rx_len);
		c->rx_off = 0;
		room = c->rx_cap - c->rx_len;
	}
	if (n > room)
		n = room;
	memcpy(c->rx + c->rx_off + c->rx_len, p, n);
	c->rx_len += (uint32_t)n;
	return n;
}

/* ---- closing, logging ---------------------------------------------------- */

static int conn_close(struct spate_http_conn *c,
		      enum spate_http_close_reason why)
{
	const struct spate_http_conn_ops *ops = c->ops;
	void *ctx = c->ctx;

	rx_release(c);
	c->state = SPATE_HTTP_CONN_CLOSED;
	c->deadline_ms = 0;
	c->lc->stats.conns_closed++;
	ops->close(ctx, why); /* may free c */
	return -EPIPE;
}

static size_t copy_span(char *dst, size_t cap, const uint8_t *base,
			struct spate_http_span s, uint8_t *trunc, uint8_t bit)
{
	size_t n = s.len;

	if (n > cap) {
		n = cap;
		*trunc |= bit;
	}
	memcpy(dst, base + s.off, n);
	return n;
}

/* base: the buffer the current head was parsed from, NULL if none. */
static void conn_log(struct spate_http_conn *c, const uint8_t *base,
		     unsigned status, uint64_t body_bytes, uint64_t now_ms)
{
	struct spate_http_log_ring *ring = c->lc->log;
	const struct spate_http_request *req = &c->parser.req;
	struct spate_http_log_record *rec;
	uint64_t dur;

	if (ring == NULL)
		return;
	rec = spate_http_log_ring_reserve(ring);
	if (rec == NULL)
		return;
	dur = now_ms > c->req_start_ms ? now_ms - c->req_start_ms : 0;
	rec->time_ms = c->lc->wall_ms;
	rec->body_bytes = body_bytes;
	rec->duration_ms = dur > UINT32_MAX ? UINT32_MAX : (uint32_t)dur;
	rec->status = (uint16_t)status;
	rec->truncated = 0;
	rec->reserved = 0;
	rec->peer = c->peer;
	if (base != NULL) {
		rec->line_len = (uint16_t)copy_span(
			rec->line, sizeof(rec->line), base, req->request_line,
			&rec->truncated, SPATE_HTTP_LOG_TRUNC_LINE);
		rec->ua_len = (uint8_t)copy_span(
			rec->user_agent, sizeof(rec->user_agent), base,
			req->user_agent, &rec->truncated,
			SPATE_HTTP_LOG_TRUNC_UA);
		rec->referer_len = (uint8_t)copy_span(
			rec->referer, sizeof(rec->referer), base, req->referer,
			&rec->truncated, SPATE_HTTP_LOG_TRUNC_REFERER);
	} else {
		rec->line_len = rec->ua_len = rec->referer_len = 0;
	}
	spate_http_log_ring_commit(ring);
}

/* ---- sending ---------------------------------------------------------------
 */

static void resp_init(const struct spate_http_conn *c,
		      struct spate_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->date = c->lc->date;
	if (c->lc->cfg->cors)
		resp->flags = SPATE_HTTP_RESP_CORS;
}

/*
 * Builds and queues one response.  0 when queued, -EAGAIN when nothing was
 * queued (transport full), other negative: the transport failed midway.
 */
static int conn_send(struct spate_http_conn *c,
		     const struct spate_http_response *resp,
		     const struct spate_http_object *obj, uint64_t body_off,
		     uint64_t body_len)
{
	struct spate_http_lcore *lc = c->lc;
	int n, rc;

	n = spate_http_response_build(resp, lc->hdr, sizeof(lc->hdr));
	if (n < 0)
		return n; /* cannot happen: the block is bounded */
	rc = c->ops->send_header(c->ctx, lc->hdr, (size_t)n, body_len);
	if (rc < 0)
		return rc == -EAGAIN ? -EAGAIN : -EIO;
	lc->stats.bytes_header += (uint64_t)n;
	if (body_len > 0) {
		rc = c->ops->send_body_ref(c->ctx, obj, body_off, body_len);
		if (rc < 0)
			return -EIO;
		lc->stats.bytes_body_ref += body_len;
	}
	lc->stats.status[spate_http_status_slot(resp->status)]++;
	return 0;
}

/* Whether the connection may carry another request after this one. */
static bool conn_keep(const struct spate_http_conn *c)
{
	const struct spate_http_config *cfg = c->lc->cfg;

	if (!(c->parser.req.flags & SPATE_HTTP_REQ_KEEP_ALIVE) ||
	    (c->flags & CF_EOF))
		return false;
	return cfg->max_keepalive_requests == 0 ||
	       c->requests + 1 < cfg->max_keepalive_requests;
}

static enum dispatch_result conn_park(struct spate_http_conn *c,
				      enum spate_http_wait_reason why)
{
	c->state = SPATE_HTTP_CONN_WAITING;
	c->wait = (uint8_t)why;
	if (why == SPATE_HTTP_WAIT_CONTENT) {
		/* Measured from the request's arrival: resumes don't extend. */
		c->deadline_ms = c->req_start_ms + c->lc->cfg->hold_timeout_ms;
		c->lc->stats.parked_content++;
	} else {
		c->deadline_ms = 0; /* the transport decides */
		c->lc->stats.parked_tx++;
	}
	return D_PARKED;
}

/* After a response was queued: log it, then keep going or close. */
static enum dispatch_result conn_done(struct spate_http_conn *c,
				      const uint8_t *base, unsigned status,
				      uint64_t body_bytes, bool keep,
				      enum spate_http_close_reason why,
				      uint64_t now_ms)
{
	conn_log(c, base, status, body_bytes, now_ms);
	c->requests++;
	if (!keep) {
		conn_close(c, why);
		return D_CLOSED;
	}
	c->state = SPATE_HTTP_CONN_SENDING;
	c->wait = SPATE_HTTP_WAIT_NONE;
	c->deadline_ms = 0;
	c->flags &= (uint8_t)~CF_REQ_COUNTED;
	spate_http_parser_reset(&c->parser);
	return D_NEXT;
}

/* A response without a body (errors, 204). */
static enum dispatch_result reply_simple(struct spate_http_conn *c,
					 const uint8_t *base,
					 struct spate_http_response *resp,
					 unsigned status, bool keep,
					 uint64_t now_ms)
{
	const struct spate_http_request *req = &c->parser.req;
	enum spate_http_close_reason why = SPATE_HTTP_CLOSE_DONE;
	int rc;

	resp->status = (uint16_t)status;
	if (keep)
		resp->flags |= SPATE_HTTP_RESP_KEEP_ALIVE;
	if (status == 503)
		resp->retry_after_s = c->lc->cfg->retry_after_s;
	rc = conn_send(c, resp, NULL, 0, 0);
	if (rc == -EAGAIN)
		return conn_park(c, SPATE_HTTP_WAIT_TX);
	if (rc < 0) {
		c->lc->stats.send_errors++;
		conn_close(c, SPATE_HTTP_CLOSE_SEND_FAILED);
		return D_CLOSED;
	}
	/* Unread content or a broken request: the peer may still send. */
	if ((req->flags & SPATE_HTTP_REQ_HAS_BODY) || status == 400)
		why = SPATE_HTTP_CLOSE_ERROR;
	return conn_done(c, base, status, 0, keep, why, now_ms);
}

/*
 * A head the parser rejected: answer and close, the framing is no longer
 * trustworthy.  status is positive.
 */
static int conn_fail(struct spate_http_conn *c, const uint8_t *base,
		     unsigned status, uint64_t now_ms)
{
	struct spate_http_response resp;
	int rc;

	c->lc->stats.parse_errors[c->parser.error]++;
	resp_init(c, &resp);
	resp.status = (uint16_t)status;
	rc = conn_send(c, &resp, NULL, 0, 0);
	if (rc < 0) {
		c->lc->stats.send_errors++;
		return conn_close(c, rc == -EAGAIN
					     ? SPATE_HTTP_CLOSE_ERROR
					     : SPATE_HTTP_CLOSE_SEND_FAILED);
	}
	conn_log(c, base, status, 0, now_ms);
	return conn_close(c, SPATE_HTTP_CLOSE_ERROR);
}

/* ---- dispatch -------------------------------------------------------------
 */

static enum dispatch_result reply_options(struct spate_http_conn *c,
					  const uint8_t *base,
					  struct spate_http_response *resp,
					  bool keep, uint64_t now_ms)
{
	const struct spate_http_request *req = &c->parser.req;

	/* A CORS preflight is OPTIONS + Origin + ACR-Method (Fetch 4.8). */
	if (c->lc->cfg->cors && req->origin.len > 0 &&
	    req->acr_method.len > 0) {
		resp->flags |= SPATE_HTTP_RESP_PREFLIGHT;
		resp->max_age_s = c->lc->cfg->cors_max_age_s;
	} else {
		resp->flags |= SPATE_HTTP_RESP_ALLOW; /* RFC 9110 9.3.7 */
	}
	return reply_simple(c, base, resp, 204, keep, now_ms);
}

static enum dispatch_result reply_lookup_error(struct spate_http_conn *c,
					       const uint8_t *base,
					       struct spate_http_response *resp,
					       int err, bool keep,
					       uint64_t now_ms)
{
	unsigned status;

	switch (err) {
	case -ENOENT:
		status = 404;
		break;
	case -EAGAIN:
		return conn_park(c, SPATE_HTTP_WAIT_CONTENT);
	case -EACCES:
	case -EPERM:
		status = 403;
		break;
	case -EINVAL:
		status = 400;
		break;
	case -ENOMEM:
	case -EBUSY:
	case -ENOBUFS:
		status = 503;
		break;
	default:
		c->lc->stats.lookup_errors++;
		status = 500;
		break;
	}
	return reply_simple(c, base, resp, status, keep, now_ms);
}

static void obj_release(struct spate_http_conn *c,
			struct spate_http_object *obj)
{
	if (c->ops->release != NULL)
		c->ops->release(c->ctx, obj);
}

static enum dispatch_result
reply_object(struct spate_http_conn *c, const uint8_t *base,
	     struct spate_http_response *resp, struct spate_http_object *obj,
	     const char *path, size_t path_len, bool keep, uint64_t now_ms)
{
	const struct spate_http_request *req = &c->parser.req;
	bool get = req->method_id == SPATE_HTTP_METHOD_GET;
	unsigned status = 200;
	uint64_t off = 0, len = obj->size, send_len;
	int rc;

	resp->flags |= SPATE_HTTP_RESP_ETAG | SPATE_HTTP_RESP_ACCEPT_RANGES;
	if (keep)
		resp->flags |= SPATE_HTTP_RESP_KEEP_ALIVE;
	if (obj->mtime > 0)
		resp->flags |= SPATE_HTTP_RESP_LAST_MODIFIED;
	resp->etag = obj->etag;
	resp->last_modified = obj->mtime;
	resp->cache_class = obj->cache_class;
	resp->max_age_s = obj->max_age_s;
	resp->content_type = obj->content_type != NULL
				     ? obj->content_type
				     : spate_http_content_type(path, path_len);

	/* Conditionals before Range (RFC 9110 13.2.2). */
	if (spate_http_not_modified(
		    spate_http_span_ptr(base, req->if_none_match),
		    req->if_none_match.len,
		    spate_http_span_ptr(base, req->if_modified_since),
		    req->if_modified_since.len, obj->etag, obj->mtime)) {
		status = 304;
		len = 0;
	} else if (get && req->range.len > 0 &&
		   (req->if_range.len == 0 ||
		    spate_http_if_range_match(
			    spate_http_span_ptr(base, req->if_range),
			    req->if_range.len, obj->etag, obj->mtime))) {
		switch (spate_http_range_parse(
			spate_http_span_ptr(base, req->range), req->range.len,
			obj->size, &resp->range)) {
		case SPATE_HTTP_RANGE_PARTIAL:
			status = 206;
			off = resp->range.first;
			len = spate_http_range_length(&resp->range);
			break;
		case SPATE_HTTP_RANGE_UNSATISFIABLE:
			status = 416;
			len = 0;
			resp->content_type = NULL;
			resp->flags &=
				(uint16_t) ~(SPATE_HTTP_RESP_ETAG |
					     SPATE_HTTP_RESP_LAST_MODIFIED);
			break;
		case SPATE_HTTP_RANGE_NONE:
			break;
		}
	}
	resp->status = (uint16_t)status;
	resp->content_length = len;
	/* HEAD: the same fields as GET, no content (RFC 9110 9.3.2). */
	send_len = get ? len : 0;

	rc = conn_send(c, resp, obj, off, send_len);
	obj_release(c, obj);
	if (rc == -EAGAIN)
		return conn_park(c, SPATE_HTTP_WAIT_TX);
	if (rc < 0) {
		c->lc->stats.send_errors++;
		conn_close(c, SPATE_HTTP_CLOSE_SEND_FAILED);
		return D_CLOSED;
	}
	return conn_done(c, base, status, send_len, keep, SPATE_HTTP_CLOSE_DONE,
			 now_ms);
}

/* Answers the complete head in c->parser.req, parsed from base. */
static enum dispatch_result conn_dispatch(struct spate_http_conn *c,
					  const uint8_t *base, uint64_t now_ms)
{
	struct spate_http_lcore *lc = c->lc;
	const struct spate_http_request *req = &c->parser.req;
	struct spate_http_response resp;
	struct spate_http_object obj;
	bool keep = conn_keep(c);
	bool has_body = req->flags & SPATE_HTTP_REQ_HAS_BODY;
	int n, rc;

	if (!(c->flags & CF_REQ_COUNTED)) {
		c->flags |= CF_REQ_COUNTED;
		lc->stats.requests++;
		if (c->requests > 0)
			lc->stats.keepalive_reused++;
	}
	resp_init(c, &resp);

	switch (req->method_id) {
	case SPATE_HTTP_METHOD_GET:
	case SPATE_HTTP_METHOD_HEAD:
		break;
	case SPATE_HTTP_METHOD_OPTIONS:
		return reply_options(c, base, &resp, keep, now_ms);
	case SPATE_HTTP_METHOD_UNKNOWN:
		/* RFC 9110 15.6.2; content we did not read forces a close. */
		return reply_simple(c, base, &resp, 501, keep && !has_body,
				    now_ms);
	default:
		/*
		 * Known but not served here (POST/PUT belong to ingest
		 * routes later): 405 with Allow (RFC 9110 15.5.6).
		 */
		resp.flags |= SPATE_HTTP_RESP_ALLOW;
		return reply_simple(c, base, &resp, 405, keep && !has_body,
				    now_ms);
	}

	n = spate_http_path_normalize(spate_http_span_ptr(base, req->path),
				      req->path.len, lc->path,
				      sizeof(lc->path));
	if (n < 0) {
		lc->stats.parse_errors[SPATE_HTTP_PERR_PATH]++;
		return reply_simple(c, base, &resp, 400, false, now_ms);
	}

	memset(&obj, 0, sizeof(obj));
	rc = c->ops->lookup(c->ctx, lc->path, (size_t)n,
			    spate_http_span_ptr(base, req->query),
			    req->query.len, &obj);
	if (rc != 0)
		return reply_lookup_error(c, base, &resp, rc, keep, now_ms);
	return reply_object(c, base, &resp, &obj, lc->path, (size_t)n, keep,
			    now_ms);
}

/* ---- the input side --------------------------------------------------------
 */

static void begin_request(struct spate_http_conn *c, uint64_t now_ms)
{
	c->state = SPATE_HTTP_CONN_READING;
	c->req_start_ms = now_ms;
	c->deadline_ms = now_ms + c->lc->cfg->header_timeout_ms;
}

/*
 * Parses and answers what rx holds, request after request.  Returns 0
 * (rx released, or holding an incomplete or parked head) or -EPIPE.
 */
static int conn_drain(struct spate_http_conn *c, uint64_t now_ms,
		      unsigned *heads)
{
	while (c->rx != NULL) {
		const uint8_t *base;
		enum dispatch_result d;
		int rc;

		if (c->rx_len == 0) {
			rx_release(c);
			break;
		}
		if (c->state == SPATE_HTTP_CONN_WAITING)
			break;
		if (c->state != SPATE_HTTP_CONN_READING)
			begin_request(c, now_ms);
		base = c->rx + c->rx_off;
		rc = spate_http_parse(&c->parser, base, c->rx_len);
		if (rc == SPATE_HTTP_PARSE_INCOMPLETE) {
			/*
			 * rx is at least one maximal head long, so a full
			 * buffer has always been decided by the parser.
			 */
			if (c->rx_off + c->rx_len >= c->rx_cap &&
			    c->rx_off == 0) {
				c->parser.error =
					SPATE_HTTP_PERR_HEADERS_TOO_LARGE;
				return conn_fail(c, base, 431, now_ms);
			}
			return 0;
		}
		if (rc < 0)
			return conn_fail(c, base, (unsigned)-rc, now_ms);
		if ((*heads)++ > 0)
			c->lc->stats.pipelined++;
		d = conn_dispatch(c, base, now_ms);
		if (d == D_CLOSED)
			return -EPIPE;
		if (d == D_PARKED)
			return 0;
		c->rx_off += (uint32_t)rc;
		c->rx_len -= (uint32_t)rc;
	}
	return 0;
}

int spate_http_conn_input(struct spate_http_conn *c, const void *data,
			  size_t len, uint64_t now_ms)
{
	const uint8_t *p = data;
	size_t acc = 0;
	unsigned heads = 0;
	enum dispatch_result d;
	int rc;

	if (c->state == SPATE_HTTP_CONN_CLOSED)
		return -EPIPE;
	if (len > INT_MAX)
		len = INT_MAX; /* the owner offers the rest again */

	while (acc < len) {
		if (c->state == SPATE_HTTP_CONN_WAITING) {
			/* Pipelined behind a parked request: hold, if room. */
			acc += rx_append(c, p + acc, len - acc);
			break;
		}
		if (c->state != SPATE_HTTP_CONN_READING)
			begin_request(c, now_ms);
		else if (c->parser.pos == 0 && c->rx == NULL)
			/*
			 * First byte of the connection's first request: the
			 * header timer keeps counting from the connect, the
			 * request's own clock (hold, log) starts now.
			 */
			c->req_start_ms = now_ms;

		if (c->rx != NULL) {
			/* Continue the split head in rx. */
			size_t took = rx_append(c, p + acc, len - acc);

			acc += took;
			rc = conn_drain(c, now_ms, &heads);
			if (rc < 0)
				return rc;
			if (took == 0 && c->rx != NULL &&
			    c->state == SPATE_HTTP_CONN_READING) {
				/* Unreachable with a conforming rx size. */
				c->parser.error =
					SPATE_HTTP_PERR_HEADERS_TOO_LARGE;
				return conn_fail(c, c->rx + c->rx_off, 431,
						 now_ms);
			}
			continue;
		}

		/* Fast path: parse straight from the owner's bytes. */
		rc = spate_http_parse(&c->parser, p + acc, len - acc);
		if (rc == SPATE_HTTP_PARSE_INCOMPLETE) {
			if (rx_borrow(c) < 0)
				return conn_close(c,
						  SPATE_HTTP_CLOSE_NO_BUFFER);
			c->lc->stats.heads_buffered++;
			acc += rx_append(c, p + acc, len - acc);
			break;
		}
		if (rc < 0)
			return conn_fail(c, p + acc, (unsigned)-rc, now_ms);
		if (heads++ > 0)
			c->lc->stats.pipelined++;
		d = conn_dispatch(c, p + acc, now_ms);
		if (d == D_CLOSED)
			return -EPIPE;
		if (d == D_PARKED) {
			/* The head (and what follows, if it fits) must stay. */
			if (rx_borrow(c) < 0)
				return conn_close(c,
						  SPATE_HTTP_CLOSE_NO_BUFFER);
			acc += rx_append(c, p + acc, len - acc);
			break;
		}
		acc += (size_t)rc;
	}
	return (int)acc;
}

/* ---- owner events
 * ------------------------------------------------------------ */

/* Finishes the parked head at rx + rx_off and drains what follows it. */
static int conn_after_parked(struct spate_http_conn *c, enum dispatch_result d,
			     uint32_t head_len, uint64_t now_ms)
{
	unsigned heads = 1;

	if (d == D_CLOSED)
		return -EPIPE;
	if (d == D_PARKED)
		return 0;
	c->rx_off += head_len;
	c->rx_len -= head_len;
	return conn_drain(c, now_ms, &heads) < 0 ? -EPIPE : 0;
}

int spate_http_conn_resume(struct spate_http_conn *c, uint64_t now_ms)
{
	uint32_t head_len;

	if (c->state == SPATE_HTTP_CONN_CLOSED)
		return -EPIPE;
	if (c->state != SPATE_HTTP_CONN_WAITING)
		return 0;
	head_len = c->parser.req.head_len;
	c->state = SPATE_HTTP_CONN_READING;
	c->wait = SPATE_HTTP_WAIT_NONE;
	return conn_after_parked(c, conn_dispatch(c, c->rx + c->rx_off, now_ms),
				 head_len, now_ms);
}

int spate_http_conn_sent(struct spate_http_conn *c, uint64_t now_ms)
{
	if (c->state == SPATE_HTTP_CONN_SENDING) {
		c->state = SPATE_HTTP_CONN_KEEPALIVE;
		c->deadline_ms = now_ms + c->lc->cfg->keepalive_timeout_ms;
	}
	return 0;
}

int spate_http_conn_eof(struct spate_http_conn *c, uint64_t now_ms)
{
	(void)now_ms;
	if (c->state == SPATE_HTTP_CONN_CLOSED)
		return -EPIPE;
	c->flags |= CF_EOF;
	/* A parked request still gets its answer (with Connection: close). */
	if (c->state == SPATE_HTTP_CONN_WAITING)
		return 0;
	return conn_close(c, SPATE_HTTP_CLOSE_PEER);
}

/* 408 for a head that did not complete in time. */
static int conn_header_timeout(struct spate_http_conn *c, uint64_t now_ms)
{
	struct spate_http_response resp;
	const uint8_t *base = c->rx != NULL ? c->rx + c->rx_off : NULL;

	c->lc->stats.timeout_header++;
	if (c->parser.pos == 0 && c->rx == NULL)
		/* Connected and never spoke: nothing to answer. */
		return conn_close(c, SPATE_HTTP_CLOSE_HEADER_TIMEOUT);
	resp_init(c, &resp);
	resp.status = 408; /* with "close" (RFC 9110 15.5.9) */
	if (conn_send(c, &resp, NULL, 0, 0) == 0)
		conn_log(c, base, 408, 0, now_ms);
	return conn_close(c, SPATE_HTTP_CLOSE_HEADER_TIMEOUT);
}

int spate_http_conn_timer(struct spate_http_conn *c, uint64_t now_ms)
{
	struct spate_http_response resp;
	uint32_t head_len;

	if (c->state == SPATE_HTTP_CONN_CLOSED)
		return -EPIPE;
	if (c->deadline_ms == 0 || now_ms < c->deadline_ms)
		return 0;

	switch (c->state) {
	case SPATE_HTTP_CONN_READING:
		return conn_header_timeout(c, now_ms);
	case SPATE_HTTP_CONN_KEEPALIVE:
		c->lc->stats.timeout_idle++;
		return conn_close(c, SPATE_HTTP_CLOSE_IDLE_TIMEOUT);
	case SPATE_HTTP_CONN_WAITING:
		if (c->wait != SPATE_HTTP_WAIT_CONTENT)
			break;
		/* The content did not show up in time: 503, carry on. */
		c->lc->stats.timeout_hold++;
		head_len = c->parser.req.head_len;
		c->state = SPATE_HTTP_CONN_READING;
		c->wait = SPATE_HTTP_WAIT_NONE;
		resp_init(c, &resp);
		return conn_after_parked(c,
					 reply_simple(c, c->rx + c->rx_off,
						      &resp, 503, conn_keep(c),
						      now_ms),
					 head_len, now_ms);
	default:
		break;
	}
	c->deadline_ms = 0;
	return 0;
}

void spate_http_conn_init(struct spate_http_conn *c,
			  struct spate_http_lcore *lc,
			  const struct spate_http_conn_ops *ops, void *ctx,
			  const struct spate_http_peer *peer, uint64_t now_ms)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->ctx = ctx;
	c->lc = lc;
	if (peer != NULL)
		c->peer = *peer;
	spate_http_parser_init(&c->parser, &lc->cfg->limits);
	begin_request(c, now_ms);
	lc->stats.conns_opened++;
}

void spate_http_conn_fini(struct spate_http_conn *c)
{
	if (c->state == SPATE_HTTP_CONN_CLOSED)
		return;
	rx_release(c);
	c->state = SPATE_HTTP_CONN_CLOSED;
	c->deadline_ms = 0;
	c->lc->stats.conns_closed++;
}
