// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * HTML writer: one self-contained page, with no request to the network or
 * to another file, so it can be mailed or attached to a ticket.  It holds
 * the capture's header, the endpoint table (the JSON of --by endpoint), a
 * flame graph of all samples or of one endpoint's, and each endpoint's
 * requests, cost per request and latency over time.  The data is embedded as JSON
 * and the page's script (report_html.js) draws it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "common.h"
#include "report.h"
#include "report_util.h"
#include "report_html_assets.h"

/* Bucket widths of the time series, in seconds: the first giving at most MAX_BUCKETS. */
static const unsigned int steps_s[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600};
#define MAX_BUCKETS 120

struct html_row {
	uint32_t stack;
	int32_t ep;
	uint64_t weight, count;
};

static int cmp_row(const void *a, const void *b)
{
	const struct html_row *x = a, *y = b;

	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return (x->ep > y->ep) - (x->ep < y->ep);
}

/* Sample rows summed per (stack, endpoint): threads and statuses are not drawn. */
static int put_samples(const struct profile *p, FILE *d)
{
	struct html_row *rows = calloc(p->nsamples ? p->nsamples : 1, sizeof(*rows));
	size_t n = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsamples; i++)
		rows[i] = (struct html_row){p->samples[i].stack, p->samples[i].endpoint,
					    p->samples[i].weight, p->samples[i].count};
	qsort(rows, p->nsamples, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < p->nsamples; i++) {
		if (n && !cmp_row(&rows[n - 1], &rows[i])) {
			rows[n - 1].weight += rows[i].weight;
			rows[n - 1].count += rows[i].count;
		} else {
			rows[n++] = rows[i];
		}
	}
	fputs(",\n\"samples\": [", d);
	for (size_t i = 0; i < n; i++)
		fprintf(d, "%s[%" PRIu32 ",%" PRId32 ",%" PRIu64 ",%" PRIu64 "]", i ? "," : "",
			rows[i].stack, rows[i].ep, rows[i].weight, rows[i].count);
	fputs("]", d);
	free(rows);
	return 0;
}

static void put_funcs_stacks(const struct profile *p, FILE *d)
{
	fputs(",\n\"funcs\": [", d);
	for (size_t i = 0; i < p->nfuncs; i++) {
		fputs(i ? ",\n[" : "[", d);
		report__json_str(d, p->funcs[i].qualname);
		fputc(',', d);
		report__json_str(d, p->funcs[i].filename);
		fprintf(d, ",%d]", p->funcs[i].firstlineno);
	}
	/* frames[0] is the root, as the page builds its tree */
	fputs("],\n\"stacks\": [", d);
	for (size_t i = 0; i < p->nstacks; i++) {
		fputs(i ? ",[" : "[", d);
		for (uint32_t k = 0; k < p->stacks[i].depth; k++)
			fprintf(d, k ? ",%" PRIu32 : "%" PRIu32, p->stacks[i].frames[k].func);
		fputc(']', d);
	}
	fputs("],\n\"names\": [", d);
	for (size_t i = 0; i < p->nendpoints; i++) {
		fputs(i ? "," : "", d);
		report__json_str(d, p->endpoints[i].name);
	}
	fputc(']', d);
}

struct lat_key {
	uint64_t group; /* endpoint (or the endpoint count, for all) * buckets + bucket */
	uint64_t ns;
};

static int cmp_lat(const void *a, const void *b)
{
	const struct lat_key *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->ns > y->ns) - (x->ns < y->ns);
}

/*
 * Latency p50 and p99 per endpoint and time bucket, and over all endpoints
 * (the last group), exact over the bucket's requests; null for a bucket
 * without any.
 */
static int put_latency(const struct profile *p, const size_t *bucket, size_t nb, FILE *d)
{
	size_t ne = p->nendpoints, n = 0, groups = (ne + 1) * nb;
	struct lat_key *v = calloc(2 * p->nrequests + 1, sizeof(*v));
	double *p50 = calloc(groups, sizeof(*p50)), *p99 = calloc(groups, sizeof(*p99));
	int err = 0;

	if (!v || !p50 || !p99) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t g = 0; g < groups; g++)
		p50[g] = p99[g] = -1;
	for (size_t i = 0; i < p->nrequests; i++) {
		const struct pc_request *r = &p->requests[i];

		if (r->endpoint < 0 || (size_t)r->endpoint >= ne)
			continue;
		v[n++] = (struct lat_key){r->endpoint * nb + bucket[i], r->latency_ns};
		v[n++] = (struct lat_key){ne * nb + bucket[i], r->latency_ns};
	}
	qsort(v, n, sizeof(*v), cmp_lat);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && v[j].group == v[i].group; j++)
			;
		p50[v[i].group] = v[i + report__rank(j - i, 50)].ns / 1e3;
		p99[v[i].group] = v[i + report__rank(j - i, 99)].ns / 1e3;
	}
	fputs(", \"lat\": [", d);
	for (size_t g = 0; g <= ne; g++) {
		for (int k = 0; k < 2; k++) {
			const double *q = k ? p99 : p50;

			fputs(k ? "],[" : g ? ",\n[[" : "[[", d);
			for (size_t b = 0; b < nb; b++) {
				fputs(b ? "," : "", d);
				/* a bucket without requests has no latency, not a latency of 0 */
				if (q[g * nb + b] >= 0)
					fprintf(d, "%.1f", q[g * nb + b]);
				else
					fputs("null", d);
			}
		}
		fputs("]]", d);
	}
	fputc(']', d);
