/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_COMMON_H
#define TLB_COMMON_H

/* Definitions every module may use. No functions, no EAL. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define TLB_DIM(a) (sizeof(a) / sizeof((a)[0]))

#define TLB_LIKELY(x) __builtin_expect(!!(x), 1)
#define TLB_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Hard limits: also the bounds the config loader enforces. */
#define TLB_MAX_SERVICES 256		/* services in one config */
#define TLB_MAX_BACKENDS 4096		/* backends over all services of one config */
#define TLB_MAX_PORTS 32		/* DPDK ports tunlb drives */
#define TLB_NAME_MAX 64			/* service and port names, NUL included */
#define TLB_MAGLEV_MAX_SIZE 16777213u	/* largest prime below 2^24 */
#define TLB_MAGLEV_DEFAULT_SIZE 65537u
#define TLB_MAGLEV_MIN_PER_BACKEND 100u	/* table_size >= 100 x backends */

#define TLB_GUE_DEFAULT_PORT 6080
#define TLB_VXLAN_DEFAULT_PORT 4789	/* RFC 7348 section 5 (IANA) */

#endif /* TLB_COMMON_H */
