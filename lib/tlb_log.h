/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_LOG_H
#define TLB_LOG_H

/*
 * One rte_log type per module, named user.tunlb.<module>, so that
 * --log-level=user.tunlb.*:debug (or one module) works. Slow path only: the
 * fast path counts, it does not log.
 */

#include <rte_log.h>

extern int tlb_logtype_announce;
extern int tlb_logtype_ctl;
extern int tlb_logtype_main;
extern int tlb_logtype_port;
extern int tlb_logtype_snapshot;
extern int tlb_logtype_worker;
extern int tlb_logtype_stats;

#define TLB_LOG(level, module, fmt, ...)				\
	rte_log(RTE_LOG_##level, tlb_logtype_##module,			\
		"tunlb." #module ": " fmt "\n", ##__VA_ARGS__)

#endif /* TLB_LOG_H */
