/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Profile loading: turns a dpdk-config/<name>.conf key = value file into a
 * struct spate_profile with defaults, and rejects what cannot work
 * (bad addresses, unknown keys) before EAL is touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eal.h"

static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

static int parse_switch(const char *v, int *out, const char *on)
{
	if (v == NULL)
		return 0;
	if (strcmp(v, "auto") == 0 || strcmp(v, on) == 0)
		*out = strcmp(v, "auto") == 0 ? -1 : 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "off") == 0)
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

int spate_profile_load(struct spate_profile *p, const char *path, char *err,
		       size_t errlen)
{
	static struct spate_kvconf kc;
	const struct spate_kv *unused;
	const char *v;
	uint32_t prefix = 24, mtu = 1500, rxd = 1024, txd = 1024;
	int rc, sw;

	memset(p, 0, sizeof(*p));
	rc = spate_kvconf_load(&kc, path, err, errlen);
	if (rc < 0)
		return rc;
	copy_str(p->path, sizeof(p->path), path);
	copy_str(p->name, sizeof(p->name),
		 (v = spate_kvconf_get(&kc, "name")) ? v : "unnamed");
	while (p->n_vdev < SPATE_PROFILE_MAX_VDEV &&
	       (v = spate_kvconf_get_nth(&kc, "vdev", p->n_vdev)) != NULL)
		copy_str(p->vdev[p->n_vdev++], sizeof(p->vdev[0]), v);
	while (p->n_pci < SPATE_PROFILE_MAX_PCI &&
	       (v = spate_kvconf_get_nth(&kc, "pci", p->n_pci)) != NULL)
		copy_str(p->pci[p->n_pci++], sizeof(p->pci[0]), v);
	copy_str(p->lcores, sizeof(p->lcores),
		 (v = spate_kvconf_get(&kc, "lcores")) ? v : "0-1");
	p->memory_mb = 256;
	p->huge = -1;
	p->offloads = 1;
	p->tso = 1;
	if ((v = spate_kvconf_get(&kc, "eal_args")) != NULL)
		copy_str(p->eal_args, sizeof(p->eal_args), v);
	if ((v = spate_kvconf_get(&kc, "kernel_iface")) != NULL)
		copy_str(p->kernel_iface, sizeof(p->kernel_iface), v);

	if (spate_kvconf_get_u32(&kc, "memory_mb", &p->memory_mb) < 0 ||
	    spate_kvconf_get_u32(&kc, "prefix", &prefix) < 0 || prefix > 32 ||
	    prefix == 0 || spate_kvconf_get_u32(&kc, "mtu", &mtu) < 0 ||
	    mtu < 576 || mtu > 9000 ||
	    spate_kvconf_get_u32(&kc, "rx_desc", &rxd) < 0 || rxd > 8192 ||
	    spate_kvconf_get_u32(&kc, "tx_desc", &txd) < 0 || txd > 8192 ||
	    spate_kvconf_get_u32(&kc, "mbufs", &p->mbufs) < 0) {
		snprintf(err, errlen, "%s: bad number (memory_mb, prefix, mtu, "
			 "rx_desc, tx_desc or mbufs)", path);
		return -EINVAL;
	}
	p->prefix_len = (uint8_t)prefix;
	p->mtu = (uint16_t)mtu;
	p->rx_desc = (uint16_t)rxd;
	p->tx_desc = (uint16_t)txd;
	p->netmask = htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));

	if (parse_ip((v = spate_kvconf_get(&kc, "ip")) ? v : "198.18.0.2",
		     &p->ip) < 0) {
		snprintf(err, errlen, "%s: bad ip", path);
		return -EINVAL;
	}
	if ((v = spate_kvconf_get(&kc, "gateway")) != NULL && *v != '\0' &&
	    parse_ip(v, &p->gateway) < 0) {
		snprintf(err, errlen, "%s: bad gateway", path);
		return -EINVAL;
	}
	if ((v = spate_kvconf_get(&kc, "kernel_ip")) != NULL && *v != '\0' &&
	    parse_ip(v, &p->kernel_ip) < 0) {
		snprintf(err, errlen, "%s: bad kernel_ip", path);
		return -EINVAL;
	}
	if (p->kernel_ip != 0 && p->kernel_iface[0] == '\0') {
		snprintf(err, errlen, "%s: kernel_ip needs kernel_iface", path);
		return -EINVAL;
	}
	if (parse_switch(spate_kvconf_get(&kc, "huge"), &p->huge, "yes") < 0) {
		snprintf(err, errlen, "%s: huge must be auto, yes or no", path);
		return -EINVAL;
	}
	sw = 1;
	if (parse_switch(spate_kvconf_get(&kc, "offloads"), &sw, "on") < 0) {
		snprintf(err, errlen, "%s: offloads must be auto or off", path);
		return -EINVAL;
	}
	p->offloads = sw != 0;
	sw = 1;
	if (parse_switch(spate_kvconf_get(&kc, "tso"), &sw, "on") < 0) {
		snprintf(err, errlen, "%s: tso must be auto or off", path);
		return -EINVAL;
	}
	p->tso = sw != 0;
	unused = spate_kvconf_first_unused(&kc);
	if (unused != NULL) {
		snprintf(err, errlen, "%s:%d: unknown key '%s'", path,
			 unused->line, unused->key);
		return -EINVAL;
	}
	return 0;
}
