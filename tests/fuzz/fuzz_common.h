/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

/*
 * Shared pieces of the libFuzzer targets (tests/fuzz/README.md): the entry
 * points, the invariant check macro and the harness's own, independent
 * reading of frames. Nothing here calls the code under test except where a
 * comment says so: checksums are summed here (RFC 1071), lengths and fields
 * are read here from the bytes, so that a bug in lib/ cannot hide itself.
 */

#include <stddef.h>
#include <stdint.h>

#include "tlb_addr.h"

/* libFuzzer entry points (no header of libFuzzer declares them for C). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broke: print where and why, then abort() so libFuzzer keeps the input. */
void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* The same for FUZZ_CHECK: the condition's text, then the message. */
void fuzz_fail_check(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));

#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond))							\
			fuzz_fail_check(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
	} while (0)

/* Big-endian fields at any alignment. */
uint16_t fuzz_rd16(const uint8_t *b);
uint32_t fuzz_rd32(const uint8_t *b);

/* RFC 1071 ones'-complement sum of len bytes added to acc, folded to 16 bits (not complemented). */
uint16_t fuzz_sum(const uint8_t *b, size_t len, uint32_t acc);

/* True when the bytes, checksum field included, verify (sum 0xffff). */
int fuzz_csum_ok(const uint8_t *b, size_t len);

/*
 * True when an L4 segment (UDP, TCP, ICMPv6) verifies with its pseudo-header:
 * RFC 768 / RFC 9293 for IPv4 (4-byte addresses), RFC 8200 section 8.1 for IPv6.
 */
int fuzz_l4_csum_ok(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		    const uint8_t *seg, size_t len);

/*
 * Where the IP packet of an input frame is, from the bytes alone: Ethernet,
 * any number of 0x8100 / 0x88a8 tags, then the IPv4 total length or the IPv6
 * payload length + 40. Returns 0 and fills *l3 / *ip_len, or -1 when the
 * frame does not hold a whole IP packet by those fields.
 */
int fuzz_ip_packet(const uint8_t *f, size_t len, size_t *l3, size_t *ip_len);

/* The node and port identity the targets answer for (fixed, see fuzz_common.c). */
extern const uint8_t fuzz_node_ipv4[4];
extern const uint8_t fuzz_node_ipv6[16];
extern const uint8_t fuzz_gateway_mac[6];

/*
 * Check an answer (ARP reply, ICMP echo reply, ICMPv6 echo reply, neighbour
 * advertisement, ICMP frag-needed, ICMPv6 packet too big: kind as enum
 * tlb_reply_kind) out[0..out_len) made from the request req[0..req_len) with
 * port MAC port_mac. Every field the RFCs fix, every checksum, the length,
 * the quote. For the too-big kinds *mtu (when not NULL) gets the MTU reported.
 * Aborts on a violation.
 */
void fuzz_check_reply(int kind, const uint8_t *req, size_t req_len, const uint8_t *out,
		      size_t out_len, const uint8_t port_mac[6], uint32_t *mtu);

#endif /* FUZZ_COMMON_H */
