/* SPDX-License-Identifier: BSD-3-Clause */
#include "tlb_common.h"
#include "tlb_verdict.h"

const char *
tlb_verdict_name(enum tlb_verdict v)
{
	static const char *const names[] = {
		"ok",
#define TLB_X_NAME(e, s) #s,
		TLB_DROP_REASONS(TLB_X_NAME)
#undef TLB_X_NAME
	};

	return (unsigned int)v < TLB_DIM(names) ? names[v] : "?";
}
