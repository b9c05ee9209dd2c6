/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/cache: extbuf attachment of blob memory to real mbufs, the
 * shinfo slot reference protocol, and that in-flight mbufs (or a TCP send
 * queue's references) keep an evicted/replaced blob alive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "harness.h"

#define BIG (200 * 1024)

struct fx {
	struct spate_cache *c;
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
	uint8_t data[BIG];
};

static int setup(void **state)
{
	static struct fx f;

	f.c = tc_cache(64u << 20);
	if (f.c == NULL ||
	    spate_cache_channel_create(f.c, "zc", NULL, &f.ch) != 0 ||
	    spate_cache_reader_register(f.c, rte_lcore_id(), &f.r) != 0)
		return -1;
	spate_cache_reader_online(f.r);
	tc_fill(f.data, BIG, 7);
	if (tc_publish(f.ch, "v0/seg-1.m4s", 0, f.data, BIG) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	spate_cache_reader_offline(f->r);
	spate_cache_destroy(f->c);
	return 0;
}

static struct spate_cache_blob *seg(struct fx *f)
{
	return spate_cache_lookup(f->r, "zc", 2, "v0/seg-1.m4s", 12);
}

static uint64_t freed(struct fx *f)
{
	struct spate_cache_stats st;

	spate_cache_stats(f->c, &st);
	return st.blobs_freed;
}

/* 200 KB body in <= 64 KB pieces; freeing the chain gives every ref back. */
static void test_attach_chain_200k(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *b = seg(f);
	struct spate_cache_stats st;
	struct rte_mbuf *head, *m;
	uint32_t ref0, n = 0;
	uint64_t off = 0;

	assert_non_null(b);
	if (b == NULL)
		return; /* tells gcc's flow analysis too */
	ref0 = spate_cache_blob_refcnt(b);
	assert_int_equal(spate_cache_attach_chain(f->r, tc_pool(), b,
						  b->hdr_len, BIG, &head),
			 0);
	assert_int_equal(head->pkt_len, BIG);
	assert_int_equal(head->nb_segs, (BIG + SPATE_CACHE_ATTACH_MAX - 1) /
						SPATE_CACHE_ATTACH_MAX);
	/* One slot in use: one blob reference for all pieces. */
	assert_int_equal(spate_cache_blob_refcnt(b), ref0 + 1);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&b->slots[f->r->slot_base]
							   .ext.shinfo),
			 head->nb_segs);
	for (m = head; m != NULL; m = m->next) {
		assert_true(RTE_MBUF_HAS_EXTBUF(m));
		assert_true(m->data_len <= SPATE_CACHE_ATTACH_MAX);
		/* Zero copy: the mbuf points into the blob itself. */
		assert_ptr_equal(rte_pktmbuf_mtod(m, uint8_t *), b->body + off);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *),
				    f->data + off, m->data_len);
		off += m->data_len;
		n++;
	}
	assert_int_equal(off, BIG);
	spate_cache_stats(f->c, &st);
	assert_int_equal(st.zc_bytes_attached, BIG);
	assert_int_equal(st.zc_attachments, n);

	rte_pktmbuf_free(head);
	assert_int_equal(spate_cache_blob_refcnt(b), ref0);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&b->slots[f->r->slot_base]
							   .ext.shinfo),
			 0);
	spate_cache_blob_put(b);
}

/* Header fields and body in one attachment: a whole 200 for a small object. */
static void test_attach_wire_one_piece(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *b;
	struct rte_mbuf *m = rte_pktmbuf_alloc(tc_pool());
	uint64_t wlen;
	const uint8_t *wire;

	assert_int_equal(tc_publish(f->ch, "small.m3u8", 1, "#EXTM3U\n", 8), 0);
	b = spate_cache_lookup(f->r, "zc", 2, "small.m3u8", 10);
	assert_non_null(b);
	wire = spate_cache_blob_wire(b, &wlen);
	assert_int_equal(spate_cache_attach(f->r, m, b, 0, (uint32_t)wlen), 0);
	assert_ptr_equal(rte_pktmbuf_mtod(m, const uint8_t *), wire);
	assert_memory_equal(rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len -
				    8,
			    "#EXTM3U\n", 8);
	assert_int_equal(spate_cache_attach(f->r, m, b, 1, (uint32_t)wlen),
			 -EINVAL);
	rte_pktmbuf_free(m);
	spate_cache_blob_put(b);
	assert_int_equal(spate_cache_remove(f->ch, "small.m3u8"), 0);
	spate_cache_reader_quiescent(f->r);
	spate_cache_synchronize(f->c);
}

/*
 * The TCP send-queue protocol (dataplane/net spate_tcp_send_ref): hold a
 * slot extbuf, the stack takes its own shinfo reference and attaches TX
 * mbufs; the HTTP side drops its blob reference and the index replaces the
 * object; the blob lives until the ACK drops the stack's reference.
 */
