/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlb_config loader: one table row per behaviour (YAML text, expected return
 * code, every expected error as line:column + message substring), generated
 * inputs for the size limits, the files in config/, and truncated / garbled
 * versions of those files. Addresses: RFC 5737 and RFC 3849 ranges only.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tlb_config.h"

struct exp_err {
	uint32_t line;
	uint32_t col;
	const char *sub;	/* NULL ends the list */
};

struct row {
	const char *name;
	const char *yaml;
	int rc;
	struct exp_err err[6];	/* every error, in order */
	void (*check)(const struct tlb_config *cfg);
};

/* Lines 1-4. */
#define NODE \
	"node:\n" \
	"  ipv4: 192.0.2.1\n" \
	"  ipv6: 2001:db8::1\n" \
	"  gateway_mac: 02:00:00:00:00:fe\n"
/* Four lines; the mapping starts at column 5, the name value at column 11. */
#define SVC(name) \
	"  - name: " name "\n" \
	"    vip: 198.51.100.10\n" \
	"    protocol: tcp\n" \
	"    encap: gue\n"
/* Lines 1-9: node, "services:" on line 5, service "web" on lines 6-9. */
#define HEAD NODE "services:\n" SVC("web")
/* Lines 1-10: node, services, a vxlan service "vx" (vni on line 10). */
#define HEAD_VX NODE "services:\n" \
	"  - name: vx\n" \
	"    vip: 198.51.100.10\n" \
	"    protocol: udp\n" \
	"    encap: vxlan\n" \
	"    vni: 100\n"

static void
addr_is(const struct tlb_addr *a, const char *text)
{
	struct tlb_addr want;

	assert_int_equal(tlb_addr_parse(text, &want), 0);
	assert_true(tlb_addr_eq(a, &want));
}

static void
check_dataplane(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->dataplane.flow_table_size, 5000);
	assert_int_equal(cfg->dataplane.tcp_timeout, 60);
	assert_int_equal(cfg->dataplane.tcp_fin_timeout, 5);
	assert_int_equal(cfg->dataplane.udp_timeout, 30);
	assert_int_equal(cfg->dataplane.gro, 1);
}

static void
check_tracking_off(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->dataplane.flow_table_size, 0);
	assert_int_equal(cfg->dataplane.tcp_timeout, TLB_CONFIG_DEFAULT_TCP_TIMEOUT);
}

static void
check_defaults(const struct tlb_config *cfg)
{
	const struct tlb_config_service *s = &cfg->services[0];

	assert_string_equal(cfg->file, "test.yaml");
	addr_is(&cfg->node.ipv4, "192.0.2.1");
	addr_is(&cfg->node.ipv6, "2001:db8::1");
	assert_memory_equal(cfg->node.gateway_mac, "\x02\x00\x00\x00\x00\xfe", 6);
	assert_null(cfg->ports);
	assert_int_equal(cfg->n_ports, 0);
	assert_int_equal(cfg->maglev_seed, TLB_CONFIG_DEFAULT_SEED);
	assert_int_equal(cfg->dataplane.flow_table_size, TLB_CONFIG_DEFAULT_FLOWS);
	assert_int_equal(cfg->dataplane.tcp_timeout, TLB_CONFIG_DEFAULT_TCP_TIMEOUT);
	assert_int_equal(cfg->dataplane.tcp_fin_timeout, TLB_CONFIG_DEFAULT_TCP_FIN_TIMEOUT);
	assert_int_equal(cfg->dataplane.udp_timeout, TLB_CONFIG_DEFAULT_UDP_TIMEOUT);
	assert_int_equal(cfg->dataplane.gro, 0);
	assert_int_equal(cfg->n_services, 1);
	assert_string_equal(s->name, "web");
	addr_is(&s->vip, "198.51.100.10");
	assert_int_equal(s->port, 0);
	assert_int_equal(s->proto, 6);
	assert_int_equal(s->encap, TLB_ENCAP_GUE);
	assert_int_equal(s->outer_udp_zero, 0);	/* outer_udp_checksum: full */
	assert_int_equal(s->segmentation, 0);
	assert_int_equal(s->gue_variant, 0);
	assert_int_equal(s->dst_port, 6080);
	assert_int_equal(s->hash, TLB_HASH_5TUPLE);
	assert_int_equal(s->table_size, 65537);
	assert_int_equal(s->mark.line, 6);
	assert_int_equal(s->mark.col, 5);
	assert_int_equal(s->n_backends, 1);
	addr_is(&s->backends[0].addr, "203.0.113.11");
	assert_int_equal(s->backends[0].weight, 1);
	assert_int_equal(s->backends[0].state, TLB_BACKEND_ACTIVE);
	assert_int_equal(s->backends[0].has_mac, 0);
	assert_int_equal(s->backends[0].mark.line, 11);
	assert_int_equal(s->backends[0].mark.col, 9);
}

static void
check_vxlan_defaults(const struct tlb_config *cfg)
{
	const struct tlb_config_service *s = &cfg->services[0];

	assert_int_equal(s->encap, TLB_ENCAP_VXLAN);
	assert_int_equal(s->proto, 17);
	assert_int_equal(s->dst_port, 4789);
	assert_int_equal(s->vni, 0x10);
	assert_int_equal(s->n_backends, 2);
	addr_is(&s->backends[0].addr, "2001:db8::11");
	assert_true(s->backends[0].has_mac);
	assert_memory_equal(s->backends[0].mac, "\x02\x00\x00\x00\xbe\x01", 6);
	addr_is(&s->backends[1].addr, "203.0.113.12");
	assert_memory_equal(s->backends[1].mac, "\x02\x00\x00\x00\xbe\x02", 6);
}

static void
check_explicit(const struct tlb_config *cfg)
{
	const struct tlb_config_service *s = &cfg->services[0];

	assert_int_equal(cfg->maglev_seed, 4294967295u);
	assert_int_equal(cfg->n_ports, 2);
	assert_string_equal(cfg->ports[0].name, "net_pcap0");
	assert_int_equal(cfg->ports[0].mtu, 9702);
	assert_int_equal(cfg->ports[0].tx_offloads, TLB_TX_OFFLOAD_SOFTWARE);
	assert_string_equal(cfg->ports[0].tx_port, "0000:01:00.0");
	assert_int_equal(cfg->ports[0].lro, 0);
	assert_string_equal(cfg->ports[1].name, "0000:01:00.0");
	assert_int_equal(cfg->ports[1].lro, 1);
	assert_int_equal(cfg->ports[1].mtu, 576);
	assert_int_equal(cfg->ports[1].tx_offloads, TLB_TX_OFFLOAD_AUTO);
	assert_string_equal(cfg->ports[1].tx_port, "");
	assert_int_equal(s->port, 65535);
	assert_int_equal(s->gue_variant, 1);
	assert_int_equal(s->dst_port, 7000);
	assert_int_equal(s->hash, TLB_HASH_SRC_IP_PORT);
	assert_int_equal(s->table_size, 211);
	assert_int_equal(s->n_backends, 2);
	assert_int_equal(s->backends[0].weight, 0);
	assert_int_equal(s->backends[0].state, TLB_BACKEND_DRAINING);
	assert_true(s->backends[0].has_mac);
	assert_int_equal(s->backends[1].weight, 65535);
	assert_int_equal(s->backends[1].state, TLB_BACKEND_DOWN);
	assert_int_equal(cfg->services[1].hash, TLB_HASH_SRC_IP);
}

static void
check_hex_seed(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->maglev_seed, 0xdeadbeefu);
	assert_int_equal(cfg->n_services, 0);
	assert_null(cfg->services);
	assert_int_equal(cfg->n_ports, 0);
}

