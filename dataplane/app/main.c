/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate: the dataplane process.
 *
 *   spate --profile dpdk-config/tap.conf [--netns NAME] [--config spate.conf]
 *         [--echo-port N] [--hello-port N [--hello-file PATH]]
 *         [--stats-interval SEC]
 *
 * Start-up order matters: the namespace is entered while the process is
 * still single-threaded, EAL starts inside it (so a tap is created there),
 * the port is configured and started, the kernel side of the tap gets its
 * address, then one worker per remaining lcore runs the stack.  The main
 * lcore only waits for SIGINT/SIGTERM (and prints counters); with a single
 * lcore it runs the worker loop itself.  Shutdown reverses everything and
 * prints the counters; the namespace is removed even on error paths.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "app.h"
#include "kvconf.h"

static struct spate_app g_app;
static char g_netns[80];

static void on_signal(int sig)
{
	RTE_SET_USED(sig);
	g_app.stop = 1;
}

static void netns_cleanup(void)
{
	if (g_netns[0] != '\0') {
		spate_netns_remove(g_netns);
		g_netns[0] = '\0';
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: spate --profile FILE [--netns NAME] [--config FILE]\n"
		"             [--echo-port N] [--hello-port N] "
		"[--hello-file PATH]\n"
		"             [--stats-interval SEC]\n"
		"  --profile FILE     dpdk-config/<name>.conf (EAL, port, "
		"addresses)\n"
		"  --netns NAME       create namespace NAME, run in it, remove "
		"it on exit\n"
		"  --config FILE      spate.conf: stack limits and timers\n"
		"  --echo-port N      TEST HOOK: TCP echo on port N\n"
		"  --hello-port N     TEST HOOK: HTTP/1.0 fixed answer on port "
		"N\n"
		"  --hello-file PATH  TEST HOOK: body for --hello-port\n"
		"  --stats-interval S print counters every S seconds\n");
}

struct conf_key {
	const char *key;
	size_t off; /* into struct spate_net_conf, or SIZE_MAX */
};

#define NC(field) {"tcp." #field, offsetof(struct spate_net_conf, field)}
#define NA(key, field) {key, offsetof(struct spate_net_conf, field)}

static const struct conf_key net_keys[] = {
	NC(max_conns),
	NC(syn_backlog),
	NC(rcv_wnd_bytes),
	NC(init_cwnd_segs),
	NC(delack_ms),
	NC(rto_init_ms),
	NC(rto_min_ms),
	NC(rto_max_ms),
	NC(max_retries),
	NC(syn_retries),
	NC(time_wait_ms),
	NC(fin_wait2_ms),
	NC(keepalive_ms),
	NC(keepalive_intvl_ms),
	NC(keepalive_probes),
	NC(ooo_max_segs),
	NC(ooo_max_segs_lcore),
	NC(tso_max_bytes),
	NA("arp.entries", arp_entries),
	NA("arp.reachable_ms", arp_reachable_ms),
	NA("arp.retry_ms", arp_retry_ms),
	NA("arp.max_retries", arp_max_retries),
	{NULL, 0},
};

