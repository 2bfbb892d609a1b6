/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "tlb_hash.h"
#include "tlb_local.h"
#include "tlb_log.h"
#include "tlb_parse.h"
#include "tlb_worker.h"

struct tlb_worker *
tlb_worker_create(struct tlb_dp *dp, unsigned int lcore, uint16_t idx,
		  const struct tlb_config_dataplane *dpc)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	uint64_t hz = rte_get_tsc_hz(), tick_hz;
	uint32_t timeout[TLB_FLOW_TCLASS_MAX];
	struct tlb_worker *w;
	size_t sz;

	w = rte_zmalloc_socket("tlb_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return NULL;
	/* Flow clock: the largest power-of-two division of the TSC at >= 1 kHz. */
	while ((hz >> (w->tick_shift + 1)) >= 1000)
		w->tick_shift++;
	tick_hz = hz >> w->tick_shift;
	timeout[TLB_FLOW_TCP] = (uint32_t)(dpc->tcp_timeout * tick_hz);
	timeout[TLB_FLOW_TCP_FIN] = (uint32_t)(dpc->tcp_fin_timeout * tick_hz);
	timeout[TLB_FLOW_UDP] = (uint32_t)(dpc->udp_timeout * tick_hz);
	sz = tlb_flow_memsize(dpc->flow_table_size);
	if (sz != 0) {
		w->flow_mem = rte_malloc_socket("tlb_flows", sz, RTE_CACHE_LINE_SIZE, socket);
		if (w->flow_mem == NULL) {
			TLB_LOG(ERR, worker, "worker %u: %zu MiB for %u flows: out of memory "
				"(lower dataplane.flow_table_size or give EAL more memory)", idx,
				sz >> 20, dpc->flow_table_size);
			rte_free(w);
			return NULL;
		}
	}
	tlb_flow_init(&w->flows, w->flow_mem, dpc->flow_table_size, timeout);
	w->dp = dp;
	w->lcore_id = lcore;
	w->index = idx;
	/* RFC 6864: with DF set the ID carries no meaning; start apart per worker. */
	w->ip_id = (uint16_t)(idx * 0x3c6fu + (uint16_t)rte_rdtsc());
	atomic_store_explicit(&w->last_rx_tsc, rte_rdtsc(), memory_order_relaxed);
	return w;
}

void
tlb_worker_free(struct tlb_worker *w)
{
	if (w == NULL)
		return;
	rte_free(w->flow_mem);
	rte_free(w);
}

static inline void
drop(struct tlb_worker *w, struct rte_mbuf *m, enum tlb_verdict v)
{
	tlb_stats_add(&w->stats.drops[v], 1);
	rte_pktmbuf_free(m);
}

/* Send the TX buffer of one egress port: prepare, burst, count the rest. */
static void
flush_port(struct tlb_worker *w, uint16_t port)
{
	struct tlb_txbuf *b = &w->tx[port];
	struct rte_mbuf **pkts = b->pkts;
	uint16_t n = b->n, ok, sent, i;

	b->n = 0;
	while (n > 0) {
		ok = rte_eth_tx_prepare(port, w->index, pkts, n);
		sent = rte_eth_tx_burst(port, w->index, pkts, ok);
		tlb_stats_add(&w->stats.tx, sent);
		for (i = sent; i < ok; i++)
			drop(w, pkts[i], TLB_V_TX_FULL);
		if (ok == n)
			break;
		/* pkts[ok] was refused by prepare (rte_errno says why): drop, go on. */
		drop(w, pkts[ok], TLB_V_TX_PREPARE);
		pkts += ok + 1;
		n = (uint16_t)(n - ok - 1);
	}
}

void
tlb_worker_flush(struct tlb_worker *w)
{
	const struct tlb_dp *dp = w->dp;
	uint16_t i;

	for (i = 0; i < dp->n_ports; i++) {
		uint16_t port = dp->port_ids[i];

		if (w->tx[port].n != 0)
			flush_port(w, port);
	}
}

static inline void
enqueue(struct tlb_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct tlb_txbuf *b = &w->tx[port];

	b->pkts[b->n++] = m;
	if (b->n == TLB_BURST)
		flush_port(w, port);
}

/* Answer ARP / NDP / echo for the node, in place, back out of the RX port. */
static enum tlb_verdict
handle_local(struct tlb_worker *w, const struct tlb_snapshot *s, const struct tlb_port_rt *in,
	     uint16_t in_port, struct rte_mbuf *m, const struct tlb_pkt *p)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t out_len = 0;
	enum tlb_reply_kind kind = TLB_REPLY_ARP;
	enum tlb_verdict v;

	if (m->nb_segs != 1)
		return TLB_V_MULTISEG;	/* answers are built in one segment */
	v = tlb_local_answer(frame, m->data_len, m->data_len + rte_pktmbuf_tailroom(m), p,
			     &s->node, in->mac, &out_len, &kind);
	if (v != TLB_V_OK)
		return v;
	m->data_len = (uint16_t)out_len;
	m->pkt_len = out_len;
	tlb_offload_finish_local(m);
	tlb_stats_add(&w->stats.replies[kind], 1);
	enqueue(w, in_port, m);
	return TLB_V_OK;
}

