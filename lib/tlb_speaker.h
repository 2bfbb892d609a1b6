/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_SPEAKER_H
#define TLB_SPEAKER_H

/*
 * Route announcements at run time (config 'announce:'; README "Scale-out"):
 * keeps, per VIP, whether this instance can serve it (lib/tlb_announce: ports
 * up, a usable backend, not stopping), writes the BIRD include files when
 * that changes and has BIRD reconfigure (retried every second until it
 * accepts), and owns the liveness interface the routes go via. On shutdown
 * it withdraws first: the caller keeps forwarding for withdraw_grace_ms.
 *
 * Threads: init, poll, stop and fini on the control loop (they block on file
 * and socket I/O, bounded); the status is read by telemetry and --stats-out
 * under sp->lock.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "tlb_announce.h"
#include "tlb_config.h"

struct tlb_ctl;

#define TLB_SPEAKER_POLL_MS 100		/* health re-evaluated this often */
#define TLB_SPEAKER_RETRY_MS 1000	/* BIRD not reachable or refusing: retry */
#define TLB_SPEAKER_BIRD_TIMEOUT_MS 2000	/* one configure exchange at most */

struct tlb_speaker {
	pthread_mutex_t lock;		/* the fields below, for status readers */
	struct tlb_config_announce cfg;
	int live_fd;			/* the liveness TUN device; -1 once withdrawn */
	int stopping;
	int dirty;			/* files changed since BIRD last accepted them */
	uint64_t next_poll_ms;
	uint64_t next_try_ms;
	char *text[2];			/* last written IPv4 / IPv6 include file */
	struct tlb_announce_vip vips[TLB_ANNOUNCE_MAX_VIPS];
	uint32_t n_vips;
	uint32_t n_announced;
	uint64_t updates;		/* times the announced set changed */
	uint64_t configures_ok;
	uint64_t configures_failed;
	char last_error[256];		/* "" after a success */
};

/*
 * Create the liveness interface, down (-EBUSY when another process holds it:
 * then nothing else is touched), write include files with no route, have
 * BIRD read them (a failure is logged and retried later: BIRD may start
 * after us), then set the interface up. Nothing is announced until the first
 * poll. Returns 0, or -errno (logged; start-up must fail: announcing was
 * asked for).
 */
int tlb_speaker_init(struct tlb_speaker *sp, const struct tlb_config_announce *a);

/*
 * Every TLB_SPEAKER_POLL_MS: re-evaluate every VIP from ctl's config (with
 * runtime backend changes) and the ports' links, rewrite the files when the
 * announced set changed, and have BIRD reconfigure while it has not accepted
 * the current files. now_ms: a monotonic clock. Control loop.
 */
void tlb_speaker_poll(struct tlb_speaker *sp, struct tlb_ctl *ctl, uint64_t now_ms);

/*
 * Shutting down: remove the liveness interface (BIRD withdraws every route at
 * once), write empty files and have BIRD reconfigure. Idempotent. Control loop.
 */
void tlb_speaker_stop(struct tlb_speaker *sp, struct tlb_ctl *ctl);

/* The status as the JSON member "announce": {...} (no trailing comma). sp->lock taken. */
void tlb_speaker_write_json(FILE *f, struct tlb_speaker *sp);

/* Close what is open (the files stay, empty after tlb_speaker_stop()). */
void tlb_speaker_fini(struct tlb_speaker *sp);

#endif /* TLB_SPEAKER_H */
