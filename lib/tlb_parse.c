/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Packet parser: Ethernet II, 802.1Q / 802.1ad tags, ARP, IPv4, IPv6 with its
 * extension headers, TCP, UDP, ICMP and ICMPv6. Pure fast-path code: no
 * allocation, no stdio, no state.
 *
 * Bounds rule (tlb_parse_need()), applied before any byte is read:
 *   - a header ending past frame_len is TRUNCATED: the frame is short;
 *   - a header ending within frame_len but past avail is MULTISEG: it
 *     straddles the end of the first mbuf segment.
 * Every header walked (including IPv4 options, IPv6 extension headers and TCP
 * options) must lie within avail; the payload after the last header need not.
 *
 * Length rule: the IP length field is checked against the frame once
 * (ip_len <= frame_len - l3_off, else TRUNCATED). From then on the IP packet
 * end, not the frame end, bounds every inner header: an IPv6 extension header
 * running past it is BAD_IPV6_EXT and an L4 header that does not fit is
 * BAD_L4_HEADER, even when Ethernet padding would supply the bytes. Such
 * headers can therefore never be TRUNCATED, only MULTISEG when they are inside
 * the IP packet but past avail.
 *
 * Field checks of a header come before the frame-length check of what that
 * header announces: an IPv4 header with IHL < 5 is BAD_IP_HEADER even if the
 * frame is also short.
 *
 * Frames may start at any address, so multi-byte fields are copied out with
 * memcpy (tlb_parse_rd16()) at offsetof() positions of the DPDK wire structs,
 * never read through a struct pointer: rte_ether_hdr and rte_arp_hdr are
 * 2-byte aligned types.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "tlb_common.h"
#include "tlb_parse.h"

/* Wire sizes the parser relies on (the RFC of each header is cited where it is parsed). */
TLB_STATIC_ASSERT(sizeof(struct rte_ether_hdr) == 14, "Ethernet II header is 14 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_vlan_hdr) == 4, "802.1Q tag is 4 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_arp_hdr) == 28, "ARP for Ethernet/IPv4 is 28 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_ipv4_hdr) == 20, "IPv4 fixed header is 20 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_ipv6_hdr) == 40, "IPv6 fixed header is 40 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_ipv6_fragment_ext) == 8, "IPv6 fragment header is 8 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_tcp_hdr) == 20, "TCP fixed header is 20 bytes");
TLB_STATIC_ASSERT(sizeof(struct rte_udp_hdr) == 8, "UDP header is 8 bytes");

/*
 * Generic IPv6 extension header start (RFC 8200 section 4.3 hop-by-hop, 4.4
 * routing, 4.6 destination options): next header, then the length in 8-byte
 * units not counting the first 8. AH (RFC 4302 section 2) shares the layout
 * with the length in 4-byte units minus 2. Every one of them is at least
 * 8 bytes long.
 */
struct tlb_ipv6_ext_hdr {
	uint8_t next_header;
	uint8_t hdr_ext_len;
} __rte_packed;
TLB_STATIC_ASSERT(sizeof(struct tlb_ipv6_ext_hdr) == 2, "IPv6 extension header start");
#define TLB_IPV6_EXT_MIN_LEN 8u

/* ICMP (RFC 792) and ICMPv6 (RFC 4443 section 2.1): type, code, checksum are common. */
#define TLB_ICMP_MIN_LEN 4u

/*
 * Offsets are stored in 16 bits: the deepest L4 header sits after two VLAN
 * tags, the IPv6 header and TLB_PARSE_MAX_IPV6_EXT headers of at most
 * 2048 bytes each ((255 + 1) * 8), which must still fit.
 */
TLB_STATIC_ASSERT(sizeof(struct rte_ether_hdr) + TLB_PARSE_MAX_VLANS * sizeof(struct rte_vlan_hdr) +
		  sizeof(struct rte_ipv6_hdr) + TLB_PARSE_MAX_IPV6_EXT * 2048u <= UINT16_MAX,
		  "l4_off fits in 16 bits");

/* The frame as the parser sees it. */
struct tlb_parse_buf {
	const uint8_t *frame;
	uint32_t avail;
	uint32_t frame_len;
};

