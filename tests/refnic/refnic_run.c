/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath against a reference NIC (research/dpdk-offloads.md 3.1,
 * "capability injection + ring sink"): client frames from a pcap go through
 * tunlb's worker into a net_ring port made with rte_eth_from_rings(), whose
 * advertised TX capabilities are replaced by a profile's (the ring PMD passes
 * the very mbufs through, ol_flags and lengths intact). What comes out of the
 * TX ring is put through the reference NIC model (tests/refnic/refnic.c) and
 * written to a pcap for the independent decoder. With a profile that gives
 * RX verdicts, every input frame carries a truthful RX L4 checksum verdict.
 *
 *   refnic_run [EAL options] -- --profile NAME --config FILE --in IN.pcap --out OUT.pcap
 *              [--max-segs N]     (a NIC taking at most N mbuf segments per packet)
 *              [--burst N]        (frames handed to the worker at once, 1..32; default 1)
 *
 * The config names the port "net_ring_refnic0". Prints one JSON line of counts
 * (worker_ns: time spent in the worker's process and flush calls, the TX ring
 * included, the model not).
 * Exit 0, or 1 when the model refused a packet (its reason printed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "refnic.h"
#include "refsum.h"
#include "tlb_config.h"
#include "tlb_ids.h"
#include "tlb_parse.h"
#include "tlb_port.h"
#include "tlb_snapshot.h"
#include "tlb_worker.h"

#define RING_SIZE 4096
#define RX_SEG 2048

static struct tlb_dp dp;

/*
 * A truthful NIC's verdicts on the frame's IPv4 header checksum and TCP/UDP
 * checksum (refsum.h, not lib/).
 */
static uint64_t
rx_verdict(const uint8_t *f, uint32_t len)
{
	uint64_t ipv = RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	struct tlb_pkt p;
	const uint8_t *ip;
	uint32_t ps, l4len;
	int v4;

	if (tlb_parse(f, len, len, &p) != TLB_V_OK ||
	    (p.kind != TLB_PKT_IPV4 && p.kind != TLB_PKT_IPV6))
		return RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	ip = f + p.l3_off;
	v4 = p.kind == TLB_PKT_IPV4;
	if (v4)
		ipv = fold(sum16(ip, (ip[0] & 15u) * 4u, 0)) == 0xffff ? RTE_MBUF_F_RX_IP_CKSUM_GOOD :
		      RTE_MBUF_F_RX_IP_CKSUM_BAD;
	if (!(p.flags & TLB_PKT_F_L4) || (p.flags & TLB_PKT_F_FRAG) || (p.proto != 6 && p.proto != 17))
		return ipv | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	l4len = p.l3_off + p.ip_len - p.l4_off;
	ps = v4 ? sum16(ip + 12, 8, p.proto + l4len) : sum16(ip + 8, 32, p.proto + l4len);
	return ipv | (fold(sum16(f + p.l4_off, l4len, ps)) == 0xffff ? RTE_MBUF_F_RX_L4_CKSUM_GOOD :
		      RTE_MBUF_F_RX_L4_CKSUM_BAD);
}

/* The frame as an mbuf chain from mp, RX_SEG bytes a segment at most. */
static struct rte_mbuf *
to_mbuf(struct rte_mempool *mp, const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t off = 0;

	while (off < len || head == NULL) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = rte_pktmbuf_tailroom(m) < len - off ? rte_pktmbuf_tailroom(m) : len - off;
		if (n > RX_SEG)
			n = RX_SEG;		/* like a NIC scattering into 2 KB RX buffers */
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), f + off, n);
		off += n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
	}
	return head;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "profile", required_argument, NULL, 'p' }, { "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'i' }, { "out", required_argument, NULL, 'o' },
		{ "max-segs", required_argument, NULL, 's' }, { "burst", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL, *config = NULL, *in = NULL, *out = NULL;
	long max_segs = 0;
	unsigned long burst = 1, nb = 0;
	struct rte_mbuf *batch[TLB_BURST];
	struct timeval ts = { 0, 0 };
	uint64_t t0, worker_tsc = 0;	/* TSC cycles in the worker's process + flush */
	unsigned long long frames = 0, out_frames = 0, hw_ip = 0, hw_udp = 0, multi = 0, hw_tso = 0;
	static uint8_t segs[64][REFNIC_FRAME_MAX];
	static uint32_t seg_len[64];
	struct tlb_config_errors errs;
	const struct refnic_profile *prof;
	struct rte_ring *rx, *tx;
	struct tlb_snapshot *snap;
	struct tlb_config *cfg;
	struct tlb_worker *w;
	struct tlb_ids *ids;
	char err[PCAP_ERRBUF_SIZE], why[200];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_dumper_t *dump;
	pcap_t *pi, *po;
	int port, ret, c, rc = 0;
	uint16_t pid;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(1, "EAL: %s\n", rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'p')
			profile = optarg;
		else if (c == 'c')
			config = optarg;
		else if (c == 'i')
			in = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 's')
			max_segs = strtol(optarg, NULL, 10);
		else if (c == 'b')
			burst = strtoul(optarg, NULL, 10);
		else
			rte_exit(2, "usage: refnic_run [EAL] -- --profile P --config F --in I --out O\n");
	}
	if (burst < 1 || burst > TLB_BURST)
		rte_exit(2, "--burst: 1..%d\n", TLB_BURST);
	prof = profile != NULL ? refnic_find(profile) : NULL;
	if (prof == NULL || config == NULL || in == NULL || out == NULL)
		rte_exit(2, "usage: refnic_run [EAL] -- --profile P --config F --in I --out O\n");
	if (tlb_config_load(config, &cfg, &errs) != 0) {
		tlb_config_errors_print(&errs, config, stderr);
		rte_exit(1, "config\n");
	}
	rx = rte_ring_create("refnic_rx", RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx = rte_ring_create("refnic_tx", RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rx == NULL || tx == NULL)
		rte_exit(1, "rings: %s\n", rte_strerror(rte_errno));
	port = rte_eth_from_rings("refnic0", &rx, 1, &tx, 1, rte_socket_id());
	if (port < 0)
		rte_exit(1, "rte_eth_from_rings: %s\n", rte_strerror(rte_errno));
	w = tlb_worker_create(&dp, rte_lcore_id(), 0, &cfg->dataplane);
	if (w == NULL)
		rte_exit(1, "worker\n");
	dp.workers[0] = w;
	dp.n_workers = 1;
	if (tlb_port_setup(&dp, cfg) != 0)
		rte_exit(1, "port set-up\n");
	pid = (uint16_t)port;
	/* The injected capabilities: what this profile's NIC offers, as tunlb would configure it. */
	tlb_offload_caps_init(&dp.port[pid].caps, prof->capa, cfg->ports[0].tx_offloads);
	if (max_segs > 0)
		dp.port[pid].max_segs = (uint16_t)max_segs;
	ids = calloc(1, sizeof(*ids));
	snap = ids != NULL ? tlb_snapshot_build(cfg, 1, (int)rte_socket_id(), ids) : NULL;
	if (snap == NULL)
		rte_exit(1, "snapshot\n");
	atomic_store_explicit(&dp.active, snap, memory_order_relaxed);

	pi = pcap_open_offline(in, err);
	po = pcap_open_dead(DLT_EN10MB, 65535);
	dump = po != NULL ? pcap_dump_open(po, out) : NULL;
	if (pi == NULL || dump == NULL)
		rte_exit(1, "pcap: %s\n", pi == NULL ? err : pcap_geterr(po));
	for (;;) {
		int more = pcap_next_ex(pi, &h, &data) == 1;
		struct rte_mbuf *q[64];
		unsigned int n, k;

		if (more) {
			struct rte_mbuf *m = to_mbuf(dp.port[pid].pool, data, h->caplen);

			if (m == NULL)
				rte_exit(1, "out of mbufs\n");
			if (prof->rx_verdict)
				m->ol_flags |= rx_verdict(data, h->caplen);
			frames++;
			ts = h->ts;
			batch[nb++] = m;
			if (nb < burst)
				continue;
		}
		if (nb == 0)
			break;
		t0 = rte_rdtsc_precise();
		tlb_worker_process(w, snap, pid, batch, (uint16_t)nb);
		nb = 0;
		tlb_worker_flush(w);
		worker_tsc += rte_rdtsc_precise() - t0;
		while ((n = rte_ring_dequeue_burst(tx, (void **)q, RTE_DIM(q), NULL)) != 0) {
			for (k = 0; k < n; k++) {
				struct pcap_pkthdr oh = { .ts = ts };
				static uint8_t buf[65536];
				const void *b;

				if (q[k]->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {	/* the NIC segments */
					int ns = refnic_tso(prof, dp.port[pid].caps.tx_conf, q[k], segs,
							    seg_len, 64, why, sizeof(why)), j;

					hw_tso++;
					if (ns < 0) {
						fprintf(stderr, "refnic %s: frame %llu: TSO refused: %s\n",
							prof->name, frames, why);
						rc = 1;
					}
					for (j = 0; j < ns; j++) {
						oh.caplen = oh.len = seg_len[j];
						pcap_dump((u_char *)dump, &oh, segs[j]);
						out_frames++;
					}
					rte_pktmbuf_free(q[k]);
					continue;
				}
				hw_ip += !!(q[k]->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
				hw_udp += !!(q[k]->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
				multi += q[k]->nb_segs > 1;
				if (refnic_tx(prof, dp.port[pid].caps.tx_conf, q[k], why, sizeof(why)) != 0) {
					fprintf(stderr, "refnic %s: frame %llu refused: %s\n", prof->name,
						frames, why);
					rc = 1;
				}
				b = rte_pktmbuf_read(q[k], 0, q[k]->pkt_len, buf);
				oh.caplen = oh.len = q[k]->pkt_len;
				pcap_dump((u_char *)dump, &oh, b);
				out_frames++;
				rte_pktmbuf_free(q[k]);
			}
		}
		if (!more)
			break;
	}
	pcap_dump_close(dump);
	pcap_close(po);
	pcap_close(pi);
	printf("{\"profile\": \"%s\", \"frames_in\": %llu, \"frames_out\": %llu, \"hw_ip_cksum\": %llu, "
	       "\"hw_udp_cksum\": %llu, \"multi_segment\": %llu, \"forwarded\": %llu, "
	       "\"tcp_segments\": %llu, \"tx_segments_drops\": %llu, \"hw_tso\": %llu, "
	       "\"gro_merged\": %llu, \"gro_parts\": %llu, \"worker_ns\": %.0f}\n", prof->name,
	       frames, out_frames, hw_ip, hw_udp, multi,
	       (unsigned long long)tlb_stats_read(&w->stats.forwarded),
	       (unsigned long long)tlb_stats_read(&w->stats.events[TLB_EV_TCP_SEGMENTS]),
	       (unsigned long long)tlb_stats_read(&w->stats.drops[TLB_V_TX_SEGMENTS]), hw_tso,
	       (unsigned long long)tlb_stats_read(&w->stats.events[TLB_EV_GRO_MERGED]),
	       (unsigned long long)tlb_stats_read(&w->stats.events[TLB_EV_GRO_PARTS]),
	       (double)worker_tsc * 1e9 / (double)rte_get_tsc_hz());
	tlb_port_close_all(&dp);
	tlb_snapshot_free(snap);
	tlb_worker_free(w);
	tlb_config_free(cfg);
	free(ids);
	rte_eal_cleanup();
	return rc;
}
