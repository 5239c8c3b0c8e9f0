// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Line tables of every format, checked against the line each real
 * interpreter reports for every instruction (fixture generated from
 * CPython 3.8-3.13 by tests/fixtures/gen_linetables.py), and string
 * transcoding from UCS1/2/4.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "symbols.h"

struct lt_case {
	unsigned int minor;
	int firstlineno;
	const uint8_t *table;
	size_t len;
	const int (*truth)[2];
	size_t ntruth;
	const char *name;
};

#define LT_CASE(minor, first, n, len, name)                                                        \
	{minor, first, n##_table, len, n##_truth, sizeof(n##_truth) / sizeof(n##_truth[0]), name},
#include "linetables.inc"
#undef LT_CASE

Test(symbols, line_tables_match_interpreters)
{
	size_t checked = 0;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct lt_case *k = &cases[c];

		for (size_t i = 0; i < k->ntruth; i++) {
			int got = symbols__line(k->minor, k->firstlineno, k->table, k->len,
						k->truth[i][0]);

			cr_expect_eq(got, k->truth[i][1], "3.%u %s lasti %d: got line %d, want %d",
				     k->minor, k->name, k->truth[i][0], got, k->truth[i][1]);
			checked++;
		}
	}
	cr_assert_gt(checked, 500, "fixture too small: %zu instructions", checked);
}

Test(symbols, line_before_first_instruction_is_firstlineno)
{
	static const uint8_t t[] = {0x80};

	cr_expect_eq(symbols__line(11, 42, t, 1, -1), 42);
	cr_expect_eq(symbols__line(8, 7, t, 0, -1), 7);
}

Test(symbols, truncated_location_table_gives_unknown)
{
	/* long form entry whose varints run past the end */
	static const uint8_t t[] = {0xf0 | 0, 0x41};

	cr_expect_eq(symbols__line(12, 10, t, sizeof(t), 0), 0);
	cr_expect_eq(symbols__line(12, 10, t, sizeof(t), 100), 0);
}

Test(symbols, utf8_from_each_kind)
{
	static const uint8_t latin1[] = {'c', 'a', 'f', 0xe9};
	static const uint16_t ucs2[] = {0x8a08, 0x7b97};
	static const uint32_t ucs4[] = {0x1d523, 0x1d532, 0x1d52b, 0x1d520, 0xd800};
	char *s;

	s = symbols__utf8(latin1, sizeof(latin1), 1);
	cr_expect_str_eq(s, "caf\xc3\xa9");
	free(s);
	s = symbols__utf8((const uint8_t *)ucs2, sizeof(ucs2), 2);
	cr_expect_str_eq(s, "\xe8\xa8\x88\xe7\xae\x97");
	free(s);
	/* a lone surrogate becomes U+FFFD rather than invalid UTF-8 */
	s = symbols__utf8((const uint8_t *)ucs4, sizeof(ucs4), 4);
	cr_expect_str_eq(s, "\xf0\x9d\x94\xa3\xf0\x9d\x94\xb2\xf0\x9d\x94\xab\xf0\x9d\x94\xa0"
			    "\xef\xbf\xbd");
	free(s);
}

static struct pycost_code *make_code(uint32_t pid, uint64_t addr, uint32_t ident, const char *name,
				     int first)
{
	struct pycost_code *c = calloc(1, sizeof(*c));

	c->kind = PYCOST_REC_CODE;
	c->pid = pid;
	c->code = addr;
	c->ident = ident;
	c->firstlineno = first;
	c->name.kind = 1;
	c->name.len = strlen(name);
	memcpy(c->name_data, name, c->name.len);
	c->filename.kind = 1;
	c->filename.len = 4;
	memcpy(c->filename_data, "x.py", 4);
	return c;
}

Test(symbols, reused_address_keeps_both_identities)
{
	struct profile *p = profile__new();
	struct symbols *s = symbols__new(p);
	struct pycost_code *a = make_code(1, 0x1000, 11, "churn_1", 5);
	struct pycost_code *b = make_code(1, 0x1000, 22, "churn_2", 9);
	struct pycost_frame fa = {0x1000, 11, -1}, fb = {0x1000, 22, -1}, fx = {0x1000, 33, -1};
	struct pc_frame out;

	cr_assert(s);
	cr_assert_eq(symbols__add_code(s, a, 0x030b00f0), 0);
	cr_assert_eq(symbols__add_code(s, b, 0x030b00f0), 0);
	cr_assert_eq(symbols__frame(s, 1, &fa, &out), 0);
	cr_expect_str_eq(p->funcs[out.func].qualname, "churn_1");
	cr_expect_eq(out.line, 5);
	cr_assert_eq(symbols__frame(s, 1, &fb, &out), 0);
	cr_expect_str_eq(p->funcs[out.func].qualname, "churn_2");
	cr_expect_eq(out.line, 9);
	/* an identity never announced is unknown, not a wrong name */
	cr_expect_eq(symbols__frame(s, 1, &fx, &out), -ENOENT);
	cr_expect_str_eq(p->funcs[out.func].qualname, "[unknown code]");
	/* same address in another process is another code object */
	cr_expect_eq(symbols__frame(s, 2, &fa, &out), -ENOENT);
	symbols__forget_pid(s, 1);
	cr_expect_eq(symbols__frame(s, 1, &fa, &out), -ENOENT);
	symbols__free(s);
	profile__free(p);
	free(a);
	free(b);
}
