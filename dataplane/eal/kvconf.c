/* SPDX-License-Identifier: BSD-3-Clause */
/* spate_kvconf: see kvconf.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvconf.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_line(struct spate_kvconf *kc, char *line, int lineno,
		      char *err, size_t errlen)
{
	char *hash = strchr(line, '#'), *eq, *key, *value;
	struct spate_kv *kv;

	if (hash != NULL)
		*hash = '\0';
	line = trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "%s:%d: expected key = value", kc->path,
			 lineno);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (*key == '\0' || strlen(key) >= SPATE_KV_KEY_MAX ||
	    strlen(value) >= SPATE_KV_VALUE_MAX) {
		snprintf(err, errlen, "%s:%d: empty or too long key/value",
			 kc->path, lineno);
		return -EINVAL;
	}
	if (kc->n == SPATE_KV_MAX) {
		snprintf(err, errlen, "%s:%d: more than %d keys", kc->path,
			 lineno, SPATE_KV_MAX);
		return -E2BIG;
	}
	kv = &kc->kv[kc->n++];
	memset(kv, 0, sizeof(*kv));
	memcpy(kv->key, key, strlen(key) + 1);
	memcpy(kv->value, value, strlen(value) + 1);
	kv->line = lineno;
	return 0;
}

int spate_kvconf_parse(struct spate_kvconf *kc, const char *text, char *err,
		       size_t errlen)
{
	char line[1024];
	const char *p = text;
	int lineno = 0, rc;

	if (kc->path[0] == '\0')
		snprintf(kc->path, sizeof(kc->path), "<text>");
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line too long", kc->path,
				 lineno);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		rc = parse_line(kc, line, lineno, err, errlen);
		if (rc < 0)
			return rc;
		p += len + (nl != NULL);
	}
	return 0;
}

int spate_kvconf_load(struct spate_kvconf *kc, const char *path, char *err,
		      size_t errlen)
{
	char line[1024];
	FILE *f;
	int lineno = 0, rc = 0;

	memset(kc, 0, sizeof(*kc));
	snprintf(kc->path, sizeof(kc->path), "%s", path);
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		rc = parse_line(kc, line, lineno, err, errlen);
		if (rc < 0)
			break;
	}
	fclose(f);
	return rc;
}

const char *spate_kvconf_get(struct spate_kvconf *kc, const char *key)
{
	const char *v = NULL;
	unsigned int i;

	for (i = 0; i < kc->n; i++)
		if (strcmp(kc->kv[i].key, key) == 0) {
			kc->kv[i].used = 1;
			v = kc->kv[i].value;
		}
	return v;
}

const char *spate_kvconf_get_nth(struct spate_kvconf *kc, const char *key,
				 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < kc->n; i++)
		if (strcmp(kc->kv[i].key, key) == 0) {
			kc->kv[i].used = 1;
			if (n-- == 0)
				return kc->kv[i].value;
		}
	return NULL;
}

int spate_kvconf_get_u64(struct spate_kvconf *kc, const char *key,
			 uint64_t *out)
{
	const char *v = spate_kvconf_get(kc, key);
	unsigned long long x;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno != 0 || end == v || *v == '-')
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		x <<= 10;
		end++;
		break;
	case 'm':
		x <<= 20;
		end++;
		break;
	case 'g':
		x <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0')
		return -EINVAL;
	*out = x;
	return 0;
}

int spate_kvconf_get_u32(struct spate_kvconf *kc, const char *key,
			 uint32_t *out)
{
	uint64_t x = *out;
	int rc = spate_kvconf_get_u64(kc, key, &x);

	if (rc < 0 || x > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

const struct spate_kv *spate_kvconf_first_unused(const struct spate_kvconf *kc)
{
	unsigned int i;

	for (i = 0; i < kc->n; i++)
		if (!kc->kv[i].used)
			return &kc->kv[i];
	return NULL;
}
