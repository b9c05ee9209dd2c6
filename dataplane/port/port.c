/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up: see port.h.  The offload policy is "use what the device
 * offers, tell the stack exactly what that is": the stack reads
 * ifc.tx_offloads per packet and computes in software whatever is absent.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "port.h"

#define HDR_MBUF_DATAROOM (RTE_PKTMBUF_HEADROOM + 192)
#define POOL_CACHE	  256

static const uint64_t want_tx = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
				RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
static const uint64_t want_rx = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
				RTE_ETH_RX_OFFLOAD_TCP_CKSUM;

int spate_port_init(struct spate_port *port, uint16_t port_id,
		    const struct spate_port_conf *conf, uint32_t ip,
		    uint32_t netmask, uint32_t gateway, char *err,
		    size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	struct rte_eth_txconf txc;
	struct rte_eth_rxconf rxc;
	uint16_t nrxd = conf->rx_desc, ntxd = conf->tx_desc, q;
	uint32_t nb_data, nb_hdr;
	char pname[RTE_MEMPOOL_NAMESIZE];
	int rc;

	memset(port, 0, sizeof(*port));
	port->port_id = port_id;
	port->nb_queues = conf->nb_queues;
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen, "port %u does not exist (no vdev/pci in "
			 "the profile, or the PMD failed to probe)", port_id);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: dev_info: %s", port_id,
			 strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(port_id, port->name);
	port->socket_id = rte_eth_dev_socket_id(port_id);
	if (port->socket_id < 0)
		port->socket_id = (int)rte_socket_id();
	if (conf->nb_queues > info.max_rx_queues ||
	    conf->nb_queues > info.max_tx_queues) {
		snprintf(err, errlen, "port %s: %u queues wanted, device has "
			 "%u rx / %u tx", port->name, conf->nb_queues,
			 info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	port->tx_offloads_offered = info.tx_offload_capa;
	port->rx_offloads_offered = info.rx_offload_capa;

	memset(&ec, 0, sizeof(ec));
	if (conf->offloads) {
		ec.txmode.offloads = info.tx_offload_capa & want_tx;
		ec.rxmode.offloads = info.rx_offload_capa & want_rx;
	} else {
		ec.txmode.offloads =
			info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	/* TSO needs the checksum offloads it implies. */
	if (conf->offloads && conf->tso &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    (ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		ec.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (conf->nb_queues > 1) {
		port->rss_hf = info.flow_type_rss_offloads &
			       (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP);
		if (port->rss_hf == 0) {
			snprintf(err, errlen, "port %s: %u queues need RSS, "
				 "the device offers none for IPv4/TCP",
				 port->name, conf->nb_queues);
			return -ENOTSUP;
		}
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = port->rss_hf;
	}
	rc = rte_eth_dev_configure(port_id, conf->nb_queues, conf->nb_queues,
				   &ec);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: configure: %s", port->name,
			 strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrxd, &ntxd);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: descriptors: %s", port->name,
			 strerror(-rc));
		return rc;
	}

	nb_data = conf->mbufs ? conf->mbufs
			      : conf->nb_queues * (nrxd + ntxd + 4096u) + 4096u;
	nb_hdr = conf->hdr_mbufs ? conf->hdr_mbufs : 4 * nb_data;
	snprintf(pname, sizeof(pname), "spate_data_%u", port_id);
	port->pool_data = rte_pktmbuf_pool_create(
		pname, nb_data, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		port->socket_id);
	snprintf(pname, sizeof(pname), "spate_hdr_%u", port_id);
	port->pool_hdr = rte_pktmbuf_pool_create(pname, nb_hdr, POOL_CACHE, 0,
						 HDR_MBUF_DATAROOM,
						 port->socket_id);
	if (port->pool_data == NULL || port->pool_hdr == NULL) {
		snprintf(err, errlen, "port %s: mempools (%u + %u mbufs): %s",
			 port->name, nb_data, nb_hdr, rte_strerror(rte_errno));
		return -ENOMEM;
	}

	for (q = 0; q < conf->nb_queues; q++) {
		rxc = info.default_rxconf;
		rxc.offloads = ec.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, nrxd, port->socket_id,
					    &rxc, port->pool_data);
		if (rc < 0)
			break;
		txc = info.default_txconf;
		txc.offloads = ec.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port_id, q, ntxd, port->socket_id,
					    &txc);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		snprintf(err, errlen, "port %s: queue %u setup: %s", port->name,
			 q, strerror(-rc));
		return rc;
	}
	if (conf->mtu != 0 && conf->mtu != 1500) {
		rc = rte_eth_dev_set_mtu(port_id, conf->mtu);
		if (rc < 0) {
			snprintf(err, errlen, "port %s: mtu %u: %s", port->name,
				 conf->mtu, strerror(-rc));
			return rc;
		}
	}

	rte_eth_macaddr_get(port_id, &port->ifc.mac);
	port->ifc.port_id = port_id;
	port->ifc.mtu = conf->mtu ? conf->mtu : 1500;
	port->ifc.ip = ip;
	port->ifc.netmask = netmask;
	port->ifc.gateway = gateway;
	port->ifc.tx_offloads = ec.txmode.offloads;
	port->ifc.rx_offloads = ec.rxmode.offloads;
	port->ifc.tso_frame_max = (uint16_t)(port->ifc.mtu + RTE_ETHER_HDR_LEN);
	/* net_tap compares header + segment against the MTU itself. */
	if (strcmp(info.driver_name, "net_tap") == 0) {
		port->ifc.tso_frame_max = port->ifc.mtu;
		port->ifc.tx_cksum_even_segs =
			!!(ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	}
	return 0;
}

