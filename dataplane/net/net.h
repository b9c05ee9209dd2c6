/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_net: one lcore's network stack instance (Ethernet demux, ARP, IPv4,
 * ICMP echo and TCP), and the interface description it serves.
 *
 * Every worker lcore owns one struct spate_net and is the only thread that
 * touches it: no locks, no atomics on the fast path, no allocation per packet
 * (mbufs come from mempools, connections from a pool sized at creation).
 * Packets go in through spate_net_input() and leave through a small TX
 * buffer that the owner drains with spate_net_tx_flush(); the flush callback
 * is the only place that knows about an ethdev queue, so tests can drive the
 * stack with crafted frames and read what it answered without a NIC.
 *
 * Time is whatever the owner says it is (spate_net_set_time): workers feed
 * the TSC-derived clock, tests move it by hand to fire timers.
 */
#ifndef SPATE_NET_H
#define SPATE_NET_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Per-lcore counters.  Gauges are marked; everything else only grows. */
#define SPATE_NET_STATS(X)                                                     \
	X(rx_packets)                                                          \
	X(rx_bytes)                                                            \
	X(tx_packets)                                                          \
	X(tx_bytes)                                                            \
	X(tx_dropped)                                                          \
	X(mbuf_alloc_fail)                                                     \
	X(eth_runt)                                                            \
	X(eth_not_ours)                                                        \
	X(eth_unknown_type)                                                    \
	X(arp_rx)                                                              \
	X(arp_bad)                                                             \
	X(arp_requests_rx)                                                     \
	X(arp_replies_rx)                                                      \
	X(arp_requests_tx)                                                     \
	X(arp_replies_tx)                                                      \
	X(arp_gratuitous_tx)                                                   \
	X(arp_pending_drop)                                                    \
	X(arp_resolve_fail)                                                    \
	X(arp_table_full)                                                      \
	X(ipv4_rx)                                                             \
	X(ipv4_bad_hdr)                                                        \
	X(ipv4_bad_cksum)                                                      \
	X(ipv4_bad_len)                                                        \
	X(ipv4_frag_drop)                                                      \
	X(ipv4_not_ours)                                                       \
	X(ipv4_ttl_zero)                                                       \
	X(ipv4_unknown_proto)                                                  \
	X(ipv4_no_route)                                                       \
	X(icmp_rx)                                                             \
	X(icmp_bad)                                                            \
	X(icmp_echo_replies)                                                   \
	X(icmp_other)                                                          \
	X(tcp_rx)                                                              \
	X(tcp_bad_hdr)                                                         \
	X(tcp_bad_cksum)                                                       \
	X(tcp_bad_opts)                                                        \
	X(tcp_no_listener)                                                     \
	X(tcp_rst_tx)                                                          \
	X(tcp_rst_rx)                                                          \
	X(tcp_syn_rx)                                                          \
	X(tcp_syn_backlog_drop)                                                \
	X(tcp_conn_pool_empty)                                                 \
	X(tcp_accepts)                                                         \
	X(tcp_refused)                                                         \
	X(tcp_conns)               /* gauge: connections in the table */       \
	X(tcp_closed)                                                          \
	X(tcp_reset_by_peer)                                                   \
	X(tcp_timeouts)                                                        \
	X(tcp_rto_events)                                                      \
	X(tcp_retransmit_segs)                                                 \
	X(tcp_fast_retransmits)                                                \
	X(tcp_dupacks_rx)                                                      \
	X(tcp_ooo_queued)                                                      \
	X(tcp_ooo_dropped)                                                     \
	X(tcp_out_of_window)                                                   \
	X(tcp_paws_drop)                                                       \
	X(tcp_challenge_acks)                                                  \
	X(tcp_data_segs_rx)                                                    \
	X(tcp_data_bytes_rx)                                                   \
	X(tcp_data_segs_tx)                                                    \
	X(tcp_data_bytes_tx)                                                   \
	X(tcp_tso_segs_tx)                                                     \
	X(tcp_zero_copy_bytes_tx)                                              \
	X(tcp_copy_bytes_queued)                                               \
	X(tcp_acks_tx)                                                         \
	X(tcp_delayed_acks)                                                    \
	X(tcp_time_wait_reuse)                                                 \
	X(tcp_keepalive_probes)                                                \
	X(tcp_persist_probes)                                                  \
	X(tcp_sndq_full)                                                       \
	X(tcp_sack_blocks_rx)                                                  \
	X(tcp_sack_blocks_bad)                                                 \
	X(tcp_dsack_rx)                                                        \
	X(tcp_sack_recovery_episodes)                                          \
	X(tcp_sack_retransmits)                                                \
	X(tcp_burst_limited)                                                   \
	X(tcp_tlp_probes)                                                      \
	X(tcp_spurious_rto_undo)

