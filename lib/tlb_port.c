/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <numa.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "tlb_log.h"
#include "tlb_port.h"

#define TLB_NB_RXD 1024
#define TLB_NB_TXD 1024
#define TLB_POOL_CACHE 256
#define TLB_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)
/* What ethdev counts between MTU and frame length: Ethernet header and CRC. */
#define TLB_L2_RX_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)
/* Largest frame on top of the IP MTU: Ethernet header plus two VLAN tags. */
#define TLB_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN)

/*
 * The NUMA node whose memory the port's queues and pool should use: the
 * device's own, or for virtual devices (SOCKET_ID_ANY) the node of the CPU
 * the first worker runs on, as libnuma reports it.
 */
static int
port_socket(uint16_t port, const struct tlb_dp *dp)
{
	int s = rte_eth_dev_socket_id(port);
	int cpu;

	if (s >= 0)
		return s;
	if (numa_available() < 0)
		return 0;
	cpu = (int)rte_lcore_to_cpu_id((int)dp->workers[0]->lcore_id);
	s = cpu >= 0 ? numa_node_of_cpu(cpu) : 0;
	return s >= 0 && s < RTE_MAX_NUMA_NODES ? s : 0;
}

static const struct tlb_config_port *
find_port_cfg(const struct tlb_config *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return &cfg->ports[i];
	return NULL;
}

/* Decide which ports are used, in order; fill names. */
static int
choose_ports(struct tlb_dp *dp, const struct tlb_config *cfg)
{
	uint16_t port;
	uint32_t i;

	dp->n_ports = 0;
	if (cfg->n_ports == 0) {
		RTE_ETH_FOREACH_DEV(port)
			dp->port_ids[dp->n_ports++] = port;
		if (dp->n_ports == 0) {
			TLB_LOG(ERR, port, "no DPDK port was probed (give --vdev or bind a NIC)");
			return -ENODEV;
		}
		return 0;
	}
	for (i = 0; i < cfg->n_ports; i++) {
		if (rte_eth_dev_get_port_by_name(cfg->ports[i].name, &port) != 0) {
			TLB_LOG(ERR, port, "%s:%u:%u: port '%s' was not probed by DPDK "
				"(check --vdev / -a)", cfg->file, cfg->ports[i].mark.line,
				cfg->ports[i].mark.col, cfg->ports[i].name);
			return -ENODEV;
		}
		dp->port_ids[dp->n_ports++] = port;
	}
	return 0;
}

static int
create_pool(struct tlb_dp *dp, int socket, uint32_t n_mbufs, uint16_t max_mtu)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t room = RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(max_mtu + TLB_L2_OVERHEAD, 1024u);

	if (dp->pool[socket] != NULL)
		return 0;
	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	snprintf(name, sizeof(name), "tlb_pool_%d", socket);
	dp->pool[socket] = rte_pktmbuf_pool_create(name, n_mbufs, TLB_POOL_CACHE, 0,
						   (uint16_t)room, socket);
	if (dp->pool[socket] == NULL) {
		TLB_LOG(ERR, port, "mbuf pool of %u x %u bytes on socket %d: %s", n_mbufs,
			room, socket, rte_strerror(rte_errno));
		return -rte_errno;
	}
	TLB_LOG(INFO, port, "mbuf pool %s: %u mbufs of %u bytes on socket %d", name, n_mbufs,
		room, socket);
	return 0;
}

/* Largest MTU of any port of cfg: sizes the mbufs (a frame must fit one). */
static uint16_t
max_mtu(const struct tlb_config *cfg)
{
	uint16_t m = TLB_CONFIG_DEFAULT_MTU;
	uint32_t i;

	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].mtu > m)
			m = cfg->ports[i].mtu;
	return m;
}

