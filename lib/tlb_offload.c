/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "tlb_offload.h"

uint64_t
tlb_offload_caps_init(struct tlb_offload_caps *c, uint64_t tx_capa, enum tlb_tx_offload_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->tx_capa = tx_capa;
	if (mode == TLB_TX_OFFLOAD_SOFTWARE) {
		c->software = 1;	/* NICs with broken offloads (DPVS#580, F-Stack#520) */
		return 0;
	}
	/* The flat layout needs only these two (research/dpdk-offloads.md 2.1). */
	c->tx_conf = tx_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	c->hw_ip4 = !!(c->tx_conf & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	c->hw_udp = !!(c->tx_conf & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	/*
	 * Tunnel TSO (research 1.3c) when a tunnel TSO bit comes with TCP_TSO; then
	 * the outer checksum bits it needs, which the tunnel layout alone uses.
	 */
	if ((tx_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    (tx_capa & (RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO | RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO))) {
		c->tx_conf |= tx_capa & (RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO |
					 RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO |
					 RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM |
					 RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM |
					 RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
		c->tso_vxlan = !!(tx_capa & RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO);
		c->tso_udp = !!(tx_capa & RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO);
		c->hw_outer_ip4 = !!(tx_capa & RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM);
		c->hw_outer_udp = !!(tx_capa & RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM);
	}
	/* Keep the fast-free optimisation off: mbufs come from several pools. */
	return c->tx_conf;
}

uint64_t
tlb_offload_rx_conf(uint64_t rx_capa, int lro)
{
	uint64_t want = RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;

	/* LRO output is larger than one RX buffer: let the PMD chain it. */
	if (lro && (rx_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO))
		want |= RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_SCATTER;
	return rx_capa & want;
}

const char *
tlb_offload_caps_describe(const struct tlb_offload_caps *c, char *buf, size_t len)
{
	snprintf(buf, len, "outer IPv4 checksum in %s, outer UDP checksum in %s%s%s%s%s (port offers "
		 "ipv4_cksum=%d udp_cksum=%d outer_ipv4=%d outer_udp=%d vxlan_tso=%d udp_tnl_tso=%d)",
		 c->hw_ip4 ? "hardware" : "software", c->hw_udp ? "hardware" : "software",
		 c->software ? " (tx_offloads: software)" : "",
		 c->rx_conf ? ", RX TCP/UDP checksum verdicts on (LCO for a software outer UDP "
		 "checksum)" : "",
		 c->rx_conf & RTE_ETH_RX_OFFLOAD_TCP_LRO ? ", LRO on" : "",
		 tlb_offload_tunnel_tso(c) ? ", tunnel TSO" : "",
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO));
	return buf;
}
