/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_OFFLOAD_H
#define TLB_OFFLOAD_H

/*
 * The one place that decides, per packet, what the NIC computes and what
 * software computes (design.md section 6, research/dpdk-offloads.md). Nothing
 * else in the datapath branches on NIC capability.
 *
 * The inner packet is never touched, so the outer headers are offloaded as a
 * plain packet (flat layout, research/dpdk-offloads.md 1.3a): l2_len 14,
 * l3_len 20 or 40, IPV4|IP_CKSUM|UDP_CKSUM or IPV6|UDP_CKSUM, with the
 * checksum fields pre-filled (IPv4 header checksum 0, UDP checksum the
 * pseudo-header sum, as rte_net_intel_cksum_prepare() would) when the port
 * has IPV4_CKSUM / UDP_CKSUM configured; in software otherwise, or when the
 * port says 'tx_offloads: software', or for a packet about to be cut into
 * outer fragments (the UDP checksum must cover the whole datagram). The
 * tunnel layout and TSO are not used.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "tlb_cksum.h"
#include "tlb_common.h"
#include "tlb_config.h"
#include "tlb_encap.h"
#include "tlb_parse.h"

/*
 * Inner L4 bytes from which LCO beats summing the packet (tests/bench/bench_cksum:
 * below, the inner header and pseudo-header sums cost as much as the segment).
 */
#define TLB_OFFLOAD_LCO_MIN 128

/* Per-port TX capabilities: immutable after the port is configured. */
struct tlb_offload_caps {
	uint64_t tx_capa;	/* rte_eth_dev_info.tx_offload_capa (what the PMD offers) */
	uint64_t tx_conf;	/* offloads configured on the port (txmode.offloads) */
	uint8_t software;	/* 'tx_offloads: software': nothing requested from the NIC */
	uint8_t hw_ip4;		/* IPV4_CKSUM configured: outer IPv4 header checksum by the NIC */
	uint8_t hw_udp;		/* UDP_CKSUM configured: outer UDP checksum by the NIC */
	uint64_t rx_conf;	/* RX offloads configured (TCP/UDP checksum verdicts) */
	uint8_t tso_vxlan;	/* tunnel TSO for VXLAN: VXLAN_TNL_TSO + TCP_TSO configured */
	uint8_t tso_udp;	/* ... for GUE (TUNNEL_UDP): UDP_TNL_TSO + TCP_TSO */
	uint8_t hw_outer_ip4;	/* OUTER_IPV4_CKSUM configured */
	uint8_t hw_outer_udp;	/* OUTER_UDP_CKSUM configured */
};

/*
 * Fill c from the port's advertised TX capabilities and the configured mode:
 * 'auto' configures IPV4_CKSUM and UDP_CKSUM where offered, 'software'
 * nothing. Returns the offload bits to put in rte_eth_conf.txmode.offloads.
 * Pure (control thread, before rte_eth_dev_configure()).
 */
uint64_t tlb_offload_caps_init(struct tlb_offload_caps *c, uint64_t tx_capa,
			       enum tlb_tx_offload_mode mode);

/*
 * The RX offloads to configure: TCP and UDP checksum verification where the
 * port offers them. The verdict lets a software outer UDP checksum come by
 * LCO; it is also what makes 'tx_offloads: software' cheap. With lro (port
 * key 'lro: on'), TCP LRO and scatter where offered: the coalesced packets
 * carry RTE_MBUF_F_RX_LRO and leave as segments (lib/tlb_worker.c). Pure.
 */
uint64_t tlb_offload_rx_conf(uint64_t rx_capa, int lro);

/* One line describing c for the start-up log, written to buf. Returns buf. */
const char *tlb_offload_caps_describe(const struct tlb_offload_caps *c, char *buf, size_t len);

/* A byte pair as the raw 16-bit word tlb_cksum_sum64() would read from memory. */
static inline uint16_t
tlb_offload_word(uint8_t b0, uint8_t b1)
{
	return rte_cpu_to_be_16((uint16_t)(b0 << 8 | b1));
}

/*
 * Outer IPv4 header checksum (RFC 791) of the header tlb_encap_write() has
 * just written at l3, from the template's sum (read-only memory: the
 * per-packet fields are 0 there) plus the per-packet fields read back one by
 * one, each with a load of the size it was stored with: summing the freshly
 * written header as 8-byte words would make every packet wait for those
 * narrow stores to reach the cache (a failed store-to-load forward). Pure.
 */
static inline void
tlb_offload_ip4_cksum(uint8_t *l3, const struct tlb_encap_tmpl *t)
{
	const uint8_t *th = t->hdr + RTE_ETHER_HDR_LEN;		/* template outer IP header */
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;
	uint64_t sum;

	sum = tlb_cksum_sum64(th, sizeof(*ip), 0);
	sum += tlb_offload_word(0, ip->type_of_service);
	sum += ip->total_length;
	sum += ip->packet_id;
	ip->hdr_checksum = (uint16_t)~tlb_cksum_fold64(sum);
}

