/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "tlb_announce.h"

static const char *const reason_names[] = {
#define X(e, s) s,
	TLB_ANNOUNCE_REASONS(X)
#undef X
};

const char *
tlb_announce_reason_name(enum tlb_announce_reason r)
{
	return (unsigned int)r < TLB_ANNOUNCE_REASON_MAX ? reason_names[r] : "?";
}

static int
usable(const struct tlb_config_backend *b)
{
	return b->state == TLB_BACKEND_ACTIVE && b->weight > 0;
}

uint32_t
tlb_announce_plan(const struct tlb_config *cfg, int ports_up, int stopping,
		  struct tlb_announce_vip *out, uint32_t max)
{
	uint32_t n = 0, i, j, k;

	for (i = 0; i < cfg->n_services; i++) {
		const struct tlb_config_service *s = &cfg->services[i];
		int serving = 0;

		for (k = 0; k < s->n_backends && !serving; k++)
			serving = usable(&s->backends[k]);
		for (j = 0; j < n && j < max; j++)
			if (tlb_addr_eq(&out[j].vip, &s->vip))
				break;
		if (j < n) {	/* seen: one serving service is enough */
			if (j < max && serving)
				out[j].reason = TLB_ANNOUNCE_SERVING;
			continue;
		}
		if (n < max) {
			out[n].vip = s->vip;
			out[n].reason = serving ? TLB_ANNOUNCE_SERVING : TLB_ANNOUNCE_NO_BACKEND;
		}
		n++;
	}
	/* Insertion sort by family, then address: files that do not depend on service order. */
	for (i = 1; i < n && i < max; i++) {
		struct tlb_announce_vip x = out[i];

		for (j = i; j > 0 && (out[j - 1].vip.family > x.vip.family ||
				      (out[j - 1].vip.family == x.vip.family &&
				       tlb_addr_cmp(&out[j - 1].vip, &x.vip) > 0)); j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	for (i = 0; i < n && i < max; i++) {
		if (stopping)
			out[i].reason = TLB_ANNOUNCE_STOPPING;
		else if (!ports_up)
			out[i].reason = TLB_ANNOUNCE_PORT_DOWN;
	}
	return n;
}

int
tlb_announce_render(const struct tlb_announce_vip *v, uint32_t n, uint8_t family,
		    const char *ifname, char *buf, size_t len)
{
	char a[TLB_ADDR_STRLEN];
	size_t off;
	uint32_t i;
	int w;

	w = snprintf(buf, len, "# Written by tunlb: the %s VIPs it serves now. Do not edit.\n",
		     family == TLB_AF_INET ? "IPv4" : "IPv6");
	if (w < 0 || (size_t)w >= len)
		return -1;
	off = (size_t)w;
	for (i = 0; i < n; i++) {
		if (v[i].vip.family != family || v[i].reason != TLB_ANNOUNCE_SERVING)
			continue;
		w = snprintf(buf + off, len - off, "route %s/%u via \"%s\";\n",
			     tlb_addr_format(&v[i].vip, a, sizeof(a)),
			     family == TLB_AF_INET ? 32u : 128u, ifname);
		if (w < 0 || (size_t)w >= len - off)
			return -1;
		off += (size_t)w;
	}
	return (int)off;
}

int
tlb_announce_bird_line(const char *line, int *last)
{
	int code = 0, i;

	*last = 1;
	if (line[0] == ' ') {
		*last = 0;
		return 0;	/* continuation of the previous code */
	}
	for (i = 0; i < 4; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		code = code * 10 + (line[i] - '0');
	}
	if (line[4] == '-') {
		*last = 0;
		return code;
	}
	if (line[4] == ' ' || line[4] == '\0')
		return code;
	return -1;
}

int
tlb_announce_bird_ok(int code)
{
	/*
	 * 0003 Reconfigured, 0004 Reconfiguration in progress, 0005 ... queueing,
	 * 0018 Reconfiguration confirmed, 0019 Nothing to do, 0020 Configuration OK.
	 */
	return code == 3 || code == 4 || code == 5 || code == 18 || code == 19 || code == 20;
}