static int
setup_one(struct tlb_dp *dp, uint16_t port, const struct tlb_config_port *pc, uint16_t pool_mtu)
{
	struct tlb_port_rt *rt = &dp->port[port];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nb_rxd = TLB_NB_RXD, nb_txd = TLB_NB_TXD, q;
	uint16_t mtu = pc != NULL ? pc->mtu : TLB_CONFIG_DEFAULT_MTU;
	int socket = port_socket(port, dp);
	char caps[256];
	int rc;

	rte_eth_dev_get_name_by_port(port, rt->name);
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		TLB_LOG(ERR, port, "%s: cannot read device info: %s", rt->name, rte_strerror(-rc));
		return rc;
	}
	if (info.max_tx_queues < dp->n_workers) {
		TLB_LOG(ERR, port, "%s: offers %u TX queues, tunlb needs one per worker (%u): "
			"run fewer worker lcores", rt->name, info.max_tx_queues, dp->n_workers);
		return -EINVAL;
	}
	rt->n_txq = (uint16_t)dp->n_workers;
	rt->n_rxq = (uint16_t)RTE_MIN(dp->n_workers, (uint32_t)info.max_rx_queues);
	if (rt->n_rxq < dp->n_workers)
		TLB_LOG(WARNING, port, "%s: %u RX queue(s) for %u workers: workers %u.. do not "
			"poll it", rt->name, rt->n_rxq, dp->n_workers, rt->n_rxq);
	if (mtu < info.min_mtu || mtu > info.max_mtu) {
		TLB_LOG(ERR, port, "%s: mtu %u outside what the device supports (%u..%u)",
			rt->name, mtu, info.min_mtu, info.max_mtu);
		return -EINVAL;
	}

	memset(&conf, 0, sizeof(conf));
	/*
	 * The configured mtu limits the outer packets we send. What the device
	 * accepts on receive may be smaller (net_af_packet: 1518-byte frames)
	 * without limiting what it sends: ask for the same MTU where the device
	 * can take it, else for its largest receive frame, and say so.
	 */
	conf.rxmode.mtu = mtu;
	if (info.max_rx_pktlen > TLB_L2_RX_OVERHEAD &&
	    mtu > info.max_rx_pktlen - TLB_L2_RX_OVERHEAD) {
		conf.rxmode.mtu = info.max_rx_pktlen - TLB_L2_RX_OVERHEAD;
		TLB_LOG(NOTICE, port, "%s: receives frames of at most %u bytes: receive MTU %u, "
			"egress MTU %u", rt->name, info.max_rx_pktlen, conf.rxmode.mtu, mtu);
	}
	if (rt->n_rxq > 1) {
		uint64_t hf = TLB_RSS_HF & info.flow_type_rss_offloads;

		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			/*
			 * RSS_IP includes the FRAG_IPV4/FRAG_IPV6 types, which hash every
			 * fragment (the first included: it has MF) by addresses only, so
			 * a datagram's fragments meet on one worker and its fragment map.
			 */
			if (!(hf & RTE_ETH_RSS_FRAG_IPV4) || !(hf & RTE_ETH_RSS_FRAG_IPV6))
				TLB_LOG(WARNING, port, "%s: RSS does not hash IP fragments by "
					"address: fragments of one datagram may reach different "
					"workers (use one worker, or hash: src_ip)", rt->name);
		} else {
			TLB_LOG(WARNING, port, "%s: no RSS over IP/TCP/UDP offered: traffic "
				"reaches queue 0 only", rt->name);
		}
	}
	conf.txmode.offloads = tlb_offload_caps_init(&rt->caps, info.tx_offload_capa,
			pc != NULL ? pc->tx_offloads : TLB_TX_OFFLOAD_AUTO);
	conf.rxmode.offloads = tlb_offload_rx_conf(info.rx_offload_capa, pc != NULL && pc->lro);
	rt->caps.rx_conf = conf.rxmode.offloads;
	if (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		conf.rxmode.max_lro_pkt_size = info.max_lro_pkt_size;	/* 0: ethdev's default */
	else if (pc != NULL && pc->lro)
		TLB_LOG(NOTICE, port, "%s: lro: on, but the device offers no TCP LRO", rt->name);
	rc = rte_eth_dev_configure(port, rt->n_rxq, rt->n_txq, &conf);
	if (rc != 0) {
		TLB_LOG(ERR, port, "%s: rte_eth_dev_configure(%u rxq, %u txq, mtu %u): %s",
			rt->name, rt->n_rxq, rt->n_txq, mtu, rte_strerror(-rc));
		return rc;
	}
	/* What the device took (the log line reports it, LCO and GRO rely on it). */
	if (rte_eth_dev_conf_get(port, &conf) == 0)
		rt->caps.rx_conf = conf.rxmode.offloads;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc != 0) {
		TLB_LOG(ERR, port, "%s: descriptor counts: %s", rt->name, rte_strerror(-rc));
		return rc;
	}
	rc = create_pool(dp, socket, (uint32_t)(dp->n_ports * (rt->n_rxq * nb_rxd +
					     rt->n_txq * nb_txd) +
					     dp->n_workers * (TLB_POOL_CACHE + TLB_BURST *
							      (dp->n_ports + 1)) + 4096),
			 pool_mtu);
	if (rc != 0)
		return rc;
	for (q = 0; q < rt->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, (unsigned int)socket, NULL,
					    dp->pool[socket]);
		if (rc != 0) {
			TLB_LOG(ERR, port, "%s: RX queue %u: %s", rt->name, q, rte_strerror(-rc));
			return rc;
		}
	}
	for (q = 0; q < rt->n_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, (unsigned int)socket, &txc);
		if (rc != 0) {
			TLB_LOG(ERR, port, "%s: TX queue %u: %s", rt->name, q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		TLB_LOG(ERR, port, "%s: rte_eth_dev_start: %s", rt->name, rte_strerror(-rc));
		return rc;
	}
	rt->used = 1;
	rt->pool = dp->pool[socket];
	rc = rte_eth_macaddr_get(port, &mac);
	if (rc != 0) {
		TLB_LOG(ERR, port, "%s: MAC address: %s", rt->name, rte_strerror(-rc));
		return rc;
	}
	memcpy(rt->mac, mac.addr_bytes, sizeof(rt->mac));
	rt->mtu = mtu;
	rt->max_frame = (uint16_t)(mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN);
	rt->max_segs = info.tx_desc_lim.nb_seg_max != 0 ? info.tx_desc_lim.nb_seg_max : UINT16_MAX;
	TLB_LOG(INFO, port, "%s (port %u, %s, socket %d): " RTE_ETHER_ADDR_PRT_FMT
		", mtu %u, %u rxq, %u txq, %s", rt->name, port, info.driver_name, socket,
		RTE_ETHER_ADDR_BYTES(&mac), mtu, rt->n_rxq, rt->n_txq,
		tlb_offload_caps_describe(&rt->caps, caps, sizeof(caps)));
	return 0;
}

