/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_GRO_H
#define TLB_GRO_H

/*
 * Receive coalescing of client TCP/IPv4 before encapsulation (dataplane
 * 'gro: on'), around DPDK's rte_gro: the parts of one burst are merged and
 * the context is flushed whole at once, nothing is held between bursts (no
 * added latency, no mbuf owned across loop iterations). What rte_gro 22.11
 * leaves to its caller is done here:
 *  - it verifies no checksum, so a corrupt segment would become part of a
 *    valid-looking packet: a part needs a good IPv4 header checksum and a good
 *    TCP checksum (RFC 9293 section 3.1), the NIC's RX verdict or our own sum;
 *  - it writes no checksum for what it merged: tlb_gro_finish() writes both,
 *    the TCP one from the parts' payload sums (no second pass over the data);
 *  - its flow key ignores the IP header's ECN field, so a CE mark (RFC 3168)
 *    would be lost in a merge: CE-marked segments are never parts;
 *  - it hands merged packets back ahead of those it refused, which would
 *    reorder a flow that has both in one burst: a part records its place in
 *    the burst, and the caller puts a merged packet in its head part's place.
 * Only TCP over IPv4 without options or VLAN tags (rte_gro 22.11 has no
 * TCP/IPv6). A merged packet is a TSO request like a NIC's LRO output
 * (RTE_MBUF_F_RX_LRO, tso_segsz = its largest part's payload), so it leaves
 * as segments of the client's own size (Linux GRO/GSO semantics), never as
 * one segment larger than the MSS the backend announced. Pure: mbuf fields
 * only, no EAL.
 */

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "tlb_parse.h"

/* What a part carries through rte_gro, in an mbuf dynamic field (tlb_gro_dynfield). */
struct tlb_gro_part {
	uint16_t sum;		/* ones'-complement sum of its TCP payload, folded, not
				 * complemented; a raw word in packet byte order */
	uint16_t idx;		/* its index in the burst */
};

/* The dynamic field's description, for rte_mbuf_dynfield_register(). */
extern const struct rte_mbuf_dynfield tlb_gro_dynfield;

static inline struct tlb_gro_part *
tlb_gro_part_of(struct rte_mbuf *m, int dynoff)
{
	return RTE_MBUF_DYNFIELD(m, dynoff, struct tlb_gro_part *);
}

/*
 * May m (received, parsed into p) be a part? Yes (1) for one segment holding
 * a whole TCP/IPv4 packet, no IPv4 options, not a fragment, no VLAN tag, flags
 * exactly ACK, a payload, ECN not CE, IPv4 header checksum good and TCP
 * checksum good: the RX verdicts RTE_MBUF_F_RX_IP_CKSUM_GOOD /
 * RTE_MBUF_F_RX_L4_CKSUM_GOOD are trusted, BAD refuses, anything else is
 * computed here (O(header) with a good verdict, O(payload) without). Then
 * the part's payload sum and idx go to m's dynamic field at dynoff, and
 * packet_type, l2_len, l3_len and l4_len are set as rte_gro reads them.
 * Otherwise 0 and m is unchanged. Worker lcore that owns m.
 */
int tlb_gro_part(struct rte_mbuf *m, const struct tlb_pkt *p, int dynoff, uint16_t idx);

/*
 * Finish the packet m that rte_gro merged from parts (m->nb_segs > 1; every
 * segment is one part, the first with the headers): IPv4 header checksum
 * (total length already set by rte_gro), TCP checksum from the parts' sums,
 * RX flags L4 and IP checksum good plus RTE_MBUF_F_RX_LRO, tso_segsz the
 * largest part's payload. Returns the number of parts. Worker lcore.
 */
uint16_t tlb_gro_finish(struct rte_mbuf *m, int dynoff);

#endif /* TLB_GRO_H */
