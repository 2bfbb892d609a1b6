/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "tlb_config.h"
#include "tlb_hash.h"
#include "tlb_maglev.h"

static uint32_t
gcd32(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* qsort context is not portable: sort an array of pointers instead. */
static int
cmp_backend_ptr(const void *x, const void *y)
{
	const struct tlb_maglev_backend *const *a = x;
	const struct tlb_maglev_backend *const *b = y;

	return tlb_addr_cmp(&(*a)->key, &(*b)->key);
}

int
tlb_maglev_build(struct tlb_maglev *mg, uint32_t size, const struct tlb_maglev_backend *be,
		 uint32_t n, uint32_t seed)
{
	const struct tlb_maglev_backend **order = NULL;
	uint32_t *pos = NULL, *skip = NULL, *turns = NULL;
	uint32_t i, k, n_use = 0, filled = 0, g = 0;
	uint16_t *slot;
	int rc = 0;

	mg->size = 0;
	mg->slot = NULL;
	if (size < 2 || !tlb_config_is_prime(size) || n > TLB_MAGLEV_MAX_BACKENDS)
		return -EINVAL;
	slot = malloc((size_t)size * sizeof(*slot));
	if (slot == NULL)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		slot[i] = TLB_MAGLEV_NONE;

	order = calloc(n + 1, sizeof(*order));
	pos = calloc(n + 1, sizeof(*pos));
	skip = calloc(n + 1, sizeof(*skip));
	turns = calloc(n + 1, sizeof(*turns));
	if (order == NULL || pos == NULL || skip == NULL || turns == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (be[i].usable && be[i].weight > 0) {
			order[n_use++] = &be[i];
			g = gcd32(g, be[i].weight);
		}
	}
	if (n_use == 0)
		goto out;
	qsort(order, n_use, sizeof(*order), cmp_backend_ptr);
	for (k = 0; k < n_use; k++) {
		pos[k] = tlb_hash_backend_h1(&order[k]->key, seed) % size;	/* offset */
		skip[k] = tlb_hash_backend_h2(&order[k]->key, seed) % (size - 1) + 1;
		turns[k] = order[k]->weight / g;
	}
	/*
	 * Paper's Algorithm 1 (populate), weighted as IPVS mh: each round, backend k
	 * takes its next turns[k] preferred slots that are still free. Its j-th
	 * preference (offset + j * skip) mod M is kept in pos[k] and advanced by
	 * one addition and a conditional subtraction instead of a division.
	 */
	while (filled < size) {
		for (k = 0; k < n_use && filled < size; k++) {
			uint32_t t;

			for (t = 0; t < turns[k] && filled < size; t++) {
				uint32_t c;

				do {
					c = pos[k];
					pos[k] += skip[k];
					if (pos[k] >= size)
						pos[k] -= size;
				} while (slot[c] != TLB_MAGLEV_NONE);
				slot[c] = (uint16_t)(order[k] - be);
				filled++;
			}
		}
	}
out:
	free(turns);
	free(skip);
	free(pos);
	free(order);
	if (rc != 0) {
		free(slot);
		return rc;
	}
	mg->size = size;
	mg->slot = slot;
	return 0;
}

void
tlb_maglev_free(struct tlb_maglev *mg)
{
	free(mg->slot);
	mg->slot = NULL;
	mg->size = 0;
}
