// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * SQLite captures.  Saving writes a fresh database next to the target and
 * renames it into place; loading validates the header, the schema version
 * and every cross-reference, so a corrupt capture is refused with a reason
 * instead of producing wrong numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "common.h"

static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE processes(pid INTEGER PRIMARY KEY, cmdline TEXT, python_version TEXT,"
    " layout_source TEXT, exe TEXT);"
    "CREATE TABLE functions(id INTEGER PRIMARY KEY, qualname TEXT NOT NULL,"
    " filename TEXT NOT NULL, firstlineno INTEGER NOT NULL);"
    "CREATE TABLE stacks(id INTEGER PRIMARY KEY, depth INTEGER NOT NULL);"
    "CREATE TABLE stack_frames(stack_id INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " function_id INTEGER NOT NULL, line INTEGER NOT NULL, PRIMARY KEY(stack_id, pos))"
    " WITHOUT ROWID;"
    "CREATE TABLE endpoints(id INTEGER PRIMARY KEY, name TEXT NOT NULL, view TEXT NOT NULL);"
    "CREATE TABLE samples(stack_id INTEGER NOT NULL, pid INTEGER NOT NULL,"
    " tid INTEGER NOT NULL, endpoint_id INTEGER, status INTEGER NOT NULL,"
    " count INTEGER NOT NULL, weight INTEGER NOT NULL);"
    "CREATE TABLE requests(id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, tid INTEGER NOT NULL,"
    " endpoint_id INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,"
    " status INTEGER NOT NULL, malformed INTEGER NOT NULL, aborted INTEGER NOT NULL,"
    " head_cut INTEGER NOT NULL, start_ns INTEGER NOT NULL, latency_ns INTEGER NOT NULL,"
    " cost INTEGER NOT NULL, cpu_ns INTEGER NOT NULL, offcpu_ns INTEGER NOT NULL,"
    " db_ns INTEGER NOT NULL, cache_ns INTEGER NOT NULL, other_ns INTEGER NOT NULL,"
    " gc_count INTEGER NOT NULL, gc_ns INTEGER NOT NULL, bytes_in INTEGER NOT NULL,"
    " bytes_out INTEGER NOT NULL, user_hash TEXT, view TEXT NOT NULL);"
    "CREATE TABLE labels(pid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(pid, key));";

