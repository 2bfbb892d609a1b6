/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "tlb_encap.h"

int
tlb_encap_tmpl_init(struct tlb_encap_tmpl *t, const struct tlb_encap_params *p)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)(void *)t->hdr;
	uint8_t *l3 = t->hdr + RTE_ETHER_HDR_LEN;
	struct rte_udp_hdr *udp;
	uint8_t *tun;
	uint16_t inner_type;

	memset(t, 0, sizeof(*t));
	if (p->src.family != p->dst.family ||
	    (p->dst.family != TLB_AF_INET && p->dst.family != TLB_AF_INET6) ||
	    (p->inner_family != TLB_AF_INET && p->inner_family != TLB_AF_INET6) ||
	    p->vni > 0xffffff || p->gue_variant > 1 || p->dst_port == 0)
		return -EINVAL;
	inner_type = p->inner_family == TLB_AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;

	/* Outer Ethernet: dst = gateway; src filled per packet (TX port MAC). */
	memcpy(&eth->dst_addr, p->gateway_mac, RTE_ETHER_ADDR_LEN);
	t->outer_family = p->dst.family;
	/* RFC 768: 0 = no checksum, allowed over IPv4; RFC 8200 section 8.1: never over IPv6. */
	t->udp_zero = p->udp_csum_zero && p->dst.family == TLB_AF_INET;
	if (p->dst.family == TLB_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)l3;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		/* RFC 791 section 3.1: version 4, IHL 5, DF (no fragmentation of the tunnel) */
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = TLB_ENCAP_TTL;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, p->src.a, 4);
		memcpy(&ip->dst_addr, p->dst.a, 4);
		t->l3_len = sizeof(struct rte_ipv4_hdr);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)l3;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->proto = IPPROTO_UDP;		/* RFC 8200 section 3: next header */
		ip6->hop_limits = TLB_ENCAP_TTL;
		memcpy(ip6->src_addr, p->src.a, 16);
		memcpy(ip6->dst_addr, p->dst.a, 16);
		t->l3_len = sizeof(struct rte_ipv6_hdr);
	}
	udp = (struct rte_udp_hdr *)(void *)(l3 + t->l3_len);
	udp->dst_port = rte_cpu_to_be_16(p->dst_port);
	tun = (uint8_t *)(udp + 1);
	t->len = (uint8_t)(tun - t->hdr);

	if (p->encap == TLB_ENCAP_VXLAN) {
		struct rte_vxlan_hdr *vx = (struct rte_vxlan_hdr *)(void *)tun;
		struct rte_ether_hdr *ieth = (struct rte_ether_hdr *)(void *)(vx + 1);

		/* RFC 7348 section 5: flags 0x08 (I bit), 24-bit VNI, reserved 0 */
		vx->vx_flags = rte_cpu_to_be_32(0x08000000u);
		vx->vx_vni = rte_cpu_to_be_32(p->vni << 8);
		memcpy(&ieth->dst_addr, p->backend_mac, RTE_ETHER_ADDR_LEN);
		ieth->ether_type = rte_cpu_to_be_16(inner_type);
		t->inner_eth_off = (uint8_t)((uint8_t *)ieth - t->hdr);
		t->len = (uint8_t)(t->inner_eth_off + RTE_ETHER_HDR_LEN);
	} else if (p->gue_variant == 0) {
		struct tlb_gue_hdr *gue = (struct tlb_gue_hdr *)(void *)tun;

		/* draft-ietf-intarea-gue section 3.1: ver 0, C 0, hlen 0, proto = inner IP */
		gue->ver_c_hlen = 0;
		gue->proto_ctype = p->inner_family == TLB_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
		gue->flags = 0;
		t->len = (uint8_t)(t->len + sizeof(*gue));
	}
	/* GUE variant 1 (section 4): the inner IP header follows UDP directly. */
	return 0;
}
