/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_port: one ethdev set up for the dataplane — one RX/TX queue pair
 * per worker lcore, RSS across them when there is more than one (so a flow
 * always lands on the same lcore and its TCP state needs no lock), the
 * checksum/TSO offloads the device offers, and the mempools the stack uses:
 *   pool_data  full-size mbufs: RX, and payload the stack copies
 *   pool_hdr   small mbufs: TX headers, control packets, and the
 *              attachment mbufs that point into payload buffers
 * Sizes come from the profile; exhaustion shows up as the stack's
 * mbuf_alloc_fail counter and the port's rx_nombuf.
 *
 * Slow path only: init, start, stop, stats.
 */
#ifndef SPATE_PORT_H
#define SPATE_PORT_H

#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "net.h"

struct spate_port_conf {
	uint16_t nb_queues;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;
	uint32_t mbufs;	    /* pool_data size; 0 = derived */
	uint32_t hdr_mbufs; /* pool_hdr size; 0 = derived */
	int offloads;	    /* use checksum offloads the port offers */
	int tso;	    /* use TSO when offered */
};

struct spate_port {
	uint16_t port_id;
	uint16_t nb_queues;
	int socket_id;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_mempool *pool_data;
	struct rte_mempool *pool_hdr;
	uint64_t rss_hf;	       /* 0: single queue */
	uint64_t tx_offloads_offered;
	uint64_t rx_offloads_offered;
	struct spate_net_if ifc;       /* what the stack may use */
	int started;
};

/*
 * Configures port_id: queues, offloads, pools, MTU.  ip/netmask/gateway are
 * copied into port->ifc.  0 or -errno with a message in err.
 */
int spate_port_init(struct spate_port *port, uint16_t port_id,
		    const struct spate_port_conf *conf, uint32_t ip,
		    uint32_t netmask, uint32_t gateway, char *err,
		    size_t errlen);

int spate_port_start(struct spate_port *port, char *err, size_t errlen);

/* Stops and closes the device, frees the pools (after workers are gone). */
void spate_port_close(struct spate_port *port);

/* Prints the port: driver, MAC, queues, RSS, offloads offered and used. */
void spate_port_describe(const struct spate_port *port, FILE *out);

/* Prints ethdev counters (packets, errors, rx_nombuf, imissed). */
void spate_port_print_stats(const struct spate_port *port, FILE *out);

#endif /* SPATE_PORT_H */
