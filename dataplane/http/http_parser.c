/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request-head state machine.  One switch over `state`, one byte per
 * step (with tight inner loops where a state eats long runs: the target and
 * field values), all progress kept in struct spate_http_parser so a call may
 * end at any byte.  Field lines are interpreted as each one completes; the
 * framing rules that need the whole head (Host in 1.1, CL vs TE, content on
 * GET) run once at the empty line.
 *
 * Must not: copy or allocate, read past len, or look at bytes after the
 * head (they are the next pipelined request).
 */
#include "http_parser.h"

#include <errno.h>
#include <string.h>

enum parser_state {
	S_START = 0, /* before the method; empty lines skipped */
	S_START_LF,  /* CR seen before the method */
	S_METHOD,
	S_TARGET_START,
	S_TARGET,
	S_V_H,
	S_V_T1,
	S_V_T2,
	S_V_P,
	S_V_SLASH,
	S_V_MAJOR,
	S_V_DOT,
	S_V_MINOR,
	S_RL_END, /* after the minor digit: CR or LF */
	S_RL_LF,
	/* Everything from here on counts against max_header_bytes. */
	S_FIELD_START,
	S_FIELD_NAME,
	S_FIELD_OWS,
	S_FIELD_VALUE,
	S_FIELD_LF,
	S_HEAD_END_LF,
	S_DONE,
	S_ERROR,
};

/* parser.seen: fields whose repetition matters. */
#define SEEN_HOST	  (1u << 0)
#define SEEN_RANGE	  (1u << 1)
#define SEEN_IF_RANGE	  (1u << 2)
#define SEEN_IMS	  (1u << 3)
#define SEEN_CL		  (1u << 4)
#define SEEN_EXPECT_OTHER (1u << 5)

/* parser.te_state */
#define TE_PRESENT	(1u << 0)
#define TE_LAST_CHUNKED (1u << 1)
#define TE_OTHER_CODING (1u << 2)
#define TE_BAD		(1u << 3)

/*
 * tchar (RFC 9110 5.6.2): "!#$%&'*+-.^_`|~" DIGIT ALPHA.  Used for methods
 * and field names.
 */
/* clang-format off */
static const uint8_t tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};
/* clang-format on */

/*
 * Request-target bytes: any VCHAR.  RFC 3986 is stricter ('"', '<', '{',
 * '|' ... are not allowed), but real players and CDNs send some of them
 * unescaped in query strings, and nothing downstream treats them
 * specially.  Controls, space, DEL and non-ASCII are refused: browsers
 * always percent-encode those, and letting them through is how log and
 * header injection start.
 */
static inline bool target_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

/* field-vchar: VCHAR or obs-text; SP/HTAB handled by the caller. */
static inline bool field_vchar(uint8_t c)
{
	return c > 0x20 && c != 0x7f;
}

static inline uint8_t ascii_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Case-insensitive compare of n bytes against a lowercase literal. */
static bool ci_eq(const uint8_t *s, const char *lit, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (ascii_lower(s[k]) != (uint8_t)lit[k])
			return false;
	return true;
}

#define CI_IS(s, n, lit) ((n) == sizeof(lit) - 1 && ci_eq((s), (lit), (n)))

static const char *const method_names[SPATE_HTTP_METHOD_MAX] = {
	[SPATE_HTTP_METHOD_UNKNOWN] = "-",
	[SPATE_HTTP_METHOD_GET] = "GET",
	[SPATE_HTTP_METHOD_HEAD] = "HEAD",
	[SPATE_HTTP_METHOD_OPTIONS] = "OPTIONS",
	[SPATE_HTTP_METHOD_POST] = "POST",
	[SPATE_HTTP_METHOD_PUT] = "PUT",
	[SPATE_HTTP_METHOD_DELETE] = "DELETE",
	[SPATE_HTTP_METHOD_PATCH] = "PATCH",
	[SPATE_HTTP_METHOD_CONNECT] = "CONNECT",
	[SPATE_HTTP_METHOD_TRACE] = "TRACE",
};

const char *spate_http_method_name(enum spate_http_method m)
{
	if ((unsigned)m >= SPATE_HTTP_METHOD_MAX)
		return "-";
	return method_names[m];
}

