/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_SNAPSHOT_H
#define TLB_SNAPSHOT_H

/*
 * The immutable forwarding state the workers read: VIP table, services with
 * their Maglev tables, the backend array with ready encapsulation templates,
 * the node addresses. Built whole on the control thread from a validated
 * config, published by one pointer swap, freed after an RCU grace period.
 * The only header both the fast path and the control plane include.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "tlb_addr.h"
#include "tlb_config.h"
#include "tlb_encap.h"
#include "tlb_hash.h"
#include "tlb_ids.h"
#include "tlb_local.h"
#include "tlb_maglev.h"
#include "tlb_parse.h"
#include "tlb_verdict.h"

struct tlb_backend {
	struct tlb_encap_tmpl tmpl;	/* outer headers towards this backend */
	struct tlb_addr addr;
	uint32_t id;			/* stable id (tlb_ids): flow entries, counters */
	uint32_t slots;			/* entries of its service's Maglev table naming it */
	uint16_t weight;
	uint8_t state;			/* enum tlb_backend_state */
	uint16_t service;		/* index of its service in this snapshot */
	char name[TLB_ADDR_STRLEN];	/* printable address: the stats key */
};

struct tlb_service {
	struct tlb_maglev mg;		/* slots index backends[be_first ...] */
	uint32_t be_first;		/* first backend of this service in the array */
	uint32_t n_be;
	uint32_t id;			/* stable id (tlb_ids): counters */
	enum tlb_hash_mode hash;
	uint8_t too_big;		/* enum tlb_too_big_policy */
	uint8_t fragments;		/* enum tlb_frag_policy */
	uint16_t mss_clamp;		/* 0 = off, TLB_MSS_CLAMP_AUTO, or the MSS */
	uint8_t segmentation;		/* too-big TCP: segment in software */
	struct tlb_addr vip;
	uint16_t port;			/* 0 = any */
	uint8_t proto;
	char name[TLB_NAME_MAX];
};

/* VIP table key: (address, protocol, port). (address, 0, 0) marks "is a VIP". */
struct tlb_vip_key {
	uint8_t addr[16];
	uint8_t family;
	uint8_t proto;
	uint16_t port;			/* host order; 0 = any-port service */
};
TLB_STATIC_ASSERT(sizeof(struct tlb_vip_key) == 20, "VIP key has no padding");

/*
 * One slot of the VIP table: open addressing with linear probing over a
 * power-of-two array built whole at snapshot time and never written after
 * (so no deletion, no tombstones), at most a quarter full: a lookup reads one
 * slot, rarely two. value 0 marks a free slot (service index + 1 and the
 * marker are never 0).
 */
struct tlb_vip_slot {
	struct tlb_vip_key key;
	uint32_t value;			/* service index + 1, or the VIP's marker */
};
TLB_STATIC_ASSERT(sizeof(struct tlb_vip_slot) == 24, "VIP slot is 24 bytes");

struct tlb_snapshot {
	uint64_t generation;
	uint32_t seed;			/* maglev_seed: flow hash and table permutation */
	struct tlb_vip_slot *vips;	/* tlb_vip_key -> service index + 1, or marker */
	uint32_t vip_mask;		/* slots in vips - 1 */
	struct tlb_local_node node;
	struct tlb_service *services;
	uint32_t n_services;
	struct tlb_backend *backends;
	uint32_t n_backends;
	uint32_t *id_to_idx;		/* backend id -> index in backends, or TLB_ID_NONE */
	uint32_t n_ids;			/* entries in id_to_idx */
};

/*
 * Build a complete snapshot from cfg (not retained) with the given generation
 * number; memory on NUMA socket (SOCKET_ID_ANY allowed). Service and backend
 * ids come from ids (new names get new ids). Control thread. Returns the
 * snapshot, or NULL with a message logged and rte_errno set (ENOSPC: ids ran
 * out, restart needed).
 */
struct tlb_snapshot *tlb_snapshot_build(const struct tlb_config *cfg, uint64_t generation,
					int socket, struct tlb_ids *ids);

/*
 * Snapshot index of backend id, or TLB_ID_NONE when that backend is not in s
 * (removed by a reload). Fast path, any worker.
 */
static inline uint32_t
tlb_snapshot_backend_idx(const struct tlb_snapshot *s, uint32_t id)
{
	return id < s->n_ids ? s->id_to_idx[id] : TLB_ID_NONE;
}

/* Free s and everything it owns; NULL is fine. Control thread, after a grace period. */
void tlb_snapshot_free(struct tlb_snapshot *s);

/*
 * Bits of the "is a VIP" marker's value: which protocols have a service, and
 * per protocol the service that takes the VIP's port-less packets (later
 * fragments): its any-port service, else its only service, else none.
 */
#define TLB_VIP_MARK_TCP 0x1u
#define TLB_VIP_MARK_UDP 0x2u
#define TLB_VIP_MARK_SVC_SHIFT(proto) ((proto) == IPPROTO_TCP ? 8 : 20)	/* index + 1, 12 bits */
#define TLB_VIP_MARK_SVC_MASK 0xfffu

