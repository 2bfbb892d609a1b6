/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_HASH_H
#define TLB_HASH_H

/*
 * Seeded flow hash: CRC32C (Castagnoli) of the key's five 64-bit words, the
 * seed as the initial value, then the murmur3 32-bit finaliser so that every
 * output bit depends on every input bit (the connection table takes the low
 * bits, Maglev the high ones). CRC32C is one instruction per word with SSE4.2
 * and a table-driven loop in rte_hash_crc without it: the same value either
 * way, so every instance with the same seed on the same byte order computes
 * the same hash for the same packet, which is what lets N balancers behind
 * ECMP agree (Maglev paper section 3.1). The backend permutation hashes stay
 * Jenkins lookup3 (rte_jhash): they run only when a table is built. Pure.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#else
#include <rte_hash_crc.h>
#endif

#include "tlb_common.h"
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
TLB_STATIC_ASSERT(sizeof(struct tlb_flow_key) == 40, "flow key is 5 64-bit words");
TLB_STATIC_ASSERT(offsetof(struct tlb_flow_key, sport) == 32 && offsetof(struct tlb_flow_key, dport) == 34 &&
		  offsetof(struct tlb_flow_key, proto) == 36 && offsetof(struct tlb_flow_key, family) == 37 &&
		  offsetof(struct tlb_flow_key, mode) == 38, "word 4 layout of tlb_hash_key_init()");

/*
 * The 16 address bytes of a as two words. An IPv4 address is read with one
 * 4-byte load, the size the parser stored it with (the other 12 bytes are
 * zero by definition): an 8-byte load spanning that store and the zeroing one
 * would wait for both to reach the cache (failed store-to-load forward).
 */
static inline void
tlb_hash_addr_words(const struct tlb_addr *a, uint64_t w[2])
{
	uint32_t v4;

	if (a->family == TLB_AF_INET) {
		memcpy(&v4, a->a, 4);
		w[0] = v4;		/* bytes a[0..3], then zeros, in memory order */
		w[1] = 0;
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
		w[0] <<= 32;
#endif
		return;
	}
	memcpy(w, a->a, 16);
}

/*
 * Fill k with the fields of p that mode selects (design.md section 4 'hash'):
 * 5tuple = src, dst, proto, sport, dport; src_ip = src; src_ip_port = src,
 * sport. Any thread.
 */
static inline void
tlb_hash_key_init(struct tlb_flow_key *k, const struct tlb_pkt *p, enum tlb_hash_mode mode)
{
	uint16_t sport = mode != TLB_HASH_SRC_IP ? p->sport : 0;
	uint16_t dport = mode == TLB_HASH_5TUPLE ? p->dport : 0;
	uint8_t proto = mode == TLB_HASH_5TUPLE ? p->proto : 0;
	uint64_t w[5];

	/*
	 * Whole 64-bit words, the last one assembled in a register: a key stored
	 * field by field and then read back as words by tlb_hash_key() makes the
	 * CPU wait for the narrow stores to reach the cache (a failed
	 * store-to-load forward on every packet).
	 */
	tlb_hash_addr_words(&p->src, &w[0]);
	if (mode == TLB_HASH_5TUPLE)
		tlb_hash_addr_words(&p->dst, &w[2]);
	else
		w[2] = w[3] = 0;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	w[4] = (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)proto << 32 |
	       (uint64_t)p->src.family << 40 | (uint64_t)(uint8_t)mode << 48;
#else
	w[4] = (uint64_t)sport << 48 | (uint64_t)dport << 32 | (uint64_t)proto << 24 |
	       (uint64_t)p->src.family << 16 | (uint64_t)(uint8_t)mode << 8;
#endif
	memcpy(k, w, sizeof(w));
}

/* One CRC32C step over a 64-bit word (SSE4.2 instruction, else DPDK's table). */
static inline uint32_t
tlb_hash_crc64(uint64_t w, uint32_t h)
{
#if defined(__SSE4_2__)
	return (uint32_t)_mm_crc32_u64(h, w);
#else
	return rte_hash_crc_8byte(w, h);
#endif
}

/* Seeded hash of a key. Any thread. */
static inline uint32_t
tlb_hash_key(const struct tlb_flow_key *k, uint32_t seed)
{
	uint64_t w[sizeof(*k) / 8];
	uint32_t h = seed;
	unsigned int i;

	/* Copy, never cast: reading the key's bytes as words would break strict
	 * aliasing and let the compiler drop the port and protocol stores. */
	memcpy(w, k, sizeof(w));
	for (i = 0; i < TLB_DIM(w); i++)
		h = tlb_hash_crc64(w[i], h);
	/* murmur3 fmix32: avalanche, since CRC is linear in its input */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

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
