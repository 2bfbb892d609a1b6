/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_TEST_REFSUM_H
#define TLB_TEST_REFSUM_H

/*
 * The unit tests' own RFC 1071 ones'-complement arithmetic, byte by byte and
 * big-endian, written independently of DPDK's helpers and of lib/ so that a
 * bug there cannot be mirrored in the expectation.
 */

#include <stddef.h>
#include <stdint.h>

/* s plus the 16-bit big-endian words of b[0..len) (an odd last byte padded with 0). */
static inline uint32_t
sum16(const uint8_t *b, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return s;
}

/* End-around carry down to 16 bits (not complemented). */
static inline uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif /* TLB_TEST_REFSUM_H */
