/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: raw frames through the real per-packet pipeline,
 * tlb_worker_process(): parse, classify, select (connection table + Maglev),
 * ICMP error steering, fragment map / hold / 3-tuple placement, MSS clamp,
 * encap, too-big answers, outer fragmentation, offload finish, local answers,
 * against a fixed snapshot.
 *
 * Set-up (once, LLVMFuzzerInitialize): EAL with --no-huge --no-pci
 * --no-shconf (no port is probed: the pipeline only indexes dp->port[] and
 * queues on w->tx[], which this harness drains itself, so no TX burst ever
 * runs), a snapshot built from FUZZ_CONFIG by tlb_config_load_buffer() +
 * tlb_snapshot_build() as lib/tlb_ctl.c does, one worker from
 * tlb_worker_create() and three pretend ports (MACs, MTUs, tx_port, pool).
 *
 * Input: byte 0 = mode, byte 1 = split offset, then the frame, or with mode
 * bit 6 up to four frames, each after a 2-byte big-endian length.
 *   mode bits 0-1  headroom before the frame: 128, 0, 48, 80
 *   mode bits 2-3  tailroom after the last byte: 0, 16, 64, 512
 *   mode bit 4     received on port 1 (egress port 2, MTU 576) instead of 0 (MTU 1500)
 *   mode bit 5     two segments, split at byte 1 of the input (when <= length)
 *   mode bit 6     a sequence of frames (one tlb_worker_process() call each)
 * Every segment is an external buffer from malloc() of exactly
 * headroom + data + tailroom bytes, so ASan reports any read or write outside
 * the mbuf's buffer (DPDK memory itself is not ASan-checked).
 *
 * Invariants (tables emptied per input; held fragments released at the end):
 *  - every frame is counted once: rx = frames = forwarded + replies + drops;
 *    frames queued = replies + forwarded, outer fragments counted as such;
 *    no mbuf left in either pool afterwards;
 *  - a frame the project's parser refuses as a contiguous buffer is dropped
 *    with the parser's reason (or MULTISEG when in two segments);
 *  - one frame to a service with a usable backend, with room for the headers,
 *    within the egress MTU, in one segment, is forwarded;
 *  - a forwarded packet (outer fragments reassembled here first) matches an
 *    input frame: to a VIP service of its protocol and port, an ICMP error
 *    quoting a flow of one (by this file's reading of the quote), or a later
 *    fragment to a VIP of its protocol; read with this file's own code: outer
 *    Ethernet, IPv4 (RFC 1071 checksum here, DF, TTL 64, lengths; fragments:
 *    offsets, MF, sizes <= MTU) or IPv6 (fragment header), UDP (length,
 *    ports, checksum: over IPv4 0 or valid, over IPv6 valid and never 0),
 *    GUE 0 / GUE 1 / VXLAN fields of that service, outer destination one of
 *    its usable backends, DSCP/ECN copied, outer packet within the egress MTU,
 *    and the inner bytes equal to the input's IP packet (VLAN tags and padding
 *    removed) but for a clamped MSS option (lowered, checksum as valid as before);
 *  - a local answer passes fuzz_check_reply(); a too-big answer
 *    fuzz_check_too_big() and reports egress MTU minus a usable backend's
 *    tunnel overhead, for a packet that was too big;
 *  - a single frame run twice gives the same result and the same bytes (but
 *    the IPv4 identifications and header checksums, IPv6 fragment ids).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "tlb_config.h"
#include "tlb_ids.h"
#include "tlb_local.h"
#include "tlb_parse.h"
#include "tlb_snapshot.h"
#include "tlb_worker.h"

#include "fuzz_common.h"

/* Node addresses and gateway as in fuzz_common.c. Small prime tables: fast to build. */
static const char fuzz_config[] =
	"node: {ipv4: 192.0.2.1, ipv6: \"2001:db8::1\", gateway_mac: \"02:00:00:00:00:fe\"}\n"
	"dataplane: {flow_table_size: 1024, fragment_table_size: 1024, fragment_hold: 2,\n"
	"            fragment_timeout_ms: 60000}\n"
	"services:\n"
	"  - {name: web4, vip: 198.51.100.10, port: 80, protocol: tcp, encap: gue, gue_variant: 0,\n"
	"     table_size: 1009, backends: [{address: 203.0.113.11}, {address: 203.0.113.12, weight: 2},\n"
	"     {address: \"2001:db8:be::13\"}, {address: 203.0.113.14, state: draining},\n"
	"     {address: 203.0.113.15, state: down}, {address: 203.0.113.16, weight: 0}]}\n"
	"  - {name: dns4, vip: 198.51.100.10, port: 53, protocol: udp, encap: vxlan, vni: 100,\n"
	"     too_big: drop, table_size: 1009, backends: [{address: 203.0.113.21, mac: \"02:00:00:00:01:21\"},\n"
	"     {address: \"2001:db8:be::22\", mac: \"02:00:00:00:01:22\"}]}\n"
	"  - {name: any4, vip: 198.51.100.10, protocol: udp, encap: gue, gue_variant: 1,\n"
	"     dst_port: 6081, hash: src_ip, table_size: 1009,\n"
	"     backends: [{address: \"2001:db8:be::31\"}, {address: 203.0.113.32}]}\n"
	"  - {name: web6, vip: \"2001:db8:100::10\", protocol: tcp, encap: gue, gue_variant: 1,\n"
	"     hash: src_ip_port, mss_clamp: auto, table_size: 1009,\n"
	"     backends: [{address: 203.0.113.41}, {address: \"2001:db8:be::42\"}]}\n"
	"  - {name: dns6, vip: \"2001:db8:100::10\", port: 53, protocol: udp, encap: vxlan,\n"
	"     vni: 16777215, dst_port: 4790, fragments: 3tuple, table_size: 1009,\n"
	"     backends: [{address: \"2001:db8:be::51\", mac: \"02:00:00:00:01:51\"},\n"
	"     {address: 203.0.113.52, mac: \"02:00:00:00:01:52\"}]}\n"
	"  - {name: gue6, vip: \"2001:db8:100::10\", port: 4500, protocol: udp, encap: gue,\n"
	"     table_size: 1009, backends: [{address: 203.0.113.61}]}\n"
	"  - {name: mss4, vip: 198.51.100.13, port: 443, protocol: tcp, encap: vxlan, vni: 7,\n"
	"     mss_clamp: 1200, fragments: drop, table_size: 1009,\n"
	"     backends: [{address: \"2001:db8:be::81\", mac: \"02:00:00:00:01:81\"}]}\n"
	"  - {name: empty, vip: 198.51.100.11, port: 80, protocol: tcp, encap: gue,\n"
	"     table_size: 1009, backends: []}\n"
	"  - {name: alldown, vip: 198.51.100.12, port: 443, protocol: tcp, encap: gue,\n"
	"     table_size: 1009, backends: [{address: 203.0.113.71, state: down}]}\n";