/* Wrap the client's IP packet for backend be and queue it on the egress port. */
static enum tlb_verdict
handle_encap(struct tlb_worker *w, const struct tlb_port_rt *in, struct rte_mbuf *m,
	     const struct tlb_pkt *p, const struct tlb_service *svc, const struct tlb_backend *be,
	     uint32_t hash)
{
	const struct tlb_port_rt *out = &w->dp->port[in->tx_port];
	const struct tlb_encap_tmpl *t = &be->tmpl;
	struct tlb_encap_pkt pk;
	uint32_t pad = m->pkt_len - p->l3_off - p->ip_len;
	uint8_t *hdr;

	/* Outer IP packet = outer L3 + UDP + tunnel header (+ inner Ethernet) + inner IP. */
	if ((uint32_t)t->len - RTE_ETHER_HDR_LEN + p->ip_len > out->mtu)
		return TLB_V_TOO_BIG;
	if (rte_pktmbuf_headroom(m) + p->l3_off < t->len)
		return TLB_V_HEADROOM;
	/* Ethernet padding is not part of the packet (design.md section 5). */
	if (pad != 0 && rte_pktmbuf_trim(m, (uint16_t)pad) != 0)
		return TLB_V_MULTISEG;
	rte_pktmbuf_adj(m, p->l3_off);
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, t->len);

	pk.hash = hash;
	pk.inner_len = p->ip_len;
	pk.ip_id = w->ip_id++;
	pk.tos = p->tos;
	tlb_encap_write(hdr, t, out->mac, &pk);
	tlb_offload_finish_encap(m, t, &out->caps);

	tlb_stats_add(&w->stats.svc[svc->id].packets, 1);
	tlb_stats_add(&w->stats.svc[svc->id].bytes, p->ip_len);
	tlb_stats_add(&w->stats.be[be->id].packets, 1);
	tlb_stats_add(&w->stats.be[be->id].bytes, p->ip_len);
	tlb_stats_add(&w->stats.forwarded, 1);
	enqueue(w, in->tx_port, m);
	return TLB_V_OK;
}

/* Timeout class of a tracked flow after packet p. */
static inline uint8_t
flow_tclass(const struct tlb_pkt *p, const struct tlb_flow_entry *e)
{
	if (p->proto != IPPROTO_TCP)
		return TLB_FLOW_UDP;
	if (p->tcp_flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG))
		return TLB_FLOW_TCP_FIN;
	if (p->tcp_flags & RTE_TCP_SYN_FLAG)
		return TLB_FLOW_TCP;			/* a new connection on this tuple */
	return e != NULL ? e->tclass : TLB_FLOW_TCP;
}

/*
 * Does the tracked backend still take this flow? Not when it is gone or now
 * belongs to another service (reload), is down, or is draining and this is a
 * new connection (a SYN without ACK).
 */
