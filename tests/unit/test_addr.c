/* SPDX-License-Identifier: BSD-3-Clause */
/* Address value type (lib/tlb_addr): parse, format, compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlb_addr.h"

static const struct {
	const char *in;
	int rc;
	uint8_t family;
	const char *out;	/* canonical form (RFC 5952 for IPv6) */
} rows[] = {
	{ "192.0.2.1", 0, TLB_AF_INET, "192.0.2.1" },
	{ "2001:db8::1", 0, TLB_AF_INET6, "2001:db8::1" },
	{ "2001:DB8:0:0:0:0:0:1", 0, TLB_AF_INET6, "2001:db8::1" },
	{ "::ffff:192.0.2.1", 0, TLB_AF_INET6, "::ffff:192.0.2.1" },
	{ "192.0.2.256", -22, 0, NULL },
	{ "192.0.2", -22, 0, NULL },
	{ "192.0.2.1/32", -22, 0, NULL },
	{ "fe80::1%eth0", -22, 0, NULL },
	{ "", -22, 0, NULL },
	{ "web", -22, 0, NULL },
};

static void
test_parse_format(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tlb_addr a;
		char buf[TLB_ADDR_STRLEN];

		memset(&a, 0x5a, sizeof(a));
		assert_int_equal(tlb_addr_parse(rows[i].in, &a), rows[i].rc);
		if (rows[i].rc != 0)
			continue;
		assert_int_equal(a.family, rows[i].family);
		assert_string_equal(tlb_addr_format(&a, buf, sizeof(buf)), rows[i].out);
		if (a.family == TLB_AF_INET) {	/* unused bytes zero: whole-struct compare works */
			static const uint8_t zero[12];

			assert_memory_equal(a.a + 4, zero, 12);
		}
	}
}

static void
test_compare(void **state)
{
	struct tlb_addr a, b, c;

	(void)state;
	assert_int_equal(tlb_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(tlb_addr_parse("192.0.2.2", &b), 0);
	assert_int_equal(tlb_addr_parse("2001:db8::1", &c), 0);
	assert_true(tlb_addr_cmp(&a, &b) < 0);
	assert_true(tlb_addr_cmp(&b, &a) > 0);
	assert_true(tlb_addr_cmp(&a, &c) < 0);		/* IPv4 sorts before IPv6 */
	assert_int_equal(tlb_addr_cmp(&a, &a), 0);
	assert_true(tlb_addr_eq(&a, &a));
	assert_false(tlb_addr_eq(&a, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