static const struct {
	const char *text;
	int status;
} perr_info[SPATE_HTTP_PERR_MAX] = {
	[SPATE_HTTP_PERR_NONE] = {"no error", 0},
	[SPATE_HTTP_PERR_REQUEST_LINE] = {"malformed request line", 400},
	[SPATE_HTTP_PERR_METHOD] = {"method is not a token", 400},
	[SPATE_HTTP_PERR_TARGET] = {"invalid request-target", 400},
	[SPATE_HTTP_PERR_VERSION] = {"malformed HTTP version", 400},
	[SPATE_HTTP_PERR_VERSION_UNSUPPORTED] = {"HTTP major version not 1",
						 505},
	[SPATE_HTTP_PERR_LINE_TOO_LONG] = {"request line too long", 414},
	[SPATE_HTTP_PERR_HEADER_SYNTAX] = {"malformed header field", 400},
	[SPATE_HTTP_PERR_OBS_FOLD] = {"obsolete line folding", 400},
	[SPATE_HTTP_PERR_HEADERS_TOO_LARGE] = {"header section too large", 431},
	[SPATE_HTTP_PERR_TOO_MANY_HEADERS] = {"too many header fields", 431},
	[SPATE_HTTP_PERR_HOST] = {"missing, duplicate or invalid Host", 400},
	[SPATE_HTTP_PERR_CONTENT_LENGTH] = {"invalid Content-Length", 400},
	[SPATE_HTTP_PERR_TRANSFER_ENCODING] = {"unusable Transfer-Encoding",
					       400},
	[SPATE_HTTP_PERR_TRANSFER_CODING] = {"transfer coding not implemented",
					     501},
	[SPATE_HTTP_PERR_BODY] = {"request content not accepted", 413},
	[SPATE_HTTP_PERR_EXPECT] = {"unsupported expectation", 417},
	[SPATE_HTTP_PERR_PATH] = {"invalid path", 400},
};

const char *spate_http_parse_strerror(enum spate_http_parse_error e)
{
	if ((unsigned)e >= SPATE_HTTP_PERR_MAX)
		return "unknown parse error";
	return perr_info[e].text;
}

int spate_http_limits_check(const struct spate_http_limits *lim)
{
	if (lim->max_request_line < 16 ||
	    lim->max_request_line > SPATE_HTTP_LIMIT_REQUEST_LINE ||
	    lim->max_header_bytes < 2 ||
	    lim->max_header_bytes > SPATE_HTTP_LIMIT_HEADER_BYTES ||
	    lim->max_headers == 0 || lim->max_headers > UINT16_MAX)
		return -EINVAL;
	return 0;
}

void spate_http_parser_init(struct spate_http_parser *p,
			    const struct spate_http_limits *limits)
{
	memset(p, 0, sizeof(*p));
	p->limits = limits;
}

void spate_http_parser_reset(struct spate_http_parser *p)
{
	const struct spate_http_limits *limits = p->limits;

	memset(p, 0, sizeof(*p));
	p->limits = limits;
}

static int fail(struct spate_http_parser *p, enum spate_http_parse_error e)
{
	p->state = S_ERROR;
	p->error = (uint8_t)e;
	return -perr_info[e].status;
}

static inline struct spate_http_span span(size_t off, size_t len)
{
	struct spate_http_span s = {(uint16_t)off, (uint16_t)len};

	return s;
}

static enum spate_http_method method_lookup(const uint8_t *m, size_t n)
{
#define M_IS(lit) (n == sizeof(lit) - 1 && memcmp(m, lit, n) == 0)
	switch (n) {
	case 3:
		if (M_IS("GET"))
			return SPATE_HTTP_METHOD_GET;
		if (M_IS("PUT"))
			return SPATE_HTTP_METHOD_PUT;
		break;
	case 4:
		if (M_IS("HEAD"))
			return SPATE_HTTP_METHOD_HEAD;
		if (M_IS("POST"))
			return SPATE_HTTP_METHOD_POST;
		break;
	case 5:
		if (M_IS("PATCH"))
			return SPATE_HTTP_METHOD_PATCH;
		if (M_IS("TRACE"))
			return SPATE_HTTP_METHOD_TRACE;
		break;
	case 6:
		if (M_IS("DELETE"))
			return SPATE_HTTP_METHOD_DELETE;
		break;
	case 7:
		if (M_IS("OPTIONS"))
			return SPATE_HTTP_METHOD_OPTIONS;
		if (M_IS("CONNECT"))
			return SPATE_HTTP_METHOD_CONNECT;
		break;
	}
	return SPATE_HTTP_METHOD_UNKNOWN;
#undef M_IS
}

