/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access-log ring (consumer side) and the line formatter.  Formatting runs
 * on the logger thread, never on a worker, so it may take its time; it
 * still avoids printf so that escaping rules live in one obvious place.
 */
#include "http_log.h"

#include <errno.h>
#include <string.h>

#include "http_response.h"

int spate_http_log_ring_init(struct spate_http_log_ring *ring,
			     struct spate_http_log_record *records,
			     uint32_t count)
{
	if (records == NULL || count < 2 || (count & (count - 1)) != 0)
		return -EINVAL;
	atomic_init(&ring->head, 0);
	atomic_init(&ring->tail, 0);
	ring->mask = count - 1;
	ring->records = records;
	ring->dropped = 0;
	return 0;
}

bool spate_http_log_ring_pop(struct spate_http_log_ring *ring,
			     struct spate_http_log_record *out)
{
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);

	if (tail == head)
		return false;
	memcpy(out, &ring->records[tail & ring->mask], sizeof(*out));
	atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
	return true;
}

struct out {
	char *p;
	size_t left; /* room, keeping one byte for the NUL */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->left)
		n = o->left;
	memcpy(o->p, s, n);
	o->p += n;
	o->left -= n;
}

static void put_c(struct out *o, char c)
{
	put(o, &c, 1);
}

static void put_u64(struct out *o, uint64_t v, unsigned min_digits)
{
	char tmp[20];
	size_t k = sizeof(tmp);

	do {
		tmp[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v || sizeof(tmp) - k < min_digits);
	put(o, tmp + k, sizeof(tmp) - k);
}

/* A quoted field: "-" when empty, hostile bytes as \xHH. */
static void put_quoted(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	put_c(o, '"');
	if (n == 0)
		put_c(o, '-');
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

			put(o, e, 4);
		} else {
			put_c(o, (char)c);
		}
	}
	put_c(o, '"');
}

size_t spate_http_peer_format(const struct spate_http_peer *peer, char *buf,
			      size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct out o = {buf, cap ? cap - 1 : 0};
	uint16_t g[8];
	int best = -1, best_len = 0;

	if (cap == 0)
		return 0;
	if (peer->family == 4) {
		for (int k = 0; k < 4; k++) {
			if (k)
				put_c(&o, '.');
			put_u64(&o, peer->addr[k], 1);
		}
	} else if (peer->family == 6) {
		/* RFC 5952: longest run (>= 2) of zero groups becomes "::". */
		for (int k = 0; k < 8; k++)
			g[k] = (uint16_t)(peer->addr[2 * k] << 8 |
					  peer->addr[2 * k + 1]);
		for (int k = 0; k < 8;) {
			int run = 0;

			while (k + run < 8 && g[k + run] == 0)
				run++;
			if (run > best_len && run >= 2) {
				best = k;
				best_len = run;
			}
			k += run ? run : 1;
		}
		for (int k = 0; k < 8; k++) {
			if (k == best) {
				put(&o, "::", 2);
				k += best_len - 1;
				continue;
			}
			if (k && k != best + best_len)
				put_c(&o, ':');
			/* lowercase hex, no leading zeros */
			for (int sh = 12, started = 0; sh >= 0; sh -= 4) {
				unsigned d = (g[k] >> sh) & 15;

				if (d || started || sh == 0) {
					put_c(&o, hex[d]);
					started = 1;
				}
			}
		}
	} else {
		put_c(&o, '-');
	}
	*o.p = '\0';
	return (size_t)(o.p - buf);
}

size_t spate_http_log_format(const struct spate_http_log_record *rec, char *buf,
			     size_t cap)
{
	struct out o = {buf, cap ? cap - 1 : 0};
	struct spate_http_tm tm;
	char peer[48];
	int64_t t = rec->time_ms >= 0 ? rec->time_ms / 1000 : 0;
	size_t n;

	if (cap == 0)
		return 0;
	n = spate_http_peer_format(&rec->peer, peer, sizeof(peer));
	put(&o, peer, n);
	put(&o, " - - [", 6);
	spate_http_gmtime(t, &tm);
	put_u64(&o, tm.mday, 2);
	put_c(&o, '/');
	put(&o, spate_http_month_names[tm.mon - 1], 3);
	put_c(&o, '/');
	put_u64(&o, (uint64_t)(tm.year < 0 ? 0 : tm.year), 4);
	put_c(&o, ':');
	put_u64(&o, tm.hour, 2);
	put_c(&o, ':');
	put_u64(&o, tm.min, 2);
	put_c(&o, ':');
	put_u64(&o, tm.sec, 2);
	put(&o, " +0000] ", 8);
	put_quoted(&o, rec->line,
		   rec->line_len < sizeof(rec->line) ? rec->line_len
						     : sizeof(rec->line));
	put_c(&o, ' ');
	put_u64(&o, rec->status, 3);
	put_c(&o, ' ');
	put_u64(&o, rec->body_bytes, 1);
	put_c(&o, ' ');
	put_quoted(&o, rec->referer,
		   rec->referer_len < sizeof(rec->referer)
			   ? rec->referer_len
			   : sizeof(rec->referer));
	put_c(&o, ' ');
	put_quoted(&o, rec->user_agent,
		   rec->ua_len < sizeof(rec->user_agent)
			   ? rec->ua_len
			   : sizeof(rec->user_agent));
	put(&o, " rt=", 4);
	put_u64(&o, rec->duration_ms / 1000, 1);
	put_c(&o, '.');
	put_u64(&o, rec->duration_ms % 1000, 3);
	put_c(&o, '\n');
	*o.p = '\0';
	return (size_t)(o.p - buf);
}
