/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "tlb_flow.h"

static uint32_t
n_buckets_for(uint32_t entries)
{
	uint32_t n = 1;

	while ((uint64_t)n * TLB_FLOW_WAYS < entries)
		n <<= 1;
	return n;
}

size_t
tlb_flow_memsize(uint32_t entries)
{
	uint32_t n;

	if (entries == 0)
		return 0;
	n = n_buckets_for(entries);
	return (size_t)n * (sizeof(struct tlb_flow_bucket) +
			    TLB_FLOW_WAYS * sizeof(struct tlb_flow_entry));
}

int
tlb_flow_init(struct tlb_flow_table *t, void *mem, uint32_t entries,
	      const uint32_t timeout[TLB_FLOW_TCLASS_MAX])
{
	uint32_t n;

	memset(t, 0, sizeof(*t));
	if (entries == 0)
		return 0;
	if (mem == NULL || ((uintptr_t)mem & 63) != 0)
		return -EINVAL;
	n = n_buckets_for(entries);
	t->mask = n - 1;
	t->n_entries = n * TLB_FLOW_WAYS;
	memcpy(t->timeout, timeout, sizeof(t->timeout));
	t->b = mem;
	t->e = (struct tlb_flow_entry *)(void *)(t->b + n);
	memset(t->b, 0, (size_t)n * sizeof(*t->b));
	return 0;
}

/* Deadlines are compared in a 2^31-tick window (about 24 days at 1 ms ticks). */
static inline int
expired(uint32_t deadline, uint32_t now)
{
	return (int32_t)(now - deadline) > 0;
}

struct tlb_flow_entry *
tlb_flow_lookup(struct tlb_flow_table *t, const struct tlb_flow_key *k, uint32_t h, uint32_t now,
		enum tlb_flow_event *ev, uint32_t *gone)
{
	struct tlb_flow_bucket *b;
	uint32_t sig = h | 1, i, w;

	*ev = TLB_FLOW_EV_MISS;
	if (t->n_entries == 0)
		return NULL;
	i = h & t->mask;
	b = &t->b[i];
	for (w = 0; w < TLB_FLOW_WAYS; w++) {
		struct tlb_flow_entry *e;

		if (b->sig[w] != sig)
			continue;
		e = &t->e[i * TLB_FLOW_WAYS + w];
		if (memcmp(&e->key, k, sizeof(*k)) != 0)
			continue;
		if (expired(b->deadline[w], now)) {
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

struct tlb_flow_entry *
tlb_flow_insert(struct tlb_flow_table *t, const struct tlb_flow_key *k, uint32_t h, uint32_t now,
		enum tlb_flow_event *ev, uint32_t *gone)
{
	struct tlb_flow_bucket *b;
	struct tlb_flow_entry *e;
	uint32_t i, w, pick = TLB_FLOW_WAYS, victim = 0;
	int32_t least = INT32_MAX;

	*ev = TLB_FLOW_EV_NONE;
	if (t->n_entries == 0)
		return NULL;
	i = h & t->mask;
	b = &t->b[i];
	for (w = 0; w < TLB_FLOW_WAYS; w++) {
		int32_t left;

		if (b->sig[w] == 0) {
			pick = w;
			break;
		}
		left = (int32_t)(b->deadline[w] - now);
		if (left < 0) {			/* idle past its deadline */
			pick = w;
			*ev = TLB_FLOW_EV_EXPIRATION;
			break;
		}
		if (left < least) {
			least = left;
			victim = w;
		}
	}
	if (pick == TLB_FLOW_WAYS) {
		pick = victim;
		*ev = TLB_FLOW_EV_EVICTION;
	}
	e = &t->e[i * TLB_FLOW_WAYS + pick];
	if (*ev != TLB_FLOW_EV_NONE)
		*gone = e->backend_id;
	b->sig[pick] = h | 1;
	e->key = *k;
	return e;
}

uint32_t
tlb_flow_count(const struct tlb_flow_table *t, uint32_t now)
{
	uint32_t i, w, n = 0;

	for (i = 0; t->n_entries != 0 && i <= t->mask; i++)
		for (w = 0; w < TLB_FLOW_WAYS; w++)
			if (t->b[i].sig[w] != 0 && !expired(t->b[i].deadline[w], now))
				n++;
	return n;
}

const char *
tlb_flow_event_name(enum tlb_flow_event ev)
{
	static const char *const names[] = {
#define TLB_X_NAME(e, s) #s,
		TLB_FLOW_EVENTS(TLB_X_NAME)
#undef TLB_X_NAME
	};

	return (unsigned int)ev < TLB_DIM(names) ? names[ev] : "?";
}
