/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: tlb_config_load_buffer() on arbitrary bytes (YAML, JSON,
 * or anything). Pure (no EAL).
 *
 * Invariants:
 *  - no crash, no leak, no read outside the buffer (ASan, LSan, UBSan);
 *  - the result is 0, -EINVAL or -ENOMEM (-EFBIG cannot happen below 16 MiB);
 *  - a rejection has at least one error, and every error a message and a
 *    position 1 <= line, col <= size + 1; line 0 only with -ENOMEM (the
 *    file-level cases of lib/tlb_config.h);
 *  - an accepted config obeys every rule of design.md section 4 and the
 *    README that the datapath relies on (checked here field by field);
 *  - loading the same bytes twice gives the same result and messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlb_common.h"
#include "tlb_config.h"

#include "fuzz_common.h"

#define MTU_MIN 576		/* README: ports[].mtu range of the loader */
#define MTU_MAX 9702

static struct tlb_config_errors errs_a, errs_b;
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return 0;
}

/* 1..63 characters of [A-Za-z0-9_.-], plus ':' for port names (PCI addresses). */
static int
name_ok(const char *s, int colon)
{
	size_t n = strnlen(s, TLB_NAME_MAX), i;

	if (n == 0 || n == TLB_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-' || (colon && ch == ':')))
			return 0;
	}
	return 1;
}

static int
is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static void
check_service(const struct tlb_config *cfg, const struct tlb_config_service *s)
{
	uint32_t j, k;

	FUZZ_CHECK(name_ok(s->name, 0), "service name '%.64s'", s->name);
	FUZZ_CHECK(s->vip.family == TLB_AF_INET || s->vip.family == TLB_AF_INET6, "vip family");
	FUZZ_CHECK(s->proto == 6 || s->proto == 17, "protocol %u", s->proto);
	FUZZ_CHECK(s->encap == TLB_ENCAP_GUE || s->encap == TLB_ENCAP_VXLAN, "encap %d", s->encap);
	FUZZ_CHECK(s->gue_variant <= 1, "gue_variant %u", s->gue_variant);
	FUZZ_CHECK(s->encap == TLB_ENCAP_GUE || s->gue_variant == 0, "gue_variant with vxlan");
	FUZZ_CHECK(s->vni <= 0xffffff, "vni %u", s->vni);
	FUZZ_CHECK(s->dst_port != 0, "outer dst_port 0");
	FUZZ_CHECK(s->hash <= TLB_HASH_SRC_IP_PORT, "hash %d", s->hash);
	FUZZ_CHECK(is_prime(s->table_size) && s->table_size <= TLB_MAGLEV_MAX_SIZE,
		   "table_size %u", s->table_size);
	FUZZ_CHECK((uint64_t)s->table_size >= (uint64_t)TLB_MAGLEV_MIN_PER_BACKEND * s->n_backends,
		   "table_size %u for %u backends", s->table_size, s->n_backends);
	FUZZ_CHECK(s->n_backends == 0 || s->backends != NULL, "backends array");
	FUZZ_CHECK(s->too_big <= TLB_TOO_BIG_DROP && s->fragments <= TLB_FRAG_DROP,
		   "too_big %d fragments %d", s->too_big, s->fragments);
	FUZZ_CHECK(s->mss_clamp == 0 || s->mss_clamp == TLB_MSS_CLAMP_AUTO ||
		   (s->mss_clamp >= TLB_MSS_MIN && s->mss_clamp <= 9000), "mss_clamp %u", s->mss_clamp);
	for (j = 0; j < s->n_backends; j++) {
		const struct tlb_config_backend *b = &s->backends[j];

		FUZZ_CHECK(b->addr.family == TLB_AF_INET ? cfg->node.ipv4.family == TLB_AF_INET :
			   b->addr.family == TLB_AF_INET6 && cfg->node.ipv6.family == TLB_AF_INET6,
			   "backend family %u without the node address of that family",
			   b->addr.family);
		FUZZ_CHECK(b->state <= TLB_BACKEND_DOWN, "backend state %d", b->state);
		FUZZ_CHECK(s->encap != TLB_ENCAP_VXLAN || b->has_mac, "vxlan backend without mac");
		for (k = 0; k < j; k++)
			FUZZ_CHECK(!tlb_addr_eq(&s->backends[k].addr, &b->addr),
				   "duplicate backend in service %s", s->name);
	}
}

