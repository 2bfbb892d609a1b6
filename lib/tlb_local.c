/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "tlb_cksum.h"
#include "tlb_local.h"

#define ICMP6_ECHO_REQUEST 128		/* RFC 4443 section 4.1 */
#define ICMP6_ECHO_REPLY 129		/* RFC 4443 section 4.2 */
#define ND_NEIGHBOR_SOLICIT 135		/* RFC 4861 section 4.3 */
#define ND_NEIGHBOR_ADVERT 136		/* RFC 4861 section 4.4 */
#define ND_OPT_SOURCE_LLADDR 1		/* RFC 4861 section 4.6.1 */
#define ND_OPT_TARGET_LLADDR 2
#define ND_NA_FLAG_SOLICITED 0x40	/* RFC 4861 section 4.4: R=0x80 S=0x40 O=0x20 */
#define ND_NA_FLAG_OVERRIDE 0x20
#define ND_HOP_LIMIT 255		/* RFC 4861 section 7.1.1 */
#define ND_NS_LEN 24			/* type, code, cksum, reserved, target */
#define ND_NA_LEN (24 + 8)		/* ... plus one target link-layer option */
#define ECHO_TTL 64

void
tlb_local_node_init(struct tlb_local_node *n, const struct tlb_addr *ipv4,
		    const struct tlb_addr *ipv6)
{
	/* RFC 4291 section 2.7.1: ff02::1:ffXX:XXXX with the address's low 24 bits */
	static const uint8_t snm_prefix[13] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	memset(n, 0, sizeof(*n));
	if (ipv4 != NULL && ipv4->family == TLB_AF_INET)
		n->ipv4 = *ipv4;
	if (ipv6 != NULL && ipv6->family == TLB_AF_INET6) {
		n->ipv6 = *ipv6;
		memcpy(n->ipv6_snm, snm_prefix, sizeof(snm_prefix));
		memcpy(n->ipv6_snm + 13, ipv6->a + 13, 3);
	}
}

int
tlb_local_is_node(const struct tlb_local_node *n, const struct tlb_pkt *p)
{
	if (p->kind == TLB_PKT_IPV4)
		return n->ipv4.family != 0 && memcmp(p->dst.a, n->ipv4.a, 4) == 0;
	if (p->kind == TLB_PKT_IPV6)
		return n->ipv6.family != 0 &&
		       (memcmp(p->dst.a, n->ipv6.a, 16) == 0 ||
			memcmp(p->dst.a, n->ipv6_snm, 16) == 0);
	return 0;
}

/* Ethernet reply header: back to the sender, from us. VLAN tags stay. */
static void
swap_eth(uint8_t *frame, const uint8_t port_mac[6])
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)(void *)frame;

	memcpy(&eth->dst_addr, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(&eth->src_addr, port_mac, RTE_ETHER_ADDR_LEN);
}

/* RFC 826: answer "who has node.ipv4" with our MAC. */
static enum tlb_verdict
answer_arp(uint8_t *frame, uint32_t len, const struct tlb_pkt *p,
	   const struct tlb_local_node *n, const uint8_t port_mac[6], uint32_t *out_len)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(void *)(frame + p->l3_off);
	struct rte_arp_ipv4 *a = &arp->arp_data;

	if (n->ipv4.family == 0 ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    memcmp(&a->arp_tip, n->ipv4.a, 4) != 0 ||
	    memcmp(&a->arp_sip, n->ipv4.a, 4) == 0)	/* someone else claims our address */
		return TLB_V_ARP_OTHER;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	memcpy(&a->arp_tha, &a->arp_sha, RTE_ETHER_ADDR_LEN);
	memcpy(&a->arp_tip, &a->arp_sip, 4);
	memcpy(&a->arp_sha, port_mac, RTE_ETHER_ADDR_LEN);
	memcpy(&a->arp_sip, n->ipv4.a, 4);
	swap_eth(frame, port_mac);
	*out_len = len;		/* keep the request's (padded) length */
	return TLB_V_OK;
}

