/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters out: DPDK telemetry commands (read with dpdk-telemetry.py from
 * any thread, while workers run) and the table printed on exit.
 *
 *   /spate/stats               every counter summed over worker lcores
 *   /spate/lcores              the worker lcore ids
 *   /spate/lcore_stats,<id>    one lcore's counters
 *
 * Besides the stack's counters: HTTP (requests, responses by status code
 * and by class, timeouts, parking), the origin's pools (exhaustion answered
 * with 503), the cache readers (hits, misses, bytes attached by reference)
 * and the cache as a whole (objects, bytes, evictions).
 *
 * Workers own their counters and never synchronise: a reader may see a
 * counter a few packets old, which is what counters are for.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"

static struct spate_app *tel_app;

/* ---- origin counters: HTTP, pools, cache readers ------------------------ */

enum app_stat_kind {
	AS_HTTP,	/* offset into struct spate_http_counters */
	AS_HTTP_STATUS, /* one status slot */
	AS_HTTP_CLASS,	/* arg: '2'..'5', every slot of that class */
	AS_HTTP_PARSE,	/* every parse error reason */
	AS_ORIGIN,	/* offset into struct spate_origin_stats */
	AS_CACHE,	/* offset into struct spate_cache_reader_stats */
	AS_RTMP,	/* offset into struct spate_rtmp_counters */
	AS_RTMP_PERR,	/* every RTMP protocol error reason */
	AS_INGEST,	/* offset into struct spate_rtmp_ingest_stats */
};

struct app_stat_desc {
	char name[40];
	uint8_t kind;
	size_t arg;
};

#define APP_STATS_MAX 160
static struct app_stat_desc app_descs[APP_STATS_MAX];
static unsigned int app_ndescs;

static void desc_add(const char *name, enum app_stat_kind kind, size_t arg)
{
	struct app_stat_desc *d;

	if (app_ndescs == APP_STATS_MAX)
		return;
	d = &app_descs[app_ndescs++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->kind = (uint8_t)kind;
	d->arg = arg;
}

static void descs_init(void)
{
	static const char classes[] = "2345";
	char name[40];
	unsigned int i;

	if (app_ndescs > 0)
		return;
#define HC(f) desc_add("http_" #f, AS_HTTP, \
		       offsetof(struct spate_http_counters, f))
	HC(requests);
	for (i = 0; i < sizeof(classes) - 1; i++) {
		snprintf(name, sizeof(name), "http_%cxx", classes[i]);
		desc_add(name, AS_HTTP_CLASS, (size_t)classes[i]);
	}
	for (i = 0; i < SPATE_HTTP_ST_MAX; i++) {
		snprintf(name, sizeof(name), "http_status_%s",
			 spate_http_status_slot_name(i));
		desc_add(name, AS_HTTP_STATUS, i);
	}
	desc_add("http_parse_errors", AS_HTTP_PARSE, 0);
	HC(conns_opened);
	HC(conns_closed);
	HC(keepalive_reused);
	HC(pipelined);
	HC(heads_buffered);
	HC(rxbuf_exhausted);
	HC(parked_content);
	HC(parked_tx);
	HC(timeout_header);
	HC(timeout_idle);
	HC(timeout_hold);
	HC(send_errors);
	HC(lookup_errors);
	HC(bytes_header);
	HC(bytes_body_ref);
#undef HC
#define OS(f) desc_add("origin_" #f, AS_ORIGIN, \
		       offsetof(struct spate_origin_stats, f));
	SPATE_ORIGIN_STATS(OS)
#undef OS
#define CS(f) desc_add("cache_" #f, AS_CACHE, \
		       offsetof(struct spate_cache_reader_stats, f))
	CS(hits);
	CS(misses);
	CS(zc_bytes_attached);
	CS(zc_attachments);
	CS(slot_exhausted);
#undef CS
#define RS(f) desc_add("rtmp_" #f, AS_RTMP, \
		       offsetof(struct spate_rtmp_counters, f))
	RS(conns_opened);
	RS(conns_closed);
	RS(handshakes_simple);
	RS(handshakes_digest);
	RS(connects);
	RS(publishes);
	RS(bad_names);
	RS(publish_rejected);
	RS(unpublishes);
	RS(metadata);
	RS(audio_msgs);
	RS(video_msgs);
	RS(ertmp_video_msgs);
	RS(bytes_in);
	RS(media_bytes);
	RS(media_dropped);
	RS(media_malformed);
	RS(timeout_handshake);
	RS(timeout_idle);
	RS(send_errors);
	RS(msgbuf_exhausted);
#undef RS
	desc_add("rtmp_protocol_errors", AS_RTMP_PERR, 0);
