/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up, network namespace and kernel-interface plumbing.  Runs on
 * the main thread at start and exit only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare, CLONE_NEWNET */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "eal.h"

#define NETNS_RUN_DIR "/run/netns"
#define EAL_MAX_ARGS  64

/* --- network namespace ---------------------------------------------------- */

static int netns_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (name[i] == '/')
			return 0;
	return 1;
}

int spate_netns_create_enter(const char *name, char *err, size_t errlen)
{
	char path[128];
	int fd, rc;

	if (!netns_name_ok(name)) {
		snprintf(err, errlen, "bad namespace name '%s'", name);
		return -EINVAL;
	}
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "mkdir %s: %s", NETNS_RUN_DIR,
			 strerror(errno));
		return rc;
	}
	/*
	 * Like iproute2: /run/netns must be a shared mount point so the bind
	 * mount below is visible in every mount namespace.
	 */
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL ||
		    mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC,
			  NULL) < 0 ||
		    mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) <
			    0) {
			rc = -errno;
			snprintf(err, errlen, "mount %s shared: %s",
				 NETNS_RUN_DIR, strerror(errno));
			return rc;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "create %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (namespace exists)" : "");
		return rc;
	}
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
		snprintf(err, errlen, "unshare(CLONE_NEWNET): %s",
			 strerror(errno));
		unlink(path);
		return rc;
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		rc = -errno;
		snprintf(err, errlen, "bind mount %s: %s", path,
			 strerror(errno));
		unlink(path);
		return rc;
	}
	spate_kernel_if_up("lo", 0, 0);
	return 0;
}

void spate_netns_remove(const char *name)
{
	char path[128];

	if (!netns_name_ok(name))
		return;
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	umount2(path, MNT_DETACH);
	unlink(path);
}

/* --- hugepages ---------------------------------------------------------- */

static int hugetlbfs_mounted(void)
{
	char line[512];
	FILE *f = fopen("/proc/mounts", "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return found;
}

uint64_t spate_hugepages_free_mb(void)
{
	unsigned long long free_pages = 0, size_kb = 0, v;
	char line[256];
	FILE *f;

	if (!hugetlbfs_mounted())
		return 0;
	f = fopen("/proc/meminfo", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
			free_pages = v;
		else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
			size_kb = v;
	}
	fclose(f);
	return free_pages * size_kb / 1024;
}

/* --- EAL ---------------------------------------------------------------- */

struct eal_argv {
	int argc;
	char *argv[EAL_MAX_ARGS];
	char store[4096];
	size_t used;
};

/* Appends one argument: prefix immediately followed by val. */
static int eal_arg(struct eal_argv *a, const char *prefix, const char *val)
{
	int n;

	if (a->argc >= EAL_MAX_ARGS - 1)
		return -E2BIG;
	n = snprintf(a->store + a->used, sizeof(a->store) - a->used, "%s%s",
		     prefix, val);
	if (n < 0 || (size_t)n >= sizeof(a->store) - a->used)
		return -E2BIG;
	a->argv[a->argc++] = a->store + a->used;
	a->used += (size_t)n + 1;
	return 0;
}

int spate_eal_start(const struct spate_profile *p, const char *prog,
		    const char *file_prefix, int *used_huge, char *err,
		    size_t errlen)
{
	struct eal_argv a = {0};
	char extra[SPATE_KV_VALUE_MAX], mem[16], *tok, *save = NULL;
	uint64_t free_mb = spate_hugepages_free_mb();
	unsigned int i;
	int huge, rc = 0, k;

	huge = p->huge;
	if (huge < 0)
		huge = free_mb >= p->memory_mb;
	if (p->huge < 0 && !huge)
		fprintf(stderr,
			"spate: WARNING: only %llu MB of free hugepages (need "
			"%u MB, hugetlbfs mounted?): falling back to "
			"--no-huge, expect lower performance\n",
			(unsigned long long)free_mb, p->memory_mb);
	snprintf(mem, sizeof(mem), "%u", p->memory_mb);

	rc |= eal_arg(&a, "", prog);
	rc |= eal_arg(&a, "-l", p->lcores);
	rc |= eal_arg(&a, "--file-prefix=", file_prefix);
	/*
	 * No files left behind by a killed process: --in-memory with
	 * hugepages; --no-huge memory is anonymous anyway (and EAL refuses
	 * the two together), there --no-shconf drops the config files.
	 */
	if (huge) {
		rc |= eal_arg(&a, "--in-memory", "");
	} else {
		rc |= eal_arg(&a, "--no-huge", "");
		rc |= eal_arg(&a, "--no-shconf", "");
		rc |= eal_arg(&a, "-m", mem);
	}
	for (i = 0; i < p->n_vdev; i++)
		rc |= eal_arg(&a, "--vdev=", p->vdev[i]);
	if (p->n_pci == 0)
		rc |= eal_arg(&a, "--no-pci", "");
	for (i = 0; i < p->n_pci; i++)
		rc |= eal_arg(&a, "-a", p->pci[i]);
	snprintf(extra, sizeof(extra), "%s", p->eal_args);
	for (tok = strtok_r(extra, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save))
		rc |= eal_arg(&a, "", tok);
	if (rc != 0) {
		snprintf(err, errlen, "EAL argument list too long");
		return -E2BIG;
	}
	a.argv[a.argc] = NULL;

	fprintf(stderr, "spate: EAL");
	for (k = 1; k < a.argc; k++)
		fprintf(stderr, " %s", a.argv[k]);
	fprintf(stderr, "\n");
	if (rte_eal_init(a.argc, a.argv) < 0) {
		rc = -rte_errno;
		snprintf(err, errlen, "rte_eal_init: %s",
			 rte_strerror(rte_errno));
		return rc;
	}
	*used_huge = huge;
	return 0;
}

/* --- kernel interface ------------------------------------------------------ */

int spate_kernel_if_up(const char *ifname, uint32_t ip, uint8_t prefix_len)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ip != 0) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = ip;
		if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
			goto fail;
		sin->sin_addr.s_addr =
			htonl(prefix_len >= 32 ? 0xffffffffu
					       : ~(0xffffffffu >> prefix_len));
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
			goto fail;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	rc = -errno;
	close(fd);
	return rc;
}
