/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response header block builder and the representation helpers it uses
 * (reason phrases, Content-Type by extension, ETags, conditionals).
 *
 * Must not: allocate, call printf, or write past the caller's capacity;
 * an overflow is reported once at the end (-ENOSPC), like a sticky error.
 */
#include "http_response.h"

#include <errno.h>
#include <string.h>

struct hdr_writer {
	char *p;
	char *end;
	bool overflow;
};

static inline void hw_put(struct hdr_writer *w, const char *s, size_t n)
{
	if ((size_t)(w->end - w->p) < n) {
		w->overflow = true;
		w->p = w->end;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

#define HW_LIT(w, s) hw_put((w), (s), sizeof(s) - 1)

static inline void hw_u64(struct hdr_writer *w, uint64_t v)
{
	char tmp[20];
	size_t k = sizeof(tmp);

	do {
		tmp[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	hw_put(w, tmp + k, sizeof(tmp) - k);
}

/* Pre-rendered status lines for every code spate sends. */
#define STATUS(code, text)                                           \
	{                                                            \
		code, sizeof("HTTP/1.1 " #code " " text "\r\n") - 1, \
			"HTTP/1.1 " #code " " text "\r\n", text      \
	}
static const struct status_info {
	uint16_t code;
	uint16_t line_len;
	const char *line;
	const char *reason;
} statuses[] = {
	STATUS(200, "OK"),
	STATUS(204, "No Content"),
	STATUS(206, "Partial Content"),
	STATUS(304, "Not Modified"),
	STATUS(400, "Bad Request"),
	STATUS(403, "Forbidden"),
	STATUS(404, "Not Found"),
	STATUS(405, "Method Not Allowed"),
	STATUS(408, "Request Timeout"),
	STATUS(410, "Gone"),
	STATUS(412, "Precondition Failed"),
	STATUS(413, "Content Too Large"),
	STATUS(414, "URI Too Long"),
	STATUS(416, "Range Not Satisfiable"),
	STATUS(417, "Expectation Failed"),
	STATUS(429, "Too Many Requests"),
	STATUS(431, "Request Header Fields Too Large"),
	STATUS(500, "Internal Server Error"),
	STATUS(501, "Not Implemented"),
	STATUS(503, "Service Unavailable"),
	STATUS(505, "HTTP Version Not Supported"),
};
#undef STATUS

static const struct status_info *status_find(unsigned code)
{
	for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
		if (statuses[k].code == code)
			return &statuses[k];
	return NULL;
}

const char *spate_http_reason(unsigned status)
{
	const struct status_info *si = status_find(status);

	return si ? si->reason : "";
}

static inline char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

const char *spate_http_content_type(const char *path, size_t len)
{
	char ext[8];
	size_t k = len, n;

	while (k > 0 && path[k - 1] != '.' && path[k - 1] != '/')
		k--;
	if (k == 0 || path[k - 1] != '.' || len - k >= sizeof(ext))
		return "application/octet-stream";
	n = len - k;
	for (size_t j = 0; j < n; j++)
		ext[j] = ascii_lower(path[k + j]);
	ext[n] = '\0';

#define EXT(e, type)             \
	if (strcmp(ext, e) == 0) \
		return type;
	switch (n) {
	case 2:
		EXT("ts", "video/mp2t");
		EXT("js", "text/javascript; charset=utf-8");
		break;
	case 3:
		EXT("m4s", "video/iso.segment");
		EXT("mp4", "video/mp4");
		EXT("mpd", "application/dash+xml");
		EXT("m4a", "audio/mp4");
		EXT("m4v", "video/mp4");
		EXT("vtt", "text/vtt");
		EXT("key", "application/octet-stream");
		EXT("aac", "audio/aac");
		EXT("css", "text/css; charset=utf-8");
		EXT("mjs", "text/javascript; charset=utf-8");
		EXT("htm", "text/html; charset=utf-8");
		EXT("txt", "text/plain; charset=utf-8");
		EXT("xml", "application/xml");
		EXT("svg", "image/svg+xml");
		EXT("png", "image/png");
		EXT("jpg", "image/jpeg");
		break;
	case 4:
		EXT("m3u8", "application/vnd.apple.mpegurl");
		EXT("json", "application/json");
		EXT("html", "text/html; charset=utf-8");
		/* CMAF track files (ISO/IEC 23000-19 Annex A). */
		EXT("cmfv", "video/mp4");
		EXT("cmfa", "audio/mp4");
		EXT("cmft", "application/mp4");
		EXT("ttml", "application/ttml+xml");
		EXT("jpeg", "image/jpeg");
		break;
	case 6:
		EXT("webvtt", "text/vtt");
		break;
	}
#undef EXT
	return "application/octet-stream";
}

size_t spate_http_etag_format(uint64_t tag, char out[SPATE_HTTP_ETAG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '"';
	for (int k = 0; k < 16; k++)
		out[1 + k] = hex[(tag >> (60 - 4 * k)) & 0xf];
	out[17] = '"';
	out[18] = '\0';
	return SPATE_HTTP_ETAG_LEN;
}

static inline bool ows(char c)
{
	return c == ' ' || c == '\t';
}

bool spate_http_etag_list_match(const char *v, size_t len, uint64_t tag)
{
	char mine[SPATE_HTTP_ETAG_LEN + 1];
	size_t k = 0;

	while (len > 0 && ows(v[len - 1]))
		len--;
	while (k < len && ows(v[k]))
		k++;
	if (len - k == 1 && v[k] == '*')
		return true;
	spate_http_etag_format(tag, mine);

	while (k < len) {
		size_t s;

		while (k < len && (ows(v[k]) || v[k] == ','))
			k++;
		if (k == len)
			break;
		if (len - k >= 2 && v[k] == 'W' && v[k + 1] == '/')
			k += 2;
		if (k == len || v[k] != '"')
			return false;
		s = k++;
		/* etagc: %x21 / %x23-7E / obs-text */
		while (k < len && v[k] != '"') {
			unsigned char c = (unsigned char)v[k];

			if (c < 0x21 || c == 0x7f)
				return false;
			k++;
		}
		if (k == len)
			return false; /* unterminated */
		k++;
		if (k - s == SPATE_HTTP_ETAG_LEN &&
		    memcmp(v + s, mine, SPATE_HTTP_ETAG_LEN) == 0)
			return true;
		while (k < len && ows(v[k]))
			k++;
		if (k < len && v[k] != ',')
			return false;
	}
	return false;
}

bool spate_http_not_modified(const char *inm, size_t inm_len, const char *ims,
			     size_t ims_len, uint64_t tag, time_t mtime)
{
	time_t since;

	/* Step 3: If-None-Match, when present, decides alone. */
	if (inm_len > 0)
		return spate_http_etag_list_match(inm, inm_len, tag);
	/* Step 4. */
	if (ims_len == 0 || mtime <= 0)
		return false;
	if (spate_http_date_parse(ims, ims_len, &since) < 0)
		return false;
	return mtime <= since;
}

bool spate_http_if_range_match(const char *v, size_t len, uint64_t tag,
			       time_t mtime)
{
	char mine[SPATE_HTTP_ETAG_LEN + 1];
	time_t t;

	while (len > 0 && ows(v[len - 1]))
		len--;
	while (len > 0 && ows(v[0])) {
		v++;
		len--;
	}
	if (len > 0 && (v[0] == '"' || v[0] == 'W')) {
		spate_http_etag_format(tag, mine);
		return len == SPATE_HTTP_ETAG_LEN &&
		       memcmp(v, mine, SPATE_HTTP_ETAG_LEN) == 0;
	}
	if (mtime <= 0 || spate_http_date_parse(v, len, &t) < 0)
		return false;
	return t == mtime;
}

static void put_cache_control(struct hdr_writer *w,
			      const struct spate_http_response *r)
{
	uint32_t age;

	switch (r->cache_class) {
	case SPATE_HTTP_CACHE_IMMUTABLE:
		HW_LIT(w, "Cache-Control: public, max-age=31536000, "
			  "immutable\r\n");
		return;
	case SPATE_HTTP_CACHE_LIVE:
		age = r->max_age_s ? r->max_age_s : 1;
		break;
	case SPATE_HTTP_CACHE_ENDED:
		age = r->max_age_s ? r->max_age_s : SPATE_HTTP_ENDED_MAX_AGE_S;
		break;
	default:
		HW_LIT(w, "Cache-Control: no-store\r\n");
		return;
	}
	HW_LIT(w, "Cache-Control: public, max-age=");
	hw_u64(w, age);
	HW_LIT(w, "\r\n");
}

int spate_http_response_build(const struct spate_http_response *r, char *buf,
			      size_t cap)
{
	struct hdr_writer w = {buf, buf + cap, false};
	unsigned st = r->status;
	const struct status_info *si = status_find(st);
	char tmp[SPATE_HTTP_DATE_LEN + 1];

	if (si != NULL) {
		hw_put(&w, si->line, si->line_len);
	} else {
		if (st < 100 || st > 599)
			st = 500;
		HW_LIT(&w, "HTTP/1.1 ");
		hw_u64(&w, st);
		HW_LIT(&w, " \r\n"); /* reason-phrase may be empty */
	}
	HW_LIT(&w, "Server: spate\r\n");
	if (r->date != NULL) {
		HW_LIT(&w, "Date: ");
		hw_put(&w, r->date, SPATE_HTTP_DATE_LEN);
		HW_LIT(&w, "\r\n");
	}
	if (r->content_type != NULL && st != 304) {
		HW_LIT(&w, "Content-Type: ");
		hw_put(&w, r->content_type, strlen(r->content_type));
		HW_LIT(&w, "\r\n");
	}
	if (st >= 200 && st != 204 && st != 304) {
		HW_LIT(&w, "Content-Length: ");
		hw_u64(&w, r->content_length);
		HW_LIT(&w, "\r\n");
	}
	if (st == 206) {
		HW_LIT(&w, "Content-Range: bytes ");
		hw_u64(&w, r->range.first);
		HW_LIT(&w, "-");
		hw_u64(&w, r->range.last);
		HW_LIT(&w, "/");
		hw_u64(&w, r->range.size);
		HW_LIT(&w, "\r\n");
	} else if (st == 416) {
		HW_LIT(&w, "Content-Range: bytes */");
		hw_u64(&w, r->range.size);
		HW_LIT(&w, "\r\n");
	}
	if (r->flags & SPATE_HTTP_RESP_LAST_MODIFIED) {
		spate_http_date_format(r->last_modified, tmp);
		HW_LIT(&w, "Last-Modified: ");
		hw_put(&w, tmp, SPATE_HTTP_DATE_LEN);
		HW_LIT(&w, "\r\n");
	}
	if (r->flags & SPATE_HTTP_RESP_ETAG) {
		spate_http_etag_format(r->etag, tmp);
		HW_LIT(&w, "ETag: ");
		hw_put(&w, tmp, SPATE_HTTP_ETAG_LEN);
		HW_LIT(&w, "\r\n");
	}
	if (st == 200 || st == 206 || st == 304)
		put_cache_control(&w, r);
	else if (st == 404 || st == 410)
		HW_LIT(&w, "Cache-Control: max-age=1\r\n");
	else if (st >= 400)
		HW_LIT(&w, "Cache-Control: no-store\r\n");
	if (r->flags & SPATE_HTTP_RESP_ACCEPT_RANGES)
		HW_LIT(&w, "Accept-Ranges: bytes\r\n");
	if (r->flags & SPATE_HTTP_RESP_ALLOW)
		HW_LIT(&w, "Allow: GET, HEAD, OPTIONS\r\n");
	if (r->retry_after_s > 0) {
		HW_LIT(&w, "Retry-After: ");
		hw_u64(&w, r->retry_after_s);
		HW_LIT(&w, "\r\n");
	}
	if (r->flags & (SPATE_HTTP_RESP_CORS | SPATE_HTTP_RESP_PREFLIGHT))
		HW_LIT(&w, "Access-Control-Allow-Origin: *\r\n");
	if (r->flags & SPATE_HTTP_RESP_PREFLIGHT) {
		/*
		 * Range is what players add; the conditionals are what a
		 * revalidating fetch adds.  A constant list: see the Vary
		 * note in http_response.h.
		 */
		HW_LIT(&w,
		       "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
		       "Access-Control-Allow-Headers: Range, If-None-Match, "
		       "If-Modified-Since, If-Range, Cache-Control\r\n"
		       "Access-Control-Max-Age: ");
		hw_u64(&w, r->max_age_s);
		HW_LIT(&w, "\r\n");
	} else if (r->flags & SPATE_HTTP_RESP_CORS) {
		/* Date matters to players: dash.js clock sync reads it. */
		HW_LIT(&w, "Access-Control-Expose-Headers: Content-Length, "
			   "Content-Range, Date, ETag\r\n");
	}
	if (r->flags & SPATE_HTTP_RESP_KEEP_ALIVE)
		HW_LIT(&w, "Connection: keep-alive\r\n\r\n");
	else
		HW_LIT(&w, "Connection: close\r\n\r\n");
	if (w.overflow)
		return -ENOSPC;
	return (int)(w.p - buf);
}

int spate_http_response_overload(const char *date, uint32_t retry_after_s,
				 char *buf, size_t cap)
{
	struct spate_http_response r;

	memset(&r, 0, sizeof(r));
	r.status = 503;
	r.date = date;
	r.retry_after_s = retry_after_s ? retry_after_s : 1;
	r.flags = SPATE_HTTP_RESP_CORS;
	return spate_http_response_build(&r, buf, cap);
}
