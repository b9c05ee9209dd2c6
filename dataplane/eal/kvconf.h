/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_kvconf: the tiny "key = value" file format shared by dpdk-config/
 * profiles and spate.conf.  One pair per line, '#' starts a comment, keys
 * may repeat (a profile lists several vdevs).  Values keep inner spaces.
 * Parsing is done once at start-up; nothing here is on the data path.
 */
#ifndef SPATE_KVCONF_H
#define SPATE_KVCONF_H

#include <stdint.h>

#define SPATE_KV_MAX	   64
#define SPATE_KV_KEY_MAX   48
#define SPATE_KV_VALUE_MAX 256

struct spate_kv {
	char key[SPATE_KV_KEY_MAX];
	char value[SPATE_KV_VALUE_MAX];
	int line;
	int used; /* set by the getters: unknown keys can be reported */
};

struct spate_kvconf {
	char path[256];
	unsigned int n;
	struct spate_kv kv[SPATE_KV_MAX];
};

/*
 * Loads path.  0, or a negative errno with a message in err (file missing,
 * line without '=', key or value too long, too many keys).
 */
int spate_kvconf_load(struct spate_kvconf *kc, const char *path, char *err,
		      size_t errlen);

/* Parses "key=value" text held in memory (tests, command-line overrides). */
int spate_kvconf_parse(struct spate_kvconf *kc, const char *text, char *err,
		       size_t errlen);

/* The last value of key, or NULL.  Marks the key used. */
const char *spate_kvconf_get(struct spate_kvconf *kc, const char *key);

/* The i-th value of a repeated key, or NULL past the end. */
const char *spate_kvconf_get_nth(struct spate_kvconf *kc, const char *key,
				 unsigned int i);

/*
 * Unsigned integer value with optional k/m/g suffix (powers of 1024).
 * 0 with *out set (left alone when the key is absent), or -EINVAL.
 */
int spate_kvconf_get_u64(struct spate_kvconf *kc, const char *key,
			 uint64_t *out);
int spate_kvconf_get_u32(struct spate_kvconf *kc, const char *key,
			 uint32_t *out);

/* First key no getter asked for, or NULL: typos do not pass silently. */
const struct spate_kv *spate_kvconf_first_unused(const struct spate_kvconf *kc);

#endif /* SPATE_KVCONF_H */
