/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate: the dataplane process.
 *
 *   spate --profile dpdk-config/tap.conf [--netns NAME] [--config spate.conf]
 *         [--channel NAME=INPUT]... [--static NAME=DIR]...
 *         [--segment-ms N] [--part-ms N] [--window-s N] [--dvr-s N]
 *         [--access-log FILE] [--echo-port N] [--stats-interval SEC]
 *         [--rtmp] [--rtmp-key KEY=CHANNEL]...
 *
 * Start-up order matters: the namespace is entered while the process is
 * still single-threaded, EAL starts inside it (so a tap is created there),
 * the port is configured and started, the kernel side of the tap gets its
 * address, the cache is created with one reader per worker lcore, static
 * directories are loaded and live channels' packager threads started, then
 * one worker per remaining lcore runs the stack and the HTTP origin.  The
 * main lcore only waits for SIGINT/SIGTERM (prints counters, writes the
 * access log); with a single lcore it runs the worker loop itself.
 * Shutdown reverses everything: packager threads stop first (nothing new
 * is published), then workers; the cache goes only after every worker has
 * stopped reading it and every stack has dropped its references.  The
 * namespace is removed even on error paths.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
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

#include <libavutil/log.h>

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
		"             [--channel NAME=INPUT]... [--static NAME=DIR]...\n"
		"             [--segment-ms N] [--part-ms N] [--window-s N] "
		"[--dvr-s N]\n"
		"             [--access-log FILE] [--echo-port N] "
		"[--stats-interval SEC]\n"
		"  --profile FILE     dpdk-config/<name>.conf (EAL, port, "
		"addresses)\n"
		"  --netns NAME       create namespace NAME, run in it, remove "
		"it on exit\n"
		"  --config FILE      spate.conf: tcp.*, http.*, cache.*, idle.*\n"
		"  --channel N=INPUT  live channel N packaged from INPUT (file, "
		"FIFO, - for\n"
		"                     stdin, or a libavformat URL), served at "
		"/N/...\n"
		"  --static N=DIR     serve DIR's files at /N/... (loaded once)\n"
		"  --segment-ms N     live segment duration (default 2000)\n"
		"  --part-ms N        LL-HLS part duration, 0 = off (default 0)\n"
		"  --window-s N       live playlist window (default 30)\n"
		"  --dvr-s N          DVR window, 0 = none (default 0)\n"
		"  --access-log FILE  HTTP access log (written by the main "
		"lcore)\n"
		"  --echo-port N      TEST HOOK: TCP echo on port N\n"
		"  --stats-interval S print counters every S seconds\n"
		"  --rtmp             RTMP ingest on rtmp.port (1935), also "
		"implied by a key\n"
		"  --rtmp-key K=CH    rtmp://<ip>/live/K publishes live "
		"channel CH\n");
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
	NC(sack),
	NC(max_burst_segs),
	NC(tlp),
	NA("arp.entries", arp_entries),
	NA("arp.reachable_ms", arp_reachable_ms),
	NA("arp.retry_ms", arp_retry_ms),
	NA("arp.max_retries", arp_max_retries),
	{NULL, 0},
};

/* http.* and cache.* keys, all unsigned 32-bit. */
struct origin_key {
	const char *key;
	uint32_t *field;
	uint32_t min, max;
};