int spate_port_start(struct spate_port *port, char *err, size_t errlen)
{
	int rc = rte_eth_dev_start(port->port_id);

	if (rc < 0) {
		snprintf(err, errlen, "port %s: start: %s", port->name,
			 strerror(-rc));
		return rc;
	}
	port->started = 1;
	rte_eth_promiscuous_disable(port->port_id);
	return 0;
}

void spate_port_close(struct spate_port *port)
{
	if (port->started) {
		rte_eth_dev_stop(port->port_id);
		port->started = 0;
	}
	if (port->pool_data != NULL || port->pool_hdr != NULL)
		rte_eth_dev_close(port->port_id);
	/*
	 * Pools go last: the device may still have held mbufs from them
	 * until close.
	 */
	rte_mempool_free(port->pool_hdr);
	rte_mempool_free(port->pool_data);
	port->pool_hdr = NULL;
	port->pool_data = NULL;
}

static void print_offloads(FILE *out, const char *what, uint64_t bits,
			   int tx)
{
	uint64_t b;

	fprintf(out, "  %s:", what);
	if (bits == 0)
		fprintf(out, " none");
	for (b = 1; b != 0; b <<= 1) {
		if (!(bits & b))
			continue;
		fprintf(out, " %s",
			tx ? rte_eth_dev_tx_offload_name(b)
			   : rte_eth_dev_rx_offload_name(b));
	}
	fprintf(out, "\n");
}

void spate_port_describe(const struct spate_port *port, FILE *out)
{
	const struct rte_ether_addr *m = &port->ifc.mac;

	fprintf(out,
		"spate: port %u (%s) mac %02x:%02x:%02x:%02x:%02x:%02x "
		"queues %u rss 0x%llx mtu %u\n",
		port->port_id, port->name, m->addr_bytes[0], m->addr_bytes[1],
		m->addr_bytes[2], m->addr_bytes[3], m->addr_bytes[4],
		m->addr_bytes[5], port->nb_queues,
		(unsigned long long)port->rss_hf, port->ifc.mtu);
	print_offloads(out, "tx offloads offered", port->tx_offloads_offered,
		       1);
	print_offloads(out, "tx offloads used", port->ifc.tx_offloads, 1);
	print_offloads(out, "rx offloads offered", port->rx_offloads_offered,
		       0);
	print_offloads(out, "rx offloads used", port->ifc.rx_offloads, 0);
}

void spate_port_print_stats(const struct spate_port *port, FILE *out)
{
	struct rte_eth_stats st;

	if (rte_eth_stats_get(port->port_id, &st) < 0)
		return;
	fprintf(out,
		"spate: port %u: ipackets %llu opackets %llu ibytes %llu "
		"obytes %llu imissed %llu ierrors %llu oerrors %llu "
		"rx_nombuf %llu\n",
		port->port_id, (unsigned long long)st.ipackets,
		(unsigned long long)st.opackets, (unsigned long long)st.ibytes,
		(unsigned long long)st.obytes, (unsigned long long)st.imissed,
		(unsigned long long)st.ierrors, (unsigned long long)st.oerrors,
		(unsigned long long)st.rx_nombuf);
}
