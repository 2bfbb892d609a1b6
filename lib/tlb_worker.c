/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "tlb_fragment.h"
#include "tlb_gro.h"
#include "tlb_hash.h"
#include "tlb_icmp.h"
#include "tlb_local.h"
#include "tlb_log.h"
#include "tlb_mss.h"
#include "tlb_parse.h"
#include "tlb_tso.h"
#include "tlb_worker.h"

/* Key modes of the fragment map (tlb_flow_key.mode beyond enum tlb_hash_mode). */
#define TLB_FRAG_KEY 0x80	/* src, dst, proto, fragment identification */
#define TLB_FRAG_3TUPLE_KEY 0x81	/* src, dst, proto: the 3tuple placement */

/* Memory of a worker table of entries connections, or NULL with a log line. */
static void *
table_mem(size_t sz, int socket, const char *what, uint16_t idx, uint32_t entries)
{
	void *mem;

	if (sz == 0)
		return NULL;
	mem = rte_malloc_socket(what, sz, RTE_CACHE_LINE_SIZE, socket);
	if (mem == NULL)
		TLB_LOG(ERR, worker, "worker %u: %zu MiB for %u %s: out of memory (lower the "
			"dataplane size or give EAL more memory)", idx, sz >> 20, entries, what);
	return mem;
}

struct tlb_worker *
tlb_worker_create(struct tlb_dp *dp, unsigned int lcore, uint16_t idx,
		  const struct tlb_config_dataplane *dpc)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	uint64_t hz = rte_get_tsc_hz(), tick_hz;
	uint32_t timeout[TLB_FLOW_TCLASS_MAX], frag_timeout[TLB_FLOW_TCLASS_MAX];
	struct tlb_worker *w;
	size_t sz, fsz;

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
	w->frag_ticks = (uint32_t)(dpc->frag_timeout_ms * tick_hz / 1000) + 1;
	frag_timeout[TLB_FLOW_TCP] = frag_timeout[TLB_FLOW_TCP_FIN] = w->frag_ticks;
	frag_timeout[TLB_FLOW_UDP] = w->frag_ticks;
	sz = tlb_flow_memsize(dpc->flow_table_size);
	fsz = tlb_flow_memsize(dpc->frag_table_size);
	w->flow_mem = table_mem(sz, socket, "flows", idx, dpc->flow_table_size);
	w->frag_mem = table_mem(fsz, socket, "fragment entries", idx, dpc->frag_table_size);
	w->held_cap = dpc->frag_hold;
	if (w->held_cap != 0)
		w->held = rte_zmalloc_socket("tlb_held", w->held_cap * sizeof(*w->held), 0, socket);
	if ((sz != 0 && w->flow_mem == NULL) || (fsz != 0 && w->frag_mem == NULL) ||
	    (w->held_cap != 0 && w->held == NULL)) {
		tlb_worker_free(w);
		return NULL;
	}
	tlb_flow_init(&w->flows, w->flow_mem, dpc->flow_table_size, timeout);
	tlb_flow_init(&w->frags, w->frag_mem, dpc->frag_table_size, frag_timeout);
	tlb_icmp_bucket_init(&w->icmp, dpc->icmp_rate, dpc->icmp_burst, hz);
	w->gro_dynoff = -1;
	if (dpc->gro) {
		w->gro_dynoff = rte_mbuf_dynfield_register(&tlb_gro_dynfield);
		if (w->gro_dynoff < 0) {
			TLB_LOG(ERR, worker, "worker %u: no mbuf field for GRO: %s", idx,
				rte_strerror(rte_errno));
			tlb_worker_free(w);
			return NULL;
		}
		/*
		 * A context, flushed whole after every burst: its tables are made
		 * once, where rte_gro's lightweight mode clears four tables of 128
		 * items on its stack per call (about 700 instructions a packet).
		 * One burst needs at most TLB_BURST items and flows.
		 */
		w->gro = rte_gro_ctx_create(&(struct rte_gro_param){
			.gro_types = RTE_GRO_TCP_IPV4, .max_flow_num = TLB_BURST,
			.max_item_per_flow = 1, .socket_id = (uint16_t)(socket < 0 ? 0 : socket) });
		if (w->gro == NULL) {
			TLB_LOG(ERR, worker, "worker %u: no memory for the GRO tables", idx);
			tlb_worker_free(w);
			return NULL;
		}
	}
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
	if (w->gro != NULL)
		rte_gro_ctx_destroy(w->gro);
	rte_free(w->held);
	rte_free(w->frag_mem);
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
		drop(w, pkts[ok], tlb_verdict_tx_prepare(rte_errno));
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

/*
 * The last checks outside ethdev (research/dpdk-offloads.md 2.1) for a frame
 * m that is sent as it is: above the MTU (net_tap stops the whole rest of
 * the burst at one; a TSO request is sized by its MSS instead) or with more
 * segments than a packet's descriptors take, the reason it must be dropped;
 * else TLB_V_OK. Checked before the packet is counted as answered or
 * forwarded, so that it is counted once. Outer fragments and our segments
 * are single-segment frames within the MTU by construction.
 */
static inline enum tlb_verdict
tx_check(const struct tlb_worker *w, uint16_t port, const struct rte_mbuf *m)
{
	const struct tlb_port_rt *rt = &w->dp->port[port];

	if (TLB_UNLIKELY(m->pkt_len > rt->max_frame && !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)))
		return TLB_V_TX_TOO_BIG;
	if (TLB_UNLIKELY(m->nb_segs > rt->max_segs))
		return TLB_V_TX_SEGMENTS;
	return TLB_V_OK;
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
	v = tx_check(w, in_port, m);
	if (v != TLB_V_OK)
		return v;
	tlb_stats_add(&w->stats.replies[kind], 1);
	enqueue(w, in_port, m);
	return TLB_V_OK;
}

