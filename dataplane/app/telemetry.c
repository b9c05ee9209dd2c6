/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters out: DPDK telemetry commands (read with dpdk-telemetry.py from
 * any thread, while workers run) and the table printed on exit.
 *
 *   /spate/stats               every counter summed over worker lcores
 *   /spate/lcores              the worker lcore ids
 *   /spate/lcore_stats,<id>    one lcore's counters
 *
 * Workers own their counters and never synchronise: a reader may see a
 * counter a few packets old, which is what counters are for.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"

static struct spate_app *tel_app;

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

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (desc = spate_net_stat_descs; desc->name != NULL; desc++)
		rte_tel_data_add_dict_u64(d, desc->name,
					  stat_sum(tel_app, desc->offset));
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
		if (tel_app->workers[i].lcore_id == id)
			s = tel_app->workers[i].stats;
	if (s == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", id);
	for (desc = spate_net_stat_descs; desc->name != NULL; desc++)
		rte_tel_data_add_dict_u64(d, desc->name,
					  stat_at(s, desc->offset));
	return 0;
}

int spate_telemetry_register(struct spate_app *app)
{
	tel_app = app;
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
	unsigned int i;

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
	for (i = 0; i < app->nworkers; i++)
		fprintf(out, "  lcore %u: %llu polls, %llu idle sleeps\n",
			app->workers[i].lcore_id,
			(unsigned long long)app->workers[i].polls,
			(unsigned long long)app->workers[i].sleeps);
}