int
tlb_port_setup(struct tlb_dp *dp, const struct tlb_config *cfg)
{
	uint16_t i, j;
	int rc;

	rc = choose_ports(dp, cfg);
	if (rc != 0)
		return rc;
	for (i = 0; i < dp->n_ports; i++) {
		uint16_t port = dp->port_ids[i];
		char name[RTE_ETH_NAME_MAX_LEN];

		rte_eth_dev_get_name_by_port(port, name);
		rc = setup_one(dp, port, find_port_cfg(cfg, name), max_mtu(cfg));
		if (rc != 0)
			goto fail;
	}
	/* Egress of encapsulated packets: tx_port, or the receiving port. */
	for (i = 0; i < dp->n_ports; i++) {
		struct tlb_port_rt *rt = &dp->port[dp->port_ids[i]];
		const struct tlb_config_port *pc = find_port_cfg(cfg, rt->name);
		uint16_t out = dp->port_ids[i];

		if (pc != NULL && pc->tx_port[0] != '\0' &&
		    rte_eth_dev_get_port_by_name(pc->tx_port, &out) != 0) {
			TLB_LOG(ERR, port, "%s: tx_port '%s' was not probed", rt->name, pc->tx_port);
			rc = -ENODEV;
			goto fail;
		}
		rt->tx_port = out;
		if (cfg->dataplane.gro && !tlb_offload_tunnel_tso(&dp->port[out].caps))
			TLB_LOG(NOTICE, port, "%s: gro: on, but its egress port %s has no tunnel TSO: "
				"GRO merges none of its traffic (segmenting merged packets again in "
				"software costs more than merging saves)", rt->name, dp->port[out].name);
	}
	/* Worker w polls RX queue w of every port that has one. */
	for (j = 0; j < dp->n_workers; j++) {
		struct tlb_worker *w = dp->workers[j];

		w->n_rx = 0;
		for (i = 0; i < dp->n_ports; i++)
			if (j < dp->port[dp->port_ids[i]].n_rxq)
				w->rx_port[w->n_rx++] = dp->port_ids[i];
	}
	return 0;
fail:
	tlb_port_close_all(dp);
	return rc;
}

void
tlb_port_refresh_stats(struct tlb_dp *dp)
{
	uint16_t i;

	for (i = 0; i < dp->n_ports; i++) {
		uint16_t port = dp->port_ids[i];

		if (dp->port[port].used)
			rte_eth_stats_get(port, &dp->port[port].eth_stats);
	}
}

void
tlb_port_close_all(struct tlb_dp *dp)
{
	uint16_t i;
	int s;

	for (i = 0; i < dp->n_ports; i++) {
		uint16_t port = dp->port_ids[i];

		if (!dp->port[port].used)
			continue;
		rte_eth_stats_get(port, &dp->port[port].eth_stats);
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
		dp->port[port].used = 0;
	}
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (dp->pool[s] == NULL)
			continue;
		dp->pool_size[s] = dp->pool[s]->size;
		dp->pool_in_use[s] = rte_mempool_in_use_count(dp->pool[s]);
		rte_mempool_free(dp->pool[s]);
		dp->pool[s] = NULL;
	}
}