/*
 * "Too big" for a client that refused fragmentation (IPv4 DF) or cannot be
 * fragmented for (IPv6): answer with ICMP frag-needed / PTB reporting the
 * egress MTU minus this backend's tunnel overhead (RFC 1191, RFC 4443; for
 * IPv6 at least 1280, RFC 2473 7.1), from
 * the VIP, back out of the receiving port; rate-limited per worker. Never
 * about an ICMP error or a later fragment (RFC 1122 3.2.2, RFC 4443 2.4(e)).
 */
static enum tlb_verdict
send_too_big(struct tlb_worker *w, uint16_t in_port, struct rte_mbuf *m, const struct tlb_pkt *p,
	     const struct tlb_backend *be)
{
	const struct tlb_port_rt *in = &w->dp->port[in_port];
	const struct tlb_port_rt *out = &w->dp->port[in->tx_port];
	struct rte_mbuf *a = m;		/* the answer: m itself, or a copy of m's start */
	enum tlb_verdict v;
	uint32_t start = 0, len;
	uint16_t mtu;

	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6 ||
	    ((p->flags & TLB_PKT_F_FRAG) && !(p->flags & TLB_PKT_F_FIRST_FRAG)) ||
	    (m->nb_segs == 1 && rte_pktmbuf_headroom(m) < TLB_ICMP6_TOO_BIG_HDRS))
		return TLB_V_TOO_BIG;
	if (!tlb_icmp_bucket_take(&w->icmp, rte_rdtsc()))
		return TLB_V_TOO_BIG_RATELIMIT;
	if (TLB_UNLIKELY(m->nb_segs != 1)) {
		/*
		 * A chained packet (a jumbo frame in 2 KB buffers, LRO, a virtio
		 * peer's GSO): the error quotes only its start (RFC 1812 4.3.2.3,
		 * RFC 4443 2.4), so that start goes to one fresh segment.
		 */
		uint32_t lim = p->kind == TLB_PKT_IPV4 ? TLB_ICMP4_MAX_LEN - TLB_ICMP4_TOO_BIG_HDRS :
							 TLB_ICMP6_MAX_LEN - TLB_ICMP6_TOO_BIG_HDRS;
		uint32_t n = (uint32_t)p->l3_off + RTE_MIN((uint32_t)p->ip_len, lim);
		const void *src;
		uint8_t *d;

		RTE_BUILD_BUG_ON(RTE_PKTMBUF_HEADROOM < TLB_ICMP6_TOO_BIG_HDRS);
		a = rte_pktmbuf_alloc(in->pool);
		if (a == NULL)
			return TLB_V_NO_MBUF;
		d = (uint8_t *)rte_pktmbuf_append(a, (uint16_t)n);
		src = d != NULL ? rte_pktmbuf_read(m, 0, n, d) : NULL;
		if (src == NULL) {
			rte_pktmbuf_free(a);
			return TLB_V_TOO_BIG;
		}
		if (src != d)
			memcpy(d, src, n);
	}
	mtu = (uint16_t)(out->mtu - (be->tmpl.len - RTE_ETHER_HDR_LEN));
	if (p->kind == TLB_PKT_IPV6 && mtu < TLB_IPV6_MIN_MTU)
		mtu = TLB_IPV6_MIN_MTU;		/* RFC 2473 7.1(a); smaller ones go as fragments */
	len = tlb_icmp_too_big(rte_pktmbuf_mtod(a, uint8_t *), p, mtu, in->mac, w->ip_id++, &start);
	rte_pktmbuf_prepend(a, (uint16_t)start);
	a->data_len = (uint16_t)len;
	a->pkt_len = len;
	tlb_offload_finish_local(a);
	v = tx_check(w, in_port, a);
	if (v != TLB_V_OK)
		goto fail;
	tlb_stats_add(&w->stats.replies[p->kind == TLB_PKT_IPV4 ? TLB_REPLY_FRAG_NEEDED :
					 TLB_REPLY_PTB], 1);
	if (a != m)
		rte_pktmbuf_free(m);
	enqueue(w, in_port, a);
	return TLB_V_OK;
fail:
	if (a != m)
		rte_pktmbuf_free(a);	/* m goes with the verdict */
	return v;
}

/* Send the encapsulated m as outer fragments the backend reassembles. */
static enum tlb_verdict
send_fragments(struct tlb_worker *w, uint16_t out_port, struct rte_mbuf *m,
	       const struct tlb_encap_tmpl *t)
{
	const struct tlb_port_rt *out = &w->dp->port[out_port];
	struct rte_mbuf *frags[TLB_FRAGMENT_MAX];
	int n, i;

	n = tlb_fragment_outer(m, t->l3_len, out->mtu, w->frag_seq++, out->pool, frags,
			       TLB_FRAGMENT_MAX);
	if (n < 0)
		return n == -ENOBUFS ? TLB_V_NO_MBUF : TLB_V_TOO_BIG;
	tlb_stats_add(&w->stats.events[TLB_EV_OUTER_FRAGMENTED], 1);
	tlb_stats_add(&w->stats.events[TLB_EV_OUTER_FRAGMENTS], (uint64_t)n);
	for (i = 0; i < n; i++) {
		tlb_offload_finish_local(frags[i]);	/* checksums written by the fragmenter */
		enqueue(w, out_port, frags[i]);
	}
	return TLB_V_OK;
}

/*
 * Is m a TCP packet coalesced from segments (NIC LRO, a virtio peer's TSO,
 * our GRO: RTE_MBUF_F_RX_LRO with the segment size in tso_segsz) whose
 * payload is more than one such segment? It then leaves as segments of that
 * size even where the MTU would take it whole: the backend announced an MSS,
 * and Linux GRO/GSO keep the sender's segment size the same way.
 */
