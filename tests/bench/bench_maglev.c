/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmarks of the selection path (printed numbers, never asserted):
 * Maglev table build time (paper, NSDI 2016 section 5.3: 1.8 ms for 1000
 * backends at M = 65537, 22.9 ms at M = 655373), lookup cost, connection
 * table hit / miss / insert cost, memory per worker. Single thread, no EAL.
 *
 *   bench_maglev [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "tlb_flow.h"
#include "bench_common.h"
#include "tlb_hash.h"
#include "tlb_maglev.h"
#include "tlb_worker.h"

static uint32_t rnd_state = 0x12345678;

static uint32_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void
mk_backends(struct tlb_maglev_backend *be, uint32_t n)
{
	uint32_t i;

	memset(be, 0, n * sizeof(*be));
	for (i = 0; i < n; i++) {
		uint8_t v4[4] = { 198, 18, (uint8_t)(i >> 8), (uint8_t)i };

		tlb_addr_set4(&be[i].key, v4);
		be[i].weight = 1;
		be[i].usable = 1;
	}
}

static void
bench_build(uint32_t m, uint32_t n, int reps)
{
	struct tlb_maglev_backend *be = calloc(n, sizeof(*be));
	double t[16];
	int r;

	mk_backends(be, n);
	for (r = 0; r < reps; r++) {
		struct tlb_maglev mg;
		double t0 = now_ns();

		if (tlb_maglev_build(&mg, m, be, n, 0x5eed) != 0) {
			fprintf(stderr, "build failed\n");
			exit(1);
		}
		t[r] = (now_ns() - t0) / 1e6;
		tlb_maglev_free(&mg);
	}
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
	printf("  build  M=%-7u backends=%-5u median %8.2f ms (min %.2f, %d runs)\n", m, n,
	       t[reps / 2], t[0], reps);
	free(be);
}

static void
bench_lookup(uint32_t m, uint32_t n, uint32_t iters)
{
	struct tlb_maglev_backend *be = calloc(n, sizeof(*be));
	struct tlb_maglev mg;
	struct tlb_pkt p;
	uint64_t c0, sink = 0;
	double t0, t1, t2;
	uint32_t i;

	mk_backends(be, n);
	tlb_maglev_build(&mg, m, be, n, 0x5eed);
	t0 = now_ns();
	c0 = rte_rdtsc();
	for (i = 0; i < iters; i++)
		sink += tlb_maglev_lookup(&mg, rnd());
	t1 = now_ns();
	printf("  lookup M=%-7u random hash          %6.2f ns  %6.1f TSC cycles / lookup\n", m,
	       (t1 - t0) / iters, (double)(rte_rdtsc() - c0) / iters);
	memset(&p, 0, sizeof(p));
	p.src.family = p.dst.family = TLB_AF_INET;
	p.proto = 6;
	t1 = now_ns();
	for (i = 0; i < iters; i++) {
		p.sport = (uint16_t)i;
		memcpy(p.src.a, &i, 4);
		sink += tlb_maglev_lookup(&mg, tlb_hash_flow(&p, TLB_HASH_5TUPLE, 0x5eed));
	}
	t2 = now_ns();
	printf("  hash + lookup (5-tuple CRC32C hash)  %6.2f ns / packet   (sink %llu)\n",
	       (t2 - t1) / iters, (unsigned long long)(sink & 1));
	tlb_maglev_free(&mg);
	free(be);
}

static void
bench_flows(uint32_t entries, uint32_t flows)
{
	static const uint32_t to[TLB_FLOW_TCLASS_MAX] = { 900000, 120000, 300000 };
	struct tlb_flow_table t;
	struct tlb_flow_key *k = calloc(flows, sizeof(*k));
	uint32_t *h = calloc(flows, sizeof(*h)), *order = calloc(flows, sizeof(*order));
	size_t sz = tlb_flow_memsize(entries);
	void *mem = aligned_alloc(64, sz);
	enum tlb_flow_event ev;
	uint32_t i, hits = 0, gone;
	double t0, t1, t2, t3;

	tlb_flow_init(&t, mem, entries, to);
	for (i = 0; i < flows; i++) {
		struct tlb_pkt p;

		memset(&p, 0, sizeof(p));
		p.src.family = p.dst.family = TLB_AF_INET;
		p.proto = 6;
		p.sport = (uint16_t)rnd();
		p.dport = 80;
		*(uint32_t *)(void *)p.src.a = rnd();
		tlb_hash_key_init(&k[i], &p, TLB_HASH_5TUPLE);
		h[i] = tlb_hash_key(&k[i], 0x5eed);
		order[i] = i;
	}
	for (i = flows - 1; i > 0; i--) {	/* Fisher-Yates: random access order */
		uint32_t j = rnd() % (i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	t0 = now_ns();
	for (i = 0; i < flows; i++) {
		struct tlb_flow_entry *e = tlb_flow_lookup(&t, &k[i], h[i], 1, &ev, &gone);

		if (e == NULL)
			e = tlb_flow_insert(&t, &k[i], h[i], 1, &ev, &gone);
		e->backend_id = i;
		tlb_flow_refresh(&t, e, TLB_FLOW_TCP, 1);
	}
	t1 = now_ns();
	for (i = 0; i < flows; i++) {
		uint32_t j = order[i];

		hits += tlb_flow_lookup(&t, &k[j], h[j], 2, &ev, &gone) != NULL;
	}
	t2 = now_ns();
	for (i = 0; i < flows; i++) {
		struct tlb_flow_key x = k[order[i]];

		x.dport = 81;			/* a key that is not there */
		hits += tlb_flow_lookup(&t, &x, h[order[i]] ^ 0x5bd1e995u, 2, &ev, &gone) != NULL;
	}
	t3 = now_ns();
	printf("  flow table %u entries (%zu MiB), %u flows: miss+insert %6.1f ns, hit %6.1f ns, "
	       "miss %6.1f ns (%u hits)\n", t.n_entries, sz >> 20, flows, (t1 - t0) / flows,
	       (t2 - t1) / flows, (t3 - t2) / flows, hits);
	free(mem);
	free(k);
	free(h);
	free(order);
}

int
main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	int reps = quick ? 3 : 9;

	printf("tunlb selection micro-benchmarks (%s)\n", quick ? "quick" : "full");
	bench_build(65537, 10, reps);
	bench_build(65537, 100, reps);
	bench_build(65537, 1000, reps);
	bench_build(655373, 1000, quick ? 1 : 5);
	bench_lookup(65537, 100, quick ? 2000000 : 20000000);
	bench_lookup(655373, 1000, quick ? 2000000 : 20000000);
	bench_flows(TLB_CONFIG_DEFAULT_FLOWS, quick ? 200000 : 1000000);
	bench_flows(TLB_CONFIG_DEFAULT_FLOWS, 64 * 1024);	/* fits in L2/L3 better */
	printf("  memory per worker: flow table %zu MiB (default %u entries), counters and "
	       "TX buffers %zu KiB\n", tlb_flow_memsize(TLB_CONFIG_DEFAULT_FLOWS) >> 20,
	       TLB_CONFIG_DEFAULT_FLOWS, sizeof(struct tlb_worker) >> 10);
	return 0;
}