/* Big-endian 16-bit field at any alignment. */
static inline uint16_t
tlb_parse_rd16(const uint8_t *b)
{
	rte_be16_t v;

	memcpy(&v, b, sizeof(v));
	return rte_be_to_cpu_16(v);
}

/* May bytes [0, end) be read? The bounds rule at the top of this file. */
static inline enum tlb_verdict
tlb_parse_need(const struct tlb_parse_buf *b, uint32_t end)
{
	if (TLB_UNLIKELY(end > b->frame_len))
		return TLB_V_TRUNCATED;
	if (TLB_UNLIKELY(end > b->avail))
		return TLB_V_MULTISEG;
	return TLB_V_OK;
}

/*
 * Ethernet II header, then up to TLB_PARSE_MAX_VLANS tags (IEEE 802.1Q
 * section 9.3: TPID, TCI, then the encapsulated EtherType). The outer tag may
 * be a C-tag (0x8100) or an S-tag (0x88a8, IEEE 802.1ad); an inner tag must be
 * a C-tag, so an S-tag after a tag is an EtherType we do not handle (NOT_IP).
 * A tag beyond the second is VLAN_DEPTH, decided from the TPID alone.
 * Sets p->ethertype, p->n_vlan and *l3 (offset after the last tag).
 */
static inline enum tlb_verdict
tlb_parse_l2(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t *l3)
{
	uint32_t off = sizeof(struct rte_ether_hdr);
	enum tlb_verdict v;
	uint16_t type;

	v = tlb_parse_need(b, off);
	if (v != TLB_V_OK)
		return v;
	type = tlb_parse_rd16(b->frame + offsetof(struct rte_ether_hdr, ether_type));

	while (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		if (p->n_vlan == TLB_PARSE_MAX_VLANS)
			return TLB_V_VLAN_DEPTH;
		if (type == RTE_ETHER_TYPE_QINQ && p->n_vlan != 0) {
			p->ethertype = type;
			return TLB_V_NOT_IP;
		}
		v = tlb_parse_need(b, off + sizeof(struct rte_vlan_hdr));
		if (v != TLB_V_OK)
			return v;
		type = tlb_parse_rd16(b->frame + off + offsetof(struct rte_vlan_hdr, eth_proto));
		off += sizeof(struct rte_vlan_hdr);
		p->n_vlan++;
	}
	p->ethertype = type;
	*l3 = off;
	return TLB_V_OK;
}

/*
 * IPv4 header (RFC 791 section 3.1). Checks, in order: the fixed 20 bytes are
 * readable; version 4; IHL >= 5; total length >= IHL * 4 (BAD_IP_HEADER);
 * total length <= frame bytes after L2 (TRUNCATED; more bytes are Ethernet
 * padding, excluded from ip_len); options readable. The header checksum is not
 * verified (the packet is forwarded untouched). Fragments (section 3.2): MF or
 * a non-zero offset sets F_FRAG, offset 0 also F_FIRST_FRAG. The reserved and
 * DF flag bits are ignored. Sets *l4 to the end of the header.
 */
