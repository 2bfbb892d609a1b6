/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_CTL_H
#define TLB_CTL_H

/*
 * Control side of the forwarding state: builds snapshots from the config off
 * the fast path, publishes them with one pointer swap and frees the previous
 * one after an RCU (rte_rcu_qsbr) grace period. Triggers: SIGHUP, a change of
 * the file on disk (inotify on its directory, since editors replace files),
 * telemetry commands, and runtime backend changes (drain, down, weight) that
 * are kept as overrides on top of the file and go through the same parse,
 * validate, build and publish path. A failed attempt leaves the running
 * snapshot serving.
 *
 * Threads: the main lcore (control loop) and the telemetry thread. Every
 * function takes ctl->lock; none may be called from a worker, and a caller
 * that is also an RCU reader must be offline (the grace period would wait for
 * it).
 */

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "tlb_config.h"
#include "tlb_ids.h"
#include "tlb_snapshot.h"
#include "tlb_worker.h"

struct tlb_speaker;

#define TLB_CTL_MAX_OVERRIDES 256
#define TLB_CTL_DEBOUNCE_MS 100		/* file-change events are merged over this */

/* A runtime change to one backend, re-applied on every rebuild. */
struct tlb_ctl_override {
	char service[TLB_NAME_MAX];
	struct tlb_addr addr;
	int state;			/* enum tlb_backend_state, or -1: keep the file's */
	int weight;			/* 0..65535, or -1: keep the file's */
};

struct tlb_ctl {
	pthread_mutex_t lock;		/* serialises changes and readers of the fields below */
	struct tlb_dp *dp;
	char *path;			/* the config file */
	char *text;			/* the text the active snapshot was built from */
	size_t text_len;
	char *tried;			/* the text of the last attempt (good or bad) */
	size_t tried_len;
	struct tlb_config *cfg;		/* parsed 'text' with overrides applied */
	struct tlb_snapshot *snap;	/* the active snapshot (dp->active) */
	struct tlb_ids *ids;		/* stable service/backend ids */
	uint64_t generation;
	int socket;			/* NUMA socket for snapshots */
	struct tlb_ctl_override ov[TLB_CTL_MAX_OVERRIDES];
	uint32_t n_ov;
	struct {
		int ok;
		time_t time;
		char message[256];
	} last;				/* the last attempt's outcome */
	int watch_fd;			/* inotify, -1 when off */
	char *watch_name;		/* basename of path */
	uint64_t change_seen_ms;	/* file event seen, reload due after the debounce; 0 = none */
	struct tlb_speaker *speaker;	/* route announcements ('announce:'), or NULL */
};

/*
 * Take ownership of cfg (loaded from path, whose text is re-read to detect
 * changes), build generation 1 and publish it. Returns 0 or -errno (logged).
 */
int tlb_ctl_init(struct tlb_ctl *ctl, struct tlb_dp *dp, const char *path, struct tlb_config *cfg,
		 int socket);

/*
 * Reload the config file: read, parse and validate (errors logged as
 * FILE:LINE:COL: message), apply the overrides, refuse changes to
 * restart-only keys (node, ports, dataplane), build, publish, wait out the
 * grace period, free the old snapshot. With only_if_changed, a file whose
 * text equals the last attempt's is left alone (returns 1). Counts
 * dp->reloads_ok / reloads_failed. Returns 0, 1 or -errno.
 */
int tlb_ctl_reload(struct tlb_ctl *ctl, int only_if_changed);

/*
 * Set (state >= 0 and/or weight >= 0) or, with both -1, clear the runtime
 * override of backend addr of service, and rebuild from the last good file
 * text through the same validate/build/publish path. On failure writes a
 * message to err. Returns 0 or -errno (-ENOENT: no such service or backend).
 */
int tlb_ctl_set_backend(struct tlb_ctl *ctl, const char *service, const struct tlb_addr *addr,
			int state, int weight, char *err, size_t err_len);

/*
 * Watch the config file's directory for changes (inotify). Returns 0 or
 * -errno (the caller may run without the watch).
 */
int tlb_ctl_watch(struct tlb_ctl *ctl);

/*
 * Read pending file events; once TLB_CTL_DEBOUNCE_MS passed after the last
 * one, reload if the text changed. now_ms is a monotonic clock. Control loop.
 */
void tlb_ctl_poll(struct tlb_ctl *ctl, uint64_t now_ms);

/* Free everything (workers stopped). */
void tlb_ctl_fini(struct tlb_ctl *ctl);

#endif /* TLB_CTL_H */
