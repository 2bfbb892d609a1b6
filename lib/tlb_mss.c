/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_byteorder.h>

#include "tlb_cksum.h"
#include "tlb_mss.h"

#define TCP_HDR_MIN 20
#define TCP_CKSUM_OFF 16
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4

/* Replace byte at off with val, updating the checksum through its aligned 16-bit word. */
static void
put_byte(uint8_t *tcp, uint32_t off, uint8_t val)
{
	uint32_t w = off & ~1u;
	uint16_t old_w, new_w, ck;

	memcpy(&old_w, tcp + w, 2);
	tcp[off] = val;
	memcpy(&new_w, tcp + w, 2);
	memcpy(&ck, tcp + TCP_CKSUM_OFF, 2);
	ck = tlb_cksum_update16(ck, old_w, new_w);
	memcpy(tcp + TCP_CKSUM_OFF, &ck, 2);
}

/*
 * Offset just past the last option of tcp[0..hdr_len) (the end-of-option-list
 * kind or hdr_len), or -1 when an option length is malformed.
 */
static int32_t
options_end(const uint8_t *tcp, uint32_t hdr_len)
{
	uint32_t off = TCP_HDR_MIN;

	while (off < hdr_len) {
		uint8_t kind = tcp[off], len;

		if (kind == TCPOPT_EOL)
			return (int32_t)off;
		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (hdr_len - off < 2)
			return -1;
		len = tcp[off + 1];
		if (len < 2 || len > hdr_len - off || (kind == TCPOPT_MSS && len != TCPOLEN_MSS))
			return -1;
		off += len;
	}
	return (int32_t)off;
}

int
tlb_mss_clamp(uint8_t *tcp, uint32_t hdr_len, uint16_t mss)
{
	int32_t end = options_end(tcp, hdr_len);
	uint32_t off = TCP_HDR_MIN;
	int changed = 0;

	if (end < 0)
		return -1;
	/*
	 * Every MSS option is lowered, not only the first: a SYN with two of them
	 * is not forbidden outright by RFC 9293, and Linux (tcp_parse_options)
	 * honours the last one.
	 */
	while (off < (uint32_t)end) {
		uint8_t kind = tcp[off];

		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (kind == TCPOPT_MSS) {
			uint16_t cur = (uint16_t)(tcp[off + 2] << 8 | tcp[off + 3]);

			if (cur > mss) {
				/* The value may sit at an odd offset: update byte by byte. */
				put_byte(tcp, off + 2, (uint8_t)(mss >> 8));
				put_byte(tcp, off + 3, (uint8_t)mss);
				changed = 1;
			}
		}
		off += tcp[off + 1];
	}
	return changed;
}
