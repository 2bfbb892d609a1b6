/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev table (lib/tlb_maglev): the properties of the NSDI 2016 paper,
 * section 3.4, plus the determinism and weighting tunlb promises.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlb_maglev.h"

#define M 65537u
#define SEED 0x5eedu

static void
mk_backends(struct tlb_maglev_backend *be, uint32_t n, uint32_t weight)
{
	uint32_t i;

	memset(be, 0, n * sizeof(*be));
	for (i = 0; i < n; i++) {
		uint8_t v4[4] = { 203, 0, 113, (uint8_t)(1 + i) };	/* RFC 5737 TEST-NET-3 */

		tlb_addr_set4(&be[i].key, v4);
		be[i].weight = weight;
		be[i].usable = 1;
	}
}

static void
count_slots(const struct tlb_maglev *mg, uint32_t *cnt, uint32_t n)
{
	uint32_t i;

	memset(cnt, 0, n * sizeof(*cnt));
	for (i = 0; i < mg->size; i++) {
		assert_true(mg->slot[i] < n);
		cnt[mg->slot[i]]++;
	}
}

/* Every slot names a backend, and equal weights give near-equal shares (paper: within ~1%). */
static void
test_fills_every_slot_evenly(void **state)
{
	struct tlb_maglev_backend be[10];
	struct tlb_maglev mg;
	uint32_t cnt[10], i;

	(void)state;
	mk_backends(be, 10, 1);
	assert_int_equal(tlb_maglev_build(&mg, M, be, 10, SEED), 0);
	assert_int_equal(mg.size, M);
	count_slots(&mg, cnt, 10);
	for (i = 0; i < 10; i++) {
		assert_true(cnt[i] >= M / 10 - M / 100);
		assert_true(cnt[i] <= M / 10 + M / 100);
	}
	tlb_maglev_free(&mg);
}

/* The order of backends in the file never changes which backend a slot names. */
static void
test_order_independent(void **state)
{
	struct tlb_maglev_backend a[7], b[7];
	struct tlb_maglev ma, mb;
	uint32_t i;

	(void)state;
	mk_backends(a, 7, 1);
	for (i = 0; i < 7; i++)
		b[i] = a[6 - i];
	assert_int_equal(tlb_maglev_build(&ma, M, a, 7, SEED), 0);
	assert_int_equal(tlb_maglev_build(&mb, M, b, 7, SEED), 0);
	for (i = 0; i < M; i++)
		assert_true(tlb_addr_eq(&a[ma.slot[i]].key, &b[mb.slot[i]].key));
	tlb_maglev_free(&ma);
	tlb_maglev_free(&mb);
}

/* Same seed and backends: identical tables; another seed: a different table. */
static void
test_seed_determinism(void **state)
{
	struct tlb_maglev_backend be[5];
	struct tlb_maglev m1, m2, m3;

	(void)state;
	mk_backends(be, 5, 1);
	assert_int_equal(tlb_maglev_build(&m1, M, be, 5, SEED), 0);
	assert_int_equal(tlb_maglev_build(&m2, M, be, 5, SEED), 0);
	assert_int_equal(tlb_maglev_build(&m3, M, be, 5, SEED + 1), 0);
	assert_memory_equal(m1.slot, m2.slot, M * sizeof(uint16_t));
	assert_memory_not_equal(m1.slot, m3.slot, M * sizeof(uint16_t));
	tlb_maglev_free(&m1);
	tlb_maglev_free(&m2);
	tlb_maglev_free(&m3);
}

static uint32_t
cnt_new(const struct tlb_maglev *mg)
{
	uint32_t i, n = 0;

	for (i = 0; i < mg->size; i++)
		n += mg->slot[i] == 100;
	return n;
}

/*
 * Issue spec: 100 equal backends in M = 65537 slots: max/min share <= 1.02;
 * remove one: all of its slots move and at most 1.5 % of the others do; add
 * one: report how many slots of old backends change hands.
 */
static void
test_balance_and_disruption_100(void **state)
{
	struct tlb_maglev_backend be[101];
	struct tlb_maglev before, after, added;
	uint32_t cnt[101], i, mx = 0, mn = UINT32_MAX, moved = 0, others = 0, churn = 0;

	(void)state;
	mk_backends(be, 101, 1);
	be[100].usable = 0;
	assert_int_equal(tlb_maglev_build(&before, M, be, 101, SEED), 0);
	count_slots(&before, cnt, 101);
	for (i = 0; i < 100; i++) {
		mx = cnt[i] > mx ? cnt[i] : mx;
		mn = cnt[i] < mn ? cnt[i] : mn;
	}
	print_message("100 backends: max %u min %u slots (ratio %.4f)\n", mx, mn, (double)mx / mn);
	assert_true((double)mx / mn <= 1.02);

	be[37].usable = 0;
	assert_int_equal(tlb_maglev_build(&after, M, be, 101, SEED), 0);
	for (i = 0; i < M; i++) {
		assert_int_not_equal(after.slot[i], 37);	/* every slot of 37 moved */
		if (before.slot[i] == 37)
			continue;
		others++;
		if (before.slot[i] != after.slot[i])
			moved++;
	}
	print_message("remove 1 of 100: %.3f %% of the other slots moved\n", 100.0 * moved / others);
	assert_true(moved * 1000 <= others * 15);

	be[37].usable = 1;
	be[100].usable = 1;
	assert_int_equal(tlb_maglev_build(&added, M, be, 101, SEED), 0);
	for (i = 0; i < M; i++)
		if (added.slot[i] != before.slot[i] && added.slot[i] != 100)
			churn++;
	print_message("add 1 to 100: new backend takes %.3f %%, %.3f %% move between old ones\n",
		      100.0 * cnt_new(&added) / M, 100.0 * churn / M);
	tlb_maglev_free(&before);
	tlb_maglev_free(&after);
	tlb_maglev_free(&added);
}

