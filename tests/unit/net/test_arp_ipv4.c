/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP, IPv4 and ICMP unit tests: replies to ARP requests, resolution of an
 * unknown next hop with a pending queue, gratuitous ARP, echo replies, and
 * the IPv4 drops (bad checksum, fragments, wrong destination, TTL 0,
 * truncated headers, unknown ethertype), each with its counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_icmp.h>

#include "harness.h"

static struct harness H;

static const struct rte_ipv4_hdr *cap_ip(unsigned int i)
{
	return rte_pktmbuf_mtod_offset(H.cap[i], const struct rte_ipv4_hdr *,
				       sizeof(struct rte_ether_hdr));
}

static const struct rte_arp_hdr *cap_arp(unsigned int i)
{
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(H.cap[i], const struct rte_ether_hdr *);

	assert_int_equal(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	return (const struct rte_arp_hdr *)(eh + 1);
}

static void test_arp_reply(void **state)
{
	const struct rte_arp_hdr *ah;
	const struct rte_ether_hdr *eh;
	struct rte_ether_addr mac;

	(void)state;
	h_init(&H, NULL, 0, 0);
	h_input(&H, h_mk_arp(&H, RTE_ARP_OP_REQUEST, H_OUR_IP));
	assert_int_equal(H.ncap, 1);
	ah = cap_arp(0);
	eh = rte_pktmbuf_mtod(H.cap[0], const struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &H.peer_mac));
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &H.ifc.mac));
	assert_int_equal(ah->arp_data.arp_sip, rte_cpu_to_be_32(H_OUR_IP));
	assert_int_equal(ah->arp_data.arp_tip, rte_cpu_to_be_32(H_PEER_IP));
	/* The requester was learned. */
	assert_int_equal(spate_net_arp_lookup(H.net,
					      rte_cpu_to_be_32(H_PEER_IP), &mac),
			 0);
	assert_true(rte_is_same_ether_addr(&mac, &H.peer_mac));
	h_clear(&H);
	/* A request for someone else: no answer, not learned as new. */
	h_input(&H, h_mk_arp(&H, RTE_ARP_OP_REQUEST, 0xc6120009u));
	assert_int_equal(H.ncap, 0);
	assert_int_equal(h_stat(&H, "arp_replies_tx"), 1);
	h_fini(&H);
}

static void test_arp_resolution_and_pending(void **state)
{
	const struct rte_arp_hdr *ah;
	const struct rte_ether_hdr *eh;
	static const char p[8] = "pingpong";

	(void)state;
	h_init(&H, NULL, 0, 0);
	/* An echo request from an unknown neighbour: the reply waits. */
	h_input(&H, h_mk_icmp_echo(&H, 1, 1, p, sizeof(p)));
	assert_int_equal(H.ncap, 1);
	ah = cap_arp(0);
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(ah->arp_data.arp_tip, rte_cpu_to_be_32(H_PEER_IP));
	eh = rte_pktmbuf_mtod(H.cap[0], const struct rte_ether_hdr *);
	assert_true(rte_is_broadcast_ether_addr(&eh->dst_addr));
	h_clear(&H);
	/* Retried after 1 s. */
	h_advance_ms(&H, 1100);
	assert_int_equal(H.ncap, 1);
	h_clear(&H);
	/* The reply releases the parked echo reply. */
	h_input(&H, h_mk_arp(&H, RTE_ARP_OP_REPLY, H_OUR_IP));
	assert_int_equal(H.ncap, 1);
	eh = rte_pktmbuf_mtod(H.cap[0], const struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &H.peer_mac));
	assert_int_equal(cap_ip(0)->next_proto_id, IPPROTO_ICMP);
	h_clear(&H);
	h_fini(&H);
}

static void test_arp_resolution_fails(void **state)
{
	static const char p[4] = "abcd";
	int i;

	(void)state;
	h_init(&H, NULL, 0, 0);
	for (i = 0; i < 6; i++) /* 4 park, 2 overflow */
		h_input(&H, h_mk_icmp_echo(&H, 1, (uint16_t)i, p, 4));
	assert_int_equal(h_stat(&H, "arp_pending_drop"), 2);
	h_advance_ms(&H, 5000);
	assert_int_equal(h_stat(&H, "arp_resolve_fail"), 1);
	assert_int_equal(h_stat(&H, "arp_pending_drop"), 6);
	h_fini(&H);
}

