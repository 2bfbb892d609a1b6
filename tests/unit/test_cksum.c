/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum helpers (lib/tlb_cksum): RFC 1071 sums, RFC 1624
 * incremental update, pseudo-headers for IPv4 and IPv6. Reference packets were
 * built by scapy, which computes the checksums itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlb_cksum.h"

/* scapy: IP(src="192.0.2.1",dst="198.51.100.10",id=1)/UDP(sport=1234,dport=53)/b"abc" */
static const uint8_t v4udp[] = {
	0x45, 0x00, 0x00, 0x1f, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x8e, 0x8e, 0xc0, 0x00,
	0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a, 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0b, 0x4a, 0x2f,
	0x61, 0x62, 0x63 };
/* scapy: IPv6(src="2001:db8::1",dst="2001:db8:100::10")/UDP(sport=1234,dport=53)/b"abc" */
static const uint8_t v6udp[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x04, 0xd2,
	0x00, 0x35, 0x00, 0x0b, 0xd9, 0xeb, 0x61, 0x62, 0x63 };
/* scapy: IPv6(src="2001:db8::1",dst="2001:db8:100::10")/TCP(sport=40000,dport=443,flags="S",seq=1) */
static const uint8_t v6tcp[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x9c, 0x40,
	0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00,
	0x95, 0x63, 0x00, 0x00 };

/* Independent reference: RFC 1071 section 4.1 loop, big-endian words. */
static uint16_t
ref_cksum(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 1071 section 3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2. */
static void
test_rfc1071_example(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t be = rte_cpu_to_be_16((uint16_t)~0xddf2);

	(void)state;
	assert_int_equal(tlb_cksum_buf(b, sizeof(b)), be);
	assert_int_equal(ref_cksum(b, sizeof(b)), (uint16_t)~0xddf2);
}

/* A valid IPv4 header sums to zero; so does every scapy L4 segment with its pseudo-header. */
static void
test_verify_scapy_packets(void **state)
{
	(void)state;
	assert_int_equal(tlb_cksum_buf(v4udp, 20), 0);
	assert_int_equal(tlb_cksum_l4(v4udp + 12, v4udp + 16, 4, 17, v4udp + 20, 11), 0);
	assert_int_equal(tlb_cksum_l4(v6udp + 8, v6udp + 24, 16, 17, v6udp + 40, 11), 0);
	assert_int_equal(tlb_cksum_l4(v6tcp + 8, v6tcp + 24, 16, 6, v6tcp + 40, 20), 0);
}

/* Computing with the field zeroed gives scapy's value back. */
static void
test_compute_matches_scapy(void **state)
{
	uint8_t b[sizeof(v6tcp)];
	uint16_t ck;

	(void)state;
	memcpy(b, v6tcp, sizeof(b));
	b[56] = b[57] = 0;
	ck = tlb_cksum_l4(b + 8, b + 24, 16, 6, b + 40, 20);
	assert_memory_equal(&ck, v6tcp + 56, 2);
	memcpy(b, v4udp, 20);
	b[10] = b[11] = 0;
	ck = tlb_cksum_buf(b, 20);
	assert_memory_equal(&ck, v4udp + 10, 2);
}

/*
 * RFC 1624 eqn. 3 equals a recomputation from scratch for every kind of
 * change, including words to and from 0x0000 and 0xffff (the +0/-0 cases
 * RFC 1141's formula got wrong). Pseudo-random 20-byte headers, fixed seed.
 */
static void
test_incremental_equals_recompute(void **state)
{
	static const uint16_t edge[] = { 0x0000, 0xffff, 0x0001, 0xfffe, 0x8000, 0x7fff };
	uint8_t h[20];
	uint32_t r = 12345, iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		uint16_t ck, old_w, new_w, want;
		unsigned int i, pos;

		for (i = 0; i < sizeof(h); i++) {
			r = r * 1103515245u + 12345u;
			h[i] = (uint8_t)(r >> 16);
		}
		pos = 2 * ((r >> 8) % 10);		/* any word but the checksum (10) */
		if (pos == 10)
			pos = 8;
		r = r * 1103515245u + 12345u;
		new_w = (uint16_t)(r >> 8);
		if (iter < 36) {			/* every edge pair first */
			memcpy(h + pos, &edge[iter / 6], 2);
			new_w = edge[iter % 6];
		}
		h[10] = h[11] = 0;
		ck = rte_cpu_to_be_16(ref_cksum(h, sizeof(h)));
		memcpy(&old_w, h + pos, 2);
		memcpy(h + pos, &new_w, 2);
		want = ref_cksum(h, sizeof(h));
		ck = tlb_cksum_update16(ck, old_w, new_w);
		/* 0x0000 and 0xffff are one value (RFC 1624 section 3); eqn. 3 never yields -0 */
		if (want == 0x0000 && rte_be_to_cpu_16(ck) == 0xffff)
			want = 0xffff;
		assert_int_equal(rte_be_to_cpu_16(ck), want);
	}
}

/* Pseudo-header sums: an odd-length segment and lengths above 65535 fold right. */
static void
test_phdr_lengths(void **state)
{
	uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	uint8_t ref[40];
	uint32_t len = 70000;

	(void)state;
	memcpy(ref, src, 16);
	memcpy(ref + 16, dst, 16);
	ref[32] = 0;
	ref[33] = (uint8_t)(len >> 16);
	ref[34] = (uint8_t)(len >> 8);
	ref[35] = (uint8_t)len;
	ref[36] = ref[37] = ref[38] = 0;
	ref[39] = 17;
	assert_int_equal(rte_be_to_cpu_16((uint16_t)~tlb_cksum_fold(
				 tlb_cksum_phdr(src, dst, 16, 17, len))),
			 ref_cksum(ref, sizeof(ref)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_verify_scapy_packets),
		cmocka_unit_test(test_compute_matches_scapy),
		cmocka_unit_test(test_incremental_equals_recompute),
		cmocka_unit_test(test_phdr_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