/* Shares follow weights: each within 1 % (relative) of weight / sum of weights. */
static void
test_weights(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4, 10, 25, 100, 7 };
	struct tlb_maglev_backend be[8];
	struct tlb_maglev mg;
	uint32_t cnt[8], i, sum = 0;

	(void)state;
	mk_backends(be, 8, 1);
	for (i = 0; i < 8; i++) {
		be[i].weight = w[i];
		sum += w[i];
	}
	assert_int_equal(tlb_maglev_build(&mg, M, be, 8, SEED), 0);
	count_slots(&mg, cnt, 8);
	for (i = 0; i < 8; i++) {
		double want = (double)M * w[i] / sum;

		print_message("weight %3u: %5u slots, ideal %.1f\n", w[i], cnt[i], want);
		assert_true(cnt[i] >= want * 0.99 && cnt[i] <= want * 1.01);
	}
	tlb_maglev_free(&mg);
}

/* Weight 0 and unusable (draining/down) backends get no slot. */
static void
test_weight_zero_and_unusable(void **state)
{
	struct tlb_maglev_backend be[4];
	struct tlb_maglev mg;
	uint32_t cnt[4];

	(void)state;
	mk_backends(be, 4, 1);
	be[1].weight = 0;
	be[2].usable = 0;
	assert_int_equal(tlb_maglev_build(&mg, M, be, 4, SEED), 0);
	count_slots(&mg, cnt, 4);
	assert_int_equal(cnt[1], 0);
	assert_int_equal(cnt[2], 0);
	assert_int_equal(cnt[0] + cnt[3], M);
	tlb_maglev_free(&mg);
}

/* No usable backend: every slot is NONE, and lookups say so. */
static void
test_no_backend(void **state)
{
	struct tlb_maglev_backend be[2];
	struct tlb_maglev mg;
	uint32_t i;

	(void)state;
	mk_backends(be, 2, 0);
	assert_int_equal(tlb_maglev_build(&mg, 101, be, 2, SEED), 0);
	for (i = 0; i < 101; i++)
		assert_int_equal(mg.slot[i], TLB_MAGLEV_NONE);
	assert_int_equal(tlb_maglev_lookup(&mg, 0xdeadbeef), TLB_MAGLEV_NONE);
	tlb_maglev_free(&mg);
	assert_int_equal(tlb_maglev_build(&mg, 101, NULL, 0, SEED), 0);
	assert_int_equal(tlb_maglev_lookup(&mg, 1), TLB_MAGLEV_NONE);
	tlb_maglev_free(&mg);
}

/* Sizes that are not prime are refused. */
static void
test_rejects_non_prime(void **state)
{
	static const uint32_t bad[] = { 0, 1, 4, 65536, 100000 };
	struct tlb_maglev_backend be[1];
	struct tlb_maglev mg;
	uint32_t i;

	(void)state;
	mk_backends(be, 1, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tlb_maglev_build(&mg, bad[i], be, 1, SEED), -22);
		assert_null(mg.slot);
	}
}

/* Lookup maps the whole 32-bit hash range onto [0, M) without division. */
static void
test_lookup_range(void **state)
{
	struct tlb_maglev_backend be[3];
	struct tlb_maglev mg;

	(void)state;
	mk_backends(be, 3, 1);
	assert_int_equal(tlb_maglev_build(&mg, 101, be, 3, SEED), 0);
	assert_int_equal(tlb_maglev_lookup(&mg, 0), mg.slot[0]);
	assert_int_equal(tlb_maglev_lookup(&mg, UINT32_MAX), mg.slot[100]);
	assert_int_equal(tlb_maglev_lookup(&mg, 0x80000000u), mg.slot[50]);
	tlb_maglev_free(&mg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_every_slot_evenly),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_seed_determinism),
		cmocka_unit_test(test_balance_and_disruption_100),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_weight_zero_and_unusable),
		cmocka_unit_test(test_no_backend),
		cmocka_unit_test(test_rejects_non_prime),
		cmocka_unit_test(test_lookup_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