/* RFC 792 echo: type 8 -> 0, addresses swapped, identifier/sequence/data kept. */
static enum tlb_verdict
answer_echo4(uint8_t *frame, const struct tlb_pkt *p, const struct tlb_local_node *n,
	     const uint8_t port_mac[6], uint32_t *out_len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)(frame + p->l3_off);
	uint8_t *icmp = frame + p->l4_off;
	uint32_t icmp_len = (uint32_t)p->l3_off + p->ip_len - p->l4_off;
	uint16_t ck;

	if (p->proto != IPPROTO_ICMP || !(p->flags & TLB_PKT_F_L4) ||
	    p->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return TLB_V_NODE_OTHER;
	if ((p->flags & TLB_PKT_F_FRAG) || icmp_len < 8 || p->icmp_code != 0 ||
	    tlb_cksum_buf(icmp, icmp_len) != 0)
		return TLB_V_BAD_ICMP;

	/*
	 * Recomputed from the bytes, not updated by RFC 1624 eqn. 3: an echo of
	 * identifier 0, sequence 0 and no data has an all-zero reply whose
	 * checksum is 0xffff, and eqn. 3 gives 0x0000 there (found by
	 * tests/fuzz/fuzz_local, corpus/local/regress-echo-zero-cksum).
	 */
	icmp[0] = RTE_IP_ICMP_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	ck = tlb_cksum_buf(icmp, icmp_len);
	memcpy(icmp + 2, &ck, 2);

	memcpy(&ip->dst_addr, &ip->src_addr, 4);
	memcpy(&ip->src_addr, n->ipv4.a, 4);
	ip->time_to_live = ECHO_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	swap_eth(frame, port_mac);
	*out_len = (uint32_t)p->l3_off + p->ip_len;	/* Ethernet padding dropped */
	return TLB_V_OK;
}

static uint16_t
icmp6_cksum(const struct rte_ipv6_hdr *ip6, const uint8_t *icmp, uint32_t len)
{
	return tlb_cksum_l4(ip6->src_addr, ip6->dst_addr, 16, IPPROTO_ICMPV6, icmp, len);
}

/* RFC 4443 section 4.2: echo reply to the requester, from node.ipv6. */
static enum tlb_verdict
answer_echo6(uint8_t *frame, const struct tlb_pkt *p, const struct tlb_local_node *n,
	     const uint8_t port_mac[6], uint32_t *out_len)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)(frame + p->l3_off);
	uint8_t *icmp = frame + p->l4_off;
	uint32_t icmp_len = (uint32_t)p->l3_off + p->ip_len - p->l4_off;
	uint16_t ck;

	/* Only to our unicast address, never to the solicited-node group. */
	if (memcmp(p->dst.a, n->ipv6.a, 16) != 0)
		return TLB_V_NODE_OTHER;
	if (icmp_len < 8 || p->icmp_code != 0 || (p->flags & TLB_PKT_F_FRAG) ||
	    icmp6_cksum(ip6, icmp, icmp_len) != 0)
		return TLB_V_BAD_ICMP;
	if (p->l4_off != p->l3_off + sizeof(*ip6))
		return TLB_V_NODE_OTHER;	/* extension headers: not answered */

	memcpy(ip6->dst_addr, ip6->src_addr, 16);
	memcpy(ip6->src_addr, n->ipv6.a, 16);
	ip6->hop_limits = ECHO_TTL;
	icmp[0] = ICMP6_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	ck = icmp6_cksum(ip6, icmp, icmp_len);
	memcpy(icmp + 2, &ck, 2);
	swap_eth(frame, port_mac);
	*out_len = (uint32_t)p->l3_off + p->ip_len;
	return TLB_V_OK;
}

/*
 * RFC 4861 section 7.1.1 validity, then section 7.2.4: a solicited NA with
 * S=1 (0 to the unspecified source), O=1, our target and our MAC as the
 * target link-layer address option.
 */
