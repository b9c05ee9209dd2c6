/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for dataplane/net: a real spate_net on real mbufs, no NIC.
 *
 * EAL starts once per test binary in its smallest form (--no-huge
 * --in-memory --no-pci, 64 MB, one lcore, no telemetry) only to get
 * mempools; frames are crafted in mbufs, pushed through spate_net_input,
 * and whatever the stack transmits is captured by the tx_burst callback
 * for the test to parse.  Time only moves when a test moves it.
 *
 * The "peer" is 198.18.0.1 with a fixed MAC, entered in the ARP table as a
 * static neighbour unless a test wants to exercise resolution.
 */
#ifndef SPATE_TEST_NET_HARNESS_H
#define SPATE_TEST_NET_HARNESS_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net.h"
#include "tcp.h"

#define H_CAPTURE_MAX 512
#define H_OUR_IP      0xc6120002u /* 198.18.0.2 */
#define H_PEER_IP     0xc6120001u /* 198.18.0.1 */
#define H_OUR_PORT    80
#define H_PEER_PORT   40000

struct harness {
	struct spate_net_if ifc;
	struct spate_net_conf conf;
	struct spate_net *net;
	struct rte_ether_addr peer_mac;
	unsigned int ncap;
	struct rte_mbuf *cap[H_CAPTURE_MAX];
};

/* Starts EAL (first call only) and the pools; 0 or -1. */
int h_eal_init(void);

/* A fresh stack; conf NULL = defaults.  static_arp adds the peer. */
void h_init(struct harness *h, const struct spate_net_conf *conf,
	    uint64_t tx_offloads, int static_arp);
void h_fini(struct harness *h);

/* Frees captured frames. */
void h_clear(struct harness *h);
void h_set_time_ms(struct harness *h, uint64_t ms);
void h_advance_ms(struct harness *h, uint64_t ms);

/* Feeds one frame and flushes TX (captured). */
void h_input(struct harness *h, struct rte_mbuf *m);

/* Crafted frames from the peer (valid checksums unless broken later). */
struct rte_mbuf *h_mk_tcp(struct harness *h, uint16_t sport, uint16_t dport,
			  uint32_t seq, uint32_t ack, uint8_t flags,
			  uint16_t wnd, const uint8_t *opts, uint8_t optlen,
			  const void *payload, uint32_t len);
struct rte_mbuf *h_mk_arp(struct harness *h, uint16_t op, uint32_t target_ip);
struct rte_mbuf *h_mk_icmp_echo(struct harness *h, uint16_t id, uint16_t seq,
				const void *payload, uint32_t len);

/* A parsed captured TCP frame. */
struct h_tcp {
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint32_t hdr_len;  /* TCP header incl. options */
	uint32_t payload;  /* bytes after the TCP header */
	const uint8_t *opts;
	int cksum_ok;	   /* IPv4 and TCP checksums verify */
};

/* Parses capture i; returns 0, or -1 if it is not an IPv4/TCP frame. */
int h_tcp_parse(struct harness *h, unsigned int i, struct h_tcp *out);

/* Copies `len` payload bytes of capture i from offset off into dst. */
void h_tcp_payload(struct harness *h, unsigned int i, uint32_t off,
		   void *dst, uint32_t len);

/* Counter by name (see SPATE_NET_STATS). */
uint64_t h_stat(struct harness *h, const char *name);

/* The SYN options Linux sends: MSS 1460, SACK-perm, TS, NOP, WS 7. */
extern const uint8_t h_linux_syn_opts[20];

/* Writes NOP NOP TS(tsval, tsecr) into p (12 bytes). */
void h_ts_opt(uint8_t *p, uint32_t tsval, uint32_t tsecr);

#endif
