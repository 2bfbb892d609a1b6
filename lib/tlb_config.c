/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader (design.md section 4). Two passes: libyaml events build a
 * small bounded tree (depth and node count limited, anchors, aliases and tags
 * refused), then the tree is validated against the schema, collecting every
 * error with the 1-based line:column of the node it is about.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "tlb_config.h"

#define TLB_CONFIG_MAX_DEPTH 16		/* the schema needs 5 levels */
#define TLB_CONFIG_MAX_NODES (1u << 17)	/* a maximal valid config needs ~45k */
#define TLB_CONFIG_NAME_SHOW 40		/* user text quoted in messages */
#define TLB_CONFIG_MTU_MIN 576		/* RFC 791 minimum datagram every host accepts */
#define TLB_CONFIG_MTU_MAX 9702		/* largest jumbo frame MTU common NICs accept */

enum cnode_type {
	CNODE_SCALAR,
	CNODE_MAP,	/* kids: key, value, key, value, ... */
	CNODE_SEQ,
	CNODE_BAD,	/* alias: already reported, skipped silently */
};

struct cnode {
	enum cnode_type type;
	struct tlb_config_mark mark;
	bool plain;		/* scalar written without quotes (may be a number) */
	char *str;		/* scalar value, NUL-terminated */
	size_t len;
	struct cnode **kids;
	uint32_t n_kids;
	uint32_t cap_kids;
};

struct cfg_ctx {
	struct tlb_config_errors *errs;
	struct tlb_config *cfg;
	uint32_t n_nodes;
	bool oom;
	bool has_node;		/* node parsed well enough to check families */
	bool node_v4_given;	/* 'ipv4' key present (even if invalid) */
	bool node_v6_given;
	bool too_many_backends;	/* reported once */
	uint32_t n_backends_total;
};

/* Per-service facts needed for the cross-service duplicate checks. */
struct svc_check {
	const struct cnode *name_node;
	const struct cnode *vip_node;
	bool name_ok;
	bool key_ok;		/* vip, protocol and port all valid */
};

static const char *const encap_names[] = { "gue", "vxlan" };
static const char *const hash_names[] = { "5tuple", "src_ip", "src_ip_port" };
static const char *const state_names[] = { "active", "draining", "down" };
static const char *const offload_names[] = { "auto", "software" };
static const char *const proto_names[] = { "tcp", "udp" };

static void __attribute__((format(printf, 4, 0)))
err_vadd(struct tlb_config_errors *errs, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	struct tlb_config_error *e;

	if (errs->n >= TLB_CONFIG_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	e = &errs->e[errs->n++];
	e->line = line;
	e->col = col;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

static void __attribute__((format(printf, 4, 5)))
err_add(struct tlb_config_errors *errs, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(errs, line, col, fmt, ap);
	va_end(ap);
}

/* Error about node n, at its line:column. */
static void __attribute__((format(printf, 3, 4)))
err_at(struct cfg_ctx *c, const struct cnode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(c->errs, n->mark.line, n->mark.col, fmt, ap);
	va_end(ap);
}

static bool
errs_empty(const struct tlb_config_errors *errs)
{
	return errs->n == 0 && errs->dropped == 0;
}

/* Copy user text for a message: bounded, control characters replaced. */
static const char *
show(const struct cnode *n, char *buf, size_t size)
{
	size_t i, k = 0;

	for (i = 0; i < n->len && k + 4 < size; i++) {
		unsigned char ch = (unsigned char)n->str[i];

		buf[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (i < n->len) {
		buf[k++] = '.';
		buf[k++] = '.';
		buf[k++] = '.';
	}
	buf[k] = '\0';
	return buf;
}

static const char *
type_name(const struct cnode *n)
{
	switch (n->type) {
	case CNODE_MAP:
		return "a mapping";
	case CNODE_SEQ:
		return "a list";
	default:
		return n->plain ? "a scalar" : "a quoted string";
	}
}

/* ---- pass 1: libyaml events -> tree ---- */

static void
cnode_free(struct cnode *n)
{
	uint32_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n_kids; i++)
		cnode_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static int
cnode_append(struct cnode *parent, struct cnode *kid)
{
	if (parent->n_kids == parent->cap_kids) {
		uint32_t cap = parent->cap_kids ? parent->cap_kids * 2 : 8;
		struct cnode **k = realloc(parent->kids, cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		parent->kids = k;
		parent->cap_kids = cap;
	}
	parent->kids[parent->n_kids++] = kid;
	return 0;
}

static void
mark_from_yaml(struct tlb_config_mark *m, const yaml_mark_t *ym)
{
	m->line = (uint32_t)ym->line + 1;
	m->col = (uint32_t)ym->column + 1;
}

/* libyaml reader errors carry a byte offset, not a mark. */
static void
mark_from_offset(struct tlb_config_mark *m, const char *buf, size_t len, size_t off)
{
	size_t i, bol = 0;

	m->line = 1;
	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			m->line++;
			bol = i + 1;
		}
	}
	m->col = (uint32_t)(off - bol) + 1;
}

static void
syntax_error(struct cfg_ctx *c, const yaml_parser_t *p, const char *buf, size_t len)
{
	struct tlb_config_mark m;
	const char *problem = p->problem ? p->problem : "unknown error";

	if (p->error == YAML_READER_ERROR) {
		mark_from_offset(&m, buf, len, p->problem_offset);
		err_add(c->errs, m.line, m.col, "invalid input: %s", problem);
		return;
	}
	mark_from_yaml(&m, &p->problem_mark);
	if (p->context != NULL)
		err_add(c->errs, m.line, m.col, "syntax error: %s (%s at %zu:%zu)", problem,
			p->context, p->context_mark.line + 1, p->context_mark.column + 1);
	else
		err_add(c->errs, m.line, m.col, "syntax error: %s", problem);
}

/*
 * Build the tree of the single document in buf. Returns 0 with *root set, or
 * -EINVAL / -ENOMEM with the errors recorded.
 */
static int
tree_build(struct cfg_ctx *c, const char *buf, size_t len, struct cnode **root)
{
	struct cnode *stack[TLB_CONFIG_MAX_DEPTH];
	struct cnode *top = NULL, *n;
	yaml_parser_t parser;
	yaml_event_t ev;
	uint32_t depth = 0, docs = 0;
	int rc = 0;
	bool done = false;

	*root = NULL;
	if (!yaml_parser_initialize(&parser)) {
		c->oom = true;
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)(buf ? buf : ""), len);

	while (!done && rc == 0) {
		struct tlb_config_mark m;
		const yaml_char_t *anchor = NULL, *tag = NULL;
		enum cnode_type type;

		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				err_add(c->errs, 1, 1, "out of memory while parsing");
				c->oom = true;
			} else {
				syntax_error(c, &parser, buf, len);
			}
			rc = -EINVAL;
			break;
		}
		mark_from_yaml(&m, &ev.start_mark);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			if (docs == 0) {
				err_add(c->errs, 1, 1, "empty file: no YAML document");
				rc = -EINVAL;
			}
			goto next;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				err_add(c->errs, m.line, m.col,
					"multiple documents are not supported");
				rc = -EINVAL;
			}
			goto next;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			goto next;
		case YAML_ALIAS_EVENT:
			err_add(c->errs, m.line, m.col, "anchors and aliases are not supported");
			type = CNODE_BAD;
			break;
		case YAML_SCALAR_EVENT:
			anchor = ev.data.scalar.anchor;
			tag = ev.data.scalar.tag;
			type = CNODE_SCALAR;
			break;
		case YAML_SEQUENCE_START_EVENT:
			anchor = ev.data.sequence_start.anchor;
			tag = ev.data.sequence_start.tag;
			type = CNODE_SEQ;
			break;
		case YAML_MAPPING_START_EVENT:
			anchor = ev.data.mapping_start.anchor;
			tag = ev.data.mapping_start.tag;
			type = CNODE_MAP;
			break;
		default:
			goto next;
		}

		if (anchor != NULL)
			err_add(c->errs, m.line, m.col, "anchors and aliases are not supported");
		if (tag != NULL)
			err_add(c->errs, m.line, m.col, "tags are not supported");
		if (++c->n_nodes > TLB_CONFIG_MAX_NODES) {
			err_add(c->errs, m.line, m.col, "document too large: more than %u YAML nodes",
				TLB_CONFIG_MAX_NODES);
			rc = -EINVAL;
			goto next;
		}
		if (type != CNODE_SCALAR && type != CNODE_BAD && depth == TLB_CONFIG_MAX_DEPTH) {
			err_add(c->errs, m.line, m.col, "nesting deeper than %u levels",
				TLB_CONFIG_MAX_DEPTH);
			rc = -EINVAL;
			goto next;
		}
		n = calloc(1, sizeof(*n));
		if (n == NULL)
			goto oom;
		n->type = type;
		n->mark = m;
		if (type == CNODE_SCALAR) {
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			n->str = malloc(n->len + 1);
			if (n->str == NULL) {
				free(n);
				goto oom;
			}
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
		}
		if (depth == 0) {
			cnode_free(top);	/* only one root per document */
			top = n;
		} else if (cnode_append(stack[depth - 1], n) != 0) {
			cnode_free(n);
			goto oom;
		}
		if (type == CNODE_MAP || type == CNODE_SEQ)
			stack[depth++] = n;
		goto next;
