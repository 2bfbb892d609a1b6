/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_MSS_H
#define TLB_MSS_H

/*
 * TCP MSS clamping (RFC 9293 section 3.7.1, option kind 2): lower the MSS
 * option of a SYN so that the client's segments fit the egress MTU once
 * encapsulated. The TCP checksum is updated incrementally (RFC 1624 eqn. 3,
 * never RFC 1141), so a checksum that was right stays right and one that was
 * wrong stays wrong by the same amount: the packet is not made valid or
 * invalid by us. Pure.
 */

#include <stdint.h>

/*
 * In the TCP header tcp[0..hdr_len) (options included, hdr_len from the data
 * offset), lower every MSS option above mss to mss and update the checksum.
 * Returns 1 when changed, 0 when there is no MSS option above mss, -1 when
 * the options are malformed (then nothing is touched). Any thread.
 */
int tlb_mss_clamp(uint8_t *tcp, uint32_t hdr_len, uint16_t mss);

#endif /* TLB_MSS_H */
