/* SPDX-License-Identifier: BSD-3-Clause */
#include "tlb_log.h"

RTE_LOG_REGISTER(tlb_logtype_announce, user.tunlb.announce, INFO)
RTE_LOG_REGISTER(tlb_logtype_ctl, user.tunlb.ctl, INFO)
RTE_LOG_REGISTER(tlb_logtype_main, user.tunlb.main, INFO)
RTE_LOG_REGISTER(tlb_logtype_port, user.tunlb.port, INFO)
RTE_LOG_REGISTER(tlb_logtype_snapshot, user.tunlb.snapshot, INFO)
RTE_LOG_REGISTER(tlb_logtype_worker, user.tunlb.worker, INFO)
RTE_LOG_REGISTER(tlb_logtype_stats, user.tunlb.stats, INFO)
