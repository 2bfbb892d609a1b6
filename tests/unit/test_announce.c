/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route announcements (lib/tlb_announce, lib/tlb_bird): which VIPs are
 * announced and why not, the BIRD include file text, BIRD's reply lines, the
 * control-socket exchange against a scripted fake BIRD, the atomic file
 * write. One row per behaviour.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "tlb_announce.h"
#include "tlb_bird.h"
#include "tlb_config.h"

#define NODE "node: {ipv4: 192.0.2.1, ipv6: \"2001:db8::1\", gateway_mac: \"02:00:00:00:00:fe\"}\n"

static struct tlb_config *
load(const char *yaml)
{
	struct tlb_config_errors errs;
	struct tlb_config *cfg = NULL;

	if (tlb_config_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, &errs) != 0)
		tlb_config_errors_print(&errs, "t.yaml", stderr);
	assert_non_null(cfg);
	return cfg;
}

/* Which VIPs, in which order, with which reason. */
static void
test_plan(void **state)
{
	static const char yaml[] = NODE "services:\n"
		/* 198.51.100.20: one service without a usable backend, one with: announced */
		"  - {name: a, vip: 198.51.100.20, port: 80, protocol: tcp, encap: gue, table_size: 101,\n"
		"     backends: [{address: 203.0.113.1, state: down}]}\n"
		"  - {name: b, vip: 198.51.100.20, port: 443, protocol: tcp, encap: gue,\n"
		"     table_size: 101, backends: [{address: 203.0.113.2}]}\n"
		/* 2001:db8:100::1: only draining and weight 0: not announced */
		"  - {name: c, vip: \"2001:db8:100::1\", protocol: udp, encap: gue, table_size: 211,\n"
		"     backends: [{address: 203.0.113.3, state: draining},\n"
		"                {address: 203.0.113.4, weight: 0}]}\n"
		/* 198.51.100.3: no backends at all */
		"  - {name: d, vip: 198.51.100.3, protocol: tcp, encap: gue, backends: []}\n"
		/* 198.51.100.100: one active backend */
		"  - {name: e, vip: 198.51.100.100, protocol: udp, encap: vxlan, vni: 1, table_size: 101,\n"
		"     backends: [{address: 203.0.113.5, mac: \"02:00:00:00:00:05\"}]}\n";
	static const struct {
		const char *name;
		int ports_up, stopping;
		enum tlb_announce_reason want[4];	/* .3, .20, .100, 2001:db8:100::1 */
	} rows[] = {
		{ "serving: a usable backend in any service of the VIP", 1, 0,
		  { TLB_ANNOUNCE_NO_BACKEND, TLB_ANNOUNCE_SERVING, TLB_ANNOUNCE_SERVING,
		    TLB_ANNOUNCE_NO_BACKEND } },
		{ "a port down: nothing is served", 0, 0,
		  { TLB_ANNOUNCE_PORT_DOWN, TLB_ANNOUNCE_PORT_DOWN, TLB_ANNOUNCE_PORT_DOWN,
		    TLB_ANNOUNCE_PORT_DOWN } },
		{ "stopping wins over everything", 0, 1,
		  { TLB_ANNOUNCE_STOPPING, TLB_ANNOUNCE_STOPPING, TLB_ANNOUNCE_STOPPING,
		    TLB_ANNOUNCE_STOPPING } },
	};
	static const char *const order[4] = { "198.51.100.3", "198.51.100.20", "198.51.100.100",
					      "2001:db8:100::1" };
	struct tlb_config *cfg = load(yaml);
	struct tlb_announce_vip v[TLB_ANNOUNCE_MAX_VIPS];
	unsigned int i, j;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("%s\n", rows[i].name);
		assert_int_equal(tlb_announce_plan(cfg, rows[i].ports_up, rows[i].stopping, v,
						   TLB_ANNOUNCE_MAX_VIPS), 4);
		for (j = 0; j < 4; j++) {
			char a[TLB_ADDR_STRLEN];

			assert_string_equal(tlb_addr_format(&v[j].vip, a, sizeof(a)), order[j]);
			assert_int_equal(v[j].reason, rows[i].want[j]);
		}
	}
	tlb_config_free(cfg);
}

