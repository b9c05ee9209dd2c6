/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared set-up for the cache unit tests: EAL, an mbuf pool, caches. */
#ifndef SPATE_TEST_CACHE_HARNESS_H
#define SPATE_TEST_CACHE_HARNESS_H

#include <stdint.h>

#include <rte_mempool.h>

#include "cache.h"

/* Starts the EAL once (lcores 0-1).  0 or -1. */
int tc_eal_init(void);

/* A pktmbuf pool for attach tests (created by tc_eal_init). */
struct rte_mempool *tc_pool(void);

/* A cache with test-sized defaults and the given budget. */
struct spate_cache *tc_cache(uint64_t budget_bytes);

/* Publishes one contiguous buffer; returns spate_cache_publish's value. */
int tc_publish(struct spate_cache_channel *ch, const char *path,
	       uint8_t cls, const void *data, size_t len);

/* Fills buf with a pattern derived from seed. */
void tc_fill(uint8_t *buf, size_t len, uint32_t seed);

#endif