static int load_origin_config(struct spate_app *app, struct spate_kvconf *kc,
			      const char *path)
{
	struct spate_origin_config *oc = &app->origin_cfg;
	struct spate_http_config *hc = &oc->http;
	uint32_t port = oc->port, cors = hc->cors, budget_mb;
	uint64_t budget = app->cache_cfg.budget_bytes >> 20;
	const struct origin_key keys[] = {
		{"http.port", &port, 1, 65535},
		{"http.max_conns", &oc->max_conns, 1, 1u << 24},
		{"http.rxbufs", &oc->rxbufs, 1, 1u << 20},
		{"http.linger_ms", &oc->linger_ms, 1, 600000},
		{"http.access_log_records", &oc->log_records, 0, 1u << 20},
		{"http.header_timeout_ms", &hc->header_timeout_ms, 1, 3600000},
		{"http.keepalive_timeout_ms", &hc->keepalive_timeout_ms, 1,
		 86400000},
		{"http.hold_timeout_ms", &hc->hold_timeout_ms, 1, 3600000},
		{"http.max_keepalive_requests", &hc->max_keepalive_requests, 0,
		 UINT32_MAX},
		{"http.retry_after_s", &hc->retry_after_s, 0, 86400},
		{"http.cors", &cors, 0, 1},
		{"http.cors_max_age_s", &hc->cors_max_age_s, 0, 31536000},
		{"http.max_request_line", &hc->limits.max_request_line, 64,
		 UINT32_MAX},
		{"http.max_header_bytes", &hc->limits.max_header_bytes, 64,
		 UINT32_MAX},
		{"http.max_headers", &hc->limits.max_headers, 1, UINT32_MAX},
		{"cache.budget_mb", &budget_mb, 1, 1u << 20},
		{"cache.max_objects", &app->cache_cfg.max_objects, 16,
		 1u << 26},
		{"cache.max_channels", &app->cache_cfg.max_channels, 1,
		 1u << 16},
		{"cache.slots_per_reader", &app->cache_cfg.slots_per_reader, 1,
		 16},
		{NULL, NULL, 0, 0},
	};
	const struct origin_key *k;

	budget_mb = (uint32_t)budget;
	for (k = keys; k->key != NULL; k++) {
		uint32_t v = *k->field;

		if (spate_kvconf_get_u32(kc, k->key, &v) < 0 || v < k->min ||
		    v > k->max) {
			fprintf(stderr, "spate: %s: %s must be %u..%u\n", path,
				k->key, k->min, k->max);
			return -EINVAL;
		}
		*k->field = v;
	}
	oc->port = (uint16_t)port;
	hc->cors = cors != 0;
	app->cache_cfg.budget_bytes = (uint64_t)budget_mb << 20;
	if (oc->log_records != 0 &&
	    (oc->log_records & (oc->log_records - 1)) != 0) {
		fprintf(stderr, "spate: %s: http.access_log_records must be a "
			"power of two\n", path);
		return -EINVAL;
	}
	if (spate_http_config_check(hc) < 0) {
		fprintf(stderr, "spate: %s: http.max_* beyond the HTTP layer's "
			"limits\n", path);
		return -EINVAL;
	}
	return 0;
}

/*
 * rtmp.* keys: numbers, the app name and repeated rtmp.key = KEY=CHANNEL.
 */