/* The include files: exact text, per family, only serving VIPs; too small a buffer. */
static void
test_render(void **state)
{
	struct tlb_announce_vip v[4];
	char buf[512];
	int n;

	(void)state;
	memset(v, 0, sizeof(v));
	tlb_addr_parse("198.51.100.3", &v[0].vip);
	v[0].reason = TLB_ANNOUNCE_NO_BACKEND;
	tlb_addr_parse("198.51.100.20", &v[1].vip);
	v[1].reason = TLB_ANNOUNCE_SERVING;
	tlb_addr_parse("198.51.100.100", &v[2].vip);
	v[2].reason = TLB_ANNOUNCE_SERVING;
	tlb_addr_parse("2001:db8:100::1", &v[3].vip);
	v[3].reason = TLB_ANNOUNCE_SERVING;
	n = tlb_announce_render(v, 4, TLB_AF_INET, "tunlb-live", buf, sizeof(buf));
	assert_string_equal(buf, "# Written by tunlb: the IPv4 VIPs it serves now. Do not edit.\n"
			    "route 198.51.100.20/32 via \"tunlb-live\";\n"
			    "route 198.51.100.100/32 via \"tunlb-live\";\n");
	assert_int_equal(n, (int)strlen(buf));
	tlb_announce_render(v, 4, TLB_AF_INET6, "x", buf, sizeof(buf));
	assert_string_equal(buf, "# Written by tunlb: the IPv6 VIPs it serves now. Do not edit.\n"
			    "route 2001:db8:100::1/128 via \"x\";\n");
	v[3].reason = TLB_ANNOUNCE_STOPPING;
	tlb_announce_render(v, 4, TLB_AF_INET6, "x", buf, sizeof(buf));
	assert_string_equal(buf, "# Written by tunlb: the IPv6 VIPs it serves now. Do not edit.\n");
	assert_int_equal(tlb_announce_render(v, 4, TLB_AF_INET, "tunlb-live", buf, 80), -1);
	assert_int_equal(tlb_announce_render(v, 4, TLB_AF_INET, "tunlb-live", buf, 10), -1);
}

/* BIRD reply lines (doc/reply_codes) and which final codes mean "accepted". */
static void
test_bird_lines(void **state)
{
	static const struct {
		const char *line;
		int code, last;
	} rows[] = {
		{ "0001 BIRD 2.0.12 ready.", 1, 1 },
		{ "0002-Reading configuration from /etc/bird/bird.conf", 2, 0 },
		{ " continued text", 0, 0 },
		{ "0003 Reconfigured", 3, 1 },
		{ "8002 /etc/bird/bird.conf:12:3 syntax error", 8002, 1 },
		{ "0019", 19, 1 },
		{ "HTTP/1.1 400 Bad Request", -1, 1 },
		{ "123 short", -1, 1 },
		{ "0003:colon", -1, 1 },
		{ "", -1, 1 },
	};
	unsigned int i;
	int last;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("'%s'\n", rows[i].line);
		assert_int_equal(tlb_announce_bird_line(rows[i].line, &last), rows[i].code);
		assert_int_equal(last, rows[i].last);
	}
	assert_true(tlb_announce_bird_ok(3) && tlb_announce_bird_ok(4) && tlb_announce_bird_ok(19));
	assert_false(tlb_announce_bird_ok(1) || tlb_announce_bird_ok(2) || tlb_announce_bird_ok(8002) ||
		     tlb_announce_bird_ok(9001) || tlb_announce_bird_ok(13));
}

