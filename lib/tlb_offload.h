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

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "tlb_common.h"
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
 * Unfolded ones'-complement sum (RFC 1071) of len bytes at buf, taken as raw
 * 16-bit words in memory order, added to sum. 64-bit words are added with
 * end-around carry (2^64 = 1 modulo 0xffff, so a word's value is congruent to
 * the sum of its four 16-bit words), then the 32-bit, 16-bit and odd-byte
 * tails exactly as rte_raw_cksum() takes them. Any alignment. Folded by
 * tlb_offload_fold(), the result is rte_raw_cksum()'s for the same bytes: both
 * are the residue of the word sum modulo 0xffff, in 1..0xffff unless every
 * byte is 0 (RFC 1071 section 2), so the checksums written below are the
 * bytes DPDK's helpers would write. Pure.
 */
static inline uint64_t
tlb_offload_sum(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *b = buf;
	uint64_t v0, v1, carry = 0;
	uint32_t v32;
	uint16_t v16;

	for (; len >= 16; len -= 16, b += 16) {
		memcpy(&v0, b, 8);
		memcpy(&v1, b + 8, 8);
		carry += __builtin_add_overflow(sum, v0, &sum);
		carry += __builtin_add_overflow(sum, v1, &sum);
	}
	if (len & 8) {
		memcpy(&v0, b, 8);
		carry += __builtin_add_overflow(sum, v0, &sum);
		b += 8;
	}
	if (len & 4) {
		memcpy(&v32, b, 4);
		carry += __builtin_add_overflow(sum, (uint64_t)v32, &sum);
		b += 4;
	}
	if (len & 2) {
		memcpy(&v16, b, 2);
		carry += __builtin_add_overflow(sum, (uint64_t)v16, &sum);
		b += 2;
	}
	if (len & 1) {
		v16 = 0;
		memcpy(&v16, b, 1);
		carry += __builtin_add_overflow(sum, (uint64_t)v16, &sum);
	}
	/* end-around: the carries are worth 1 each; adding them may carry once more */
	carry = __builtin_add_overflow(sum, carry, &sum);
	return sum + carry;
}

/* Fold a tlb_offload_sum() accumulator to 16 bits with end-around carry (not complemented). */
static inline uint16_t
tlb_offload_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* A byte pair as the raw 16-bit word tlb_offload_sum() would read from memory. */
static inline uint16_t
tlb_offload_word(uint8_t b0, uint8_t b1)
{
	return rte_cpu_to_be_16((uint16_t)(b0 << 8 | b1));
}

/*
 * Outer IPv4 header checksum and outer UDP checksum (RFC 768 with the
 * RFC 791 / RFC 8200 section 8.1 pseudo-header) of a packet held in one
 * segment at frame, whose t->len header bytes tlb_encap_write() has just
 * written. The sums start from the template's bytes (read-only memory: the
 * per-packet fields are 0 there) and add the per-packet fields read back one
 * by one, each with a load of the size it was stored with: summing the
 * freshly written header as 8-byte words would make every packet wait for
 * those narrow stores to reach the cache (a failed store-to-load forward).
 * The inner packet, written by the NIC long before, is summed in place. A
 * computed UDP checksum of 0 is sent as 0xffff (RFC 768; required over IPv6).
 * Same bytes as DPDK's helpers (see tlb_offload_sum()). Pure.
 */
static inline void
tlb_offload_cksum_flat(uint8_t *frame, uint32_t len, const struct tlb_encap_tmpl *t)
{
	const uint8_t *th = t->hdr + RTE_ETHER_HDR_LEN;		/* template outer IP header */
	uint8_t *l3 = frame + RTE_ETHER_HDR_LEN;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(void *)(l3 + t->l3_len);
	uint32_t tun = t->len - RTE_ETHER_HDR_LEN - t->l3_len;	/* UDP + tunnel (+ inner Ethernet) */
	uint64_t sum;
	uint16_t ck;

	if (t->outer_family == TLB_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		sum = tlb_offload_sum(th, sizeof(*ip), 0);
		sum += tlb_offload_word(0, ip->type_of_service);
		sum += ip->total_length;
		sum += ip->packet_id;
		ip->hdr_checksum = (uint16_t)~tlb_offload_fold(sum);
		/* RFC 768 pseudo-header: source, destination, zero + protocol, UDP length */
		sum = tlb_offload_sum(th + offsetof(struct rte_ipv4_hdr, src_addr), 8, 0);
	} else {
		/* RFC 8200 section 8.1: source, destination, length, zeros + next header */
		sum = tlb_offload_sum(th + offsetof(struct rte_ipv6_hdr, src_addr), 32, 0);
	}
	sum += rte_cpu_to_be_16(IPPROTO_UDP);
	sum += (uint64_t)udp->dgram_len * 2;		/* pseudo-header and UDP header */
	sum += udp->src_port;
	sum = tlb_offload_sum(th + t->l3_len, tun, sum);	/* dst port, tunnel header */
	if (t->inner_eth_off != 0)		/* VXLAN inner source MAC = the outer one */
		sum = tlb_offload_sum(frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN, sum);
	sum = tlb_offload_sum(frame + t->len, len - t->len, sum);	/* the inner packet */
	ck = (uint16_t)~tlb_offload_fold(sum);
	udp->dgram_cksum = ck != 0 ? ck : 0xffff;
}

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
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) |
		      (t->outer_family == TLB_AF_INET ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
	/* l2_len, l3_len; no L4, TSO or outer lengths: one store of the whole word */
	m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, t->l3_len, 0, 0, 0, 0, 0);
	if (TLB_LIKELY(rte_pktmbuf_is_contiguous(m))) {
		tlb_offload_cksum_flat(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, t);
	} else if (t->outer_family == TLB_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4_off);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)l3;

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
