/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_ENCAP_H
#define TLB_ENCAP_H

/*
 * GUE and VXLAN encapsulation (design.md section 5). The control thread builds
 * one header template per backend; the fast path copies it in front of the
 * inner IP packet and fills the per-packet fields. Pure: no mbufs here, the
 * caller owns the buffer. Checksums are left to tlb_offload.
 */

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "tlb_addr.h"
#include "tlb_common.h"
#include "tlb_config.h"

/*
 * GUE header, variant 0 (draft-ietf-intarea-gue-09 section 3.1): 2-bit version
 * (0), C bit (0 = data message), 5-bit Hlen (0: no extension fields), 8-bit
 * Proto/ctype (the inner IP protocol number: 4 = IPv4, 41 = IPv6), 16-bit flags.
 */
struct tlb_gue_hdr {
	uint8_t ver_c_hlen;
	uint8_t proto_ctype;
	rte_be16_t flags;
} __rte_packed;
TLB_STATIC_ASSERT(sizeof(struct tlb_gue_hdr) == 4, "GUE base header is 4 bytes");

#define TLB_ENCAP_MAX_HDR						\
	(RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_udp_hdr) + \
	 sizeof(struct rte_vxlan_hdr) + RTE_ETHER_HDR_LEN)	/* 84 bytes */
#define TLB_ENCAP_MIN_HDR						\
	(RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))	/* 42 */
TLB_STATIC_ASSERT(TLB_ENCAP_MIN_HDR >= 32 && TLB_ENCAP_MAX_HDR <= 96,
		  "tlb_encap_copy_hdr() covers every header length with 32-byte copies");

#define TLB_ENCAP_TTL 64		/* outer IPv4 TTL / IPv6 hop limit */

/* What the template is built from (control thread). */
struct tlb_encap_params {
	enum tlb_encap_type encap;
	uint8_t gue_variant;		/* 0 or 1 */
	uint8_t inner_family;		/* TLB_AF_INET / TLB_AF_INET6: the VIP's family */
	uint16_t dst_port;		/* outer UDP destination, host order */
	uint32_t vni;			/* VXLAN network identifier */
	struct tlb_addr src;		/* node.ipv4 or node.ipv6, same family as dst */
	struct tlb_addr dst;		/* backend address */
	uint8_t gateway_mac[6];		/* outer Ethernet destination */
	uint8_t backend_mac[6];		/* VXLAN inner Ethernet destination */
	uint8_t udp_csum_zero;		/* outer IPv4: send the UDP checksum as 0 (RFC 768) */
};

/* A ready header: bytes plus where the per-packet fields are. */
struct tlb_encap_tmpl {
	uint8_t hdr[TLB_ENCAP_MAX_HDR];
	uint8_t len;			/* bytes of hdr in use */
	uint8_t l3_len;			/* outer IP header: 20 or 40 */
	uint8_t outer_family;		/* TLB_AF_INET / TLB_AF_INET6 */
	uint8_t inner_eth_off;		/* VXLAN: offset of the inner Ethernet header; else 0 */
	uint8_t udp_zero;		/* outer UDP checksum 0 (outer IPv4 only; never over IPv6) */
};

/*
 * Fill t from p. Returns 0, or -EINVAL when src and dst families differ or a
 * field is out of range. Control thread.
 */
int tlb_encap_tmpl_init(struct tlb_encap_tmpl *t, const struct tlb_encap_params *p);

/*
 * Per-packet fields of the outer headers. hash is the flow hash (outer UDP
 * source port, IPv6 flow label); tos is the inner DSCP/ECN byte (copied:
 * RFC 2983 uniform DSCP, RFC 6040 section 4.1 normal-mode ECN); ip_id the
 * outer IPv4 identification (RFC 6864: any value with DF set).
 */
struct tlb_encap_pkt {
	uint32_t hash;
	uint16_t inner_len;		/* bytes of the inner IP packet */
	uint16_t ip_id;
	uint8_t tos;
};

/*
 * Write t->len header bytes at dst, directly in front of the inner IP packet,
 * and fill lengths, source MAC(s), TOS/traffic class, flow label, IPv4 ID and
 * UDP source port. Outer IPv4 and UDP checksums are left 0 for tlb_offload.
 * dst must have t->len writable bytes. Fast path, any thread.
 */
static inline void
tlb_encap_write(uint8_t *dst, const struct tlb_encap_tmpl *t, const uint8_t src_mac[6],
		const struct tlb_encap_pkt *pk);

#include "tlb_encap_inline.h"

#endif /* TLB_ENCAP_H */