static inline int
coalesced(const struct rte_mbuf *m, const struct tlb_pkt *p)
{
	return (m->ol_flags & RTE_MBUF_F_RX_LRO) && m->tso_segsz != 0 &&
	       p->proto == IPPROTO_TCP && (p->flags & TLB_PKT_F_L4) &&
	       (uint32_t)p->ip_len > (uint32_t)(p->l4_off - p->l3_off) + p->tcp_hlen + m->tso_segsz;
}

/* mss, or the segment size m was coalesced from (coalesced()) when that is smaller. */
static inline uint32_t
coalesced_mss(const struct rte_mbuf *m, uint32_t mss)
{
	if ((m->ol_flags & RTE_MBUF_F_RX_LRO) && m->tso_segsz != 0 && m->tso_segsz < mss)
		return m->tso_segsz;
	return mss;
}

/*
 * Segment the client's TCP packet p (too big for the egress MTU once
 * encapsulated) in software (lib/tlb_tso: Linux GSO semantics), wrap each
 * segment for be and queue it: new single-segment mbufs from the egress
 * port's pool, MSS the largest that fits the MTU and the mbuf (and the
 * receiving NIC's LRO segment size when it gave one). The inner checksums
 * are fresh, so a software outer UDP checksum comes by LCO. Frees m.
 */
static enum tlb_verdict
send_segments(struct tlb_worker *w, uint16_t out_port, struct rte_mbuf *m,
	      const struct tlb_pkt *p, const struct tlb_encap_tmpl *t, uint32_t hash)
{
	const struct tlb_port_rt *out = &w->dp->port[out_port];
	struct rte_mbuf *segs[TLB_TSO_MAX_SEGS];
	uint8_t hdr[TLB_TSO_HDR_MAX];
	const uint8_t *h;
	struct tlb_tso tso;
	uint32_t room, mss, i, hl;

	/* The IP + TCP headers: at most 40 + 60 bytes, to plan from. */
	hl = p->ip_len < sizeof(hdr) ? p->ip_len : sizeof(hdr);
	h = rte_pktmbuf_read(m, p->l3_off, hl, hdr);
	if (h == NULL || tlb_tso_plan(&tso, h, p->ip_len, 1) == -EINVAL)
		return TLB_V_TOO_BIG;
	room = rte_pktmbuf_data_room_size(out->pool) - RTE_PKTMBUF_HEADROOM;
	mss = (uint32_t)out->mtu - (t->len - RTE_ETHER_HDR_LEN) - tso.hdr_len;
	if (room - t->len - tso.hdr_len < mss)
		mss = room - t->len - tso.hdr_len;
	mss = coalesced_mss(m, mss);
	if (out->mtu <= t->len - RTE_ETHER_HDR_LEN + tso.hdr_len ||
	    tlb_tso_plan(&tso, h, p->ip_len, mss) != 0)
		return TLB_V_TOO_BIG;
	if (rte_pktmbuf_alloc_bulk(out->pool, segs, tso.n) != 0)
		return TLB_V_NO_MBUF;
	for (i = 0; i < tso.n; i++) {
		uint32_t pay = tlb_tso_seg_payload(&tso, i);
		struct tlb_encap_pkt pk = { .hash = hash, .inner_len = (uint16_t)(tso.hdr_len + pay),
					    .ip_id = w->ip_id++, .tos = p->tos };
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(segs[i], (uint16_t)(t->len + pk.inner_len));
		const void *src;

		memcpy(d + t->len, h, tso.hdr_len);
		src = rte_pktmbuf_read(m, p->l3_off + tso.hdr_len + i * tso.mss, pay,
				       d + t->len + tso.hdr_len);
		if (src != d + t->len + tso.hdr_len)
			memcpy(d + t->len + tso.hdr_len, src, pay);
		tlb_tso_fix(&tso, d + t->len, i);
		tlb_encap_write(d, t, out->mac, &pk);
		tlb_offload_finish_encap(segs[i], t, &out->caps, 0,
					 (uint32_t)t->len + tso.l4_off, IPPROTO_TCP);
		enqueue(w, out_port, segs[i]);
	}
	tlb_stats_add(&w->stats.events[TLB_EV_TCP_SEGMENTED], 1);
	tlb_stats_add(&w->stats.events[TLB_EV_TCP_SEGMENTS], tso.n);
	rte_pktmbuf_free(m);
	return TLB_V_OK;
}

/*
 * The MSS for tunnel TSO of the TCP packet p on out, or 0 when the port
 * cannot do it for this encapsulation or for this many mbuf segments (then
 * tlb_tso segments it): the largest that fits the MTU, bounded by the segment
 * size m was coalesced from (coalesced()).
 */
static inline uint16_t
hw_tso_mss(const struct tlb_port_rt *out, const struct rte_mbuf *m, const struct tlb_pkt *p,
	   const struct tlb_encap_tmpl *t)
{
	uint32_t hdrs;

	if (!tlb_offload_tso_ok(&out->caps, t, p->kind == TLB_PKT_IPV4) ||
	    m->nb_segs > out->max_segs)
		return 0;
	hdrs = (uint32_t)t->len - RTE_ETHER_HDR_LEN + p->l4_off - p->l3_off + p->tcp_hlen;
	if (out->mtu <= hdrs)
		return 0;
	return (uint16_t)coalesced_mss(m, out->mtu - hdrs);
}

/*
 * A TCP/UDP checksum the sender left to its device (a virtio peer's checksum
 * offload, RTE_MBUF_F_RX_L4_CKSUM_NONE: the field holds only the
 * pseudo-header sum, the data is intact) is computed here before the packet
 * leaves whole, or the backend's stack would drop it: from scratch over the
 * whole segment (any mbuf chain), then marked good (LCO may use it). Left as
 * they are: fragments, IPv4 options and IPv6 extension headers (a source
 * route changes the pseudo-header).
 */