oom:
		err_add(c->errs, m.line, m.col, "out of memory");
		c->oom = true;
		rc = -ENOMEM;
next:
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);

	/* Anchors and tags were reported but their nodes are still checked. */
	if (rc != 0) {
		cnode_free(top);
		return c->oom ? -ENOMEM : rc;
	}
	*root = top;
	return 0;
}

/* ---- pass 2: schema ---- */

/*
 * Check that n is a mapping whose keys are all in names[], none twice, and
 * that every key whose bit is in required is present. vals[i] receives the
 * value of names[i] or NULL. Returns false when n is not a mapping.
 */
static bool
map_keys(struct cfg_ctx *c, const struct cnode *n, const char *what, const char *const *names,
	 size_t n_names, uint32_t required, const struct cnode **vals)
{
	char tmp[TLB_CONFIG_NAME_SHOW + 4];
	uint32_t i;
	size_t k;

	for (k = 0; k < n_names; k++)
		vals[k] = NULL;
	if (n->type == CNODE_BAD)
		return false;
	if (n->type != CNODE_MAP) {
		err_at(c, n, "%s: expected a mapping, got %s", what, type_name(n));
		return false;
	}
	for (i = 0; i + 1 < n->n_kids; i += 2) {
		const struct cnode *key = n->kids[i];

		if (key->type == CNODE_BAD)
			continue;
		if (key->type != CNODE_SCALAR) {
			err_at(c, key, "%s: expected a string key, got %s", what, type_name(key));
			continue;
		}
		for (k = 0; k < n_names; k++)
			if (strlen(names[k]) == key->len && memcmp(names[k], key->str, key->len) == 0)
				break;
		if (k == n_names) {
			err_at(c, key, "unknown key '%s' in %s", show(key, tmp, sizeof(tmp)), what);
			continue;
		}
		if (vals[k] != NULL) {
			err_at(c, key, "duplicate key '%s' in %s", names[k], what);
			continue;
		}
		vals[k] = n->kids[i + 1];
	}
	for (k = 0; k < n_names; k++)
		if ((required & (1u << k)) && vals[k] == NULL)
			err_at(c, n, "missing required key '%s' in %s", names[k], what);
	return true;
}

static bool
is_list(struct cfg_ctx *c, const struct cnode *n, const char *what)
{
	if (n->type == CNODE_SEQ)
		return true;
	if (n->type != CNODE_BAD)
		err_at(c, n, "%s: expected a list, got %s", what, type_name(n));
	return false;
}

static bool
is_string(struct cfg_ctx *c, const struct cnode *n, const char *what)
{
	if (n->type == CNODE_BAD)
		return false;
	if (n->type != CNODE_SCALAR) {
		err_at(c, n, "%s: expected a string, got %s", what, type_name(n));
		return false;
	}
	if (strlen(n->str) != n->len) {
		err_at(c, n, "%s: NUL character in string", what);
		return false;
	}
	return true;
}