#define IS(f) desc_add("rtmp_ingest_" #f, AS_INGEST, \
		       offsetof(struct spate_rtmp_ingest_stats, f));
	SPATE_RTMP_INGEST_STATS(IS)
#undef IS
}

static uint64_t u64_at(const void *base, size_t off)
{
	return *(const volatile uint64_t *)((const char *)base + off);
}

static uint64_t app_stat(const struct spate_worker *w,
			 const struct app_stat_desc *d)
{
	const struct spate_origin *o = w->origin;
	const struct spate_cache_reader_stats *cs = w->cache_stats;
	const struct spate_http_counters *h;
	uint64_t v = 0;
	unsigned int i;

	if (d->kind == AS_CACHE)
		return cs != NULL ? u64_at(cs, d->arg) : 0;
	if (d->kind == AS_RTMP || d->kind == AS_RTMP_PERR ||
	    d->kind == AS_INGEST) {
		const struct spate_rtmp_counters *rc;

		if (w->rtmp == NULL)
			return 0;
		if (d->kind == AS_INGEST)
			return u64_at(spate_rtmp_ingest_stats(w->rtmp), d->arg);
		rc = spate_rtmp_ingest_rtmp_stats(w->rtmp);
		if (d->kind == AS_RTMP)
			return u64_at(rc, d->arg);
		for (i = 1; i < SPATE_RTMP_PERR_MAX; i++)
			v += u64_at(rc->protocol_errors, i * sizeof(uint64_t));
		return v;
	}
	if (o == NULL)
		return 0;
	h = spate_origin_http_stats(o);
	switch (d->kind) {
	case AS_HTTP:
		return u64_at(h, d->arg);
	case AS_HTTP_STATUS:
		return u64_at(h->status, d->arg * sizeof(uint64_t));
	case AS_HTTP_CLASS:
		for (i = 0; i < SPATE_HTTP_ST_MAX; i++)
			if (spate_http_status_slot_name(i)[0] == (char)d->arg)
				v += u64_at(h->status, i * sizeof(uint64_t));
		return v;
	case AS_HTTP_PARSE:
		for (i = 1; i < SPATE_HTTP_PERR_MAX; i++)
			v += u64_at(h->parse_errors, i * sizeof(uint64_t));
		return v;
	case AS_ORIGIN:
		return u64_at(spate_origin_stats(o), d->arg);
	default:
		return 0;
	}
}

static uint64_t app_stat_sum(const struct spate_app *app,
			     const struct app_stat_desc *d)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < app->nworkers; i++)
		v += app_stat(&app->workers[i], d);
	return v;
}

/* Cache-wide counters (the writer side's view). */
static void cache_dict(const struct spate_app *app, struct rte_tel_data *d)
{
	struct spate_cache *c = app->cache;
	struct spate_cache_stats cs;

	if (c == NULL)
		return;
	spate_cache_stats(c, &cs);
	rte_tel_data_add_dict_u64(d, "cache_objects", cs.objects);
	rte_tel_data_add_dict_u64(d, "cache_bytes_indexed", cs.bytes_indexed);
	rte_tel_data_add_dict_u64(d, "cache_bytes_alive", cs.bytes_alive);
	rte_tel_data_add_dict_u64(d, "cache_published", cs.published);
	rte_tel_data_add_dict_u64(d, "cache_removed", cs.removed);
	rte_tel_data_add_dict_u64(d, "cache_evictions", cs.evictions);
	rte_tel_data_add_dict_u64(d, "cache_budget_failures",
				  cs.budget_failures);
	rte_tel_data_add_dict_u64(d, "cache_channels", cs.channels);
}

void spate_access_log_drain(struct spate_app *app)
{
	static struct spate_http_log_record rec;
	static char line[SPATE_HTTP_LOG_FORMAT_MAX];
	unsigned int i, n;

	if (app->access_log == NULL)
		return;
	for (i = 0; i < app->nworkers; i++) {
		struct spate_origin *o = app->workers[i].origin;
		struct spate_http_log_ring *ring;

		if (o == NULL || (ring = spate_origin_log(o)) == NULL)
			continue;
		/* Bounded: a busy worker cannot keep the main lcore here. */
		for (n = 0; n < 65536 && spate_http_log_ring_pop(ring, &rec);
		     n++)
			fwrite(line, 1,
			       spate_http_log_format(&rec, line, sizeof(line)),
			       app->access_log);
	}
	fflush(app->access_log);
}

static uint64_t stat_at(const struct spate_net_stats *s, size_t off)
{
	return *(const volatile uint64_t *)((const char *)s + off);
}

static uint64_t stat_sum(const struct spate_app *app, size_t off)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < app->nworkers; i++) {
		const struct spate_net_stats *s = app->workers[i].stats;

		if (s != NULL)
			v += stat_at(s, off);
	}
	return v;
}

