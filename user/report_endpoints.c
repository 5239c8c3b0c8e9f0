// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Per-endpoint and per-request reports, computed from the requests the
 * kernel cut: counts, status mix, latency and cost percentiles, on-CPU
 * share, backend and GC time per request, and active users with the cost
 * per active user in the endpoint's peak minute (Instagram's efficiency
 * metric).  Percentiles are nearest-rank over every request, not estimates.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "report.h"
#include "report_util.h"

struct ep_stats {
	int32_t ep;
	uint64_t n;
	uint64_t status[6]; /* by hundreds: [1]=1xx ... [5]=5xx, [0]=none */
	uint64_t malformed, aborted;
	uint64_t lat[3];  /* p50, p90, p99 (ns) */
	uint64_t cost[3]; /* mean, p50, p99 */
	uint64_t cost_sum, cpu_sum, span_sum, lat_sum;
	uint64_t db, cache, other, gc; /* sums, ns */
	uint64_t gc_count;
	uint64_t users;	    /* distinct active users in the peak minute */
	uint64_t peak_cost; /* cost of the endpoint's requests in that minute */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned int q)
{
	return n ? v[report__rank(n, q)] : 0;
}

/* Distinct users per minute; the peak minute's users and cost. */
static void peak_minute(const struct profile *p, const size_t *idx, size_t n, struct ep_stats *s)
{
	struct {
		int64_t minute;
		uint64_t user;
		uint64_t cost;
	} *v = calloc(n ? n : 1, sizeof(*v));
	size_t i = 0;

	if (!v)
		return;
	for (size_t k = 0; k < n; k++) {
		const struct pc_request *r = &p->requests[idx[k]];

		v[k].minute = r->start_ns / 60000000000LL;
		v[k].user = r->user;
		v[k].cost = r->cost;
	}
	/* insertion order is time order per thread only: sort by (minute, user) */
	for (size_t a = 1; a < n; a++) {
		__typeof__(*v) t = v[a];
		size_t b = a;

		while (b > 0 && (v[b - 1].minute > t.minute ||
				 (v[b - 1].minute == t.minute && v[b - 1].user > t.user))) {
			v[b] = v[b - 1];
			b--;
		}
		v[b] = t;
	}
	while (i < n) {
		size_t j = i;
		uint64_t users = 0, cost = 0, last = 0;

		for (; j < n && v[j].minute == v[i].minute; j++) {
			cost += v[j].cost;
			if (v[j].user && v[j].user != last)
				users++;
			last = v[j].user;
		}
		if (users > s->users) {
			s->users = users;
			s->peak_cost = cost;
		}
		i = j;
	}
	free(v);
}

static int compute(const struct profile *p, int32_t ep, struct ep_stats *s)
{
	size_t n = 0, *idx;
	uint64_t *lat, *cost;

	memset(s, 0, sizeof(*s));
	s->ep = ep;
	for (size_t i = 0; i < p->nrequests; i++)
		n += p->requests[i].endpoint == ep;
	idx = calloc(n ? n : 1, sizeof(*idx));
	lat = calloc(n ? n : 1, sizeof(*lat));
	cost = calloc(n ? n : 1, sizeof(*cost));
	if (!idx || !lat || !cost) {
		free(idx);
		free(lat);
		free(cost);
		return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < p->nrequests; i++) {
		const struct pc_request *r = &p->requests[i];

		if (r->endpoint != ep)
			continue;
		idx[n] = i;
		lat[n] = r->latency_ns;
		cost[n] = r->cost;
		n++;
		s->status[r->status / 100 <= 5 ? r->status / 100 : 0]++;
		s->malformed += !!(r->flags & PC_REQ_MALFORMED);
		s->aborted += !!(r->flags & PC_REQ_ABORTED);
		s->cost_sum += r->cost;
		s->cpu_sum += r->cpu_ns;
		s->span_sum += r->cpu_ns + r->offcpu_ns;
		s->lat_sum += r->latency_ns;
		s->db += r->db_ns;
		s->cache += r->cache_ns;
		s->other += r->other_ns;
		s->gc += r->gc_ns;
		s->gc_count += r->gc_count;
	}
	s->n = n;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	qsort(cost, n, sizeof(*cost), cmp_u64);
	s->lat[0] = pct(lat, n, 50);
	s->lat[1] = pct(lat, n, 90);
	s->lat[2] = pct(lat, n, 99);
	s->cost[0] = n ? s->cost_sum / n : 0;
	s->cost[1] = pct(cost, n, 50);
	s->cost[2] = pct(cost, n, 99);
	peak_minute(p, idx, n, s);
	free(idx);
	free(lat);
	free(cost);
	return 0;
}