static int load_config(struct spate_app *app, const char *path)
{
	static struct spate_kvconf kc;
	const struct spate_kv *unused;
	const struct conf_key *k;
	char err[256];
	int rc;

	spate_net_conf_defaults(&app->net_conf);
	app->idle_spin_polls = 300;
	app->idle_sleep_max_us = 200;
	if (path == NULL)
		return 0;
	rc = spate_kvconf_load(&kc, path, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "spate: %s\n", err);
		return rc;
	}
	for (k = net_keys; k->key != NULL; k++) {
		uint32_t *field = (uint32_t *)((char *)&app->net_conf + k->off);

		if (spate_kvconf_get_u32(&kc, k->key, field) < 0) {
			fprintf(stderr, "spate: %s: bad value for %s\n", path,
				k->key);
			return -EINVAL;
		}
	}
	if (spate_kvconf_get_u32(&kc, "idle.spin_polls",
				 &app->idle_spin_polls) < 0 ||
	    spate_kvconf_get_u32(&kc, "idle.sleep_max_us",
				 &app->idle_sleep_max_us) < 0) {
		fprintf(stderr, "spate: %s: bad idle.* value\n", path);
		return -EINVAL;
	}
	if (app->net_conf.rcv_wnd_bytes < 4096 ||
	    app->net_conf.rcv_wnd_bytes > (1u << 30) ||
	    app->net_conf.max_conns == 0 || app->net_conf.rto_min_ms == 0 ||
	    app->net_conf.tso_max_bytes > 65000) {
		fprintf(stderr, "spate: %s: tcp.rcv_wnd_bytes must be 4k..1g, "
			"tcp.max_conns and tcp.rto_min_ms > 0, "
			"tcp.tso_max_bytes <= 65000\n", path);
		return -EINVAL;
	}
	/* Other layers (http.*) read the same file: warn, do not fail. */
	unused = spate_kvconf_first_unused(&kc);
	if (unused != NULL && strncmp(unused->key, "tcp.", 4) == 0) {
		fprintf(stderr, "spate: %s:%d: unknown key %s\n", path,
			unused->line, unused->key);
		return -EINVAL;
	}
	return 0;
}