static inline enum tlb_verdict
tlb_parse_ipv4(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t *l4)
{
	const uint8_t *h = b->frame + p->l3_off;
	uint32_t hlen, total;
	enum tlb_verdict v;
	uint16_t frag;

	v = tlb_parse_need(b, p->l3_off + sizeof(struct rte_ipv4_hdr));
	if (v != TLB_V_OK)
		return v;
	if ((h[offsetof(struct rte_ipv4_hdr, version_ihl)] >> 4) != IPVERSION)
		return TLB_V_BAD_IP_HEADER;
	hlen = (h[offsetof(struct rte_ipv4_hdr, version_ihl)] & RTE_IPV4_HDR_IHL_MASK) *
		RTE_IPV4_IHL_MULTIPLIER;
	if (hlen < sizeof(struct rte_ipv4_hdr))
		return TLB_V_BAD_IP_HEADER;
	total = tlb_parse_rd16(h + offsetof(struct rte_ipv4_hdr, total_length));
	if (total < hlen)
		return TLB_V_BAD_IP_HEADER;
	if (total > b->frame_len - p->l3_off)
		return TLB_V_TRUNCATED;
	/* hlen <= total <= frame_len - l3_off: only MULTISEG is left. */
	v = tlb_parse_need(b, p->l3_off + hlen);
	if (v != TLB_V_OK)
		return v;

	p->ip_len = (uint16_t)total;
	p->tos = h[offsetof(struct rte_ipv4_hdr, type_of_service)];
	p->ttl = h[offsetof(struct rte_ipv4_hdr, time_to_live)];
	p->proto = h[offsetof(struct rte_ipv4_hdr, next_proto_id)];
	tlb_addr_set4(&p->src, h + offsetof(struct rte_ipv4_hdr, src_addr));
	tlb_addr_set4(&p->dst, h + offsetof(struct rte_ipv4_hdr, dst_addr));
	if (hlen > sizeof(struct rte_ipv4_hdr))
		p->flags |= TLB_PKT_F_IP_OPTIONS;

	frag = tlb_parse_rd16(h + offsetof(struct rte_ipv4_hdr, fragment_offset));
	if (frag & RTE_IPV4_HDR_DF_FLAG)
		p->flags |= TLB_PKT_F_DF;
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		p->flags |= TLB_PKT_F_FRAG;
		p->frag_id = tlb_parse_rd16(h + offsetof(struct rte_ipv4_hdr, packet_id));
		if ((frag & RTE_IPV4_HDR_OFFSET_MASK) == 0)
			p->flags |= TLB_PKT_F_FIRST_FRAG;
	}
	*l4 = p->l3_off + hlen;
	return TLB_V_OK;
}

/*
 * IPv6 extension header chain (RFC 8200 section 4), starting with the fixed
 * header's next header in p->proto. Walks hop-by-hop (0; only directly after
 * the fixed header, section 4.3), routing (43, 4.4), fragment (44, 4.5; at
 * most one), destination options (60, 4.6) and AH (51, RFC 4302 section 2),
 * at most TLB_PARSE_MAX_IPV6_EXT of them. Anything else ends the chain and
 * becomes p->proto: upper layers, no next header (59), ESP (50) and unknown
 * values alike. A header that does not fit in the IP packet is BAD_IPV6_EXT
 * (length rule at the top of this file).
 * A fragment header with offset 0 and M set is a first fragment; a non-zero
 * offset is a later fragment: p->proto is its next header and the walk stops
 * (*l4 = 0). Offset 0 without M is an atomic fragment (RFC 6946 section 4):
 * a whole packet, not flagged as a fragment.
 * Sets *l4 to the offset after the chain.
 */
static inline enum tlb_verdict
tlb_parse_ipv6_ext(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t *l4)
{
	uint32_t off = p->l3_off + (uint32_t)sizeof(struct rte_ipv6_hdr);
	uint32_t end = p->l3_off + (uint32_t)p->ip_len;
	bool frag_seen = false;
	uint8_t nh = p->proto;
	unsigned int n;

	for (n = 0; ; n++) {
		const uint8_t *e;
		enum tlb_verdict v;
		uint32_t hlen;
		uint16_t fd;

		if (nh == IPPROTO_HOPOPTS && n != 0)
			return TLB_V_BAD_IPV6_EXT;
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_FRAGMENT && nh != IPPROTO_AH)
			break;
		if (n == TLB_PARSE_MAX_IPV6_EXT)
			return TLB_V_BAD_IPV6_EXT;
		/* off <= end holds: the previous header fitted. */
		if (end - off < TLB_IPV6_EXT_MIN_LEN)
			return TLB_V_BAD_IPV6_EXT;
		v = tlb_parse_need(b, off + TLB_IPV6_EXT_MIN_LEN);
		if (v != TLB_V_OK)
			return v;
		e = b->frame + off;
		p->flags |= TLB_PKT_F_IP_OPTIONS;

		if (nh == IPPROTO_FRAGMENT) {
			if (frag_seen)
				return TLB_V_BAD_IPV6_EXT;
			frag_seen = true;
			hlen = sizeof(struct rte_ipv6_fragment_ext);
			fd = tlb_parse_rd16(e + offsetof(struct rte_ipv6_fragment_ext, frag_data));
			memcpy(&p->frag_id, e + offsetof(struct rte_ipv6_fragment_ext, id), 4);
			p->frag_id = rte_be_to_cpu_32(p->frag_id);
			if (RTE_IPV6_GET_FO(fd) != 0) {
				p->flags |= TLB_PKT_F_FRAG;
				p->proto = e[offsetof(struct rte_ipv6_fragment_ext, next_header)];
				*l4 = 0;
				return TLB_V_OK;
			}
			if (RTE_IPV6_GET_MF(fd))
				p->flags |= TLB_PKT_F_FRAG | TLB_PKT_F_FIRST_FRAG;
			else
				p->frag_id = 0;		/* atomic fragment: a whole packet */
		} else if (nh == IPPROTO_AH) {
			hlen = ((uint32_t)e[offsetof(struct tlb_ipv6_ext_hdr, hdr_ext_len)] + 2) * 4;
		} else {
			hlen = ((uint32_t)e[offsetof(struct tlb_ipv6_ext_hdr, hdr_ext_len)] + 1) * 8;
		}
		if (hlen > end - off)
			return TLB_V_BAD_IPV6_EXT;
		v = tlb_parse_need(b, off + hlen);
		if (v != TLB_V_OK)
			return v;
		nh = e[offsetof(struct tlb_ipv6_ext_hdr, next_header)];
		off += hlen;
	}
	p->proto = nh;
	*l4 = off;
	return TLB_V_OK;
}

