/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_jhash.h>

#include "tlb_hash.h"

uint32_t
tlb_hash_flow(const struct tlb_pkt *p, enum tlb_hash_mode mode, uint32_t seed)
{
	struct tlb_flow_key k;

	tlb_hash_key_init(&k, p, mode);
	return tlb_hash_key(&k, seed);
}

static uint32_t
backend_hash(const struct tlb_addr *a, uint32_t seed)
{
	uint32_t w[5];

	memcpy(w, a->a, 16);
	w[4] = a->family;
	return rte_jhash_32b(w, 5, seed);
}

uint32_t
tlb_hash_backend_h1(const struct tlb_addr *a, uint32_t seed)
{
	return backend_hash(a, seed);
}

uint32_t
tlb_hash_backend_h2(const struct tlb_addr *a, uint32_t seed)
{
	/* A second, independent stream: same key, seed moved by the golden ratio. */
	return backend_hash(a, seed ^ 0x9e3779b9u);
}
