// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * uWSGI worker ids from a master's worker table, laid out here in this
 * process's own shared anonymous mappings the way uWSGI lays it out (entry
 * k at k * size, each starting with int id and pid_t pid, entry 0 holding
 * id 0 and the master's pid), and read back through /proc like any other
 * master's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uwsgi.h"

/* struct uwsgi_worker of uWSGI 2.0.21 as Debian builds it */
#define ENTRY 488

static uint8_t *table(size_t entries)
{
	void *m =
	    mmap(NULL, entries * ENTRY, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(m, MAP_FAILED);
	return m;
}

static void put(uint8_t *t, uint32_t k, uint32_t pid)
{
	int32_t id = k;

	memcpy(t + k * ENTRY, &id, 4);
	memcpy(t + k * ENTRY + 4, &pid, 4);
}

Test(uwsgi, ids_and_respawns)
{
	uint8_t *t = table(5);
	struct uwsgi_workers *w = uwsgi_workers__new(getpid());

	cr_assert(w);
	put(t, 0, getpid());
	put(t, 1, 3000001);
	put(t, 2, 3000002);
	put(t, 3, 3000003);
	cr_expect_eq(uwsgi_workers__id(w, 3000002), 2);
	cr_expect_eq(uwsgi_workers__id(w, 3000003), 3);
	cr_expect_eq(uwsgi_workers__id(w, 3000001), 1);
	/* the master puts a respawned worker's pid into the entry of the one it replaces */
	put(t, 2, 3000077);
	cr_expect_eq(uwsgi_workers__id(w, 3000077), 2);
	cr_expect_eq(uwsgi_workers__id(w, 3000002), -ENOENT);
	cr_expect_eq(uwsgi_workers__id(w, 3999999), -ENOENT);
	uwsgi_workers__free(w);
	munmap(t, 5 * ENTRY);
}

Test(uwsgi, ambiguous_or_misplaced_entries_give_no_id)
{
	uint8_t *a = table(4), *b = table(4);
	struct uwsgi_workers *w = uwsgi_workers__new(getpid());
	int32_t id = 3;
	uint32_t pid = 3000010;

	cr_assert(w);
	/* the same pid in two tables, as different workers: no guess */
	put(a, 0, getpid());
	put(b, 0, getpid());
	put(a, 1, 3000009);
	put(b, 2, 3000009);
	cr_expect_eq(uwsgi_workers__id(w, 3000009), -ENOENT);
	/* id 3 where entry 3 cannot be (offset 16 is not 3 entries in) */
	memcpy(a + 16, &id, 4);
	memcpy(a + 20, &pid, 4);
	cr_expect_eq(uwsgi_workers__id(w, 3000010), -ENOENT);
	uwsgi_workers__free(w);
	munmap(a, 4 * ENTRY);
	munmap(b, 4 * ENTRY);
}

/*
 * The mules' table: entry 0 is mule 1, and mule 2's entry at 352 bytes
 * fits "worker 2 of 176-byte entries" as well.
 */
Test(uwsgi, mules_are_not_workers)
{
	uint8_t *m = table(2);
	struct uwsgi_workers *w = uwsgi_workers__new(getpid());
	uint32_t mule[4] = {1, 3000021, 2, 3000022};

	cr_assert(w);
	memcpy(m, mule, 8);
	memcpy(m + 352, mule + 2, 8);
	cr_expect_eq(uwsgi_workers__id(w, 3000022), -ENOENT);
	cr_expect_eq(uwsgi_workers__id(w, 3000021), -ENOENT);
	uwsgi_workers__free(w);
	munmap(m, 2 * ENTRY);
}

Test(uwsgi, no_master)
{
	struct uwsgi_workers *w = uwsgi_workers__new(999999999);

	cr_assert(w);
	cr_expect_eq(uwsgi_workers__id(w, 1), -ENOENT);
	uwsgi_workers__free(w);
}
