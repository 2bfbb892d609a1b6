/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "tlb_cksum.h"
#include "tlb_gro.h"

#define IPV4_HDR_LEN 20
#define ECN_CE 3	/* RFC 3168 section 5 */

const struct rte_mbuf_dynfield tlb_gro_dynfield = {
	.name = "tunlb_gro_part",
	.size = sizeof(struct tlb_gro_part),
	.align = __alignof__(struct tlb_gro_part),
};

int
tlb_gro_part(struct rte_mbuf *m, const struct tlb_pkt *p, int dynoff, uint16_t idx)
{
	uint64_t ipv = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint64_t l4v = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const uint8_t *ip, *tcp;
	struct tlb_gro_part *part;
	uint32_t thl, tcp_len, sum;
	uint16_t psum;

	if (p->kind != TLB_PKT_IPV4 || p->proto != IPPROTO_TCP || !(p->flags & TLB_PKT_F_L4) ||
	    (p->flags & (TLB_PKT_F_FRAG | TLB_PKT_F_IP_OPTIONS)) || p->n_vlan != 0 ||
	    p->tcp_flags != RTE_TCP_ACK_FLAG || (p->tos & 3) == ECN_CE || m->nb_segs != 1 ||
	    (uint32_t)p->l3_off + p->ip_len > m->data_len ||
	    ipv == RTE_MBUF_F_RX_IP_CKSUM_BAD || l4v == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return 0;
	ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l3_off);
	tcp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);
	thl = p->tcp_hlen;
	tcp_len = (uint32_t)p->ip_len - IPV4_HDR_LEN;
	if (thl >= tcp_len)		/* no payload: nothing to merge */
		return 0;
	if (ipv != RTE_MBUF_F_RX_IP_CKSUM_GOOD && tlb_cksum_buf(ip, IPV4_HDR_LEN) != 0)
		return 0;
	/* The pseudo-header and the TCP header, checksum field included. */
	sum = tlb_cksum_phdr(ip + 12, ip + 16, 4, IPPROTO_TCP, tcp_len);
	sum = tlb_cksum_add(sum, tcp, thl);
	if (l4v == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		/* The whole segment sums to 0xffff: the payload's share is what is missing. */
		psum = (uint16_t)~tlb_cksum_fold(sum);
	} else {
		psum = tlb_cksum_fold(tlb_cksum_add(0, tcp + thl, tcp_len - thl));
		if (tlb_cksum_fold(sum + psum) != 0xffff)
			return 0;
	}
	part = tlb_gro_part_of(m, dynoff);
	part->sum = psum;
	part->idx = idx;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->l2_len = p->l3_off;
	m->l3_len = IPV4_HDR_LEN;
	m->l4_len = thl;
	return 1;
}

uint16_t
tlb_gro_finish(struct rte_mbuf *m, int dynoff)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	uint8_t *tcp = ip + m->l3_len;
	uint32_t hl = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	uint32_t off = 0, most = 0, sum = 0, len;
	struct rte_mbuf *s;
	uint16_t n = 0, ck;

	/*
	 * The payload's sum from the parts' sums: a part that starts at an odd
	 * offset of the merged payload contributes its sum byte-swapped
	 * (RFC 1071 section 2(B)).
	 */
	for (s = m; s != NULL; s = s->next, n++) {
		uint16_t ps = tlb_gro_part_of(s, dynoff)->sum;

		len = s == m ? s->data_len - hl : s->data_len;
		sum += (off & 1) ? rte_bswap16(ps) : ps;
		off += len;
		if (len > most)
			most = len;
	}
	tcp[16] = tcp[17] = 0;
	sum += tlb_cksum_phdr(ip + 12, ip + 16, 4, IPPROTO_TCP, m->pkt_len - m->l2_len - m->l3_len);
	sum = tlb_cksum_add(sum, tcp, m->l4_len);
	ck = (uint16_t)~tlb_cksum_fold(sum);
	memcpy(tcp + 16, &ck, 2);
	ip[10] = ip[11] = 0;
	ck = tlb_cksum_buf(ip, m->l3_len);
	memcpy(ip + 10, &ck, 2);
	m->ol_flags = (m->ol_flags & ~(RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK)) |
		      RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_LRO;
	m->tso_segsz = (uint16_t)most;
	return n;
}
