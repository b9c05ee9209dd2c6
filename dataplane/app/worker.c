/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore loop: RX burst -> stack -> timers -> TX flush, run to
 * completion, one RX/TX queue pair per lcore.
 *
 * Idle back-off keeps a 2-core machine usable: after idle_spin_polls empty
 * polls (rte_pause between them) the worker sleeps, 10 us at first and
 * doubling up to idle_sleep_max_us; any received packet resets it.  The
 * added latency on an idle port is at most one sleep; under load the loop
 * never sleeps.
 *
 * Each loop also runs the HTTP origin's timers and parked requests
 * (origin.c), the RTMP ingest's timers, chunk flushes and back-pressure
 * releases (rtmp_ingest.c, when RTMP is on) and reports an RCU quiescent state to the cache; a worker
 * goes offline for the cache before it sleeps, so a publishing packager
 * never waits for an idle lcore.
 */
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "app.h"

#define RX_BURST 32

static uint16_t worker_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct spate_worker *w = arg;
	uint16_t sent = 0;
	int tries;

	for (tries = 0; tries < 8 && sent < n; tries++) {
		sent += rte_eth_tx_burst(w->app->port.port_id, w->queue_id,
					 pkts + sent, (uint16_t)(n - sent));
		if (sent < n)
			rte_pause();
	}
	return sent;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	/* vDSO, no syscall: fine once per loop. */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void idle_sleep(uint32_t us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000};

	nanosleep(&ts, NULL);
}

int spate_worker_main(void *arg)
{
	struct spate_worker *w = arg;
	struct spate_app *app = w->app;
	struct spate_net_params np = {
		.ifc = &app->port.ifc,
		.conf = &app->net_conf,
		.lcore_id = w->lcore_id,
		.queue_id = w->queue_id,
		.socket_id = (int)rte_socket_id(),
		.pool_hdr = app->port.pool_hdr,
		.pool_data = app->port.pool_data,
		.tx_burst = worker_tx_burst,
		.tx_arg = w,
	};
	struct rte_mbuf *pkts[RX_BURST];
	const uint64_t cycles_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, 1ul);
	uint32_t idle_polls = 0, sleep_us = 0;
	struct spate_origin *origin;
	struct spate_net *net;

	net = spate_net_create(&np);
	if (net == NULL) {
		fprintf(stderr, "spate: lcore %u: stack: %s\n", w->lcore_id,
			rte_strerror(rte_errno));
		w->error = -rte_errno;
		app->stop = 1;
		return w->error;
	}
	spate_net_set_time(net, rte_get_tsc_cycles() / cycles_per_us);
	w->net = net;
	w->stats = &net->stats;
	if (spate_hooks_listen(app, net) < 0) {
		w->error = -EINVAL;
		app->stop = 1;
	}
	origin = spate_origin_create(&app->origin_cfg, net, w->reader,
				     wall_ms());
	if (origin == NULL) {
		w->error = -ENOMEM;
		app->stop = 1;
	}
	w->origin = origin;
	if (app->rtmp_on) {
		w->rtmp = spate_rtmp_ingest_create(&app->rtmp, net);
		if (w->rtmp == NULL) {
			w->error = -ENOMEM;
			app->stop = 1;
		}
	}
	if (w->reader != NULL) {
		w->cache_stats = &w->reader->stats;
		spate_cache_reader_online(w->reader);
	}
	if (w->queue_id == 0)
		spate_net_arp_announce(net);

	while (!app->stop) {
		uint64_t now_us = rte_get_tsc_cycles() / cycles_per_us;
		uint16_t n;

		spate_net_set_time(net, now_us);
		spate_origin_poll(origin, now_us / 1000, wall_ms());
		spate_rtmp_ingest_poll(w->rtmp, now_us / 1000);
		n = rte_eth_rx_burst(app->port.port_id, w->queue_id, pkts,
				     RX_BURST);
		w->polls++;
		if (n > 0)
			spate_net_input(net, pkts, n);
		spate_net_timers_run(net);
		spate_net_tx_flush(net);
		/* No blob pointer without a reference survives the loop. */
		spate_cache_reader_quiescent(w->reader);
		if (n > 0) {
			idle_polls = 0;
			sleep_us = 0;
			continue;
		}
		if (++idle_polls < app->idle_spin_polls) {
			rte_pause();
			continue;
		}
		sleep_us = sleep_us ? sleep_us * 2 : 10;
		if (sleep_us > app->idle_sleep_max_us)
			sleep_us = app->idle_sleep_max_us;
		w->sleeps++;
		spate_cache_reader_offline(w->reader);
		idle_sleep(sleep_us);
		spate_cache_reader_online(w->reader);
	}
	spate_net_tx_flush(net);
	if (w->reader != NULL)
		spate_cache_reader_offline(w->reader);
	return w->error;
}