#define N_PORTS 3
#define MAX_FRAMES 4
#define MAX_OUT 80		/* queued frames per input: TLB_FRAGMENT_MAX and answers */
#define MODE_HEADROOM(m) ((m) & 3u)
#define MODE_TAILROOM(m) (((m) >> 2) & 3u)
#define MODE_PORT1 0x10u
#define MODE_SPLIT 0x20u
#define MODE_SEQ 0x40u
#define MODE_RX_VERDICT 0x80u	/* a truthful NIC's RX L4 checksum verdict on every frame */

static const uint16_t headrooms[4] = { RTE_PKTMBUF_HEADROOM, 0, 48, 80 };
static const uint16_t tailrooms[4] = { 0, 16, 64, 512 };
/* port i: MTU, egress port of encapsulated packets */
static const uint16_t port_mtu[N_PORTS] = { 1500, 1500, 576 };
static const uint16_t port_tx[N_PORTS] = { 0, 2, 2 };

static struct tlb_dp dp;
static struct tlb_worker *w;
static struct tlb_snapshot *snap;
static struct tlb_config *cfg;
static struct tlb_ids *ids;
static struct rte_mempool *pool;	/* mbuf headers of the input frames */
static struct rte_mempool *frag_pool;	/* dp.port[].pool: outer fragments */
static uint32_t flow_timeout[TLB_FLOW_TCLASS_MAX], frag_timeout[TLB_FLOW_TCLASS_MAX];

/*
 * Known issue, not a tunlb bug: DPDK 22.11's rte_raw_cksum_mbuf() (used by
 * rte_ipv4/ipv6_udptcp_cksum_mbuf) truncates the 32-bit sum of a segment that
 * starts at an odd offset of the summed range to 16 bits before swapping its
 * bytes, losing carries: the outer UDP checksum of such a chain is wrong.
 * Unless TLB_FUZZ_STRICT=1, that one check is skipped for such chains (and
 * said once); every other invariant still holds for them. The chain of an
 * encapsulated two-segment input: outer headers + the first segment's IP
 * bytes, then the rest (see handle_encap()).
 */
static int strict;
static uint64_t odd_chain_skips;
static int verbose;		/* TLB_FUZZ_VERBOSE=1: one line per input (corpus triage) */

/* One input frame and what became of it. */
struct in_frame {
	const uint8_t *f;
	uint32_t len;
	enum tlb_verdict vc;		/* contiguous parse */
	struct tlb_pkt p;
	size_t l3, ip_len;		/* fuzz_ip_packet(); ip_len 0 when none */
	int forwarded;			/* matched by an encapsulated output */
};

/* One frame queued for TX. */
struct out_frame {
	uint16_t port;
	uint16_t call;			/* index of the input frame being processed */
	uint8_t *b;			/* linearised (malloc) */
	uint32_t len;
	int reply;			/* answer kind (enum tlb_reply_kind), or -1 */
};

/* Everything one pass over an input did. */
struct outcome {
	struct out_frame out[MAX_OUT];
	uint32_t n_out;
	enum tlb_verdict last_drop;	/* a drop reason seen (single frame: the one) */
	int reply;			/* single frame: reply kind, or -1 */
	uint64_t drops, fwd, replies, fragmented, fragments;
};

/*
 * At exit, before LeakSanitizer looks: the snapshot lives in DPDK memory,
 * which LSan does not scan, so the malloc()ed Maglev tables it points to
 * would look leaked.
 */
static void
fuzz_teardown(void)
{
	tlb_snapshot_free(snap);
	snap = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char eal_args[][32] = {
		"fuzz_datapath", "-l", "0", "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
		"--no-telemetry", "--log-level=lib.*:error", "--log-level=user.*:warning",
		"--file-prefix=",
	};
	static const uint8_t mac0[6] = { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 };
	char *eal_argv[TLB_DIM(eal_args)];
	struct tlb_config_errors *errs;
	uint16_t i;

	(void)argc;
	(void)argv;
	/* A prefix of its own per process: parallel fuzzers (-jobs) must not meet. */
	snprintf(eal_args[TLB_DIM(eal_args) - 1], sizeof(eal_args[0]), "--file-prefix=fuzzdp-%d",
		 (int)getpid());
	for (i = 0; i < TLB_DIM(eal_args); i++)
		eal_argv[i] = eal_args[i];
	if (rte_eal_init((int)TLB_DIM(eal_args), eal_argv) < 0)
		fuzz_fail(__FILE__, __LINE__, "EAL: %s", rte_strerror(rte_errno));
	errs = calloc(1, sizeof(*errs));
	ids = calloc(1, sizeof(*ids));
	FUZZ_CHECK(errs != NULL && ids != NULL, "out of memory");
	if (tlb_config_load_buffer("fuzz_config", fuzz_config, sizeof(fuzz_config) - 1, &cfg,
				   errs) != 0) {
		tlb_config_errors_print(errs, "fuzz_config", stderr);
		fuzz_fail(__FILE__, __LINE__, "the fixed config does not load");
	}
	free(errs);
	snap = tlb_snapshot_build(cfg, 1, SOCKET_ID_ANY, ids);
	FUZZ_CHECK(snap != NULL, "snapshot: %s", rte_strerror(rte_errno));
	atexit(fuzz_teardown);

	/* mbuf headers only: every input data buffer is an external malloc() buffer. */
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", 63, 0, 0, 0, SOCKET_ID_ANY);
	frag_pool = rte_pktmbuf_pool_create("fuzz_frags", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL && frag_pool != NULL, "mbuf pool: %s", rte_strerror(rte_errno));
	dp.n_ports = N_PORTS;
	for (i = 0; i < N_PORTS; i++) {
		struct tlb_port_rt *rt = &dp.port[i];

		dp.port_ids[i] = i;
		rt->used = 1;
		memcpy(rt->mac, mac0, 6);
		rt->mac[5] = (uint8_t)i;
		rt->tx_port = port_tx[i];
		rt->mtu = port_mtu[i];
		rt->max_frame = (uint16_t)(port_mtu[i] + 14 + 8);
		rt->max_segs = UINT16_MAX;
		rt->n_rxq = 1;
		rt->n_txq = 1;
		rt->pool = frag_pool;
		tlb_offload_caps_init(&rt->caps, 0, TLB_TX_OFFLOAD_AUTO);
		snprintf(rt->name, sizeof(rt->name), "fuzz%u", i);
	}
	w = tlb_worker_create(&dp, rte_lcore_id(), 0, &cfg->dataplane);
	FUZZ_CHECK(w != NULL, "worker");
	dp.workers[0] = w;
	dp.n_workers = 1;
	atomic_store_explicit(&dp.active, snap, memory_order_relaxed);
	memcpy(flow_timeout, w->flows.timeout, sizeof(flow_timeout));
	memcpy(frag_timeout, w->frags.timeout, sizeof(frag_timeout));
	strict = getenv("TLB_FUZZ_STRICT") != NULL && strcmp(getenv("TLB_FUZZ_STRICT"), "1") == 0;
	verbose = getenv("TLB_FUZZ_VERBOSE") != NULL;
	return 0;
}

