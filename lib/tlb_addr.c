/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "tlb_addr.h"

int
tlb_addr_parse(const char *s, struct tlb_addr *out)
{
	struct tlb_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a) == 1) {
		a.family = TLB_AF_INET;
	} else if (inet_pton(AF_INET6, s, a.a) == 1) {
		a.family = TLB_AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

const char *
tlb_addr_format(const struct tlb_addr *a, char *buf, size_t len)
{
	int af = a->family == TLB_AF_INET ? AF_INET : AF_INET6;

	if ((a->family != TLB_AF_INET && a->family != TLB_AF_INET6) ||
	    inet_ntop(af, a->a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

int
tlb_addr_cmp(const struct tlb_addr *x, const struct tlb_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, 16);
}