static void
check_decimal_seed(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->maglev_seed, 0);
}

static void
check_json(const struct tlb_config *cfg)
{
	addr_is(&cfg->node.ipv4, "192.0.2.1");
	assert_int_equal(cfg->node.ipv6.family, 0);
	assert_int_equal(cfg->maglev_seed, 42);
	assert_int_equal(cfg->n_services, 1);
	assert_string_equal(cfg->services[0].name, "j");
	assert_int_equal(cfg->services[0].port, 443);
	assert_int_equal(cfg->services[0].backends[0].weight, 3);
}

static void
check_v6_vip_v4_backends(const struct tlb_config *cfg)
{
	const struct tlb_config_service *s = &cfg->services[0];

	addr_is(&s->vip, "2001:db8:100::10");
	assert_int_equal(s->n_backends, 2);
	assert_int_equal(s->backends[0].addr.family, TLB_AF_INET);
	assert_int_equal(s->backends[1].addr.family, TLB_AF_INET);
}

static void
check_v6_only(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->node.ipv4.family, 0);
	addr_is(&cfg->node.ipv6, "2001:db8::1");
	assert_int_equal(cfg->services[0].backends[0].addr.family, TLB_AF_INET6);
}

static void
check_two_services(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->n_services, 2);
	assert_int_equal(cfg->services[0].port, 0);
	assert_int_equal(cfg->services[1].port, 80);
}

static void
check_empty_ports(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->n_ports, 0);
	assert_null(cfg->ports);
}

static void
check_announce(const struct tlb_config *cfg)
{
	assert_true(cfg->announce.enabled);
	assert_string_equal(cfg->announce.bird_socket, "/run/bird/bird.ctl");
	assert_string_equal(cfg->announce.ipv4_routes, "/run/tunlb/vips4.conf");
	assert_string_equal(cfg->announce.ipv6_routes, "");
	assert_string_equal(cfg->announce.interface, "lb-live");
	assert_int_equal(cfg->announce.withdraw_grace_ms, 5000);
}

static void
check_announce_defaults(const struct tlb_config *cfg)
{
	assert_true(cfg->announce.enabled);
	assert_string_equal(cfg->announce.bird_socket, "");
	assert_string_equal(cfg->announce.interface, TLB_CONFIG_DEFAULT_ANNOUNCE_IF);
	assert_int_equal(cfg->announce.withdraw_grace_ms, TLB_CONFIG_DEFAULT_WITHDRAW_GRACE_MS);
}

static void
check_outer_udp(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->services[0].outer_udp_zero, 1);
	assert_int_equal(cfg->services[1].outer_udp_zero, 0);
}

static void
check_segmentation(const struct tlb_config *cfg)
{
	assert_int_equal(cfg->services[0].segmentation, 1);
	assert_int_equal(cfg->services[1].segmentation, 0);
}

static void
check_no_announce(const struct tlb_config *cfg)
{
	assert_false(cfg->announce.enabled);
}