/* shinfo->free_cb: the last reference to an external buffer went away. */
static void
ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/* One segment: head bytes of headroom, the data, tail bytes of tailroom, nothing more. */
static struct rte_mbuf *
make_seg(const uint8_t *data, uint32_t len, uint32_t head, uint32_t tail)
{
	struct rte_mbuf_ext_shared_info *sh = malloc(sizeof(*sh));
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *buf = malloc(head + len + tail);

	FUZZ_CHECK(sh != NULL && m != NULL && buf != NULL, "out of memory");
	memset(buf, 0x5a, head + len + tail);
	memcpy(buf + head, data, len);
	sh->free_cb = ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf,
				  (uint16_t)(head + len + tail), sh);
	m->data_off = (uint16_t)head;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

static struct rte_mbuf *
make_pkt(const uint8_t *f, uint32_t len, uint8_t mode, uint8_t split)
{
	uint32_t head = headrooms[MODE_HEADROOM(mode)], tail = tailrooms[MODE_TAILROOM(mode)];
	struct rte_mbuf *m, *m2;

	if (!(mode & MODE_SPLIT) || split > len)
		return make_seg(f, len, head, tail);
	m = make_seg(f, split, head, 0);
	m2 = make_seg(f + split, len - split, 0, tail);
	m->next = m2;
	m->nb_segs = 2;
	m->pkt_len = len;
	return m;
}

/*
 * Take every frame queued on w's TX buffers into o (call = input frame
 * index); reply >= 0 when that call answered (then it queued that one frame).
 */
static void
drain(struct outcome *o, uint16_t call, int reply)
{
	uint32_t first = o->n_out;
	uint16_t p, i;

	for (p = 0; p < N_PORTS; p++) {
		for (i = 0; i < w->tx[p].n; i++) {
			struct rte_mbuf *q = w->tx[p].pkts[i], *sg;
			struct out_frame *x = &o->out[o->n_out];
			uint32_t sum = 0, nseg = 0;
			const void *r;

			FUZZ_CHECK(o->n_out < MAX_OUT, "more than %d frames queued", MAX_OUT);
			o->n_out++;
			memset(x, 0, sizeof(*x));
			x->port = p;
			x->call = call;
			x->reply = reply;
			for (sg = q; sg != NULL; sg = sg->next) {
				sum += sg->data_len;
				nseg++;
				FUZZ_CHECK(sg->data_off + sg->data_len <= sg->buf_len,
					   "segment data past its buffer");
			}
			FUZZ_CHECK(sum == q->pkt_len && nseg == q->nb_segs, "mbuf chain: pkt_len %u, "
				   "sum %u, nb_segs %u, %u segments", q->pkt_len, sum, q->nb_segs, nseg);
			x->len = q->pkt_len;
			x->b = malloc(x->len ? x->len : 1);
			FUZZ_CHECK(x->b != NULL, "out of memory");
			r = rte_pktmbuf_read(q, 0, x->len, x->b);
			FUZZ_CHECK(r != NULL, "queued frame unreadable");
			if (r != x->b)
				memcpy(x->b, r, x->len);
			rte_pktmbuf_free(q);
		}
		w->tx[p].n = 0;
	}
	FUZZ_CHECK(reply < 0 || o->n_out == first + 1, "an answer and %u more frames queued by one "
		   "packet", o->n_out - first - 1);
}

/*
 * What a NIC verifying TCP/UDP checksums on receive would say about x: GOOD or
 * BAD for an unfragmented TCP/UDP packet (checked here, independently),
 * UNKNOWN otherwise. With GOOD the outer UDP checksum may come by LCO, which
 * check_encap()'s checksum test then covers.
 */
static uint64_t
rx_verdict(const struct in_frame *x)
{
	const struct tlb_pkt *p = &x->p;
	const uint8_t *ip = x->f + x->l3;
	size_t l4;
	int v4;

	if (x->vc != TLB_V_OK || x->ip_len == 0 || !(p->flags & TLB_PKT_F_L4) ||
	    (p->flags & TLB_PKT_F_FRAG) || (p->proto != 6 && p->proto != 17) ||
	    (p->kind != TLB_PKT_IPV4 && p->kind != TLB_PKT_IPV6))
		return RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	v4 = p->kind == TLB_PKT_IPV4;
	l4 = p->l4_off - x->l3;
	if (l4 >= x->ip_len)
		return RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	return fuzz_l4_csum_ok(ip + (v4 ? 12 : 8), ip + (v4 ? 16 : 24), v4 ? 4 : 16, p->proto,
			       ip + l4, x->ip_len - l4) ? RTE_MBUF_F_RX_L4_CKSUM_GOOD :
			       RTE_MBUF_F_RX_L4_CKSUM_BAD;
}

