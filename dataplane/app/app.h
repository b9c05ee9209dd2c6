/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spate binary's top level: who owns which lcore, the worker loop, the
 * counters shown on exit and through DPDK telemetry, the HTTP origin's
 * sources (live packager channels, static directories, RTMP ingest
 * channels: rtmp_ingest.h) and the TCP echo test hook.
 */
#ifndef SPATE_APP_H
#define SPATE_APP_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_lcore.h>

#include "cache.h"
#include "eal.h"
#include "net.h"
#include "origin.h"
#include "packager/packager.h"
#include "port.h"
#include "rtmp_ingest.h"
#include "tcp.h"

#define SPATE_APP_MAX_CHANNELS 16

/* --channel NAME=INPUT: a packager thread publishing into the cache. */
struct spate_live_channel {
	char name[SPATE_CACHE_CHANNEL_NAME_MAX + 1];
	const char *input;
	struct spate_cache_channel *ch;
	struct spate_packager *pkg;
	pthread_t thread;
	volatile sig_atomic_t *stop;
	int started;
	int cancelled;
	int done; /* atomic: the thread finished */
	int rc;
};

/* --static NAME=DIR: loaded once at start. */
struct spate_static_dir {
	char name[SPATE_CACHE_CHANNEL_NAME_MAX + 1];
	const char *dir;
	struct spate_cache_channel *ch;
};

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
	/* HTTP origin of this lcore (kept until exit for its counters). */
	struct spate_origin *origin;
	struct spate_cache_reader *reader;
	/* Cache reader counters: live, then the final copy after stop. */
	const struct spate_cache_reader_stats *volatile cache_stats;
	struct spate_cache_reader_stats cache_final;
	/* RTMP ingest of this lcore (NULL when RTMP is off). */
	struct spate_rtmp_ingest *rtmp;
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
	/* Test hook (not a production path, see test_hooks.c). */
	uint16_t echo_port;

	/* The origin: cache, what fills it, HTTP settings. */
	struct spate_cache_config cache_cfg;
	struct spate_cache *volatile cache;
	struct spate_origin_config origin_cfg;
	struct spate_pkg_config pkg_cfg;
	volatile sig_atomic_t pkg_stop;
	unsigned int nlive, nstatic;
	struct spate_live_channel lives[SPATE_APP_MAX_CHANNELS];
	struct spate_static_dir statics[SPATE_APP_MAX_CHANNELS];
	FILE *access_log;
	/* RTMP ingest: on with --rtmp or any --rtmp-key / rtmp.key. */
	int rtmp_on;
	struct spate_rtmp_ingest_set rtmp;
};

/* worker.c: the per-lcore run-to-completion loop. */
int spate_worker_main(void *arg);

/* telemetry.c: /spate/stats, /spate/lcores, /spate/lcore_stats,<id>. */
int spate_telemetry_register(struct spate_app *app);
void spate_stats_print(const struct spate_app *app, FILE *out);

/* channels.c: live packager threads and static directories. */
int spate_channels_start(struct spate_app *app);
int spate_channels_stop(struct spate_app *app);
void spate_channels_free(struct spate_app *app);

/* telemetry.c: drains the workers' access-log rings into app->access_log. */
void spate_access_log_drain(struct spate_app *app);

/* test_hooks.c */
int spate_hooks_listen(struct spate_app *app, struct spate_net *net);

#endif /* SPATE_APP_H */
