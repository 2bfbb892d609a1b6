/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_FRAGMENT_H
#define TLB_FRAGMENT_H

/*
 * Fragmentation of an outer packet whose client asked for none to be
 * refused (IPv4 without DF) but which is larger than the egress MTU once
 * encapsulated: the backend's stack reassembles it. Outer IPv4: RFC 791
 * section 3.2 (DF clear, MF and offset in 8-byte units, one identification).
 * Outer IPv6: the fragment header of RFC 8200 section 4.5. Each fragment is
 * a new single-segment mbuf (copied), so any PMD can send it without the
 * multi-segment TX offload.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#define TLB_FRAGMENT_MAX 64	/* fragments of one packet at most */

/*
 * Split m (outer Ethernet, outer IPv4 or IPv6 header of l3_len bytes,
 * payload; checksums final) into fragments of at most mtu bytes of IP,
 * allocated from mp, written to out[] (at most max). frag_id is the
 * identification (16 bits used for IPv4). On success m is freed and the
 * count is returned; on failure (-ENOBUFS: pool empty; -E2BIG: more than
 * max fragments) m is left untouched and nothing is allocated. Worker lcore.
 */
int tlb_fragment_outer(struct rte_mbuf *m, uint16_t l3_len, uint16_t mtu, uint32_t frag_id,
		       struct rte_mempool *mp, struct rte_mbuf **out, uint16_t max);

#endif /* TLB_FRAGMENT_H */