/* A fake BIRD: accepts one connection, sends greeting, reads a line, sends the answer. */
struct fake {
	int lfd;
	const char *greeting;
	const char *answer;	/* NULL: never answer (timeout) */
	char got[64];		/* the command line received */
};

static void *
fake_bird(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->lfd, NULL, NULL);
	size_t n = 0;

	if (c < 0)
		return NULL;
	if (f->greeting != NULL && write(c, f->greeting, strlen(f->greeting)) < 0)
		goto out;
	while (n + 1 < sizeof(f->got)) {
		ssize_t r = read(c, f->got + n, 1);

		if (r <= 0 || f->got[n] == '\n')
			break;
		n++;
	}
	f->got[n] = '\0';
	if (f->answer != NULL && write(c, f->answer, strlen(f->answer)) < 0)
		goto out;
	if (f->answer == NULL)
		usleep(600 * 1000);	/* longer than the client's timeout */
out:
	close(c);
	return NULL;
}

static void
test_bird_configure(void **state)
{
	static const struct {
		const char *name;
		const char *greeting, *answer;
		int rc;
		const char *msg;	/* substring of the message */
	} rows[] = {
		{ "accepted", "0001 BIRD 2.0.12 ready.\n",
		  "0002-Reading configuration from /b.conf\n0003 Reconfigured\n", 0, "Reconfigured" },
		{ "accepted, in progress", "0001 BIRD 2.0.12 ready.\n",
		  "0004 Reconfiguration in progress\n", 0, "in progress" },
		{ "config error: BIRD's own words", "0001 BIRD 2.0.12 ready.\n",
		  "0002-Reading configuration from /b.conf\n8002 /b.conf:4:1 syntax error\n", -EIO,
		  "/b.conf:4:1 syntax error" },
		{ "not BIRD", "SSH-2.0-OpenSSH\n", NULL, -EPROTO, "no BIRD greeting" },
		{ "greeting, then silence", "0001 BIRD 2.0.12 ready.\n", NULL, -ETIMEDOUT,
		  "no answer to configure" },
		{ "closed before answering", "0001 BIRD 2.0.12 ready.\n", "", -ECONNRESET,
		  "no answer to configure" },
	};
	char path[64], msg[256];
	unsigned int i;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/tlb-test-bird-%d.ctl", (int)getpid());
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct fake f = { .greeting = rows[i].greeting, .answer = rows[i].answer };
		pthread_t t;

		print_message("%s\n", rows[i].name);
		unlink(path);
		memcpy(sa.sun_path, path, strlen(path) + 1);
		f.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(f.lfd >= 0);
		assert_int_equal(bind(f.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(f.lfd, 1), 0);
		assert_int_equal(pthread_create(&t, NULL, fake_bird, &f), 0);
		assert_int_equal(tlb_bird_configure(path, 300, msg, sizeof(msg)), rows[i].rc);
		assert_non_null(strstr(msg, rows[i].msg));
		pthread_join(t, NULL);
		if (rows[i].rc != -EPROTO)
			assert_string_equal(f.got, "configure");
		close(f.lfd);
	}
	unlink(path);
	print_message("no socket\n");
	assert_int_equal(tlb_bird_configure(path, 300, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "connect"));
}

/* The include file is replaced whole, never seen half written; errors are reported. */
static void
test_write_file(void **state)
{
	char dir[] = "/tmp/tlb-test-announce-XXXXXX", path[96], tmp[100], buf[64];
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vips4.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(tlb_bird_write_file(path, "first\n", 6), 0);
	assert_int_equal(tlb_bird_write_file(path, "second\n", 7), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "second\n", 7);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_not_equal(stat(tmp, &st), 0);	/* no temporary left behind */
	snprintf(tmp, sizeof(tmp), "%s/no/such/dir/f", dir);
	assert_int_equal(tlb_bird_write_file(tmp, "x", 1), -ENOENT);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_bird_lines),
		cmocka_unit_test(test_bird_configure),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
