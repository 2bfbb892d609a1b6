/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_FLOW_H
#define TLB_FLOW_H

/*
 * Per-worker connection table: 5-tuple -> stable backend id. One table per
 * worker lcore, never shared, so no locks and no atomics. Bounded: a
 * set-associative hash of 8-way buckets. Each bucket keeps one cache line of
 * signatures and idle deadlines; a full bucket evicts the entry nearest its
 * deadline, which among entries of one timeout class is the least recently
 * used one (LRU per bucket, as VPP's lb sticky table and Katran's per-CPU LRU
 * approximate a global LRU). Entries expire lazily: a lookup or insert that
 * meets an entry past its deadline frees it. Pure: the caller provides the
 * memory and the clock.
 */

#include <stdint.h>

#include "tlb_common.h"
#include "tlb_hash.h"

#define TLB_FLOW_WAYS 8

/* Timeout classes: which idle timeout an entry lives by. */
enum tlb_flow_tclass {
	TLB_FLOW_TCP = 0,
	TLB_FLOW_TCP_FIN = 1,	/* FIN or RST seen */
	TLB_FLOW_UDP = 2,
	TLB_FLOW_TCLASS_MAX
};

/* What a lookup or insert did; each has a counter (design.md section 7). */
#define TLB_FLOW_EVENTS(X)	\
	X(HIT, hits)		\
	X(MISS, misses)		\
	X(EVICTION, evictions)	\
	X(EXPIRATION, expirations) \
	X(RESELECT, reselects)	/* hit on a backend now down, gone or draining for a SYN */

enum tlb_flow_event {
#define TLB_X_ENUM(e, s) TLB_FLOW_EV_##e,
	TLB_FLOW_EVENTS(TLB_X_ENUM)
#undef TLB_X_ENUM
	TLB_FLOW_EV_MAX,
	TLB_FLOW_EV_NONE = TLB_FLOW_EV_MAX
};

struct tlb_flow_entry {
	struct tlb_flow_key key;
	uint32_t backend_id;		/* stable id, never a snapshot pointer */
	uint8_t tclass;			/* enum tlb_flow_tclass */
	uint8_t pad[3];
};
TLB_STATIC_ASSERT(sizeof(struct tlb_flow_entry) == 48, "flow entry is 48 bytes");

/* One cache line: what a lookup reads before it touches an entry. */
struct tlb_flow_bucket {
	_Alignas(64) uint32_t sig[TLB_FLOW_WAYS];	/* hash | 1; 0 = free */
	uint32_t deadline[TLB_FLOW_WAYS];		/* tick after which the entry is idle */
};
TLB_STATIC_ASSERT(sizeof(struct tlb_flow_bucket) == 64, "bucket is one cache line");

struct tlb_flow_table {
	uint32_t mask;				/* n_buckets - 1; n_buckets a power of two */
	uint32_t n_entries;			/* n_buckets * TLB_FLOW_WAYS; 0 = table off */
	uint32_t timeout[TLB_FLOW_TCLASS_MAX];	/* in ticks */
	struct tlb_flow_bucket *b;
	struct tlb_flow_entry *e;		/* entry (bucket i, way w) at i * WAYS + w */
};

/*
 * Bytes of memory for a table holding at least entries connections (rounded
 * up to a power of two of buckets). 0 entries = 0 bytes (tracking off).
 */
size_t tlb_flow_memsize(uint32_t entries);

/*
 * Set t up on mem (tlb_flow_memsize(entries) bytes, 64-byte aligned, any
 * content) with idle timeouts in ticks per class. entries 0 makes a table
 * that is off (lookups miss, inserts return NULL). Returns 0 or -EINVAL.
 * Control thread, before the owning worker runs.
 */
int tlb_flow_init(struct tlb_flow_table *t, void *mem, uint32_t entries,
		  const uint32_t timeout[TLB_FLOW_TCLASS_MAX]);

/*
 * Find the live entry for key k with hash h at tick now. Returns it, or NULL
 * with *ev = TLB_FLOW_EV_MISS, or TLB_FLOW_EV_EXPIRATION when the entry was
 * there but idle past its deadline (it is freed and *gone is its backend id).
 * On a hit *ev = HIT and the entry's deadline is not changed (see
 * tlb_flow_refresh). Owning worker only.
 */
struct tlb_flow_entry *tlb_flow_lookup(struct tlb_flow_table *t, const struct tlb_flow_key *k,
				       uint32_t h, uint32_t now, enum tlb_flow_event *ev,
				       uint32_t *gone);

/*
 * Claim a slot for key k (not present) in its bucket: a free one (*ev =
 * NONE), else an expired one (*ev = EXPIRATION), else the one nearest its
 * deadline (*ev = EVICTION); for the last two *gone is the backend id of the
 * entry that was replaced. The caller fills backend_id and calls
 * tlb_flow_refresh(). Returns NULL only when the table is off. Owning worker.
 */
struct tlb_flow_entry *tlb_flow_insert(struct tlb_flow_table *t, const struct tlb_flow_key *k,
				       uint32_t h, uint32_t now, enum tlb_flow_event *ev,
				       uint32_t *gone);

/* Set e's class and push its deadline to now + timeout[tclass]. Owning worker. */
static inline void
tlb_flow_refresh(struct tlb_flow_table *t, struct tlb_flow_entry *e, uint8_t tclass, uint32_t now)
{
	uint32_t i = (uint32_t)(e - t->e);

	e->tclass = tclass;
	t->b[i / TLB_FLOW_WAYS].deadline[i % TLB_FLOW_WAYS] = now + t->timeout[tclass];
}

/* Live entries at tick now (walks the whole table: control/diagnostics only). */
uint32_t tlb_flow_count(const struct tlb_flow_table *t, uint32_t now);

/* Counter name of an event ("hits", ...). */
const char *tlb_flow_event_name(enum tlb_flow_event ev);

#endif /* TLB_FLOW_H */
