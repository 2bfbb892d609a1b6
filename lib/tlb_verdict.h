/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_VERDICT_H
#define TLB_VERDICT_H

#include <errno.h>

/*
 * Fast-path verdicts. TLB_V_OK means "go on"; every other value is a drop
 * reason and names its own counter (design.md section 7). The X-macro keeps the
 * enum, the counter array and the JSON names in one list. Pure.
 */
#define TLB_DROP_REASONS(X)						\
	X(TRUNCATED, truncated)		/* frame ends inside a header or the IP packet */ \
	X(MULTISEG, multiseg_header)	/* headers not contiguous in the first segment */ \
	X(VLAN_DEPTH, vlan_depth)	/* more than two 802.1Q / 802.1ad tags */ \
	X(NOT_IP, not_ip)		/* EtherType neither IPv4, IPv6 nor ARP */ \
	X(BAD_IP_HEADER, bad_ip_header)	/* version, IHL or length fields inconsistent */ \
	X(BAD_IPV6_EXT, bad_ipv6_ext)	/* extension header chain malformed or too long */ \
	X(BAD_L4_HEADER, bad_l4_header)	/* TCP data offset or UDP length inconsistent */ \
	X(FRAGMENT, fragment)		/* non-first fragment: no ports to hash yet */ \
	X(NOT_VIP, not_vip)		/* destination is neither a VIP nor the node */ \
	X(VIP_PORT, vip_port)		/* VIP address, no service on that port */ \
	X(VIP_PROTO, vip_proto)		/* VIP address, protocol not served */ \
	X(NODE_OTHER, node_other)	/* to a node address, but not ARP/NDP/echo */ \
	X(NODE_SOURCE, node_source)	/* claims the node's own address as source: spoofed */ \
	X(ARP_OTHER, arp_other)		/* ARP that is not a request for node.ipv4 */ \
	X(BAD_ICMP, bad_icmp)		/* echo / NS to the node with bad checksum or fields */ \
	X(BAD_ICMP_QUOTE, bad_icmp_quote) /* ICMP error to a VIP quoting no TCP/UDP packet */ \
	X(ICMP_NO_FLOW, icmp_unmatched)	/* ICMP error to a VIP quoting no VIP service's flow */ \
	X(NO_BACKEND, no_backend)	/* service has no usable backend */ \
	X(HEADROOM, headroom)		/* mbuf headroom too small for the outer headers */ \
	X(TOO_BIG, too_big)		/* too big after encapsulation, service policy 'drop' */ \
	X(TOO_BIG_RATELIMIT, too_big_ratelimited) /* too big; the ICMP answer was rate-limited */ \
	X(FRAG_TIMEOUT, fragment_timeout)	/* held fragment whose first never came */ \
	X(FRAG_HOLD_FULL, fragment_hold_full)	/* no room to hold an early fragment */ \
	X(NO_MBUF, no_mbuf)		/* mbuf pool empty (outer fragmentation) */ \
	X(TX_PREPARE, tx_prepare)	/* rte_eth_tx_prepare() refused the packet (rte_errno other) */ \
	X(TX_PREPARE_INVAL, tx_prepare_einval)	/* ... EINVAL: offload lengths/flags inconsistent */ \
	X(TX_PREPARE_NOTSUP, tx_prepare_enotsup) /* ... ENOTSUP: an offload the port does not do */ \
	X(TX_FULL, tx_full)		/* TX queue full: rte_eth_tx_burst() left it */ \
	X(TX_TOO_BIG, tx_too_big)	/* frame above the port's MTU at TX (some PMDs stop the burst) */ \
	X(TX_SEGMENTS, tx_segments)	/* more mbuf segments than the port's TX descriptors take */

enum tlb_verdict {
	TLB_V_OK = 0,
#define TLB_X_ENUM(e, s) TLB_V_##e,
	TLB_DROP_REASONS(TLB_X_ENUM)
#undef TLB_X_ENUM
	TLB_V_MAX
};

/* JSON / telemetry name of a drop reason; "ok" for TLB_V_OK. */
const char *tlb_verdict_name(enum tlb_verdict v);

/* The drop reason of a packet rte_eth_tx_prepare() refused with rte_errno err. */
static inline enum tlb_verdict
tlb_verdict_tx_prepare(int err)
{
	return err == EINVAL ? TLB_V_TX_PREPARE_INVAL :
	       err == ENOTSUP ? TLB_V_TX_PREPARE_NOTSUP : TLB_V_TX_PREPARE;
}

#endif /* TLB_VERDICT_H */
