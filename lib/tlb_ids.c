/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "tlb_ids.h"

uint32_t
tlb_ids_service(struct tlb_ids *ids, const char *name)
{
	uint32_t i;

	for (i = 0; i < ids->n_services; i++)
		if (strcmp(ids->svc_name[i], name) == 0)
			return i;
	if (ids->n_services == TLB_MAX_SERVICE_IDS)
		return TLB_ID_NONE;
	snprintf(ids->svc_name[i], TLB_NAME_MAX, "%s", name);
	return ids->n_services++;
}

uint32_t
tlb_ids_backend(struct tlb_ids *ids, uint32_t svc, const struct tlb_addr *addr)
{
	uint32_t i;

	for (i = 0; i < ids->n_backends; i++)
		if (ids->be[i].service == svc && tlb_addr_eq(&ids->be[i].addr, addr))
			return i;
	if (ids->n_backends == TLB_MAX_BACKEND_IDS)
		return TLB_ID_NONE;
	ids->be[i].service = svc;
	ids->be[i].addr = *addr;
	return ids->n_backends++;
}