static const struct row rows[] = {
	/* ---- valid configs: values and defaults ---- */
	{ "defaults", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113.11\n", 0, { { 0 } }, check_defaults },
	{ "vxlan defaults, hex vni, flow backend", NODE "services:\n"
	  "  - name: v\n"
	  "    vip: 198.51.100.10\n"
	  "    protocol: udp\n"
	  "    encap: vxlan\n"
	  "    vni: 0x10\n"
	  "    backends:\n"
	  "      - {address: 2001:db8::11, mac: 02:00:00:00:BE:01}\n"
	  "      - address: 203.0.113.12\n"
	  "        mac: \"02:00:00:00:be:02\"\n", 0, { { 0 } }, check_vxlan_defaults },
	{ "explicit values", NODE
	  "ports:\n"
	  "  - name: net_pcap0\n"
	  "    mtu: 9702\n"
	  "    tx_offloads: software\n"
	  "    tx_port: 0000:01:00.0\n"
	  "  - name: 0000:01:00.0\n"
	  "    mtu: 576\n"
	  "    tx_offloads: auto\n"
	  "    lro: on\n"
	  "services:\n" SVC("web")
	  "    port: 65535\n"
	  "    gue_variant: 1\n"
	  "    dst_port: 7000\n"
	  "    hash: src_ip_port\n"
	  "    table_size: 211\n"
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        weight: 0\n"
	  "        state: draining\n"
	  "        mac: 02:00:00:00:be:01\n"
	  "      - address: 203.0.113.12\n"
	  "        weight: 65535\n"
	  "        state: down\n"
	  "  - name: other\n"
	  "    vip: 198.51.100.11\n"
	  "    protocol: udp\n"
	  "    encap: gue\n"
	  "    hash: src_ip\n"
	  "maglev_seed: 4294967295\n", 0, { { 0 } }, check_explicit },
	{ "hex seed, empty services", NODE "services: []\nmaglev_seed: 0xDEADbeef\n", 0, { { 0 } },
	  check_hex_seed },
	{ "decimal zero seed", NODE "services: []\nmaglev_seed: 0\n", 0, { { 0 } },
	  check_decimal_seed },
	{ "json document",
	  "{\"node\": {\"ipv4\": \"192.0.2.1\", \"gateway_mac\": \"02:00:00:00:00:fe\"},\n"
	  " \"services\": [{\"name\": \"j\", \"vip\": \"198.51.100.10\", \"port\": 443,\n"
	  "   \"protocol\": \"tcp\", \"encap\": \"gue\",\n"
	  "   \"backends\": [{\"address\": \"203.0.113.11\", \"weight\": 3}]}],\n"
	  " \"maglev_seed\": 42}\n", 0, { { 0 } }, check_json },
	{ "ipv6 vip with ipv4 backends", NODE "services:\n"
	  "  - name: v6\n"
	  "    vip: 2001:db8:100::10\n"
	  "    protocol: tcp\n"
	  "    encap: gue\n"
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "      - address: 203.0.113.12\n", 0, { { 0 } }, check_v6_vip_v4_backends },
	{ "node with ipv6 only",
	  "node:\n  ipv6: 2001:db8::1\n  gateway_mac: 02:00:00:00:00:fe\n"
	  "services:\n" SVC("web")
	  "    backends:\n"
	  "      - address: 2001:db8:200::11\n", 0, { { 0 } }, check_v6_only },
	{ "any port beside exact port", NODE "services:\n" SVC("any")
	  "  - name: exact\n"
	  "    vip: 198.51.100.10\n"
	  "    port: 80\n"
	  "    protocol: tcp\n"
	  "    encap: gue\n", 0, { { 0 } }, check_two_services },
	{ "empty ports list", NODE "ports: []\nservices: []\n", 0, { { 0 } }, check_empty_ports },
	{ "explicit document markers", "---\n" NODE "services: []\n...\n", 0, { { 0 } }, NULL },

	/* ---- unknown keys ---- */
	{ "unknown top-level key", NODE "services: []\nfoo: 1\n", -EINVAL,
	  { { 6, 1, "unknown key 'foo' in top level" } }, NULL },
	{ "unknown service key", HEAD "    colour: red\n", -EINVAL,
	  { { 10, 5, "unknown key 'colour' in service" } }, NULL },
	{ "unknown backend key", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        wieght: 2\n", -EINVAL,
	  { { 12, 9, "unknown key 'wieght' in backend" } }, NULL },
	{ "unknown node key", "node:\n  ipv4: 192.0.2.1\n  mac: 02:00:00:00:00:fe\n"
	  "  gateway_mac: 02:00:00:00:00:fe\nservices: []\n", -EINVAL,
	  { { 3, 3, "unknown key 'mac' in node" } }, NULL },
	{ "unknown port key", NODE "ports:\n  - name: p0\n    speed: 10\nservices: []\n", -EINVAL,
	  { { 7, 5, "unknown key 'speed' in port" } }, NULL },
	{ "non-scalar key", NODE "services: []\n[a]: 1\n", -EINVAL,
	  { { 6, 1, "expected a string key, got a list" } }, NULL },

	/* ---- wrong types ---- */
	{ "quoted integer", HEAD "    port: \"80\"\n", -EINVAL,
	  { { 10, 11, "port: expected integer, got a quoted string" } }, NULL },
	{ "list for integer", HEAD "    port: [80]\n", -EINVAL,
	  { { 10, 11, "port: expected integer, got a list" } }, NULL },
	{ "mapping for string", HEAD "    hash: {a: 1}\n", -EINVAL,
	  { { 10, 11, "hash: expected a string, got a mapping" } }, NULL },
	{ "list for mapping", "node: [1]\nservices: []\n", -EINVAL,
	  { { 1, 7, "node: expected a mapping, got a list" } }, NULL },
	{ "scalar for list", NODE "services: {}\n", -EINVAL,
	  { { 5, 11, "services: expected a list, got a mapping" } }, NULL },
	{ "null for list", HEAD "    backends:\n", -EINVAL,
	  { { 10, 14, "backends: expected a list, got a scalar" } }, NULL },
	{ "top level is a list", "- node\n", -EINVAL,
	  { { 1, 1, "top level: expected a mapping, got a list" } }, NULL },
	{ "service is a scalar", NODE "services:\n  - web\n", -EINVAL,
	  { { 6, 5, "service: expected a mapping, got a scalar" } }, NULL },

	/* ---- integers ---- */
	{ "integer out of range", HEAD "    port: 65536\n", -EINVAL,
	  { { 10, 11, "port out of range: 65536 (allowed 0..65535)" } }, NULL },
	{ "negative integer", HEAD "    port: -1\n", -EINVAL,
	  { { 10, 11, "port: expected integer" } }, NULL },
	{ "plus sign", HEAD "    port: +1\n", -EINVAL,
	  { { 10, 11, "port: expected integer" } }, NULL },
	{ "trailing garbage", HEAD "    port: 80x\n", -EINVAL,
	  { { 10, 11, "expected integer (decimal without leading zeros or 0x hex), got '80x'" } },
	  NULL },
	{ "leading zero", HEAD "    port: 080\n", -EINVAL,
	  { { 10, 11, "port: expected integer" } }, NULL },
	{ "bare 0x", HEAD "    port: 0x\n", -EINVAL,
	  { { 10, 11, "port: expected integer" } }, NULL },
	{ "float", HEAD "    port: 1.5\n", -EINVAL,
	  { { 10, 11, "port: expected integer" } }, NULL },
	{ "empty value for integer", HEAD "    port:\n", -EINVAL,
	  { { 10, 10, "port: expected integer" } }, NULL },
	{ "dataplane values", NODE "services: []\ndataplane:\n  flow_table_size: 5000\n"
	  "  tcp_timeout: 60\n  tcp_fin_timeout: 5\n  udp_timeout: 0x1e\n  gro: on\n", 0, { { 0 } },
	  check_dataplane },
	{ "gro: true is not a value", NODE "services: []\ndataplane:\n  gro: true\n", -EINVAL,
	  { { 7, 8, "gro: unknown value 'true' (expected off | on)" } }, NULL },
	{ "flow_table_size 0 turns tracking off", NODE "services: []\ndataplane:\n"
	  "  flow_table_size: 0\n", 0, { { 0 } }, check_tracking_off },
	{ "flow_table_size below 1024", NODE "services: []\ndataplane:\n  flow_table_size: 10\n",
	  -EINVAL, { { 7, 20, "flow_table_size 10: 0 (tracking off) or at least 1024" } }, NULL },
	{ "flow_table_size above 2^24", NODE "services: []\ndataplane:\n"
	  "  flow_table_size: 16777217\n", -EINVAL,
	  { { 7, 20, "flow_table_size out of range" } }, NULL },
	{ "timeouts 0 and above a day", NODE "services: []\ndataplane:\n  tcp_timeout: 0\n"
	  "  udp_timeout: 86401\n", -EINVAL,
	  { { 7, 16, "tcp_timeout out of range" }, { 8, 16, "udp_timeout out of range" } },
	  NULL },
	{ "unknown dataplane key", NODE "services: []\ndataplane:\n  flows: 5\n", -EINVAL,
	  { { 7, 3, "unknown key 'flows'" } }, NULL },
	{ "dataplane not a mapping", NODE "services: []\ndataplane: 5\n", -EINVAL,
	  { { 6, 12, "dataplane: expected a mapping" } }, NULL },
	{ "announce values", HEAD "    backends: []\nannounce:\n  bird_socket: /run/bird/bird.ctl\n"
	  "  ipv4_routes: /run/tunlb/vips4.conf\n  interface: lb-live\n"
	  "  withdraw_grace_ms: 5000\n", 0, { { 0 } }, check_announce },
	{ "announce defaults", NODE "services: []\nannounce: {ipv6_routes: /v6.conf}\n", 0, { { 0 } },
	  check_announce_defaults },
	{ "no announce section: off", HEAD "    backends: []\n", 0, { { 0 } }, check_no_announce },
	{ "announce without a route file", NODE "services: []\nannounce: {bird_socket: /b.ctl}\n",
	  -EINVAL, { { 6, 11, "announce: needs ipv4_routes and/or ipv6_routes" } }, NULL },
	{ "announce: IPv4 VIP, only an IPv6 file", HEAD "    backends: []\nannounce:\n"
	  "  ipv6_routes: /v6.conf\n", -EINVAL,
	  { { 12, 3, "announce: service 'web' has an IPv4 VIP but there is no "
	      "announce.ipv4_routes" } }, NULL },
	{ "announce paths: relative, with a quote", NODE "services: []\nannounce:\n"
	  "  ipv4_routes: vips4.conf\n  ipv6_routes: '/a\"b'\n", -EINVAL,
	  { { 7, 16, "announce.ipv4_routes: expected an absolute path" },
	    { 8, 16, "announce.ipv6_routes: control character, '\"' or '\\' in the path" } },
	  NULL },
	{ "announce interface: too long, bad name", NODE "services: []\nannounce:\n"
	  "  ipv4_routes: /v4\n  interface: sixteen-chars-xx\n", -EINVAL,
	  { { 8, 14, "announce.interface: at most 15 characters" } }, NULL },
	{ "announce interface with a slash", NODE "services: []\nannounce:\n"
	  "  ipv4_routes: /v4\n  interface: a/b\n", -EINVAL,
	  { { 8, 14, "announce.interface: bad name 'a/b'" } }, NULL },
	{ "announce grace above 10 minutes, unknown key", NODE "services: []\nannounce:\n"
	  "  ipv4_routes: /v4\n  withdraw_grace_ms: 600001\n  asn: 65000\n", -EINVAL,
	  { { 9, 3, "unknown key 'asn'" }, { 8, 22, "announce.withdraw_grace_ms out of range" } },
	  NULL },
	{ "outer_udp_checksum: zero and full", HEAD "    outer_udp_checksum: zero\n"
	  "    backends: []\n  - {name: f, vip: 198.51.100.11, protocol: udp, encap: gue,\n"
	  "     outer_udp_checksum: full, backends: []}\n", 0, { { 0 } }, check_outer_udp },
	{ "segmentation: on, off, bad", HEAD "    segmentation: on\n    backends: []\n"
	  "  - {name: f, vip: 198.51.100.11, protocol: tcp, encap: gue, segmentation: off,\n"
	  "     backends: []}\n", 0, { { 0 } }, check_segmentation },
	{ "segmentation: yes", HEAD "    segmentation: yes\n", -EINVAL,
	  { { 10, 19, "segmentation: unknown value 'yes' (expected off | on)" } }, NULL },
	{ "outer_udp_checksum: bad value", HEAD "    outer_udp_checksum: none\n", -EINVAL,
	  { { 10, 25, "outer_udp_checksum: unknown value 'none' (expected full | zero)" } }, NULL },
	{ "hex seed above 2^32-1", NODE "services: []\nmaglev_seed: 0x100000000\n", -EINVAL,
	  { { 6, 14, "maglev_seed out of range" } }, NULL },
	{ "seed overflowing 64 bits", NODE "services: []\nmaglev_seed: 99999999999999999999999\n",
	  -EINVAL, { { 6, 14, "maglev_seed out of range" } }, NULL },
	{ "mtu below 576", NODE "ports:\n  - name: p0\n    mtu: 575\nservices: []\n", -EINVAL,
	  { { 7, 10, "mtu out of range: 575 (allowed 576..9702)" } }, NULL },
	{ "mtu above 9702", NODE "ports:\n  - name: p0\n    mtu: 9703\nservices: []\n", -EINVAL,
	  { { 7, 10, "mtu out of range" } }, NULL },
	{ "dst_port 0", HEAD "    dst_port: 0\n", -EINVAL,
	  { { 10, 15, "dst_port out of range: 0 (allowed 1..65535)" } }, NULL },
	{ "weight above 65535", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        weight: 65536\n", -EINVAL,
	  { { 12, 17, "weight out of range" } }, NULL },
	{ "gue_variant 2", HEAD "    gue_variant: 2\n", -EINVAL,
	  { { 10, 18, "gue_variant out of range: 2 (allowed 0..1)" } }, NULL },

	/* ---- addresses, MACs, names, enums ---- */
	{ "bad vip", NODE "services:\n"
	  "  - name: web\n"
	  "    vip: 198.51.100.300\n"
	  "    protocol: tcp\n"
	  "    encap: gue\n", -EINVAL,
	  { { 7, 10, "vip: bad address '198.51.100.300'" } }, NULL },
	{ "vip with prefix", NODE "services:\n"
	  "  - name: web\n"
	  "    vip: 2001:db8::/64\n"
	  "    protocol: tcp\n"
	  "    encap: gue\n", -EINVAL,
	  { { 7, 10, "vip: bad address" } }, NULL },
	{ "bad backend address", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113\n", -EINVAL,
	  { { 11, 18, "backend address: bad address '203.0.113'" } }, NULL },
	{ "node.ipv4 holding ipv6", "node:\n  ipv4: 2001:db8::1\n  gateway_mac: 02:00:00:00:00:fe\n"
	  "services: []\n", -EINVAL,
	  { { 2, 9, "node.ipv4: bad address: not an IPv4 address" } }, NULL },
	{ "node.ipv6 holding ipv4", "node:\n  ipv6: 192.0.2.1\n  gateway_mac: 02:00:00:00:00:fe\n"
	  "services: []\n", -EINVAL,
	  { { 2, 9, "node.ipv6: bad address: not an IPv6 address" } }, NULL },
	{ "bad gateway mac", "node:\n  ipv4: 192.0.2.1\n  gateway_mac: 02:00:00:00:00:fg\n"
	  "services: []\n", -EINVAL,
	  { { 3, 16, "node.gateway_mac: bad MAC address '02:00:00:00:00:fg'" } }, NULL },
	{ "backend mac with dashes", HEAD_VX
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        mac: 02-00-00-00-00-01\n", -EINVAL,
	  { { 13, 14, "backend mac: bad MAC address" } }, NULL },
	{ "backend mac too long", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        mac: 02:00:00:00:00:01:02\n", -EINVAL,
	  { { 12, 14, "backend mac: bad MAC address" } }, NULL },
	{ "bad service name", NODE "services:\n" SVC("we b"), -EINVAL,
	  { { 6, 11, "service name: bad name 'we b'" } }, NULL },
	{ "service name too long", NODE "services:\n"
	  SVC("a123456789b123456789c123456789d123456789e123456789f123456789abcd"), -EINVAL,
	  { { 6, 11, "service name: must be 1..63 characters long" } }, NULL },
	{ "empty service name", NODE "services:\n" SVC("\"\""), -EINVAL,
	  { { 6, 11, "service name: must be 1..63 characters long" } }, NULL },
	{ "NUL in name", NODE "services:\n" SVC("\"a\\0b\""), -EINVAL,
	  { { 6, 11, "service name: NUL character in string" } }, NULL },
	{ "unknown protocol", NODE "services:\n"
	  "  - name: web\n"
	  "    vip: 198.51.100.10\n"
	  "    protocol: icmp\n"
	  "    encap: gue\n", -EINVAL,
	  { { 8, 15, "protocol: unknown value 'icmp' (expected tcp | udp)" } }, NULL },
	{ "unknown encap", NODE "services:\n"
	  "  - name: web\n"
	  "    vip: 198.51.100.10\n"
	  "    protocol: tcp\n"
	  "    encap: geneve\n", -EINVAL,
	  { { 9, 12, "encap: unknown value 'geneve' (expected gue | vxlan)" } }, NULL },
	{ "unknown hash", HEAD "    hash: md5\n", -EINVAL,
	  { { 10, 11, "hash: unknown value 'md5' (expected 5tuple | src_ip | src_ip_port)" } },
	  NULL },
	{ "unknown state", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        state: up\n", -EINVAL,
	  { { 12, 16, "state: unknown value 'up' (expected active | draining | down)" } }, NULL },
	{ "lro: yes", NODE "ports:\n  - name: p0\n    lro: yes\nservices: []\n",
	  -EINVAL, { { 7, 10, "lro: unknown value 'yes' (expected off | on)" } }, NULL },
	{ "unknown tx_offloads", NODE "ports:\n  - name: p0\n    tx_offloads: hw\nservices: []\n",
	  -EINVAL, { { 7, 18, "tx_offloads: unknown value 'hw' (expected auto | software)" } },
	  NULL },

	/* ---- duplicates ---- */
	{ "duplicate key in service", HEAD "    port: 1\n    port: 2\n", -EINVAL,
	  { { 11, 5, "duplicate key 'port' in service" } }, NULL },
	{ "duplicate top-level key", NODE "services: []\nservices: []\n", -EINVAL,
	  { { 6, 1, "duplicate key 'services' in top level" } }, NULL },
	{ "duplicate service name (and so VIP)", NODE "services:\n" SVC("web") SVC("web"), -EINVAL,
	  { { 10, 11, "duplicate service name 'web'" },
	    { 11, 10, "duplicate VIP: same vip, protocol and port as service 'web'" } }, NULL },
	{ "duplicate VIP", NODE "services:\n" SVC("a") SVC("b"), -EINVAL,
	  { { 11, 10, "duplicate VIP: same vip, protocol and port as service 'a'" } }, NULL },
	{ "duplicate backend address", HEAD
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "      - address: 203.0.113.12\n"
	  "      - address: 203.0.113.11\n", -EINVAL,
	  { { 13, 18, "duplicate backend address 203.0.113.11" } }, NULL },
	{ "duplicate IPv6 backend, other spelling", HEAD
	  "    backends:\n"
	  "      - address: 2001:db8::11\n"
	  "      - address: 2001:0DB8:0:0::11\n", -EINVAL,
	  { { 12, 18, "duplicate backend address 2001:db8::11" } }, NULL },
	{ "duplicate port name", NODE "ports:\n  - name: p0\n  - name: p0\nservices: []\n", -EINVAL,
	  { { 7, 11, "duplicate port name 'p0'" } }, NULL },

	/* ---- table size ---- */
	{ "non-prime table size", HEAD "    table_size: 65536\n", -EINVAL,
	  { { 10, 17, "table_size 65536 is not prime" } }, NULL },
	{ "table size above maximum", HEAD "    table_size: 16777259\n", -EINVAL,
	  { { 10, 17, "table_size out of range" } }, NULL },
	{ "table too small for backends", HEAD
	  "    table_size: 199\n"
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "      - address: 203.0.113.12\n", -EINVAL,
	  { { 10, 17, "table_size 199 is too small for 2 backends" } }, NULL },

	/* ---- missing keys ---- */
	{ "missing protocol", NODE "services:\n"
	  "  - name: web\n"
	  "    vip: 198.51.100.10\n"
	  "    encap: gue\n", -EINVAL,
	  { { 6, 5, "missing required key 'protocol' in service" } }, NULL },
	{ "missing name and vip", NODE "services:\n"
	  "  - protocol: tcp\n"
	  "    encap: gue\n", -EINVAL,
	  { { 6, 5, "missing required key 'name' in service" },
	    { 6, 5, "missing required key 'vip' in service" } }, NULL },
	{ "missing node", "services: []\n", -EINVAL,
	  { { 1, 1, "missing required key 'node' in top level" } }, NULL },
	{ "missing services", NODE, -EINVAL,
	  { { 1, 1, "missing required key 'services' in top level" } }, NULL },
	{ "missing gateway_mac", "node:\n  ipv4: 192.0.2.1\nservices: []\n", -EINVAL,
	  { { 2, 3, "missing required key 'gateway_mac' in node" } }, NULL },
	{ "node without addresses", "node:\n  gateway_mac: 02:00:00:00:00:fe\nservices: []\n",
	  -EINVAL, { { 2, 3, "missing required key 'ipv4' or 'ipv6' in node" } }, NULL },
	{ "backend without address", HEAD "    backends:\n      - weight: 1\n", -EINVAL,
	  { { 11, 9, "missing required key 'address' in backend" } }, NULL },
	{ "port without name", NODE "ports:\n  - mtu: 1500\nservices: []\n", -EINVAL,
	  { { 6, 5, "missing required key 'name' in port" } }, NULL },
	{ "json missing key", "{\"node\": {\"ipv4\": \"192.0.2.1\"}, \"services\": []}", -EINVAL,
	  { { 1, 10, "missing required key 'gateway_mac' in node" } }, NULL },

	/* ---- encap-specific keys ---- */
	{ "vni out of range", NODE "services:\n"
	  "  - name: vx\n"
	  "    vip: 198.51.100.10\n"
	  "    protocol: udp\n"
	  "    encap: vxlan\n"
	  "    vni: 16777216\n", -EINVAL,
	  { { 10, 10, "vni out of range: 16777216 (allowed 0..16777215)" } }, NULL },
	{ "vxlan without vni", NODE "services:\n"
	  "  - name: vx\n"
	  "    vip: 198.51.100.10\n"
	  "    protocol: udp\n"
	  "    encap: vxlan\n", -EINVAL,
	  { { 6, 5, "missing required key 'vni' in service" } }, NULL },
	{ "vni with gue", HEAD "    vni: 5\n", -EINVAL,
	  { { 10, 10, "vni is only valid with encap vxlan" } }, NULL },
	{ "gue_variant with vxlan", HEAD_VX "    gue_variant: 0\n", -EINVAL,
	  { { 11, 18, "gue_variant is only valid with encap gue" } }, NULL },
	{ "vxlan backend without mac", HEAD_VX
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "        mac: 02:00:00:00:be:01\n"
	  "      - address: 203.0.113.12\n", -EINVAL,
	  { { 14, 9, "vxlan backend without mac" } }, NULL },

	/* ---- node address family for backends ---- */
	{ "ipv6 backend without node.ipv6",
	  "node:\n  ipv4: 192.0.2.1\n  gateway_mac: 02:00:00:00:00:fe\n"
	  "services:\n" SVC("web")
	  "    backends:\n"
	  "      - address: 203.0.113.11\n"
	  "      - address: 2001:db8:200::11\n", -EINVAL,
	  { { 11, 18, "node.ipv6 is required for IPv6 backends" } }, NULL },
	{ "ipv4 backend without node.ipv4",
	  "node:\n  ipv6: 2001:db8::1\n  gateway_mac: 02:00:00:00:00:fe\n"
	  "services:\n" SVC("web")
	  "    backends:\n"
	  "      - address: 203.0.113.11\n", -EINVAL,
	  { { 10, 18, "node.ipv4 is required for IPv4 backends" } }, NULL },

	/* ---- ports ---- */
	{ "tx_port naming no port", NODE "ports:\n  - name: p0\n    tx_port: p1\nservices: []\n",
	  -EINVAL, { { 7, 14, "tx_port 'p1' does not name an entry of ports" } }, NULL },

	/* ---- several errors in one pass ---- */
	{ "errors collected in one pass", HEAD
	  "    port: 70000\n"
	  "    hash: md5\n"
	  "    backends:\n"
	  "      - address: 203.0.113.999\n"
	  "        weight: -1\n"
	  "  - name: web\n"
	  "    vip: 198.51.100.11\n"
	  "    protocol: sctp\n"
	  "    encap: gue\n", -EINVAL,
	  { { 10, 11, "port out of range" }, { 11, 11, "hash: unknown value" },
	    { 13, 18, "bad address" }, { 14, 17, "weight: expected integer" },
	    { 17, 15, "protocol: unknown value 'sctp'" },
	    { 15, 11, "duplicate service name 'web'" } }, NULL },

	/* ---- YAML level ---- */
	{ "syntax error: unclosed flow list", NODE "services: [\n", -EINVAL,
	  { { 6, 1, "syntax error: did not find expected node content" } }, NULL },
	{ "syntax error: bad indentation", "node:\n  ipv4: 192.0.2.1\n bad\nservices: []\n",
	  -EINVAL, { { 3, 2, "syntax error: did not find expected key" } }, NULL },
	{ "syntax error: tab indentation", "node:\n\tipv4: 192.0.2.1\n", -EINVAL,
	  { { 2, 1, "syntax error: found character that cannot start any token" } }, NULL },
	{ "syntax error: unterminated quote", "node:\n  ipv4: \"192.0.2.1\n", -EINVAL,
	  { { 3, 1, "syntax error: found unexpected end of stream" } }, NULL },
	{ "invalid UTF-8", NODE "services: []\n# \xff\n", -EINVAL,
	  { { 6, 3, "invalid input: invalid leading UTF-8 octet" } }, NULL },
	{ "control character", NODE "services: []\n# \x01\n", -EINVAL,
	  { { 6, 3, "invalid input: control characters are not allowed" } }, NULL },
	{ "anchor", NODE "services: &s []\n", -EINVAL,
	  { { 5, 11, "aliases are not supported" } }, NULL },
	{ "alias", NODE "services: []\nmaglev_seed: *x\n", -EINVAL,
	  { { 6, 14, "aliases are not supported" } }, NULL },
	{ "merge key with alias", NODE "services:\n"
	  "  - &a {name: a, vip: 198.51.100.10, protocol: tcp, encap: gue}\n"
	  "  - <<: *a\n"
	  "    name: b\n", -EINVAL,
	  { { 6, 5, "aliases are not supported" }, { 7, 9, "aliases are not supported" },
	    { 7, 5, "unknown key '<<' in service" },
	    { 7, 5, "missing required key 'vip' in service" },
	    { 7, 5, "missing required key 'protocol' in service" },
	    { 7, 5, "missing required key 'encap' in service" } }, NULL },
	{ "anchor, tag and schema errors together", HEAD "    port: !!int 80\n    hash: &h md5\n",
	  -EINVAL, { { 10, 11, "tags are not supported" }, { 11, 11, "aliases are not supported" },
		     { 11, 11, "hash: unknown value 'md5'" } }, NULL },
	{ "tag", HEAD "    port: !!int 80\n", -EINVAL,
	  { { 10, 11, "tags are not supported" } }, NULL },
	{ "multiple documents", NODE "services: []\n---\nfoo: 1\n", -EINVAL,
	  { { 6, 1, "multiple documents are not supported" } }, NULL },
	{ "empty file", "", -EINVAL, { { 1, 1, "empty file" } }, NULL },
	{ "comments only", "# nothing here\n\n", -EINVAL, { { 1, 1, "empty file" } }, NULL },
	{ "empty document", "---\n", -EINVAL, { { 2, 1, "empty document" } }, NULL },
	{ "deep nesting", "node: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n", -EINVAL,
	  { { 1, 22, "nesting deeper than 16 levels" } }, NULL },
};

static void
expect_errors(const struct tlb_config_errors *errs, const struct exp_err *want, size_t max)
{
	size_t i;

	for (i = 0; i < max && want[i].sub != NULL; i++) {
		assert_true(i < errs->n);
		if (strstr(errs->e[i].msg, want[i].sub) == NULL)
			fail_msg("error %zu: '%s' lacks '%s'", i, errs->e[i].msg, want[i].sub);
		if (errs->e[i].line != want[i].line || errs->e[i].col != want[i].col)
			fail_msg("error %zu '%s': at %u:%u, expected %u:%u", i, errs->e[i].msg,
				 errs->e[i].line, errs->e[i].col, want[i].line, want[i].col);
	}
	if (errs->n != i) {
		print_error("unexpected error: %u:%u: %s\n", errs->e[i].line, errs->e[i].col,
			    errs->e[i].msg);
		assert_int_equal(errs->n, i);
	}
	assert_int_equal(errs->dropped, 0);
}

static void
run_row(void **state)
{
	const struct row *r = *state;
	struct tlb_config_errors errs;
	struct tlb_config *cfg = (struct tlb_config *)(uintptr_t)1;
	int rc;

	rc = tlb_config_load_buffer("test.yaml", r->yaml, strlen(r->yaml), &cfg, &errs);
	expect_errors(&errs, r->err, TLB_DIM(r->err));
	assert_int_equal(rc, r->rc);
	if (rc != 0) {
		assert_null(cfg);
		return;
	}
	assert_non_null(cfg);
	if (r->check != NULL)
		r->check(cfg);
	tlb_config_free(cfg);
}

/* ---- generated inputs ---- */

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n + 1;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	b->len += (size_t)n;
}

