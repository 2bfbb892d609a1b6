/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_TELEMETRY_H
#define TLB_TELEMETRY_H

/*
 * tunlb's commands on DPDK's telemetry socket (usable with
 * dpdk-telemetry.py and app/tunlbctl). The socket lives in the EAL runtime
 * directory (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2), which EAL
 * creates owner-only (0700).
 *
 *   /tunlb/stats                    totals, drops by reason, replies, flows, reloads
 *   /tunlb/services                 per service: vip, port, protocol, encap, traffic
 *   /tunlb/backends[,SERVICE]       per backend: state, weight, table share, traffic,
 *                                   new and tracked flows (all services: first 255)
 *   /tunlb/config                   file, generation, last reload (ok 1|0, time, message)
 *   /tunlb/flows                    per worker: connection table capacity, entries, events
 *   /tunlb/changes                  runtime backend changes in force
 *   /tunlb/reload                   reload the config file now
 *   /tunlb/backend_set,SVC ADDR ACTION   ACTION: active | draining | down | weight N | clear
 *
 * Callbacks run on the telemetry thread and take the control lock.
 */

#include "tlb_ctl.h"

/* Register the commands for ctl (which must outlive EAL cleanup). Returns 0 or -errno. */
int tlb_telemetry_init(struct tlb_ctl *ctl);

#endif /* TLB_TELEMETRY_H */