cleanup:
	free(v);
	free(p50);
	free(p99);
	return err;
}

/*
 * Requests and their summed cost per endpoint and time bucket, by request
 * start.  The last bucket ends with the capture (last_s long), so that its
 * rate is not shown falling off; a remainder shorter than half a bucket
 * joins the one before it rather than show the rate of a few milliseconds.
 */
static int put_series(const struct profile *p, FILE *d)
{
	uint64_t dur = p->meta.duration_ns, *count, *cost;
	unsigned int step = steps_s[ARRAY_SIZE(steps_s) - 1];
	size_t nb, ne = p->nendpoints, *bucket;
	double last;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(steps_s); i++) {
		if (dur <= steps_s[i] * MAX_BUCKETS * 1000000000ULL) {
			step = steps_s[i];
			break;
		}
	}
	nb = (dur + step * 1000000000ULL - 1) / (step * 1000000000ULL);
	if (nb < 1)
		nb = 1;
	if (nb > MAX_BUCKETS)
		nb = MAX_BUCKETS;
	last = dur / 1e9 - (double)(nb - 1) * step;
	if (nb > 1 && last < step / 2.0) {
		nb--;
		last += step;
	}
	if (last <= 0)
		last = step;
	count = calloc(ne * nb + 1, sizeof(*count));
	cost = calloc(ne * nb + 1, sizeof(*cost));
	bucket = calloc(p->nrequests + 1, sizeof(*bucket));
	if (!count || !cost || !bucket) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < p->nrequests; i++) {
		const struct pc_request *r = &p->requests[i];
		int64_t at = r->start_ns - p->meta.start_ns;
		size_t b = at <= 0 ? 0 : (uint64_t)at / 1000000000 / step;

		/* requests still in flight at the end belong to the last bucket */
		if (b >= nb)
			b = nb - 1;
		bucket[i] = b;
		if (r->endpoint < 0 || (size_t)r->endpoint >= ne)
			continue;
		count[r->endpoint * nb + b]++;
		cost[r->endpoint * nb + b] += r->cost;
	}
	fprintf(d, ",\n\"series\": {\"step_s\": %u, \"n\": %zu, \"last_s\": %g, \"eps\": [", step,
		nb, last);
	for (size_t e = 0; e < ne; e++) {
		fputs(e ? ",\n[[" : "[[", d);
		for (size_t b = 0; b < nb; b++)
			fprintf(d, b ? ",%" PRIu64 : "%" PRIu64, count[e * nb + b]);
		fputs("],[", d);
		for (size_t b = 0; b < nb; b++)
			fprintf(d, b ? ",%" PRIu64 : "%" PRIu64, cost[e * nb + b]);
		fputs("]]", d);
	}
	fputc(']', d);
	err = put_latency(p, bucket, nb, d);
	fputc('}', d);
cleanup:
	free(count);
	free(cost);
	free(bucket);
	return err;
}

/*
 * Copies JSON into a <script> element.  "</script>" or "<!--" in a string
 * (a request path, a function name) would end or change the element: '<'
 * becomes \u003c, which JSON reads back the same.  JSON has no '<' outside
 * strings.
 */
static void put_escaped(const char *s, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<')
			fputs("\\u003c", out);
		else
			fputc(s[i], out);
	}
}

int report_html(const struct profile *p, const struct report_opts *o, FILE *out)
{
	struct report_opts json = {.format = REPORT_JSON, .by = REPORT_BY_ENDPOINT, .top = 0};
	char *buf = NULL;
	size_t len = 0;
	FILE *d;
	int err;

	(void)o;
	d = open_memstream(&buf, &len);
	if (!d)
		return -errno;
	fputs("{\"summary\": ", d);
	err = report_endpoints(p, &json, d);
	if (!err) {
		put_funcs_stacks(p, d);
		err = put_samples(p, d);
	}
	if (!err)
		err = put_series(p, d);
	fputs("}\n", d);
	/* a failed write to the memory stream shows only in its error flag */
	if (ferror(d) && !err)
		err = -ENOMEM;
	if (fclose(d) && !err)
		err = -ENOMEM;
	if (err)
		goto cleanup;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>pycost</title>\n<style>\n",
	      out);
	fputs(report_html_css, out);
	fputs("</style></head>\n<body>\n"
	      "<h1>pycost report</h1>\n<div class=\"meta\" id=\"meta\"></div>\n"
	      "<h2>Endpoints</h2>\n"
	      "<p class=\"note\">Click a row for its flame graph and time series; click it again "
	      "for all samples.  Costs per request are measured from each request's start to "
	      "its end; the flame graph shows where sampled cost went.</p>\n"
	      "<p class=\"note\" id=\"no-requests\" hidden>No requests in this capture.</p>\n"
	      "<table id=\"endpoints\"></table>\n"
	      "<h2 id=\"flame-title\">Flame graph</h2>\n"
	      "<p><button id=\"reset\">Reset zoom</button>"
	      "<input type=\"search\" id=\"search\" placeholder=\"highlight functions\"> "
	      "<span id=\"matched\" class=\"note\"></span></p>\n"
	      "<div id=\"flame\"></div>\n"
	      "<h2>Over time</h2>\n<div id=\"series\"></div>\n"
	      "<script id=\"pycost-data\" type=\"application/json\">",
	      out);
	put_escaped(buf, len, out);
	fputs("</script>\n<script>\n", out);
	fputs(report_html_js, out);
	fputs("</script>\n</body></html>\n", out);
cleanup:
	free(buf);
	return err;
}
