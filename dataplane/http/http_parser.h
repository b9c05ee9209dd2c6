/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_parse: incremental, zero-copy HTTP/1.x request-head parser.
 *
 * The parser is an explicit byte-at-a-time state machine (the shape of
 * nginx's ngx_http_parse_request_line) that can stop at any byte and resume
 * when more bytes arrive, and records what it finds as (offset, length) spans
 * into the caller's buffer, like picohttpparser: it never copies and never
 * allocates.  It consumes exactly one request head; pipelined bytes after it
 * are left for the next call (after spate_http_parser_reset()).
 *
 * Contract for incremental use: every call passes the bytes of the current
 * request from its first byte, the same prefix as the previous call plus
 * whatever arrived since.  The buffer may move between calls (offsets are
 * relative to its start), its content may not.
 *
 * What it checks (RFC 9110 / RFC 9112): request-line grammar, methods as
 * tokens, request-target form (origin, absolute, asterisk for OPTIONS,
 * authority for CONNECT), HTTP-version, field-name/field-value characters,
 * obs-fold, whitespace before the colon, Host presence/duplication in 1.1,
 * Content-Length / Transfer-Encoding framing, content on methods that take
 * none, Expect, and the size limits.  Percent-decoding and path
 * normalisation are separate (spate_http_path_normalize) because they need an
 * output buffer and run once per dispatched request.
 *
 * It does not know DPDK, sockets, or what a URL maps to.
 */
#ifndef SPATE_HTTP_PARSER_H
#define SPATE_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default limits (the nginx-style named config values). */
#define SPATE_HTTP_DEFAULT_MAX_REQUEST_LINE 8192  /* bytes -> 414 */
#define SPATE_HTTP_DEFAULT_MAX_HEADER_BYTES 16384 /* bytes -> 431 */
#define SPATE_HTTP_DEFAULT_MAX_HEADERS	    64	  /* field lines -> 431 */

/*
 * Hard ceilings for the limits: spans are 16-bit, so a whole head (request
 * line + field section) must stay below 64 KB.
 */
#define SPATE_HTTP_LIMIT_REQUEST_LINE 32768
#define SPATE_HTTP_LIMIT_HEADER_BYTES 32767

struct spate_http_limits {
	/* Request line incl. CRLF and any leading empty lines; over -> 414. */
	uint32_t max_request_line;
	/* Field section incl. the terminating empty line; over -> 431. */
	uint32_t max_header_bytes;
	/* Number of field lines; over -> 431. */
	uint32_t max_headers;
};

/* clang-format off */
#define SPATE_HTTP_LIMITS_DEFAULT                                              \
	{SPATE_HTTP_DEFAULT_MAX_REQUEST_LINE,                                  \
	 SPATE_HTTP_DEFAULT_MAX_HEADER_BYTES, SPATE_HTTP_DEFAULT_MAX_HEADERS}
/* clang-format on */

/* 0 if usable, -EINVAL if zero or above the hard ceilings. */
int spate_http_limits_check(const struct spate_http_limits *lim);

/*
 * Methods the origin recognises.  GET, HEAD and OPTIONS are served; the
 * others are known tokens (405, or routed to ingest later: POST/PUT);
 * anything else is UNKNOWN (501, RFC 9110 9.1).  Methods are case-sensitive.
 */
enum spate_http_method {
	SPATE_HTTP_METHOD_UNKNOWN = 0,
	SPATE_HTTP_METHOD_GET,
	SPATE_HTTP_METHOD_HEAD,
	SPATE_HTTP_METHOD_OPTIONS,
	SPATE_HTTP_METHOD_POST,
	SPATE_HTTP_METHOD_PUT,
	SPATE_HTTP_METHOD_DELETE,
	SPATE_HTTP_METHOD_PATCH,
	SPATE_HTTP_METHOD_CONNECT,
	SPATE_HTTP_METHOD_TRACE,
	SPATE_HTTP_METHOD_MAX
};

const char *spate_http_method_name(enum spate_http_method m);

/* Why a head was rejected; indexes the per-lcore parse error counters. */
enum spate_http_parse_error {
	SPATE_HTTP_PERR_NONE = 0,
	SPATE_HTTP_PERR_REQUEST_LINE,	     /* 400: bad request-line syntax */
	SPATE_HTTP_PERR_METHOD,		     /* 400: method is not a token */
	SPATE_HTTP_PERR_TARGET,		     /* 400: bad request-target */
	SPATE_HTTP_PERR_VERSION,	     /* 400: malformed HTTP-version */
	SPATE_HTTP_PERR_VERSION_UNSUPPORTED, /* 505: major version != 1 */
	SPATE_HTTP_PERR_LINE_TOO_LONG,	     /* 414 */
	SPATE_HTTP_PERR_HEADER_SYNTAX,	     /* 400: bad field line */
	SPATE_HTTP_PERR_OBS_FOLD, /* 400: line folding (RFC 9112 5.2) */
	SPATE_HTTP_PERR_HEADERS_TOO_LARGE, /* 431: field section bytes */
	SPATE_HTTP_PERR_TOO_MANY_HEADERS,  /* 431: field line count */
	SPATE_HTTP_PERR_HOST,		   /* 400: missing/duplicate/bad Host */
	SPATE_HTTP_PERR_CONTENT_LENGTH,	   /* 400: bad or conflicting */
	SPATE_HTTP_PERR_TRANSFER_ENCODING, /* 400: TE framing unusable */
	SPATE_HTTP_PERR_TRANSFER_CODING,   /* 501: coding we do not implement */
	SPATE_HTTP_PERR_BODY,	/* 413: content on GET/HEAD/OPTIONS */
	SPATE_HTTP_PERR_EXPECT, /* 417: expectation not 100-continue */
	SPATE_HTTP_PERR_PATH,	/* 400: percent-decoding/normalising */
	SPATE_HTTP_PERR_MAX
};

const char *spate_http_parse_strerror(enum spate_http_parse_error e);

/*
 * A piece of the request: bytes [off, off + len) of the buffer the request
 * was parsed from, relative to the request's first byte.  len 0 = absent
 * (or present but empty; the flags say which where it matters).
 */
struct spate_http_span {
	uint16_t off;
	uint16_t len;
};

/* spate_http_request.flags */
#define SPATE_HTTP_REQ_KEEP_ALIVE      (1u << 0)  /* connection may persist */
#define SPATE_HTTP_REQ_CONN_CLOSE      (1u << 1)  /* "close" token seen */
#define SPATE_HTTP_REQ_CONN_KEEP_ALIVE (1u << 2)  /* "keep-alive" token seen */
#define SPATE_HTTP_REQ_CONTENT_LENGTH  (1u << 3)  /* Content-Length present */
#define SPATE_HTTP_REQ_CHUNKED	       (1u << 4)  /* TE final coding chunked */
#define SPATE_HTTP_REQ_EXPECT_CONTINUE (1u << 5)  /* Expect: 100-continue */
#define SPATE_HTTP_REQ_ABSOLUTE_FORM   (1u << 6)  /* http://host/path */
#define SPATE_HTTP_REQ_ASTERISK_FORM   (1u << 7)  /* OPTIONS * */
#define SPATE_HTTP_REQ_AUTHORITY_FORM  (1u << 8)  /* CONNECT host:port */
#define SPATE_HTTP_REQ_HOST	       (1u << 9)  /* Host field present */
#define SPATE_HTTP_REQ_HAS_BODY	       (1u << 10) /* CL > 0 or chunked */

struct spate_http_request {
	struct spate_http_span method;
	struct spate_http_span target; /* raw request-target */
	struct spate_http_span path;   /* raw absolute path, may be empty */
	struct spate_http_span query;  /* after '?', without it */
	struct spate_http_span host;   /* target authority, else Host */
	struct spate_http_span request_line; /* without CRLF, for the log */
	struct spate_http_span range;
	struct spate_http_span if_range;
	struct spate_http_span if_none_match;
	struct spate_http_span if_modified_since;
	struct spate_http_span origin;
	struct spate_http_span user_agent;
	struct spate_http_span referer;
	struct spate_http_span acr_method; /* Access-Control-Request-Method */
	uint64_t content_length;
	uint16_t flags;	       /* SPATE_HTTP_REQ_* */
	uint16_t header_count; /* field lines */
	uint16_t head_len;     /* bytes of the whole head incl. final CRLF */
	uint8_t method_id;     /* enum spate_http_method */
	uint8_t version_major; /* always 1 in a parsed request */
	uint8_t version_minor; /* 0 or 1; 1.x above 1 is reported as 1 */
};

struct spate_http_parser {
	const struct spate_http_limits *limits;
	struct spate_http_request req;
	uint32_t pos;	       /* next byte to examine */
	uint16_t mark;	       /* start of the token/line being scanned */
	uint16_t name_end;     /* field name end */
	uint16_t value_start;  /* field value start */
	uint16_t value_end;    /* field value end, trailing OWS excluded */
	uint16_t fields_start; /* first byte after the request line */
	uint8_t state;
	uint8_t error;	  /* enum spate_http_parse_error once failed */
	uint8_t seen;	  /* duplicate tracking, internal */
	uint8_t te_state; /* Transfer-Encoding tracking, internal */
};

/* Return value of spate_http_parse when the head is not complete yet. */
#define SPATE_HTTP_PARSE_INCOMPLETE 0

/* limits must outlive the parser; it is not copied. */
void spate_http_parser_init(struct spate_http_parser *p,
			    const struct spate_http_limits *limits);

/* Forgets the current request so the parser can start on the next one. */
void spate_http_parser_reset(struct spate_http_parser *p);

/*
 * Parses the request head in buf[0, len).  Returns:
 *  > 0  the head is complete and is that many bytes long (p->req is filled;
 *       bytes after it belong to the next request),
 *  0    SPATE_HTTP_PARSE_INCOMPLETE: all of buf was examined, call again
 *       with more,
 *  < 0  minus the HTTP status to answer with (-400, -413, -414, -417, -431,
 *       -501, -505); p->error says why.  The connection must be closed
 *       after the answer: framing can no longer be trusted.
 * Once complete or failed, further calls return the same value.
 */
int spate_http_parse(struct spate_http_parser *p, const uint8_t *buf,
		     size_t len);

static inline const char *spate_http_span_ptr(const void *base,
					      struct spate_http_span s)
{
	return (const char *)base + s.off;
}

/*
 * Percent-decodes and normalises a raw absolute path (RFC 3986 5.2.4) into
 * out: "." segments dropped, ".." pops a segment, empty segments ("//")
 * merged, "%2F" decoded and treated as a separator so no encoding trick can
 * smuggle a "..".  An empty raw path becomes "/".  Rejected (returns -400):
 * a ".." that would climb above the root, a malformed "%" escape, and any
 * decoded control character (NUL included: it would truncate keys and
 * split log lines).  cap must be at least len + 1.  Returns the normalised
 * length (the output is not NUL-terminated) or -400.
 */
int spate_http_path_normalize(const char *raw, size_t len, char *out,
			      size_t cap);

/*
 * Finds the first "name=value" pair named `name` in a raw query string
 * (pairs separated by '&').  Names compare byte-exact and undecoded: the
 * parameters spate routes on (_HLS_msn, _HLS_part, _HLS_skip, token
 * parameters) never need escaping.  A bare "name" yields an empty value.
 * Returns true and sets *val and *vlen (raw, not decoded) when found.
 */
bool spate_http_query_get(const char *query, size_t qlen, const char *name,
			  const char **val, size_t *vlen);

/*
 * spate_http_query_get + decimal parse (no sign, no spaces, <= UINT64_MAX).
 * Returns 0, -ENOENT when absent, -EINVAL when not a number.
 */
int spate_http_query_get_u64(const char *query, size_t qlen, const char *name,
			     uint64_t *out);

#endif /* SPATE_HTTP_PARSER_H */