static inline int
flow_still_valid(const struct tlb_snapshot *s, const struct tlb_service *svc, uint32_t idx,
		 const struct tlb_pkt *p)
{
	const struct tlb_backend *be;

	if (idx == TLB_ID_NONE)
		return 0;
	be = &s->backends[idx];
	if (be->service != (uint16_t)(svc - s->services) || be->state == TLB_BACKEND_DOWN)
		return 0;
	return !(be->state == TLB_BACKEND_DRAINING && p->proto == IPPROTO_TCP &&
		 (p->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG);
}

/*
 * Select the backend of p: its connection-table entry when it is still
 * valid, else Maglev over the service's usable backends; a miss creates an
 * entry whatever the TCP flags (a restarted or added balancer must not reset
 * live flows: IPVS sloppy_tcp). Returns the backend index in s, or
 * TLB_ID_NONE when the service has no usable backend.
 */
static inline uint32_t
select_backend(struct tlb_worker *w, const struct tlb_snapshot *s, const struct tlb_service *svc,
	       const struct tlb_pkt *p, const struct tlb_flow_key *k, uint32_t h5)
{
	struct tlb_flow_entry *e;
	enum tlb_flow_event ev;
	uint32_t hsel = h5, idx, gone = 0;
	uint16_t slot;

	e = tlb_flow_lookup(&w->flows, k, h5, w->now, &ev, &gone);
	if (w->flows.n_entries != 0)
		tlb_stats_add(&w->stats.flow[ev], 1);
	if (ev == TLB_FLOW_EV_EXPIRATION)
		tlb_stats_add(&w->stats.be[gone].flows, (uint64_t)-1);
	if (e != NULL) {
		idx = tlb_snapshot_backend_idx(s, e->backend_id);
		if (flow_still_valid(s, svc, idx, p)) {
			tlb_flow_refresh(&w->flows, e, flow_tclass(p, e), w->now);
			return idx;
		}
		tlb_stats_add(&w->stats.flow[TLB_FLOW_EV_RESELECT], 1);
	}
	if (svc->hash != TLB_HASH_5TUPLE)
		hsel = tlb_hash_flow(p, svc->hash, s->seed);
	slot = tlb_maglev_lookup(&svc->mg, hsel);
	if (slot == TLB_MAGLEV_NONE)
		return TLB_ID_NONE;
	idx = svc->be_first + slot;
	tlb_stats_add(&w->stats.svc[svc->id].new_flows, 1);
	tlb_stats_add(&w->stats.be[s->backends[idx].id].new_flows, 1);
	if (e != NULL) {			/* re-selected: the entry changes hands */
		tlb_stats_add(&w->stats.be[e->backend_id].flows, (uint64_t)-1);
	} else {
		e = tlb_flow_insert(&w->flows, k, h5, w->now, &ev, &gone);
		if (e == NULL)
			return idx;		/* connection tracking is off */
		if (ev != TLB_FLOW_EV_NONE) {	/* replaced an expired or evicted entry */
			tlb_stats_add(&w->stats.flow[ev], 1);
			tlb_stats_add(&w->stats.be[gone].flows, (uint64_t)-1);
		}
	}
	e->backend_id = s->backends[idx].id;
	tlb_stats_add(&w->stats.be[e->backend_id].flows, 1);
	tlb_flow_refresh(&w->flows, e, flow_tclass(p, NULL), w->now);
	return idx;
}

/* The pipeline for one packet: parse, classify, select, encap, queue. */
static inline enum tlb_verdict
handle(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port, struct rte_mbuf *m)
{
	const struct tlb_port_rt *in = &w->dp->port[in_port];
	const struct tlb_service *svc;
	struct tlb_flow_key k;
	struct tlb_pkt p;
	enum tlb_verdict v;
	uint32_t h5, idx;

	v = tlb_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->pkt_len, &p);
	if (v != TLB_V_OK)
		return v;
	if (p.kind == TLB_PKT_ARP || tlb_local_is_node(&s->node, &p))
		return handle_local(w, s, in, in_port, m, &p);
	svc = tlb_snapshot_lookup(s, &p, &v);
	if (svc == NULL)
		return v;
	/* The 5-tuple hash keys the connection table and gives the outer entropy. */
	tlb_hash_key_init(&k, &p, TLB_HASH_5TUPLE);
	h5 = tlb_hash_key(&k, s->seed);
	idx = select_backend(w, s, svc, &p, &k, h5);
	if (idx == TLB_ID_NONE)
		return TLB_V_NO_BACKEND;
	return handle_encap(w, in, m, &p, svc, &s->backends[idx], h5);
}

void
tlb_worker_process(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port,
		   struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	tlb_stats_add(&w->stats.rx, n);
	w->now = (uint32_t)(rte_rdtsc() >> w->tick_shift);
	for (i = 0; i < n; i++) {
		enum tlb_verdict v;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		v = handle(w, s, in_port, pkts[i]);
		if (v != TLB_V_OK)
			drop(w, pkts[i], v);
	}
}

uint32_t
tlb_worker_iter(struct tlb_worker *w)
{
	struct tlb_dp *dp = w->dp;
	struct rte_mbuf *pkts[TLB_BURST];
	const struct tlb_snapshot *s;
	uint32_t got = 0;
	uint16_t i, n;

	/* Pairs with the release in the control thread's publish: s is complete. */
	s = atomic_load_explicit(&dp->active, memory_order_acquire);
	for (i = 0; i < w->n_rx; i++) {
		uint16_t port = w->rx_port[i];

		n = rte_eth_rx_burst(port, w->index, pkts, TLB_BURST);
		if (n == 0)
			continue;
		got += n;
		tlb_worker_process(w, s, port, pkts, n);
	}
	tlb_worker_flush(w);
	if (got != 0)	/* partner: the relaxed load in the idle-exit check */
		atomic_store_explicit(&w->last_rx_tsc, rte_rdtsc(), memory_order_relaxed);
	/* s is dead from here: the control thread may free it after a grace period. */
	rte_rcu_qsbr_quiescent(dp->qsv, w->index);
	return got;
}

void
tlb_worker_online(struct tlb_worker *w)
{
	rte_rcu_qsbr_thread_register(w->dp->qsv, w->index);
	rte_rcu_qsbr_thread_online(w->dp->qsv, w->index);
}

void
tlb_worker_offline(struct tlb_worker *w)
{
	rte_rcu_qsbr_thread_offline(w->dp->qsv, w->index);
	rte_rcu_qsbr_thread_unregister(w->dp->qsv, w->index);
}

int
tlb_worker_main(void *arg)
{
	struct tlb_worker *w = arg;

	TLB_LOG(INFO, worker, "worker %u on lcore %u: polling %u port(s)", w->index,
		w->lcore_id, w->n_rx);
	tlb_worker_online(w);
	/* Partner: the release store of dp->stop in the control thread. */
	while (!atomic_load_explicit(&w->dp->stop, memory_order_acquire))
		tlb_worker_iter(w);
	tlb_worker_flush(w);
	tlb_worker_offline(w);
	return 0;
}
