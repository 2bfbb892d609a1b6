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
	return (size_t)n * sizeof(struct tlb_flow_group);
}

int
tlb_flow_init(struct tlb_flow_table *t, void *mem, uint32_t entries,
	      const uint32_t timeout[TLB_FLOW_TCLASS_MAX])
{
	uint32_t n, i;

	memset(t, 0, sizeof(*t));
	if (entries == 0)
		return 0;
	if (mem == NULL || ((uintptr_t)mem & 63) != 0)
		return -EINVAL;
	n = n_buckets_for(entries);
	t->mask = n - 1;
	t->n_entries = n * TLB_FLOW_WAYS;
	memcpy(t->timeout, timeout, sizeof(t->timeout));
	t->g = mem;
	for (i = 0; i < n; i++)			/* signatures and deadlines; entries need no init */
		memset(&t->g[i].b, 0, sizeof(t->g[i].b));
	return 0;
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
	b = &t->g[i].b;
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
	e = &t->g[i].e[pick];
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
			if (t->g[i].b.sig[w] != 0 && !tlb_flow_expired(t->g[i].b.deadline[w], now))
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