static enum tlb_verdict
answer_ns(uint8_t *frame, uint32_t cap, const struct tlb_pkt *p,
	  const struct tlb_local_node *n, const uint8_t port_mac[6], uint32_t *out_len)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)(void *)frame;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)(frame + p->l3_off);
	uint8_t *icmp = frame + p->l4_off;
	uint32_t icmp_len = (uint32_t)p->l3_off + p->ip_len - p->l4_off;
	const uint8_t *sllao = NULL;
	uint8_t unspec_src, reply_mac[RTE_ETHER_ADDR_LEN];
	uint32_t off;
	uint16_t ck;

	if (p->ttl != ND_HOP_LIMIT || p->icmp_code != 0 || icmp_len < ND_NS_LEN ||
	    p->l4_off != p->l3_off + sizeof(*ip6) || icmp6_cksum(ip6, icmp, icmp_len) != 0 ||
	    icmp[8] == 0xff)				/* target is multicast */
		return TLB_V_BAD_ICMP;
	for (off = ND_NS_LEN; off < icmp_len; ) {
		uint32_t olen;

		if (icmp_len - off < 2 || icmp[off + 1] == 0)
			return TLB_V_BAD_ICMP;		/* 7.1.1: option length 0 */
		olen = (uint32_t)icmp[off + 1] * 8;
		if (olen > icmp_len - off)
			return TLB_V_BAD_ICMP;
		if (icmp[off] == ND_OPT_SOURCE_LLADDR && olen >= 8)
			sllao = icmp + off + 2;
		off += olen;
	}
	unspec_src = p->src.a[0] == 0 && memcmp(p->src.a, p->src.a + 1, 15) == 0;
	if (unspec_src && (sllao != NULL || memcmp(p->dst.a, n->ipv6_snm, 16) != 0))
		return TLB_V_BAD_ICMP;
	if (memcmp(icmp + 8, n->ipv6.a, 16) != 0)
		return TLB_V_NODE_OTHER;		/* not our target */
	if ((uint32_t)p->l4_off + ND_NA_LEN > cap)
		return TLB_V_HEADROOM;

	memcpy(reply_mac, sllao != NULL ? sllao : (const uint8_t *)&eth->src_addr,
	       RTE_ETHER_ADDR_LEN);
	if (unspec_src) {	/* 7.2.4: to all-nodes, S=0; Ethernet 33:33:00:00:00:01 */
		static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 0x01 };

		memcpy(reply_mac, mc, sizeof(mc));
		memcpy(ip6->dst_addr, all_nodes, 16);
	} else {
		memcpy(ip6->dst_addr, ip6->src_addr, 16);
	}
	memcpy(&eth->dst_addr, reply_mac, RTE_ETHER_ADDR_LEN);
	memcpy(&eth->src_addr, port_mac, RTE_ETHER_ADDR_LEN);
	memcpy(ip6->src_addr, n->ipv6.a, 16);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(ND_NA_LEN);
	ip6->hop_limits = ND_HOP_LIMIT;

	memset(icmp, 0, ND_NA_LEN);
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[4] = ND_NA_FLAG_OVERRIDE | (unspec_src ? 0 : ND_NA_FLAG_SOLICITED);
	memcpy(icmp + 8, n->ipv6.a, 16);
	icmp[24] = ND_OPT_TARGET_LLADDR;
	icmp[25] = 1;					/* in units of 8 bytes */
	memcpy(icmp + 26, port_mac, RTE_ETHER_ADDR_LEN);
	ck = icmp6_cksum(ip6, icmp, ND_NA_LEN);
	memcpy(icmp + 2, &ck, 2);
	*out_len = (uint32_t)p->l4_off + ND_NA_LEN;
	return TLB_V_OK;
}

enum tlb_verdict
tlb_local_answer(uint8_t *frame, uint32_t len, uint32_t cap, const struct tlb_pkt *p,
		 const struct tlb_local_node *n, const uint8_t port_mac[6], uint32_t *out_len,
		 enum tlb_reply_kind *kind)
{
	enum tlb_verdict v;

	if (p->kind == TLB_PKT_ARP) {
		*kind = TLB_REPLY_ARP;
		return answer_arp(frame, len, p, n, port_mac, out_len);
	}
	if (p->kind == TLB_PKT_IPV4) {
		*kind = TLB_REPLY_ECHO;
		return answer_echo4(frame, p, n, port_mac, out_len);
	}
	if (p->kind != TLB_PKT_IPV6 || p->proto != IPPROTO_ICMPV6 || !(p->flags & TLB_PKT_F_L4))
		return TLB_V_NODE_OTHER;
	if (p->icmp_type == ND_NEIGHBOR_SOLICIT) {
		*kind = TLB_REPLY_ND;
		v = answer_ns(frame, cap, p, n, port_mac, out_len);
	} else if (p->icmp_type == ICMP6_ECHO_REQUEST) {
		*kind = TLB_REPLY_ECHO6;
		v = answer_echo6(frame, p, n, port_mac, out_len);
	} else {
		v = TLB_V_NODE_OTHER;
	}
	return v;
}

const char *
tlb_local_reply_name(enum tlb_reply_kind k)
{
	static const char *const names[] = {
#define TLB_X_NAME(e, s) #s,
		TLB_REPLY_KINDS(TLB_X_NAME)
#undef TLB_X_NAME
	};

	return (unsigned int)k < TLB_DIM(names) ? names[k] : "?";
}