/* One pass: every frame through tlb_worker_process(), then held fragments released. */
static void
run_pass(struct in_frame *in, uint32_t n, uint8_t mode, uint8_t split, struct outcome *o)
{
	uint64_t rx0 = tlb_stats_read(&w->stats.rx), fwd0 = tlb_stats_read(&w->stats.forwarded);
	uint64_t drop0[TLB_V_MAX], rep0[TLB_REPLY_MAX], ev0[TLB_EV_MAX];
	uint16_t in_port = (mode & MODE_PORT1) ? 1 : 0;
	uint32_t i;
	int k;

	memset(o, 0, sizeof(*o));
	o->reply = -1;
	for (k = 0; k < TLB_V_MAX; k++)
		drop0[k] = tlb_stats_read(&w->stats.drops[k]);
	for (k = 0; k < TLB_REPLY_MAX; k++)
		rep0[k] = tlb_stats_read(&w->stats.replies[k]);
	for (k = 0; k < TLB_EV_MAX; k++)
		ev0[k] = tlb_stats_read(&w->stats.events[k]);
	/* Fresh state: connection table, fragment map, full ICMP bucket. */
	FUZZ_CHECK(tlb_flow_init(&w->flows, w->flow_mem, cfg->dataplane.flow_table_size,
				 flow_timeout) == 0, "connection table reset");
	FUZZ_CHECK(tlb_flow_init(&w->frags, w->frag_mem, cfg->dataplane.frag_table_size,
				 frag_timeout) == 0, "fragment map reset");
	tlb_icmp_bucket_init(&w->icmp, cfg->dataplane.icmp_rate, cfg->dataplane.icmp_burst,
			     rte_get_tsc_hz());

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = make_pkt(in[i].f, in[i].len, mode, split);

		if (mode & MODE_RX_VERDICT)
			m->ol_flags |= rx_verdict(&in[i]);
		uint64_t r0[TLB_REPLY_MAX];
		int reply = -1;

		for (k = 0; k < TLB_REPLY_MAX; k++)
			r0[k] = tlb_stats_read(&w->stats.replies[k]);
		tlb_worker_process(w, snap, in_port, &m, 1);
		FUZZ_CHECK(tlb_stats_read(&w->stats.rx) == rx0 + i + 1, "rx not counted once");
		for (k = 0; k < TLB_REPLY_MAX; k++) {
			uint64_t d = tlb_stats_read(&w->stats.replies[k]) - r0[k];

			FUZZ_CHECK(d <= 1 && (d == 0 || reply < 0), "one packet, several answers");
			if (d != 0)
				reply = k;
		}
		drain(o, (uint16_t)i, reply);
	}
	tlb_worker_release(w);		/* held fragments whose first never came: dropped */
	drain(o, (uint16_t)n, -1);
	FUZZ_CHECK(w->held_n == 0, "%u fragments still held after release", w->held_n);

	for (k = 0; k < TLB_V_MAX; k++) {
		uint64_t d = tlb_stats_read(&w->stats.drops[k]) - drop0[k];

		FUZZ_CHECK(k != TLB_V_OK || d == 0, "a drop counted as 'ok'");
		if (d != 0)
			o->last_drop = (enum tlb_verdict)k;
		o->drops += d;
	}
	for (k = 0; k < TLB_REPLY_MAX; k++) {
		uint64_t d = tlb_stats_read(&w->stats.replies[k]) - rep0[k];

		if (d != 0)
			o->reply = k;
		o->replies += d;
	}
	o->fwd = tlb_stats_read(&w->stats.forwarded) - fwd0;
	o->fragmented = tlb_stats_read(&w->stats.events[TLB_EV_OUTER_FRAGMENTED]) -
			ev0[TLB_EV_OUTER_FRAGMENTED];
	o->fragments = tlb_stats_read(&w->stats.events[TLB_EV_OUTER_FRAGMENTS]) -
		       ev0[TLB_EV_OUTER_FRAGMENTS];
	FUZZ_CHECK(o->drops + o->fwd + o->replies == n, "%u frames in: %llu drops, %llu forwarded, "
		   "%llu replies", n, (unsigned long long)o->drops, (unsigned long long)o->fwd,
		   (unsigned long long)o->replies);
	FUZZ_CHECK(o->n_out == o->replies + o->fwd - o->fragmented + o->fragments,
		   "%u frames queued for %llu replies, %llu forwarded (%llu in %llu fragments)",
		   o->n_out, (unsigned long long)o->replies, (unsigned long long)o->fwd,
		   (unsigned long long)o->fragmented, (unsigned long long)o->fragments);
	FUZZ_CHECK(rte_mempool_in_use_count(pool) == 0 && rte_mempool_in_use_count(frag_pool) == 0,
		   "mbufs not returned: %u input, %u fragment", rte_mempool_in_use_count(pool),
		   rte_mempool_in_use_count(frag_pool));
}

static void
free_outcome(struct outcome *o)
{
	uint32_t i;

	for (i = 0; i < o->n_out; i++)
		free(o->out[i].b);
}

/* ---------------------------------------------------------------- expectations */

static int
usable(const struct tlb_config_backend *b)
{
	return b->state == TLB_BACKEND_ACTIVE && b->weight > 0;
}

/* Outer header bytes towards b: Ethernet + IP + UDP + GUE 0 (4) / GUE 1 (0) / VXLAN (8 + 14). */
static uint32_t
hdr_len(const struct tlb_config_service *s, const struct tlb_config_backend *b)
{
	uint32_t n = 14 + (b->addr.family == TLB_AF_INET ? 20 : 40) + 8;

	if (s->encap == TLB_ENCAP_VXLAN)
		return n + 8 + 14;
	return n + (s->gue_variant == 0 ? 4 : 0);
}

/* The service of (vip, proto, port) by the config: exact port, then port 0. */
static const struct tlb_config_service *
service_of(const struct tlb_addr *vip, uint8_t proto, uint16_t port)
{
	const struct tlb_config_service *any = NULL;
	uint32_t i;

	for (i = 0; i < cfg->n_services; i++) {
		const struct tlb_config_service *s = &cfg->services[i];

		if (!tlb_addr_eq(&s->vip, vip) || s->proto != proto)
			continue;
		if (s->port == port)
			return s;
		if (s->port == 0)
			any = s;
	}
	return any;
}

