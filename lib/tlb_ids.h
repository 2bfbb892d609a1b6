/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_IDS_H
#define TLB_IDS_H

/*
 * Stable ids for services (by name) and backends (by service name and
 * address) across reloads. Flow entries and per-worker counters refer to
 * these ids, never to positions in a snapshot, so a reload that reorders,
 * adds or removes backends leaves every other backend's flows and counters
 * where they were. Ids are never reused while the process runs. Control
 * thread only. Pure.
 */

#include <stdint.h>

#include "tlb_addr.h"
#include "tlb_common.h"

#define TLB_MAX_SERVICE_IDS 1024	/* distinct service names since start */
#define TLB_MAX_BACKEND_IDS 16384	/* distinct (service, backend) pairs since start */
#define TLB_ID_NONE UINT32_MAX

struct tlb_ids {
	uint32_t n_services;
	uint32_t n_backends;
	char svc_name[TLB_MAX_SERVICE_IDS][TLB_NAME_MAX];
	struct {
		uint32_t service;		/* service id */
		struct tlb_addr addr;
	} be[TLB_MAX_BACKEND_IDS];
};

/* The id of service name, assigned on first sight; TLB_ID_NONE when ids ran out. */
uint32_t tlb_ids_service(struct tlb_ids *ids, const char *name);

/* The id of backend addr of service id svc; TLB_ID_NONE when ids ran out. */
uint32_t tlb_ids_backend(struct tlb_ids *ids, uint32_t svc, const struct tlb_addr *addr);

#endif /* TLB_IDS_H */
