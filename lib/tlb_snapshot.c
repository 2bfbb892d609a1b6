/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "tlb_log.h"
#include "tlb_snapshot.h"

static void
vip_key(struct tlb_vip_key *k, const struct tlb_addr *a, uint8_t proto, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->a, 16);
	k->family = a->family;
	k->proto = proto;
	k->port = port;
}

/* Does the VIP have a service of proto? */
static int
svc_has(const struct tlb_snapshot *s, const struct tlb_addr *vip, uint8_t proto)
{
	uint32_t i;

	for (i = 0; i < s->n_services; i++)
		if (s->services[i].proto == proto && tlb_addr_eq(&s->services[i].vip, vip))
			return 1;
	return 0;
}

/* The service for a VIP's port-less packets of proto: any-port one, else the only one. */
static uintptr_t
frag_service(const struct tlb_snapshot *s, const struct tlb_addr *vip, uint8_t proto)
{
	uint32_t i, n = 0, pick = 0;

	for (i = 0; i < s->n_services; i++) {
		const struct tlb_service *svc = &s->services[i];

		if (svc->proto != proto || !tlb_addr_eq(&svc->vip, vip))
			continue;
		if (svc->port == 0)
			return i + 1;
		n++;
		pick = i + 1;
	}
	return n == 1 ? pick : 0;
}

/* Insert or overwrite key k in the VIP table (which always has a free slot). */
static void
vip_put(struct tlb_snapshot *s, const struct tlb_vip_key *k, uint32_t value)
{
	uint64_t a[2];
	uint32_t i;

	memcpy(a, k->addr, 16);
	i = tlb_snapshot_vip_hash(a[0], a[1], tlb_snapshot_vip_meta(k->family, k->proto, k->port)) &
	    s->vip_mask;

	while (s->vips[i].value != 0 && memcmp(&s->vips[i].key, k, sizeof(*k)) != 0)
		i = (i + 1) & s->vip_mask;
	s->vips[i].key = *k;
	s->vips[i].value = value;
}

static int
build_vips(struct tlb_snapshot *s, int socket)
{
	uint32_t i, n = 8;

	/* Two keys per service at most: keep the table at most a quarter full. */
	while (n < 8 * s->n_services)
		n <<= 1;
	s->vips = rte_zmalloc_socket("tlb_vips", n * sizeof(*s->vips), RTE_CACHE_LINE_SIZE, socket);
	if (s->vips == NULL)
		return -ENOMEM;
	s->vip_mask = n - 1;
	for (i = 0; i < s->n_services; i++) {
		const struct tlb_service *svc = &s->services[i];
		struct tlb_vip_key k;
		uint32_t mark;

		vip_key(&k, &svc->vip, svc->proto, svc->port);
		vip_put(s, &k, i + 1);
		/* The marker, the same for every service of this VIP: rebuilt each time. */
		mark = (uint32_t)(frag_service(s, &svc->vip, IPPROTO_TCP) <<
				  TLB_VIP_MARK_SVC_SHIFT(IPPROTO_TCP) |
				  frag_service(s, &svc->vip, IPPROTO_UDP) <<
				  TLB_VIP_MARK_SVC_SHIFT(IPPROTO_UDP));
		mark |= svc_has(s, &svc->vip, IPPROTO_TCP) ? TLB_VIP_MARK_TCP : 0;
		mark |= svc_has(s, &svc->vip, IPPROTO_UDP) ? TLB_VIP_MARK_UDP : 0;
		vip_key(&k, &svc->vip, 0, 0);
		vip_put(s, &k, mark);
	}
	return 0;
}

