/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost of finishing the outer headers of one encapsulated packet
 * (tlb_offload_finish_encap; printed numbers, never asserted): the flat
 * hardware path (flags and pre-fill only), the software path with the outer
 * UDP checksum by LCO (inner checksum verified on receive), and the software
 * path summing the whole packet, for 64, 512 and 1500-byte inner packets
 * (LCO is taken from TLB_OFFLOAD_LCO_MIN inner L4 bytes on: at 64 the
 * "LCO" row sums the packet),
 * GUE over IPv4. Median of 15 runs of 200000 packets, single thread, no EAL.
 * Then the software segmenter (lib/tlb_tso): a 64000-byte inner TCP/IPv4
 * packet cut at MSS 1448, headers copied, payload copied, each segment fixed
 * (lengths, IDs, sequence, flags, TCP checksum over the segment).
 *
 *   bench_cksum
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "tlb_encap.h"
#include "tlb_offload.h"
#include "tlb_tso.h"

#define RUNS 15
#define PKTS 200000

int
main(void)
{
	static const uint32_t sizes[] = { 64, 512, 1500 };
	static const char *const paths[] = { "hardware (flat: flags + pre-fill)",
					     "software, UDP by LCO", "software, UDP over the packet" };
	static uint8_t buf[2048];
	struct tlb_encap_params ep = { .encap = TLB_ENCAP_GUE, .inner_family = TLB_AF_INET,
				       .dst_port = 6080 };
	struct tlb_offload_caps hw, sw;
	struct tlb_encap_tmpl t;
	struct rte_mbuf m;
	unsigned int s, k;
	volatile uint16_t sink = 0;

	tlb_addr_parse("192.0.2.1", &ep.src);
	tlb_addr_parse("203.0.113.11", &ep.dst);
	if (tlb_encap_tmpl_init(&t, &ep) != 0)
		return 1;
	tlb_offload_caps_init(&hw, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
			      TLB_TX_OFFLOAD_AUTO);
	tlb_offload_caps_init(&sw, 0, TLB_TX_OFFLOAD_SOFTWARE);
	printf("tlb_offload_finish_encap, GUE over IPv4, ns per packet (median of %d x %d)\n",
	       RUNS, PKTS);
	printf("%-36s %10s %10s %10s\n", "path \\ inner bytes", "64", "512", "1500");
	for (k = 0; k < 3; k++) {
		printf("%-36s", paths[k]);
		for (s = 0; s < 3; s++) {
			double r[RUNS];
			int i, j;

			memset(buf, 0x5a, sizeof(buf));
			buf[128 + t.len] = 0x45;		/* inner IPv4, TCP */
			buf[128 + t.len + 9] = 6;
			for (i = 0; i < RUNS; i++) {
				double t0 = now_ns();

				for (j = 0; j < PKTS; j++) {
					struct tlb_encap_pkt pk = { .hash = (uint32_t)j,
								    .inner_len = (uint16_t)sizes[s],
								    .ip_id = (uint16_t)j };

					memset(&m, 0, sizeof(m));
					m.buf_addr = buf;
					m.data_off = 128;
					m.nb_segs = 1;
					m.data_len = (uint16_t)(t.len + sizes[s]);
					m.pkt_len = m.data_len;
					m.ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
					tlb_encap_write(buf + 128, &t, (const uint8_t *)"\2\0\0\0\0\1", &pk);
					tlb_offload_finish_encap(&m, &t, k == 0 ? &hw : &sw, 0,
								 k == 1 ? t.len + 20u : 0, 6);
					sink ^= buf[128 + 14 + 20 + 6];
				}
				r[i] = (now_ns() - t0) / PKTS;
			}
			qsort(r, RUNS, sizeof(r[0]), cmp_double);
			printf(" %10.1f", r[RUNS / 2]);
		}
		printf("\n");
	}
	printf("(each includes writing the %u-byte outer header; sink %u)\n", t.len, sink);

	{
		static uint8_t big[65536], seg[2048];
		struct tlb_tso ts;
		double r[RUNS];
		uint32_t n = 64000, i;
		int run, rep_;

		memset(big, 0, 40);
		big[0] = 0x45;
		big[2] = (uint8_t)(n >> 8);
		big[3] = (uint8_t)n;
		big[9] = 6;
		big[32] = 0x50;
		for (i = 40; i < n; i++)
			big[i] = (uint8_t)i;
		if (tlb_tso_plan(&ts, big, n, 1448) != 0)
			return 1;
		for (run = 0; run < RUNS; run++) {
			double t0 = now_ns();

			for (rep_ = 0; rep_ < 2000; rep_++)
				for (i = 0; i < ts.n; i++) {
					uint32_t pay = tlb_tso_seg_payload(&ts, i);

					memcpy(seg, big, ts.hdr_len);
					memcpy(seg + ts.hdr_len, big + ts.hdr_len + i * ts.mss, pay);
					tlb_tso_fix(&ts, seg, i);
					sink ^= seg[36];
				}
			r[run] = (now_ns() - t0) / (2000.0 * ts.n);
		}
		qsort(r, RUNS, sizeof(r[0]), cmp_double);
		printf("software segmenter, 64000 B at MSS 1448 (%u segments): %.1f ns per segment, "
		       "%.1f Gbit/s of payload (sink %u)\n", ts.n, r[RUNS / 2],
		       1448 * 8 / r[RUNS / 2], sink);
	}
	return 0;
}