/* Everything the datapath relies on in an accepted config. */
static void
check_accepted(const struct tlb_config *cfg)
{
	const struct tlb_config_dataplane *d = &cfg->dataplane;
	uint32_t i, j, n_be = 0;

	FUZZ_CHECK(cfg->node.ipv4.family == TLB_AF_INET || cfg->node.ipv6.family == TLB_AF_INET6,
		   "no node address");
	FUZZ_CHECK(cfg->node.ipv4.family == 0 || cfg->node.ipv4.family == TLB_AF_INET, "node.ipv4");
	FUZZ_CHECK(cfg->node.ipv6.family == 0 || cfg->node.ipv6.family == TLB_AF_INET6, "node.ipv6");
	FUZZ_CHECK(cfg->n_services <= TLB_MAX_SERVICES, "%u services", cfg->n_services);
	FUZZ_CHECK(cfg->n_ports <= TLB_MAX_PORTS, "%u ports", cfg->n_ports);
	for (i = 0; i < cfg->n_services; i++) {
		const struct tlb_config_service *s = &cfg->services[i];

		check_service(cfg, s);
		n_be += s->n_backends;
		for (j = 0; j < i; j++) {
			const struct tlb_config_service *o = &cfg->services[j];

			FUZZ_CHECK(strcmp(o->name, s->name) != 0, "duplicate service name %s", s->name);
			FUZZ_CHECK(!(tlb_addr_eq(&o->vip, &s->vip) && o->proto == s->proto &&
				     o->port == s->port), "duplicate VIP key in %s and %s", o->name,
				   s->name);
		}
	}
	FUZZ_CHECK(n_be <= TLB_MAX_BACKENDS, "%u backends", n_be);
	for (i = 0; i < cfg->n_ports; i++) {
		const struct tlb_config_port *p = &cfg->ports[i];
		int found = p->tx_port[0] == '\0';

		FUZZ_CHECK(name_ok(p->name, 1), "port name");
		FUZZ_CHECK(p->mtu >= MTU_MIN && p->mtu <= MTU_MAX, "port mtu %u", p->mtu);
		for (j = 0; j < cfg->n_ports; j++) {
			FUZZ_CHECK(j == i || strcmp(cfg->ports[j].name, p->name) != 0,
				   "duplicate port %s", p->name);
			found |= strcmp(cfg->ports[j].name, p->tx_port) == 0;
		}
		FUZZ_CHECK(found, "tx_port '%.64s' names no port", p->tx_port);
	}
	FUZZ_CHECK(d->flow_table_size == 0 || (d->flow_table_size >= TLB_CONFIG_MIN_FLOWS &&
					       d->flow_table_size <= TLB_CONFIG_MAX_FLOWS),
		   "flow_table_size %u", d->flow_table_size);
	FUZZ_CHECK(d->tcp_timeout >= 1 && d->tcp_timeout <= TLB_CONFIG_MAX_TIMEOUT &&
		   d->tcp_fin_timeout >= 1 && d->tcp_fin_timeout <= TLB_CONFIG_MAX_TIMEOUT &&
		   d->udp_timeout >= 1 && d->udp_timeout <= TLB_CONFIG_MAX_TIMEOUT,
		   "timeouts %u %u %u", d->tcp_timeout, d->tcp_fin_timeout, d->udp_timeout);
	FUZZ_CHECK(d->icmp_burst >= 1, "icmp_burst 0");
}

static void
check_rejected(const struct tlb_config_errors *e, int rc, size_t size)
{
	uint32_t i;

	FUZZ_CHECK(e->n >= 1, "rejected (%d) without an error message", rc);
	FUZZ_CHECK(e->n <= TLB_CONFIG_MAX_ERRORS, "%u errors", e->n);
	for (i = 0; i < e->n; i++) {
		const struct tlb_config_error *x = &e->e[i];

		FUZZ_CHECK(memchr(x->msg, '\0', sizeof(x->msg)) != NULL && x->msg[0] != '\0',
			   "error %u: empty or unterminated message", i);
		if (x->line == 0) {
			FUZZ_CHECK(rc == -ENOMEM && x->col == 0,
				   "error without a position (rc %d): %s", rc, x->msg);
			continue;
		}
		FUZZ_CHECK(x->line <= size + 1 && x->col >= 1 && x->col <= size + 1,
			   "error at %u:%u in %zu bytes: %s", x->line, x->col, size, x->msg);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlb_config *a = NULL, *b = NULL;
	int rc_a, rc_b;
	uint32_t i;

	rc_a = tlb_config_load_buffer("fuzz.yaml", (const char *)data, size, &a, &errs_a);
	FUZZ_CHECK(rc_a == 0 || rc_a == -EINVAL || rc_a == -ENOMEM, "result %d", rc_a);
	if (rc_a == 0) {
		FUZZ_CHECK(a != NULL && errs_a.n == 0 && errs_a.dropped == 0, "accepted with errors");
		check_accepted(a);
	} else {
		FUZZ_CHECK(a == NULL, "rejected but a config returned");
		check_rejected(&errs_a, rc_a, size);
		if (devnull != NULL)
			tlb_config_errors_print(&errs_a, "fuzz.yaml", devnull);
	}

	rc_b = tlb_config_load_buffer("fuzz.yaml", (const char *)data, size, &b, &errs_b);
	FUZZ_CHECK(rc_b == rc_a && errs_b.n == errs_a.n && errs_b.dropped == errs_a.dropped,
		   "second load differs: %d/%d, %u/%u errors", rc_a, rc_b, errs_a.n, errs_b.n);
	for (i = 0; i < errs_a.n; i++)
		FUZZ_CHECK(errs_a.e[i].line == errs_b.e[i].line && errs_a.e[i].col == errs_b.e[i].col &&
			   strcmp(errs_a.e[i].msg, errs_b.e[i].msg) == 0,
			   "second load: error %u differs", i);
	tlb_config_free(a);
	tlb_config_free(b);
	return 0;
}
