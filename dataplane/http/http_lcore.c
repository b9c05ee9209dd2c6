/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore HTTP context: configuration defaults and checks, counters and
 * their names, the overload answer.  Nothing here runs per byte.
 */
#include "http_conn.h"

#include <errno.h>
#include <string.h>

void spate_http_config_default(struct spate_http_config *cfg)
{
	static const struct spate_http_limits lim = SPATE_HTTP_LIMITS_DEFAULT;

	memset(cfg, 0, sizeof(*cfg));
	cfg->limits = lim;
	cfg->header_timeout_ms = SPATE_HTTP_DEFAULT_HEADER_TIMEOUT_MS;
	cfg->keepalive_timeout_ms = SPATE_HTTP_DEFAULT_KEEPALIVE_TIMEOUT_MS;
	cfg->hold_timeout_ms = SPATE_HTTP_DEFAULT_HOLD_TIMEOUT_MS;
	cfg->max_keepalive_requests = SPATE_HTTP_DEFAULT_MAX_KEEPALIVE_REQS;
	cfg->retry_after_s = SPATE_HTTP_DEFAULT_RETRY_AFTER_S;
	cfg->cors_max_age_s = SPATE_HTTP_CORS_MAX_AGE_S;
	cfg->cors = true;
}

int spate_http_config_check(const struct spate_http_config *cfg)
{
	if (spate_http_limits_check(&cfg->limits) < 0)
		return -EINVAL;
	if (cfg->header_timeout_ms == 0 || cfg->keepalive_timeout_ms == 0 ||
	    cfg->hold_timeout_ms == 0)
		return -EINVAL;
	return 0;
}

int spate_http_lcore_init(struct spate_http_lcore *lc,
			  const struct spate_http_config *cfg,
			  struct spate_http_log_ring *log, int64_t wall_ms)
{
	if (spate_http_config_check(cfg) < 0)
		return -EINVAL;
	memset(&lc->stats, 0, sizeof(lc->stats));
	lc->cfg = cfg;
	lc->log = log;
	/* Force the first render. */
	lc->date_sec = wall_ms / 1000 - 1;
	spate_http_lcore_clock(lc, wall_ms);
	return 0;
}

enum spate_http_status_slot spate_http_status_slot(unsigned status)
{
	/* clang-format off */
	switch (status) {
	case 200: return SPATE_HTTP_ST_200;
	case 204: return SPATE_HTTP_ST_204;
	case 206: return SPATE_HTTP_ST_206;
	case 304: return SPATE_HTTP_ST_304;
	case 400: return SPATE_HTTP_ST_400;
	case 403: return SPATE_HTTP_ST_403;
	case 404: return SPATE_HTTP_ST_404;
	case 405: return SPATE_HTTP_ST_405;
	case 408: return SPATE_HTTP_ST_408;
	case 413: return SPATE_HTTP_ST_413;
	case 414: return SPATE_HTTP_ST_414;
	case 416: return SPATE_HTTP_ST_416;
	case 417: return SPATE_HTTP_ST_417;
	case 431: return SPATE_HTTP_ST_431;
	case 500: return SPATE_HTTP_ST_500;
	case 501: return SPATE_HTTP_ST_501;
	case 503: return SPATE_HTTP_ST_503;
	case 505: return SPATE_HTTP_ST_505;
	}
	/* clang-format on */
	if (status >= 200 && status < 300)
		return SPATE_HTTP_ST_2XX_OTHER;
	if (status >= 400 && status < 500)
		return SPATE_HTTP_ST_4XX_OTHER;
	if (status >= 500 && status < 600)
		return SPATE_HTTP_ST_5XX_OTHER;
	return SPATE_HTTP_ST_OTHER;
}

const char *spate_http_status_slot_name(enum spate_http_status_slot s)
{
	static const char *const names[SPATE_HTTP_ST_MAX] = {
		"200", "204", "206", "2xx", "304", "400",   "403", "404",
		"405", "408", "413", "414", "416", "417",   "431", "4xx",
		"500", "501", "503", "505", "5xx", "other",
	};

	if ((unsigned)s >= SPATE_HTTP_ST_MAX)
		return "other";
	return names[s];
}

void spate_http_counters_add(struct spate_http_counters *dst,
			     const struct spate_http_counters *src)
{
	/* The struct is uint64_t throughout, so add it as an array. */
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	_Static_assert(sizeof(*dst) % sizeof(uint64_t) == 0,
		       "counters must be all uint64_t");
	for (size_t k = 0; k < sizeof(*dst) / sizeof(uint64_t); k++)
		d[k] += s[k];
}

const char *spate_http_close_reason_name(enum spate_http_close_reason r)
{
	static const char *const names[SPATE_HTTP_CLOSE_REASON_MAX] = {
		[SPATE_HTTP_CLOSE_DONE] = "done",
		[SPATE_HTTP_CLOSE_PEER] = "peer closed",
		[SPATE_HTTP_CLOSE_ERROR] = "protocol error",
		[SPATE_HTTP_CLOSE_HEADER_TIMEOUT] = "header timeout",
		[SPATE_HTTP_CLOSE_IDLE_TIMEOUT] = "keep-alive timeout",
		[SPATE_HTTP_CLOSE_SEND_FAILED] = "send failed",
		[SPATE_HTTP_CLOSE_NO_BUFFER] = "no receive buffer",
	};

	if ((unsigned)r >= SPATE_HTTP_CLOSE_REASON_MAX)
		return "unknown";
	return names[r];
}

int spate_http_lcore_reply_overload(struct spate_http_lcore *lc, char *buf,
				    size_t cap)
{
	int n = spate_http_response_overload(lc->date, lc->cfg->retry_after_s,
					     buf, cap);

	if (n > 0) {
		lc->stats.status[SPATE_HTTP_ST_503]++;
		lc->stats.bytes_header += (uint64_t)n;
	}
	return n;
}