static int parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static void run_main_lcore_loop(struct spate_app *app, unsigned int interval)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
	unsigned int ticks = 0;

	while (!app->stop) {
		nanosleep(&ts, NULL);
		if (interval != 0 && ++ticks >= interval * 10) {
			ticks = 0;
			spate_stats_print(app, stdout);
			fflush(stdout);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"netns", required_argument, NULL, 'n'},
		{"config", required_argument, NULL, 'c'},
		{"echo-port", required_argument, NULL, 'e'},
		{"hello-port", required_argument, NULL, 'H'},
		{"hello-file", required_argument, NULL, 'f'},
		{"stats-interval", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct spate_app *app = &g_app;
	const char *profile = "dpdk-config/tap.conf", *config = NULL;
	const char *hello_file = NULL, *netns = NULL;
	struct spate_port_conf pc;
	char err[512], prefix[96];
	unsigned int interval = 0, lcore, i;
	uint16_t port_id = RTE_MAX_ETHPORTS;
	int opt, rc, used_huge = 0, exit_code = 1;
	struct sigaction sa;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			profile = optarg;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'e':
			if (parse_port(optarg, &app->echo_port) < 0)
				goto bad_arg;
			break;
		case 'H':
			if (parse_port(optarg, &app->hello_port) < 0)
				goto bad_arg;
			break;
		case 'f':
			hello_file = optarg;
			break;
		case 's':
			interval = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_arg;
		}
	}
	if (optind != argc)
		goto bad_arg;

	if (spate_profile_load(&app->profile, profile, err, sizeof(err)) < 0) {
		fprintf(stderr, "spate: %s\n", err);
		return 1;
	}
	if (load_config(app, config) < 0)
		return 1;

	if (netns != NULL) {
		if (spate_netns_create_enter(netns, err, sizeof(err)) < 0) {
			fprintf(stderr, "spate: --netns %s: %s\n", netns, err);
			return 1;
		}
		snprintf(g_netns, sizeof(g_netns), "%s", netns);
		atexit(netns_cleanup);
		snprintf(prefix, sizeof(prefix), "spate_%s", netns);
	} else {
		snprintf(prefix, sizeof(prefix), "spate_%d", (int)getpid());
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fprintf(stderr, "spate: profile %s (%s)\n", app->profile.name,
		app->profile.path);
	if (spate_eal_start(&app->profile, argv[0], prefix, &used_huge, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "spate: %s\n", err);
		goto out;
	}
	fprintf(stderr, "spate: memory: %s\n",
		used_huge ? "hugepages" : "--no-huge (4 KB pages)");
	rc = spate_net_global_init();
	if (rc < 0) {
		fprintf(stderr, "spate: mbuf dynfield: %s\n", strerror(-rc));
		goto out_eal;
	}

	/* Workers: every lcore but the main one, or the main one alone. */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct spate_worker *w = &app->workers[app->nworkers];

		w->lcore_id = lcore;
		w->queue_id = (uint16_t)app->nworkers;
		w->app = app;
		app->nworkers++;
	}
	if (app->nworkers == 0) {
		app->workers[0].lcore_id = rte_get_main_lcore();
		app->workers[0].app = app;
		app->nworkers = 1;
	}

	RTE_ETH_FOREACH_DEV(port_id) break;
	if (port_id >= RTE_MAX_ETHPORTS) {
		fprintf(stderr, "spate: no ethdev port: the profile's vdev/pci "
			"did not probe (see the EAL messages above)\n");
		goto out_eal;
	}
	memset(&pc, 0, sizeof(pc));
	pc.nb_queues = (uint16_t)app->nworkers;
	pc.rx_desc = app->profile.rx_desc;
	pc.tx_desc = app->profile.tx_desc;
	pc.mtu = app->profile.mtu;
	pc.mbufs = app->profile.mbufs;
	pc.offloads = app->profile.offloads;
	pc.tso = app->profile.tso;
	if (spate_port_init(&app->port, port_id, &pc, app->profile.ip,
			    app->profile.netmask, app->profile.gateway, err,
			    sizeof(err)) < 0 ||
	    spate_port_start(&app->port, err, sizeof(err)) < 0) {
		fprintf(stderr, "spate: %s\n", err);
		goto out_port;
	}
	spate_port_describe(&app->port, stderr);
	if (app->profile.kernel_ip != 0) {
		rc = spate_kernel_if_up(app->profile.kernel_iface,
					app->profile.kernel_ip,
					app->profile.prefix_len);
		if (rc < 0) {
			fprintf(stderr, "spate: kernel side %s: %s\n",
				app->profile.kernel_iface, strerror(-rc));
			goto out_port;
		}
	}
	if (spate_hooks_load_body(app, hello_file) < 0)
		goto out_port;
	if (app->echo_port || app->hello_port)
		fprintf(stderr, "spate: TEST HOOKS enabled: echo port %u, "
			"hello port %u (not a production path)\n",
			app->echo_port, app->hello_port);
	if (spate_telemetry_register(app) < 0)
		fprintf(stderr, "spate: telemetry commands not registered\n");

	for (i = 0; i < app->nworkers; i++)
		if (app->workers[i].lcore_id != rte_get_main_lcore())
			rte_eal_remote_launch(spate_worker_main,
					      &app->workers[i],
					      app->workers[i].lcore_id);
	fprintf(stderr, "spate: ready, %u worker lcore(s), %s\n",
		app->nworkers,
		netns ? netns : "default network namespace");
	if (app->workers[0].lcore_id == rte_get_main_lcore())
		spate_worker_main(&app->workers[0]);
	else
		run_main_lcore_loop(app, interval);
	app->stop = 1;
	rte_eal_mp_wait_lcore();
	exit_code = 0;
	for (i = 0; i < app->nworkers; i++)
		if (app->workers[i].error != 0)
			exit_code = 1;

	/* Freeze the counters, then free the stacks (telemetry may read). */
	for (i = 0; i < app->nworkers; i++) {
		struct spate_worker *w = &app->workers[i];

		if (w->net != NULL) {
			w->final_stats = w->net->stats;
			w->stats = &w->final_stats;
		}
	}
	fprintf(stdout, "spate: stopping\n");
	spate_stats_print(app, stdout);
	spate_port_print_stats(&app->port, stdout);
	for (i = 0; i < app->nworkers; i++)
		if (app->workers[i].net != NULL)
			spate_tcp_dump(app->workers[i].net, stdout, 16);
	fflush(stdout);
	for (i = 0; i < app->nworkers; i++) {
		spate_net_free(app->workers[i].net);
		app->workers[i].net = NULL;
	}
out_port:
	spate_port_close(&app->port);
	if (app->hello_body != NULL)
		spate_extbuf_put(app->hello_body);
out_eal:
	rte_eal_cleanup();
out:
	netns_cleanup();
	return exit_code;
bad_arg:
	usage(stderr);
	return 2;
}