/*
 * uri-host / port characters (RFC 3986 reg-name, IP-literal, ':' port).
 * '@' (userinfo), '/' and '\' are refused: a Host that smuggles a path
 * or credentials is never legitimate for an origin.
 */
static bool host_valid(const uint8_t *h, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint8_t c = h[k];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		/* clang-format off */
		switch (c) {
		case '-': case '.': case '_': case '~': case '!': case '$':
		case '&': case '\'': case '(': case ')': case '*': case '+':
		case ',': case ';': case '=': case ':': case '[': case ']':
		case '%':
			continue;
		default:
			return false;
		}
		/* clang-format on */
	}
	return true;
}

/* Splits [off, end) of an origin-form path?query#fragment. */
static void split_path_query(struct spate_http_request *r, const uint8_t *buf,
			     size_t off, size_t end)
{
	size_t k = off;

	/* A fragment is never sent by a conforming client; cut it off. */
	for (size_t f = off; f < end; f++)
		if (buf[f] == '#') {
			end = f;
			break;
		}
	while (k < end && buf[k] != '?')
		k++;
	r->path = span(off, k - off);
	if (k < end)
		r->query = span(k + 1, end - k - 1);
}

/* Classifies the request-target once the request line is complete. */
static int target_classify(struct spate_http_parser *p, const uint8_t *buf)
{
	struct spate_http_request *r = &p->req;
	const uint8_t *t = buf + r->target.off;
	size_t n = r->target.len;
	size_t off = r->target.off, end = off + n, k, scheme_len;

	if (t[0] == '/') {
		split_path_query(r, buf, off, end);
		return 0;
	}
	if (n == 1 && t[0] == '*') {
		if (r->method_id != SPATE_HTTP_METHOD_OPTIONS)
			return fail(p, SPATE_HTTP_PERR_TARGET);
		r->flags |= SPATE_HTTP_REQ_ASTERISK_FORM;
		r->path = span(off, 0);
		return 0;
	}
	if (r->method_id == SPATE_HTTP_METHOD_CONNECT) {
		/* authority-form; answered 405 later, but parsed cleanly. */
		if (!host_valid(t, n))
			return fail(p, SPATE_HTTP_PERR_TARGET);
		r->flags |= SPATE_HTTP_REQ_AUTHORITY_FORM;
		r->host = r->target;
		r->path = span(off, 0);
		return 0;
	}
	if (n > 7 && ci_eq(t, "http://", 7))
		scheme_len = 7;
	else if (n > 8 && ci_eq(t, "https://", 8))
		scheme_len = 8;
	else
		return fail(p, SPATE_HTTP_PERR_TARGET);

	/*
	 * absolute-form (RFC 9112 3.2.2): the authority in the target wins
	 * over any Host field (3.2.3).
	 */
	k = off + scheme_len;
	while (k < end && buf[k] != '/' && buf[k] != '?' && buf[k] != '#')
		k++;
	if (k == off + scheme_len ||
	    !host_valid(buf + off + scheme_len, k - off - scheme_len))
		return fail(p, SPATE_HTTP_PERR_TARGET);
	r->host = span(off + scheme_len, k - off - scheme_len);
	r->flags |= SPATE_HTTP_REQ_ABSOLUTE_FORM;
	if (k < end && buf[k] == '/') {
		split_path_query(r, buf, k, end);
	} else {
		/*
		 * "http://h" or "http://h?x": empty path (normalised to "/"
		 * later); the split sees the '?' first and leaves path empty.
		 */
		split_path_query(r, buf, k, end);
	}
	return 0;
}

static int request_line_done(struct spate_http_parser *p, const uint8_t *buf,
			     size_t line_end)
{
	struct spate_http_request *r = &p->req;

	r->request_line = span(r->method.off, line_end - r->method.off);
	/*
	 * RFC 9112 2.3: a 1.x minor above 1 is treated as the highest we
	 * implement; any other major is 505 once the line is known to be
	 * well-formed.
	 */
	if (r->version_major != 1)
		return fail(p, SPATE_HTTP_PERR_VERSION_UNSUPPORTED);
	if (r->version_minor > 1)
		r->version_minor = 1;
	return target_classify(p, buf);
}

