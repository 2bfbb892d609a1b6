/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_MAGLEV_H
#define TLB_MAGLEV_H

/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4): a
 * lookup table of prime size M whose slots name backends. Built on the control
 * thread (allocates), read on the fast path (no division: the flow hash is
 * mapped onto [0, M) by a multiply-shift). Pure.
 */

#include <stdint.h>

#include "tlb_addr.h"

#define TLB_MAGLEV_NONE UINT16_MAX	/* slot value when no backend is usable */
#define TLB_MAGLEV_MAX_BACKENDS (UINT16_MAX - 1)

/* One backend as the table builder sees it. */
struct tlb_maglev_backend {
	struct tlb_addr key;	/* the permutation key: the backend's address */
	uint32_t weight;	/* share of the table; 0 = takes no slots */
	uint8_t usable;		/* 0 = takes no slots (draining, down) */
};

struct tlb_maglev {
	uint32_t size;		/* M, prime */
	uint16_t *slot;		/* M entries: index into the builder's backend array */
};

/*
 * Build mg (size M, prime) from be[0..n). Slots hold indexes into be[]. The
 * permutation of backend i is offset = h1(key) mod M, skip = h2(key) mod (M-1)
 * + 1, with h1/h2 seeded by seed. Backends are visited in key order, so the
 * order of be[] never changes which backend a slot names, and two builders with
 * the same seed and backends produce identical tables. Weights follow IPVS mh:
 * in every round backend i claims weight_i / gcd(weights) slots in a row, so
 * shares are proportional to weight while the table stays a Maglev table.
 * With no usable backend every slot is TLB_MAGLEV_NONE. Control thread;
 * allocates mg->slot (free with tlb_maglev_free()). Returns 0, -EINVAL (size
 * not prime or < 2, too many backends) or -ENOMEM.
 */
int tlb_maglev_build(struct tlb_maglev *mg, uint32_t size, const struct tlb_maglev_backend *be,
		     uint32_t n, uint32_t seed);

/* Free the slots of mg; mg itself is the caller's. */
void tlb_maglev_free(struct tlb_maglev *mg);

/*
 * Slot for a flow hash: index into the backend array the table was built
 * from, or TLB_MAGLEV_NONE. Fast path, any thread, no division.
 */
static inline uint16_t
tlb_maglev_lookup(const struct tlb_maglev *mg, uint32_t hash)
{
	return mg->slot[(uint32_t)(((uint64_t)hash * mg->size) >> 32)];
}

#endif /* TLB_MAGLEV_H */
