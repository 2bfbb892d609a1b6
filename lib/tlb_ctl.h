/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_CTL_H
#define TLB_CTL_H

/*
 * Control side of the forwarding state: builds snapshots from the config off
 * the fast path, publishes them with one pointer swap and frees the previous
 * one after an RCU (rte_rcu_qsbr) grace period. A reload that fails leaves the
 * running snapshot serving. Control thread only (the main lcore).
 */

#include <stdint.h>
#include <time.h>

#include "tlb_config.h"
#include "tlb_ids.h"
#include "tlb_snapshot.h"
#include "tlb_worker.h"

struct tlb_ctl {
	struct tlb_dp *dp;
	char *path;			/* the config file */
	struct tlb_config *cfg;		/* what the active snapshot was built from */
	struct tlb_snapshot *snap;	/* the active snapshot (dp->active) */
	struct tlb_ids *ids;		/* stable service/backend ids */
	uint64_t generation;
	int socket;			/* NUMA socket for snapshots */
	struct {
		int ok;
		time_t time;
		char message[256];
	} last;				/* the last reload's outcome */
};

/*
 * Take ownership of cfg (loaded from path), build generation 1 and publish
 * it. Returns 0 or -errno (logged).
 */
int tlb_ctl_init(struct tlb_ctl *ctl, struct tlb_dp *dp, const char *path, struct tlb_config *cfg,
		 int socket);

/*
 * Reload the config file: parse and validate (errors logged as
 * FILE:LINE:COL: message), refuse changes to restart-only keys (node, ports,
 * dataplane), build a complete snapshot, publish it, wait for every online
 * worker to pass a quiescent state, free the old one. Counts
 * dp->reloads_ok / reloads_failed. On any failure the running snapshot keeps
 * serving. Returns 0 or -errno. Blocks (grace period); the calling lcore must
 * not be an online RCU reader.
 */
int tlb_ctl_reload(struct tlb_ctl *ctl);

/* Free everything (workers stopped). */
void tlb_ctl_fini(struct tlb_ctl *ctl);

#endif /* TLB_CTL_H */