/* Calls fn on each comma-separated token of a list value, OWS trimmed. */
static void list_tokens(const uint8_t *v, size_t n,
			void (*fn)(struct spate_http_parser *, const uint8_t *,
				   size_t),
			struct spate_http_parser *p)
{
	size_t k = 0;

	while (k < n) {
		size_t s, e;

		while (k < n && (v[k] == ' ' || v[k] == '\t' || v[k] == ','))
			k++;
		s = k;
		while (k < n && v[k] != ',')
			k++;
		e = k;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s)
			fn(p, v + s, e - s);
	}
}

static void connection_token(struct spate_http_parser *p, const uint8_t *t,
			     size_t n)
{
	if (CI_IS(t, n, "close"))
		p->req.flags |= SPATE_HTTP_REQ_CONN_CLOSE;
	else if (CI_IS(t, n, "keep-alive"))
		p->req.flags |= SPATE_HTTP_REQ_CONN_KEEP_ALIVE;
}

/*
 * Transfer-Encoding is a list, possibly over several field lines; only
 * the last coding decides framing, and it must be chunked (RFC 9112 6.3).
 */
static void te_token(struct spate_http_parser *p, const uint8_t *t, size_t n)
{
	size_t k;

	p->te_state |= TE_PRESENT;
	/* Parameters ("gzip;q=1") do not change the coding name. */
	for (k = 0; k < n && t[k] != ';' && t[k] != ' ' && t[k] != '\t'; k++)
		;
	if (CI_IS(t, k, "chunked")) {
		if (p->te_state & TE_LAST_CHUNKED)
			p->te_state |= TE_BAD; /* chunked twice */
		p->te_state |= TE_LAST_CHUNKED;
	} else {
		if (p->te_state & TE_LAST_CHUNKED)
			p->te_state |= TE_BAD; /* chunked not final */
		p->te_state &= (uint8_t)~TE_LAST_CHUNKED;
		p->te_state |= TE_OTHER_CODING;
	}
}

static int content_length_parse(struct spate_http_parser *p, const uint8_t *v,
				size_t n)
{
	uint64_t cl = 0;

	/*
	 * 1*DIGIT only.  RFC 9110 8.6 lets a recipient accept a list of
	 * identical values; refusing is simpler and what the smuggling
	 * advisories recommend.
	 */
	if (n == 0)
		return fail(p, SPATE_HTTP_PERR_CONTENT_LENGTH);
	for (size_t k = 0; k < n; k++) {
		unsigned d = (unsigned)v[k] - '0';

		if (d > 9 || cl > (UINT64_MAX - d) / 10)
			return fail(p, SPATE_HTTP_PERR_CONTENT_LENGTH);
		cl = cl * 10 + d;
	}
	if ((p->seen & SEEN_CL) && cl != p->req.content_length)
		return fail(p, SPATE_HTTP_PERR_CONTENT_LENGTH);
	p->seen |= SEEN_CL;
	p->req.content_length = cl;
	p->req.flags |= SPATE_HTTP_REQ_CONTENT_LENGTH;
	return 0;
}

/*
 * Singleton fields where a wrong pick would give a wrong answer (Range,
 * If-Range, If-Modified-Since): a repeat makes us ignore the field, which
 * degrades to a plain 200.  Fields where the first one is a safe answer
 * (If-None-Match: missing a match only costs a 200) keep the first.
 */
static void singleton(struct spate_http_parser *p, struct spate_http_span *s,
		      uint8_t seen_bit, size_t off, size_t len)
{
	if (p->seen & seen_bit) {
		*s = span(0, 0);
		return;
	}
	p->seen |= seen_bit;
	*s = span(off, len);
}

static void first_wins(struct spate_http_span *s, size_t off, size_t len)
{
	if (s->len == 0)
		*s = span(off, len);
}

