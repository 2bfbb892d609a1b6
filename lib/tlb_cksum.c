/* SPDX-License-Identifier: BSD-3-Clause */
#include "tlb_cksum.h"

uint16_t
tlb_cksum_l4(const void *src, const void *dst, uint32_t addr_len, uint8_t proto,
	     const void *l4, uint32_t l4_len)
{
	uint32_t sum = tlb_cksum_phdr(src, dst, addr_len, proto, l4_len);

	sum = tlb_cksum_add(sum, l4, l4_len);
	return (uint16_t)~tlb_cksum_fold(sum);
}

uint16_t
tlb_cksum_buf(const void *buf, uint32_t len)
{
	return (uint16_t)~tlb_cksum_fold(tlb_cksum_add(0, buf, len));
}
