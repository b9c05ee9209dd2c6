/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spate binary's top level: who owns which lcore, the worker loop, the
 * counters shown on exit and through DPDK telemetry, and (temporarily) the
 * built-in test responders.
 */
#ifndef SPATE_APP_H
#define SPATE_APP_H

#include <signal.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "eal.h"
#include "net.h"
#include "port.h"
#include "tcp.h"

struct spate_worker {
	unsigned int lcore_id;
	uint16_t queue_id;
	struct spate_app *app;
	struct spate_net *net;
	/* Live counters while running, the final copy after stop. */
	const struct spate_net_stats *volatile stats;
	struct spate_net_stats final_stats;
	uint64_t polls;
	uint64_t sleeps;
	int error;
};

struct spate_app {
	struct spate_profile profile;
	struct spate_net_conf net_conf;
	struct spate_port port;
	unsigned int nworkers;
	struct spate_worker workers[RTE_MAX_LCORE];
	volatile sig_atomic_t stop;
	/* Idle back-off: spin this many empty polls, then sleep up to max. */
	uint32_t idle_spin_polls;
	uint32_t idle_sleep_max_us;
	/* Test hooks (not a production path, see test_hooks.c). */
	uint16_t echo_port;
	uint16_t hello_port;
	struct spate_extbuf *hello_body;
};

/* worker.c: the per-lcore run-to-completion loop. */
int spate_worker_main(void *arg);

/* telemetry.c: /spate/stats, /spate/lcores, /spate/lcore_stats,<id>. */
int spate_telemetry_register(struct spate_app *app);
void spate_stats_print(const struct spate_app *app, FILE *out);

/* test_hooks.c */
int spate_hooks_load_body(struct spate_app *app, const char *path);
int spate_hooks_listen(struct spate_app *app, struct spate_net *net);

#endif /* SPATE_APP_H */