/* The last word of a VIP key (family, proto, port), built in a register. */
static inline uint32_t
tlb_snapshot_vip_meta(uint8_t family, uint8_t proto, uint16_t port)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint32_t)family | (uint32_t)proto << 8 | (uint32_t)port << 16;
#else
	return (uint32_t)family << 24 | (uint32_t)proto << 16 | port;
#endif
}
TLB_STATIC_ASSERT(offsetof(struct tlb_vip_key, family) == 16 && offsetof(struct tlb_vip_key, proto) == 17 &&
		  offsetof(struct tlb_vip_key, port) == 18, "layout of tlb_snapshot_vip_meta()");

/* Hash of a VIP key given as its words: CRC32C (same value with or without SSE4.2). */
static inline uint32_t
tlb_snapshot_vip_hash(uint64_t a0, uint64_t a1, uint32_t meta)
{
	return tlb_hash_crc64(a1, tlb_hash_crc64(a0, meta));
}

/*
 * The value stored for the key of address words a0, a1 and meta
 * (tlb_snapshot_vip_meta()), or 0 when it is not in the table. The key is
 * passed in registers, never stored and read back. Any thread.
 */
static inline uint32_t
tlb_snapshot_vip_find(const struct tlb_snapshot *s, uint64_t a0, uint64_t a1, uint32_t meta)
{
	uint32_t i = tlb_snapshot_vip_hash(a0, a1, meta) & s->vip_mask;

	for (;; i = (i + 1) & s->vip_mask) {
		const struct tlb_vip_slot *e = &s->vips[i];
		uint64_t b[2];
		uint32_t mb;

		if (e->value == 0)
			return 0;
		memcpy(b, e->key.addr, 16);
		memcpy(&mb, &e->key.family, 4);
		if (((a0 ^ b[0]) | (a1 ^ b[1]) | (meta ^ mb)) == 0)
			return e->value;
	}
}

/*
 * Find the service for parsed packet p: exact (VIP, protocol, port) first,
 * then the VIP's any-port service for that protocol. Returns the service, or
 * NULL with *why = NOT_VIP (no such address), FRAGMENT (VIP traffic without
 * ports: non-first fragment), VIP_PORT (protocol served, not on this port) or
 * VIP_PROTO (protocol not served). Fast path, any worker.
 */
static inline const struct tlb_service *
tlb_snapshot_lookup(const struct tlb_snapshot *s, const struct tlb_pkt *p, enum tlb_verdict *why)
{
	uint32_t mark, v;
	uint64_t a[2];

	tlb_hash_addr_words(&p->dst, a);
	if ((p->flags & TLB_PKT_F_L4) && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)) {
		v = tlb_snapshot_vip_find(s, a[0], a[1],
					  tlb_snapshot_vip_meta(p->dst.family, p->proto, p->dport));
		if (v != 0)
			return &s->services[v - 1];
		v = tlb_snapshot_vip_find(s, a[0], a[1], tlb_snapshot_vip_meta(p->dst.family, p->proto, 0));
		if (v != 0)
			return &s->services[v - 1];
	}
	mark = tlb_snapshot_vip_find(s, a[0], a[1], tlb_snapshot_vip_meta(p->dst.family, 0, 0));
	if (mark == 0) {
		*why = TLB_V_NOT_VIP;
		return NULL;
	}
	if ((p->flags & TLB_PKT_F_FRAG) && !(p->flags & TLB_PKT_F_L4))
		*why = TLB_V_FRAGMENT;
	else if ((p->proto == IPPROTO_TCP && (mark & TLB_VIP_MARK_TCP)) ||
		 (p->proto == IPPROTO_UDP && (mark & TLB_VIP_MARK_UDP)))
		*why = TLB_V_VIP_PORT;
	else
		*why = TLB_V_VIP_PROTO;
	return NULL;
}

/*
 * The service that takes p, a VIP packet without ports (a later fragment):
 * see TLB_VIP_MARK_SVC_SHIFT. NULL when none or ambiguous. Any worker.
 */
static inline const struct tlb_service *
tlb_snapshot_frag_service(const struct tlb_snapshot *s, const struct tlb_pkt *p)
{
	uint32_t mark, idx;
	uint64_t a[2];

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return NULL;
	tlb_hash_addr_words(&p->dst, a);
	mark = tlb_snapshot_vip_find(s, a[0], a[1], tlb_snapshot_vip_meta(p->dst.family, 0, 0));
	if (mark == 0)
		return NULL;
	idx = (mark >> TLB_VIP_MARK_SVC_SHIFT(p->proto)) & TLB_VIP_MARK_SVC_MASK;
	return idx != 0 ? &s->services[idx - 1] : NULL;
}

#endif /* TLB_SNAPSHOT_H */
