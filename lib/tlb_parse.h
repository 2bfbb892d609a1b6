/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_PARSE_H
#define TLB_PARSE_H

/*
 * Packet parsing into a flat struct: offsets, flow key and flags. Pure: works
 * on a (pointer, length) pair, never reads outside [frame, frame + avail).
 */

#include <stdint.h>

#include "tlb_addr.h"
#include "tlb_verdict.h"

#define TLB_PARSE_MAX_VLANS 2		/* 802.1Q / 802.1ad tags accepted */
#define TLB_PARSE_MAX_IPV6_EXT 8	/* extension headers walked before giving up */

/* tlb_pkt.flags */
#define TLB_PKT_F_FRAG 0x01		/* IPv4 MF/offset or IPv6 fragment header present */
#define TLB_PKT_F_FIRST_FRAG 0x02	/* ... and this is the first fragment (offset 0) */
#define TLB_PKT_F_IP_OPTIONS 0x04	/* IPv4 IHL > 5 or IPv6 extension headers present */
#define TLB_PKT_F_L4 0x08		/* L4 header present and checked: ports / ICMP type valid */
#define TLB_PKT_F_DF 0x10		/* IPv4 don't-fragment bit set */

/* tlb_pkt.kind: what the EtherType said */
#define TLB_PKT_IPV4 4
#define TLB_PKT_IPV6 6
#define TLB_PKT_ARP 1

struct tlb_pkt {
	uint16_t l3_off;	/* frame start -> IP (or ARP) header */
	uint16_t l4_off;	/* frame start -> L4 header; 0 when there is none */
	uint16_t ip_len;	/* IP packet length: header to last byte, padding excluded */
	uint16_t ethertype;	/* host order, after any VLAN tags */
	uint8_t kind;		/* TLB_PKT_IPV4 / TLB_PKT_IPV6 / TLB_PKT_ARP */
	uint8_t n_vlan;		/* VLAN tags seen (0..TLB_PARSE_MAX_VLANS) */
	uint8_t proto;		/* upper-layer protocol (after IPv6 extension headers) */
	uint8_t flags;		/* TLB_PKT_F_* */
	uint8_t tos;		/* IPv4 TOS / IPv6 traffic class: DSCP << 2 | ECN */
	uint8_t ttl;		/* IPv4 TTL / IPv6 hop limit */
	uint8_t icmp_type;	/* ICMP / ICMPv6 type when proto is 1 / 58 and F_L4 */
	uint8_t icmp_code;
	uint8_t tcp_flags;	/* TCP flags byte when proto is 6 and F_L4 */
	uint8_t tcp_hlen;	/* TCP header length, options included (20..60), ditto */
	uint16_t sport;		/* TCP/UDP source port, host order; 0 otherwise */
	uint16_t dport;		/* TCP/UDP destination port, host order; 0 otherwise */
	uint32_t frag_id;	/* IPv4 identification / IPv6 fragment identification (F_FRAG) */
	struct tlb_addr src;	/* IP source (unset for ARP) */
	struct tlb_addr dst;	/* IP destination (unset for ARP) */
};

/*
 * Parse one Ethernet frame.
 *   frame: first byte of the Ethernet header.
 *   avail: bytes readable at frame (the first, contiguous segment).
 *   frame_len: length of the whole frame (>= avail for multi-segment mbufs).
 * Walks Ethernet, up to two VLAN tags, then IPv4 (IHL, total length, fragment
 * bits), IPv6 (hop-by-hop, routing, destination options, fragment, AH), then
 * TCP, UDP, ICMP or ICMPv6 headers. ARP stops at the ARP header (l3_off).
 * Ethernet padding (frame longer than the IP length) is allowed and reported
 * through ip_len. Returns TLB_V_OK with *p filled, or the drop reason:
 * TRUNCATED (frame_len too short), MULTISEG (frame_len long enough but a header
 * lies past avail), VLAN_DEPTH, NOT_IP, BAD_IP_HEADER, BAD_IPV6_EXT,
 * BAD_L4_HEADER. A non-first fragment is TLB_V_OK with TLB_PKT_F_FRAG set and
 * TLB_PKT_F_L4 clear (the caller decides). Any thread; no state.
 */
enum tlb_verdict tlb_parse(const uint8_t *frame, uint32_t avail, uint32_t frame_len,
			   struct tlb_pkt *p);

/*
 * The packet quoted in the ICMP or ICMPv6 error p (frame, avail as given to
 * tlb_parse()): its IP header and the first 8 bytes of its TCP/UDP header
 * (RFC 792: the quote holds at least those; RFC 4443 section 2.4: as much as
 * fits). Fills q->kind, proto, src, dst, sport, dport and sets F_L4; nothing
 * else. The quoted IP header must be of p's family, complete, of version
 * 4/6, TCP or UDP, not a later fragment; an IPv6 quote must have no
 * extension headers. Returns TLB_V_OK or TLB_V_BAD_ICMP_QUOTE.
 */
enum tlb_verdict tlb_parse_icmp_quote(const uint8_t *frame, uint32_t avail, const struct tlb_pkt *p,
				      struct tlb_pkt *q);

#endif /* TLB_PARSE_H */