static int cmp_stats(const void *a, const void *b)
{
	const struct ep_stats *x = a, *y = b;

	if (x->cost_sum != y->cost_sum)
		return x->cost_sum < y->cost_sum ? 1 : -1;
	return x->ep - y->ep;
}

/* Endpoints with requests, costliest (total cost) first. */
static int all_stats(const struct profile *p, struct ep_stats **out)
{
	struct ep_stats *s = calloc(p->nendpoints ? p->nendpoints : 1, sizeof(*s));
	size_t n = 0;
	int err;

	if (!s)
		return -ENOMEM;
	for (size_t ep = 0; ep < p->nendpoints; ep++) {
		err = compute(p, ep, &s[n]);
		if (err) {
			free(s);
			return err;
		}
		if (s[n].n)
			n++;
	}
	qsort(s, n, sizeof(*s), cmp_stats);
	*out = s;
	return n;
}

static double per_req_us(uint64_t sum_ns, uint64_t n)
{
	return n ? sum_ns / 1000.0 / n : 0;
}

static void table_row(const struct profile *p, const struct ep_stats *s, double secs, FILE *out)
{
	const struct pc_endpoint *e = &p->endpoints[s->ep];
	char c0[16], c1[16], c2[16];

	report__fmt_cost(c0, sizeof(c0), s->cost[0], p->meta.unit);
	report__fmt_cost(c1, sizeof(c1), s->cost[1], p->meta.unit);
	report__fmt_cost(c2, sizeof(c2), s->cost[2], p->meta.unit);
	fprintf(out,
		"%-28.60s %7" PRIu64 " %7.1f %5" PRIu64 " %4" PRIu64 " %4" PRIu64 " %4" PRIu64
		"  %7.2f %7.2f %7.2f  %9s %9s %9s %5.1f%% %7.2f %7.2f %7.2f %6.2f",
		e->name, s->n, secs > 0 ? s->n / secs : 0, s->status[2], s->status[3], s->status[4],
		s->status[5], s->lat[0] / 1e6, s->lat[1] / 1e6, s->lat[2] / 1e6, c0, c1, c2,
		s->span_sum ? 100.0 * s->cpu_sum / s->span_sum : 0, per_req_us(s->db, s->n) / 1000,
		per_req_us(s->cache, s->n) / 1000, per_req_us(s->other, s->n) / 1000,
		per_req_us(s->gc, s->n) / 1000);
	if (s->users) {
		report__fmt_cost(c0, sizeof(c0), s->peak_cost / s->users, p->meta.unit);
		fprintf(out, " %6" PRIu64 " %9s", s->users, c0);
	}
	fprintf(out, "  %s\n", e->view[0] ? e->view : "-");
}

static int table(const struct profile *p, const struct report_opts *o, FILE *out)
{
	struct ep_stats *s;
	double secs = p->meta.duration_ns / 1e9;
	int n, err, users = 0;

	err = report__table_header(p, out);
	if (err)
		return err;
	n = all_stats(p, &s);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		users |= s[i].users > 0;
	fprintf(out,
		"%-28s %7s %7s %5s %4s %4s %4s  %7s %7s %7s  %9s %9s %9s %6s %7s %7s %7s %6s%s  "
		"%s\n",
		"endpoint", "reqs", "req/s", "2xx", "3xx", "4xx", "5xx", "p50 ms", "p90 ms",
		"p99 ms", "cost/req", "p50 cost", "p99 cost", "on-cpu", "db ms", "cache", "other",
		"gc ms", users ? "  users cost/user" : "", "view");
	for (int i = 0; i < n && (!o->top || i < o->top); i++)
		table_row(p, &s[i], secs, out);
	if (!n)
		fputs("(no requests: was the target serving HTTP while recording?)\n", out);
	free(s);
	return 0;
}