static void
complete_l4_cksum(struct tlb_worker *w, struct rte_mbuf *m, const struct tlb_pkt *p)
{
	const void *ip = rte_pktmbuf_mtod_offset(m, const void *, p->l3_off);
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint32_t off = p->proto == IPPROTO_TCP ? 16 : 6;	/* RFC 9293 3.1, RFC 768 */
	uint16_t ck;

	if (!(p->flags & TLB_PKT_F_L4) || (p->flags & (TLB_PKT_F_FRAG | TLB_PKT_F_IP_OPTIONS)) ||
	    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) ||
	    p->l4_off + off + 2 > m->data_len)
		return;
	l4[off] = l4[off + 1] = 0;
	/* a computed 0 goes out as 0xffff for UDP (RFC 768) */
	ck = p->kind == TLB_PKT_IPV4 ? rte_ipv4_udptcp_cksum_mbuf(m, ip, p->l4_off) :
				       rte_ipv6_udptcp_cksum_mbuf(m, ip, p->l4_off);
	memcpy(l4 + off, &ck, sizeof(ck));
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	tlb_stats_add(&w->stats.events[TLB_EV_L4_CKSUM_COMPLETED], 1);
}

/*
 * Wrap the client's IP packet for backend be of svc and queue it on the
 * egress port. Too big for the egress MTU: per the service's policy, drop it,
 * answer "too big", or (IPv4 without DF) send it as outer fragments.
 */
static enum tlb_verdict
handle_encap(struct tlb_worker *w, uint16_t in_port, struct rte_mbuf *m,
	     const struct tlb_pkt *p, const struct tlb_service *svc, const struct tlb_backend *be,
	     uint32_t hash)
{
	const struct tlb_port_rt *in = &w->dp->port[in_port];
	const struct tlb_port_rt *out = &w->dp->port[in->tx_port];
	const struct tlb_encap_tmpl *t = &be->tmpl;
	struct tlb_encap_pkt pk;
	uint32_t pad = m->pkt_len - p->l3_off - p->ip_len, lco_l4;
	uint16_t tso_mss = 0;
	int fragment = 0, too_big, coal;
	uint8_t *hdr;

	coal = coalesced(m, p);
	if (TLB_UNLIKELY((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE) &&
	    !coal)		/* a coalesced packet's segments get fresh ones */
		complete_l4_cksum(w, m, p);
	lco_l4 = tlb_offload_lco_l4(m, p, t);	/* while p's offsets hold */

	/* Outer IP packet = outer L3 + UDP + tunnel header (+ inner Ethernet) + inner IP. */
	too_big = (uint32_t)t->len - RTE_ETHER_HDR_LEN + p->ip_len > out->mtu;
	if (too_big || TLB_UNLIKELY(coal)) {
		/* A TSO request: the service segments, or the packet was coalesced. */
		if (p->proto == IPPROTO_TCP &&
		    (svc->segmentation || (m->ol_flags & RTE_MBUF_F_RX_LRO)) &&
		    (p->flags & TLB_PKT_F_L4) && !(p->flags & (TLB_PKT_F_FRAG | TLB_PKT_F_IP_OPTIONS))) {
			enum tlb_verdict v;

			tso_mss = hw_tso_mss(out, m, p, t);
			if (tso_mss == 0) {		/* no tunnel TSO here: our own segmenter */
				v = send_segments(w, in->tx_port, m, p, t, hash);
				if (v != TLB_V_OK)
					return v;
				goto count;
			}
		} else if (!too_big) {
			;	/* coalesced, but not segmentable (IP options): whole, as received */
		} else if (svc->too_big == TLB_TOO_BIG_DROP) {
			return TLB_V_TOO_BIG;
		} else if (p->kind == TLB_PKT_IPV6 && p->ip_len <= TLB_IPV6_MIN_MTU) {
			/*
			 * RFC 2473 7.1(b): to IPv6 the tunnel is a link, which must take
			 * 1280 bytes (RFC 8200 5); below that the entry point fragments
			 * the outer packet (a "too big" below 1280 would be a blackhole).
			 */
			fragment = 1;
		} else if (p->kind != TLB_PKT_IPV4 || (p->flags & TLB_PKT_F_DF)) {
			return send_too_big(w, in_port, m, p, be);
		} else {
			fragment = 1;	/* RFC 791: the client allows fragmentation */
		}
	}
	if (rte_pktmbuf_headroom(m) + p->l3_off < t->len)
		return TLB_V_HEADROOM;
	if (TLB_LIKELY(m->nb_segs == 1)) {
		/* Drop the Ethernet padding (design.md section 5) and the L2 header, prepend
		 * the outer headers: one move of the data start instead of trim, adj, prepend. */
		m->data_off = (uint16_t)(m->data_off + p->l3_off - t->len);
		m->data_len = (uint16_t)(t->len + p->ip_len);
		m->pkt_len = m->data_len;
		hdr = rte_pktmbuf_mtod(m, uint8_t *);
	} else {
		/* Ethernet padding is not part of the packet (design.md section 5). */
		if (pad != 0 && rte_pktmbuf_trim(m, (uint16_t)pad) != 0)
			return TLB_V_MULTISEG;
		rte_pktmbuf_adj(m, p->l3_off);
		hdr = (uint8_t *)rte_pktmbuf_prepend(m, t->len);
	}

	pk.hash = hash;
	pk.inner_len = p->ip_len;
	pk.ip_id = w->ip_id++;
	pk.tos = p->tos;
	tlb_encap_write(hdr, t, out->mac, &pk);
	if (tso_mss != 0)			/* the NIC segments it (tunnel TSO) */
		tlb_offload_finish_tso(m, t, (uint16_t)(p->l4_off - p->l3_off), p->tcp_hlen, tso_mss);
	else	/* Outer fragments: the UDP checksum must cover the whole datagram, in software. */
		tlb_offload_finish_encap(m, t, &out->caps, fragment, lco_l4, p->proto);

	if (fragment) {
		enum tlb_verdict v = send_fragments(w, in->tx_port, m, t);

		if (v != TLB_V_OK)
			return v;
	} else {
		enum tlb_verdict v = tx_check(w, in->tx_port, m);

		if (v != TLB_V_OK)
			return v;
		enqueue(w, in->tx_port, m);
	}
count:
	tlb_stats_add(&w->stats.svc[svc->id].packets, 1);
	tlb_stats_add(&w->stats.svc[svc->id].bytes, p->ip_len);
	tlb_stats_add(&w->stats.be[be->id].packets, 1);
	tlb_stats_add(&w->stats.be[be->id].bytes, p->ip_len);
	tlb_stats_add(&w->stats.forwarded, 1);
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

/* Fragment map key of p: its datagram (RFC 791 / RFC 8200 4.5 identification). */
static inline void
frag_key(struct tlb_flow_key *k, const struct tlb_pkt *p, uint8_t mode)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src.a, 16);
	memcpy(k->dst, p->dst.a, 16);
	k->family = p->src.family;
	k->proto = p->proto;
	k->mode = mode;
	if (mode == TLB_FRAG_KEY) {
		k->sport = (uint16_t)(p->frag_id >> 16);
		k->dport = (uint16_t)p->frag_id;
	}
}