/*
 * Unfolded sum of the outer pseudo-header's addresses and protocol (RFC 768
 * with RFC 791 / RFC 8200 section 8.1), from the template: the length is
 * the caller's. Pure.
 */
static inline uint64_t
tlb_offload_phdr_sum(const struct tlb_encap_tmpl *t)
{
	const uint8_t *th = t->hdr + RTE_ETHER_HDR_LEN;
	uint64_t sum;

	if (t->outer_family == TLB_AF_INET)	/* source, destination, zero + protocol */
		sum = tlb_cksum_sum64(th + offsetof(struct rte_ipv4_hdr, src_addr), 8, 0);
	else					/* source, destination, zeros + next header */
		sum = tlb_cksum_sum64(th + offsetof(struct rte_ipv6_hdr, src_addr), 32, 0);
	return sum + rte_cpu_to_be_16(IPPROTO_UDP);
}

/*
 * Unfolded sum of what the outer UDP checksum covers before the inner IP
 * packet of frame, whose t->len header bytes tlb_encap_write() has just
 * written: the pseudo-header, the UDP header (checksum field 0), the tunnel
 * header (and VXLAN's inner Ethernet header). Template bytes plus the
 * per-packet fields read back one by one, as in tlb_offload_ip4_cksum(). Pure.
 */
static inline uint64_t
tlb_offload_udp_hdr_sum(const uint8_t *frame, const struct tlb_encap_tmpl *t)
{
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(const void *)
		(frame + RTE_ETHER_HDR_LEN + t->l3_len);
	/* UDP + tunnel header (+ inner Ethernet), from the template: its length and
	 * source port are 0 there, its destination port and the tunnel are final */
	uint32_t tun = t->len - RTE_ETHER_HDR_LEN - t->l3_len;
	uint64_t sum = tlb_offload_phdr_sum(t);

	sum += (uint64_t)udp->dgram_len * 2;		/* pseudo-header and UDP header */
	sum += udp->src_port;
	sum = tlb_cksum_sum64(t->hdr + RTE_ETHER_HDR_LEN + t->l3_len, tun, sum);
	if (t->inner_eth_off != 0)		/* VXLAN inner source MAC = the outer one */
		sum = tlb_cksum_sum64(frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN, sum);
	return sum;
}

/* Store the outer UDP checksum of sum: a computed 0 is sent as 0xffff (RFC 768; RFC 8200 8.1). */
static inline void
tlb_offload_udp_store(uint8_t *frame, const struct tlb_encap_tmpl *t, uint64_t sum)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(void *)(frame + RTE_ETHER_HDR_LEN +
								 t->l3_len);
	uint16_t ck = (uint16_t)~tlb_cksum_fold64(sum);

	udp->dgram_cksum = ck != 0 ? ck : 0xffff;
}

/*
 * Outer UDP checksum of a packet held in one segment at frame, len bytes:
 * the headers as in tlb_offload_udp_hdr_sum(), the inner packet (written by
 * the NIC long before) summed in place. Same bytes as DPDK's helpers (see
 * tlb_cksum_sum64()). Pure.
 */
static inline void
tlb_offload_udp_cksum(uint8_t *frame, uint32_t len, const struct tlb_encap_tmpl *t)
{
	tlb_offload_udp_store(frame, t, tlb_cksum_sum64(frame + t->len, len - t->len,
							tlb_offload_udp_hdr_sum(frame, t)));
}

/*
 * Outer UDP checksum by LCO (Linux Documentation/networking/checksum-offloads
 * "LCO"; research/dpdk-offloads.md 2.3), in O(header bytes): an inner TCP or
 * UDP segment whose checksum is valid sums, checksum field included, to the
 * complement of its pseudo-header, so the inner segment need not be read.
 * Only for an inner L4 at il4 (frame offset) right after an inner IP header
 * without options or extension headers, whose checksum is known to be good
 * (the NIC verified it on receive); otherwise the result would differ from
 * tlb_offload_udp_cksum()'s. Same bytes as tlb_offload_udp_cksum() then. Pure.
 */
