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