static int tel_stats(const char *cmd, const char *params,
		     struct rte_tel_data *d)
{
	const struct spate_net_stat_desc *desc;
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (desc = spate_net_stat_descs; desc->name != NULL; desc++)
		rte_tel_data_add_dict_u64(d, desc->name,
					  stat_sum(tel_app, desc->offset));
	for (i = 0; i < app_ndescs; i++)
		rte_tel_data_add_dict_u64(d, app_descs[i].name,
					  app_stat_sum(tel_app, &app_descs[i]));
	cache_dict(tel_app, d);
	return 0;
}

static int tel_lcores(const char *cmd, const char *params,
		      struct rte_tel_data *d)
{
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (i = 0; i < tel_app->nworkers; i++)
		rte_tel_data_add_array_int(d, (int)tel_app->workers[i].lcore_id);
	return 0;
}

static int tel_lcore_stats(const char *cmd, const char *params,
			   struct rte_tel_data *d)
{
	const struct spate_net_stat_desc *desc;
	const struct spate_net_stats *s = NULL;
	const struct spate_worker *w = NULL;
	unsigned long id;
	unsigned int i;
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	for (i = 0; i < tel_app->nworkers; i++)
		if (tel_app->workers[i].lcore_id == id) {
			w = &tel_app->workers[i];
			s = w->stats;
		}
	if (s == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", id);
	for (desc = spate_net_stat_descs; desc->name != NULL; desc++)
		rte_tel_data_add_dict_u64(d, desc->name,
					  stat_at(s, desc->offset));
	for (i = 0; i < app_ndescs; i++)
		rte_tel_data_add_dict_u64(d, app_descs[i].name,
					  app_stat(w, &app_descs[i]));
	return 0;
}

int spate_telemetry_register(struct spate_app *app)
{
	tel_app = app;
	descs_init();
	if (rte_telemetry_register_cmd("/spate/stats", tel_stats,
				       "Dataplane counters summed over worker "
				       "lcores") < 0 ||
	    rte_telemetry_register_cmd("/spate/lcores", tel_lcores,
				       "Worker lcore ids") < 0 ||
	    rte_telemetry_register_cmd("/spate/lcore_stats", tel_lcore_stats,
				       "One worker's counters. Parameters: "
				       "int lcore_id") < 0)
		return -1;
	return 0;
}

void spate_stats_print(const struct spate_app *app, FILE *out)
{
	const struct spate_net_stat_desc *desc;
	unsigned int i, k;

	fprintf(out, "spate: counters (non-zero)%*s", 14, "total");
	for (i = 0; i < app->nworkers; i++)
		fprintf(out, "  lcore%-3u", app->workers[i].lcore_id);
	fprintf(out, "\n");
	for (desc = spate_net_stat_descs; desc->name != NULL; desc++) {
		uint64_t total = stat_sum(app, desc->offset);

		if (total == 0)
			continue;
		fprintf(out, "  %-30s %12llu", desc->name,
			(unsigned long long)total);
		for (i = 0; i < app->nworkers; i++) {
			const struct spate_net_stats *s = app->workers[i].stats;

			fprintf(out, "  %8llu",
				s ? (unsigned long long)stat_at(s, desc->offset)
				  : 0ULL);
		}
		fprintf(out, "\n");
	}
	descs_init();
	for (k = 0; k < app_ndescs; k++) {
		const struct app_stat_desc *d = &app_descs[k];
		uint64_t total = app_stat_sum(app, d);

		if (total == 0)
			continue;
		fprintf(out, "  %-30s %12llu", d->name,
			(unsigned long long)total);
		for (i = 0; i < app->nworkers; i++)
			fprintf(out, "  %8llu", (unsigned long long)app_stat(
							&app->workers[i], d));
		fprintf(out, "\n");
	}
	if (app->cache != NULL) {
		struct spate_cache_stats cs;

		spate_cache_stats(app->cache, &cs);
		fprintf(out, "  cache: %llu objects, %llu bytes indexed, %llu "
			"published, %llu removed, %llu evicted, %llu budget "
			"failures\n",
			(unsigned long long)cs.objects,
			(unsigned long long)cs.bytes_indexed,
			(unsigned long long)cs.published,
			(unsigned long long)cs.removed,
			(unsigned long long)cs.evictions,
			(unsigned long long)cs.budget_failures);
	}
	for (i = 0; i < app->nworkers; i++)
		fprintf(out, "  lcore %u: %llu polls, %llu idle sleeps\n",
			app->workers[i].lcore_id,
			(unsigned long long)app->workers[i].polls,
			(unsigned long long)app->workers[i].sleeps);
}