static void
sb_init(struct sbuf *b)
{
	b->cap = 4096;
	b->len = 0;
	b->p = malloc(b->cap);
	assert_non_null(b->p);
	b->p[0] = '\0';
}

static void
load_expect(const struct sbuf *b, int want_rc, uint32_t line, uint32_t col, const char *sub)
{
	struct tlb_config_errors errs;
	struct tlb_config *cfg;
	int rc;

	rc = tlb_config_load_buffer("gen.yaml", b->p, b->len, &cfg, &errs);
	assert_int_equal(rc, want_rc);
	if (rc == 0) {
		tlb_config_free(cfg);
		return;
	}
	assert_null(cfg);
	assert_true(errs.n >= 1);
	if (strstr(errs.e[0].msg, sub) == NULL)
		fail_msg("'%s' lacks '%s'", errs.e[0].msg, sub);
	assert_int_equal(errs.e[0].line, line);
	assert_int_equal(errs.e[0].col, col);
}

/* 256 services are fine, the 257th (lines 6 + 5k, k = 256) is refused. */
static void
test_too_many_services(void **state)
{
	struct sbuf b;
	int i;

	(void)state;
	sb_init(&b);
	sb_printf(&b, NODE "services:\n");
	for (i = 0; i < TLB_MAX_SERVICES; i++)
		sb_printf(&b, "  - name: s%d\n    vip: 198.51.100.10\n    port: %d\n"
			  "    protocol: tcp\n    encap: gue\n", i, i + 1);
	load_expect(&b, 0, 0, 0, NULL);
	sb_printf(&b, "  - name: s%d\n    vip: 198.51.100.10\n    port: %d\n"
		  "    protocol: tcp\n    encap: gue\n", i, i + 1);
	load_expect(&b, -EINVAL, 6 + 5 * TLB_MAX_SERVICES, 5, "too many services (at most 256)");
	free(b.p);
}