/* Backend index of a fragment-map entry if that backend still takes traffic. */
static inline uint32_t
frag_entry_backend(const struct tlb_snapshot *s, const struct tlb_flow_entry *e)
{
	uint32_t idx = tlb_snapshot_backend_idx(s, e->backend_id);

	if (idx == TLB_ID_NONE || s->backends[idx].state == TLB_BACKEND_DOWN)
		return TLB_ID_NONE;
	return idx;
}

/* Remember that the datagram of key fk (hash hf) goes to backend idx. */
static inline void
frag_map_put(struct tlb_worker *w, const struct tlb_snapshot *s, const struct tlb_flow_key *fk,
	     uint32_t hf, uint32_t idx)
{
	struct tlb_flow_entry *e;
	enum tlb_flow_event ev;
	uint32_t gone;

	e = tlb_flow_lookup(&w->frags, fk, hf, w->now, &ev, &gone);
	if (e == NULL)
		e = tlb_flow_insert(&w->frags, fk, hf, w->now, &ev, &gone);
	if (e == NULL)
		return;
	e->backend_id = s->backends[idx].id;
	tlb_flow_refresh(&w->frags, e, TLB_FLOW_UDP, w->now);
}

/* Drop held fragments past their deadline (FIFO: the oldest are first). */
static void
expire_held(struct tlb_worker *w, int all)
{
	while (w->held_n != 0) {
		struct tlb_held *h = &w->held[w->held_head];

		if (h->m != NULL) {
			if (!all && (int32_t)(w->now - h->deadline) <= 0)
				break;
			drop(w, h->m, TLB_V_FRAG_TIMEOUT);
			h->m = NULL;
		}
		w->held_head = (w->held_head + 1) % w->held_cap;
		w->held_n--;
	}
}

/* Hold a later fragment until its first fragment names the backend. */
static enum tlb_verdict
hold_fragment(struct tlb_worker *w, uint16_t in_port, struct rte_mbuf *m,
	      const struct tlb_flow_key *fk, uint32_t hf)
{
	struct tlb_held *h;

	if (w->held_cap == 0)
		return TLB_V_FRAGMENT;
	if (w->held_n == w->held_cap) {		/* make room: the oldest goes */
		h = &w->held[w->held_head];
		if (h->m != NULL)
			drop(w, h->m, TLB_V_FRAG_HOLD_FULL);
		w->held_head = (w->held_head + 1) % w->held_cap;
		w->held_n--;
	}
	h = &w->held[(w->held_head + w->held_n) % w->held_cap];
	h->m = m;
	h->deadline = w->now + w->frag_ticks;
	h->hash = hf;
	h->port = in_port;
	h->key = *fk;
	w->held_n++;
	tlb_stats_add(&w->stats.events[TLB_EV_FRAG_HELD], 1);
	return TLB_V_OK;
}

/* Send the held fragments of datagram fk to backend idx of svc. */
static void
release_held(struct tlb_worker *w, const struct tlb_snapshot *s, const struct tlb_service *svc,
	     const struct tlb_flow_key *fk, uint32_t hf, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < w->held_n; i++) {
		struct tlb_held *h = &w->held[(w->held_head + i) % w->held_cap];
		struct rte_mbuf *m = h->m;
		enum tlb_verdict v;
		struct tlb_pkt p;

		if (m == NULL || h->hash != hf || memcmp(&h->key, fk, sizeof(*fk)) != 0)
			continue;
		h->m = NULL;
		tlb_stats_add(&w->stats.events[TLB_EV_FRAG_RELEASED], 1);
		v = tlb_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->pkt_len, &p);
		if (v == TLB_V_OK)
			v = handle_encap(w, h->port, m, &p, svc, &s->backends[idx], hf);
		if (v != TLB_V_OK)
			drop(w, m, v);
	}
}

/*
 * A later fragment to a VIP (no ports): the backend its first fragment got
 * (fragment map); else, per the service: by source address when the service
 * hashes on it (no map needed), held until the first fragment comes, placed
 * by 3-tuple, or dropped.
 */
