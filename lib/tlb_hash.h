/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_HASH_H
#define TLB_HASH_H

/*
 * Seeded flow hash (Jenkins lookup3 via rte_jhash). Every instance with the
 * same seed on the same byte order computes the same value for the same packet,
 * which is what lets N balancers behind ECMP agree (Maglev paper section 3.1).
 * Pure.
 */

#include <stdint.h>

#include "tlb_config.h"
#include "tlb_parse.h"

/*
 * A flow as hashed and as tracked: the fields a hash mode selects, the others
 * zero, padding zero, so the struct can be hashed and compared as bytes.
 */
struct tlb_flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;		/* host order: the key is a value, not wire bytes */
	uint16_t dport;
	uint8_t proto;
	uint8_t family;
	uint8_t mode;		/* enum tlb_hash_mode: keys of different modes never meet */
	uint8_t zero;
};
TLB_STATIC_ASSERT(sizeof(struct tlb_flow_key) == 40, "flow key is 10 words");

/*
 * Fill k with the fields of p that mode selects (design.md section 4 'hash'):
 * 5tuple = src, dst, proto, sport, dport; src_ip = src; src_ip_port = src,
 * sport. Any thread.
 */
void tlb_hash_key_init(struct tlb_flow_key *k, const struct tlb_pkt *p, enum tlb_hash_mode mode);

/* Seeded hash of a key. Any thread. */
uint32_t tlb_hash_key(const struct tlb_flow_key *k, uint32_t seed);

/* tlb_hash_key_init() then tlb_hash_key(). Any thread. */
uint32_t tlb_hash_flow(const struct tlb_pkt *p, enum tlb_hash_mode mode, uint32_t seed);

/* The two independent Maglev permutation hashes of a backend key (address). */
uint32_t tlb_hash_backend_h1(const struct tlb_addr *a, uint32_t seed);
uint32_t tlb_hash_backend_h2(const struct tlb_addr *a, uint32_t seed);

/* Outer UDP source port from the flow hash: 49152..65535 (RFC 7348 section 5). */
static inline uint16_t
tlb_hash_sport(uint32_t h)
{
	return (uint16_t)(49152u | ((h ^ (h >> 16)) & 0x3fffu));
}

/* IPv6 flow label from the flow hash: 20 bits, never 0 (RFC 6438 section 3). */
static inline uint32_t
tlb_hash_flow_label(uint32_t h)
{
	uint32_t fl = (h ^ (h >> 20)) & 0xfffffu;

	return fl != 0 ? fl : 1;
}

#endif /* TLB_HASH_H */