/* Backend i (0-based) is on line 12 + i; 4096 in total are fine. */
static void
test_too_many_backends(void **state)
{
	struct sbuf b;
	int i;

	(void)state;
	sb_init(&b);
	sb_printf(&b, HEAD "    table_size: 16777213\n    backends:\n");
	for (i = 0; i < TLB_MAX_BACKENDS; i++)
		sb_printf(&b, "      - address: 2001:db8:200::%x\n", i + 1);
	load_expect(&b, 0, 0, 0, NULL);
	sb_printf(&b, "      - address: 203.0.113.1\n");
	load_expect(&b, -EINVAL, 12 + TLB_MAX_BACKENDS, 9,
		    "too many backends (at most 4096 over all services)");
	free(b.p);
}

/* 656 backends need 65600 > 65537 entries: the default size is too small. */
static void
test_default_table_too_small(void **state)
{
	struct sbuf b;
	int i;

	(void)state;
	sb_init(&b);
	sb_printf(&b, HEAD "    backends:\n");
	for (i = 0; i < 655; i++)
		sb_printf(&b, "      - address: 2001:db8:200::%x\n", i + 1);
	load_expect(&b, 0, 0, 0, NULL);
	sb_printf(&b, "      - address: 203.0.113.1\n");
	load_expect(&b, -EINVAL, 11, 7,
		    "table_size 65537 (default) is too small for 656 backends");
	free(b.p);
}

