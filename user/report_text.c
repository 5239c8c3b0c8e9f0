/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * The text reports: the human table (header block, then functions by self
 * cost or the heaviest stacks), folded stacks for flamegraph.pl, speedscope
 * and friends, and a JSON document for scripts.  Folded lines and stack rows
 * name frames by their current line so a flame graph separates the lines of
 * a function; function rows name a function by its first line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "report.h"
#include "report_util.h"

static void table_header(const struct profile *p, const struct report_pid *pids, int npids,
			 FILE *out)
{
	uint64_t malformed = 0, aborted = 0;
	const struct pc_meta *m = &p->meta;
	char buf[32];
	struct tm tm;
	time_t t = m->start_ns / 1000000000;

	fprintf(out, "pycost %s on %s (kernel %s)\n", report__str(m->pycost_version),
		report__str(m->host), report__str(m->kernel));
	fprintf(out, "metric      %s (%s)", report__str(m->metric), report__str(m->unit));
	if (m->period) {
		report__fmt_cost(buf, sizeof(buf), m->period, m->unit);
		fprintf(out, ", one sample every %s", buf);
	} else if (m->freq) {
		fprintf(out, ", sampled at %" PRIu64 " Hz", m->freq);
	}
	if (m->sampler && *m->sampler)
		fprintf(out, " (%s)", m->sampler);
	fputc('\n', out);
	report__fmt_cost(buf, sizeof(buf), m->duration_ns, "nanoseconds");
	fprintf(out, "duration    %s", buf);
	if (m->start_ns && gmtime_r(&t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fprintf(out, ", started %s", buf);
	fputc('\n', out);
	report__fmt_cost(buf, sizeof(buf), profile__total_weight(p), m->unit);
	fprintf(out, "samples     %" PRIu64 " in this report (%" PRIu64 " received), %s\n",
		profile__total_count(p), m->samples, buf);
	fprintf(out, "processes   %zu\n", p->nprocs);
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pc_process *pr = &p->procs[i];
		const struct report_pid *r = report__find_pid(pids, npids, pr->pid);

		fprintf(out, "  pid %-7" PRIu32 " python %-8s %8" PRIu64 " samples  %s\n", pr->pid,
			report__str(pr->python_version), r ? r->count : 0,
			report__str(pr->cmdline));
	}
	if (p->nrequests || p->nendpoints) {
		for (size_t i = 0; i < p->nrequests; i++) {
			malformed += !!(p->requests[i].flags & PC_REQ_MALFORMED);
			aborted += !!(p->requests[i].flags & PC_REQ_ABORTED);
		}
		fprintf(out,
			"requests    %zu in %zu endpoints (%" PRIu64 " malformed, %" PRIu64
			" aborted)\n",
			p->nrequests, p->nendpoints, malformed, aborted);
	}
	fprintf(out, "drops       %" PRIu64 " records lost in the kernel\n", m->drops);
	fprintf(out, "truncated   %" PRIu64 " stacks cut at the maximum depth\n", m->truncated);
	fprintf(out, "unknown     %" PRIu64 " frames whose code could not be named\n",
		m->unknown_code);
	/* captures written before pycost recorded its own cost have neither figure */
	if (!m->self_cpu_ns && !m->bpf_runs)
		fprintf(out, "overhead    not recorded\n\n");
	else if (m->bpf_runs)
		fprintf(out,
			"overhead    %.1f ms of pycost's CPU; %.1f ms in its BPF programs (%" PRIu64
			" runs)\n\n",
			m->self_cpu_ns / 1e6, m->bpf_ns / 1e6, m->bpf_runs);
	else
		fprintf(out,
			"overhead    %.1f ms of pycost's CPU; its BPF programs' time not counted "
			"(kernel.bpf_stats_enabled=1 counts it)\n\n",
			m->self_cpu_ns / 1e6);
}

int report_functions_table(const struct profile *p, const struct report_opts *o, FILE *out)
{
	uint64_t total = profile__total_weight(p);
	struct pc_func_cost *c;
	char self[32], tot[32];
	int n;

	n = profile__function_costs(p, &c);
	if (n < 0)
		return n;
	if (o->top > 0 && o->top < n)
		n = o->top;
	fprintf(out, " self%%  total%%       self      total   samples  function\n");
	for (int i = 0; i < n; i++) {
		report__fmt_cost(self, sizeof(self), c[i].self, p->meta.unit);
		report__fmt_cost(tot, sizeof(tot), c[i].total, p->meta.unit);
		fprintf(out, "%6.2f  %6.2f  %9s  %9s  %8" PRIu64 "  ",
			report__pct(c[i].self, total), report__pct(c[i].total, total), self, tot,
			c[i].samples);
		report__put_frame(out, &p->funcs[c[i].func], p->funcs[c[i].func].firstlineno);
		fputc('\n', out);
	}
	free(c);
	return 0;
}

static int table_stacks(const struct profile *p, const struct report_opts *o, FILE *out)
{
	uint64_t total = profile__total_weight(p);
	struct report_stack *st;
	char w[32];
	int n;

	n = report__stack_totals(p, &st);
	if (n < 0)
		return n;
	if (o->top > 0 && o->top < n)
		n = o->top;
	for (int i = 0; i < n; i++) {
		const struct pc_stack *s = &p->stacks[st[i].stack];

		report__fmt_cost(w, sizeof(w), st[i].weight, p->meta.unit);
		fprintf(out, "#%d  %s  %.2f%%  %" PRIu64 " samples  (root first)\n", i + 1, w,
			report__pct(st[i].weight, total), st[i].count);
		for (uint32_t d = 0; d < s->depth; d++) {
			fputs("    ", out);
			report__put_frame(out, &p->funcs[s->frames[d].func], s->frames[d].line);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	free(st);
	return 0;
}

int report__table_header(const struct profile *p, FILE *out)
{
	struct report_pid *pids;
	int npids;

	npids = report__pid_totals(p, &pids);
	if (npids < 0)
		return npids;
	table_header(p, pids, npids, out);
	free(pids);
	return 0;
}

int report_table(const struct profile *p, const struct report_opts *o, FILE *out)
{
	int err;

	err = report__table_header(p, out);
	if (err)
		return err;
	if (o->by == REPORT_BY_STACK)
		err = table_stacks(p, o, out);
	else
		err = report_functions_table(p, o, out);
	return err;
}

int report_folded(const struct profile *p, const struct report_opts *o, FILE *out)
{
	struct report_stack *st;
	int n;

	(void)o;
	n = report__stack_totals(p, &st);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const struct pc_stack *s = &p->stacks[st[i].stack];

		/* a line without frames would not parse as `stack count` */
		if (!s->depth)
			continue;
		for (uint32_t d = 0; d < s->depth; d++) {
			if (d)
				fputc(';', out);
			report__put_frame(out, &p->funcs[s->frames[d].func], s->frames[d].line);
		}
		fprintf(out, " %" PRIu64 "\n", st[i].weight);
	}
	free(st);
	return 0;
}

void report__json_meta(const struct profile *p, FILE *out)
{
	const struct pc_meta *m = &p->meta;

	fputs("{\"host\": ", out);
	report__json_str(out, m->host);
	fputs(", \"kernel\": ", out);
	report__json_str(out, m->kernel);
	fputs(", \"pycost_version\": ", out);
	report__json_str(out, m->pycost_version);
	fputs(", \"metric\": ", out);
	report__json_str(out, m->metric);
	fputs(", \"unit\": ", out);
	report__json_str(out, m->unit);
	fputs(", \"sampler\": ", out);
	report__json_str(out, m->sampler);
	fprintf(out,
		", \"period\": %" PRIu64 ", \"freq\": %" PRIu64 ", \"start_ns\": %" PRId64
		", \"duration_ns\": %" PRIu64 ", \"samples\": %" PRIu64 ", \"drops\": %" PRIu64
		", \"truncated\": %" PRIu64 ", \"unknown_code\": %" PRIu64
		", \"self_cpu_ns\": %" PRIu64 ", \"bpf_ns\": %" PRIu64 ", \"bpf_runs\": %" PRIu64
		",\n \"processes\": [",
		m->period, m->freq, m->start_ns, m->duration_ns, m->samples, m->drops, m->truncated,
		m->unknown_code, m->self_cpu_ns, m->bpf_ns, m->bpf_runs);
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pc_process *pr = &p->procs[i];

		fprintf(out, "%s\n  {\"pid\": %" PRIu32 ", \"cmdline\": ", i ? "," : "", pr->pid);
		report__json_str(out, pr->cmdline);
		fputs(", \"python_version\": ", out);
		report__json_str(out, pr->python_version);
		fputs(", \"layout_source\": ", out);
		report__json_str(out, pr->layout_source);
		fputs(", \"exe\": ", out);
		report__json_str(out, pr->exe);
		fputs(", \"labels\": {", out);
		for (size_t j = 0, n = 0; j < p->nlabels; j++) {
			if (p->labels[j].pid != pr->pid)
				continue;
			fputs(n++ ? ", " : "", out);
			report__json_str(out, p->labels[j].key);
			fputs(": ", out);
			report__json_str(out, p->labels[j].value);
		}
		fputs("}}", out);
	}
	fputs("]}", out);
}

static int json_functions(const struct profile *p, uint64_t total, FILE *out)
{
	struct pc_func_cost *c;
	int n;

	n = profile__function_costs(p, &c);
	if (n < 0)
		return n;
	fputs(",\n\"functions\": [", out);
	for (int i = 0; i < n; i++) {
		const struct pc_function *fn = &p->funcs[c[i].func];

		fprintf(out, "%s\n {\"qualname\": ", i ? "," : "");
		report__json_str(out, fn->qualname);
		fputs(", \"filename\": ", out);
		report__json_str(out, fn->filename);
		fprintf(out,
			", \"firstlineno\": %d, \"self\": %" PRIu64 ", \"total\": %" PRIu64
			", \"self_pct\": %.6g, \"total_pct\": %.6g, \"samples\": %" PRIu64
			", \"self_samples\": %" PRIu64 "}",
			fn->firstlineno, c[i].self, c[i].total, report__pct(c[i].self, total),
			report__pct(c[i].total, total), c[i].samples, c[i].self_samples);
	}
	fputs("]", out);
	free(c);
	return 0;
}

static int json_stacks(const struct profile *p, FILE *out)
{
	struct report_stack *st;
	int n;

	n = report__stack_totals(p, &st);
	if (n < 0)
		return n;
	fputs(",\n\"stacks\": [", out);
	for (int i = 0; i < n; i++) {
		const struct pc_stack *s = &p->stacks[st[i].stack];

		fprintf(out, "%s\n {\"frames\": [", i ? "," : "");
		for (uint32_t d = 0; d < s->depth; d++) {
			const struct pc_function *fn = &p->funcs[s->frames[d].func];

			fputs(d ? ", {\"qualname\": " : "{\"qualname\": ", out);
			report__json_str(out, fn->qualname);
			fputs(", \"filename\": ", out);
			report__json_str(out, fn->filename);
			fprintf(out, ", \"line\": %" PRId32 "}", s->frames[d].line);
		}
		fprintf(out, "], \"weight\": %" PRIu64 ", \"count\": %" PRIu64 "}", st[i].weight,
			st[i].count);
	}
	fputs("]", out);
	free(st);
	return 0;
}

/*
 * The document is complete (every function and stack, whatever o->top says)
 * because scripts aggregate it further; total_weight and total_count are the
 * sums after any --pid filter, unlike meta.samples.
 */
int report_json(const struct profile *p, const struct report_opts *o, FILE *out)
{
	uint64_t total = profile__total_weight(p);
	int err;

	fputs("{\"meta\": ", out);
	report__json_meta(p, out);
	fprintf(out, ",\n\"total_weight\": %" PRIu64 ", \"total_count\": %" PRIu64, total,
		profile__total_count(p));
	err = json_functions(p, total, out);
	if (!err && o->by == REPORT_BY_STACK)
		err = json_stacks(p, out);
	if (err)
		return err;
	fputs("}\n", out);
	return 0;
}