/*
 * IPv6 fixed header (RFC 8200 section 3). Checks, in order: the 40 bytes are
 * readable; version 6; payload length != 0 (0 announces a jumbogram, RFC 2675,
 * which we do not take: BAD_IP_HEADER); 40 + payload length <= frame bytes after
 * L2 (TRUNCATED; more bytes are Ethernet padding). A packet longer than 65535
 * bytes in all does not fit ip_len and could not be encapsulated in an outer
 * IPv4 or IPv6 packet either: BAD_IP_HEADER. Then the extension headers.
 */
static inline enum tlb_verdict
tlb_parse_ipv6(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t *l4)
{
	const uint8_t *h = b->frame + p->l3_off;
	enum tlb_verdict v;
	uint32_t total;

	v = tlb_parse_need(b, p->l3_off + sizeof(struct rte_ipv6_hdr));
	if (v != TLB_V_OK)
		return v;
	if ((h[offsetof(struct rte_ipv6_hdr, vtc_flow)] >> 4) != 6)
		return TLB_V_BAD_IP_HEADER;
	total = tlb_parse_rd16(h + offsetof(struct rte_ipv6_hdr, payload_len));
	if (total == 0)
		return TLB_V_BAD_IP_HEADER;
	total += sizeof(struct rte_ipv6_hdr);
	if (total > b->frame_len - p->l3_off)
		return TLB_V_TRUNCATED;
	if (total > UINT16_MAX)
		return TLB_V_BAD_IP_HEADER;

	p->ip_len = (uint16_t)total;
	/* Traffic class: the 8 bits after the version nibble. */
	p->tos = (uint8_t)(tlb_parse_rd16(h + offsetof(struct rte_ipv6_hdr, vtc_flow)) >> 4);
	p->ttl = h[offsetof(struct rte_ipv6_hdr, hop_limits)];
	p->proto = h[offsetof(struct rte_ipv6_hdr, proto)];
	tlb_addr_set6(&p->src, h + offsetof(struct rte_ipv6_hdr, src_addr));
	tlb_addr_set6(&p->dst, h + offsetof(struct rte_ipv6_hdr, dst_addr));
	return tlb_parse_ipv6_ext(b, p, l4);
}

/*
 * TCP (RFC 9293 section 3.1): 20 bytes, data offset >= 5, and the whole header
 * with its options inside the IP packet (room: IP bytes from l4 on).
 */
static inline enum tlb_verdict
tlb_parse_tcp(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t l4, uint32_t room)
{
	const uint8_t *h;
	enum tlb_verdict v;
	uint32_t hlen;

	if (room < sizeof(struct rte_tcp_hdr))
		return TLB_V_BAD_L4_HEADER;
	v = tlb_parse_need(b, l4 + sizeof(struct rte_tcp_hdr));
	if (v != TLB_V_OK)
		return v;
	h = b->frame + l4;
	hlen = (uint32_t)(h[offsetof(struct rte_tcp_hdr, data_off)] >> 4) * 4;
	if (hlen < sizeof(struct rte_tcp_hdr) || hlen > room)
		return TLB_V_BAD_L4_HEADER;
	v = tlb_parse_need(b, l4 + hlen);
	if (v != TLB_V_OK)
		return v;
	p->sport = tlb_parse_rd16(h + offsetof(struct rte_tcp_hdr, src_port));
	p->dport = tlb_parse_rd16(h + offsetof(struct rte_tcp_hdr, dst_port));
	p->tcp_flags = h[offsetof(struct rte_tcp_hdr, tcp_flags)];
	p->tcp_hlen = (uint8_t)hlen;
	return TLB_V_OK;
}

