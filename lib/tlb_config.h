/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_CONFIG_H
#define TLB_CONFIG_H

/*
 * YAML config file -> struct tlb_config (design.md section 4). Pure: libyaml
 * and libc only, no EAL, no logging. Every error carries the file, line and
 * column (1-based) of the YAML node it is about.
 */

#include <stdint.h>
#include <stdio.h>

#include "tlb_addr.h"
#include "tlb_common.h"

enum tlb_encap_type {
	TLB_ENCAP_GUE = 0,
	TLB_ENCAP_VXLAN = 1,
};

enum tlb_hash_mode {
	TLB_HASH_5TUPLE = 0,	/* src, dst, proto, sport, dport (default) */
	TLB_HASH_SRC_IP = 1,	/* IPVS mh default: source address only */
	TLB_HASH_SRC_IP_PORT = 2,	/* IPVS mh-port: source address and port */
};

enum tlb_backend_state {
	TLB_BACKEND_ACTIVE = 0,
	TLB_BACKEND_DRAINING = 1,	/* no new flows; established flows stay */
	TLB_BACKEND_DOWN = 2,		/* no traffic at all */
};

/* What to do with a packet too big for the egress MTU once encapsulated. */
enum tlb_too_big_policy {
	TLB_TOO_BIG_ICMP = 0,	/* ICMP frag-needed / PTB to the client (IPv4 DF, IPv6);
				 * IPv4 without DF: fragment the outer packet */
	TLB_TOO_BIG_DROP = 1,	/* drop, counted too_big */
};

/* A later fragment that arrives before its first one. */
enum tlb_frag_policy {
	TLB_FRAG_HOLD = 0,	/* hold it briefly until the first fragment names the backend */
	TLB_FRAG_3TUPLE = 1,	/* place the datagram by source, destination and protocol */
	TLB_FRAG_DROP = 2,	/* drop it, counted fragment */
};

#define TLB_MSS_CLAMP_AUTO UINT16_MAX	/* mss_clamp: auto = egress MTU - overhead - headers */
#define TLB_MSS_MIN 536			/* RFC 9293 3.7.1: the default send MSS */

enum tlb_tx_offload_mode {
	TLB_TX_OFFLOAD_AUTO = 0,	/* use what the port advertises */
	TLB_TX_OFFLOAD_SOFTWARE = 1,	/* never use NIC offloads on this port */
};

/* Where a value came from in the file, for messages. */
struct tlb_config_mark {
	uint32_t line;		/* 1-based */
	uint32_t col;		/* 1-based */
};

struct tlb_config_backend {
	struct tlb_addr addr;		/* decides the outer header family */
	uint16_t weight;		/* 0..65535, default 1; 0 = no new flows */
	enum tlb_backend_state state;	/* default active */
	uint8_t mac[6];			/* vxlan: inner Ethernet destination */
	uint8_t has_mac;
	struct tlb_config_mark mark;	/* the backend's mapping */
};

struct tlb_config_service {
	char name[TLB_NAME_MAX];
	struct tlb_addr vip;
	uint16_t port;			/* 0 = every port of proto */
	uint8_t proto;			/* IPPROTO_TCP (6) or IPPROTO_UDP (17) */
	enum tlb_encap_type encap;
	uint8_t gue_variant;		/* 0 or 1; gue only (default 0) */
	uint16_t dst_port;		/* outer UDP destination; default 6080 gue, 4789 vxlan */
	uint32_t vni;			/* vxlan only, 0..16777215, required for vxlan */
	enum tlb_hash_mode hash;
	uint32_t table_size;		/* prime, default TLB_MAGLEV_DEFAULT_SIZE */
	struct tlb_config_backend *backends;
	uint32_t n_backends;
	enum tlb_too_big_policy too_big;	/* default icmp */
	enum tlb_frag_policy fragments;		/* default hold */
	uint16_t mss_clamp;		/* 0 = off (default), TLB_MSS_CLAMP_AUTO, or the MSS */
	uint8_t outer_udp_zero;		/* outer_udp_checksum: zero (over IPv4); default full */
	uint8_t segmentation;		/* too-big TCP segmented in software (default off) */
	struct tlb_config_mark mark;	/* the service's mapping */
};

struct tlb_config_port {
	char name[TLB_NAME_MAX];	/* DPDK device name (vdev name or PCI address) */
	uint16_t mtu;			/* egress MTU for outer packets; default 1500 */
	enum tlb_tx_offload_mode tx_offloads;
	char tx_port[TLB_NAME_MAX];	/* "" = this port (one-armed) */
	uint8_t lro;			/* 1: turn the NIC's TCP LRO on where offered */
	struct tlb_config_mark mark;
};

struct tlb_config_node {
	struct tlb_addr ipv4;		/* family 0 when absent */
	struct tlb_addr ipv6;		/* family 0 when absent */
	uint8_t gateway_mac[6];
};

/* Datapath tuning ('dataplane:'), all optional. */
struct tlb_config_dataplane {
	uint32_t flow_table_size;	/* connections tracked per worker; 0 = tracking off */
	uint32_t tcp_timeout;		/* idle seconds before a TCP entry expires */
	uint32_t tcp_fin_timeout;	/* ... once a FIN or RST was seen */
	uint32_t udp_timeout;		/* idle seconds before a UDP entry expires */
	uint32_t icmp_rate;		/* ICMP errors per second per worker (0 = none) */
	uint32_t icmp_burst;		/* ... in a burst at most */
	uint32_t frag_table_size;	/* fragment map entries per worker */
	uint32_t frag_timeout_ms;	/* fragment map entry / held fragment lifetime */
	uint32_t frag_hold;		/* early fragments held per worker (0 = none) */
	uint32_t gro;			/* 1: coalesce client TCP/IPv4 per burst (lib/tlb_gro.h) */
};

