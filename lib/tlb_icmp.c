/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "tlb_cksum.h"
#include "tlb_icmp.h"

#define ICMP4_DEST_UNREACH 3		/* RFC 792 */
#define ICMP4_FRAG_NEEDED 4		/* code of type 3: RFC 1191 section 4 */
#define ICMP4_TIME_EXCEEDED 11
#define ICMP6_DEST_UNREACH 1		/* RFC 4443 section 3.1 */
#define ICMP6_PACKET_TOO_BIG 2		/* section 3.2 */
#define ICMP6_TIME_EXCEEDED 3		/* section 3.3 */
#define ICMP_TTL 64

uint32_t
tlb_icmp_too_big(uint8_t *frame, const struct tlb_pkt *p, uint16_t mtu,
		 const uint8_t port_mac[6], uint16_t ip_id, uint32_t *start)
{
	uint32_t hdrs = p->kind == TLB_PKT_IPV4 ? TLB_ICMP4_TOO_BIG_HDRS : TLB_ICMP6_TOO_BIG_HDRS;
	uint32_t limit = p->kind == TLB_PKT_IPV4 ? TLB_ICMP4_MAX_LEN : TLB_ICMP6_MAX_LEN;
	uint32_t quote = p->ip_len < limit - hdrs ? p->ip_len : limit - hdrs;
	uint8_t *out = frame - hdrs;
	uint8_t *l3 = out + p->l3_off;
	uint8_t *icmp = l3 + hdrs - 8;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)(void *)out;
	uint16_t ck;

	/* L2 header (and VLAN tags) to the new start, then back to the sender. */
	memmove(out, frame, p->l3_off);
	memcpy(&eth->dst_addr, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(&eth->src_addr, port_mac, RTE_ETHER_ADDR_LEN);
	memset(icmp, 0, 8);
	if (p->kind == TLB_PKT_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;
		uint16_t nmtu = rte_cpu_to_be_16(mtu);

		/* RFC 792: type 3 code 4; RFC 1191 section 4: next-hop MTU in the low 16 bits */
		icmp[0] = ICMP4_DEST_UNREACH;
		icmp[1] = ICMP4_FRAG_NEEDED;
		memcpy(icmp + 6, &nmtu, 2);
		ck = tlb_cksum_buf(icmp, 8 + quote);
		memcpy(icmp + 2, &ck, 2);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hdrs + quote));
		ip->packet_id = rte_cpu_to_be_16(ip_id);
		ip->fragment_offset = 0;	/* Katran#206: a copied frag_off makes receivers drop it */
		ip->time_to_live = ICMP_TTL;
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, p->dst.a, 4);	/* the VIP the client talked to */
		memcpy(&ip->dst_addr, p->src.a, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)l3;
		uint32_t nmtu = rte_cpu_to_be_32(mtu);

		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = ICMP_TTL;
		memcpy(ip6->src_addr, p->dst.a, 16);
		memcpy(ip6->dst_addr, p->src.a, 16);
		/* RFC 4443 section 3.2: type 2, code 0, MTU (32 bits) */
		icmp[0] = ICMP6_PACKET_TOO_BIG;
		memcpy(icmp + 4, &nmtu, 4);
		ck = tlb_cksum_l4(ip6->src_addr, ip6->dst_addr, 16, IPPROTO_ICMPV6, icmp, 8 + quote);
		memcpy(icmp + 2, &ck, 2);
	}
	*start = hdrs;
	return p->l3_off + hdrs + quote;
}

void
tlb_icmp_bucket_init(struct tlb_icmp_bucket *b, uint32_t rate, uint32_t burst, uint64_t hz)
{
	b->per_token = rate != 0 ? hz / rate : 0;
	if (rate != 0 && b->per_token == 0)
		b->per_token = 1;
	b->burst = (uint64_t)burst << 16;
	b->tokens = b->burst;
	b->last = 0;
}

int
tlb_icmp_is_steerable_error(const struct tlb_pkt *p)
{
	if (!(p->flags & TLB_PKT_F_L4))
		return 0;
	if (p->kind == TLB_PKT_IPV4 && p->proto == IPPROTO_ICMP)
		return p->icmp_type == ICMP4_DEST_UNREACH || p->icmp_type == ICMP4_TIME_EXCEEDED;
	if (p->kind == TLB_PKT_IPV6 && p->proto == IPPROTO_ICMPV6)
		return p->icmp_type == ICMP6_DEST_UNREACH || p->icmp_type == ICMP6_PACKET_TOO_BIG ||
		       p->icmp_type == ICMP6_TIME_EXCEEDED;
	return 0;
}