static int load_rtmp_config(struct spate_app *app, struct spate_kvconf *kc,
			    const char *path)
{
	struct spate_rtmp_ingest_config *rc = &app->rtmp.cfg;
	uint32_t port = rc->port, on = 0;
	uint32_t max_msg_kb = rc->rtmp.max_message_bytes >> 10;
	const struct origin_key keys[] = {
		{"rtmp.enable", &on, 0, 1},
		{"rtmp.port", &port, 1, 65535},
		{"rtmp.max_conns", &rc->max_conns, 1, 1u << 16},
		{"rtmp.msgbufs", &rc->msgbufs, 1, 1u << 12},
		{"rtmp.ring_kb", &rc->ring_kb, 256, 1u << 22},
		{"rtmp.chunk_kb", &rc->chunk_kb, 4, 1024},
		{"rtmp.flush_ms", &rc->flush_ms, 0, 1000},
		{"rtmp.test_read_delay_us", &rc->test_read_delay_us, 0,
		 100000},
		{"rtmp.max_message_kb", &max_msg_kb, 64, 16383},
		{"rtmp.handshake_timeout_ms", &rc->rtmp.handshake_timeout_ms,
		 100, 600000},
		{"rtmp.idle_timeout_ms", &rc->rtmp.idle_timeout_ms, 100,
		 3600000},
		{NULL, NULL, 0, 0},
	};
	const struct origin_key *k;
	const char *v;
	unsigned int i;

	for (k = keys; k->key != NULL; k++) {
		uint32_t val = *k->field;

		if (spate_kvconf_get_u32(kc, k->key, &val) < 0 ||
		    val < k->min || val > k->max) {
			fprintf(stderr, "spate: %s: %s must be %u..%u\n", path,
				k->key, k->min, k->max);
			return -EINVAL;
		}
		*k->field = val;
	}
	rc->port = (uint16_t)port;
	rc->rtmp.max_message_bytes = max_msg_kb << 10;
	if (on)
		app->rtmp_on = 1;
	v = spate_kvconf_get(kc, "rtmp.app");
	if (v != NULL) {
		if (*v == '\0' || strlen(v) >= sizeof(rc->app_name)) {
			fprintf(stderr, "spate: %s: bad rtmp.app\n", path);
			return -EINVAL;
		}
		snprintf(rc->app_name, sizeof(rc->app_name), "%s", v);
	}
	for (i = 0; (v = spate_kvconf_get_nth(kc, "rtmp.key", i)) != NULL;
	     i++) {
		if (spate_rtmp_ingest_add_key(&app->rtmp, v) < 0) {
			fprintf(stderr, "spate: %s: bad rtmp.key %s (KEY="
				"CHANNEL, unique keys, at most %u)\n", path, v,
				SPATE_RTMP_INGEST_MAX_KEYS);
			return -EINVAL;
		}
		app->rtmp_on = 1;
	}
	return 0;
}

static void origin_defaults(struct spate_app *app)
{
	spate_origin_config_defaults(&app->origin_cfg, app->net_conf.max_conns);
	spate_cache_config_defaults(&app->cache_cfg);
	app->cache_cfg.socket_id = SOCKET_ID_ANY;
	spate_pkg_config_defaults(&app->pkg_cfg);
	spate_rtmp_ingest_config_defaults(&app->rtmp.cfg);
	app->rtmp.cfg.rcv_wnd_bytes = app->net_conf.rcv_wnd_bytes;
}

static int load_config(struct spate_app *app, const char *path)
{
	static struct spate_kvconf kc;
	const struct conf_key *k;
	char err[256];
	unsigned int i;
	int rc;

	spate_net_conf_defaults(&app->net_conf);
	app->idle_spin_polls = 300;
	app->idle_sleep_max_us = 200;
	if (path == NULL) {
		origin_defaults(app);
		return 0;
	}
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
	/* The origin's pool defaults to the TCP table's size. */
	origin_defaults(app);
	if (load_origin_config(app, &kc, path) < 0 ||
	    load_rtmp_config(app, &kc, path) < 0)
		return -EINVAL;
	/* Keys of the sections read here must all be known (typos). */
	for (i = 0; i < kc.n; i++) {
		const struct spate_kv *kv = &kc.kv[i];

		if (kv->used)
			continue;
		if (strncmp(kv->key, "tcp.", 4) == 0 ||
		    strncmp(kv->key, "http.", 5) == 0 ||
		    strncmp(kv->key, "cache.", 6) == 0 ||
		    strncmp(kv->key, "idle.", 5) == 0 ||
		    strncmp(kv->key, "rtmp.", 5) == 0) {
			fprintf(stderr, "spate: %s:%d: unknown key %s\n", path,
				kv->line, kv->key);
			return -EINVAL;
		}
	}
	return 0;
}

/* "NAME=VALUE" for --channel / --static; NAME must be a channel name. */
static int parse_named(const char *arg, char *name, size_t cap,
		       const char **value)
{
	const char *eq = strchr(arg, '=');
	size_t n;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return -EINVAL;
	n = (size_t)(eq - arg);
	if (n >= cap || memchr(arg, '/', n) != NULL)
		return -EINVAL;
	memcpy(name, arg, n);
	name[n] = '\0';
	*value = eq + 1;
	return 0;
}