#define TLB_CONFIG_DEFAULT_FLOWS (1u << 20)	/* 64 MiB per worker at 64 B an entry */
#define TLB_CONFIG_MAX_FLOWS (1u << 24)		/* 1 GiB per worker */
#define TLB_CONFIG_MIN_FLOWS 1024u
#define TLB_CONFIG_DEFAULT_TCP_TIMEOUT 900	/* IPVS tcp default */
#define TLB_CONFIG_DEFAULT_TCP_FIN_TIMEOUT 120	/* IPVS tcpfin default */
#define TLB_CONFIG_DEFAULT_UDP_TIMEOUT 300	/* IPVS udp default */
#define TLB_CONFIG_MAX_TIMEOUT 86400
#define TLB_CONFIG_DEFAULT_ICMP_RATE 1000	/* like Linux icmp_msgs_per_sec */
#define TLB_CONFIG_DEFAULT_ICMP_BURST 50	/* like Linux icmp_msgs_burst */
#define TLB_CONFIG_DEFAULT_FRAG_TABLE 16384
#define TLB_CONFIG_DEFAULT_FRAG_TIMEOUT_MS 2000
#define TLB_CONFIG_DEFAULT_FRAG_HOLD 256

/*
 * Route announcements through a local BIRD 2 ('announce:', optional): the VIPs
 * tunlb can serve are written as BIRD static routes via the liveness
 * interface into include files, then BIRD is told to reconfigure.
 */
#define TLB_CONFIG_PATH_MAX 256
#define TLB_CONFIG_IFNAME_MAX 16		/* IFNAMSIZ */
#define TLB_CONFIG_DEFAULT_ANNOUNCE_IF "tunlb-live"
#define TLB_CONFIG_DEFAULT_WITHDRAW_GRACE_MS 2000
#define TLB_CONFIG_MAX_WITHDRAW_GRACE_MS 600000

struct tlb_config_announce {
	uint8_t enabled;		/* the section is present */
	char bird_socket[TLB_CONFIG_PATH_MAX];	/* BIRD's control socket; "" = files only */
	char ipv4_routes[TLB_CONFIG_PATH_MAX];	/* include file of IPv4 routes; "" = none */
	char ipv6_routes[TLB_CONFIG_PATH_MAX];	/* include file of IPv6 routes; "" = none */
	char interface[TLB_CONFIG_IFNAME_MAX];	/* TUN device living as long as tunlb */
	uint32_t withdraw_grace_ms;	/* on SIGTERM/SIGINT: withdrawn, still forwarding */
};

struct tlb_config {
	char *file;			/* path as given to tlb_config_load() */
	struct tlb_config_announce announce;
	struct tlb_config_node node;
	struct tlb_config_dataplane dataplane;
	struct tlb_config_port *ports;	/* NULL/0 when 'ports' is absent: every probed port */
	uint32_t n_ports;
	struct tlb_config_service *services;
	uint32_t n_services;
	uint32_t maglev_seed;		/* default TLB_CONFIG_DEFAULT_SEED */
};

#define TLB_CONFIG_DEFAULT_SEED 0x5eedu
#define TLB_CONFIG_DEFAULT_MTU 1500
#define TLB_CONFIG_MAX_FILE (16u << 20)	/* larger files are refused */
#define TLB_CONFIG_MAX_ERRORS 64	/* errors kept; later ones are only counted */

struct tlb_config_error {
	uint32_t line;			/* 1-based; 0 when the file could not be read */
	uint32_t col;
	char msg[192];
};

struct tlb_config_errors {
	struct tlb_config_error e[TLB_CONFIG_MAX_ERRORS];
	uint32_t n;			/* entries filled in e[] */
	uint32_t dropped;		/* further errors not kept */
};

/*
 * Read, parse and validate the YAML (or JSON) file at path. On success returns
 * 0 and *out owns a new config (free with tlb_config_free()). On failure
 * returns -EINVAL (invalid content), -ENOENT/-EACCES/-EFBIG/-ENOMEM, leaves
 * *out NULL and fills errs with every problem found, each with line and
 * column. Any thread; no global state.
 */
int tlb_config_load(const char *path, struct tlb_config **out, struct tlb_config_errors *errs);

/*
 * Read the file at path into a new buffer (*buf, *len; free() it), refusing
 * more than TLB_CONFIG_MAX_FILE bytes. Returns 0, or -errno with one
 * line-0 error in errs.
 */
int tlb_config_read_file(const char *path, char **buf, size_t *len, struct tlb_config_errors *errs);

/* Same as tlb_config_load() on an in-memory buffer; name is used in messages. */
int tlb_config_load_buffer(const char *name, const char *buf, size_t len,
			   struct tlb_config **out, struct tlb_config_errors *errs);

/* Print every error as "FILE:LINE:COL: message\n" to f. */
void tlb_config_errors_print(const struct tlb_config_errors *errs, const char *file, FILE *f);

/* Free a config from tlb_config_load(); NULL is fine. */
void tlb_config_free(struct tlb_config *cfg);

/* Names for enum values, as written in the file. */
const char *tlb_config_encap_name(enum tlb_encap_type e);
const char *tlb_config_hash_name(enum tlb_hash_mode h);
const char *tlb_config_state_name(enum tlb_backend_state s);

/* True when n is prime (trial division; n < 2^32). */
int tlb_config_is_prime(uint32_t n);

#endif /* TLB_CONFIG_H */
