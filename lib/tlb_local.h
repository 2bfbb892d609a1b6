/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_LOCAL_H
#define TLB_LOCAL_H

/*
 * Answers for the node's own addresses: ARP requests (RFC 826), IPv6
 * neighbour solicitations (RFC 4861 section 7.2.4), ICMP echo (RFC 792) and
 * ICMPv6 echo (RFC 4443 section 4.2). Each answer is written in place over the
 * request and leaves by the port it came in on. Pure: a byte buffer in, a byte
 * buffer out; every checksum of a reply is computed from its bytes.
 */

#include <stdint.h>

#include "tlb_addr.h"
#include "tlb_parse.h"
#include "tlb_verdict.h"

#define TLB_REPLY_KINDS(X)	\
	X(ARP, arp)		\
	X(ND, nd)		\
	X(ECHO, echo)		\
	X(ECHO6, echo6)		\
	X(FRAG_NEEDED, frag_needed)	/* ICMP too big to a client (tlb_icmp) */ \
	X(PTB, ptb)			/* ICMPv6 packet too big to a client */

enum tlb_reply_kind {
#define TLB_X_ENUM(e, s) TLB_REPLY_##e,
	TLB_REPLY_KINDS(TLB_X_ENUM)
#undef TLB_X_ENUM
	TLB_REPLY_MAX
};

/* The node addresses answered for (from config 'node'). */
struct tlb_local_node {
	struct tlb_addr ipv4;		/* family 0 = none */
	struct tlb_addr ipv6;		/* family 0 = none */
	uint8_t ipv6_snm[16];		/* solicited-node multicast of ipv6 (RFC 4291 2.7.1) */
};

/* Fill n from the configured addresses (either may have family 0). */
void tlb_local_node_init(struct tlb_local_node *n, const struct tlb_addr *ipv4,
			 const struct tlb_addr *ipv6);

/* True when p (IPv4/IPv6) is addressed to the node: unicast, or for IPv6 its
 * solicited-node multicast group. */
int tlb_local_is_node(const struct tlb_local_node *n, const struct tlb_pkt *p);

/* True when p (IPv4/IPv6) claims one of the node's own addresses as its source. */
static inline int
tlb_local_is_node_source(const struct tlb_local_node *n, const struct tlb_pkt *p)
{
	if (p->kind == TLB_PKT_IPV4)
		return n->ipv4.family != 0 && memcmp(p->src.a, n->ipv4.a, 4) == 0;
	return p->kind == TLB_PKT_IPV6 && n->ipv6.family != 0 &&
	       memcmp(p->src.a, n->ipv6.a, 16) == 0;
}

/*
 * Turn the request in frame[0..len) (parsed as p, addressed to the node or an
 * ARP frame) into its answer, in place. cap is the number of writable bytes at
 * frame (>= len); a neighbour advertisement may be longer than the
 * solicitation. On TLB_V_OK, *out_len is the answer's frame length and *kind
 * says what it is. Drops: ARP_OTHER (not a request for node.ipv4), BAD_ICMP
 * (checksum, code, length or RFC 4861 7.1.1 validity), NODE_OTHER (anything
 * else to the node). Any thread.
 */
enum tlb_verdict tlb_local_answer(uint8_t *frame, uint32_t len, uint32_t cap,
				  const struct tlb_pkt *p, const struct tlb_local_node *n,
				  const uint8_t port_mac[6], uint32_t *out_len,
				  enum tlb_reply_kind *kind);

/* Counter name of a reply kind ("arp", "nd", "echo", "echo6"). */
const char *tlb_local_reply_name(enum tlb_reply_kind k);

#endif /* TLB_LOCAL_H */