static int
is_node(const struct tlb_pkt *p)
{
	if (p->kind == TLB_PKT_IPV4)
		return memcmp(p->dst.a, fuzz_node_ipv4, 4) == 0;
	/* unicast, or the solicited-node group ff02::1:ff00:1 of node.ipv6 (RFC 4291 2.7.1) */
	return memcmp(p->dst.a, fuzz_node_ipv6, 16) == 0 ||
	       (memcmp(p->dst.a, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff", 13) == 0 &&
		memcmp(p->dst.a + 13, fuzz_node_ipv6 + 13, 3) == 0);
}

/* Spoofed from one of the node's own addresses: dropped as node_source, never forwarded. */
static int
from_node(const struct tlb_pkt *p)
{
	if (p->kind == TLB_PKT_IPV4)
		return memcmp(p->src.a, fuzz_node_ipv4, 4) == 0;
	return p->kind == TLB_PKT_IPV6 && memcmp(p->src.a, fuzz_node_ipv6, 16) == 0;
}

/*
 * The service an ICMP error belongs to, from this file's reading of its quote
 * (RFC 792 / RFC 4443: 8 bytes of ICMP header, then the packet the VIP sent):
 * the quoted source must be the VIP the error went to; the service is that of
 * (VIP, quoted protocol, quoted source port).
 */
static const struct tlb_config_service *
icmp_error_service(const struct in_frame *x)
{
	const uint8_t *ip = x->f + x->l3, *q;
	size_t l4, end = x->l3 + x->ip_len;
	struct tlb_addr src;

	if (x->p.kind == TLB_PKT_IPV4) {
		l4 = x->l3 + (size_t)(ip[0] & 0xf) * 4;
		if (ip[9] != 1 || (ip[l4 - x->l3] != 3 && ip[l4 - x->l3] != 11))
			return NULL;
		q = x->f + l4 + 8;
		if (l4 + 8 + 20 > end || q[0] >> 4 != 4 || (q[0] & 0xf) < 5 ||
		    l4 + 8 + (size_t)(q[0] & 0xf) * 4 + 4 > end)
			return NULL;
		tlb_addr_set4(&src, q + 12);
		if (!tlb_addr_eq(&src, &x->p.dst))
			return NULL;
		return service_of(&src, q[9], fuzz_rd16(q + (q[0] & 0xf) * 4));
	}
	if (ip[6] != 58 || x->p.l4_off == 0)
		return NULL;
	l4 = x->p.l4_off;
	if (x->f[l4] != 1 && x->f[l4] != 2 && x->f[l4] != 3)
		return NULL;
	q = x->f + l4 + 8;
	if (l4 + 8 + 40 + 4 > end || q[0] >> 4 != 6)
		return NULL;
	memset(&src, 0, sizeof(src));
	tlb_addr_set6(&src, q + 8);
	if (!tlb_addr_eq(&src, &x->p.dst))
		return NULL;
	return service_of(&src, q[6], fuzz_rd16(q + 40));
}

/* May a packet of service s for input x be forwarded at all (no open relay)? */
static int
may_forward(const struct in_frame *x, const struct tlb_config_service *s)
{
	const struct tlb_pkt *p = &x->p;

	if (x->vc != TLB_V_OK || (p->kind != TLB_PKT_IPV4 && p->kind != TLB_PKT_IPV6) || is_node(p))
		return 0;
	if (!tlb_addr_eq(&s->vip, &p->dst))
		return 0;
	if ((p->flags & TLB_PKT_F_L4) && (p->proto == 6 || p->proto == 17))
		return service_of(&p->dst, p->proto, p->dport) == s;
	if ((p->flags & TLB_PKT_F_FRAG) && !(p->flags & TLB_PKT_F_L4))
		return s->proto == p->proto;	/* a later fragment: any service of its VIP and protocol */
	return icmp_error_service(x) == s;
}

/* Must one frame in one segment be forwarded? */
static int
must_forward(const struct in_frame *x, uint8_t mode, uint16_t egress)
{
	const struct tlb_pkt *p = &x->p;
	const struct tlb_config_service *s;
	uint32_t head = headrooms[MODE_HEADROOM(mode)], i, n = 0;

	if (x->vc != TLB_V_OK || p->kind == TLB_PKT_ARP || is_node(p) || from_node(p) ||
	    !(p->flags & TLB_PKT_F_L4) ||
	    (p->proto != 6 && p->proto != 17))
		return 0;
	s = service_of(&p->dst, p->proto, p->dport);
	if (s == NULL)
		return 0;
	for (i = 0; i < s->n_backends; i++) {
		const struct tlb_config_backend *b = &s->backends[i];

		if (!usable(b))
			continue;
		n++;
		if (head + p->l3_off < hdr_len(s, b) ||
		    hdr_len(s, b) - 14 + p->ip_len > dp.port[egress].mtu)
			return 0;
	}
	return n != 0;
}

/* ---------------------------------------------------------------- encapsulated output */

/* The outer UDP checksum, unless it is the known DPDK issue (chain boundary bound) and not strict. */
static int
udp_csum_checked(uint32_t bound, uint32_t udp_off, uint32_t len)
{
	if (strict || bound <= udp_off || bound >= len || !((bound - udp_off) & 1))
		return 1;
	if (odd_chain_skips++ == 0)
		fprintf(stderr, "INFO: fuzz_datapath: outer UDP checksum of a chain with an odd "
			"segment offset not checked (DPDK 22.11 rte_raw_cksum_mbuf issue; "
			"TLB_FUZZ_STRICT=1 checks it)\n");
	return 0;
}

/*
 * Outer fragments out[first..last] of one packet (IPv4 MF/offset or an IPv6
 * fragment header), each checked here, joined into one unfragmented frame
 * (malloc) for check_encap(). Returns its length.
 */
static uint32_t
reassemble(const struct outcome *o, uint32_t first, uint32_t last, uint16_t mtu, uint8_t **res)
{
	const uint8_t *b0 = o->out[first].b;
	int v6 = fuzz_rd16(b0 + 12) == 0x86dd;
	uint32_t hl = 14 + (v6 ? 40 : 20), fl = v6 ? 8 : 0, off = 0, i, id = 0;
	uint8_t *r;

	r = malloc(hl + 65536);
	FUZZ_CHECK(r != NULL, "out of memory");
	memcpy(r, b0, hl);
	for (i = first; i <= last; i++) {
		const uint8_t *b = o->out[i].b, *ip = b + 14;
		uint32_t len = o->out[i].len, fo, pay;
		int more;

		FUZZ_CHECK(len >= hl + fl && fuzz_rd16(b + 12) == fuzz_rd16(b0 + 12) &&
			   memcmp(b, b0, 14) == 0, "outer fragment %u: Ethernet / length", i - first);
		FUZZ_CHECK(len - 14 <= mtu, "outer fragment of %u bytes > MTU %u", len - 14, mtu);
		if (!v6) {
			FUZZ_CHECK(ip[0] == 0x45 && fuzz_rd16(ip + 2) == len - 14 && fuzz_csum_ok(ip, 20),
				   "outer IPv4 fragment header / length / checksum");
			fo = fuzz_rd16(ip + 6);
			FUZZ_CHECK(!(fo & 0xc000), "outer IPv4 fragment with DF or reserved bit");
			more = !!(fo & 0x2000);
			fo = (fo & 0x1fff) * 8;
			if (i == first)
				id = fuzz_rd16(ip + 4);
			FUZZ_CHECK(fuzz_rd16(ip + 4) == id, "outer IPv4 fragments of different ids");
			FUZZ_CHECK(memcmp(ip + 8, b0 + 14 + 8, 2) == 0 && memcmp(ip + 12, b0 + 26, 8) == 0,
				   "outer IPv4 fragments: TTL / protocol / addresses differ");
		} else {
			const uint8_t *fh = ip + 40;

			FUZZ_CHECK(ip[0] >> 4 == 6 && ip[6] == 44 && fuzz_rd16(ip + 4) == len - 54,
				   "outer IPv6 fragment: next header 44 / payload length");
			FUZZ_CHECK(fh[0] == 17 && fh[1] == 0 && (fuzz_rd16(fh + 2) & 6) == 0,
				   "IPv6 fragment header next header / reserved");
			fo = fuzz_rd16(fh + 2) & 0xfff8;
			more = fuzz_rd16(fh + 2) & 1;
			if (i == first)
				id = fuzz_rd32(fh + 4);
			FUZZ_CHECK(fuzz_rd32(fh + 4) == id, "outer IPv6 fragments of different ids");
		}
		pay = len - hl - fl;
		FUZZ_CHECK(fo == off, "outer fragment at offset %u, expected %u", fo, off);
		FUZZ_CHECK(more == (i != last), "MF / M flag wrong on fragment %u of %u", i - first,
			   last - first + 1);
		FUZZ_CHECK(!more || (pay % 8) == 0, "non-last fragment payload %u not a multiple of 8",
			   pay);
		FUZZ_CHECK(off + pay <= 65536 - hl, "reassembled packet too long");
		memcpy(r + hl + off, b + hl + fl, pay);
		off += pay;
	}
	if (!v6) {
		r[14 + 2] = (uint8_t)((20 + off) >> 8);
		r[14 + 3] = (uint8_t)(20 + off);
		r[14 + 6] = 0x40;	/* as if unfragmented: DF, so that check_encap's rules apply */
		r[14 + 7] = 0;
	} else {
		r[14 + 4] = (uint8_t)(off >> 8);
		r[14 + 5] = (uint8_t)off;
		r[14 + 6] = 17;
	}
	*res = r;
	return hl + off;
}

/*
 * Does inner equal the IP packet of x, but for an MSS option lowered by the
 * clamp of service s (with the TCP checksum exactly as valid as before)?
 */
static int
inner_matches(const struct in_frame *x, const struct tlb_config_service *s, const uint8_t *inner,
	      size_t ilen)
{
	const uint8_t *ip = x->f + x->l3, *t, *u;
	size_t l4, doff, i, k, mss_at[30], n_mss = 0, lowered;
	int v4;

	if (ilen != x->ip_len)
		return 0;
	if (memcmp(inner, ip, ilen) == 0)
		return 1;
	if (s->mss_clamp == 0 || x->p.proto != 6 || !(x->p.flags & TLB_PKT_F_L4) ||
	    !(x->p.tcp_flags & 0x02))
		return 0;
	l4 = x->p.l4_off - x->l3;
	t = ip + l4;
	u = inner + l4;
	doff = (size_t)(t[12] >> 4) * 4;
	/* RFC 9293 3.2: kind 0 ends, 1 pads, else kind, length. Every MSS option may be lowered. */
	for (i = 20; i + 1 < doff; ) {
		if (t[i] == 0)
			break;
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (t[i + 1] < 2)
			break;
		if (t[i] == 2 && t[i + 1] == 4 && i + 4 <= doff && n_mss < 30)
			mss_at[n_mss++] = i + 2;
		i += t[i + 1];
	}
	if (n_mss == 0)
		return 0;
	for (i = 0; i < ilen; i++) {
		int may_differ = i == l4 + 16 || i == l4 + 17;

		for (k = 0; k < n_mss && !may_differ; k++)
			may_differ = i == l4 + mss_at[k] || i == l4 + mss_at[k] + 1;
		if (inner[i] != ip[i] && !may_differ)
			return 0;
	}
	for (k = 0, lowered = 0; k < n_mss; k++) {
		uint16_t was = fuzz_rd16(t + mss_at[k]), now = fuzz_rd16(u + mss_at[k]);
		uint16_t want = s->mss_clamp < 536 ? 536 : s->mss_clamp;

		FUZZ_CHECK(now <= was, "MSS clamp raised an option: %u -> %u", was, now);
		FUZZ_CHECK(s->mss_clamp == TLB_MSS_CLAMP_AUTO || was <= want || now == want,
			   "MSS option %zu of %zu: %u left above the clamp %u", k + 1, n_mss, was, want);
		if (now == was)
			continue;
		lowered++;
		FUZZ_CHECK(now >= 536, "MSS clamp: %u -> %u", was, now);
		FUZZ_CHECK(s->mss_clamp == TLB_MSS_CLAMP_AUTO || now == want,
			   "MSS clamped to %u, service says %u", now, s->mss_clamp);
	}
	FUZZ_CHECK(lowered > 0, "inner TCP checksum changed, no MSS option lowered");
	v4 = x->p.kind == TLB_PKT_IPV4;
	FUZZ_CHECK(fuzz_l4_csum_ok(ip + (v4 ? 12 : 8), ip + (v4 ? 16 : 24), v4 ? 4 : 16, 6, t,
				   ilen - l4) ==
		   fuzz_l4_csum_ok(inner + (v4 ? 12 : 8), inner + (v4 ? 16 : 24), v4 ? 4 : 16, 6, u,
				   ilen - l4), "MSS clamp changed the validity of the TCP checksum");
	return 1;
}

/*
 * The encapsulated frame b (one packet; outer fragments already joined, then
 * frag is set) forwarded on port egress, field by field; split is where
 * two-segment inputs are cut (when not past their end), or -1. Returns the input it carries (the first
 * not yet forwarded whose IP packet it holds).
 */
static struct in_frame *
check_encap(const uint8_t *b, uint32_t len, int frag, struct in_frame *in, uint32_t n_in,
	    uint16_t egress, int split)
{
	const struct tlb_config_service *s = NULL;
	const struct tlb_config_backend *be = NULL;
	const uint8_t *ip = b + 14, *udp, *t, *inner;
	struct in_frame *src = NULL;
	size_t l3, ulen, ilen, i, j;
	struct tlb_pkt op;
	uint32_t bound;
	uint8_t *cp;
	int v6;

	FUZZ_CHECK(len >= 14 + 20, "encapsulated frame of %u bytes", len);
	FUZZ_CHECK(memcmp(b, fuzz_gateway_mac, 6) == 0, "outer Ethernet destination != gateway");
	FUZZ_CHECK(memcmp(b + 6, dp.port[egress].mac, 6) == 0, "outer Ethernet source != port MAC");
	v6 = fuzz_rd16(b + 12) == 0x86dd;
	FUZZ_CHECK(v6 || fuzz_rd16(b + 12) == 0x0800, "outer EtherType 0x%04x", fuzz_rd16(b + 12));
	if (!v6) {
		l3 = 20;
		FUZZ_CHECK(ip[0] == 0x45, "outer IPv4 version/IHL 0x%02x", ip[0]);
		FUZZ_CHECK(fuzz_rd16(ip + 2) == len - 14, "outer IPv4 total length %u, frame %u",
			   fuzz_rd16(ip + 2), len);
		FUZZ_CHECK(fuzz_rd16(ip + 6) == 0x4000, "outer IPv4 flags/offset 0x%04x (DF only)",
			   fuzz_rd16(ip + 6));
		FUZZ_CHECK(ip[8] == 64 && ip[9] == 17, "outer IPv4 TTL %u protocol %u", ip[8], ip[9]);
		FUZZ_CHECK(frag || fuzz_csum_ok(ip, 20), "outer IPv4 header checksum");
		FUZZ_CHECK(memcmp(ip + 12, fuzz_node_ipv4, 4) == 0, "outer IPv4 source != node");
	} else {
		l3 = 40;
		FUZZ_CHECK(len >= 14 + 40 + 8, "outer IPv6 frame of %u bytes", len);
		FUZZ_CHECK(ip[0] >> 4 == 6, "outer IPv6 version");
		FUZZ_CHECK(fuzz_rd16(ip + 4) == len - 54, "outer IPv6 payload length");
		FUZZ_CHECK(ip[6] == 17 && ip[7] == 64, "outer IPv6 next header / hop limit");
		FUZZ_CHECK((fuzz_rd32(ip) & 0xfffff) != 0, "outer IPv6 flow label 0");
		FUZZ_CHECK(memcmp(ip + 8, fuzz_node_ipv6, 16) == 0, "outer IPv6 source != node");
	}
	FUZZ_CHECK(frag || len - 14 <= dp.port[egress].mtu, "outer packet %u > MTU %u", len - 14,
		   dp.port[egress].mtu);
	udp = ip + l3;
	ulen = len - 14 - l3;
	FUZZ_CHECK(ulen >= 8 && fuzz_rd16(udp + 4) == ulen, "outer UDP length");
	FUZZ_CHECK(fuzz_rd16(udp) >= 49152, "outer UDP source %u", fuzz_rd16(udp));
	if (v6)
		FUZZ_CHECK(fuzz_rd16(udp + 6) != 0, "outer UDP checksum 0 over IPv6");

	/* Which service: the one whose dst_port, backend and tunnel carry an input's packet. */
	t = udp + 8;
	for (i = 0; i < cfg->n_services && src == NULL; i++) {
		const struct tlb_config_service *c = &cfg->services[i];
		size_t th = c->encap == TLB_ENCAP_VXLAN ? 8 + 14 : c->gue_variant == 0 ? 4 : 0;

		if (c->dst_port != fuzz_rd16(udp + 2) || ulen < 8 + th)
			continue;
		for (j = 0; j < n_in && src == NULL; j++)
			if (!in[j].forwarded && in[j].ip_len != 0 && may_forward(&in[j], c) &&
			    inner_matches(&in[j], c, t + th, ulen - 8 - th)) {
				src = &in[j];
				s = c;
			}
	}
	FUZZ_CHECK(src != NULL, "forwarded packet (%u bytes, UDP port %u) carries no input frame "
		   "that may go to a service of that port", len, fuzz_rd16(udp + 2));
	src->forwarded = 1;
	for (i = 0; i < s->n_backends; i++) {
		const struct tlb_config_backend *c = &s->backends[i];

		if (c->addr.family == (v6 ? TLB_AF_INET6 : TLB_AF_INET) &&
		    memcmp(c->addr.a, ip + (v6 ? 24 : 16), v6 ? 16 : 4) == 0)
			be = c;
	}
	FUZZ_CHECK(be != NULL, "outer destination is no backend of service %s", s->name);
	FUZZ_CHECK(usable(be), "service %s: backend %zu is not usable (state %d, weight %u)",
		   s->name, (size_t)(be - s->backends), be->state, be->weight);
	bound = split < 0 || (uint32_t)split > src->len ? 0 :
		hdr_len(s, be) + (uint32_t)split - src->p.l3_off;
	if (v6 && udp_csum_checked(bound, 14 + 40, len))
		FUZZ_CHECK(fuzz_l4_csum_ok(ip + 8, ip + 24, 16, 17, udp, ulen),
			   "outer UDP checksum over IPv6 (0x%04x)", fuzz_rd16(udp + 6));
	else if (!v6 && fuzz_rd16(udp + 6) != 0 && udp_csum_checked(bound, 14 + 20, len))
		FUZZ_CHECK(fuzz_l4_csum_ok(ip + 12, ip + 16, 4, 17, udp, ulen),
			   "outer UDP checksum over IPv4 (0x%04x)", fuzz_rd16(udp + 6));
	inner = t;
	if (s->encap == TLB_ENCAP_VXLAN) {
		FUZZ_CHECK(t[0] == 0x08 && t[1] == 0 && t[2] == 0 && t[3] == 0 && t[7] == 0,
			   "VXLAN flags / reserved");
		FUZZ_CHECK((fuzz_rd32(t + 4) >> 8) == s->vni, "VXLAN VNI %u, service %u",
			   fuzz_rd32(t + 4) >> 8, s->vni);
		FUZZ_CHECK(memcmp(t + 8, be->mac, 6) == 0, "inner Ethernet destination != backend mac");
		FUZZ_CHECK(memcmp(t + 14, dp.port[egress].mac, 6) == 0, "inner Ethernet source");
		inner = t + 22;
		FUZZ_CHECK(fuzz_rd16(t + 20) == (inner[0] >> 4 == 4 ? 0x0800 : 0x86dd),
			   "inner EtherType");
	} else if (s->gue_variant == 0) {
		FUZZ_CHECK(t[0] == 0 && t[2] == 0 && t[3] == 0, "GUE version / C / hlen / flags");
		inner = t + 4;
		FUZZ_CHECK(t[1] == (inner[0] >> 4 == 4 ? 4 : 41), "GUE proto/ctype %u", t[1]);
	}
	ilen = len - (size_t)(inner - b);
	FUZZ_CHECK(ilen == src->ip_len, "inner packet length");
	FUZZ_CHECK((v6 ? (uint8_t)(fuzz_rd16(ip) >> 4) : ip[1]) ==
		   (inner[0] >> 4 == 4 ? inner[1] : (uint8_t)(fuzz_rd16(inner) >> 4)),
		   "outer DSCP/ECN not copied from the inner packet");

	/* The project's parser reads the frame back as UDP to the service's port. */
	cp = malloc(len);
	FUZZ_CHECK(cp != NULL, "out of memory");
	memcpy(cp, b, len);
	FUZZ_CHECK(tlb_parse(cp, len, len, &op) == TLB_V_OK, "encapsulated frame does not re-parse");
	free(cp);
	FUZZ_CHECK(op.proto == 17 && (op.flags & TLB_PKT_F_L4) && op.dport == s->dst_port &&
		   op.l3_off == 14 && op.ip_len == len - 14, "re-parse: proto %u dport %u",
		   op.proto, op.dport);
	return src;
}

/*
 * Too-big answer to x: the MTU reported is the egress MTU minus a usable
 * backend's overhead, for IPv6 at least 1280 (RFC 2473 7.1: an IPv6 packet of
 * at most 1280 bytes is sent as outer fragments, never answered).
 */
static void
check_too_big_mtu(const struct in_frame *x, uint32_t mtu, uint16_t egress)
{
	const struct tlb_config_service *s = service_of(&x->p.dst, x->p.proto, x->p.dport);
	uint32_t i;
	int ok = 0;

	FUZZ_CHECK(s != NULL && s->too_big == TLB_TOO_BIG_ICMP, "too-big answer without a service "
		   "whose policy is icmp");
	FUZZ_CHECK(x->p.kind == TLB_PKT_IPV6 || (x->p.flags & TLB_PKT_F_DF),
		   "too-big answer to IPv4 without DF (must be fragmented)");
	FUZZ_CHECK(x->p.kind != TLB_PKT_IPV6 || x->ip_len > 1280,
		   "too-big answer to a %zu-byte IPv6 packet (at most 1280: fragment the outer)",
		   x->ip_len);
	for (i = 0; i < s->n_backends; i++) {
		const struct tlb_config_backend *b = &s->backends[i];
		uint32_t want = dp.port[egress].mtu - (hdr_len(s, b) - 14);

		if (x->p.kind == TLB_PKT_IPV6 && want < 1280)
			want = 1280;
		if (usable(b) && mtu == want) {
			ok = 1;
			FUZZ_CHECK(x->ip_len + hdr_len(s, b) - 14 > dp.port[egress].mtu,
				   "too-big answer to a packet that fits (%zu bytes)", x->ip_len);
		}
	}
	FUZZ_CHECK(ok, "too-big reports MTU %u: no backend of %s gives it", mtu, s->name);
}

/* Offset of an outer IPv4 / IPv6 fragment (by its own header), or -1 when b is no fragment. */
static int
outer_frag_offset(const uint8_t *b, uint32_t len)
{
	if (len >= 34 && fuzz_rd16(b + 12) == 0x0800 && (fuzz_rd16(b + 20) & 0x3fff))
		return (fuzz_rd16(b + 20) & 0x1fff) * 8;
	if (len >= 62 && fuzz_rd16(b + 12) == 0x86dd && b[20] == 44)
		return fuzz_rd16(b + 56) & 0xfff8;
	return -1;
}

/* Every queued frame of a pass. */
static void
check_outputs(struct outcome *o, struct in_frame *in, uint32_t n, uint8_t mode, uint8_t split)
{
	uint16_t in_port = (mode & MODE_PORT1) ? 1 : 0, egress = dp.port[in_port].tx_port;
	uint64_t replies = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++)
		in[i].forwarded = 0;
	for (i = 0; i < o->n_out; i = j + 1) {
		struct out_frame *x = &o->out[i];
		const uint8_t *b = x->b;
		uint8_t *joined = NULL;
		uint32_t len = x->len;
		int frag;

		j = i;
		/* An answer: to the sender of the frame being processed, on its port. */
		if (x->reply >= 0) {
			uint32_t mtu = 0;

			FUZZ_CHECK(x->port == in_port, "answer on port %u, received on %u", x->port,
				   in_port);
			fuzz_check_reply(x->reply, in[x->call].f, in[x->call].len, b, len,
					 dp.port[in_port].mac, &mtu);
			if (x->reply == TLB_REPLY_FRAG_NEEDED || x->reply == TLB_REPLY_PTB)
				check_too_big_mtu(&in[x->call], mtu, egress);
			replies++;
			continue;
		}
		FUZZ_CHECK(x->port == egress, "encapsulated frame on port %u, egress is %u", x->port,
			   egress);
		/* Outer fragments: consecutive frames of one packet, from offset 0 on. */
		frag = outer_frag_offset(b, len) == 0;
		if (frag) {
			while (j + 1 < o->n_out && o->out[j + 1].port == egress &&
			       o->out[j + 1].call == x->call &&
			       outer_frag_offset(o->out[j + 1].b, o->out[j + 1].len) > 0)
				j++;
			len = reassemble(o, i, j, dp.port[egress].mtu, &joined);
			b = joined;
		}
		check_encap(b, len, frag, in, n, egress, (mode & MODE_SPLIT) ? split : -1);
		free(joined);
	}
	FUZZ_CHECK(replies == o->replies, "%llu answers queued, %llu counted",
		   (unsigned long long)replies, (unsigned long long)o->replies);
}

