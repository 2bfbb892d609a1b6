/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_ENCAP_INLINE_H
#define TLB_ENCAP_INLINE_H

/* Fast-path body of tlb_encap_write(); included by tlb_encap.h only. */

#include <string.h>

#include "tlb_hash.h"

/*
 * Copy the template's len bytes (TLB_ENCAP_MIN_HDR..TLB_ENCAP_MAX_HDR) with
 * fixed-size copies that the compiler turns into a few vector moves instead
 * of a call: the head, then 32 bytes ending exactly at len (they may overlap;
 * nothing past len is written, so the inner packet behind is safe).
 */
static inline void
tlb_encap_copy_hdr(uint8_t *dst, const uint8_t *src, uint32_t len)
{
	if (len > 64)
		memcpy(dst, src, 64);
	else
		memcpy(dst, src, 32);
	memcpy(dst + len - 32, src + len - 32, 32);
}

static inline void
tlb_encap_write(uint8_t *dst, const struct tlb_encap_tmpl *t, const uint8_t src_mac[6],
		const struct tlb_encap_pkt *pk)
{
	uint8_t *l3 = dst + RTE_ETHER_HDR_LEN;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(void *)(l3 + t->l3_len);
	uint16_t udp_len = (uint16_t)(t->len - RTE_ETHER_HDR_LEN - t->l3_len + pk->inner_len);

	tlb_encap_copy_hdr(dst, t->hdr, t->len);
	/* RFC 894 Ethernet: source = the TX port (design.md section 5) */
	memcpy(dst + RTE_ETHER_ADDR_LEN, src_mac, RTE_ETHER_ADDR_LEN);
	if (t->inner_eth_off != 0)	/* RFC 7348 section 5: inner source = our MAC too */
		memcpy(dst + t->inner_eth_off + RTE_ETHER_ADDR_LEN, src_mac, RTE_ETHER_ADDR_LEN);

	if (t->outer_family == TLB_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		/* RFC 791 section 3.1: total length counts the IP header */
		ip->total_length = rte_cpu_to_be_16((uint16_t)(udp_len + t->l3_len));
		ip->type_of_service = pk->tos;
		ip->packet_id = rte_cpu_to_be_16(pk->ip_id);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)l3;

		/* RFC 8200 section 3: version 6, traffic class, flow label (RFC 6438) */
		ip6->vtc_flow = rte_cpu_to_be_32((6u << 28) | ((uint32_t)pk->tos << 20) |
						 tlb_hash_flow_label(pk->hash));
		ip6->payload_len = rte_cpu_to_be_16(udp_len);
	}
	/* RFC 768; source port entropy from the flow hash (RFC 7348 section 5) */
	udp->src_port = rte_cpu_to_be_16(tlb_hash_sport(pk->hash));
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
}

#endif /* TLB_ENCAP_INLINE_H */
