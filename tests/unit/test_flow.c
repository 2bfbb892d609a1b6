/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker connection table (lib/tlb_flow): hits, misses, idle expiry per
 * timeout class, bucket-LRU eviction when full, the clock wrapping, sizing.
 * Hashes are chosen by hand so that collisions are deliberate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlb_flow.h"

static const uint32_t timeouts[TLB_FLOW_TCLASS_MAX] = {
	[TLB_FLOW_TCP] = 900, [TLB_FLOW_TCP_FIN] = 10, [TLB_FLOW_UDP] = 300 };

struct fixture {
	struct tlb_flow_table t;
	void *mem;
};

static struct fixture *
mk(uint32_t entries)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t sz = tlb_flow_memsize(entries);

	assert_non_null(f);
	if (sz != 0) {
		f->mem = aligned_alloc(64, sz);
		assert_non_null(f->mem);
	}
	assert_int_equal(tlb_flow_init(&f->t, f->mem, entries, timeouts), 0);
	return f;
}

static void
rm(struct fixture *f)
{
	free(f->mem);
	free(f);
}

/* A distinct key per n (client 198.18.x.y port n to one VIP). */
static struct tlb_flow_key
key(uint32_t n)
{
	struct tlb_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 6;
	k.src[0] = 198;
	k.src[1] = 18;
	k.src[2] = (uint8_t)(n >> 8);
	k.src[3] = (uint8_t)n;
	k.dst[0] = 198;
	k.dst[1] = 51;
	k.dst[2] = 100;
	k.dst[3] = 10;
	k.sport = (uint16_t)(1024 + n);
	k.dport = 80;
	return k;
}

static struct tlb_flow_entry *
add(struct fixture *f, uint32_t n, uint32_t h, uint32_t now, uint8_t tclass,
    enum tlb_flow_event *ev)
{
	struct tlb_flow_key k = key(n);
	uint32_t gone;
	struct tlb_flow_entry *e = tlb_flow_insert(&f->t, &k, h, now, ev, &gone);

	assert_non_null(e);
	e->backend_id = 1000 + n;
	tlb_flow_refresh(&f->t, e, tclass, now);
	return e;
}

static struct tlb_flow_entry *
find(struct fixture *f, uint32_t n, uint32_t h, uint32_t now, enum tlb_flow_event *ev)
{
	struct tlb_flow_key k = key(n);
	uint32_t gone;

	return tlb_flow_lookup(&f->t, &k, h, now, ev, &gone);
}

/* Size 0 turns tracking off: every lookup misses, inserts give nothing. */
static void
test_off(void **state)
{
	struct fixture *f = mk(0);
	struct tlb_flow_key k = key(1);
	enum tlb_flow_event ev;
	uint32_t gone;

	(void)state;
	assert_int_equal(tlb_flow_memsize(0), 0);
	assert_null(tlb_flow_lookup(&f->t, &k, 1, 0, &ev, &gone));
	assert_int_equal(ev, TLB_FLOW_EV_MISS);
	assert_null(tlb_flow_insert(&f->t, &k, 1, 0, &ev, &gone));
	rm(f);
}

/* Capacity rounds up to a power of two of 8-way buckets; memory must be aligned. */
static void
test_sizing(void **state)
{
	struct tlb_flow_table t;
	void *mem = aligned_alloc(64, tlb_flow_memsize(1000) + 64);

	(void)state;
	assert_int_equal(tlb_flow_memsize(1000), 128 * (64 + 8 * 48));
	assert_int_equal(tlb_flow_init(&t, mem, 1000, timeouts), 0);
	assert_int_equal(t.n_entries, 1024);
	assert_int_equal(tlb_flow_init(&t, (uint8_t *)mem + 8, 1000, timeouts), -22);
	free(mem);
}

/* Insert, then the same key hits with its backend id; another key misses. */
static void
test_hit_and_miss(void **state)
{
	struct fixture *f = mk(1024);
	struct tlb_flow_entry *e;
	enum tlb_flow_event ev;

	(void)state;
	assert_null(find(f, 1, 0xabc, 5, &ev));
	assert_int_equal(ev, TLB_FLOW_EV_MISS);
	add(f, 1, 0xabc, 5, TLB_FLOW_TCP, &ev);
	assert_int_equal(ev, TLB_FLOW_EV_NONE);			/* a free slot */
	e = find(f, 1, 0xabc, 6, &ev);
	assert_non_null(e);
	assert_int_equal(ev, TLB_FLOW_EV_HIT);
	assert_int_equal(e->backend_id, 1001);
	assert_null(find(f, 2, 0xabc, 6, &ev));			/* same hash, other key */
	assert_int_equal(ev, TLB_FLOW_EV_MISS);
	assert_int_equal(tlb_flow_count(&f->t, 6), 1);
	rm(f);
}

