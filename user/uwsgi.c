// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * The master's worker table is uwsgi.workers, an array of struct
 * uwsgi_worker in a shared anonymous mapping of its own
 * (uwsgi_calloc_shared), entry k for worker k.  Every uWSGI release since
 * 0.9 starts the struct with `int id; pid_t pid;`, and entry 0 holds id 0
 * and the master's pid; the struct's size changes between releases and
 * build options, so it is found, not assumed: the entry holding a worker's
 * pid sits at k * size from the mapping's start, with k the id it holds.
 * Mules (struct uwsgi_mule, also `int id; pid_t pid;` first) have their
 * own table, whose entry 0 is mule 1: the master's pid at its start tells
 * the workers' table apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyrt.h"
#include "uwsgi.h"

/* Table bytes read: 1024 workers of 2.0's struct (488 bytes on x86-64) */
#define TABLE_MAX (512u << 10)
#define ID_MAX	  4096

struct uwsgi_workers {
	uint32_t master;
	uint64_t base; /* the table's mapping, 0 until found */
	uint64_t len;
	uint32_t stride;	/* bytes per entry */
	uint8_t buf[TABLE_MAX]; /* where mappings are read */
};

struct uwsgi_workers *uwsgi_workers__new(uint32_t master)
{
	struct uwsgi_workers *w = calloc(1, sizeof(*w));

	if (w)
		w->master = master;
	return w;
}

void uwsgi_workers__free(struct uwsgi_workers *w)
{
	free(w);
}

static int read_mapping(struct uwsgi_workers *w, uint64_t base, uint64_t len, size_t *n)
{
	*n = len < TABLE_MAX ? len : TABLE_MAX;
	return pyrt__read(w->master, base, w->buf, *n);
}

/* Whether buf starts with a worker table's entry 0: id 0, the master's pid. */
static bool is_table(const struct uwsgi_workers *w, size_t n)
{
	uint32_t head[2];

	if (n < sizeof(head))
		return false;
	memcpy(head, w->buf, sizeof(head));
	return head[0] == 0 && head[1] == w->master;
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
	if (!is_table(w, n))
		return -ENOENT;
	for (uint64_t k = 1; k <= ID_MAX && (k + 1) * w->stride <= n; k++)
		if (entry_id(w->buf, k * w->stride, pid) == k)
			return (int)k;
	return -ENOENT;
}

/*
 * Whether the master's page at addr is in memory or swapped out.  Reading
 * one that never was would make the kernel allocate it in the master's
 * shared memory (a sparse cache, say); a worker table's first page always
 * holds entry 0.
 */
static bool page_present(int pagemap, uint64_t addr)
{
	uint64_t e, page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (pread(pagemap, &e, sizeof(e), (off_t)(addr / page * sizeof(e))) != sizeof(e))
		return false;
	return e & (3ULL << 62);
}

/*
 * Finds the table holding pid: a shared anonymous mapping that starts with
 * entry 0 and has an entry holding pid at a place that fits its id.
 * Several such places leave the id unknown rather than guessed.
 */
static int scan(struct uwsgi_workers *w, uint32_t pid)
{
	uint64_t start, end, base = 0, len = 0;
	uint32_t found = 0, stride = 0;
	char path[64], line[PATH_MAX + 128], file[PATH_MAX], perms[8];
	int pagemap, err = -ENOENT;
	FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%u/pagemap", w->master);
	pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (pagemap < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%u/maps", w->master);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		file[0] = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %4095[^\n]", &start, &end,
			   perms, file) < 3 ||
		    strcmp(perms, "rw-s") || (file[0] && strcmp(file, "/dev/zero (deleted)")))
			continue;
		if (!page_present(pagemap, start) || read_mapping(w, start, 8, &n) ||
		    !is_table(w, n) || read_mapping(w, start, end - start, &n))
			continue;
		for (size_t off = 8; off + 8 <= n; off += 8) {
			uint32_t id = entry_id(w->buf, off, pid);

			if (!id)
				continue;
			if (found && (base != start || stride != off / id)) {
				found = 0;
				goto out;
			}
			found = id;
			base = start;
			len = end - start;
			stride = off / id;
		}
	}
out:
	if (f)
		fclose(f);
	close(pagemap);
	if (!found)
		return err;
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
