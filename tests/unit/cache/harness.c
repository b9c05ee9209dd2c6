/* SPDX-License-Identifier: BSD-3-Clause */
/* Test harness for dataplane/cache: see harness.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "harness.h"

static struct rte_mempool *pool;

int tc_eal_init(void)
{
	static int done;
	char *nohuge[] = {
		"test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		"--no-telemetry", "-l", "0-1", "--log-level=error", NULL,
	};
	char *huge[] = {
		"test", "--in-memory", "-m", "256", "--no-pci",
		"--no-telemetry", "-l", "0-1", "--log-level=error", NULL,
	};
	char **argv = nohuge;
	int argc = (int)(sizeof(nohuge) / sizeof(nohuge[0])) - 1;
	const char *env = getenv("SPATE_CACHE_TEST_HUGE");

	if (done)
		return 0;
	if (env != NULL && strcmp(env, "1") == 0) {
		argv = huge;
		argc = (int)(sizeof(huge) / sizeof(huge[0])) - 1;
	}
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("tc_pool", 1023, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return -1;
	done = 1;
	return 0;
}

struct rte_mempool *tc_pool(void)
{
	return pool;
}

struct spate_cache *tc_cache(uint64_t budget_bytes)
{
	struct spate_cache_config cfg;

	spate_cache_config_defaults(&cfg);
	cfg.budget_bytes = budget_bytes;
	cfg.max_objects = 1024;
	cfg.max_channels = 8;
	cfg.max_readers = 2;
	cfg.defer_max = 256;
	cfg.poison_on_free = true;
	return spate_cache_create(&cfg);
}

int tc_publish(struct spate_cache_channel *ch, const char *path,
	       uint8_t cls, const void *data, size_t len)
{
	struct spate_cache_meta m;
	struct spate_cache_iov iov = {data, len};

	memset(&m, 0, sizeof(m));
	m.cls = cls;
	return spate_cache_publish(ch, path, &m, &iov, 1);
}

void tc_fill(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}