struct spate_net_stats {
#define SPATE_NET_STAT_FIELD(name) uint64_t name;
	SPATE_NET_STATS(SPATE_NET_STAT_FIELD)
#undef SPATE_NET_STAT_FIELD
} __rte_cache_aligned;

/* Name/offset table for printing and telemetry, NULL-name terminated. */
struct spate_net_stat_desc {
	const char *name;
	size_t offset;
};
extern const struct spate_net_stat_desc spate_net_stat_descs[];

/*
 * What the port offers and what the stack may use.  Filled by the platform
 * layer from rte_eth_dev_info and shared read-only by all lcores.
 */
struct spate_net_if {
	uint16_t port_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	rte_be32_t ip;
	rte_be32_t netmask;
	rte_be32_t gateway; /* 0: no default route */
	/* RTE_ETH_TX_OFFLOAD_{IPV4,TCP}_CKSUM, _TCP_TSO, _MULTI_SEGS in use. */
	uint64_t tx_offloads;
	/* RTE_ETH_RX_OFFLOAD_{IPV4,TCP}_CKSUM in use (flags trusted on RX). */
	uint64_t rx_offloads;
	/*
	 * Largest frame (Ethernet header included) the port's TSO may emit;
	 * tso_segsz is cut so headers + segment fit.  Normally mtu + 14;
	 * net_tap counts the Ethernet header against the MTU.
	 */
	uint16_t tso_frame_max;
	/*
	 * The port's L4 checksum offload sums each mbuf segment on its own,
	 * so a segment of odd length followed by another corrupts the sum
	 * (net_tap in DPDK 22.11).  The stack then ends a frame's payload
	 * after any odd-length slice.
	 */
	uint8_t tx_cksum_even_segs;
};

/*
 * Tunables.  Every limit is a named value with a default
 * (spate_net_conf_defaults); the app reads overrides from spate.conf.
 */
struct spate_net_conf {
	uint32_t max_conns;	    /* TCP connections per lcore */
	uint32_t syn_backlog;	    /* SYN_RCVD connections per lcore */
	uint32_t rcv_wnd_bytes;	    /* advertised receive window */
	uint32_t init_cwnd_segs;    /* RFC 6928: 10 */
	uint32_t delack_ms;	    /* delayed ACK timeout */
	uint32_t rto_init_ms;	    /* RFC 6298: 1 s */
	uint32_t rto_min_ms;	    /* Linux: 200 ms */
	uint32_t rto_max_ms;	    /* 60 s */
	uint32_t max_retries;	    /* RTO retransmissions before giving up */
	uint32_t syn_retries;	    /* SYN-ACK retransmissions */
	uint32_t time_wait_ms;	    /* 2 MSL */
	uint32_t fin_wait2_ms;	    /* orphaned FIN_WAIT_2 lifetime */
	uint32_t keepalive_ms;	    /* idle before probing; 0 = off */
	uint32_t keepalive_intvl_ms;
	uint32_t keepalive_probes;
	uint32_t ooo_max_segs;	    /* out-of-order segments held per conn */
	uint32_t ooo_max_segs_lcore; /* ... and per lcore */
	uint32_t tso_max_bytes;	    /* payload per TSO burst, <= 64 KB - hdrs */
	uint32_t sack;		    /* offer SACK-permitted (RFC 2018): 0/1 */
	/*
	 * MSS-sized segments one connection may emit per output pass (a TSO
	 * frame counts its segments); 0 = unlimited (default).  Cheap
	 * pacing for a TX queue that overflows.  Off by default: on net_tap
	 * the losses are ACKs dropped on the way in (the worker is CPU bound
	 * on tap writes), which this does not help, and it cost a single
	 * connection ~25% (1.4 vs 2.0 Gbit/s, 64 MB GET).
	 */
	uint32_t max_burst_segs;
	/*
	 * Tail loss probe (RFC 8985 7): 2 * SRTT without an ACK resends the
	 * last segment once before the RTO.  Lost tail ACKs (a full RX
	 * queue) then cost a probe instead of an RTO and cwnd = 1 MSS.
	 */
	uint32_t tlp;		    /* 0/1 */
	uint32_t arp_entries;
	uint32_t arp_reachable_ms;
	uint32_t arp_retry_ms;
	uint32_t arp_max_retries;
};

