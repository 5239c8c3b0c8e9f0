/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * speedscope writer: one "sampled" profile per process, sharing one frame
 * per pc_function.  Frames are functions, not (function, line) pairs, so
 * speedscope's sandwich view gives one self/total row per function; the
 * line-level split is in the folded and pprof outputs.  Sample rows are
 * already aggregated, so each row is one sample whose weight is its total;
 * the time-ordered view therefore has no meaning, the others are exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "report.h"
#include "report_util.h"

static const struct pc_process *find_proc(const struct profile *p, uint32_t pid)
{
	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].pid == pid)
			return &p->procs[i];
	return NULL;
}

static void put_frames(const struct profile *p, FILE *out)
{
	fputs("\"shared\": {\"frames\": [", out);
	for (size_t i = 0; i < p->nfuncs; i++) {
		const struct pc_function *fn = &p->funcs[i];

		fputs(i ? ",\n {\"name\": " : "\n {\"name\": ", out);
		report__json_str(out, fn->qualname);
		/* pseudo frames ([native], [idle]) have no source to point at */
		if (fn->filename[0]) {
			fputs(", \"file\": ", out);
			report__json_str(out, fn->filename);
			fprintf(out, ", \"line\": %d", fn->firstlineno);
		}
		fputc('}', out);
	}
	fputs("]},\n", out);
}

static void put_profile(const struct profile *p, const struct report_pid *pid, FILE *out)
{
	const struct pc_process *pr = find_proc(p, pid->pid);
	bool first = true;
	char name[512];

	/* a long command line is cut; report__json_str repairs a split UTF-8 sequence */
	if (pr)
		snprintf(name, sizeof(name), "pid %" PRIu32 " (python %s): %s", pid->pid,
			 report__str(pr->python_version), report__str(pr->cmdline));
	else
		snprintf(name, sizeof(name), "pid %" PRIu32, pid->pid);
	fputs("{\"type\": \"sampled\", \"name\": ", out);
	report__json_str(out, name);
	fprintf(out,
		", \"unit\": \"%s\", \"startValue\": 0, \"endValue\": %" PRIu64
		",\n  \"samples\": [",
		report__is_ns(p) ? "nanoseconds" : "none", pid->weight);
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct pc_stack *st = &p->stacks[p->samples[i].stack];

		if (p->samples[i].pid != pid->pid)
			continue;
		fputs(first ? "[" : ", [", out);
		for (uint32_t d = 0; d < st->depth; d++)
			fprintf(out, d ? ",%" PRIu32 : "%" PRIu32, st->frames[d].func);
		fputc(']', out);
		first = false;
	}
	fputs("],\n  \"weights\": [", out);
	first = true;
	for (size_t i = 0; i < p->nsamples; i++) {
		if (p->samples[i].pid != pid->pid)
			continue;
		fprintf(out, first ? "%" PRIu64 : ", %" PRIu64, p->samples[i].weight);
		first = false;
	}
	fputs("]}", out);
}

int report_speedscope(const struct profile *p, const struct report_opts *o, FILE *out)
{
	struct report_pid *pids;
	char exporter[64];
	int n;

	(void)o;
	n = report__pid_totals(p, &pids);
	if (n < 0)
		return n;
	fputs("{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\",\n", out);
	snprintf(exporter, sizeof(exporter), "pycost%s%s", p->meta.pycost_version ? " " : "",
		 report__str(p->meta.pycost_version));
	fputs("\"exporter\": ", out);
	report__json_str(out, exporter);
	fputs(", \"name\": ", out);
	report__json_str(out, report__str(p->meta.metric));
	fputs(", \"activeProfileIndex\": 0,\n", out);
	put_frames(p, out);
	fputs("\"profiles\": [", out);
	for (int i = 0; i < n; i++) {
		fputs(i ? ",\n " : "\n ", out);
		put_profile(p, &pids[i], out);
	}
	fputs("]}\n", out);
	free(pids);
	return 0;
}