static int exec_sql(sqlite3 *db, const char *sql, char *why, size_t whylen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(why, whylen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -EIO;
}

static int put_meta(sqlite3_stmt *st, const char *key, const char *value)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

static int put_meta_u64(sqlite3_stmt *st, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return put_meta(st, key, buf);
}

static int save_meta(sqlite3 *db, const struct pc_meta *m)
{
	sqlite3_stmt *st = NULL;
	char ver[16], start[32];
	int err;

	if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	snprintf(ver, sizeof(ver), "%d", CAPTURE_SCHEMA_VERSION);
	snprintf(start, sizeof(start), "%" PRId64, m->start_ns);
	err = put_meta(st, "format", "pycost-capture") ?: put_meta(st, "schema_version", ver)
		?: put_meta(st, "host", m->host) ?: put_meta(st, "kernel", m->kernel)
		?: put_meta(st, "pycost_version", m->pycost_version)
		?: put_meta(st, "metric", m->metric) ?: put_meta(st, "unit", m->unit)
		?: put_meta_u64(st, "period", m->period) ?: put_meta_u64(st, "freq", m->freq)
		?: put_meta(st, "sampler", m->sampler)
		?: put_meta(st, "start_ns", start)
		?: put_meta_u64(st, "duration_ns", m->duration_ns)
		?: put_meta_u64(st, "samples", m->samples) ?: put_meta_u64(st, "drops", m->drops)
		?: put_meta_u64(st, "truncated", m->truncated)
		?: put_meta_u64(st, "unknown_code", m->unknown_code)
		?: put_meta_u64(st, "self_cpu_ns", m->self_cpu_ns)
		?: put_meta_u64(st, "bpf_ns", m->bpf_ns) ?: put_meta_u64(st, "bpf_runs", m->bpf_runs);
	sqlite3_finalize(st);
	return err;
}

static int save_request(const struct pc_request *r, size_t i, void *ctx)
{
	sqlite3_stmt *st = ctx;
	char user[24];
	int c = 1;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, c++, i);
	sqlite3_bind_int64(st, c++, r->pid);
	sqlite3_bind_int64(st, c++, r->tid);
	sqlite3_bind_int64(st, c++, r->endpoint);
	sqlite3_bind_text(st, c++, r->method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, c++, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, c++, r->status);
	sqlite3_bind_int(st, c++, !!(r->flags & PC_REQ_MALFORMED));
	sqlite3_bind_int(st, c++, !!(r->flags & PC_REQ_ABORTED));
	sqlite3_bind_int(st, c++, !!(r->flags & PC_REQ_HEAD_CUT));
	sqlite3_bind_int64(st, c++, r->start_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->latency_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->cost);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->cpu_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->offcpu_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->db_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->cache_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->other_ns);
	sqlite3_bind_int64(st, c++, r->gc_count);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->gc_ns);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->bytes_in);
	sqlite3_bind_int64(st, c++, (sqlite3_int64)r->bytes_out);
	if (r->user) {
		snprintf(user, sizeof(user), "%016" PRIx64, r->user);
		sqlite3_bind_text(st, c++, user, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, c++);
	}
	sqlite3_bind_text(st, c++, r->view, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

static int save_requests(sqlite3 *db, struct profile *p)
{
	sqlite3_stmt *st = NULL;
	int err = -EIO;

	if (sqlite3_prepare_v2(db, "INSERT INTO endpoints VALUES(?, ?, ?)", -1, &st, NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nendpoints; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_text(st, 2, p->endpoints[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p->endpoints[i].view, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO requests VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
			       " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL))
		goto cleanup;
	err = profile__each_request(p, save_request, st);
	if (err)
		goto cleanup;
	err = -EIO;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO labels VALUES(?, ?, ?)", -1, &st, NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nlabels; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, p->labels[i].pid);
		sqlite3_bind_text(st, 2, p->labels[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p->labels[i].value, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	err = 0;
cleanup:
	sqlite3_finalize(st);
	return err;
}

static int save_rows(sqlite3 *db, struct profile *p)
{
	sqlite3_stmt *st = NULL;
	int err = -EIO;

	if (sqlite3_prepare_v2(db, "INSERT INTO processes VALUES(?, ?, ?, ?, ?)", -1, &st, NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pc_process *pr = &p->procs[i];

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, pr->pid);
		sqlite3_bind_text(st, 2, pr->cmdline, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, pr->python_version, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, pr->layout_source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, pr->exe, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO functions VALUES(?, ?, ?, ?)", -1, &st, NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nfuncs; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_text(st, 2, p->funcs[i].qualname, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p->funcs[i].filename, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, p->funcs[i].firstlineno);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO stacks VALUES(?, ?)", -1, &st, NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nstacks; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_int64(st, 2, p->stacks[i].depth);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO stack_frames VALUES(?, ?, ?, ?)", -1, &st, NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nstacks; i++) {
		for (uint32_t d = 0; d < p->stacks[i].depth; d++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, i);
			sqlite3_bind_int64(st, 2, d);
			sqlite3_bind_int64(st, 3, p->stacks[i].frames[d].func);
			sqlite3_bind_int64(st, 4, p->stacks[i].frames[d].line);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto cleanup;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO samples VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &st,
			       NULL))
		goto cleanup;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct pc_sample *s = &p->samples[i];

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, s->stack);
		sqlite3_bind_int64(st, 2, s->pid);
		sqlite3_bind_int64(st, 3, s->tid);
		if (s->endpoint >= 0)
			sqlite3_bind_int64(st, 4, s->endpoint);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, s->status);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)s->count);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)s->weight);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	err = save_requests(db, p);
cleanup:
	sqlite3_finalize(st);
	return err;
}

int capture__save(struct profile *p, const char *path, char *why, size_t whylen)
{
	char tmp[PATH_MAX];
	sqlite3 *db = NULL;
	int err, fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(why, whylen, "output path too long");
		return -ENAMETOOLONG;
	}
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
		snprintf(why, whylen, "cannot create %s: %s", tmp,
			 db ? sqlite3_errmsg(db) : "out of memory");
		err = -EIO;
		goto cleanup;
	}
	err = exec_sql(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;", why, whylen)
		  ?: exec_sql(db, schema, why, whylen);
	if (err)
		goto cleanup;
	err = save_meta(db, &p->meta) ?: save_rows(db, p);
	if (err) {
		snprintf(why, whylen, "cannot write %s: %s", tmp, sqlite3_errmsg(db));
		goto cleanup;
	}
	err = exec_sql(db, "COMMIT;", why, whylen);
	if (err)
		goto cleanup;
	sqlite3_close(db);
	db = NULL;
	/* the data must be on disk before the name points at it */
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		err = -errno;
		snprintf(why, whylen, "cannot sync %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	if (rename(tmp, path)) {
		err = -errno;
		snprintf(why, whylen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	return 0;
cleanup:
	sqlite3_close(db);
	unlink(tmp);
	return err;
}

struct loader {
	sqlite3 *db;
	struct profile *p;
	char *why;
	size_t whylen;
};

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

static int load_meta(struct loader *l)
{
	struct pc_meta *m = &l->p->meta;
	sqlite3_stmt *st = NULL;
	int have_format = 0, version = -1, err = 0;

	if (sqlite3_prepare_v2(l->db, "SELECT key, value FROM meta", -1, &st, NULL)) {
		snprintf(l->why, l->whylen, "not a pycost capture (%s)", sqlite3_errmsg(l->db));
		return -EINVAL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		char **sp = NULL;
		uint64_t *up = NULL;

		if (!k || !v)
			continue;
		if (!strcmp(k, "format"))
			have_format = !strcmp(v, "pycost-capture");
		else if (!strcmp(k, "schema_version"))
			version = atoi(v);
		else if (!strcmp(k, "host"))
			sp = &m->host;
		else if (!strcmp(k, "kernel"))
			sp = &m->kernel;
		else if (!strcmp(k, "pycost_version"))
			sp = &m->pycost_version;
		else if (!strcmp(k, "metric"))
			sp = &m->metric;
		else if (!strcmp(k, "unit"))
			sp = &m->unit;
		else if (!strcmp(k, "period"))
			up = &m->period;
		else if (!strcmp(k, "freq"))
			up = &m->freq;
		else if (!strcmp(k, "sampler"))
			sp = &m->sampler;
		else if (!strcmp(k, "start_ns"))
			m->start_ns = strtoll(v, NULL, 10);
		else if (!strcmp(k, "duration_ns"))
			up = &m->duration_ns;
		else if (!strcmp(k, "samples"))
			up = &m->samples;
		else if (!strcmp(k, "drops"))
			up = &m->drops;
		else if (!strcmp(k, "truncated"))
			up = &m->truncated;
		else if (!strcmp(k, "unknown_code"))
			up = &m->unknown_code;
		else if (!strcmp(k, "self_cpu_ns"))
			up = &m->self_cpu_ns;
		else if (!strcmp(k, "bpf_ns"))
			up = &m->bpf_ns;
		else if (!strcmp(k, "bpf_runs"))
			up = &m->bpf_runs;
		if (sp && profile__set_str(sp, v))
			err = -ENOMEM;
		if (up)
			*up = strtoull(v, NULL, 10);
	}
	sqlite3_finalize(st);
	if (err)
		return err;
	if (!have_format) {
		snprintf(l->why, l->whylen, "not a pycost capture (no format marker)");
		return -EINVAL;
	}
	if (version != CAPTURE_SCHEMA_VERSION) {
		snprintf(l->why, l->whylen, "capture schema version %d; this pycost reads %d",
			 version, CAPTURE_SCHEMA_VERSION);
		return -EINVAL;
	}
	if (!m->metric || !m->unit) {
		snprintf(l->why, l->whylen, "corrupt capture: metric or unit missing");
		return -EINVAL;
	}
	return 0;
}

static int load_endpoints(struct loader *l)
{
	struct profile *p = l->p;
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(l->db, "SELECT id, name, view FROM endpoints ORDER BY id", -1, &st,
			       NULL)) {
		snprintf(l->why, l->whylen, "corrupt capture: %s", sqlite3_errmsg(l->db));
		return -EINVAL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		int ep =
		    profile__intern_endpoint(p, (const char *)sqlite3_column_text(st, 1) ?: "");

		if (ep < 0) {
			err = ep;
			break;
		}
		if (ep != sqlite3_column_int64(st, 0)) {
			snprintf(l->why, l->whylen, "corrupt capture: endpoint ids");
			err = -EINVAL;
			break;
		}
		if (profile__set_str(&p->endpoints[ep].view,
				     (const char *)sqlite3_column_text(st, 2))) {
			err = -ENOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return err;
}

static int load_requests(struct loader *l)
{
	struct profile *p = l->p;
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(l->db,
			       "SELECT pid, tid, endpoint_id, method, path, status, malformed,"
			       " aborted, head_cut, start_ns, latency_ns, cost, cpu_ns, offcpu_ns,"
			       " db_ns, cache_ns, other_ns, gc_count, gc_ns, bytes_in, bytes_out,"
			       " user_hash, view FROM requests ORDER BY id",
			       -1, &st, NULL))
		goto corrupt;
	while (!err && sqlite3_step(st) == SQLITE_ROW) {
		struct pc_request r = {0};
		const char *user;
		int c = 0;

		r.pid = sqlite3_column_int64(st, c++);
		r.tid = sqlite3_column_int64(st, c++);
		r.endpoint = sqlite3_column_int64(st, c++);
		if (r.endpoint < 0 || r.endpoint >= (int32_t)p->nendpoints)
			goto corrupt;
		r.method = (char *)sqlite3_column_text(st, c++);
		r.path = (char *)sqlite3_column_text(st, c++);
		r.status = sqlite3_column_int64(st, c++);
		r.flags |= sqlite3_column_int(st, c++) ? PC_REQ_MALFORMED : 0;
		r.flags |= sqlite3_column_int(st, c++) ? PC_REQ_ABORTED : 0;
		r.flags |= sqlite3_column_int(st, c++) ? PC_REQ_HEAD_CUT : 0;
		r.start_ns = sqlite3_column_int64(st, c++);
		r.latency_ns = sqlite3_column_int64(st, c++);
		r.cost = sqlite3_column_int64(st, c++);
		r.cpu_ns = sqlite3_column_int64(st, c++);
		r.offcpu_ns = sqlite3_column_int64(st, c++);
		r.db_ns = sqlite3_column_int64(st, c++);
		r.cache_ns = sqlite3_column_int64(st, c++);
		r.other_ns = sqlite3_column_int64(st, c++);
		r.gc_count = sqlite3_column_int64(st, c++);
		r.gc_ns = sqlite3_column_int64(st, c++);
		r.bytes_in = sqlite3_column_int64(st, c++);
		r.bytes_out = sqlite3_column_int64(st, c++);
		user = (const char *)sqlite3_column_text(st, c++);
		r.user = user ? strtoull(user, NULL, 16) : 0;
		r.view = (char *)sqlite3_column_text(st, c++);
		err = profile__add_request(p, &r);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (err)
		return err;
	if (sqlite3_prepare_v2(l->db, "SELECT pid, key, value FROM labels", -1, &st, NULL))
		goto corrupt;
	while (sqlite3_step(st) == SQLITE_ROW && !err)
		err = profile__set_label(p, sqlite3_column_int64(st, 0),
					 (const char *)sqlite3_column_text(st, 1) ?: "",
					 (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return err;
corrupt:
	snprintf(l->why, l->whylen, "corrupt capture: %s", sqlite3_errmsg(l->db));
	sqlite3_finalize(st);
	return -EINVAL;
}

/* Runs a counted SELECT and checks that ids are dense 0..n-1. */
static int load_rows(struct loader *l)
{
	struct profile *p = l->p;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 n;
	int err = -EINVAL;

#define PREP(sql)                                                                                  \
	do {                                                                                       \
		sqlite3_finalize(st);                                                              \
		st = NULL;                                                                         \
		if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)                    \
			goto corrupt;                                                              \
	} while (0)

	PREP("SELECT pid, cmdline, python_version, layout_source, exe FROM processes");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c[4];

		for (int i = 0; i < 4; i++) {
			c[i] = (const char *)sqlite3_column_text(st, i + 1);
			if (!c[i])
				c[i] = "";
		}
		if (profile__set_process(p, sqlite3_column_int64(st, 0), c[0], c[1], c[2], c[3])) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	PREP("SELECT count(*), coalesce(max(id), -1) FROM functions");
	if (sqlite3_step(st) != SQLITE_ROW)
		goto corrupt;
	n = sqlite3_column_int64(st, 0);
	if (sqlite3_column_int64(st, 1) != n - 1 || n > INT32_MAX)
		goto corrupt;
	p->funcs = calloc(n ? n : 1, sizeof(*p->funcs));
	if (!p->funcs) {
		err = -ENOMEM;
		goto cleanup;
	}
	PREP("SELECT id, qualname, filename, firstlineno FROM functions ORDER BY id");
	while (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);

		if (id != (sqlite3_int64)p->nfuncs)
			goto corrupt;
		p->funcs[id].qualname = dup_col(st, 1);
		p->funcs[id].filename = dup_col(st, 2);
		p->funcs[id].firstlineno = sqlite3_column_int(st, 3);
		p->nfuncs++;
		if (!p->funcs[id].qualname || !p->funcs[id].filename) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	PREP("SELECT count(*), coalesce(max(id), -1) FROM stacks");
	if (sqlite3_step(st) != SQLITE_ROW)
		goto corrupt;
	n = sqlite3_column_int64(st, 0);
	if (sqlite3_column_int64(st, 1) != n - 1 || n > INT32_MAX)
		goto corrupt;
	p->stacks = calloc(n ? n : 1, sizeof(*p->stacks));
	if (!p->stacks) {
		err = -ENOMEM;
		goto cleanup;
	}
	PREP("SELECT id, depth FROM stacks ORDER BY id");
	while (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0), depth = sqlite3_column_int64(st, 1);

		if (id != (sqlite3_int64)p->nstacks || depth < 0 || depth > 65536)
			goto corrupt;
		p->stacks[id].depth = depth;
		p->stacks[id].frames = calloc(depth ? depth : 1, sizeof(struct pc_frame));
		p->nstacks++;
		if (!p->stacks[id].frames) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	PREP("SELECT stack_id, pos, function_id, line FROM stack_frames");
	while (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 sid = sqlite3_column_int64(st, 0), pos = sqlite3_column_int64(st, 1);
		sqlite3_int64 fid = sqlite3_column_int64(st, 2);

		if (sid < 0 || sid >= (sqlite3_int64)p->nstacks || pos < 0 ||
		    pos >= p->stacks[sid].depth || fid < 0 || fid >= (sqlite3_int64)p->nfuncs)
			goto corrupt;
		p->stacks[sid].frames[pos].func = fid;
		p->stacks[sid].frames[pos].line = sqlite3_column_int(st, 3);
	}
	PREP("SELECT count(*) FROM samples");
	if (sqlite3_step(st) != SQLITE_ROW)
		goto corrupt;
	n = sqlite3_column_int64(st, 0);
	p->samples = calloc(n ? n : 1, sizeof(*p->samples));
	if (!p->samples) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = load_endpoints(l);
	if (err)
		goto cleanup;
	err = -EINVAL;
	PREP("SELECT stack_id, pid, tid, coalesce(endpoint_id, -1), status, count, weight"
	     " FROM samples");
	while (sqlite3_step(st) == SQLITE_ROW && p->nsamples < (size_t)n) {
		struct pc_sample *s = &p->samples[p->nsamples];
		sqlite3_int64 sid = sqlite3_column_int64(st, 0), ep = sqlite3_column_int64(st, 3);

		if (sid < 0 || sid >= (sqlite3_int64)p->nstacks ||
		    sqlite3_column_int64(st, 5) < 0 || sqlite3_column_int64(st, 6) < 0 || ep < -1 ||
		    ep >= (sqlite3_int64)p->nendpoints)
			goto corrupt;
		s->stack = sid;
		s->pid = sqlite3_column_int64(st, 1);
		s->tid = sqlite3_column_int64(st, 2);
		s->endpoint = ep;
		s->status = sqlite3_column_int64(st, 4);
		s->count = sqlite3_column_int64(st, 5);
		s->weight = sqlite3_column_int64(st, 6);
		p->nsamples++;
	}
	err = load_requests(l);
	if (err)
		goto cleanup;
#undef PREP
	err = 0;
	goto cleanup;
corrupt:
	snprintf(l->why, l->whylen, "corrupt capture: %s",
		 sqlite3_errcode(l->db) != SQLITE_OK && sqlite3_errcode(l->db) != SQLITE_ROW &&
			 sqlite3_errcode(l->db) != SQLITE_DONE
		     ? sqlite3_errmsg(l->db)
		     : "inconsistent tables");
	err = -EINVAL;
cleanup:
	sqlite3_finalize(st);
	return err;
}

struct profile *capture__load(const char *path, char *why, size_t whylen)
{
	struct loader l = {.why = why, .whylen = whylen};
	char hdr[16] = "";
	struct stat sb;
	int err, fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || read(fd, hdr, sizeof(hdr)) != sizeof(hdr) ||
	    memcmp(hdr, "SQLite format 3", 16)) {
		close(fd);
		snprintf(why, whylen, "%s is not a pycost capture (not an SQLite file)", path);
		err = -EINVAL;
		goto fail;
	}
	close(fd);
	if (sqlite3_open_v2(path, &l.db, SQLITE_OPEN_READONLY, NULL)) {
		snprintf(why, whylen, "cannot open %s: %s", path,
			 l.db ? sqlite3_errmsg(l.db) : "out of memory");
		err = -EIO;
		goto fail;
	}
	l.p = profile__new();
	if (!l.p) {
		err = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	err = load_meta(&l) ?: load_rows(&l);
	if (err) {
		if (err == -ENOMEM)
			snprintf(why, whylen, "out of memory");
		goto fail;
	}
	sqlite3_close(l.db);
	profile__reindex(l.p);
	return l.p;
fail:
	profile__free(l.p);
	sqlite3_close(l.db);
	errno = -err;
	return NULL;
}
