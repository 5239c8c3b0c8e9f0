// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * `pycost report`: loads a capture, applies --pid, and writes the chosen
 * format to standard output or, atomically, to -o OUT.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "common.h"
#include "verbs.h"

int report__run(const struct config *cfg)
{
	char why[512], tmp[PATH_MAX];
	struct profile *p;
	FILE *out = stdout;
	int err, ret = 1;

	p = capture__load(cfg->input, why, sizeof(why));
	if (!p) {
		elog("%s", why);
		return PYCOST_EXIT_USAGE;
	}
	if (cfg->pid_filter) {
		size_t i;

		for (i = 0; i < p->nprocs; i++)
			if (p->procs[i].pid == cfg->pid_filter)
				break;
		if (i == p->nprocs) {
			elog("PID %u is not in %s", cfg->pid_filter, cfg->input);
			ret = PYCOST_EXIT_USAGE;
			goto cleanup;
		}
		profile__keep_pid(p, cfg->pid_filter);
	}
	for (size_t i = 0; i < cfg->nwhere; i++) {
		char key[128];
		const char *eq = strchr(cfg->where[i], '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - cfg->where[i]), cfg->where[i]);
		profile__keep_label(p, key, eq + 1);
	}
	if (cfg->endpoint && profile__keep_endpoint(p, cfg->endpoint)) {
		elog("no endpoint '%s' in %s (see: pycost report %s --by endpoint)", cfg->endpoint,
		     cfg->input, cfg->input);
		ret = PYCOST_EXIT_USAGE;
		goto cleanup;
	}
	if (cfg->output) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", cfg->output, (int)getpid());
		out = fopen(tmp, "we");
		if (!out) {
			elog("cannot write %s: %s", cfg->output, strerror(errno));
			ret = PYCOST_EXIT_USAGE;
			goto cleanup;
		}
	}
	err = report__write(p, &cfg->report, out);
	if (!err && fflush(out))
		err = -errno;
	if (cfg->output) {
		if (fclose(out) && !err)
			err = -errno;
		if (!err && rename(tmp, cfg->output))
			err = -errno;
		if (err)
			unlink(tmp);
	}
	if (err == -EINVAL &&
	    (cfg->report.by == REPORT_BY_ENDPOINT || cfg->report.by == REPORT_BY_REQUEST)) {
		elog("--by endpoint and --by request write table or json only");
		ret = PYCOST_EXIT_USAGE;
		goto cleanup;
	}
	if (err) {
		elog("failed to write the report: %s", strerror(-err));
		goto cleanup;
	}
	ret = 0;
cleanup:
	profile__free(p);
	return ret;
}
