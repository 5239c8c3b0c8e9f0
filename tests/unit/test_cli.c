// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/* Command-line parsing: defaults, every option, and the refusals. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <string.h>

#include "cli.h"

static int parse(struct config *c, char *const *argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return cli__parse(argc, (char **)argv, c);
}

Test(cli, record_defaults_and_options)
{
	struct config c;
	char *a[] = {"pycost",	 "record", "-p", "12,34",    "-d", "1.5",
		     "--metric", "cpu",	   "-o", "x.pycost", NULL};
	char *b[] = {"pycost", "record", "--period", "1000000", "--", "python3", "-c", "1", NULL};
	char *w[] = {"pycost",	    "record",	 "--uwsgi",    "9",	     "--backend",
		     "8123=db",	    "--route",	 "GET /a/*",   "--user-key", "cookie:sid",
		     "--label-env", "FEATURE_*", "--requests", "on",	     NULL};

	cr_assert_eq(parse(&c, a), 0);
	cr_expect_eq(c.verb, VERB_RECORD);
	cr_expect_eq(c.npids, 2);
	cr_expect_eq(c.pids[1], 34);
	cr_expect_eq(c.duration, 1.5);
	cr_expect_eq(c.freq, 99);
	cr_expect_eq(c.metric, METRIC_CPU);
	cr_expect_str_eq(c.output, "x.pycost");
	cr_assert_eq(parse(&c, b), 0);
	cr_expect_eq(c.period, 1000000);
	cr_expect_str_eq(c.command[0], "python3");
	cr_expect_str_eq(c.command[2], "1");
	cr_assert_eq(parse(&c, w), 0);
	cr_expect_eq(c.uwsgi, 1);
	cr_expect_eq(c.backends[0].port, 8123);
	cr_expect_eq(c.backends[0].kind, PYCOST_FD_DB);
	cr_expect_eq(c.http.nroutes, 1);
	cr_expect_eq(c.http.user_from, HTTP_USER_COOKIE);
	cr_expect_eq(c.nlabel_env, 1);
	cr_expect_eq(c.requests, REQUESTS_ON);
}

Test(cli, record_refusals, .init = cr_redirect_stderr)
{
	struct config c;
	char *cases[][10] = {
	    {"pycost", "record", NULL},
	    {"pycost", "record", "-p", "abc", NULL},
	    {"pycost", "record", "-p", "0", NULL},
	    {"pycost", "record", "-p", "1", "-d", "-3", NULL},
	    {"pycost", "record", "-p", "1", "-F", "0", NULL},
	    {"pycost", "record", "-p", "1", "-F", "99", "--period", "5000", NULL},
	    {"pycost", "record", "-p", "1", "--metric", "bogus", NULL},
	    {"pycost", "record", "-p", "1", "stray", NULL},
	    {"pycost", "record", "-p", "1", "--backend", "99999=db", NULL},
	    {"pycost", "record", "-p", "1", "--backend", "80=web", NULL},
	    {"pycost", "record", "-p", "1", "--route", "nope", NULL},
	    {"pycost", "record", "-p", "1", "--user-key", "query:x", NULL},
	    {"pycost", "record", "-p", "1", "--requests", "maybe", NULL},
	    {"pycost", "record", "-p", "1", "--commit-from", "svn", NULL},
	    {"pycost", "record", "-p", "1", "--", "python3", NULL},
	    {"pycost", "record", "-p", "1", "--window", "10", NULL},
	    {"pycost", "top", "-p", "1", "--window", "0", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(parse(&c, cases[i]), -EINVAL, "case %zu", i);
}

Test(cli, top_window)
{
	struct config c;
	char *a[] = {"pycost", "top", "--uwsgi", "9", NULL};
	char *b[] = {"pycost", "top", "-p", "9", "--window", "5", NULL};

	cr_assert_eq(parse(&c, a), 0);
	cr_expect_eq(c.verb, VERB_TOP);
	cr_expect_eq(c.window, 60);
	cr_assert_eq(parse(&c, b), 0);
	cr_expect_eq(c.window, 5);
}

Test(cli, report_and_info)
{
	struct config c;
	char *a[] = {"pycost", "report", "x.pycost", "--format", "pprof", "--by", "stack",
		     "--pid",  "7",	 "--top",    "5",	 "-o",	  "out",  NULL};
	char *b[] = {"pycost", "report", "x.pycost", NULL};
	char *i[] = {"pycost", "info", "-p", "42", NULL};

	cr_assert_eq(parse(&c, a), 0);
	cr_expect_eq(c.report.format, REPORT_PPROF);
	cr_expect_eq(c.report.by, REPORT_BY_STACK);
	cr_expect_eq(c.pid_filter, 7);
	cr_expect_eq(c.report.top, 5);
	cr_assert_eq(parse(&c, b), 0);
	cr_expect_eq(c.report.top, 30);
	cr_assert_eq(parse(&c, i), 0);
	cr_expect_eq(c.pids[0], 42);
}

Test(cli, unknown_verb_and_format, .init = cr_redirect_stderr)
{
	struct config c;
	char *a[] = {"pycost", "frobnicate", NULL};
	char *b[] = {"pycost", "report", "x", "--format", "xml", NULL};
	char *d[] = {"pycost", "report", NULL};
	char *e[] = {"pycost", "info", NULL};

	cr_expect_eq(parse(&c, a), -EINVAL);
	cr_expect_eq(parse(&c, b), -EINVAL);
	cr_expect_eq(parse(&c, d), -EINVAL);
	cr_expect_eq(parse(&c, e), -EINVAL);
}