/* Decimal without leading zeros or 0x hex; no sign, no blanks, no garbage. */
static bool
get_uint(struct cfg_ctx *c, const struct cnode *n, const char *what, uint64_t min, uint64_t max,
	 uint64_t *out)
{
	char tmp[TLB_CONFIG_NAME_SHOW + 4];
	const char *digits = n->str;
	unsigned long long v;
	char *end;
	bool hex = false;
	size_t i;

	if (n->type == CNODE_BAD)
		return false;
	if (n->type != CNODE_SCALAR || !n->plain) {
		err_at(c, n, "%s: expected integer, got %s", what, type_name(n));
		return false;
	}
	if (n->len > 2 && n->str[0] == '0' && (n->str[1] == 'x' || n->str[1] == 'X')) {
		hex = true;
		digits += 2;
	}
	for (i = (size_t)(digits - n->str); i < n->len; i++) {
		char ch = n->str[i];
		bool ok = (ch >= '0' && ch <= '9') ||
			(hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')));

		if (!ok)
			break;
	}
	if (n->len == 0 || i != n->len || (!hex && n->len > 1 && n->str[0] == '0')) {
		err_at(c, n, "%s: expected integer (decimal without leading zeros or 0x hex), got '%s'",
		       what, show(n, tmp, sizeof(tmp)));
		return false;
	}
	errno = 0;
	v = strtoull(digits, &end, hex ? 16 : 10);
	if (errno == ERANGE || *end != '\0' || v < min || v > max) {
		err_at(c, n, "%s out of range: %s (allowed %llu..%llu)", what,
		       show(n, tmp, sizeof(tmp)), (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

static bool
get_enum(struct cfg_ctx *c, const struct cnode *n, const char *what, const char *const *names,
	 size_t n_names, unsigned int *out)
{
	char tmp[TLB_CONFIG_NAME_SHOW + 4];
	char list[96];
	size_t k, off = 0;

	if (!is_string(c, n, what))
		return false;
	for (k = 0; k < n_names; k++) {
		if (strcmp(names[k], n->str) == 0) {
			*out = (unsigned int)k;
			return true;
		}
	}
	list[0] = '\0';
	for (k = 0; k < n_names && off < sizeof(list); k++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					k ? " | " : "", names[k]);
	err_at(c, n, "%s: unknown value '%s' (expected %s)", what, show(n, tmp, sizeof(tmp)), list);
	return false;
}

static bool
get_addr(struct cfg_ctx *c, const struct cnode *n, const char *what, struct tlb_addr *out)
{
	char tmp[TLB_CONFIG_NAME_SHOW + 4];

	if (!is_string(c, n, what))
		return false;
	if (tlb_addr_parse(n->str, out) != 0) {
		err_at(c, n, "%s: bad address '%s' (expected IPv4 or IPv6, no prefix)", what,
		       show(n, tmp, sizeof(tmp)));
		return false;
	}
	return true;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Exactly six colon-separated pairs of hex digits. */
static bool
get_mac(struct cfg_ctx *c, const struct cnode *n, const char *what, uint8_t mac[6])
{
	char tmp[TLB_CONFIG_NAME_SHOW + 4];
	int i;

	if (!is_string(c, n, what))
		return false;
	if (n->len != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		int hi = hexval(n->str[3 * i]), lo = hexval(n->str[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && n->str[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
bad:
	err_at(c, n, "%s: bad MAC address '%s' (expected xx:xx:xx:xx:xx:xx)", what,
	       show(n, tmp, sizeof(tmp)));
	return false;
}

/* 1..TLB_NAME_MAX-1 characters from [A-Za-z0-9_.-], plus ':' when colon is set. */
static bool
get_name(struct cfg_ctx *c, const struct cnode *n, const char *what, bool colon,
	 char out[TLB_NAME_MAX])
{
	char tmp[TLB_CONFIG_NAME_SHOW + 4];
	size_t i;

	if (!is_string(c, n, what))
		return false;
	if (n->len == 0 || n->len >= TLB_NAME_MAX) {
		err_at(c, n, "%s: must be 1..%d characters long", what, TLB_NAME_MAX - 1);
		return false;
	}
	for (i = 0; i < n->len; i++) {
		char ch = n->str[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-' ||
		      (colon && ch == ':'))) {
			err_at(c, n, "%s: bad name '%s' (allowed characters: A-Z a-z 0-9 _ . -%s)",
			       what, show(n, tmp, sizeof(tmp)), colon ? " :" : "");
			return false;
		}
	}
	memcpy(out, n->str, n->len + 1);
	return true;
}

enum { NODE_IPV4, NODE_IPV6, NODE_GW_MAC, NODE_N };
static const char *const node_keys[NODE_N] = { "ipv4", "ipv6", "gateway_mac" };

static void
parse_node(struct cfg_ctx *c, const struct cnode *n)
{
	struct tlb_config_node *nd = &c->cfg->node;
	const struct cnode *v[NODE_N];
	bool ok = true;

	if (!map_keys(c, n, "node", node_keys, NODE_N, 1u << NODE_GW_MAC, v))
		return;
	if (v[NODE_IPV4] == NULL && v[NODE_IPV6] == NULL)
		err_at(c, n, "missing required key 'ipv4' or 'ipv6' in node (at least one)");
	c->node_v4_given = v[NODE_IPV4] != NULL;
	c->node_v6_given = v[NODE_IPV6] != NULL;
	if (v[NODE_IPV4] != NULL && get_addr(c, v[NODE_IPV4], "node.ipv4", &nd->ipv4) &&
	    nd->ipv4.family != TLB_AF_INET) {
		err_at(c, v[NODE_IPV4], "node.ipv4: bad address: not an IPv4 address");
		memset(&nd->ipv4, 0, sizeof(nd->ipv4));
	}
	if (v[NODE_IPV6] != NULL && get_addr(c, v[NODE_IPV6], "node.ipv6", &nd->ipv6) &&
	    nd->ipv6.family != TLB_AF_INET6) {
		err_at(c, v[NODE_IPV6], "node.ipv6: bad address: not an IPv6 address");
		memset(&nd->ipv6, 0, sizeof(nd->ipv6));
	}
	if (v[NODE_GW_MAC] != NULL)
		ok = get_mac(c, v[NODE_GW_MAC], "node.gateway_mac", nd->gateway_mac);
	c->has_node = ok;
}

static const char *const off_on_names[] = { "off", "on" };

enum { PORT_NAME, PORT_MTU, PORT_OFFLOADS, PORT_TX_PORT, PORT_LRO, PORT_N };
static const char *const port_keys[PORT_N] = { "name", "mtu", "tx_offloads", "tx_port", "lro" };

static int
parse_ports(struct cfg_ctx *c, const struct cnode *list)
{
	const struct cnode *txp[TLB_MAX_PORTS];
	bool named[TLB_MAX_PORTS];
	uint32_t i, j, n;

	if (!is_list(c, list, "ports"))
		return 0;
	n = list->n_kids;
	if (n > TLB_MAX_PORTS) {
		err_at(c, list->kids[TLB_MAX_PORTS], "too many ports (at most %d)", TLB_MAX_PORTS);
		n = TLB_MAX_PORTS;
	}
	if (n == 0)
		return 0;
	c->cfg->ports = calloc(n, sizeof(*c->cfg->ports));
	if (c->cfg->ports == NULL)
		return -ENOMEM;
	c->cfg->n_ports = n;

	for (i = 0; i < n; i++) {
		struct tlb_config_port *p = &c->cfg->ports[i];
		const struct cnode *v[PORT_N];
		uint64_t u;
		unsigned int e;

		p->mark = list->kids[i]->mark;
		p->mtu = TLB_CONFIG_DEFAULT_MTU;
		txp[i] = NULL;
		named[i] = false;
		if (!map_keys(c, list->kids[i], "port", port_keys, PORT_N, 1u << PORT_NAME, v))
			continue;
		if (v[PORT_NAME] != NULL && get_name(c, v[PORT_NAME], "port name", true, p->name)) {
			named[i] = true;
			for (j = 0; j < i; j++) {
				if (named[j] && strcmp(c->cfg->ports[j].name, p->name) == 0) {
					err_at(c, v[PORT_NAME], "duplicate port name '%s'", p->name);
					break;
				}
			}
		}
		if (v[PORT_MTU] != NULL &&
		    get_uint(c, v[PORT_MTU], "mtu", TLB_CONFIG_MTU_MIN, TLB_CONFIG_MTU_MAX, &u))
			p->mtu = (uint16_t)u;
		if (v[PORT_OFFLOADS] != NULL &&
		    get_enum(c, v[PORT_OFFLOADS], "tx_offloads", offload_names,
			     TLB_DIM(offload_names), &e))
			p->tx_offloads = (enum tlb_tx_offload_mode)e;
		if (v[PORT_TX_PORT] != NULL &&
		    get_name(c, v[PORT_TX_PORT], "tx_port", true, p->tx_port))
			txp[i] = v[PORT_TX_PORT];
		if (v[PORT_LRO] != NULL &&
		    get_enum(c, v[PORT_LRO], "lro", off_on_names, TLB_DIM(off_on_names), &e))
			p->lro = (uint8_t)e;
	}
	/* Naming the port itself is allowed: it is the one-armed default. */
	for (i = 0; i < n; i++) {
		if (txp[i] == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (named[j] && strcmp(c->cfg->ports[j].name, c->cfg->ports[i].tx_port) == 0)
				break;
		if (j == n)
			err_at(c, txp[i], "tx_port '%s' does not name an entry of ports",
			       c->cfg->ports[i].tx_port);
	}
	return 0;
}

enum { BE_ADDRESS, BE_WEIGHT, BE_STATE, BE_MAC, BE_N };
static const char *const be_keys[BE_N] = { "address", "weight", "state", "mac" };

/* Returns the address node when the address is valid, else NULL. */
static const struct cnode *
parse_backend(struct cfg_ctx *c, const struct cnode *n, bool vxlan, bool encap_known,
	      struct tlb_config_backend *b)
{
	const struct cnode *v[BE_N], *addr = NULL;
	uint64_t u;
	unsigned int e;

	b->mark = n->mark;
	b->weight = 1;
	b->state = TLB_BACKEND_ACTIVE;
	if (!map_keys(c, n, "backend", be_keys, BE_N, 1u << BE_ADDRESS, v))
		return NULL;
	if (v[BE_ADDRESS] != NULL && get_addr(c, v[BE_ADDRESS], "backend address", &b->addr)) {
		addr = v[BE_ADDRESS];
		if (c->has_node && b->addr.family == TLB_AF_INET6 && !c->node_v6_given)
			err_at(c, v[BE_ADDRESS], "node.ipv6 is required for IPv6 backends");
		if (c->has_node && b->addr.family == TLB_AF_INET && !c->node_v4_given)
			err_at(c, v[BE_ADDRESS], "node.ipv4 is required for IPv4 backends");
	}
	if (v[BE_WEIGHT] != NULL && get_uint(c, v[BE_WEIGHT], "weight", 0, UINT16_MAX, &u))
		b->weight = (uint16_t)u;
	if (v[BE_STATE] != NULL &&
	    get_enum(c, v[BE_STATE], "state", state_names, TLB_DIM(state_names), &e))
		b->state = (enum tlb_backend_state)e;
	if (v[BE_MAC] != NULL)
		b->has_mac = get_mac(c, v[BE_MAC], "backend mac", b->mac);
	else if (encap_known && vxlan)
		err_at(c, n, "vxlan backend without mac");
	return addr;
}

static int
parse_backends(struct cfg_ctx *c, const struct cnode *list, struct tlb_config_service *s,
	       bool encap_known)
{
	const struct cnode **addr;
	uint32_t i, j, n;

	n = list->n_kids;
	if (n > TLB_MAX_BACKENDS - c->n_backends_total) {
		uint32_t room = TLB_MAX_BACKENDS - c->n_backends_total;

		if (!c->too_many_backends)
			err_at(c, list->kids[room], "too many backends (at most %d over all services)",
			       TLB_MAX_BACKENDS);
		c->too_many_backends = true;
		n = room;
	}
	c->n_backends_total += n;
	if (n == 0)
		return 0;
	s->backends = calloc(n, sizeof(*s->backends));
	addr = calloc(n, sizeof(*addr));
	if (s->backends == NULL || addr == NULL) {
		free(addr);
		return -ENOMEM;
	}
	s->n_backends = n;
	for (i = 0; i < n; i++) {
		addr[i] = parse_backend(c, list->kids[i], s->encap == TLB_ENCAP_VXLAN,
					encap_known, &s->backends[i]);
		if (addr[i] == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (addr[j] != NULL &&
			    tlb_addr_eq(&s->backends[j].addr, &s->backends[i].addr)) {
				char a[TLB_ADDR_STRLEN];

				err_at(c, addr[i], "duplicate backend address %s in service",
				       tlb_addr_format(&s->backends[i].addr, a, sizeof(a)));
				break;
			}
		}
	}
	free(addr);
	return 0;
}

enum {
	SVC_NAME, SVC_VIP, SVC_PORT, SVC_PROTOCOL, SVC_ENCAP, SVC_GUE_VARIANT, SVC_DST_PORT,
	SVC_VNI, SVC_HASH, SVC_TABLE_SIZE, SVC_BACKENDS, SVC_TOO_BIG, SVC_FRAGMENTS, SVC_MSS_CLAMP,
	SVC_OUTER_UDP, SVC_SEGMENTATION, SVC_N
};
static const char *const svc_keys[SVC_N] = {
	"name", "vip", "port", "protocol", "encap", "gue_variant", "dst_port", "vni", "hash",
	"table_size", "backends", "too_big", "fragments", "mss_clamp", "outer_udp_checksum",
	"segmentation",
};
static const char *const outer_udp_names[] = { "full", "zero" };
static const char *const too_big_names[] = { "icmp", "drop" };
static const char *const fragments_names[] = { "hold", "3tuple", "drop" };

static int
parse_service(struct cfg_ctx *c, const struct cnode *n, struct tlb_config_service *s,
	      struct svc_check *chk)
{
	const uint32_t required = 1u << SVC_NAME | 1u << SVC_VIP | 1u << SVC_PROTOCOL |
		1u << SVC_ENCAP;
	const struct cnode *v[SVC_N];
	bool encap_ok = false, vip_ok = false, proto_ok = false, port_ok = true;
	uint32_t n_be = 0;
	uint64_t u;
	unsigned int e;

	s->mark = n->mark;
	s->hash = TLB_HASH_5TUPLE;
	s->table_size = TLB_MAGLEV_DEFAULT_SIZE;
	if (!map_keys(c, n, "service", svc_keys, SVC_N, required, v))
		return 0;

	if (v[SVC_NAME] != NULL) {
		chk->name_node = v[SVC_NAME];
		chk->name_ok = get_name(c, v[SVC_NAME], "service name", false, s->name);
	}
	if (v[SVC_VIP] != NULL) {
		chk->vip_node = v[SVC_VIP];
		vip_ok = get_addr(c, v[SVC_VIP], "vip", &s->vip);
	}
	if (v[SVC_PORT] != NULL) {
		port_ok = get_uint(c, v[SVC_PORT], "port", 0, UINT16_MAX, &u);
		if (port_ok)
			s->port = (uint16_t)u;
	}
	if (v[SVC_PROTOCOL] != NULL &&
	    get_enum(c, v[SVC_PROTOCOL], "protocol", proto_names, TLB_DIM(proto_names), &e)) {
		s->proto = e == 0 ? IPPROTO_TCP : IPPROTO_UDP;
		proto_ok = true;
	}
	chk->key_ok = vip_ok && proto_ok && port_ok;
	if (v[SVC_ENCAP] != NULL &&
	    get_enum(c, v[SVC_ENCAP], "encap", encap_names, TLB_DIM(encap_names), &e)) {
		s->encap = (enum tlb_encap_type)e;
		encap_ok = true;
	}
	if (encap_ok)
		s->dst_port = s->encap == TLB_ENCAP_GUE ? TLB_GUE_DEFAULT_PORT :
			TLB_VXLAN_DEFAULT_PORT;

	if (v[SVC_GUE_VARIANT] != NULL) {
		if (encap_ok && s->encap != TLB_ENCAP_GUE)
			err_at(c, v[SVC_GUE_VARIANT], "gue_variant is only valid with encap gue");
		else if (get_uint(c, v[SVC_GUE_VARIANT], "gue_variant", 0, 1, &u))
			s->gue_variant = (uint8_t)u;
	}
	if (v[SVC_DST_PORT] != NULL && get_uint(c, v[SVC_DST_PORT], "dst_port", 1, UINT16_MAX, &u))
		s->dst_port = (uint16_t)u;
	if (v[SVC_VNI] != NULL) {
		if (encap_ok && s->encap != TLB_ENCAP_VXLAN)
			err_at(c, v[SVC_VNI], "vni is only valid with encap vxlan");
		else if (get_uint(c, v[SVC_VNI], "vni", 0, 0xffffff, &u))
			s->vni = (uint32_t)u;
	} else if (encap_ok && s->encap == TLB_ENCAP_VXLAN) {
		err_at(c, n, "missing required key 'vni' in service (required for encap vxlan)");
	}
	if (v[SVC_HASH] != NULL &&
	    get_enum(c, v[SVC_HASH], "hash", hash_names, TLB_DIM(hash_names), &e))
		s->hash = (enum tlb_hash_mode)e;
	if (v[SVC_TOO_BIG] != NULL &&
	    get_enum(c, v[SVC_TOO_BIG], "too_big", too_big_names, TLB_DIM(too_big_names), &e))
		s->too_big = (enum tlb_too_big_policy)e;
	if (v[SVC_FRAGMENTS] != NULL &&
	    get_enum(c, v[SVC_FRAGMENTS], "fragments", fragments_names, TLB_DIM(fragments_names), &e))
		s->fragments = (enum tlb_frag_policy)e;
	if (v[SVC_OUTER_UDP] != NULL &&
	    get_enum(c, v[SVC_OUTER_UDP], "outer_udp_checksum", outer_udp_names,
		     TLB_DIM(outer_udp_names), &e))
		s->outer_udp_zero = (uint8_t)e;
	if (v[SVC_SEGMENTATION] != NULL &&
	    get_enum(c, v[SVC_SEGMENTATION], "segmentation", off_on_names, TLB_DIM(off_on_names),
		     &e))
		s->segmentation = (uint8_t)e;
	if (v[SVC_MSS_CLAMP] != NULL) {
		const struct cnode *mc = v[SVC_MSS_CLAMP];

		/* Quoted too: a JSON document can only write these as strings. */
		if (mc->type == CNODE_SCALAR && strcmp(mc->str, "off") == 0)
			s->mss_clamp = 0;
		else if (mc->type == CNODE_SCALAR && strcmp(mc->str, "auto") == 0)
			s->mss_clamp = TLB_MSS_CLAMP_AUTO;
		else if (get_uint(c, mc, "mss_clamp (off, auto or 536..9000)", TLB_MSS_MIN, 9000, &u))
			s->mss_clamp = (uint16_t)u;
	}

	if (v[SVC_BACKENDS] != NULL && is_list(c, v[SVC_BACKENDS], "backends")) {
		n_be = v[SVC_BACKENDS]->n_kids;
		if (parse_backends(c, v[SVC_BACKENDS], s, encap_ok) != 0)
			return -ENOMEM;
	}

	if (v[SVC_TABLE_SIZE] != NULL) {
		if (!get_uint(c, v[SVC_TABLE_SIZE], "table_size", 1, TLB_MAGLEV_MAX_SIZE, &u))
			return 0;
		s->table_size = (uint32_t)u;
		if (!tlb_config_is_prime(s->table_size)) {
			err_at(c, v[SVC_TABLE_SIZE], "table_size %u is not prime", s->table_size);
			return 0;
		}
	}
	if ((uint64_t)s->table_size < (uint64_t)TLB_MAGLEV_MIN_PER_BACKEND * n_be)
		err_at(c, v[SVC_TABLE_SIZE] ? v[SVC_TABLE_SIZE] : v[SVC_BACKENDS],
		       "table_size %u%s is too small for %u backends (needs at least %u x backends)",
		       s->table_size, v[SVC_TABLE_SIZE] ? "" : " (default)", n_be,
		       TLB_MAGLEV_MIN_PER_BACKEND);
	return 0;
}

static int
parse_services(struct cfg_ctx *c, const struct cnode *list)
{
	struct svc_check *chk;
	uint32_t i, j, n;
	int rc = 0;

	if (!is_list(c, list, "services"))
		return 0;
	n = list->n_kids;
	if (n > TLB_MAX_SERVICES) {
		err_at(c, list->kids[TLB_MAX_SERVICES], "too many services (at most %d)",
		       TLB_MAX_SERVICES);
		n = TLB_MAX_SERVICES;
	}
	if (n == 0)
		return 0;
	c->cfg->services = calloc(n, sizeof(*c->cfg->services));
	chk = calloc(n, sizeof(*chk));
	if (c->cfg->services == NULL || chk == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	c->cfg->n_services = n;

	for (i = 0; i < n; i++) {
		struct tlb_config_service *s = &c->cfg->services[i];

		rc = parse_service(c, list->kids[i], s, &chk[i]);
		if (rc != 0)
			goto cleanup;
		for (j = 0; chk[i].name_ok && j < i; j++) {
			if (chk[j].name_ok && strcmp(c->cfg->services[j].name, s->name) == 0) {
				err_at(c, chk[i].name_node, "duplicate service name '%s'", s->name);
				break;
			}
		}
		for (j = 0; chk[i].key_ok && j < i; j++) {
			const struct tlb_config_service *o = &c->cfg->services[j];

			if (chk[j].key_ok && tlb_addr_eq(&o->vip, &s->vip) &&
			    o->proto == s->proto && o->port == s->port) {
				err_at(c, chk[i].vip_node,
				       "duplicate VIP: same vip, protocol and port as service '%s'",
				       o->name);
				break;
			}
		}
	}
cleanup:
	free(chk);
	return rc;
}

enum { DP_FLOWS, DP_TCP, DP_TCP_FIN, DP_UDP, DP_ICMP_RATE, DP_ICMP_BURST, DP_FRAG_TABLE,
	DP_FRAG_TIMEOUT, DP_FRAG_HOLD, DP_GRO, DP_N };
static const char *const dp_keys[DP_N] = {
	"flow_table_size", "tcp_timeout", "tcp_fin_timeout", "udp_timeout", "icmp_rate",
	"icmp_burst", "fragment_table_size", "fragment_timeout_ms", "fragment_hold", "gro" };

static void
parse_dataplane(struct cfg_ctx *c, const struct cnode *n)
{
	struct tlb_config_dataplane *d = &c->cfg->dataplane;
	const struct cnode *v[DP_N];
	unsigned int e;
	uint64_t u;

	if (!map_keys(c, n, "dataplane", dp_keys, DP_N, 0, v))
		return;
	if (v[DP_FLOWS] != NULL &&
	    get_uint(c, v[DP_FLOWS], "flow_table_size", 0, TLB_CONFIG_MAX_FLOWS, &u)) {
		if (u != 0 && u < TLB_CONFIG_MIN_FLOWS)
			err_at(c, v[DP_FLOWS], "flow_table_size %llu: 0 (tracking off) or at least %u",
			       (unsigned long long)u, TLB_CONFIG_MIN_FLOWS);
		else
			d->flow_table_size = (uint32_t)u;
	}
	if (v[DP_TCP] != NULL &&
	    get_uint(c, v[DP_TCP], "tcp_timeout", 1, TLB_CONFIG_MAX_TIMEOUT, &u))
		d->tcp_timeout = (uint32_t)u;
	if (v[DP_TCP_FIN] != NULL &&
	    get_uint(c, v[DP_TCP_FIN], "tcp_fin_timeout", 1, TLB_CONFIG_MAX_TIMEOUT, &u))
		d->tcp_fin_timeout = (uint32_t)u;
	if (v[DP_UDP] != NULL &&
	    get_uint(c, v[DP_UDP], "udp_timeout", 1, TLB_CONFIG_MAX_TIMEOUT, &u))
		d->udp_timeout = (uint32_t)u;
	if (v[DP_ICMP_RATE] != NULL && get_uint(c, v[DP_ICMP_RATE], "icmp_rate", 0, 1000000, &u))
		d->icmp_rate = (uint32_t)u;
	if (v[DP_ICMP_BURST] != NULL && get_uint(c, v[DP_ICMP_BURST], "icmp_burst", 1, 100000, &u))
		d->icmp_burst = (uint32_t)u;
	if (v[DP_FRAG_TABLE] != NULL &&
	    get_uint(c, v[DP_FRAG_TABLE], "fragment_table_size", 64, 1u << 20, &u))
		d->frag_table_size = (uint32_t)u;
	if (v[DP_FRAG_TIMEOUT] != NULL &&
	    get_uint(c, v[DP_FRAG_TIMEOUT], "fragment_timeout_ms", 1, 60000, &u))
		d->frag_timeout_ms = (uint32_t)u;
	if (v[DP_FRAG_HOLD] != NULL && get_uint(c, v[DP_FRAG_HOLD], "fragment_hold", 0, 4096, &u))
		d->frag_hold = (uint32_t)u;
	if (v[DP_GRO] != NULL &&
	    get_enum(c, v[DP_GRO], "gro", off_on_names, TLB_DIM(off_on_names), &e))
		d->gro = e;
}

/* An absolute path of printable characters without '"' (it lands in a BIRD include line). */
static bool
get_path(struct cfg_ctx *c, const struct cnode *n, const char *what, char out[TLB_CONFIG_PATH_MAX])
{
	size_t i;

	if (!is_string(c, n, what))
		return false;
	if (n->len == 0 || n->len >= TLB_CONFIG_PATH_MAX || n->str[0] != '/') {
		err_at(c, n, "%s: expected an absolute path of at most %d characters", what,
		       TLB_CONFIG_PATH_MAX - 1);
		return false;
	}
	for (i = 0; i < n->len; i++) {
		unsigned char ch = (unsigned char)n->str[i];

		if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') {
			err_at(c, n, "%s: control character, '\"' or '\\' in the path", what);
			return false;
		}
	}
	memcpy(out, n->str, n->len + 1);
	return true;
}

enum { AN_SOCKET, AN_V4, AN_V6, AN_IF, AN_GRACE, AN_N };
static const char *const an_keys[AN_N] = {
	"bird_socket", "ipv4_routes", "ipv6_routes", "interface", "withdraw_grace_ms" };

static void
parse_announce(struct cfg_ctx *c, const struct cnode *n)
{
	struct tlb_config_announce *a = &c->cfg->announce;
	const struct cnode *v[AN_N];
	char ifname[TLB_NAME_MAX];
	uint64_t u;

	if (!map_keys(c, n, "announce", an_keys, AN_N, 0, v))
		return;
	a->enabled = 1;
	if (v[AN_SOCKET] != NULL)
		get_path(c, v[AN_SOCKET], "announce.bird_socket", a->bird_socket);
	if (v[AN_V4] != NULL)
		get_path(c, v[AN_V4], "announce.ipv4_routes", a->ipv4_routes);
	if (v[AN_V6] != NULL)
		get_path(c, v[AN_V6], "announce.ipv6_routes", a->ipv6_routes);
	if (v[AN_V4] == NULL && v[AN_V6] == NULL)
		err_at(c, n, "announce: needs ipv4_routes and/or ipv6_routes (BIRD include files)");
	if (v[AN_IF] != NULL && get_name(c, v[AN_IF], "announce.interface", false, ifname)) {
		if (strlen(ifname) >= TLB_CONFIG_IFNAME_MAX)
			err_at(c, v[AN_IF], "announce.interface: at most %d characters (IFNAMSIZ)",
			       TLB_CONFIG_IFNAME_MAX - 1);
		else
			memcpy(a->interface, ifname, strlen(ifname) + 1);
	}
	if (v[AN_GRACE] != NULL && get_uint(c, v[AN_GRACE], "announce.withdraw_grace_ms", 0,
					    TLB_CONFIG_MAX_WITHDRAW_GRACE_MS, &u))
		a->withdraw_grace_ms = (uint32_t)u;
}

/* A VIP of a family with no announce file would never be announced: refuse that. */
static void
check_announce(struct cfg_ctx *c, const struct cnode *announce)
{
	const struct tlb_config_announce *a = &c->cfg->announce;
	uint32_t i;

	if (!a->enabled || (a->ipv4_routes[0] == '\0' && a->ipv6_routes[0] == '\0'))
		return;
	for (i = 0; i < c->cfg->n_services; i++) {
		const struct tlb_config_service *s = &c->cfg->services[i];
		int v4 = s->vip.family == TLB_AF_INET;

		if ((v4 && a->ipv4_routes[0] == '\0') || (!v4 && a->ipv6_routes[0] == '\0')) {
			err_at(c, announce, "announce: service '%s' has an %s VIP but there is no "
			       "announce.%s", s->name, v4 ? "IPv4" : "IPv6",
			       v4 ? "ipv4_routes" : "ipv6_routes");
			return;
		}
	}
}

enum { TOP_NODE, TOP_PORTS, TOP_SERVICES, TOP_SEED, TOP_DATAPLANE, TOP_ANNOUNCE, TOP_N };
static const char *const top_keys[TOP_N] = {
	"node", "ports", "services", "maglev_seed", "dataplane", "announce" };

static int
parse_top(struct cfg_ctx *c, const struct cnode *root)
{
	const struct cnode *v[TOP_N];
	uint64_t u;
	int rc;

	c->cfg->maglev_seed = TLB_CONFIG_DEFAULT_SEED;
	c->cfg->dataplane.flow_table_size = TLB_CONFIG_DEFAULT_FLOWS;
	c->cfg->dataplane.tcp_timeout = TLB_CONFIG_DEFAULT_TCP_TIMEOUT;
	c->cfg->dataplane.tcp_fin_timeout = TLB_CONFIG_DEFAULT_TCP_FIN_TIMEOUT;
	c->cfg->dataplane.udp_timeout = TLB_CONFIG_DEFAULT_UDP_TIMEOUT;
	c->cfg->dataplane.icmp_rate = TLB_CONFIG_DEFAULT_ICMP_RATE;
	c->cfg->dataplane.icmp_burst = TLB_CONFIG_DEFAULT_ICMP_BURST;
	c->cfg->dataplane.frag_table_size = TLB_CONFIG_DEFAULT_FRAG_TABLE;
	c->cfg->dataplane.frag_timeout_ms = TLB_CONFIG_DEFAULT_FRAG_TIMEOUT_MS;
	c->cfg->dataplane.frag_hold = TLB_CONFIG_DEFAULT_FRAG_HOLD;
	snprintf(c->cfg->announce.interface, sizeof(c->cfg->announce.interface), "%s",
		 TLB_CONFIG_DEFAULT_ANNOUNCE_IF);
	c->cfg->announce.withdraw_grace_ms = TLB_CONFIG_DEFAULT_WITHDRAW_GRACE_MS;
	if (root->type == CNODE_SCALAR && root->plain && root->len == 0) {
		err_at(c, root, "empty document");
		return 0;
	}
	if (!map_keys(c, root, "top level", top_keys, TOP_N,
		      1u << TOP_NODE | 1u << TOP_SERVICES, v))
		return 0;
	if (v[TOP_NODE] != NULL)
		parse_node(c, v[TOP_NODE]);
	if (v[TOP_PORTS] != NULL) {
		rc = parse_ports(c, v[TOP_PORTS]);
		if (rc != 0)
			return rc;
	}
	if (v[TOP_SEED] != NULL && get_uint(c, v[TOP_SEED], "maglev_seed", 0, UINT32_MAX, &u))
		c->cfg->maglev_seed = (uint32_t)u;
	if (v[TOP_DATAPLANE] != NULL)
		parse_dataplane(c, v[TOP_DATAPLANE]);
	if (v[TOP_ANNOUNCE] != NULL)
		parse_announce(c, v[TOP_ANNOUNCE]);
	if (v[TOP_SERVICES] != NULL) {
		rc = parse_services(c, v[TOP_SERVICES]);
		if (rc != 0)
			return rc;
	}
	if (v[TOP_ANNOUNCE] != NULL)
		check_announce(c, v[TOP_ANNOUNCE]);
	return 0;
}

int
tlb_config_load_buffer(const char *name, const char *buf, size_t len, struct tlb_config **out,
		       struct tlb_config_errors *errs)
{
	struct tlb_config_errors local;
	struct cnode *root = NULL;
	struct cfg_ctx c;
	int rc;

	*out = NULL;
	if (errs == NULL)
		errs = &local;
	memset(errs, 0, sizeof(*errs));
	memset(&c, 0, sizeof(c));
	c.errs = errs;
	if (len > TLB_CONFIG_MAX_FILE) {
		err_add(errs, 0, 0, "file is larger than %u bytes", TLB_CONFIG_MAX_FILE);
		return -EFBIG;
	}
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (c.cfg == NULL)
		goto oom;
	c.cfg->file = strdup(name ? name : "<buffer>");
	if (c.cfg->file == NULL)
		goto oom;

	rc = tree_build(&c, buf, len, &root);
	if (rc == 0)
		rc = parse_top(&c, root);
	cnode_free(root);
	if (rc == -ENOMEM || c.oom)
		goto oom;
	if (rc == 0 && !errs_empty(errs))
		rc = -EINVAL;
	if (rc != 0)
		goto cleanup;
	*out = c.cfg;
	return 0;
oom:
	if (errs_empty(errs))
		err_add(errs, 0, 0, "out of memory");
	rc = -ENOMEM;
cleanup:
	tlb_config_free(c.cfg);
	return rc;
}

/* Read the whole file, refusing more than TLB_CONFIG_MAX_FILE bytes. */
static int
read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	struct stat st;
	char *b = NULL;
	FILE *f;
	int rc = 0;

	*buf = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > TLB_CONFIG_MAX_FILE) {
		rc = -EFBIG;
		goto cleanup;
	}
	for (;;) {
		size_t got;

		if (n == cap || b == NULL) {
			char *nb;

			if (b != NULL)
				cap *= 2;
			nb = realloc(b, cap);
			if (nb == NULL) {
				rc = -ENOMEM;
				goto cleanup;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n > TLB_CONFIG_MAX_FILE) {
			rc = -EFBIG;
			goto cleanup;
		}
		if (got == 0) {
			if (ferror(f))
				rc = errno ? -errno : -EIO;
			break;
		}
	}
cleanup:
	fclose(f);
	if (rc != 0) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return 0;
}

int
tlb_config_read_file(const char *path, char **buf, size_t *len, struct tlb_config_errors *errs)
{
	int rc;

	memset(errs, 0, sizeof(*errs));
	errno = 0;
	rc = read_file(path, buf, len);
	if (rc != 0) {
		char eb[128];

		if (rc == -EFBIG)
			err_add(errs, 0, 0, "file is larger than %u bytes", TLB_CONFIG_MAX_FILE);
		else
			err_add(errs, 0, 0, "cannot read file: %s", strerror_r(-rc, eb, sizeof(eb)));
	}
	return rc;
}

int
tlb_config_load(const char *path, struct tlb_config **out, struct tlb_config_errors *errs)
{
	struct tlb_config_errors local;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (errs == NULL)
		errs = &local;
	rc = tlb_config_read_file(path, &buf, &len, errs);
	if (rc != 0)
		return rc;
	rc = tlb_config_load_buffer(path, buf, len, out, errs);
	free(buf);
	return rc;
}

void
tlb_config_errors_print(const struct tlb_config_errors *errs, const char *file, FILE *f)
{
	uint32_t i;

	if (errs == NULL)
		return;
	if (file == NULL)
		file = "<config>";
	for (i = 0; i < errs->n && i < TLB_CONFIG_MAX_ERRORS; i++) {
		const struct tlb_config_error *e = &errs->e[i];

		if (e->line == 0)
			fprintf(f, "%s: %s\n", file, e->msg);
		else
			fprintf(f, "%s:%u:%u: %s\n", file, e->line, e->col, e->msg);
	}
	if (errs->dropped > 0)
		fprintf(f, "%s: %u more errors not shown\n", file, errs->dropped);
}

void
tlb_config_free(struct tlb_config *cfg)
{
	uint32_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_services; i++)
		free(cfg->services[i].backends);
	free(cfg->services);
	free(cfg->ports);
	free(cfg->file);
	free(cfg);
}

const char *
tlb_config_encap_name(enum tlb_encap_type e)
{
	return (unsigned int)e < TLB_DIM(encap_names) ? encap_names[e] : "?";
}

const char *
tlb_config_hash_name(enum tlb_hash_mode h)
{
	return (unsigned int)h < TLB_DIM(hash_names) ? hash_names[h] : "?";
}

const char *
tlb_config_state_name(enum tlb_backend_state s)
{
	return (unsigned int)s < TLB_DIM(state_names) ? state_names[s] : "?";
}

int
tlb_config_is_prime(uint32_t n)
{
	uint64_t d;

	if (n < 2)
		return 0;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}