static inline void
tlb_offload_udp_cksum_lco(uint8_t *frame, uint32_t len, const struct tlb_encap_tmpl *t,
			  uint32_t il4, uint8_t inner_proto)
{
	const uint8_t *ip = frame + t->len;			/* inner IP header */
	uint32_t inner;
	uint64_t sum;

	sum = tlb_cksum_sum64(ip, il4 - t->len, tlb_offload_udp_hdr_sum(frame, t));
	/* the inner pseudo-header (RFC 9293 3.1 / RFC 768; RFC 8200 8.1) */
	if ((ip[0] >> 4) == 4)
		inner = tlb_cksum_phdr(ip + offsetof(struct rte_ipv4_hdr, src_addr),
				       ip + offsetof(struct rte_ipv4_hdr, dst_addr), 4, inner_proto,
				       len - il4);
	else
		inner = tlb_cksum_phdr(ip + offsetof(struct rte_ipv6_hdr, src_addr),
				       ip + offsetof(struct rte_ipv6_hdr, dst_addr), 16, inner_proto,
				       len - il4);
	sum += (uint16_t)~tlb_cksum_fold(inner);		/* the inner segment, unread */
	tlb_offload_udp_store(frame, t, sum);
}

/*
 * The UDP pseudo-header sum (folded, not complemented) a NIC computing the
 * UDP checksum expects in the checksum field (DPDK rte_ipv4_phdr_cksum() /
 * rte_ipv6_phdr_cksum() without TSO), from the template and the UDP length.
 * Pure.
 */
static inline uint16_t
tlb_offload_udp_phdr(const struct tlb_encap_tmpl *t, uint16_t udp_len_be)
{
	return tlb_cksum_fold64(tlb_offload_phdr_sum(t) + udp_len_be);
}

/*
 * Finish the outer headers of an encapsulated packet m whose first segment
 * starts with t->len header bytes written by tlb_encap_write(): set the mbuf
 * TX metadata (flat layout: l2_len, l3_len, TX flags) and the outer IPv4
 * header checksum and outer UDP checksum (RFC 768; 0 when the template says
 * so, over IPv4 only; over IPv6 never 0, RFC 8200 section 8.1), requested
 * from the NIC where c allows it and software_only is 0, computed here
 * otherwise: by LCO when lco_l4 (the inner TCP/UDP header's frame offset,
 * see tlb_offload_lco_l4()) is not 0 and the inner segment has at least
 * TLB_OFFLOAD_LCO_MIN bytes, else over the whole packet (the same bytes). The inner
 * packet is not touched. Worker lcore that owns m.
 */
static inline void
tlb_offload_finish_encap(struct rte_mbuf *m, const struct tlb_encap_tmpl *t,
			 const struct tlb_offload_caps *c, int software_only, uint32_t lco_l4,
			 uint8_t inner_proto)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(void *)(l3 + t->l3_len);
	uint16_t l4_off = (uint16_t)(RTE_ETHER_HDR_LEN + t->l3_len);
	uint64_t fl = t->outer_family == TLB_AF_INET ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
	int hw_ip = c->hw_ip4 && !software_only && t->outer_family == TLB_AF_INET;
	int hw_udp = c->hw_udp && !software_only && !t->udp_zero;

	if (hw_ip) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		fl |= RTE_MBUF_F_TX_IP_CKSUM;
		ip->hdr_checksum = 0;		/* pre-fill: the NIC sums the header as found */
	} else if (t->outer_family == TLB_AF_INET) {
		tlb_offload_ip4_cksum(l3, t);
	}
	if (t->udp_zero) {
		udp->dgram_cksum = 0;
	} else if (hw_udp) {
		fl |= RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = tlb_offload_udp_phdr(t, udp->dgram_len);
	} else if (lco_l4 != 0 && m->data_len >= lco_l4 &&
		   m->pkt_len - lco_l4 >= TLB_OFFLOAD_LCO_MIN) {
		tlb_offload_udp_cksum_lco(rte_pktmbuf_mtod(m, uint8_t *), m->pkt_len, t, lco_l4,
					  inner_proto);
	} else if (TLB_LIKELY(rte_pktmbuf_is_contiguous(m))) {
		tlb_offload_udp_cksum(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, t);
	} else if (t->outer_family == TLB_AF_INET) {
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(m, (struct rte_ipv4_hdr *)(void *)l3,
							      l4_off);
	} else {
		udp->dgram_cksum = 0;
		/* returns 0xffff for a computed 0 (RFC 768, RFC 8200 section 8.1) */
		udp->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, (struct rte_ipv6_hdr *)(void *)l3,
							      l4_off);
	}
	/* Flat layout: the outer headers are the packet's only L2/L3 (offloads.md 1.3a). */
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) | fl;
	/* l2_len, l3_len, l4_len (UDP); no TSO or outer lengths: one store of the whole word */
	m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, t->l3_len, sizeof(*udp), 0, 0, 0, 0);
}