/*
 * A list far longer than any valid config: refused once the document holds
 * more than 2^17 nodes. Nodes before the list: root, "node" key, node map,
 * 6 node scalars, "services" key, the list = 11; item j (1-based, line 5 + j,
 * column 3) is node 11 + j.
 */
static void
test_huge_list(void **state)
{
	const uint32_t first_bad = (1u << 17) + 1 - 11;
	struct sbuf b;
	uint32_t i;

	(void)state;
	sb_init(&b);
	sb_printf(&b, NODE "services:\n");
	for (i = 0; i < first_bad + 1000; i++)
		sb_printf(&b, "- 1\n");
	load_expect(&b, -EINVAL, 5 + first_bad, 3, "document too large");
	free(b.p);
}

/*
 * 20000 nested flow lists: refused at the 16th level (column 7 + 15). 5000
 * nested block mappings: the one on line L is created at depth L - 1, so the
 * one on line 17 (column 17) is refused.
 */
static void
test_deep_nesting_huge(void **state)
{
	struct sbuf b;
	int i;

	(void)state;
	sb_init(&b);
	sb_printf(&b, "node: ");
	for (i = 0; i < 20000; i++)
		sb_printf(&b, "[");
	for (i = 0; i < 20000; i++)
		sb_printf(&b, "]");
	load_expect(&b, -EINVAL, 1, 22, "nesting deeper than 16 levels");
	free(b.p);
	sb_init(&b);
	for (i = 0; i < 5000; i++)
		sb_printf(&b, "%*sk:\n", i, "");
	load_expect(&b, -EINVAL, 17, 17, "nesting deeper than 16 levels");
	free(b.p);
}

