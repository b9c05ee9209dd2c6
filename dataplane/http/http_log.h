/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_log: access-log records in a per-lcore single-producer /
 * single-consumer ring.
 *
 * The worker lcore fills fixed-size records in place (no formatting, no
 * syscall, no lock: one release store per record); a logger thread pops
 * them and formats a combined-log-like line with spate_http_log_format()
 * wherever it likes (file, io_uring, stats socket).  When the ring is full
 * the record is dropped and counted: a slow log must never stall serving.
 */
#ifndef SPATE_HTTP_LOG_H
#define SPATE_HTTP_LOG_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The remote end, as the transport knows it (no sockaddr here). */
struct spate_http_peer {
	uint8_t family; /* 4, 6, or 0 when unknown */
	uint8_t reserved;
	uint16_t port;	  /* host byte order */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 bytes */
};

/* Field capacities; longer values are cut and flagged. */
#define SPATE_HTTP_LOG_LINE_MAX	   256
#define SPATE_HTTP_LOG_UA_MAX	   128
#define SPATE_HTTP_LOG_REFERER_MAX 112

/* spate_http_log_record.truncated */
#define SPATE_HTTP_LOG_TRUNC_LINE    (1u << 0)
#define SPATE_HTTP_LOG_TRUNC_UA	     (1u << 1)
#define SPATE_HTTP_LOG_TRUNC_REFERER (1u << 2)

struct spate_http_log_record {
	int64_t time_ms;      /* wall clock at the response, ms since epoch */
	uint64_t body_bytes;  /* payload bytes referenced for sending */
	uint32_t duration_ms; /* first request byte -> response queued */
	uint16_t status;
	uint16_t line_len; /* raw request line, "" if it never completed */
	uint8_t ua_len;
	uint8_t referer_len;
	uint8_t truncated; /* SPATE_HTTP_LOG_TRUNC_* */
	uint8_t reserved;
	struct spate_http_peer peer;
	char line[SPATE_HTTP_LOG_LINE_MAX];
	char user_agent[SPATE_HTTP_LOG_UA_MAX];
	char referer[SPATE_HTTP_LOG_REFERER_MAX];
};

struct spate_http_log_ring {
	/* Producer (worker) side. */
	alignas(64) _Atomic uint32_t head;
	uint32_t mask;
	struct spate_http_log_record *records;
	uint64_t dropped; /* full ring; producer-owned, read racily */
	/* Consumer (logger) side, on its own cache line. */
	alignas(64) _Atomic uint32_t tail;
};

/*
 * records: caller memory for `count` records, count a power of two >= 2.
 * Returns 0 or -EINVAL.
 */
int spate_http_log_ring_init(struct spate_http_log_ring *ring,
			     struct spate_http_log_record *records,
			     uint32_t count);

/*
 * Producer: a slot to fill in place, or NULL when full (counted in
 * dropped).  Every reserve that returns a slot must be followed by
 * spate_http_log_ring_commit before the next reserve.
 */
static inline struct spate_http_log_record *
spate_http_log_ring_reserve(struct spate_http_log_ring *ring)
{
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);

	if (head - tail > ring->mask) {
		ring->dropped++;
		return NULL;
	}
	return &ring->records[head & ring->mask];
}

static inline void spate_http_log_ring_commit(struct spate_http_log_ring *ring)
{
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);

	atomic_store_explicit(&ring->head, head + 1, memory_order_release);
}

/* Consumer: copies the oldest record out; false when empty. */
bool spate_http_log_ring_pop(struct spate_http_log_ring *ring,
			     struct spate_http_log_record *out);

/*
 * Formats one record as
 *   198.18.0.1 - - [24/Nov/2026:23:21:28 +0000] "GET /a.m4s HTTP/1.1" 200
 *   1234 "referer" "user-agent" rt=0.003
 * (one line, '\n'-terminated, NUL after it).  Bytes outside printable
 * ASCII, '"' and '\' in the quoted fields are written as \xHH so a
 * request cannot forge log lines.  Returns the length without the NUL
 * (cut at cap - 1 if cap is too small; SPATE_HTTP_LOG_FORMAT_MAX always
 * suffices: every field escaped at 4 bytes per byte, plus the fixed part).
 */
#define SPATE_HTTP_LOG_FORMAT_MAX 2304
size_t spate_http_log_format(const struct spate_http_log_record *rec, char *out,
			     size_t cap);

/* "198.18.0.1" / "2001:db8::1" / "-" into out (>= 40 bytes); length. */
size_t spate_http_peer_format(const struct spate_http_peer *peer, char *out,
			      size_t cap);

#endif /* SPATE_HTTP_LOG_H */
