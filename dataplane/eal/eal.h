/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_eal: process start-up for the dataplane — the profile
 * (dpdk-config/<name>.conf), the network namespace, EAL initialisation with
 * the hugepage / --no-huge decision, and the kernel side of a tap port.
 *
 * Everything here runs once, on the main thread, before or after the
 * workers; it may block, allocate and call the kernel.
 *
 * Profile keys (all optional except where a PMD needs them):
 *   name          label for logs
 *   vdev          EAL --vdev argument; may repeat
 *   pci           PCI address to allow (-a); may repeat; none = --no-pci
 *   lcores        EAL -l list; the first is the main lcore, the others are
 *                 workers (one RX/TX queue each); a single lcore also works
 *   memory_mb     memory to ask EAL for (-m with --no-huge)
 *   huge          auto | yes | no   (auto: hugepages if enough are free)
 *   eal_args      extra EAL arguments, space separated
 *   ip, prefix, gateway   the dataplane's address (dotted quad, length)
 *   mtu           dataplane MTU (default 1500)
 *   kernel_iface  tap interface the kernel sees (set up by spate)
 *   kernel_ip     address given to kernel_iface (same prefix)
 *   rx_desc, tx_desc, mbufs   ring and pool sizes
 *   offloads      auto | off    (checksum offloads)
 *   tso           auto | off
 */
#ifndef SPATE_EAL_H
#define SPATE_EAL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "kvconf.h"

#define SPATE_PROFILE_MAX_VDEV 4
#define SPATE_PROFILE_MAX_PCI  4

struct spate_profile {
	char path[256];
	char name[32];
	char vdev[SPATE_PROFILE_MAX_VDEV][SPATE_KV_VALUE_MAX];
	unsigned int n_vdev;
	char pci[SPATE_PROFILE_MAX_PCI][64];
	unsigned int n_pci;
	char lcores[64];
	uint32_t memory_mb;
	int huge; /* -1 auto, 0 no, 1 yes */
	char eal_args[SPATE_KV_VALUE_MAX];
	uint32_t ip;	  /* network order */
	uint32_t netmask; /* network order */
	uint32_t gateway; /* network order, 0 = none */
	uint8_t prefix_len;
	uint16_t mtu;
	char kernel_iface[IF_NAMESIZE];
	uint32_t kernel_ip; /* network order, 0 = leave the kernel alone */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint32_t mbufs; /* 0 = sized from queues and descriptors */
	int offloads;	/* 1 auto, 0 off */
	int tso;	/* 1 auto, 0 off */
};

/* Loads and validates a profile.  0 or -errno with a message in err. */
int spate_profile_load(struct spate_profile *p, const char *path, char *err,
		       size_t errlen);

/*
 * Creates network namespace `name` (as `ip netns add` does: a bind mount
 * under /run/netns) and moves the calling process into it.  Must run while
 * the process is single-threaded, i.e. before spate_eal_start, so EAL
 * threads and the tap device live in the namespace.  0 or -errno.
 */
int spate_netns_create_enter(const char *name, char *err, size_t errlen);

/* Unmounts and removes /run/netns/<name>; the namespace dies with us. */
void spate_netns_remove(const char *name);

/*
 * Builds the EAL argument list from the profile and runs rte_eal_init.
 * file_prefix keeps concurrent instances apart (and names the telemetry
 * socket directory).  *used_huge tells which memory mode won.
 */
int spate_eal_start(const struct spate_profile *p, const char *prog,
		    const char *file_prefix, int *used_huge, char *err,
		    size_t errlen);

/* Free 2 MB-class hugepage memory on a mounted hugetlbfs, in MB. */
uint64_t spate_hugepages_free_mb(void);

/* Assigns ip/prefix to ifname and brings it up (ioctl).  0 or -errno. */
int spate_kernel_if_up(const char *ifname, uint32_t ip, uint8_t prefix_len);

#endif /* SPATE_EAL_H */