static enum tlb_verdict
handle_fragment(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port,
		struct rte_mbuf *m, const struct tlb_pkt *p)
{
	const struct tlb_service *svc;
	struct tlb_flow_key fk, k3;
	struct tlb_flow_entry *e;
	enum tlb_flow_event ev;
	uint32_t hf, idx, gone;
	uint16_t slot;

	frag_key(&fk, p, TLB_FRAG_KEY);
	hf = tlb_hash_key(&fk, s->seed);
	e = tlb_flow_lookup(&w->frags, &fk, hf, w->now, &ev, &gone);
	if (e != NULL && (idx = frag_entry_backend(s, e)) != TLB_ID_NONE) {
		tlb_stats_add(&w->stats.events[TLB_EV_FRAG_MAPPED], 1);
		return handle_encap(w, in_port, m, p, &s->services[s->backends[idx].service],
				    &s->backends[idx], hf);
	}
	svc = tlb_snapshot_frag_service(s, p);
	if (svc == NULL)
		return TLB_V_FRAGMENT;
	if (svc->hash == TLB_HASH_SRC_IP) {
		slot = tlb_maglev_lookup(&svc->mg, tlb_hash_flow(p, TLB_HASH_SRC_IP, s->seed));
	} else if (svc->fragments == TLB_FRAG_HOLD) {
		return hold_fragment(w, in_port, m, &fk, hf);
	} else if (svc->fragments == TLB_FRAG_3TUPLE) {
		frag_key(&k3, p, TLB_FRAG_3TUPLE_KEY);
		slot = tlb_maglev_lookup(&svc->mg, tlb_hash_key(&k3, s->seed));
		tlb_stats_add(&w->stats.events[TLB_EV_FRAG_3TUPLE], 1);
	} else {
		return TLB_V_FRAGMENT;
	}
	if (slot == TLB_MAGLEV_NONE)
		return TLB_V_NO_BACKEND;
	idx = svc->be_first + slot;
	frag_map_put(w, s, &fk, hf, idx);	/* the rest of the datagram, first included */
	return handle_encap(w, in_port, m, p, svc, &s->backends[idx], hf);
}

/*
 * The first fragment of a datagram: the backend a 3-tuple placement already
 * gave the datagram, else the flow's; remembered for the later fragments,
 * and those already held are sent on.
 */
static inline uint32_t
first_fragment(struct tlb_worker *w, const struct tlb_snapshot *s, const struct tlb_service *svc,
	       const struct tlb_pkt *p, const struct tlb_flow_key *k, uint32_t h5)
{
	struct tlb_flow_entry *e;
	struct tlb_flow_key fk;
	enum tlb_flow_event ev;
	uint32_t hf, idx = TLB_ID_NONE, gone;

	frag_key(&fk, p, TLB_FRAG_KEY);
	hf = tlb_hash_key(&fk, s->seed);
	e = tlb_flow_lookup(&w->frags, &fk, hf, w->now, &ev, &gone);
	if (e != NULL)
		idx = frag_entry_backend(s, e);
	if (idx == TLB_ID_NONE || s->backends[idx].service != (uint16_t)(svc - s->services))
		idx = select_backend(w, s, svc, p, k, h5);
	if (idx == TLB_ID_NONE)
		return idx;
	frag_map_put(w, s, &fk, hf, idx);
	if (w->held_n != 0)
		release_held(w, s, svc, &fk, hf, idx);
	return idx;
}

/*
 * An ICMP or ICMPv6 error to a VIP (unreachable, too big, time exceeded)
 * about a packet a backend sent from that VIP: send it to that flow's
 * backend, found from the reversed quoted tuple exactly like the flow's own
 * packets (connection table first, then Maglev; no state created), so that
 * path MTU discovery works through the balancer (Cilium#34380).
 */
static enum tlb_verdict
handle_icmp_error(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port,
		  struct rte_mbuf *m, const struct tlb_pkt *p)
{
	const struct tlb_service *svc;
	struct tlb_flow_entry *e;
	struct tlb_flow_key k;
	enum tlb_flow_event ev;
	struct tlb_pkt q, r;
	enum tlb_verdict v;
	uint32_t h5, idx = TLB_ID_NONE, gone;
	uint16_t slot;

	v = tlb_parse_icmp_quote(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, p, &q);
	if (v != TLB_V_OK)
		return v;
	/* The quoted packet went from the VIP to the client: reverse it. */
	if (!tlb_addr_eq(&q.src, &p->dst))
		return TLB_V_ICMP_NO_FLOW;
	memset(&r, 0, sizeof(r));
	r.kind = q.kind;
	r.proto = q.proto;
	r.src = q.dst;
	r.dst = q.src;
	r.sport = q.dport;
	r.dport = q.sport;
	r.flags = TLB_PKT_F_L4;
	svc = tlb_snapshot_lookup(s, &r, &v);
	if (svc == NULL)
		return TLB_V_ICMP_NO_FLOW;
	tlb_hash_key_init(&k, &r, TLB_HASH_5TUPLE);
	h5 = tlb_hash_key(&k, s->seed);
	e = tlb_flow_lookup(&w->flows, &k, h5, w->now, &ev, &gone);
	if (ev == TLB_FLOW_EV_EXPIRATION)
		tlb_stats_add(&w->stats.be[gone].flows, (uint64_t)-1);
	if (e != NULL) {
		idx = tlb_snapshot_backend_idx(s, e->backend_id);
		if (idx != TLB_ID_NONE && (s->backends[idx].service != (uint16_t)(svc - s->services) ||
					   s->backends[idx].state == TLB_BACKEND_DOWN))
			idx = TLB_ID_NONE;
	}
	if (idx == TLB_ID_NONE) {
		slot = tlb_maglev_lookup(&svc->mg, svc->hash == TLB_HASH_5TUPLE ? h5 :
					 tlb_hash_flow(&r, svc->hash, s->seed));
		if (slot == TLB_MAGLEV_NONE)
			return TLB_V_NO_BACKEND;
		idx = svc->be_first + slot;
	}
	tlb_stats_add(&w->stats.events[TLB_EV_ICMP_STEERED], 1);
	return handle_encap(w, in_port, m, p, svc, &s->backends[idx], h5);
}

