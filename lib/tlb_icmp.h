/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_ICMP_H
#define TLB_ICMP_H

/*
 * ICMP errors tunlb generates: "fragmentation needed" (RFC 792, RFC 1191
 * section 4) and ICMPv6 "packet too big" (RFC 4443 section 3.2), sent to a
 * client whose packet would exceed the egress MTU once encapsulated, from the
 * VIP it talked to so that its stack accepts the error. And the per-worker
 * token bucket that limits them. Pure.
 */

#include <stdint.h>

#include "tlb_parse.h"

#define TLB_ICMP4_TOO_BIG_HDRS 28	/* IPv4 20 + ICMP 8 inserted before the quote */
#define TLB_ICMP6_TOO_BIG_HDRS 48	/* IPv6 40 + ICMPv6 8 */
#define TLB_ICMP4_MAX_LEN 576		/* RFC 1812 4.3.2.3: the error's IP datagram at most */
#define TLB_ICMP6_MAX_LEN 1280		/* RFC 4443 2.4(c): the minimum IPv6 MTU */
#define TLB_IPV6_MIN_MTU 1280		/* RFC 8200 section 5: every link takes this much */

/*
 * Turn the client packet in frame[0..len) (parsed as p, IPv4 or IPv6) into a
 * "too big" error to its source reporting mtu, in place: the L2 header
 * (VLAN tags kept) moves back by TLB_ICMP4/6_TOO_BIG_HDRS bytes into the
 * headroom (which must hold them), addresses swapped (source = p->dst, the
 * VIP), Ethernet back to the sender from port_mac, the original IP packet
 * quoted from its first byte for as much as fits the RFC limits, every
 * checksum computed. Returns the error's frame length; *start is the number
 * of bytes the frame start moved back. Any thread.
 */
uint32_t tlb_icmp_too_big(uint8_t *frame, const struct tlb_pkt *p, uint16_t mtu,
			  const uint8_t port_mac[6], uint16_t ip_id, uint32_t *start);

/* Token bucket: up to burst tokens, refilled at rate per second. */
struct tlb_icmp_bucket {
	uint64_t tokens;		/* in 1/65536 of a token */
	uint64_t last;			/* time of the last refill, in caller units */
	uint64_t per_token;		/* time units per token */
	uint64_t burst;			/* in 1/65536 of a token */
};

/* Set b up for rate tokens per second, burst at most, hz time units per second. */
void tlb_icmp_bucket_init(struct tlb_icmp_bucket *b, uint32_t rate, uint32_t burst, uint64_t hz);

/* Take one token at time now; 1 if there was one, 0 if the send must be suppressed. */
static inline int
tlb_icmp_bucket_take(struct tlb_icmp_bucket *b, uint64_t now)
{
	if (b->per_token == 0)
		return 0;			/* rate 0: never send */
	if (now > b->last) {
		uint64_t add = ((now - b->last) << 16) / b->per_token;

		b->tokens = b->tokens + add > b->burst ? b->burst : b->tokens + add;
		b->last = now;
	}
	if (b->tokens < 65536)
		return 0;
	b->tokens -= 65536;
	return 1;
}

/* True for the ICMP / ICMPv6 error types that tunlb steers to a flow's backend. */
int tlb_icmp_is_steerable_error(const struct tlb_pkt *p);

#endif /* TLB_ICMP_H */