/*
 * UDP (RFC 768): 8 bytes, length >= 8 and, for a whole datagram, length equal
 * to room, the IP payload after any extension headers. A first fragment only
 * carries the start of the datagram: there only length >= 8 is checked.
 */
static inline enum tlb_verdict
tlb_parse_udp(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t l4, uint32_t room)
{
	const uint8_t *h;
	enum tlb_verdict v;
	uint16_t ulen;

	if (room < sizeof(struct rte_udp_hdr))
		return TLB_V_BAD_L4_HEADER;
	v = tlb_parse_need(b, l4 + sizeof(struct rte_udp_hdr));
	if (v != TLB_V_OK)
		return v;
	h = b->frame + l4;
	ulen = tlb_parse_rd16(h + offsetof(struct rte_udp_hdr, dgram_len));
	if (ulen < sizeof(struct rte_udp_hdr))
		return TLB_V_BAD_L4_HEADER;
	if (!(p->flags & TLB_PKT_F_FRAG) && ulen != room)
		return TLB_V_BAD_L4_HEADER;
	p->sport = tlb_parse_rd16(h + offsetof(struct rte_udp_hdr, src_port));
	p->dport = tlb_parse_rd16(h + offsetof(struct rte_udp_hdr, dst_port));
	return TLB_V_OK;
}

/*
 * ICMP (RFC 792) over IPv4, ICMPv6 (RFC 4443 section 2.1) over IPv6: type and
 * code need the first 4 bytes; what follows depends on the type and is the
 * caller's business (8 bytes for an echo, the quoted packet for an error).
 */
static inline enum tlb_verdict
tlb_parse_icmp(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t l4, uint32_t room)
{
	const uint8_t *h;
	enum tlb_verdict v;

	if (room < TLB_ICMP_MIN_LEN)
		return TLB_V_BAD_L4_HEADER;
	v = tlb_parse_need(b, l4 + TLB_ICMP_MIN_LEN);
	if (v != TLB_V_OK)
		return v;
	h = b->frame + l4;
	p->icmp_type = h[offsetof(struct rte_icmp_hdr, icmp_type)];
	p->icmp_code = h[offsetof(struct rte_icmp_hdr, icmp_code)];
	return TLB_V_OK;
}

/*
 * L4 header at l4, inside an IP packet ending at l3_off + ip_len, for a whole
 * packet or a first fragment. Too short for the IP packet is BAD_L4_HEADER
 * (length rule at the top of this file). ICMP is protocol 1 over IPv4 only
 * and ICMPv6 58 over IPv6 only. Any other protocol has no L4 header for us:
 * TLB_V_OK with l4_off 0 and F_L4 clear.
 */
static inline enum tlb_verdict
tlb_parse_l4(const struct tlb_parse_buf *b, struct tlb_pkt *p, uint32_t l4)
{
	uint32_t room = (uint32_t)p->l3_off + p->ip_len - l4;
	enum tlb_verdict v;

	if (p->proto == IPPROTO_TCP)
		v = tlb_parse_tcp(b, p, l4, room);
	else if (p->proto == IPPROTO_UDP)
		v = tlb_parse_udp(b, p, l4, room);
	else if ((p->kind == TLB_PKT_IPV4 && p->proto == IPPROTO_ICMP) ||
		 (p->kind == TLB_PKT_IPV6 && p->proto == IPPROTO_ICMPV6))
		v = tlb_parse_icmp(b, p, l4, room);
	else
		return TLB_V_OK;
	if (v != TLB_V_OK)
		return v;
	p->l4_off = (uint16_t)l4;
	p->flags |= TLB_PKT_F_L4;
	return TLB_V_OK;
}