static int
build_service(struct tlb_snapshot *s, const struct tlb_config *cfg, uint32_t idx,
	      uint32_t be_first, struct tlb_ids *ids)
{
	const struct tlb_config_service *cs = &cfg->services[idx];
	struct tlb_service *svc = &s->services[idx];
	struct tlb_maglev_backend *mb;
	uint32_t j;
	int rc;

	snprintf(svc->name, sizeof(svc->name), "%s", cs->name);
	svc->vip = cs->vip;
	svc->port = cs->port;
	svc->proto = cs->proto;
	svc->hash = cs->hash;
	svc->too_big = (uint8_t)cs->too_big;
	svc->fragments = (uint8_t)cs->fragments;
	svc->mss_clamp = cs->mss_clamp;
	svc->segmentation = cs->segmentation;
	svc->be_first = be_first;
	svc->n_be = cs->n_backends;
	svc->id = tlb_ids_service(ids, cs->name);
	if (svc->id == TLB_ID_NONE) {
		TLB_LOG(ERR, snapshot, "more than %u distinct service names since start: restart tunlb",
			TLB_MAX_SERVICE_IDS);
		return -ENOSPC;
	}

	mb = calloc(cs->n_backends + 1, sizeof(*mb));
	if (mb == NULL)
		return -ENOMEM;
	for (j = 0; j < cs->n_backends; j++) {
		const struct tlb_config_backend *cb = &cs->backends[j];
		struct tlb_backend *be = &s->backends[be_first + j];
		struct tlb_encap_params ep = {
			.encap = cs->encap,
			.gue_variant = cs->gue_variant,
			.inner_family = cs->vip.family,
			.dst_port = cs->dst_port,
			.vni = cs->vni,
			.dst = cb->addr,
			.udp_csum_zero = cs->outer_udp_zero,
		};

		ep.src = cb->addr.family == TLB_AF_INET ? cfg->node.ipv4 : cfg->node.ipv6;
		memcpy(ep.gateway_mac, cfg->node.gateway_mac, 6);
		memcpy(ep.backend_mac, cb->mac, 6);
		rc = tlb_encap_tmpl_init(&be->tmpl, &ep);
		if (rc != 0) {
			TLB_LOG(ERR, snapshot, "service %s: backend %u: cannot build the "
				"encapsulation header (node address of its family missing?)",
				cs->name, j);
			free(mb);
			return rc;
		}
		be->addr = cb->addr;
		be->id = tlb_ids_backend(ids, svc->id, &cb->addr);
		if (be->id == TLB_ID_NONE) {
			TLB_LOG(ERR, snapshot, "more than %u distinct backends since start: "
				"restart tunlb", TLB_MAX_BACKEND_IDS);
			free(mb);
			return -ENOSPC;
		}
		be->weight = cb->weight;
		be->state = (uint8_t)cb->state;
		be->service = (uint16_t)idx;
		tlb_addr_format(&cb->addr, be->name, sizeof(be->name));

		mb[j].key = cb->addr;
		mb[j].weight = cb->weight;
		mb[j].usable = cb->state == TLB_BACKEND_ACTIVE;
	}
	rc = tlb_maglev_build(&svc->mg, cs->table_size, mb, cs->n_backends, cfg->maglev_seed);
	free(mb);
	if (rc != 0) {
		TLB_LOG(ERR, snapshot, "service %s: maglev table of %u: %s", cs->name,
			cs->table_size, strerror(-rc));
		return rc;
	}
	for (j = 0; j < svc->mg.size; j++)	/* table share, for telemetry */
		if (svc->mg.slot[j] != TLB_MAGLEV_NONE)
			s->backends[be_first + svc->mg.slot[j]].slots++;
	return 0;
}

/* id -> index map over every id known so far. */
static int
build_id_map(struct tlb_snapshot *s, const struct tlb_ids *ids, int socket)
{
	uint32_t i;

	s->n_ids = ids->n_backends;
	s->id_to_idx = rte_malloc_socket("tlb_id_map", (s->n_ids + 1) * sizeof(uint32_t), 0,
					 socket);
	if (s->id_to_idx == NULL)
		return -ENOMEM;
	for (i = 0; i < s->n_ids; i++)
		s->id_to_idx[i] = TLB_ID_NONE;
	for (i = 0; i < s->n_backends; i++)
		s->id_to_idx[s->backends[i].id] = i;
	return 0;
}

struct tlb_snapshot *
tlb_snapshot_build(const struct tlb_config *cfg, uint64_t generation, int socket,
		   struct tlb_ids *ids)
{
	struct tlb_snapshot *s;
	uint32_t i, be_first = 0;
	int rc;

	s = rte_zmalloc_socket("tlb_snapshot", sizeof(*s), 0, socket);
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->generation = generation;
	s->seed = cfg->maglev_seed;
	tlb_local_node_init(&s->node, &cfg->node.ipv4, &cfg->node.ipv6);
	s->n_services = cfg->n_services;
	for (i = 0; i < cfg->n_services; i++)
		s->n_backends += cfg->services[i].n_backends;
	s->services = rte_zmalloc_socket("tlb_services",
					 (s->n_services + 1) * sizeof(*s->services), 0, socket);
	s->backends = rte_zmalloc_socket("tlb_backends",
					 (s->n_backends + 1) * sizeof(*s->backends), 0, socket);
	if (s->services == NULL || s->backends == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < cfg->n_services; i++) {
		rc = build_service(s, cfg, i, be_first, ids);
		if (rc != 0)
			goto fail;
		be_first += cfg->services[i].n_backends;
	}
	rc = build_id_map(s, ids, socket);
	if (rc != 0)
		goto fail;
	rc = build_vips(s, socket);
	if (rc != 0) {
		TLB_LOG(ERR, snapshot, "VIP table: %s", strerror(-rc));
		goto fail;
	}
	TLB_LOG(INFO, snapshot, "generation %" PRIu64 ": %u services, %u backends",
		generation, s->n_services, s->n_backends);
	return s;
fail:
	tlb_snapshot_free(s);
	rte_errno = -rc;
	return NULL;
}

void
tlb_snapshot_free(struct tlb_snapshot *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	if (s->services != NULL)
		for (i = 0; i < s->n_services; i++)
			tlb_maglev_free(&s->services[i].mg);
	rte_free(s->vips);
	rte_free(s->id_to_idx);
	rte_free(s->backends);
	rte_free(s->services);
	rte_free(s);
}