/* 70 unknown keys: 64 kept, 6 counted, all printed as FILE:LINE:COL. */
static void
test_errors_dropped_and_print(void **state)
{
	struct tlb_config_errors errs;
	struct tlb_config *cfg;
	struct sbuf b;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int i;

	(void)state;
	sb_init(&b);
	sb_printf(&b, NODE "services: []\n");
	for (i = 0; i < 70; i++)
		sb_printf(&b, "k%d: 1\n", i);
	assert_int_equal(tlb_config_load_buffer("x.yaml", b.p, b.len, &cfg, &errs), -EINVAL);
	assert_null(cfg);
	assert_int_equal(errs.n, TLB_CONFIG_MAX_ERRORS);
	assert_int_equal(errs.dropped, 70 - TLB_CONFIG_MAX_ERRORS);
	assert_int_equal(errs.e[63].line, 6 + 63);

	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	tlb_config_errors_print(&errs, "x.yaml", f);
	fclose(f);
	assert_non_null(strstr(out, "x.yaml:6:1: unknown key 'k0' in top level\n"));
	assert_non_null(strstr(out, "x.yaml:69:1: unknown key 'k63' in top level\n"));
	assert_non_null(strstr(out, "x.yaml: 6 more errors not shown\n"));
	free(out);
	free(b.p);
}

static void
test_unreadable_and_too_large(void **state)
{
	struct tlb_config_errors errs;
	struct tlb_config *cfg;
	char *out = NULL;
	size_t out_len = 0;
	char path[] = "/tmp/tlb_config_big_XXXXXX";
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(tlb_config_load("/nonexistent-tunlb/none.yaml", &cfg, &errs), -ENOENT);
	assert_null(cfg);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].line, 0);
	assert_non_null(strstr(errs.e[0].msg, "cannot read file"));
	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	tlb_config_errors_print(&errs, "/nonexistent-tunlb/none.yaml", f);
	fclose(f);
	assert_string_equal(out, "/nonexistent-tunlb/none.yaml: cannot read file: "
			    "No such file or directory\n");
	free(out);

	/* a directory opens but cannot be read */
	assert_true(tlb_config_load("/", &cfg, &errs) < 0);
	assert_null(cfg);
	assert_int_equal(errs.e[0].line, 0);

	/* length is checked before the buffer is read */
	assert_int_equal(tlb_config_load_buffer("big", "", TLB_CONFIG_MAX_FILE + 1, &cfg, &errs),
			 -EFBIG);
	assert_null(cfg);
	assert_int_equal(errs.e[0].line, 0);
	assert_non_null(strstr(errs.e[0].msg, "larger than"));

	/* sparse file one byte over the limit */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, TLB_CONFIG_MAX_FILE + 1), 0);
	close(fd);
	assert_int_equal(tlb_config_load(path, &cfg, &errs), -EFBIG);
	assert_null(cfg);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].line, 0);
	unlink(path);

	/* NULL errs is allowed */
	assert_int_equal(tlb_config_load_buffer("n", "x: 1", 4, &cfg, NULL), -EINVAL);
	assert_null(cfg);
}

static void
test_names_and_prime(void **state)
{
	(void)state;
	assert_string_equal(tlb_config_encap_name(TLB_ENCAP_GUE), "gue");
	assert_string_equal(tlb_config_encap_name(TLB_ENCAP_VXLAN), "vxlan");
	assert_string_equal(tlb_config_hash_name(TLB_HASH_5TUPLE), "5tuple");
	assert_string_equal(tlb_config_hash_name(TLB_HASH_SRC_IP), "src_ip");
	assert_string_equal(tlb_config_hash_name(TLB_HASH_SRC_IP_PORT), "src_ip_port");
	assert_string_equal(tlb_config_state_name(TLB_BACKEND_ACTIVE), "active");
	assert_string_equal(tlb_config_state_name(TLB_BACKEND_DRAINING), "draining");
	assert_string_equal(tlb_config_state_name(TLB_BACKEND_DOWN), "down");
	assert_false(tlb_config_is_prime(0));
	assert_false(tlb_config_is_prime(1));
	assert_true(tlb_config_is_prime(2));
	assert_true(tlb_config_is_prime(3));
	assert_false(tlb_config_is_prime(4));
	assert_true(tlb_config_is_prime(65537));
	assert_false(tlb_config_is_prime(65536));
	assert_true(tlb_config_is_prime(TLB_MAGLEV_MAX_SIZE));
	assert_false(tlb_config_is_prime(16777215));
	assert_true(tlb_config_is_prime(4294967291u));	/* largest prime below 2^32 */
	assert_false(tlb_config_is_prime(4294967295u));
	assert_false(tlb_config_is_prime(65521u * 65521u));
}

/* ---- the files in config/ ---- */

static char src_root[2 * PATH_MAX + 8];

/*
 * Meson compiles with the build directory as working directory and passes
 * __FILE__ relative to it; meson test runs there too. When run by hand from
 * elsewhere, resolve it against the build directory (two levels above this
 * executable). TLB_SOURCE_ROOT overrides both.
 */
static const char *
source_root(void)
{
	static const char suffix[] = "tests/unit/test_config.c";
	char exe[PATH_MAX], cand[PATH_MAX + 64], prefix[PATH_MAX];
	const char *env = getenv("TLB_SOURCE_ROOT");
	size_t flen = strlen(__FILE__);
	ssize_t n;
	int up;

	if (src_root[0] != '\0')
		return src_root;
	if (env != NULL) {
		snprintf(src_root, sizeof(src_root), "%s", env);
		return src_root;
	}
	assert_true(flen >= sizeof(suffix) - 1);
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(flen - (sizeof(suffix) - 1)), __FILE__);
	if (prefix[0] == '\0')
		snprintf(prefix, sizeof(prefix), "./");
	snprintf(cand, sizeof(cand), "%sconfig/demo.yaml", prefix);
	if (prefix[0] == '/' || access(cand, R_OK) == 0) {
		snprintf(src_root, sizeof(src_root), "%s", prefix);
		return src_root;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	for (up = 0; up < 2; up++) {
		char *slash = strrchr(exe, '/');

		assert_non_null(slash);
		*slash = '\0';
	}
	snprintf(src_root, sizeof(src_root), "%s/%s", exe, prefix);
	return src_root;
}

static const char *const example_files[] = { "tunlb.yaml", "gue.yaml", "vxlan.yaml", "demo.yaml" };

static char *
read_example(const char *file, size_t *len)
{
	char path[sizeof(src_root) + 64];
	char *buf;
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), "%sconfig/%s", source_root(), file);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz > 0);
	rewind(f);
	buf = malloc((size_t)sz);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

static struct tlb_config *
load_example(const char *file)
{
	char path[sizeof(src_root) + 64];
	struct tlb_config_errors errs;
	struct tlb_config *cfg;

	snprintf(path, sizeof(path), "%sconfig/%s", source_root(), file);
	if (tlb_config_load(path, &cfg, &errs) != 0) {
		tlb_config_errors_print(&errs, path, stdout);
		fail_msg("%s does not load", path);
	}
	assert_string_equal(cfg->file, path);
	return cfg;
}

static void
test_example_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < TLB_DIM(example_files); i++)
		tlb_config_free(load_example(example_files[i]));
}

static void
backend_is(const struct tlb_config_backend *b, const char *addr, const char *mac)
{
	addr_is(&b->addr, addr);
	assert_int_equal(b->weight, 1);
	assert_int_equal(b->state, TLB_BACKEND_ACTIVE);
	if (mac == NULL) {
		assert_false(b->has_mac);
		return;
	}
	assert_true(b->has_mac);
	assert_memory_equal(b->mac, mac, 6);
}

