/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_PORT_H
#define TLB_PORT_H

/*
 * ethdev setup: chooses the ports (config 'ports', or every probed port),
 * creates mbuf pools on each port's NUMA node, one RX and one TX queue per
 * worker, RSS over IP/TCP/UDP when there are several workers and the PMD
 * offers it, the MTU, the TX offload capabilities. Control thread.
 */

#include "tlb_config.h"
#include "tlb_worker.h"

/*
 * Configure and start the ports of cfg for dp->n_workers workers and fill
 * dp->port[], dp->port_ids, dp->pool[] and each worker's RX list. A port that
 * is missing, cannot be configured or started fails with a log line naming it
 * and the DPDK error. Returns 0 or -errno (ports started so far are stopped).
 */
int tlb_port_setup(struct tlb_dp *dp, const struct tlb_config *cfg);

/* Read the PMD counters of every started port into dp->port[].eth_stats. Control thread. */
void tlb_port_refresh_stats(struct tlb_dp *dp);

/* Stop and close every port of dp (net_pcap flushes its file here), free pools. */
void tlb_port_close_all(struct tlb_dp *dp);

#endif /* TLB_PORT_H */
