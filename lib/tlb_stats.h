/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_STATS_H
#define TLB_STATS_H

/*
 * Per-lcore counters (design.md section 7). Each struct is written by exactly
 * one worker lcore with relaxed load + relaxed store (no locked instruction)
 * and read by the control thread with relaxed loads; the sum over workers is
 * what telemetry and --stats-out show.
 */

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "tlb_common.h"
#include "tlb_flow.h"
#include "tlb_ids.h"
#include "tlb_local.h"
#include "tlb_verdict.h"

typedef _Atomic uint64_t tlb_counter_t;	/* the one typedef: a counter cell */

/* Things the datapath did that are neither drops nor replies. */
#define TLB_EVENTS(X)								\
	X(ICMP_STEERED, icmp_steered)	/* ICMP errors to a VIP sent to their flow's backend */ \
	X(MSS_CLAMPED, mss_clamped)	/* SYNs whose MSS option was lowered */	\
	X(OUTER_FRAGMENTED, outer_fragmented)	/* packets sent as outer fragments ... */ \
	X(OUTER_FRAGMENTS, outer_fragments)	/* ... in this many fragments */	\
	X(TCP_SEGMENTED, tcp_segmented)		/* TCP packets segmented in software ... */ \
	X(TCP_SEGMENTS, tcp_segments)		/* ... into this many segments */	\
	X(GRO_MERGED, gro_merged)		/* packets GRO made by coalescing ... */ \
	X(GRO_PARTS, gro_parts)			/* ... of this many received packets */	\
	X(L4_CKSUM_COMPLETED, l4_cksum_completed) /* checksums a virtio peer left to us */ \
	X(FRAG_MAPPED, fragments_mapped)	/* later fragments placed by the fragment map */ \
	X(FRAG_HELD, fragments_held)		/* early fragments held for their first */ \
	X(FRAG_RELEASED, fragments_released)	/* ... sent once their first came */	\
	X(FRAG_3TUPLE, fragments_3tuple)	/* datagrams placed by 3-tuple */

enum tlb_event {
#define TLB_X_ENUM(e, s) TLB_EV_##e,
	TLB_EVENTS(TLB_X_ENUM)
#undef TLB_X_ENUM
	TLB_EV_MAX
};

/* Counter name of an event. */
const char *tlb_stats_event_name(enum tlb_event ev);

struct tlb_traffic {
	tlb_counter_t packets;
	tlb_counter_t bytes;		/* inner IP packet bytes */
	tlb_counter_t new_flows;	/* flows given to a backend by Maglev (miss or reselect) */
	tlb_counter_t flows;		/* gauge: connection entries naming it (wraps per worker;
					 * the sum over workers is exact) */
};

struct tlb_lcore_stats {
	tlb_counter_t rx;			/* packets received */
	tlb_counter_t tx;			/* packets the PMD accepted for sending */
	tlb_counter_t forwarded;		/* encapsulated and handed to TX */
	tlb_counter_t replies[TLB_REPLY_MAX];	/* local answers handed to TX */
	tlb_counter_t drops[TLB_V_MAX];		/* by reason; [TLB_V_OK] unused */
	tlb_counter_t flow[TLB_FLOW_EV_MAX];	/* connection table events */
	tlb_counter_t events[TLB_EV_MAX];
	struct tlb_traffic svc[TLB_MAX_SERVICE_IDS];	/* by stable service id */
	struct tlb_traffic be[TLB_MAX_BACKEND_IDS];	/* by stable backend id */
} __rte_cache_aligned;

/*
 * Add n to a counter of the calling lcore's own stats. Single writer: the
 * relaxed store is enough; the partner is tlb_stats_read()'s relaxed load.
 */
static inline void
tlb_stats_add(tlb_counter_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Read a counter of any lcore (control thread). */
static inline uint64_t
tlb_stats_read(const tlb_counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

struct tlb_snapshot;
struct tlb_dp;
struct tlb_ctl;

/* Byte offset of a counter in struct tlb_lcore_stats, for tlb_stats_sum(). */
#define TLB_STAT_OFF(field) offsetof(struct tlb_lcore_stats, field)

/* Sum over every worker of dp of the counter at byte offset off. Any thread. */
uint64_t tlb_stats_sum(const struct tlb_dp *dp, size_t off);

/*
 * Write the summed counters of every worker of ctl->dp as one JSON object
 * (design.md section 7, plus "forwarded", "replies", "flows", "last_reload",
 * "ports", "mempool" and "memory") to f. The active snapshot names services
 * and backends. With close_object 0 the final closing brace is left out so
 * that the caller can add members. Control thread, ctl->lock held. Returns
 * 0 or -EIO.
 */
int tlb_stats_write_json(FILE *f, const struct tlb_ctl *ctl, int close_object);

/* Write s as a JSON string, quoted, with '"', '\\' and control characters escaped. */
void tlb_stats_put_string(FILE *f, const char *s);

#endif /* TLB_STATS_H */
