/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What fills the cache: live channels (--channel NAME=INPUT), each a
 * packager thread running demux -> packager -> cache, and static
 * directories (--static NAME=DIR) loaded once at start.
 *
 * Packager threads are plain pthreads, not DPDK lcores: they block on
 * their input and publish through the cache's writer side, which only
 * workers read.  Stopping must work whatever the input does:
 *   - a pipe, FIFO or "-" is read by spate_pkg_run_input (pkg/packager/
 *     input.h), which polls every 100 ms and checks the stop flag, so a
 *     silent encoder cannot hold shutdown;
 *   - a regular file never blocks (the pipeline checks the flag between
 *     packets);
 *   - a libavformat URL (udp://, http://) is opened by libavformat itself;
 *     if it does not return within a grace period after stop, the thread
 *     is cancelled and its packager is leaked on purpose (the process is
 *     exiting; its state may be half-updated).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "packager/input.h"

#define STOP_GRACE_MS 3000

static void live_log(void *ctx, int level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info"};
	const struct spate_live_channel *lc = ctx;

	fprintf(stderr, "spate: channel %s: %s: %s\n", lc->name,
		names[level < 0 ? 0 : level > 2 ? 2 : level], msg);
}

static void *live_main(void *arg)
{
	struct spate_live_channel *lc = arg;
	struct spate_demux_options opt = {0};
	struct spate_pkg_stats st;
	const char *used;
	int rc;

	fprintf(stderr, "spate: channel %s: %s -> cache\n", lc->name,
		lc->input);
	rc = spate_pkg_run_input(lc->input, SPATE_INPUT_AUTO, &opt, lc->pkg,
				 lc->stop, &used);
	spate_packager_stats(lc->pkg, &st);
	fprintf(stderr,
		"spate: channel %s: input %s (%s): %" PRIu64 " packets, %" PRIu64
		" segments, %" PRIu64 " parts, %" PRIu64
		" manifests published, %" PRIu64 " publish errors\n",
		lc->name, rc == 0 ? "ended" : strerror(-rc), used,
		st.packets_in, st.segments_out, st.parts_out, st.manifests_out,
		st.publish_errors);
	lc->rc = rc;
	__atomic_store_n(&lc->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int spate_channels_start(struct spate_app *app)
{
	struct spate_cache_channel_config ccfg;
	unsigned int i;
	int rc, n;

	for (i = 0; i < app->nstatic; i++) {
		struct spate_static_dir *s = &app->statics[i];

		rc = spate_cache_channel_create(app->cache, s->name, NULL,
						&s->ch);
		if (rc < 0) {
			fprintf(stderr, "spate: --static %s: channel: %s\n",
				s->name, strerror(-rc));
			return rc;
		}
		n = spate_cache_load_dir(app->cache, s->ch, s->dir);
		if (n < 0) {
			fprintf(stderr, "spate: --static %s=%s: %s\n", s->name,
				s->dir, strerror(-n));
			return n;
		}
		fprintf(stderr, "spate: static channel %s: %d objects from %s\n",
			s->name, n, s->dir);
	}

	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.live_max_age_s = spate_http_live_max_age_s(app->pkg_cfg.segment_ms);
	ccfg.ended_max_age_s = SPATE_HTTP_ENDED_MAX_AGE_S;
	app->pkg_cfg.epoch_auto = 1;
	app->pkg_cfg.clock_ms = spate_pkg_realtime_ms;
	for (i = 0; i < app->nlive; i++) {
		struct spate_live_channel *lc = &app->lives[i];
		struct spate_pkg_config pc = app->pkg_cfg;
		char tname[16];

		rc = spate_cache_channel_create(app->cache, lc->name, &ccfg,
						&lc->ch);
		if (rc < 0) {
			fprintf(stderr, "spate: --channel %s: channel: %s\n",
				lc->name, strerror(-rc));
			return rc;
		}
		pc.log = live_log;
		pc.log_ctx = lc;
		rc = spate_packager_create(&lc->pkg, &pc, &spate_cache_output_ops,
					   lc->ch);
		if (rc < 0) {
			fprintf(stderr, "spate: --channel %s: packager settings: "
				"%s\n", lc->name, strerror(-rc));
			return rc;
		}
		lc->stop = &app->pkg_stop;
		rc = pthread_create(&lc->thread, NULL, live_main, lc);
		if (rc != 0) {
			fprintf(stderr, "spate: --channel %s: thread: %s\n",
				lc->name, strerror(rc));
			return -rc;
		}
		lc->started = 1;
		snprintf(tname, sizeof(tname), "pkg-%s", lc->name);
		pthread_setname_np(lc->thread, tname);
	}
	return 0;
}

/* Stops and joins every packager thread; returns how many were stuck. */
int spate_channels_stop(struct spate_app *app)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
	unsigned int i, waited_ms = 0;
	int stuck = 0;

	app->pkg_stop = 1;
	for (i = 0; i < app->nlive; i++) {
		struct spate_live_channel *lc = &app->lives[i];

		if (!lc->started)
			continue;
		while (!__atomic_load_n(&lc->done, __ATOMIC_ACQUIRE) &&
		       waited_ms < STOP_GRACE_MS) {
			nanosleep(&ts, NULL);
			waited_ms += 20;
		}
		if (!__atomic_load_n(&lc->done, __ATOMIC_ACQUIRE)) {
			fprintf(stderr, "spate: channel %s: input %s did not "
				"stop in %u ms, cancelling its thread\n",
				lc->name, lc->input, STOP_GRACE_MS);
			pthread_cancel(lc->thread);
			lc->cancelled = 1;
			stuck++;
		}
		pthread_join(lc->thread, NULL);
		lc->started = 0;
	}
	return stuck;
}

void spate_channels_free(struct spate_app *app)
{
	unsigned int i;

	for (i = 0; i < app->nlive; i++) {
		struct spate_live_channel *lc = &app->lives[i];

		/* A cancelled thread may have left it half-updated: leak. */
		if (lc->pkg != NULL && !lc->cancelled)
			spate_packager_destroy(lc->pkg);
		lc->pkg = NULL;
	}
	/* Channels themselves go with spate_cache_destroy(). */
}
