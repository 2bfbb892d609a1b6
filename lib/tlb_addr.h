/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_ADDR_H
#define TLB_ADDR_H

/* IPv4/IPv6 address value type shared by config, parser and snapshot. Pure. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tlb_common.h"

#define TLB_AF_INET 4
#define TLB_AF_INET6 6
#define TLB_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */

/*
 * An IP address in network byte order. IPv4 uses a[0..3]; a[4..15] are zero so
 * that two equal addresses compare and hash equal as whole structs.
 */
struct tlb_addr {
	uint8_t family;		/* TLB_AF_INET or TLB_AF_INET6; 0 = unset */
	uint8_t a[16];
};

static inline int
tlb_addr_eq(const struct tlb_addr *x, const struct tlb_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

/* Set *out from 4 bytes (network order). */
static inline void
tlb_addr_set4(struct tlb_addr *out, const void *v4)
{
	memset(out, 0, sizeof(*out));
	out->family = TLB_AF_INET;
	memcpy(out->a, v4, 4);
}

/* Set *out from 16 bytes (network order). */
static inline void
tlb_addr_set6(struct tlb_addr *out, const void *v6)
{
	out->family = TLB_AF_INET6;
	memcpy(out->a, v6, 16);
}

/*
 * Parse a textual IPv4 or IPv6 address (inet_pton rules: no prefix, no scope).
 * Returns 0, or -EINVAL when s is neither.
 */
int tlb_addr_parse(const char *s, struct tlb_addr *out);

/* Format a into buf (at least TLB_ADDR_STRLEN bytes). Returns buf. */
const char *tlb_addr_format(const struct tlb_addr *a, char *buf, size_t len);

/* Total order (family first, then bytes): for sorting backends by key. */
int tlb_addr_cmp(const struct tlb_addr *x, const struct tlb_addr *y);

#endif /* TLB_ADDR_H */