enum tlb_verdict
tlb_parse(const uint8_t *frame, uint32_t avail, uint32_t frame_len, struct tlb_pkt *p)
{
	const struct tlb_parse_buf b = { .frame = frame, .avail = avail, .frame_len = frame_len };
	enum tlb_verdict v;
	uint32_t l3 = 0;
	uint32_t l4 = 0;

	memset(p, 0, sizeof(*p));
	v = tlb_parse_l2(&b, p, &l3);
	if (v != TLB_V_OK)
		return v;
	p->l3_off = (uint16_t)l3;

	switch (p->ethertype) {
	case RTE_ETHER_TYPE_IPV4:
		p->kind = TLB_PKT_IPV4;
		v = tlb_parse_ipv4(&b, p, &l4);
		break;
	case RTE_ETHER_TYPE_IPV6:
		p->kind = TLB_PKT_IPV6;
		v = tlb_parse_ipv6(&b, p, &l4);
		break;
	case RTE_ETHER_TYPE_ARP:
		/* RFC 826: the Ethernet/IPv4 ARP packet; its fields are the caller's. */
		p->kind = TLB_PKT_ARP;
		return tlb_parse_need(&b, l3 + sizeof(struct rte_arp_hdr));
	default:
		return TLB_V_NOT_IP;
	}
	if (v != TLB_V_OK)
		return v;
	/* A later fragment carries no L4 header: OK, F_FRAG without F_L4. */
	if ((p->flags & (TLB_PKT_F_FRAG | TLB_PKT_F_FIRST_FRAG)) == TLB_PKT_F_FRAG)
		return TLB_V_OK;
	return tlb_parse_l4(&b, p, l4);
}

enum tlb_verdict
tlb_parse_icmp_quote(const uint8_t *frame, uint32_t avail, const struct tlb_pkt *p,
		     struct tlb_pkt *q)
{
	uint32_t off = (uint32_t)p->l4_off + 8;			/* after the ICMP header */
	uint32_t end = (uint32_t)p->l3_off + p->ip_len;
	const uint8_t *h;
	uint32_t hlen;
	uint16_t frag;

	if (end > avail)
		end = avail;
	memset(q, 0, sizeof(*q));
	if (!(p->flags & TLB_PKT_F_L4) || off >= end)
		return TLB_V_BAD_ICMP_QUOTE;
	h = frame + off;
	if (p->kind == TLB_PKT_IPV4) {
		/* RFC 792: the internet header plus 64 bits of the original datagram */
		if (end - off < sizeof(struct rte_ipv4_hdr) || (h[0] >> 4) != IPVERSION)
			return TLB_V_BAD_ICMP_QUOTE;
		hlen = (h[0] & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
		frag = tlb_parse_rd16(h + offsetof(struct rte_ipv4_hdr, fragment_offset));
		if (hlen < sizeof(struct rte_ipv4_hdr) || (frag & RTE_IPV4_HDR_OFFSET_MASK) != 0)
			return TLB_V_BAD_ICMP_QUOTE;
		q->kind = TLB_PKT_IPV4;
		q->proto = h[offsetof(struct rte_ipv4_hdr, next_proto_id)];
		tlb_addr_set4(&q->src, h + offsetof(struct rte_ipv4_hdr, src_addr));
		tlb_addr_set4(&q->dst, h + offsetof(struct rte_ipv4_hdr, dst_addr));
	} else {
		/* RFC 4443 section 3: as much of the invoking packet as fits */
		if (end - off < sizeof(struct rte_ipv6_hdr) || (h[0] >> 4) != 6)
			return TLB_V_BAD_ICMP_QUOTE;
		hlen = sizeof(struct rte_ipv6_hdr);
		q->kind = TLB_PKT_IPV6;
		q->proto = h[offsetof(struct rte_ipv6_hdr, proto)];
		tlb_addr_set6(&q->src, h + offsetof(struct rte_ipv6_hdr, src_addr));
		tlb_addr_set6(&q->dst, h + offsetof(struct rte_ipv6_hdr, dst_addr));
	}
	if ((q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP) || end - off < hlen + 8)
		return TLB_V_BAD_ICMP_QUOTE;
	q->sport = tlb_parse_rd16(h + hlen);
	q->dport = tlb_parse_rd16(h + hlen + 2);
	q->flags = TLB_PKT_F_L4;
	return TLB_V_OK;
}