static void test_gratuitous(void **state)
{
	const struct rte_arp_hdr *ah;

	(void)state;
	h_init(&H, NULL, 0, 0);
	spate_net_arp_announce(H.net);
	spate_net_tx_flush(H.net);
	assert_int_equal(H.ncap, 1);
	ah = cap_arp(0);
	assert_int_equal(ah->arp_data.arp_sip, ah->arp_data.arp_tip);
	assert_int_equal(ah->arp_data.arp_sip, rte_cpu_to_be_32(H_OUR_IP));
	h_fini(&H);
}

static void test_icmp_echo(void **state)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *ic;
	static const char p[56] = "0123456789abcdefghijklmnopqrstuvwxyz";

	(void)state;
	h_init(&H, NULL, 0, 1);
	h_input(&H, h_mk_icmp_echo(&H, 77, 3, p, sizeof(p)));
	assert_int_equal(H.ncap, 1);
	ip = cap_ip(0);
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(ip->dst_addr, rte_cpu_to_be_32(H_PEER_IP));
	assert_int_equal(ip->src_addr, rte_cpu_to_be_32(H_OUR_IP));
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	assert_int_equal(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(ic->icmp_ident, rte_cpu_to_be_16(77));
	assert_int_equal(rte_raw_cksum(ic, sizeof(*ic) + sizeof(p)), 0xffff);
	assert_memory_equal(ic + 1, p, sizeof(p));
	h_fini(&H);
}

static struct rte_mbuf *echo_ip(struct rte_ipv4_hdr **ip)
{
	static const char p[8] = "xxxxxxxx";
	struct rte_mbuf *m = h_mk_icmp_echo(&H, 1, 1, p, sizeof(p));

	*ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				      sizeof(struct rte_ether_hdr));
	return m;
}

static void refresh_cksum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void test_ipv4_drops(void **state)
{
	struct rte_ipv4_hdr *ip;
	struct rte_ether_hdr *eh;
	struct rte_mbuf *m;

	(void)state;
	h_init(&H, NULL, 0, 1);

	m = echo_ip(&ip);
	ip->hdr_checksum ^= 1;
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_bad_cksum"), 1);

	m = echo_ip(&ip);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	refresh_cksum(ip);
	h_input(&H, m);
	m = echo_ip(&ip);
	ip->fragment_offset = rte_cpu_to_be_16(100);
	refresh_cksum(ip);
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_frag_drop"), 2);

	m = echo_ip(&ip);
	ip->dst_addr = rte_cpu_to_be_32(0xc6120003u);
	refresh_cksum(ip);
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_not_ours"), 1);

	m = echo_ip(&ip);
	ip->time_to_live = 0;
	refresh_cksum(ip);
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_ttl_zero"), 1);

	m = echo_ip(&ip);
	ip->total_length = rte_cpu_to_be_16(2000);
	refresh_cksum(ip);
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_bad_len"), 1);

	m = echo_ip(&ip);
	ip->version_ihl = 0x44; /* IHL 4 */
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_bad_hdr"), 1);

	m = echo_ip(&ip);
	ip->next_proto_id = IPPROTO_UDP;
	refresh_cksum(ip);
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_unknown_proto"), 1);

	m = echo_ip(&ip);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - 20)); /* runt */
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "ipv4_bad_hdr"), 2);

	m = echo_ip(&ip);
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "eth_unknown_type"), 1);

	m = echo_ip(&ip);
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eh->dst_addr.addr_bytes[5] ^= 0x40;
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "eth_not_ours"), 1);

	assert_int_equal(H.ncap, 0);
	assert_int_equal(h_stat(&H, "icmp_echo_replies"), 0);
	h_fini(&H);
}

static void test_icmp_bad_cksum(void **state)
{
	static const char p[8] = "12345678";
	struct rte_mbuf *m;
	struct rte_icmp_hdr *ic;

	(void)state;
	h_init(&H, NULL, 0, 1);
	m = h_mk_icmp_echo(&H, 1, 1, p, sizeof(p));
	ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, 34);
	ic->icmp_cksum ^= 0xff;
	h_input(&H, m);
	assert_int_equal(h_stat(&H, "icmp_bad"), 1);
	assert_int_equal(H.ncap, 0);
	h_fini(&H);
}

static int group_setup(void **state)
{
	(void)state;
	return h_eal_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_arp_resolution_and_pending),
		cmocka_unit_test(test_arp_resolution_fails),
		cmocka_unit_test(test_gratuitous),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_ipv4_drops),
		cmocka_unit_test(test_icmp_bad_cksum),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