/* Zero what legitimately differs between two passes: IPv4 ids and checksums, IPv6 fragment ids. */
static void
mask_varying(uint8_t *b, uint32_t len)
{
	size_t l3 = 14;

	while (len >= l3 + 4 && (fuzz_rd16(b + l3 - 2) == 0x8100 || fuzz_rd16(b + l3 - 2) == 0x88a8))
		l3 += 4;
	if (len >= l3 + 20 && fuzz_rd16(b + l3 - 2) == 0x0800) {
		memset(b + l3 + 4, 0, 2);
		memset(b + l3 + 10, 0, 2);
	} else if (len >= l3 + 48 && fuzz_rd16(b + l3 - 2) == 0x86dd && b[l3 + 6] == 44) {
		memset(b + l3 + 44, 0, 4);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome a, b;
	struct in_frame in[MAX_FRAMES];
	uint16_t in_port, egress;
	uint8_t mode, split;
	uint32_t n = 0, i;
	size_t off = 2;

	if (size < 2 || size - 2 + 128 + 512 > UINT16_MAX)
		return -1;
	mode = data[0];
	split = data[1];
	in_port = (mode & MODE_PORT1) ? 1 : 0;
	egress = dp.port[in_port].tx_port;
	memset(in, 0, sizeof(in));
	if (!(mode & MODE_SEQ)) {
		in[0].f = data + 2;
		in[0].len = (uint32_t)(size - 2);
		n = 1;
	} else {
		while (n < MAX_FRAMES && off + 2 <= size) {
			size_t l = fuzz_rd16(data + off);

			if (l > size - off - 2)
				l = size - off - 2;
			in[n].f = data + off + 2;
			in[n].len = (uint32_t)l;
			n++;
			off += 2 + l;
		}
		if (n == 0)
			return -1;
	}
	/* The contiguous parse of each frame (exact-size heap copy): what to expect. */
	for (i = 0; i < n; i++) {
		uint8_t *cp = malloc(in[i].len ? in[i].len : 1);

		FUZZ_CHECK(cp != NULL, "out of memory");
		memcpy(cp, in[i].f, in[i].len);
		in[i].vc = tlb_parse(cp, in[i].len, in[i].len, &in[i].p);
		free(cp);
		if (fuzz_ip_packet(in[i].f, in[i].len, &in[i].l3, &in[i].ip_len) != 0)
			in[i].ip_len = 0;
	}

	run_pass(in, n, mode, split, &a);
	if (verbose)
		fprintf(stderr, "fuzz_datapath: mode 0x%02x, %u frame(s): %llu forwarded (%llu as "
			"%llu outer fragments), %llu answers (last kind %d), %llu drops (last %s)\n",
			mode, n, (unsigned long long)a.fwd, (unsigned long long)a.fragmented,
			(unsigned long long)a.fragments, (unsigned long long)a.replies, a.reply,
			(unsigned long long)a.drops, a.drops ? tlb_verdict_name(a.last_drop) : "-");
	check_outputs(&a, in, n, mode, split);
	if (n == 1) {
		int one_seg = !(mode & MODE_SPLIT) || split > in[0].len;

		if (in[0].vc != TLB_V_OK)
			FUZZ_CHECK(a.drops == 1 && (a.last_drop == in[0].vc ||
						    (!one_seg && a.last_drop == TLB_V_MULTISEG)),
				   "parser says %s, pipeline %s", tlb_verdict_name(in[0].vc),
				   a.drops ? tlb_verdict_name(a.last_drop) : "not dropped");
		if (one_seg && must_forward(&in[0], mode, egress))
			FUZZ_CHECK(a.fwd == 1, "valid packet to a service not forwarded: %s",
				   a.drops ? tlb_verdict_name(a.last_drop) : "answered");
		/* Second pass: same verdict, same bytes but what must vary. */
		run_pass(in, n, mode, split, &b);
		FUZZ_CHECK(a.drops == b.drops && a.fwd == b.fwd && a.replies == b.replies &&
			   a.last_drop == b.last_drop && a.reply == b.reply && a.n_out == b.n_out,
			   "second pass differs");
		for (i = 0; i < a.n_out; i++) {
			FUZZ_CHECK(a.out[i].len == b.out[i].len && a.out[i].port == b.out[i].port,
				   "second pass: frame %u differs in length or port", i);
			mask_varying(a.out[i].b, a.out[i].len);
			mask_varying(b.out[i].b, b.out[i].len);
			FUZZ_CHECK(memcmp(a.out[i].b, b.out[i].b, a.out[i].len) == 0, "second pass: "
				   "frame %u has other bytes (other backend or outer source port?)", i);
		}
		free_outcome(&b);
	}
	free_outcome(&a);
	return 0;
}