static void
test_demo_values(void **state)
{
	struct tlb_config *cfg = load_example("demo.yaml");
	const struct tlb_config_service *s = cfg->services;

	(void)state;
	addr_is(&cfg->node.ipv4, "192.0.2.1");
	addr_is(&cfg->node.ipv6, "2001:db8::1");
	assert_memory_equal(cfg->node.gateway_mac, "\x02\x00\x00\x00\x00\xfe", 6);
	assert_int_equal(cfg->n_ports, 1);
	assert_string_equal(cfg->ports[0].name, "net_pcap0");
	assert_int_equal(cfg->ports[0].mtu, 1500);
	assert_string_equal(cfg->ports[0].tx_port, "");
	assert_int_equal(cfg->maglev_seed, TLB_CONFIG_DEFAULT_SEED);
	assert_int_equal(cfg->n_services, 4);

	assert_string_equal(s[0].name, "web4");
	addr_is(&s[0].vip, "198.51.100.10");
	assert_int_equal(s[0].proto, 6);
	assert_int_equal(s[0].port, 80);
	assert_int_equal(s[0].encap, TLB_ENCAP_GUE);
	assert_int_equal(s[0].gue_variant, 1);
	assert_int_equal(s[0].dst_port, 6080);
	assert_int_equal(s[0].n_backends, 3);
	backend_is(&s[0].backends[0], "203.0.113.11", NULL);
	backend_is(&s[0].backends[1], "203.0.113.12", NULL);
	backend_is(&s[0].backends[2], "203.0.113.13", NULL);

	assert_string_equal(s[1].name, "dns4");
	addr_is(&s[1].vip, "198.51.100.10");
	assert_int_equal(s[1].proto, 17);
	assert_int_equal(s[1].port, 53);
	assert_int_equal(s[1].encap, TLB_ENCAP_VXLAN);
	assert_int_equal(s[1].vni, 100);
	assert_int_equal(s[1].dst_port, 4789);
	assert_int_equal(s[1].n_backends, 2);
	backend_is(&s[1].backends[0], "203.0.113.21", "\x02\x00\x00\x00\xbe\x01");
	backend_is(&s[1].backends[1], "203.0.113.22", "\x02\x00\x00\x00\xbe\x02");

	assert_string_equal(s[2].name, "web6");
	addr_is(&s[2].vip, "2001:db8:100::10");
	assert_int_equal(s[2].proto, 6);
	assert_int_equal(s[2].port, 443);
	assert_int_equal(s[2].encap, TLB_ENCAP_GUE);
	assert_int_equal(s[2].gue_variant, 0);
	assert_int_equal(s[2].n_backends, 2);
	backend_is(&s[2].backends[0], "2001:db8:200::11", NULL);
	backend_is(&s[2].backends[1], "2001:db8:200::12", NULL);

	assert_string_equal(s[3].name, "mixed6");
	addr_is(&s[3].vip, "2001:db8:100::20");
	assert_int_equal(s[3].proto, 17);
	assert_int_equal(s[3].port, 0);
	assert_int_equal(s[3].encap, TLB_ENCAP_VXLAN);
	assert_int_equal(s[3].vni, 200);
	assert_int_equal(s[3].n_backends, 2);
	backend_is(&s[3].backends[0], "203.0.113.31", "\x02\x00\x00\x00\xbe\x03");
	backend_is(&s[3].backends[1], "2001:db8:200::31", "\x02\x00\x00\x00\xbe\x04");
	tlb_config_free(cfg);
}

static void
test_gue_vxlan_values(void **state)
{
	struct tlb_config *cfg = load_example("gue.yaml");
	uint32_t i;

	(void)state;
	assert_int_equal(cfg->n_services, 2);
	assert_int_equal(cfg->services[0].gue_variant, 1);
	assert_int_equal(cfg->services[0].n_backends, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(cfg->services[0].backends[i].addr.family, TLB_AF_INET);
	assert_int_equal(cfg->services[1].vip.family, TLB_AF_INET6);
	assert_int_equal(cfg->services[1].gue_variant, 0);
	for (i = 0; i < cfg->services[1].n_backends; i++)
		assert_int_equal(cfg->services[1].backends[i].addr.family, TLB_AF_INET6);
	tlb_config_free(cfg);

	cfg = load_example("vxlan.yaml");
	for (i = 0; i < cfg->n_services; i++) {
		uint32_t k;

		assert_int_equal(cfg->services[i].encap, TLB_ENCAP_VXLAN);
		for (k = 0; k < cfg->services[i].n_backends; k++)
			assert_true(cfg->services[i].backends[k].has_mac);
	}
	tlb_config_free(cfg);
}

/* Either loads, or fails with at least one error and every error at line >= 1. */
static void
load_damaged(const char *buf, size_t len)
{
	struct tlb_config_errors errs;
	struct tlb_config *cfg;
	uint32_t i;
	int rc;

	rc = tlb_config_load_buffer("damaged.yaml", buf, len, &cfg, &errs);
	if (rc == 0) {
		assert_non_null(cfg);
		assert_int_equal(errs.n, 0);
		tlb_config_free(cfg);
		return;
	}
	assert_int_equal(rc, -EINVAL);
	assert_null(cfg);
	assert_true(errs.n >= 1);
	for (i = 0; i < errs.n; i++)
		if (errs.e[i].line < 1 || errs.e[i].col < 1)
			fail_msg("len %zu: error without position: %s", len, errs.e[i].msg);
}

/* Every example cut at every offset, and with bytes replaced by YAML syntax. */
static void
test_damaged_examples(void **state)
{
	static const char junk[] = { ':', '-', '[', '{', '}', '"', '\'', '&', '*', '!', '#',
				     '\t', '\n', ' ', '0', '\0', '\x01', '\xff', '\xc3' };
	size_t i, k, len, step;

	(void)state;
	for (i = 0; i < TLB_DIM(example_files); i++) {
		char *orig = read_example(example_files[i], &len);
		char *buf = malloc(len);

		assert_non_null(buf);
		/* exact-size copies so that ASan sees any read past the end */
		for (k = 0; k <= len; k++) {
			char *cut = malloc(k ? k : 1);

			assert_non_null(cut);
			memcpy(cut, orig, k);
			load_damaged(cut, k);
			free(cut);
		}
		step = len / 400 + 1;
		for (k = 0; k < len; k += step) {
			size_t j;

			for (j = 0; j < sizeof(junk); j++) {
				memcpy(buf, orig, len);
				buf[k] = junk[j];
				load_damaged(buf, len);
			}
		}
		free(buf);
		free(orig);
	}
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_too_many_services),
		cmocka_unit_test(test_too_many_backends),
		cmocka_unit_test(test_default_table_too_small),
		cmocka_unit_test(test_huge_list),
		cmocka_unit_test(test_deep_nesting_huge),
		cmocka_unit_test(test_errors_dropped_and_print),
		cmocka_unit_test(test_unreadable_and_too_large),
		cmocka_unit_test(test_names_and_prime),
		cmocka_unit_test(test_example_files),
		cmocka_unit_test(test_demo_values),
		cmocka_unit_test(test_gue_vxlan_values),
		cmocka_unit_test(test_damaged_examples),
	};
	struct CMUnitTest tests[TLB_DIM(rows) + TLB_DIM(fixed)];
	size_t i;

	for (i = 0; i < TLB_DIM(rows); i++) {
		struct CMUnitTest t = { rows[i].name, run_row, NULL, NULL,
					(void *)(uintptr_t)&rows[i] };

		tests[i] = t;
	}
	for (i = 0; i < TLB_DIM(fixed); i++)
		tests[TLB_DIM(rows) + i] = fixed[i];
	return _cmocka_run_group_tests("config", tests, TLB_DIM(tests), NULL, NULL);
}