/*
 * Lower the MSS option of a SYN crossing the balancer. With direct server
 * return that is the client's SYN: it bounds what the backend sends. The
 * client's own segments are sized by the backend's SYN-ACK, which never
 * crosses tunlb; they are kept within the MTU by ICMP too-big (send_too_big).
 */
static inline void
clamp_mss(struct tlb_worker *w, struct rte_mbuf *m, const struct tlb_pkt *p,
	  const struct tlb_service *svc, const struct tlb_backend *be, uint16_t in_port)
{
	const struct tlb_port_rt *out = &w->dp->port[w->dp->port[in_port].tx_port];
	uint8_t *tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	int32_t mss = svc->mss_clamp;

	if (mss == TLB_MSS_CLAMP_AUTO)	/* MTU - tunnel overhead - inner IP and TCP headers */
		mss = (int32_t)out->mtu - (be->tmpl.len - RTE_ETHER_HDR_LEN) -
		      (p->l4_off - p->l3_off) - (int32_t)sizeof(struct rte_tcp_hdr);
	if (mss < TLB_MSS_MIN)
		mss = TLB_MSS_MIN;
	if (tlb_mss_clamp(tcp, p->tcp_hlen, (uint16_t)mss) == 1)
		tlb_stats_add(&w->stats.events[TLB_EV_MSS_CLAMPED], 1);
}

/* Select the backend of VIP packet p of svc (flow key k, hash h5), then encap and queue. */
static inline enum tlb_verdict
forward(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port, struct rte_mbuf *m,
	const struct tlb_pkt *p, const struct tlb_service *svc, const struct tlb_flow_key *k,
	uint32_t h5)
{
	uint32_t idx;

	if (TLB_UNLIKELY(p->flags & TLB_PKT_F_FRAG))
		idx = first_fragment(w, s, svc, p, k, h5);
	else
		idx = select_backend(w, s, svc, p, k, h5);
	if (idx == TLB_ID_NONE)
		return TLB_V_NO_BACKEND;
	if (svc->mss_clamp != 0 && p->proto == IPPROTO_TCP && (p->tcp_flags & RTE_TCP_SYN_FLAG))
		clamp_mss(w, m, p, svc, &s->backends[idx], in_port);
	return handle_encap(w, in_port, m, p, svc, &s->backends[idx], h5);
}

/* The pipeline for one packet: parse, classify, select, encap, queue. */
static inline enum tlb_verdict
handle(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port, struct rte_mbuf *m)
{
	const struct tlb_service *svc;
	struct tlb_flow_key k;
	struct tlb_pkt p;
	enum tlb_verdict v;

	v = tlb_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->pkt_len, &p);
	if (v != TLB_V_OK)
		return v;
	if (p.kind == TLB_PKT_ARP || tlb_local_is_node(&s->node, &p))
		return handle_local(w, s, &w->dp->port[in_port], in_port, m, &p);
	if (TLB_UNLIKELY(tlb_local_is_node_source(&s->node, &p)))
		return TLB_V_NODE_SOURCE;	/* nobody else sends from our addresses */
	svc = tlb_snapshot_lookup(s, &p, &v);
	if (svc == NULL) {
		if (v == TLB_V_FRAGMENT)
			return handle_fragment(w, s, in_port, m, &p);
		if (v == TLB_V_VIP_PROTO && tlb_icmp_is_steerable_error(&p))
			return handle_icmp_error(w, s, in_port, m, &p);
		return v;
	}
	/* The 5-tuple hash keys the connection table and gives the outer entropy. */
	tlb_hash_key_init(&k, &p, TLB_HASH_5TUPLE);
	return forward(w, s, in_port, m, &p, svc, &k, tlb_hash_key(&k, s->seed));
}

/* What the first pass over a burst learned about one packet (process_burst()). */
struct tlb_prep {
	struct tlb_pkt p;
	struct tlb_flow_key k;
	const struct tlb_service *svc;	/* set: a plain VIP packet, forward() it */
	uint32_t h5;
	enum tlb_verdict v;		/* svc NULL: drop for this reason, or OK: handle() it */
};

/*
 * First pass, reads only: parse and classify like handle() (keep the two in
 * step). A plain VIP packet (a service matched, not a fragment) gets its flow
 * key and hash, and its connection-table bucket starts loading; a packet
 * handle() would drop keeps that reason; anything else (ARP, the node's own
 * or spoofed from it, fragments, ICMP errors) is left to handle().
 */
static inline void
prepare(struct tlb_worker *w, const struct tlb_snapshot *s, struct rte_mbuf *m,
	struct tlb_prep *q)
{
	enum tlb_verdict v = TLB_V_OK;

	q->svc = NULL;
	q->v = tlb_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->pkt_len, &q->p);
	if (q->v != TLB_V_OK || q->p.kind == TLB_PKT_ARP || (q->p.flags & TLB_PKT_F_FRAG) ||
	    tlb_local_is_node(&s->node, &q->p) || tlb_local_is_node_source(&s->node, &q->p))
		return;
	q->svc = tlb_snapshot_lookup(s, &q->p, &v);
	if (q->svc == NULL) {
		if (!(v == TLB_V_VIP_PROTO && tlb_icmp_is_steerable_error(&q->p)))
			q->v = v;
		return;
	}
	tlb_hash_key_init(&q->k, &q->p, TLB_HASH_5TUPLE);
	q->h5 = tlb_hash_key(&q->k, s->seed);
	tlb_flow_prefetch(&w->flows, q->h5);
}