static int parse_u32_arg(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
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
		spate_access_log_drain(app);
		if (interval != 0 && ++ticks >= interval * 10) {
			ticks = 0;
			spate_stats_print(app, stdout);
			fflush(stdout);
		}
	}
}

/* Freezes the workers' counters before the stacks and the cache go. */
static void freeze_counters(struct spate_app *app)
{
	unsigned int i;

	for (i = 0; i < app->nworkers; i++) {
		struct spate_worker *w = &app->workers[i];

		if (w->net != NULL) {
			w->final_stats = w->net->stats;
			w->stats = &w->final_stats;
		}
		if (w->reader != NULL) {
			w->cache_final = w->reader->stats;
			w->cache_stats = &w->cache_final;
		}
	}
}

int main(int argc, char **argv)
{
	enum { O_CHANNEL = 256, O_STATIC, O_SEG, O_PART, O_WIN, O_DVR,
	       O_ALOG, O_RTMP, O_RTMP_KEY };
	static const struct option opts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"netns", required_argument, NULL, 'n'},
		{"config", required_argument, NULL, 'c'},
		{"channel", required_argument, NULL, O_CHANNEL},
		{"static", required_argument, NULL, O_STATIC},
		{"segment-ms", required_argument, NULL, O_SEG},
		{"part-ms", required_argument, NULL, O_PART},
		{"window-s", required_argument, NULL, O_WIN},
		{"dvr-s", required_argument, NULL, O_DVR},
		{"access-log", required_argument, NULL, O_ALOG},
		{"echo-port", required_argument, NULL, 'e'},
		{"stats-interval", required_argument, NULL, 's'},
		{"rtmp", no_argument, NULL, O_RTMP},
		{"rtmp-key", required_argument, NULL, O_RTMP_KEY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct spate_app *app = &g_app;
	const char *profile = "dpdk-config/tap.conf", *config = NULL;
	const char *netns = NULL, *access_log = NULL;
	uint32_t seg_ms = UINT32_MAX, part_ms = UINT32_MAX;
	uint32_t window_s = UINT32_MAX, dvr_s = UINT32_MAX;
	struct spate_port_conf pc;
	char err[512], prefix[96];
	unsigned int interval = 0, lcore, i;
	uint16_t port_id = RTE_MAX_ETHPORTS;
	int opt, rc, used_huge = 0, exit_code = 1, stuck = 0;
	unsigned int nrtmp_keys = 0;
	const char *rtmp_keys[SPATE_RTMP_INGEST_MAX_KEYS];
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
		case O_CHANNEL: {
			struct spate_live_channel *lc;

			if (app->nlive == SPATE_APP_MAX_CHANNELS)
				goto bad_arg;
			lc = &app->lives[app->nlive];
			if (parse_named(optarg, lc->name, sizeof(lc->name),
					&lc->input) < 0)
				goto bad_arg;
			app->nlive++;
			break;
		}
		case O_STATIC: {
			struct spate_static_dir *sd;

			if (app->nstatic == SPATE_APP_MAX_CHANNELS)
				goto bad_arg;
			sd = &app->statics[app->nstatic];
			if (parse_named(optarg, sd->name, sizeof(sd->name),
					&sd->dir) < 0)
				goto bad_arg;
			app->nstatic++;
			break;
		}
		case O_SEG:
			if (parse_u32_arg(optarg, 60000, &seg_ms) < 0)
				goto bad_arg;
			break;
		case O_PART:
			if (parse_u32_arg(optarg, 60000, &part_ms) < 0)
				goto bad_arg;
			break;
		case O_WIN:
			if (parse_u32_arg(optarg, 86400, &window_s) < 0)
				goto bad_arg;
			break;
		case O_DVR:
			if (parse_u32_arg(optarg, 7 * 86400, &dvr_s) < 0)
				goto bad_arg;
			break;
		case O_ALOG:
			access_log = optarg;
			break;
		case 'e':
			if (parse_port(optarg, &app->echo_port) < 0)
				goto bad_arg;
			break;
		case 's':
			interval = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case O_RTMP:
			app->rtmp_on = 1;
			break;
		case O_RTMP_KEY:
			/* Added after the config file (which resets the set). */
			if (nrtmp_keys == SPATE_RTMP_INGEST_MAX_KEYS)
				goto bad_arg;
			rtmp_keys[nrtmp_keys++] = optarg;
			app->rtmp_on = 1;
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
	for (i = 0; i < nrtmp_keys; i++) {
		if (spate_rtmp_ingest_add_key(&app->rtmp, rtmp_keys[i]) < 0) {
			fprintf(stderr, "spate: --rtmp-key %s: want KEY=CHANNEL, "
				"unique keys, at most %u\n", rtmp_keys[i],
				SPATE_RTMP_INGEST_MAX_KEYS);
			return 2;
		}
	}
	for (i = 0; i < app->rtmp.nchannels; i++) {
		const char *a = app->rtmp.channels[i].name;
		unsigned int j;

		for (j = 0; j < app->nlive + app->nstatic; j++) {
			const char *b = j < app->nlive
						? app->lives[j].name
						: app->statics[j - app->nlive].name;

			if (strcmp(a, b) == 0) {
				fprintf(stderr, "spate: channel %s is both an "
					"RTMP channel and --channel/--static\n",
					a);
				return 2;
			}
		}
	}
	if (seg_ms != UINT32_MAX)
		app->pkg_cfg.segment_ms = seg_ms;
	if (part_ms != UINT32_MAX)
		app->pkg_cfg.part_ms = part_ms;
	if (window_s != UINT32_MAX)
		app->pkg_cfg.window_ms = window_s * 1000;
	if (dvr_s != UINT32_MAX)
		app->pkg_cfg.dvr_ms = dvr_s * 1000;
	if (access_log != NULL) {
		app->access_log = fopen(access_log, "a");
		if (app->access_log == NULL) {
			fprintf(stderr, "spate: --access-log %s: %s\n",
				access_log, strerror(errno));
			return 1;
		}
		if (app->origin_cfg.log_records == 0)
			app->origin_cfg.log_records = 4096;
	}
	for (i = 0; i < app->nlive + app->nstatic; i++) {
		const char *a = i < app->nlive ? app->lives[i].name
					       : app->statics[i - app->nlive].name;
		unsigned int j;

		for (j = i + 1; j < app->nlive + app->nstatic; j++) {
			const char *b = j < app->nlive
						? app->lives[j].name
						: app->statics[j - app->nlive].name;

			if (strcmp(a, b) == 0) {
				fprintf(stderr, "spate: channel %s given twice\n",
					a);
				return 2;
			}
		}
	}

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
	signal(SIGPIPE, SIG_IGN);
	av_log_set_level(AV_LOG_ERROR);

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

	/* The cache, one reader per worker, then what fills it. */
	if (app->cache_cfg.max_readers < app->nworkers)
		app->cache_cfg.max_readers = app->nworkers;
	app->cache = spate_cache_create(&app->cache_cfg);
	if (app->cache == NULL) {
		fprintf(stderr, "spate: cache (%llu MB budget): %s\n",
			(unsigned long long)(app->cache_cfg.budget_bytes >> 20),
			rte_strerror(rte_errno));
		goto out_port;
	}
	for (i = 0; i < app->nworkers; i++) {
		rc = spate_cache_reader_register(app->cache,
						 app->workers[i].lcore_id,
						 &app->workers[i].reader);
		if (rc < 0) {
			fprintf(stderr, "spate: cache reader for lcore %u: "
				"%s\n", app->workers[i].lcore_id,
				strerror(-rc));
			goto out_cache;
		}
	}
	if (spate_channels_start(app) < 0)
		goto out_channels;
	if (app->rtmp_on) {
		if (spate_rtmp_channels_start(&app->rtmp, app->cache,
					      &app->pkg_cfg,
					      &app->pkg_stop) < 0)
			goto out_channels;
		fprintf(stderr, "spate: rtmp on port %u (app \"%s\"), %u "
			"key(s), %u channel(s), %u connections and %u message "
			"buffers of %u KB per lcore\n",
			app->rtmp.cfg.port, app->rtmp.cfg.app_name,
			app->rtmp.nkeys, app->rtmp.nchannels,
			app->rtmp.cfg.max_conns, app->rtmp.cfg.msgbufs,
			app->rtmp.cfg.rtmp.max_message_bytes >> 10);
	}
	fprintf(stderr, "spate: http on port %u, %u connections per lcore; "
		"per-connection state: %zu bytes (origin context with an "
		"HTTP conn of %zu) + the TCP connection; receive buffers "
		"%u x %u bytes per lcore, lent only while a head is split\n",
		app->origin_cfg.port, app->origin_cfg.max_conns,
		spate_origin_conn_size(), sizeof(struct spate_http_conn),
		app->origin_cfg.rxbufs,
		spate_http_rxbuf_min(&app->origin_cfg.http));
	if (app->echo_port)
		fprintf(stderr, "spate: TEST HOOK enabled: echo port %u (not a "
			"production path)\n", app->echo_port);
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
	/* Nothing new is published while the workers wind down. */
	stuck = spate_channels_stop(app);
	stuck += spate_rtmp_channels_stop(&app->rtmp);
	rte_eal_mp_wait_lcore();
	exit_code = 0;
	for (i = 0; i < app->nworkers; i++)
		if (app->workers[i].error != 0)
			exit_code = 1;

	/* Freeze the counters, then free the stacks (telemetry may read). */
	freeze_counters(app);
	spate_access_log_drain(app);
	fprintf(stdout, "spate: stopping\n");
	spate_stats_print(app, stdout);
	spate_rtmp_channels_print(&app->rtmp, stdout);
	spate_port_print_stats(&app->port, stdout);
	for (i = 0; i < app->nworkers; i++)
		if (app->workers[i].net != NULL)
			spate_tcp_dump(app->workers[i].net, stdout, 16);
	fflush(stdout);
	for (i = 0; i < app->nworkers; i++) {
		spate_origin_stop(app->workers[i].origin);
		/* Publishes end (EOS into the rings); no callbacks follow. */
		spate_rtmp_ingest_stop(app->workers[i].rtmp);
		/* Drops every send-queue reference into cache blobs. */
		spate_net_free(app->workers[i].net);
		app->workers[i].net = NULL;
	}
out_channels:
	if (stuck == 0) {
		app->pkg_stop = 1;
		stuck = spate_channels_stop(app);
		stuck += spate_rtmp_channels_stop(&app->rtmp);
	}
	spate_channels_free(app);
	if (stuck == 0)
		spate_rtmp_channels_free(&app->rtmp);
out_cache:
	if (stuck == 0) {
		struct spate_cache *c = app->cache;

		app->cache = NULL; /* telemetry stops reading it */
		spate_cache_destroy(c);
	} else {
		/* A cancelled packager may hold the cache's writer lock. */
		fprintf(stderr, "spate: cache left to the exit (a packager "
			"thread was cancelled)\n");
	}
out_port:
	spate_port_close(&app->port);
out_eal:
	rte_eal_cleanup();
	/* Plain memory, kept until telemetry is gone. */
	for (i = 0; i < app->nworkers; i++) {
		spate_origin_free(app->workers[i].origin);
		app->workers[i].origin = NULL;
		spate_rtmp_ingest_free(app->workers[i].rtmp);
		app->workers[i].rtmp = NULL;
	}
out:
	if (app->access_log != NULL)
		fclose(app->access_log);
	netns_cleanup();
	return exit_code;
bad_arg:
	usage(stderr);
	return 2;
}