/* Idle past the class timeout: expired and freed; refresh pushes the deadline. */
static void
test_expiry_per_class(void **state)
{
	struct fixture *f = mk(1024);
	struct tlb_flow_entry *e;
	enum tlb_flow_event ev;

	(void)state;
	add(f, 1, 11, 100, TLB_FLOW_TCP, &ev);
	add(f, 2, 22, 100, TLB_FLOW_TCP_FIN, &ev);
	add(f, 3, 33, 100, TLB_FLOW_UDP, &ev);
	assert_non_null(find(f, 2, 22, 110, &ev));		/* deadline itself: alive */
	assert_null(find(f, 2, 22, 111, &ev));
	assert_int_equal(ev, TLB_FLOW_EV_EXPIRATION);
	assert_null(find(f, 2, 22, 111, &ev));			/* freed: now a plain miss */
	assert_int_equal(ev, TLB_FLOW_EV_MISS);
	e = find(f, 3, 33, 399, &ev);
	assert_non_null(e);
	tlb_flow_refresh(&f->t, e, TLB_FLOW_UDP, 399);		/* traffic keeps it alive */
	assert_non_null(find(f, 3, 33, 600, &ev));
	assert_null(find(f, 3, 33, 700, &ev));
	assert_int_equal(ev, TLB_FLOW_EV_EXPIRATION);
	assert_non_null(find(f, 1, 11, 1000, &ev));
	assert_null(find(f, 1, 11, 1001, &ev));
	rm(f);
}

/*
 * Nine flows into one 8-way bucket: the ninth evicts the entry nearest its
 * deadline, i.e. the least recently refreshed one, and nothing else moves.
 */
static void
test_full_bucket_evicts_lru(void **state)
{
	struct fixture *f = mk(1024);
	enum tlb_flow_event ev;
	uint32_t n, h = 0x40;		/* all in bucket 0x40 & mask */

	(void)state;
	for (n = 0; n < 8; n++)
		add(f, n, h + (n << 16), 10 + n, TLB_FLOW_TCP, &ev);
	/* Flow 0 is the oldest; touch it so flow 1 becomes the LRU one. */
	tlb_flow_refresh(&f->t, find(f, 0, h, 50, &ev), TLB_FLOW_TCP, 50);
	{
		struct tlb_flow_key k8 = key(8);
		uint32_t gone = 0;
		struct tlb_flow_entry *e8 = tlb_flow_insert(&f->t, &k8, h + (8u << 16), 60, &ev, &gone);

		assert_int_equal(ev, TLB_FLOW_EV_EVICTION);
		assert_int_equal(gone, 1001);		/* flow 1's backend: its gauge drops */
		e8->backend_id = 1008;
		tlb_flow_refresh(&f->t, e8, TLB_FLOW_TCP, 60);
	}
	assert_null(find(f, 1, h + (1u << 16), 61, &ev));
	for (n = 0; n <= 8; n++)
		if (n != 1)
			assert_non_null(find(f, n, h + (n << 16), 61, &ev));
	rm(f);
}

/* An expired way is reused before anything live is evicted. */
static void
test_insert_reuses_expired(void **state)
{
	struct fixture *f = mk(1024);
	enum tlb_flow_event ev;
	uint32_t n, h = 0x7;

	(void)state;
	for (n = 0; n < 8; n++)
		add(f, n, h, 0, n == 5 ? TLB_FLOW_TCP_FIN : TLB_FLOW_TCP, &ev);
	add(f, 9, h, 20, TLB_FLOW_TCP, &ev);			/* flow 5 expired at 10 */
	assert_int_equal(ev, TLB_FLOW_EV_EXPIRATION);
	assert_null(find(f, 5, h, 21, &ev));
	for (n = 0; n < 8; n++)
		if (n != 5)
			assert_non_null(find(f, n, h, 21, &ev));
	rm(f);
}

/* The clock wraps through 2^32 ticks without expiring live entries. */
static void
test_clock_wrap(void **state)
{
	struct fixture *f = mk(1024);
	enum tlb_flow_event ev;

	(void)state;
	add(f, 1, 1, UINT32_MAX - 100, TLB_FLOW_TCP, &ev);	/* deadline wraps to 799 */
	assert_non_null(find(f, 1, 1, 50, &ev));
	assert_non_null(find(f, 1, 1, 799, &ev));
	assert_null(find(f, 1, 1, 800, &ev));
	assert_int_equal(ev, TLB_FLOW_EV_EXPIRATION);
	rm(f);
}

/* Far more flows than slots: bounded, never more live entries than capacity. */
static void
test_bounded_under_flood(void **state)
{
	struct fixture *f = mk(1024);
	uint32_t n, evictions = 0;
	enum tlb_flow_event ev;

	(void)state;
	for (n = 0; n < 20000; n++) {
		struct tlb_flow_key k = key(n);
		uint32_t h = n * 2654435761u;

		uint32_t gone;

		if (tlb_flow_lookup(&f->t, &k, h, 0, &ev, &gone) == NULL) {
			add(f, n, h, 0, TLB_FLOW_TCP, &ev);
			evictions += ev == TLB_FLOW_EV_EVICTION;
		}
	}
	/* 20000 flows over 128 buckets fill every way; the rest evicted one each. */
	assert_int_equal(tlb_flow_count(&f->t, 0), 1024);
	assert_int_equal(evictions, 20000 - 1024);
	rm(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_hit_and_miss),
		cmocka_unit_test(test_expiry_per_class),
		cmocka_unit_test(test_full_bucket_evicts_lru),
		cmocka_unit_test(test_insert_reuses_expired),
		cmocka_unit_test(test_clock_wrap),
		cmocka_unit_test(test_bounded_under_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