/*
 * Would svc's TCP/IPv4 packets, once merged, leave by the NIC's tunnel TSO
 * on a port with capabilities c (judged by the service's first backend)?
 * Without it a merged packet is segmented again in software, which costs
 * several times what merging saves (tests/bench/bench_offload.py): then GRO
 * leaves svc's packets alone.
 */
static inline int
gro_pays(const struct tlb_snapshot *s, const struct tlb_service *svc,
	 const struct tlb_offload_caps *c)
{
	return svc->n_be != 0 && tlb_offload_tso_ok(c, &s->backends[svc->be_first].tmpl, 1);
}

/*
 * GRO over one burst (dataplane gro: on; lib/tlb_gro.h): the plain VIP
 * packets that may be parts, of services whose merged packets the egress
 * port c would segment (gro_pays()), go through rte_gro. A merged packet takes the
 * place of its head part (the lowest sequence number) with its prep's IP
 * length grown, the other parts' places become NULL: every other packet keeps
 * its place, so a flow's packets that rte_gro refused (a PSH, a FIN, a bad
 * checksum) are not overtaken, whatever order rte_gro hands its output back in.
 */
static void
gro_burst(struct tlb_worker *w, const struct tlb_snapshot *s, const struct tlb_offload_caps *c,
	  struct rte_mbuf **pkts, struct tlb_prep *prep, uint16_t n)
{
	struct rte_mbuf *parts[TLB_BURST];
	uint16_t idx[TLB_BURST], i, k = 0, nb;

	for (i = 0; i < n; i++)
		if (prep[i].svc != NULL && prep[i].p.proto == IPPROTO_TCP &&
		    gro_pays(s, prep[i].svc, c) &&
		    tlb_gro_part(pkts[i], &prep[i].p, w->gro_dynoff, i)) {
			idx[k] = i;
			parts[k++] = pkts[i];
		}
	if (k < 2)
		return;
	/* What rte_gro refused comes first, then everything it holds: nothing stays. */
	nb = rte_gro_reassemble(parts, k, w->gro);
	nb = (uint16_t)(nb + rte_gro_timeout_flush(w->gro, 0, RTE_GRO_TCP_IPV4, parts + nb,
						   (uint16_t)(k - nb)));
	if (nb == k)
		return;
	for (i = 0; i < k; i++)
		pkts[idx[i]] = NULL;
	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = parts[i];
		uint16_t at = tlb_gro_part_of(m, w->gro_dynoff)->idx;

		pkts[at] = m;
		if (m->nb_segs > 1) {
			tlb_stats_add(&w->stats.events[TLB_EV_GRO_MERGED], 1);
			tlb_stats_add(&w->stats.events[TLB_EV_GRO_PARTS], tlb_gro_finish(m, w->gro_dynoff));
			prep[at].p.ip_len = (uint16_t)(m->pkt_len - prep[at].p.l3_off);
		}
	}
}

/* Packets ahead whose first data line the first pass starts loading. */
#define TLB_PREFETCH_DATA 4

/*
 * The burst in passes, so that memory misses overlap instead of stalling one
 * packet at a time: prefetch the mbufs; parse, classify and hash every packet
 * and prefetch its connection-table bucket (reads only); prefetch the entries
 * the signatures point at; then decide and send in arrival order.
 */
static void
process_burst(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port,
	      struct rte_mbuf **pkts, uint16_t n)
{
	struct tlb_prep prep[TLB_BURST];
	uint16_t i;

	for (i = 0; i < n; i++)		/* the mbufs: a NIC (or another core) wrote them */
		rte_prefetch0(pkts[i]);
	for (i = 0; i < n && i < TLB_PREFETCH_DATA; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + TLB_PREFETCH_DATA < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + TLB_PREFETCH_DATA], void *));
		prepare(w, s, pkts[i], &prep[i]);
	}
	if (w->gro_dynoff >= 0 && n > 1)
		gro_burst(w, s, &w->dp->port[w->dp->port[in_port].tx_port].caps, pkts, prep, n);
	for (i = 0; i < n; i++)
		if (prep[i].svc != NULL)
			tlb_flow_prefetch_entry(&w->flows, prep[i].h5);
	for (i = 0; i < n; i++) {
		const struct tlb_prep *q = &prep[i];
		enum tlb_verdict v;

		if (pkts[i] == NULL)		/* a part of a packet GRO merged */
			continue;
		if (q->svc != NULL)
			v = forward(w, s, in_port, pkts[i], &q->p, q->svc, &q->k, q->h5);
		else if (q->v == TLB_V_OK)
			v = handle(w, s, in_port, pkts[i]);
		else
			v = q->v;
		if (v != TLB_V_OK)
			drop(w, pkts[i], v);
	}
}

void
tlb_worker_process(struct tlb_worker *w, const struct tlb_snapshot *s, uint16_t in_port,
		   struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	tlb_stats_add(&w->stats.rx, n);
	w->now = (uint32_t)(rte_rdtsc() >> w->tick_shift);
	if (TLB_UNLIKELY(w->held_n != 0))
		expire_held(w, 0);
	for (i = 0; i < n; i = (uint16_t)(i + TLB_BURST))
		process_burst(w, s, in_port, pkts + i, (uint16_t)RTE_MIN(n - i, TLB_BURST));
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
tlb_worker_release(struct tlb_worker *w)
{
	expire_held(w, 1);		/* held fragments whose first never came */
	tlb_worker_flush(w);
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
	tlb_worker_release(w);
	tlb_worker_offline(w);
	return 0;
}
