// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * The master's worker table is uwsgi.workers, an array of struct
 * uwsgi_worker in its own shared anonymous mapping (uwsgi_calloc_shared),
 * entry k for worker k and entry 0 unused.  Every uWSGI release since 0.9
 * starts the struct with `int id; pid_t pid;` and the master fills both;
 * the struct's size changes between releases and build options, so it is
 * found, not assumed: the entry holding the pid sits at k * size from the
 * mapping's start, with k the id it holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrt.h"
#include "uwsgi.h"

/* Table bytes read: 1024 workers of the largest struct seen (~500 bytes) */
#define TABLE_MAX (512u << 10)
#define ID_MAX	  4096

struct uwsgi_workers {
	uint32_t master;
	uint64_t base; /* the table's mapping, 0 until found */
	uint64_t len;
	uint32_t stride; /* bytes per entry */
	uint8_t *buf;	 /* TABLE_MAX bytes */
};

struct uwsgi_workers *uwsgi_workers__new(uint32_t master)
{
	struct uwsgi_workers *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->buf = malloc(TABLE_MAX);
	if (!w->buf) {
		free(w);
		return NULL;
	}
	w->master = master;
	return w;
}

void uwsgi_workers__free(struct uwsgi_workers *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

static int read_mapping(struct uwsgi_workers *w, uint64_t base, uint64_t len, size_t *n)
{
	*n = len < TABLE_MAX ? len : TABLE_MAX;
	return pyrt__read(w->master, base, w->buf, *n);
}

/* The id of the entry at off holding pid, or 0. */
static uint32_t entry_id(const uint8_t *buf, size_t off, uint32_t pid)
{
	uint32_t id, p;

	memcpy(&id, buf + off, sizeof(id));
	memcpy(&p, buf + off + 4, sizeof(p));
	if (p != pid || !id || id > ID_MAX || off % id || off / id < 8)
		return 0;
	return id;
}

/* Looks for pid in the table found before. */
static int lookup(struct uwsgi_workers *w, uint32_t pid)
{
	size_t n;
	int err = read_mapping(w, w->base, w->len, &n);

	if (err)
		return err;
	for (uint64_t k = 1; k <= ID_MAX && (k + 1) * w->stride <= n; k++)
		if (entry_id(w->buf, k * w->stride, pid) == k)
			return (int)k;
	return -ENOENT;
}

/*
 * Finds the table: the one shared anonymous mapping with an entry holding
 * pid at a place that fits its id.  Several such places (a coincidence in
 * some other shared area) leave the id unknown rather than guessed.
 */
static int scan(struct uwsgi_workers *w, uint32_t pid)
{
	uint64_t start, end, base = 0, len = 0;
	uint32_t found = 0, stride = 0;
	char path[64], line[512], perms[8];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", w->master);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char file[256] = "";
		size_t n;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &start, &end, perms, file) <
			3 ||
		    strcmp(perms, "rw-s") || (file[0] && strcmp(file, "/dev/zero (deleted)")))
			continue;
		if (read_mapping(w, start, end - start, &n))
			continue;
		for (size_t off = 8; off + 8 <= n; off += 8) {
			uint32_t id = entry_id(w->buf, off, pid);

			if (!id)
				continue;
			if (found && (base != start || stride != off / id)) {
				fclose(f);
				return -ENOENT;
			}
			found = id;
			base = start;
			len = end - start;
			stride = off / id;
		}
	}
	fclose(f);
	if (!found)
		return -ENOENT;
	w->base = base;
	w->len = len;
	w->stride = stride;
	return (int)found;
}

int uwsgi_workers__id(struct uwsgi_workers *w, uint32_t pid)
{
	int id;

	if (w->base) {
		id = lookup(w, pid);
		if (id > 0)
			return id;
	}
	return scan(w, pid);
}