/* Interprets one complete field line. */
static int field_done(struct spate_http_parser *p, const uint8_t *buf)
{
	struct spate_http_request *r = &p->req;
	const uint8_t *name = buf + p->mark;
	size_t nlen = (size_t)(p->name_end - p->mark);
	size_t voff = p->value_start;
	size_t vlen = (size_t)(p->value_end - p->value_start);
	const uint8_t *v = buf + voff;

	switch (nlen) {
	case 4:
		if (CI_IS(name, nlen, "host")) {
			if ((p->seen & SEEN_HOST) || !host_valid(v, vlen))
				return fail(p, SPATE_HTTP_PERR_HOST);
			p->seen |= SEEN_HOST;
			r->flags |= SPATE_HTTP_REQ_HOST;
			if (!(r->flags & (SPATE_HTTP_REQ_ABSOLUTE_FORM |
					  SPATE_HTTP_REQ_AUTHORITY_FORM)))
				r->host = span(voff, vlen);
		}
		break;
	case 5:
		if (CI_IS(name, nlen, "range"))
			singleton(p, &r->range, SEEN_RANGE, voff, vlen);
		break;
	case 6:
		if (CI_IS(name, nlen, "origin")) {
			first_wins(&r->origin, voff, vlen);
		} else if (CI_IS(name, nlen, "expect")) {
			if (CI_IS(v, vlen, "100-continue"))
				r->flags |= SPATE_HTTP_REQ_EXPECT_CONTINUE;
			else
				p->seen |= SEEN_EXPECT_OTHER;
		}
		break;
	case 7:
		if (CI_IS(name, nlen, "referer"))
			first_wins(&r->referer, voff, vlen);
		break;
	case 8:
		if (CI_IS(name, nlen, "if-range"))
			singleton(p, &r->if_range, SEEN_IF_RANGE, voff, vlen);
		break;
	case 10:
		if (CI_IS(name, nlen, "connection"))
			list_tokens(v, vlen, connection_token, p);
		else if (CI_IS(name, nlen, "user-agent"))
			first_wins(&r->user_agent, voff, vlen);
		break;
	case 13:
		if (CI_IS(name, nlen, "if-none-match"))
			first_wins(&r->if_none_match, voff, vlen);
		break;
	case 14:
		if (CI_IS(name, nlen, "content-length"))
			return content_length_parse(p, v, vlen);
		break;
	case 17:
		if (CI_IS(name, nlen, "if-modified-since")) {
			singleton(p, &r->if_modified_since, SEEN_IMS, voff,
				  vlen);
		} else if (CI_IS(name, nlen, "transfer-encoding")) {
			p->te_state |= TE_PRESENT;
			if (vlen == 0)
				p->te_state |= TE_BAD;
			list_tokens(v, vlen, te_token, p);
		}
		break;
	case 29:
		if (CI_IS(name, nlen, "access-control-request-method"))
			first_wins(&r->acr_method, voff, vlen);
		break;
	}
	return 0;
}

/* Whole-head rules, run at the empty line. */
static int head_done(struct spate_http_parser *p, size_t head_len)
{
	struct spate_http_request *r = &p->req;
	bool v11 = r->version_minor >= 1;

	if (p->te_state & TE_PRESENT) {
		/*
		 * RFC 9112 6.1: TE in a 1.0 request is faulty framing;
		 * 6.3: TE with Content-Length is a smuggling attempt we
		 * refuse rather than resolve; a final coding other than
		 * chunked leaves the length unknowable.  All 400 + close.
		 */
		if (!v11 || (p->seen & SEEN_CL) || (p->te_state & TE_BAD) ||
		    !(p->te_state & TE_LAST_CHUNKED))
			return fail(p, SPATE_HTTP_PERR_TRANSFER_ENCODING);
		/* "gzip, chunked": framing is fine, the coding is not ours. */
		if (p->te_state & TE_OTHER_CODING)
			return fail(p, SPATE_HTTP_PERR_TRANSFER_CODING);
		r->flags |= SPATE_HTTP_REQ_CHUNKED | SPATE_HTTP_REQ_HAS_BODY;
	}
	if (r->content_length > 0)
		r->flags |= SPATE_HTTP_REQ_HAS_BODY;

	/* RFC 9112 3.2: a 1.1 request without Host is a 400. */
	if (v11 && !(p->seen & SEEN_HOST))
		return fail(p, SPATE_HTTP_PERR_HOST);

	/*
	 * Content on GET/HEAD/OPTIONS: RFC 9110 9.3.1/9.3.2 give it no
	 * semantics and warn it may be rejected.  It is not malformed, so
	 * 400 would be wrong; 413 (Content Too Large, 15.5.14) says exactly
	 * "the server will not take content this large" -- here, any -- and
	 * lets us close instead of reading and discarding it.
	 */
	if ((r->flags & SPATE_HTTP_REQ_HAS_BODY) &&
	    (r->method_id == SPATE_HTTP_METHOD_GET ||
	     r->method_id == SPATE_HTTP_METHOD_HEAD ||
	     r->method_id == SPATE_HTTP_METHOD_OPTIONS))
		return fail(p, SPATE_HTTP_PERR_BODY);

	/*
	 * RFC 9110 10.1.1: ignore expectations in 1.0; in 1.1 anything but
	 * 100-continue MAY get 417, which beats silently ignoring it.
	 */
	if (!v11)
		r->flags &= (uint16_t)~SPATE_HTTP_REQ_EXPECT_CONTINUE;
	else if (p->seen & SEEN_EXPECT_OTHER)
		return fail(p, SPATE_HTTP_PERR_EXPECT);

	/* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only on request. */
	if (r->flags & SPATE_HTTP_REQ_CONN_CLOSE)
		;
	else if (v11 || (r->flags & SPATE_HTTP_REQ_CONN_KEEP_ALIVE))
		r->flags |= SPATE_HTTP_REQ_KEEP_ALIVE;

	r->head_len = (uint16_t)head_len;
	p->state = S_DONE;
	p->pos = (uint32_t)head_len;
	return (int)head_len;
}

