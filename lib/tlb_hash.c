/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_jhash.h>

#include "tlb_hash.h"

void
tlb_hash_key_init(struct tlb_flow_key *k, const struct tlb_pkt *p, enum tlb_hash_mode mode)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src.a, 16);
	k->family = p->src.family;
	k->mode = (uint8_t)mode;
	switch (mode) {
	case TLB_HASH_SRC_IP:
		break;
	case TLB_HASH_SRC_IP_PORT:
		k->sport = p->sport;
		break;
	case TLB_HASH_5TUPLE:
	default:
		memcpy(k->dst, p->dst.a, 16);
		k->sport = p->sport;
		k->dport = p->dport;
		k->proto = p->proto;
		break;
	}
}

uint32_t
tlb_hash_key(const struct tlb_flow_key *k, uint32_t seed)
{
	uint32_t w[sizeof(*k) / 4];

	/* Copy, never cast: reading the key's bytes as uint32_t would break strict
	 * aliasing and let the compiler drop the port and protocol stores. */
	memcpy(w, k, sizeof(w));
	return rte_jhash_32b(w, RTE_DIM(w), seed);
}

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
