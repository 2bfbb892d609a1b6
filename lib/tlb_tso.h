/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_TSO_H
#define TLB_TSO_H

/*
 * Software TCP segmentation of an inner packet too large for the egress MTU
 * once encapsulated (our own segmenter: librte_gso 22.11 has no GUE, no IPv6;
 * research/dpdk-offloads.md 2.4), with Linux GSO semantics (net/ipv4/
 * tcp_offload.c): every segment carries a copy of the IP and TCP headers
 * (TCP options included); sequence number + i x MSS; FIN and PSH on the last
 * segment only, CWR on the first only; inner IPv4 identification + i
 * (RFC 6864 allows any with DF, and Linux increments); lengths and checksums
 * recomputed (IPv4 header: RFC 791; TCP: RFC 9293 section 3.1 with the
 * RFC 791 / RFC 8200 section 8.1 pseudo-header). Packets with IPv4 options or
 * IPv6 extension headers are not segmented (a source route changes the
 * pseudo-header). Pure.
 */

#include <stdint.h>

#define TLB_TSO_MAX_SEGS 64
#define TLB_TSO_HDR_MAX (40 + 60)	/* IPv6 header + the longest TCP header */

struct tlb_tso {
	uint16_t hdr_len;	/* inner IP header + TCP header with options */
	uint16_t l4_off;	/* TCP header offset in the inner packet (20 or 40) */
	uint16_t mss;		/* TCP payload bytes per segment */
	uint16_t n;		/* segments */
	uint32_t payload;	/* TCP payload bytes in all */
	uint8_t v6;
};

/*
 * Plan the segmentation of the inner IPv4 or IPv6 TCP packet ip[0..ip_len)
 * (its headers at least readable) into segments of at most mss payload
 * bytes. Returns 0, -EINVAL (not TCP directly after a plain IPv4/IPv6
 * header, a fragment, malformed lengths, mss 0) or -E2BIG (more than
 * TLB_TSO_MAX_SEGS segments).
 */
int tlb_tso_plan(struct tlb_tso *s, const uint8_t *ip, uint32_t ip_len, uint32_t mss);

/* Payload bytes of segment i. */
static inline uint32_t
tlb_tso_seg_payload(const struct tlb_tso *s, uint32_t i)
{
	uint32_t off = i * s->mss;

	return s->payload - off < s->mss ? s->payload - off : s->mss;
}

/*
 * Segment i in place: seg holds a copy of the original headers (hdr_len
 * bytes) followed by the payload of segment i. Sets the IP lengths, IPv4
 * identification and header checksum, TCP sequence number, flags and
 * checksum (computed from scratch).
 */
void tlb_tso_fix(const struct tlb_tso *s, uint8_t *seg, uint32_t i);

#endif /* TLB_TSO_H */