int spate_http_parse(struct spate_http_parser *p, const uint8_t *buf,
		     size_t len)
{
	const struct spate_http_limits *lim = p->limits;
	struct spate_http_request *r = &p->req;
	size_t i = p->pos, end, rl_max = lim->max_request_line;
	unsigned state = p->state;
	uint8_t ch;
	int rc;

	if (state == S_DONE)
		return r->head_len;
	if (state == S_ERROR)
		return -perr_info[p->error].status;

	for (; i < len; i++) {
		if (state < S_FIELD_START) {
			if (i >= rl_max)
				return fail(p, SPATE_HTTP_PERR_LINE_TOO_LONG);
		} else if (i - p->fields_start >= lim->max_header_bytes) {
			return fail(p, SPATE_HTTP_PERR_HEADERS_TOO_LARGE);
		}
		ch = buf[i];

		switch (state) {
		case S_START:
			/* RFC 9112 2.2: ignore empty lines before a request. */
			if (ch == '\r') {
				state = S_START_LF;
			} else if (ch == '\n') {
				;
			} else if (tchar[ch]) {
				r->method.off = (uint16_t)i;
				state = S_METHOD;
			} else {
				return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
			}
			break;

		case S_START_LF:
			if (ch != '\n')
				return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
			state = S_START;
			break;

		case S_METHOD:
			if (tchar[ch])
				break;
			if (ch == '\r' || ch == '\n' || ch == '\t')
				return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
			if (ch != ' ')
				return fail(p, SPATE_HTTP_PERR_METHOD);
			r->method.len = (uint16_t)(i - r->method.off);
			r->method_id = (uint8_t)method_lookup(
				buf + r->method.off, r->method.len);
			state = S_TARGET_START;
			break;

		case S_TARGET_START:
			if (ch == ' ' || ch == '\r' || ch == '\n')
				return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
			if (!target_char(ch))
				return fail(p, SPATE_HTTP_PERR_TARGET);
			r->target.off = (uint16_t)i;
			state = S_TARGET;
			break;

		case S_TARGET:
			end = len < rl_max ? len : rl_max;
			while (i < end && target_char(buf[i]))
				i++;
			if (i == end) {
				i--; /* resume (or hit the limit) next round */
				break;
			}
			ch = buf[i];
			if (ch == ' ') {
				r->target.len = (uint16_t)(i - r->target.off);
				state = S_V_H;
				break;
			}
			/* "GET /\r\n" is HTTP/0.9, which we do not speak. */
			if (ch == '\r' || ch == '\n')
				return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
			return fail(p, SPATE_HTTP_PERR_TARGET);

		/* HTTP-name is case-sensitive (RFC 9112 2.3). */
		case S_V_H:
			if (ch != 'H')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			state = S_V_T1;
			break;
		case S_V_T1:
			if (ch != 'T')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			state = S_V_T2;
			break;
		case S_V_T2:
			if (ch != 'T')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			state = S_V_P;
			break;
		case S_V_P:
			if (ch != 'P')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			state = S_V_SLASH;
			break;
		case S_V_SLASH:
			if (ch != '/')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			state = S_V_MAJOR;
			break;
		case S_V_MAJOR:
			if (ch < '0' || ch > '9')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			r->version_major = (uint8_t)(ch - '0');
			state = S_V_DOT;
			break;
		case S_V_DOT:
			if (ch != '.')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			state = S_V_MINOR;
			break;
		case S_V_MINOR:
			if (ch < '0' || ch > '9')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			r->version_minor = (uint8_t)(ch - '0');
			state = S_RL_END;
			break;
		case S_RL_END:
			if (ch == '\r') {
				state = S_RL_LF;
				break;
			}
			if (ch != '\n')
				return fail(p, SPATE_HTTP_PERR_VERSION);
			/* A bare LF ends a line too (RFC 9112 2.2). */
			rc = request_line_done(p, buf, i);
			if (rc < 0)
				return rc;
			p->fields_start = (uint16_t)(i + 1);
			state = S_FIELD_START;
			break;
		case S_RL_LF:
			if (ch != '\n')
				return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
			rc = request_line_done(p, buf, i - 1);
			if (rc < 0)
				return rc;
			p->fields_start = (uint16_t)(i + 1);
			state = S_FIELD_START;
			break;

		case S_FIELD_START:
			if (ch == '\r') {
				state = S_HEAD_END_LF;
				break;
			}
			if (ch == '\n')
				return head_done(p, i + 1);
			/*
			 * RFC 9112 5.2: obs-fold may be rejected with 400;
			 * whitespace before the first field (2.2) likewise.
			 */
			if ((ch == ' ' || ch == '\t') && r->header_count > 0)
				return fail(p, SPATE_HTTP_PERR_OBS_FOLD);
			if (!tchar[ch])
				return fail(p, SPATE_HTTP_PERR_HEADER_SYNTAX);
			if (r->header_count >= lim->max_headers)
				return fail(p,
					    SPATE_HTTP_PERR_TOO_MANY_HEADERS);
			r->header_count++;
			p->mark = (uint16_t)i;
			state = S_FIELD_NAME;
			break;

		case S_FIELD_NAME:
			if (tchar[ch])
				break;
			/* No whitespace before the colon (RFC 9112 5.1). */
			if (ch != ':')
				return fail(p, SPATE_HTTP_PERR_HEADER_SYNTAX);
			p->name_end = (uint16_t)i;
			state = S_FIELD_OWS;
			break;

		case S_FIELD_OWS:
			if (ch == ' ' || ch == '\t')
				break;
			if (ch == '\r' || ch == '\n') {
				p->value_start = p->value_end = (uint16_t)i;
				if (ch == '\r') {
					state = S_FIELD_LF;
					break;
				}
				rc = field_done(p, buf);
				if (rc < 0)
					return rc;
				state = S_FIELD_START;
				break;
			}
			if (!field_vchar(ch))
				return fail(p, SPATE_HTTP_PERR_HEADER_SYNTAX);
			p->value_start = (uint16_t)i;
			p->value_end = (uint16_t)(i + 1);
			state = S_FIELD_VALUE;
			break;

		case S_FIELD_VALUE:
			end = p->fields_start + (size_t)lim->max_header_bytes;
			if (end > len)
				end = len;
			for (; i < end; i++) {
				ch = buf[i];
				if (field_vchar(ch))
					p->value_end = (uint16_t)(i + 1);
				else if (ch != ' ' && ch != '\t')
					break;
			}
			if (i == end) {
				i--;
				break;
			}
			if (ch == '\r') {
				state = S_FIELD_LF;
				break;
			}
			if (ch == '\n') {
				rc = field_done(p, buf);
				if (rc < 0)
					return rc;
				state = S_FIELD_START;
				break;
			}
			/* NUL, bare controls, DEL. */
			return fail(p, SPATE_HTTP_PERR_HEADER_SYNTAX);

		case S_FIELD_LF:
			if (ch != '\n') /* bare CR */
				return fail(p, SPATE_HTTP_PERR_HEADER_SYNTAX);
			rc = field_done(p, buf);
			if (rc < 0)
				return rc;
			state = S_FIELD_START;
			break;

		case S_HEAD_END_LF:
			if (ch != '\n')
				return fail(p, SPATE_HTTP_PERR_HEADER_SYNTAX);
			return head_done(p, i + 1);

		default:
			return fail(p, SPATE_HTTP_PERR_REQUEST_LINE);
		}
	}
	p->pos = (uint32_t)i;
	p->state = (uint8_t)state;
	return SPATE_HTTP_PARSE_INCOMPLETE;
}
