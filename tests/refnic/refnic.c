/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "refnic.h"
#include "refsum.h"

/* Pseudo-header sum of an outer IP header at ip (RFC 768 / RFC 8200 8.1) for UDP of ulen. */
static uint32_t
phdr(const uint8_t *ip, uint32_t ulen)
{
	if (ip[0] >> 4 == 4)
		return sum16(ip + 12, 8, 17 + ulen);
	return sum16(ip + 8, 32, 17 + ulen);
}

/* ---------------------------------------------------------------- the reference NIC */

const struct refnic_profile refnic_profiles[] = {
	{ "none", 0, REFNIC_STRICT, 0 },
	{ "tap-like", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO, REFNIC_STRICT, 0 },
	{ "virtio-like", RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_TCP_TSO, REFNIC_STRICT, 1 },
	{ "intel-like", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO |
	  RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO | RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO, REFNIC_STRICT, 1 },
	{ "mlx5-like", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO |
	  RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM |
	  RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO | RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO, REFNIC_SCRATCH, 1 },
};

/*
 * Apply m's TX requests to its bytes as a NIC configured with conf would.
 * Returns 0, or -1 with why filled for a request a NIC would mishandle.
 */
static int
apply_linear(const struct refnic_profile *p, uint64_t conf, const struct rte_mbuf *m, uint8_t *f,
	     uint32_t len, char *why, size_t wlen)
{
	uint64_t fl = m->ol_flags;
	uint32_t l3 = 14, l3len, l4;
	int v4;

	why[0] = '\0';
	if ((fl & RTE_MBUF_F_TX_IP_CKSUM) && !(conf & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM & p->capa)) {
		snprintf(why, wlen, "IP_CKSUM requested, IPV4_CKSUM not configured");
		return -1;
	}
	if ((fl & RTE_MBUF_F_TX_L4_MASK) && !(conf & RTE_ETH_TX_OFFLOAD_UDP_CKSUM & p->capa)) {
		snprintf(why, wlen, "L4 checksum requested, UDP_CKSUM not configured");
		return -1;
	}
	if (fl & (RTE_MBUF_F_TX_TUNNEL_MASK | RTE_MBUF_F_TX_OUTER_IP_CKSUM |
		  RTE_MBUF_F_TX_OUTER_UDP_CKSUM | RTE_MBUF_F_TX_OUTER_IPV4 |
		  RTE_MBUF_F_TX_OUTER_IPV6 | RTE_MBUF_F_TX_TCP_SEG)) {
		snprintf(why, wlen, "tunnel, outer or TSO flags in a flat packet");
		return -1;
	}
	if (!(fl & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)))
		return 0;				/* nothing asked of the NIC */
	/* rte_validate_tx_offload() rules, then the lengths against our own parse. */
	if (!(fl & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6)) ||
	    ((fl & RTE_MBUF_F_TX_IP_CKSUM) && (fl & RTE_MBUF_F_TX_IPV6))) {
		snprintf(why, wlen, "IPV4/IPV6 flag missing or IP_CKSUM with IPV6");
		return -1;
	}
	v4 = refnic_rd16(f + 12) == 0x0800;
	l3len = v4 ? (uint32_t)(f[l3] & 0xf) * 4 : 40;
	if (m->l2_len != l3 || m->l3_len != l3len || (v4 != !!(fl & RTE_MBUF_F_TX_IPV4)) ||
	    (v4 ? f[l3 + 9] : f[l3 + 6]) != 17) {
		snprintf(why, wlen, "l2_len %u / l3_len %u / family flag do not match the frame "
			 "(%u / %u)", m->l2_len, m->l3_len, l3, l3len);
		return -1;
	}
	l4 = l3 + l3len;
	if ((fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM && m->l4_len != 0 &&
	    m->l4_len != 8) {
		snprintf(why, wlen, "l4_len %u for UDP", m->l4_len);
		return -1;
	}
	if (fl & RTE_MBUF_F_TX_IP_CKSUM) {
		if (p->prefill == REFNIC_SCRATCH)
			refnic_wr16(f + l3 + 10, 0);
		refnic_wr16(f + l3 + 10, (uint16_t)~fold(sum16(f + l3, l3len, 0)));
	}
	if ((fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM) {
		uint32_t s;
		uint16_t ck;

		if (p->prefill == REFNIC_SCRATCH)	/* pseudo-header from the headers, field ignored */
			s = phdr(f + l3, len - l4) + sum16(f + l4, 6, 0) + sum16(f + l4 + 8,
										 len - l4 - 8, 0);
		else				/* the field is summed as found: it holds the phdr */
			s = sum16(f + l4, len - l4, 0);
		ck = (uint16_t)~fold(s);
		refnic_wr16(f + l4 + 6, ck ? ck : 0xffff);
	} else if (fl & RTE_MBUF_F_TX_L4_MASK) {
		snprintf(why, wlen, "an L4 checksum other than UDP requested");
		return -1;
	}
	return 0;
}

int
refnic_tx(const struct refnic_profile *p, uint64_t conf, struct rte_mbuf *m, char *why, size_t wlen)
{
	static uint8_t lin[65536];
	struct rte_mbuf *sg;
	uint32_t off = 0;
	int rc;

	if (m->nb_segs == 1)
		return apply_linear(p, conf, m, rte_pktmbuf_mtod(m, uint8_t *), m->data_len, why, wlen);
	/* A chain: the NIC gathers it; work on a linear copy, scatter the result back. */
	if (m->pkt_len > sizeof(lin) || rte_pktmbuf_read(m, 0, m->pkt_len, lin) == NULL) {
		snprintf(why, wlen, "chain of %u bytes unreadable", m->pkt_len);
		return -1;
	}
	rc = apply_linear(p, conf, m, lin, m->pkt_len, why, wlen);
	for (sg = m; sg != NULL && rc == 0; sg = sg->next) {
		memcpy(rte_pktmbuf_mtod(sg, uint8_t *), lin + off, sg->data_len);
		off += sg->data_len;
	}
	return rc;
}

/* ---------------------------------------------------------------- the validator */

/* Outer IPv4 header and outer UDP checksum valid (UDP 0 allowed over IPv4 when zero_ok). */
int
refnic_valid(const uint8_t *f, uint32_t len, int zero_ok, char *why, size_t wlen)
{
	const uint8_t *ip = f + 14;
	int v4 = refnic_rd16(f + 12) == 0x0800;
	uint32_t l3len = v4 ? 20 : 40, ulen = len - 14 - l3len;
	const uint8_t *u = ip + l3len;

	if (v4 && fold(sum16(ip, 20, 0)) != 0xffff) {
		snprintf(why, wlen, "outer IPv4 header checksum 0x%04x wrong", refnic_rd16(ip + 10));
		return 0;
	}
	if (refnic_rd16(u + 4) != ulen) {
		snprintf(why, wlen, "outer UDP length");
		return 0;
	}
	if (refnic_rd16(u + 6) == 0) {
		if (!v4 || !zero_ok)
			snprintf(why, wlen, "outer UDP checksum 0%s", v4 ? " (policy full)" : " over IPv6");
		return v4 && zero_ok;
	}
	if (fold(phdr(ip, ulen) + sum16(u, ulen, 0)) != 0xffff) {
		snprintf(why, wlen, "outer UDP checksum 0x%04x wrong", refnic_rd16(u + 6));
		return 0;
	}
	return 1;
}

const struct refnic_profile *
refnic_find(const char *name)
{
	int i;

	for (i = 0; i < REFNIC_N_PROFILES; i++)
		if (strcmp(refnic_profiles[i].name, name) == 0)
			return &refnic_profiles[i];
	return NULL;
}

/* One's complement checksum of b[0..n) plus s, complemented. */
static uint16_t
cks(const uint8_t *b, uint32_t n, uint32_t s)
{
	return (uint16_t)~fold(sum16(b, n, s));
}

int
refnic_tso(const struct refnic_profile *p, uint64_t conf, const struct rte_mbuf *m,
	   uint8_t (*out)[REFNIC_FRAME_MAX], uint32_t *out_len, int max, char *why, size_t wlen)
{
	static uint8_t f[65536];
	uint64_t fl = m->ol_flags, tun = fl & RTE_MBUF_F_TX_TUNNEL_MASK, need;
	uint32_t len = m->pkt_len, ol3 = 14, ol3len, ol4, il3, il3len, il4, thl, hdr, pay, mss;
	uint32_t n, i, seq0;
	const void *src;
	int ov4, iv4;

	why[0] = '\0';
	/* The capability gate: every request configured and offered. */
	need = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	need |= tun == RTE_MBUF_F_TX_TUNNEL_VXLAN ? RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO :
		tun == RTE_MBUF_F_TX_TUNNEL_UDP ? RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO : 0;
	if (fl & RTE_MBUF_F_TX_OUTER_IP_CKSUM)
		need |= RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM;
	if (fl & RTE_MBUF_F_TX_OUTER_UDP_CKSUM)
		need |= RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM;
	if (fl & RTE_MBUF_F_TX_IP_CKSUM)
		need |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if ((tun != RTE_MBUF_F_TX_TUNNEL_VXLAN && tun != RTE_MBUF_F_TX_TUNNEL_UDP) ||
	    (need & conf & p->capa) != need) {
		snprintf(why, wlen, "tunnel TSO request (tunnel 0x%llx) not configured / offered",
			 (unsigned long long)(tun >> 45));
		return -1;
	}
	/* rte_validate_tx_offload() and the companions of research 1.3c. */
	if (!(fl & (RTE_MBUF_F_TX_OUTER_IPV4 | RTE_MBUF_F_TX_OUTER_IPV6)) ||
	    !(fl & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6)) || m->tso_segsz == 0 ||
	    ((fl & RTE_MBUF_F_TX_OUTER_IPV4) && !(fl & RTE_MBUF_F_TX_OUTER_IP_CKSUM)) ||
	    ((fl & RTE_MBUF_F_TX_IPV4) && !(fl & RTE_MBUF_F_TX_IP_CKSUM))) {
		snprintf(why, wlen, "TSO flags incomplete (outer/inner family, IP_CKSUM, MSS)");
		return -1;
	}
	src = len <= sizeof(f) ? rte_pktmbuf_read(m, 0, len, f) : NULL;
	if (src == NULL) {
		snprintf(why, wlen, "unreadable");
		return -1;
	}
	if (src != f)			/* one segment: rte_pktmbuf_read() points into it */
		memcpy(f, src, len);
	/* Every length against our own parse. */
	ov4 = refnic_rd16(f + 12) == 0x0800;
	ol3len = ov4 ? 20 : 40;
	ol4 = ol3 + ol3len;
	if (m->outer_l2_len != ol3 || m->outer_l3_len != ol3len ||
	    ov4 != !!(fl & RTE_MBUF_F_TX_OUTER_IPV4) || (ov4 ? f[ol3 + 9] : f[ol3 + 6]) != 17) {
		snprintf(why, wlen, "outer_l2_len %u / outer_l3_len %u / outer family wrong",
			 m->outer_l2_len, m->outer_l3_len);
		return -1;
	}
	if (tun == RTE_MBUF_F_TX_TUNNEL_VXLAN)		/* UDP, VXLAN (I flag), inner Ethernet */
		il3 = (f[ol4 + 8] == 0x08 && m->l2_len == 30) ? ol4 + 30 : 0;
	else if (m->l2_len == 12)			/* UDP, GUE variant 0: version 0, proto */
		il3 = (f[ol4 + 8] >> 6) == 0 && (f[ol4 + 9] == 4 || f[ol4 + 9] == 41) ? ol4 + 12 : 0;
	else						/* UDP, then IP (GUE variant 1) */
		il3 = m->l2_len == 8 ? ol4 + 8 : 0;
	if (il3 == 0 || il3 + 20 > len) {
		snprintf(why, wlen, "l2_len %u does not lead to the inner IP header", m->l2_len);
		return -1;
	}
	iv4 = f[il3] >> 4 == 4;
	il3len = iv4 ? (uint32_t)(f[il3] & 0xf) * 4 : 40;
	il4 = il3 + il3len;
	thl = il4 + 13 <= len ? (uint32_t)(f[il4 + 12] >> 4) * 4 : 0;
	if (iv4 != !!(fl & RTE_MBUF_F_TX_IPV4) || m->l3_len != il3len ||
	    (iv4 ? f[il3 + 9] : f[il3 + 6]) != 6 || m->l4_len != thl || thl < 20) {
		snprintf(why, wlen, "l3_len %u / l4_len %u / inner family do not match the frame",
			 m->l3_len, m->l4_len);
		return -1;
	}
	hdr = il4 + thl;
	pay = len - hdr;
	mss = m->tso_segsz;
	n = pay == 0 ? 1 : (pay + mss - 1) / mss;
	if ((int)n > max || hdr + mss > REFNIC_FRAME_MAX) {
		snprintf(why, wlen, "%u segments of %u", n, mss);
		return -1;
	}
	if (!(fl & RTE_MBUF_F_TX_OUTER_UDP_CKSUM) && refnic_rd16(f + ol4 + 6) != 0) {
		snprintf(why, wlen, "a software outer UDP checksum cannot be right for every segment");
		return -1;
	}
	seq0 = (uint32_t)refnic_rd16(f + il4 + 4) << 16 | refnic_rd16(f + il4 + 6);
	for (i = 0; i < n; i++) {
		uint8_t *o = out[i], *tcp = o + il4, flags = f[il4 + 13];
		uint32_t sp = pay - i * mss < mss ? pay - i * mss : mss, sl = hdr + sp, seq, s;

		memcpy(o, f, hdr);
		memcpy(o + hdr, f + hdr + i * mss, sp);
		out_len[i] = sl;
		/* inner IP */
		if (iv4) {
			refnic_wr16(o + il3 + 2, (uint16_t)(sl - il3));
			refnic_wr16(o + il3 + 4, (uint16_t)(refnic_rd16(f + il3 + 4) + i));
			if (p->prefill == REFNIC_SCRATCH)
				refnic_wr16(o + il3 + 10, 0);
			refnic_wr16(o + il3 + 10, cks(o + il3, il3len, 0));
		} else {
			refnic_wr16(o + il3 + 4, (uint16_t)(sl - il4));
		}
		/* TCP: sequence, flags, checksum (strict: the field holds the phdr without length) */
		seq = seq0 + i * mss;
		refnic_wr16(tcp + 4, (uint16_t)(seq >> 16));
		refnic_wr16(tcp + 6, (uint16_t)seq);
		if (i + 1 != n)
			flags &= (uint8_t)~0x09;
		if (i != 0)
			flags &= (uint8_t)~0x80;
		tcp[13] = flags;
		if (p->prefill == REFNIC_SCRATCH) {
			refnic_wr16(tcp + 16, 0);
			s = (iv4 ? sum16(o + il3 + 12, 8, 6) : sum16(o + il3 + 8, 32, 6)) + (sl - il4);
		} else {
			s = sl - il4;
		}
		refnic_wr16(tcp + 16, cks(tcp, sl - il4, s));
		/* outer IP */
		if (ov4) {
			refnic_wr16(o + ol3 + 2, (uint16_t)(sl - ol3));
			refnic_wr16(o + ol3 + 4, (uint16_t)(refnic_rd16(f + ol3 + 4) + i));
			if (p->prefill == REFNIC_SCRATCH)
				refnic_wr16(o + ol3 + 10, 0);
			refnic_wr16(o + ol3 + 10, cks(o + ol3, 20, 0));
		} else {
			refnic_wr16(o + ol3 + 4, (uint16_t)(sl - ol4));
		}
		/* outer UDP, last (it covers everything above) */
		refnic_wr16(o + ol4 + 4, (uint16_t)(sl - ol4));
		if (fl & RTE_MBUF_F_TX_OUTER_UDP_CKSUM) {
			uint16_t ck;

			if (p->prefill == REFNIC_SCRATCH) {
				refnic_wr16(o + ol4 + 6, 0);
				s = phdr(o + ol3, sl - ol4);
			} else {
				s = sl - ol4;
			}
			ck = cks(o + ol4, sl - ol4, s);
			refnic_wr16(o + ol4 + 6, ck ? ck : 0xffff);
		}
	}
	return (int)n;
}
