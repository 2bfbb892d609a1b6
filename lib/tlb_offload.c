/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "tlb_offload.h"

uint64_t
tlb_offload_caps_init(struct tlb_offload_caps *c, uint64_t tx_capa, enum tlb_tx_offload_mode mode)
{
	c->tx_capa = tx_capa;
	/*
	 * Every checksum is computed in software in this release, whatever the
	 * mode: hardware requests are only made once the reference-NIC tests
	 * prove them for each layout. 'auto' and 'software' give the same bytes.
	 */
	c->software = 1;
	c->tx_conf = 0;
	(void)mode;
	/* Keep the fast-free optimisation off: mbufs come from several pools. */
	return c->tx_conf;
}

const char *
tlb_offload_caps_describe(const struct tlb_offload_caps *c, char *buf, size_t len)
{
	snprintf(buf, len, "tx checksums in %s (port offers ipv4_cksum=%d udp_cksum=%d "
		 "outer_ipv4=%d outer_udp=%d vxlan_tso=%d udp_tnl_tso=%d)",
		 c->software ? "software" : "hardware",
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO),
		 !!(c->tx_capa & RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO));
	return buf;
}
