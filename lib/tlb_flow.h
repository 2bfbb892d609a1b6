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
#include <string.h>

#if defined(__SSE4_1__)
#include <smmintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/*
 * A bucket followed by its entries: what one lookup touches lies in seven
 * consecutive cache lines, nine times in ten within one 4 KB page (one TLB
 * entry per flow instead of two when the bucket array and the entry array
 * were apart).
 */
struct tlb_flow_group {
	struct tlb_flow_bucket b;
	struct tlb_flow_entry e[TLB_FLOW_WAYS];
};
TLB_STATIC_ASSERT(sizeof(struct tlb_flow_group) == 64 + TLB_FLOW_WAYS * 48, "group is 7 cache lines");

struct tlb_flow_table {
	uint32_t mask;				/* n_buckets - 1; n_buckets a power of two */
	uint32_t n_entries;			/* n_buckets * TLB_FLOW_WAYS; 0 = table off */
	uint32_t timeout[TLB_FLOW_TCLASS_MAX];	/* in ticks */
	struct tlb_flow_group *g;		/* bucket i and its entries: g[i] */
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

/* Deadlines are compared in a 2^31-tick window (about 24 days at 1 ms ticks). */
static inline int
tlb_flow_expired(uint32_t deadline, uint32_t now)
{
	return (int32_t)(now - deadline) > 0;
}

/* Are two keys equal? 40 bytes without a call (keys have no padding). */
static inline int
tlb_flow_key_eq(const struct tlb_flow_key *x, const struct tlb_flow_key *y)
{
	uint64_t a4, b4;

	memcpy(&a4, (const uint8_t *)x + 32, 8);
	memcpy(&b4, (const uint8_t *)y + 32, 8);
#if defined(__SSE4_1__)
	{
		const __m128i *px = (const __m128i *)(const void *)x;
		const __m128i *py = (const __m128i *)(const void *)y;
		__m128i d = _mm_or_si128(_mm_xor_si128(_mm_loadu_si128(px), _mm_loadu_si128(py)),
					 _mm_xor_si128(_mm_loadu_si128(px + 1),
						       _mm_loadu_si128(py + 1)));

		return _mm_testz_si128(d, d) && a4 == b4;
	}
#else
	{
		uint64_t a[4], b[4];

		memcpy(a, x, sizeof(a));
		memcpy(b, y, sizeof(b));
		return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
			(a4 ^ b4)) == 0;
	}
#endif
}

/*
 * Start loading the bucket that a lookup or insert of hash h will read, so
 * that the miss overlaps other work (call it a few packets ahead). Owning
 * worker only; a table that is off is fine.
 */
static inline void
tlb_flow_prefetch(const struct tlb_flow_table *t, uint32_t h)
{
	if (t->n_entries != 0)
		__builtin_prefetch(&t->g[h & t->mask].b, 1, 3);
}

/*
 * Once the bucket of hash h is in cache (tlb_flow_prefetch() some time
 * before): start loading the entry whose signature matches, the line a hit
 * compares the key in. Owning worker only.
 */
static inline void
tlb_flow_prefetch_entry(const struct tlb_flow_table *t, uint32_t h)
{
	const struct tlb_flow_bucket *b;
	uint32_t i, w, sig = h | 1;

	if (t->n_entries == 0)
		return;
	i = h & t->mask;
	b = &t->g[i].b;
	for (w = 0; w < TLB_FLOW_WAYS; w++)
		if (b->sig[w] == sig) {
			__builtin_prefetch(&t->g[i].e[w], 1, 3);
			return;
		}
}

/* Bit w set when way w of b holds signature sig: two SSE2 compares, or a loop. */
static inline uint32_t
tlb_flow_sig_match(const struct tlb_flow_bucket *b, uint32_t sig)
{
#if defined(__SSE2__)
	__m128i s = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)(const void *)b->sig), s);
	__m128i hi = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)(const void *)&b->sig[4]), s);

	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
	       (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
#else
	uint32_t w, match = 0;

	for (w = 0; w < TLB_FLOW_WAYS; w++)
		match |= (uint32_t)(b->sig[w] == sig) << w;
	return match;
#endif
}

/*
 * Find the live entry for key k with hash h at tick now. Returns it, or NULL
 * with *ev = TLB_FLOW_EV_MISS, or TLB_FLOW_EV_EXPIRATION when the entry was
 * there but idle past its deadline (it is freed and *gone is its backend id).
 * On a hit *ev = HIT and the entry's deadline is not changed (see
 * tlb_flow_refresh). Owning worker only.
 */
static inline struct tlb_flow_entry *
tlb_flow_lookup(struct tlb_flow_table *t, const struct tlb_flow_key *k, uint32_t h, uint32_t now,
		enum tlb_flow_event *ev, uint32_t *gone)
{
	struct tlb_flow_bucket *b;
	uint32_t sig = h | 1, i, w, match;

	*ev = TLB_FLOW_EV_MISS;
	if (t->n_entries == 0)
		return NULL;
	i = h & t->mask;
	b = &t->g[i].b;
	match = tlb_flow_sig_match(b, sig);
	while (match != 0) {
		struct tlb_flow_entry *e;

		w = (uint32_t)__builtin_ctz(match);
		match &= match - 1;
		e = &t->g[i].e[w];
		if (!tlb_flow_key_eq(&e->key, k))
			continue;
		if (tlb_flow_expired(b->deadline[w], now)) {
			b->sig[w] = 0;
			*gone = e->backend_id;
			*ev = TLB_FLOW_EV_EXPIRATION;
			return NULL;
		}
		*ev = TLB_FLOW_EV_HIT;
		return e;
	}
	return NULL;
}

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
	size_t off = (size_t)((const uint8_t *)e - (const uint8_t *)t->g);
	struct tlb_flow_group *g = &t->g[off / sizeof(*g)];

	e->tclass = tclass;
	g->b.deadline[e - g->e] = now + t->timeout[tclass];
}

/* Live entries at tick now (walks the whole table: control/diagnostics only). */
uint32_t tlb_flow_count(const struct tlb_flow_table *t, uint32_t now);

/* Counter name of an event ("hits", ...). */
const char *tlb_flow_event_name(enum tlb_flow_event ev);

#endif /* TLB_FLOW_H */