static void test_inflight_keeps_replaced_blob(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *b;
	struct spate_extbuf *e;
	struct rte_mbuf *tx;
	uint64_t f0 = freed(f);

	assert_int_equal(tc_publish(f->ch, "live.m4s", 0, f->data, 4096), 0);
	b = spate_cache_lookup(f->r, "zc", 2, "live.m4s", 8);
	assert_non_null(b);
	e = spate_cache_extbuf_hold(f->r, b);
	assert_non_null(e);
	spate_extbuf_get(e);		/* the send queue's reference */
	tx = rte_pktmbuf_alloc(tc_pool()); /* a segment in flight */
	spate_extbuf_get(e);
	rte_pktmbuf_attach_extbuf(tx, e->data + b->hdr_len,
				  e->iova + b->hdr_len, 1460, &e->shinfo);
	spate_cache_extbuf_release(e); /* HTTP's hold */
	spate_cache_blob_put(b);	/* HTTP's lookup reference */

	/* Replace and remove: the index lets go after the grace period. */
	assert_int_equal(tc_publish(f->ch, "live.m4s", 0, "new", 3), 0);
	assert_int_equal(spate_cache_remove(f->ch, "live.m4s"), 0);
	spate_cache_reader_quiescent(f->r);
	spate_cache_synchronize(f->c);
	assert_int_equal(freed(f), f0 + 1); /* only the replacement */
	assert_int_equal(spate_cache_blob_refcnt(b), 1); /* the slot's */
	assert_memory_equal(rte_pktmbuf_mtod(tx, uint8_t *), f->data, 64);

	rte_pktmbuf_free(tx); /* NIC done */
	assert_int_equal(freed(f), f0 + 1);
	spate_extbuf_put(e); /* ACK: the send queue lets go */
	assert_int_equal(freed(f), f0 + 2);
}

/* A reader's slot stops below the 16-bit shinfo limit, then refuses. */
static void test_slot_limit(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *b = seg(f);
	struct spate_cache_stats st;
	struct spate_extbuf *e = NULL;
	struct rte_mbuf *m;
	uint32_t i;

	for (i = 0; i < SPATE_CACHE_SLOT_REFS_MAX; i++) {
		e = spate_cache_extbuf_hold(f->r, b);
		assert_non_null(e);
	}
	assert_null(spate_cache_extbuf_hold(f->r, b));
	m = rte_pktmbuf_alloc(tc_pool());
	assert_int_equal(spate_cache_attach(f->r, m, b, 0, 100), -EBUSY);
	rte_pktmbuf_free(m);
	spate_cache_stats(f->c, &st);
	assert_int_equal(st.slot_exhausted, 2);
	for (i = 0; i < SPATE_CACHE_SLOT_REFS_MAX; i++)
		spate_cache_extbuf_release(e);
	assert_int_equal(spate_cache_blob_refcnt(b), 2);
	spate_cache_blob_put(b);
}

/* With two slots per reader the second takes over when the first is full. */
static void test_second_slot(void **state)
{
	struct spate_cache_config cfg;
	struct spate_cache *c;
	struct spate_cache_channel *ch;
	struct spate_cache_reader *r;
	struct spate_cache_blob *b;
	struct spate_extbuf *e1 = NULL, *e2;
	uint32_t i;

	(void)state;
	spate_cache_config_defaults(&cfg);
	cfg.max_readers = 1;
	cfg.slots_per_reader = 2;
	c = spate_cache_create(&cfg);
	assert_non_null(c);
	assert_int_equal(spate_cache_channel_create(c, "s", NULL, &ch), 0);
	assert_int_equal(spate_cache_reader_register(c, 3, &r), 0);
	assert_int_equal(tc_publish(ch, "o", 0, "abc", 3), 0);
	b = spate_cache_lookup(r, "s", 1, "o", 1);
	assert_int_equal(b->nslots, 2);
	for (i = 0; i < SPATE_CACHE_SLOT_REFS_MAX; i++)
		e1 = spate_cache_extbuf_hold(r, b);
	e2 = spate_cache_extbuf_hold(r, b);
	assert_non_null(e2);
	assert_ptr_not_equal(e1, e2);
	assert_int_equal(spate_cache_blob_refcnt(b), 4); /* idx, us, 2 slots */
	spate_cache_extbuf_release(e2);
	for (i = 0; i < SPATE_CACHE_SLOT_REFS_MAX; i++)
		spate_cache_extbuf_release(e1);
	assert_int_equal(spate_cache_blob_refcnt(b), 2);
	spate_cache_blob_put(b);
	spate_cache_destroy(c);
}

/*
 * The per-lcore serving pattern: lookup without a blob reference, hold a
 * slot for the response's lifetime.  Under load the slot is already in
 * use, so a request writes no shared cache line.
 */
static void test_lookup_rcu_slot(void **state)
{
	struct fx *f = *state;
	struct spate_cache_blob *b;
	struct spate_extbuf *e1, *e2;

	b = spate_cache_lookup_rcu(f->r, "zc", 2, "v0/seg-1.m4s", 12);
	assert_non_null(b);
	if (b == NULL)
		return;
	assert_int_equal(spate_cache_blob_refcnt(b), 1); /* the index's */
	e1 = spate_cache_extbuf_hold(f->r, b);
	assert_int_equal(spate_cache_blob_refcnt(b), 2); /* + the slot */
	spate_cache_reader_quiescent(f->r);
	/* A second request on this lcore: no blob refcount write at all. */
	b = spate_cache_lookup_rcu(f->r, "zc", 2, "v0/seg-1.m4s", 12);
	e2 = spate_cache_extbuf_hold(f->r, b);
	assert_ptr_equal(e1, e2);
	assert_int_equal(spate_cache_blob_refcnt(b), 2);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&e1->shinfo), 2);
	assert_memory_equal(e1->data + b->hdr_len, f->data, 256);
	spate_cache_extbuf_release(e2);
	spate_cache_extbuf_release(e1);
	assert_int_equal(spate_cache_blob_refcnt(b), 1);
	assert_null(spate_cache_lookup_rcu(f->r, "zc", 2, "nope", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_chain_200k),
		cmocka_unit_test(test_attach_wire_one_piece),
		cmocka_unit_test(test_inflight_keeps_replaced_blob),
		cmocka_unit_test(test_slot_limit),
		cmocka_unit_test(test_second_slot),
		cmocka_unit_test(test_lookup_rcu_slot),
	};

	if (tc_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