/*
 * Where LCO may compute the outer UDP checksum of the client packet p (parsed
 * from m before encapsulation) once behind a t->len-byte header: the inner L4
 * offset in the encapsulated frame, or 0 when the inner checksum is not known
 * good (the NIC's RX verdict, RTE_MBUF_F_RX_L4_CKSUM_GOOD), or it is not TCP
 * or UDP with a checksum, or a fragment, or after IPv4 options / IPv6
 * extension headers (a source route changes the pseudo-header). Worker.
 */
static inline uint32_t
tlb_offload_lco_l4(const struct rte_mbuf *m, const struct tlb_pkt *p,
		   const struct tlb_encap_tmpl *t)
{
	const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);

	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD ||
	    !(p->flags & TLB_PKT_F_L4) || (p->flags & (TLB_PKT_F_FRAG | TLB_PKT_F_IP_OPTIONS)) ||
	    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) ||
	    (p->proto == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0))	/* RFC 768: no checksum */
		return 0;
	return (uint32_t)t->len + p->l4_off - p->l3_off;
}

/* Does the port offer tunnel TSO for any encapsulation (VXLAN_TNL_TSO / UDP_TNL_TSO)? Pure. */
static inline int
tlb_offload_tunnel_tso(const struct tlb_offload_caps *c)
{
	return c->tso_vxlan || c->tso_udp;
}

/*
 * Can the NIC segment a TCP packet of t's encapsulation (inner IPv4 when
 * inner4) with tunnel TSO? Only with every companion capability
 * (research/dpdk-offloads.md 1.3c): the tunnel's TSO bit and TCP_TSO, the
 * outer IPv4 checksum for an outer IPv4 header (its length changes per
 * segment), the outer UDP checksum unless it is sent as 0, the inner IPv4
 * header checksum for inner IPv4. Pure.
 */
static inline int
tlb_offload_tso_ok(const struct tlb_offload_caps *c, const struct tlb_encap_tmpl *t, int inner4)
{
	return (t->inner_eth_off != 0 ? c->tso_vxlan : c->tso_udp) &&
	       (t->outer_family != TLB_AF_INET || c->hw_outer_ip4) &&
	       (t->udp_zero || c->hw_outer_udp) && (!inner4 || c->hw_ip4);
}

/*
 * Request tunnel TSO for the encapsulated TCP packet m (t->len header bytes
 * written by tlb_encap_write(), then the inner IP header of inner_l3_len
 * bytes and a TCP header of l4_len bytes): tunnel layout (outer_l2_len 14,
 * outer_l3_len 20/40, l2_len from the outer UDP header to the inner IP
 * header, TUNNEL_VXLAN or TUNNEL_UDP), segments of mss payload bytes, with
 * the pre-fill of research 1.3c: IPv4 header checksums 0, the inner TCP and
 * the outer UDP checksum the pseudo-header sums without length (the outer
 * UDP one 0 when the template says so). Only after tlb_offload_tso_ok().
 * Worker lcore that owns m.
 */
static inline void
tlb_offload_finish_tso(struct rte_mbuf *m, const struct tlb_encap_tmpl *t, uint16_t inner_l3_len,
		       uint16_t l4_len, uint16_t mss)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(void *)(l3 + t->l3_len);
	uint8_t *il3 = rte_pktmbuf_mtod_offset(m, uint8_t *, t->len);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(void *)(il3 + inner_l3_len);
	uint64_t fl = RTE_MBUF_F_TX_TCP_SEG;
	uint32_t tun = t->len - RTE_ETHER_HDR_LEN - t->l3_len;

	fl |= t->inner_eth_off != 0 ? RTE_MBUF_F_TX_TUNNEL_VXLAN : RTE_MBUF_F_TX_TUNNEL_UDP;
	if (t->outer_family == TLB_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		fl |= RTE_MBUF_F_TX_OUTER_IPV4 | RTE_MBUF_F_TX_OUTER_IP_CKSUM;
		ip->hdr_checksum = 0;
	} else {
		fl |= RTE_MBUF_F_TX_OUTER_IPV6;
	}
	if ((il3[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)il3;

		fl |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		ip->hdr_checksum = 0;
		tcp->cksum = rte_ipv4_phdr_cksum(ip, fl);	/* TCP_SEG: without the length */
	} else {
		fl |= RTE_MBUF_F_TX_IPV6;
		tcp->cksum = rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(void *)il3, fl);
	}
	if (t->udp_zero) {
		udp->dgram_cksum = 0;
	} else {
		fl |= RTE_MBUF_F_TX_OUTER_UDP_CKSUM;
		udp->dgram_cksum = t->outer_family == TLB_AF_INET ?
			rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(void *)l3, fl) :
			rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(void *)l3, fl);
	}
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) | fl;
	m->tx_offload = rte_mbuf_tx_offload(tun, inner_l3_len, l4_len, mss, t->l3_len,
					    RTE_ETHER_HDR_LEN, 0);
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