static int json(const struct profile *p, FILE *out)
{
	uint64_t codes[600];
	struct ep_stats *s;
	int n;

	n = all_stats(p, &s);
	if (n < 0)
		return n;
	fputs("{\"meta\": ", out);
	report__json_meta(p, out);
	fputs(",\n\"endpoints\": [", out);
	for (int i = 0; i < n; i++) {
		const struct pc_endpoint *e = &p->endpoints[s[i].ep];
		int first = 1;

		fputs(i ? ",\n {\"endpoint\": " : "\n {\"endpoint\": ", out);
		report__json_str(out, e->name);
		fputs(", \"view\": ", out);
		report__json_str(out, e->view);
		fprintf(out, ", \"requests\": %" PRIu64 ", \"status\": {", s[i].n);
		/* exact codes: count per distinct status, in one pass */
		memset(codes, 0, sizeof(codes));
		for (size_t k = 0; k < p->nrequests; k++)
			if (p->requests[k].endpoint == s[i].ep && p->requests[k].status < 600)
				codes[p->requests[k].status]++;
		for (unsigned int code = 0; code < 600; code++) {
			if (codes[code]) {
				fprintf(out, "%s\"%u\": %" PRIu64, first ? "" : ", ", code,
					codes[code]);
				first = 0;
			}
		}
		fprintf(out,
			"}, \"malformed\": %" PRIu64 ", \"aborted\": %" PRIu64
			", \"latency_us\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f}"
			", \"cost\": {\"mean\": %" PRIu64 ", \"p50\": %" PRIu64
			", \"p99\": %" PRIu64 ", \"total\": %" PRIu64
			"}, \"cpu_ns\": {\"mean\": %" PRIu64 "}"
			", \"on_cpu_share\": %.4f"
			", \"backend_us\": {\"db\": %.1f, \"cache\": %.1f, \"other\": %.1f}"
			", \"gc_us\": %.1f, \"gc_count\": %.3f"
			", \"active_users\": %" PRIu64 ", \"cost_per_active_user\": %" PRIu64 "}",
			s[i].malformed, s[i].aborted, s[i].lat[0] / 1e3, s[i].lat[1] / 1e3,
			s[i].lat[2] / 1e3, s[i].cost[0], s[i].cost[1], s[i].cost[2], s[i].cost_sum,
			s[i].n ? s[i].cpu_sum / s[i].n : 0,
			s[i].span_sum ? (double)s[i].cpu_sum / s[i].span_sum : 0,
			per_req_us(s[i].db, s[i].n), per_req_us(s[i].cache, s[i].n),
			per_req_us(s[i].other, s[i].n), per_req_us(s[i].gc, s[i].n),
			s[i].n ? (double)s[i].gc_count / s[i].n : 0, s[i].users,
			s[i].users ? s[i].peak_cost / s[i].users : 0);
	}
	fputs("\n]}\n", out);
	free(s);
	return 0;
}

int report_endpoints(const struct profile *p, const struct report_opts *o, FILE *out)
{
	return o->format == REPORT_JSON ? json(p, out) : table(p, o, out);
}

int report_requests(const struct profile *p, const struct report_opts *o, FILE *out)
{
	(void)o;
	for (size_t i = 0; i < p->nrequests; i++) {
		const struct pc_request *r = &p->requests[i];
		const char *worker = profile__label(p, r->pid, "worker");

		fputs("{\"endpoint\": ", out);
		report__json_str(out, p->endpoints[r->endpoint].name);
		fputs(", \"method\": ", out);
		report__json_str(out, r->method);
		fputs(", \"path\": ", out);
		report__json_str(out, r->path);
		fputs(", \"view\": ", out);
		report__json_str(out, r->view);
		fprintf(out,
			", \"pid\": %" PRIu32 ", \"tid\": %" PRIu32 ", \"status\": %" PRIu32
			", \"malformed\": %s, \"aborted\": %s"
			", \"start_ns\": %" PRId64 ", \"latency_us\": %.1f, \"cost\": %" PRIu64
			", \"cpu_ns\": %" PRIu64 ", \"offcpu_ns\": %" PRIu64
			", \"backend_us\": {\"db\": %.1f, \"cache\": %.1f, \"other\": %.1f}"
			", \"gc_count\": %" PRIu32 ", \"gc_us\": %.1f, \"bytes_in\": %" PRIu64
			", \"bytes_out\": %" PRIu64 ", \"user\": ",
			r->pid, r->tid, r->status, r->flags & PC_REQ_MALFORMED ? "true" : "false",
			r->flags & PC_REQ_ABORTED ? "true" : "false", r->start_ns,
			r->latency_ns / 1e3, r->cost, r->cpu_ns, r->offcpu_ns, r->db_ns / 1e3,
			r->cache_ns / 1e3, r->other_ns / 1e3, r->gc_count, r->gc_ns / 1e3,
			r->bytes_in, r->bytes_out);
		if (r->user)
			fprintf(out, "\"%016" PRIx64 "\"", r->user);
		else
			fputs("null", out);
		fputs(", \"worker\": ", out);
		report__json_str(out, worker);
		fputs("}\n", out);
	}
	return 0;
}
