/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "tlb_fragment.h"

#define IPV6_FRAG_HDR 8

int
tlb_fragment_outer(struct rte_mbuf *m, uint16_t l3_len, uint16_t mtu, uint32_t frag_id,
		   struct rte_mempool *mp, struct rte_mbuf **out, uint16_t max)
{
	const uint8_t *hdr = rte_pktmbuf_mtod(m, const uint8_t *);
	int v4 = l3_len == sizeof(struct rte_ipv4_hdr);
	uint32_t l2 = RTE_ETHER_HDR_LEN, hlen = l2 + l3_len;
	uint32_t payload = m->pkt_len - hlen;
	uint32_t chunk = ((uint32_t)mtu - l3_len - (v4 ? 0 : IPV6_FRAG_HDR)) & ~7u;
	uint32_t n, i, off;

	if (chunk == 0)
		return -E2BIG;
	n = (payload + chunk - 1) / chunk;
	if (n > max)
		return -E2BIG;
	if (rte_pktmbuf_alloc_bulk(mp, out, n) != 0)
		return -ENOBUFS;
	for (i = 0, off = 0; i < n; i++, off += chunk) {
		uint32_t len = payload - off < chunk ? payload - off : chunk;
		int more = i + 1 < n;
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(out[i], (uint16_t)(hlen + len +
							    (v4 ? 0 : IPV6_FRAG_HDR)));

		if (d == NULL) {		/* mbufs too small for the MTU: pool mis-sized */
			rte_pktmbuf_free_bulk(out, n);
			return -E2BIG;
		}
		memcpy(d, hdr, hlen);		/* Ethernet and the outer IP header */
		if (v4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)(d + l2);

			ip->total_length = rte_cpu_to_be_16((uint16_t)(l3_len + len));
			ip->packet_id = rte_cpu_to_be_16((uint16_t)frag_id);
			/* RFC 791: offset in 8-byte units, MF on all but the last; DF clear */
			ip->fragment_offset = rte_cpu_to_be_16((uint16_t)((off >> 3) |
						(more ? RTE_IPV4_HDR_MF_FLAG : 0)));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			/* rte_pktmbuf_read() returns a pointer into m when the bytes are
			 * contiguous there, or copies them into the buffer given. */
			{
				const void *src = rte_pktmbuf_read(m, hlen + off, len, d + hlen);

				if (src != d + hlen)
					memcpy(d + hlen, src, len);
			}
		} else {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(void *)(d + l2);
			struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(void *)
				(d + hlen);
			const void *src;

			ip6->payload_len = rte_cpu_to_be_16((uint16_t)(IPV6_FRAG_HDR + len));
			ip6->proto = IPPROTO_FRAGMENT;
			/* RFC 8200 4.5: next header, reserved, offset << 3 | M, identification */
			fh->next_header = IPPROTO_UDP;
			fh->reserved = 0;
			fh->frag_data = rte_cpu_to_be_16((uint16_t)(off | (more ? 1 : 0)));
			fh->id = rte_cpu_to_be_32(frag_id);
			src = rte_pktmbuf_read(m, hlen + off, len, d + hlen + IPV6_FRAG_HDR);
			if (src != d + hlen + IPV6_FRAG_HDR)
				memcpy(d + hlen + IPV6_FRAG_HDR, src, len);
		}
	}
	rte_pktmbuf_free(m);
	return (int)n;
}