void spate_net_conf_defaults(struct spate_net_conf *conf);

/* Sends up to n frames; returns how many the device took. */
typedef uint16_t (*spate_net_tx_burst_fn)(void *arg, struct rte_mbuf **pkts,
					  uint16_t n);

#define SPATE_NET_TX_BUF 64

struct spate_arp_table;
struct spate_tcp_stack;

struct spate_net {
	const struct spate_net_if *ifc;
	struct spate_net_conf conf;
	unsigned int lcore_id;
	uint16_t queue_id;
	uint16_t ip_id;
	/* Small mbufs for headers, control packets and extbuf attachments. */
	struct rte_mempool *pool_hdr;
	/* Full-size mbufs (the RX pool) for copied payload. */
	struct rte_mempool *pool_data;
	uint64_t now_us;
	uint64_t next_arp_scan_us;

	spate_net_tx_burst_fn tx_burst;
	void *tx_arg;
	uint16_t tx_n;
	struct rte_mbuf *tx_buf[SPATE_NET_TX_BUF];

	struct spate_arp_table *arp;
	struct spate_tcp_stack *tcp;
	struct spate_net_stats stats;
};

struct spate_net_params {
	const struct spate_net_if *ifc;
	const struct spate_net_conf *conf; /* NULL: defaults */
	unsigned int lcore_id;
	uint16_t queue_id;
	int socket_id;
	struct rte_mempool *pool_hdr;
	struct rte_mempool *pool_data;
	spate_net_tx_burst_fn tx_burst;
	void *tx_arg;
};

/*
 * Must run once per process before any spate_net is created (registers the
 * mbuf dynamic field the stack uses for out-of-order queues).  0 or -errno.
 */
int spate_net_global_init(void);

/* Allocates the per-lcore stack; NULL with rte_errno set on failure. */
struct spate_net *spate_net_create(const struct spate_net_params *p);

/* Aborts every connection (no callbacks), frees held mbufs and the stack. */
void spate_net_free(struct spate_net *net);

static inline void spate_net_set_time(struct spate_net *net, uint64_t now_us)
{
	net->now_us = now_us;
}

/*
 * Consumes n received frames: each is answered, delivered, queued or freed
 * and counted.  Replies are queued in the TX buffer (flushed when full).
 */
void spate_net_input(struct spate_net *net, struct rte_mbuf **pkts,
		     uint16_t n);

/* Runs due TCP and ARP timers for the current time. */
void spate_net_timers_run(struct spate_net *net);

/* Hands the TX buffer to tx_burst; frames it refuses are freed, counted. */
void spate_net_tx_flush(struct spate_net *net);

/* Broadcasts a gratuitous ARP for our address. */
void spate_net_arp_announce(struct spate_net *net);

/* Adds a permanent ARP entry (tests, static neighbours).  0 or -errno. */
int spate_net_arp_add_static(struct spate_net *net, rte_be32_t ip,
			     const struct rte_ether_addr *mac);

/* Looks up a neighbour; 0 with *mac filled, or -ENOENT. */
int spate_net_arp_lookup(struct spate_net *net, rte_be32_t ip,
			 struct rte_ether_addr *mac);

#endif /* SPATE_NET_H */
