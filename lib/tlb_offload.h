/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_OFFLOAD_H
#define TLB_OFFLOAD_H

/*
 * The one place that decides, per packet, what the NIC computes and what
 * software computes (design.md section 6, research/dpdk-offloads.md). Nothing
 * else in the datapath branches on NIC capability.
 *
 * This release computes every outer checksum in software; the capability
 * struct is already filled from the port so that hardware offload (flat
 * layout first, tunnel layout and TSO later) slots in here and nowhere else.
 */

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "tlb_config.h"
#include "tlb_encap.h"

/* Per-port TX capabilities: immutable after the port is configured. */
struct tlb_offload_caps {
	uint64_t tx_capa;	/* rte_eth_dev_info.tx_offload_capa (what the PMD offers) */
	uint64_t tx_conf;	/* offloads configured on the port (txmode.offloads) */
	uint8_t software;	/* 1: all checksums in software for this port */
};

/*
 * Fill c from the port's advertised TX capabilities and the configured mode.
 * Returns the offload bits to put in rte_eth_conf.txmode.offloads. Control
 * thread, before rte_eth_dev_configure().
 */
uint64_t tlb_offload_caps_init(struct tlb_offload_caps *c, uint64_t tx_capa,
			       enum tlb_tx_offload_mode mode);

/* One line describing c for the start-up log, written to buf. Returns buf. */
const char *tlb_offload_caps_describe(const struct tlb_offload_caps *c, char *buf, size_t len);

/*
 * Finish the outer headers of an encapsulated packet m whose first segment
 * starts with t->len header bytes written by tlb_encap_write(): set the mbuf
 * TX metadata (l2_len, l3_len, TX flags) and the outer IPv4 header checksum
 * and outer UDP checksum (RFC 768; over IPv6 never 0, RFC 8200 section 8.1),
 * by hardware request or in software. The inner packet is not touched. Worker
 * lcore that owns m.
 */
static inline void
tlb_offload_finish_encap(struct rte_mbuf *m, const struct tlb_encap_tmpl *t,
			 const struct tlb_offload_caps *c)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(void *)(l3 + t->l3_len);
	uint16_t l4_off = (uint16_t)(RTE_ETHER_HDR_LEN + t->l3_len);

	(void)c;
	/* Flat layout: the outer headers are the packet's only L2/L3 (offloads.md 1.3a). */
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = t->l3_len;
	m->outer_l2_len = 0;
	m->outer_l3_len = 0;
	if (t->outer_family == TLB_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4_off);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)l3;

		m->ol_flags |= RTE_MBUF_F_TX_IPV6;
		udp->dgram_cksum = 0;
		/* returns 0xffff for a computed 0 (RFC 768, RFC 8200 section 8.1) */
		udp->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, ip6, l4_off);
	}
}

/*
 * Clear TX offload requests on a locally generated reply (ARP/NDP/echo) whose
 * checksums were computed in software. Worker lcore that owns m.
 */
static inline void
tlb_offload_finish_local(struct rte_mbuf *m)
{
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
}

#endif /* TLB_OFFLOAD_H */
