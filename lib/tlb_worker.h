/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_WORKER_H
#define TLB_WORKER_H

/*
 * The datapath context shared by all lcores (tlb_dp) and the per-worker state
 * and run-to-completion loop (tlb_worker). The only shared writable words are
 * dp->active and dp->stop; everything else is written before the workers are
 * launched or by its owning lcore only.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_gro.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "tlb_flow.h"
#include "tlb_icmp.h"
#include "tlb_offload.h"
#include "tlb_snapshot.h"
#include "tlb_stats.h"

#define TLB_BURST 32

/* A DPDK port as the datapath sees it: immutable once workers run. */
struct tlb_port_rt {
	uint8_t used;			/* configured and started by tunlb */
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	uint16_t tx_port;		/* where encapsulated packets received here leave */
	uint16_t mtu;			/* egress MTU: limit for outer IP packets */
	uint16_t max_frame;		/* TX frame limit: mtu + Ethernet + two VLAN tags */
	uint16_t max_segs;		/* TX mbuf segments per packet (tx_desc_lim.nb_seg_max) */
	uint16_t n_rxq;			/* RX queues: workers 0..n_rxq-1 poll this port */
	uint16_t n_txq;			/* TX queues: one per worker */
	struct tlb_offload_caps caps;
	struct rte_mempool *pool;	/* where this port's mbufs come from (fragments too) */
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_stats eth_stats;	/* PMD counters: refreshed by the control thread */
};

struct tlb_worker;

struct tlb_dp {
	/* Published by the control thread (release), read once per burst (acquire). */
	struct tlb_snapshot *_Atomic active;
	atomic_bool stop;		/* set by the control thread; workers poll it */
	struct rte_rcu_qsbr *qsv;	/* one reader thread per worker */
	uint32_t n_workers;
	struct tlb_worker *workers[RTE_MAX_LCORE];
	uint16_t n_ports;
	uint16_t port_ids[RTE_MAX_ETHPORTS];	/* ports in use, in order */
	struct tlb_port_rt port[RTE_MAX_ETHPORTS];	/* indexed by DPDK port id */
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES];	/* mbuf pools by socket */
	uint64_t reloads_ok;		/* control thread only */
	uint64_t reloads_failed;
	/* Recorded when the ports are closed, before the pools are freed (leak check). */
	uint32_t pool_size[RTE_MAX_NUMA_NODES];
	uint32_t pool_in_use[RTE_MAX_NUMA_NODES];
};

/* A later fragment held until its first fragment names the backend. */
struct tlb_held {
	struct rte_mbuf *m;		/* NULL once released */
	uint32_t deadline;		/* flow clock tick */
	uint32_t hash;			/* of key */
	uint16_t port;			/* where it came in */
	struct tlb_flow_key key;	/* fragment key (mode TLB_FRAG_KEY) */
};

/* TX buffer for one egress port. */
struct tlb_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[TLB_BURST];
};

struct tlb_worker {
	struct tlb_dp *dp;
	unsigned int lcore_id;
	uint16_t index;			/* RX/TX queue id on every port; RCU thread id */
	uint16_t ip_id;			/* next outer IPv4 identification */
	uint8_t tick_shift;		/* flow clock: tick = TSC >> tick_shift (about 1 ms) */
	uint32_t now;			/* flow clock, read once per burst */
	struct tlb_flow_table flows;	/* this worker's connections; memory in flow_mem */
	void *flow_mem;
	struct tlb_flow_table frags;	/* fragment id -> backend (same structure) */
	void *frag_mem;
	uint32_t frag_ticks;		/* fragment map / hold lifetime in ticks */
	struct tlb_held *held;		/* FIFO ring of held fragments */
	uint32_t held_cap, held_head, held_n;
	struct tlb_icmp_bucket icmp;	/* rate limit of generated ICMP errors */
	uint32_t frag_seq;		/* outer fragment identification */
	int gro_dynoff;			/* GRO part field in the mbuf; -1: GRO off */
	void *gro;			/* rte_gro context, emptied at the end of every burst */
	uint16_t n_rx;
	uint16_t rx_port[RTE_MAX_ETHPORTS];	/* ports where this worker has an RX queue */
	/* Written by this worker, read by the control thread for --idle-exit. */
	_Atomic uint64_t last_rx_tsc;
	struct tlb_txbuf tx[RTE_MAX_ETHPORTS];	/* by egress port id */
	struct tlb_lcore_stats stats;
} __rte_cache_aligned;

/*
 * Allocate and initialise the worker for queue/RCU index idx on lcore, with a
 * connection table sized and timed by dpc (memory on the lcore's socket).
 * Control thread, before launch. Returns NULL on allocation failure.
 */
struct tlb_worker *tlb_worker_create(struct tlb_dp *dp, unsigned int lcore, uint16_t idx,
				     const struct tlb_config_dataplane *dpc);

/* Free a worker (after it stopped). */
void tlb_worker_free(struct tlb_worker *w);

/*
 * One iteration of the loop: read the snapshot once, receive a burst on every
 * RX queue of w, process, flush TX, report quiescence. Returns the number of
 * packets received. Owning lcore only (the main lcore when it polls too).
 */
uint32_t tlb_worker_iter(struct tlb_worker *w);

/*
 * Process n received packets from port in_port against snapshot s: each is
 * sent (queued on a TX buffer) or freed and counted by drop reason; the caller
 * owns none of them afterwards. Owning lcore only. Exposed for tests and fuzzing.
 */
void tlb_worker_process(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port,
			struct rte_mbuf **pkts, uint16_t n);

/* Send everything buffered on w's TX buffers; unsent packets are freed and counted. */
void tlb_worker_flush(struct tlb_worker *w);

/*
 * Before the worker stops: drop (counted) the fragments it holds and flush
 * its TX buffers, so that it owns no mbuf. Owning lcore.
 */
void tlb_worker_release(struct tlb_worker *w);

/* lcore entry point (rte_eal_remote_launch): tlb_worker_iter() until dp->stop. */
int tlb_worker_main(void *arg);

/*
 * Make w an RCU reader (register + online) / stop being one. Called on the
 * worker's own lcore around its loop.
 */
void tlb_worker_online(struct tlb_worker *w);
void tlb_worker_offline(struct tlb_worker *w);

#endif /* TLB_WORKER_H */
