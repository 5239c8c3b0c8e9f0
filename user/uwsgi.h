/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * uWSGI's own worker ids, read from its master's memory (never written).
 * The master keeps one entry per worker in a shared anonymous mapping, and
 * writes a respawned worker's pid into the entry of the one it replaces, so
 * the id survives --max-requests, harakiri and reloads the way uWSGI's logs
 * and stats server number it.
 */
#ifndef PYCOST_UWSGI_H
#define PYCOST_UWSGI_H

#include <stdint.h>

struct uwsgi_workers;

/* The worker table of the uWSGI master master; NULL on allocation failure. */
struct uwsgi_workers *uwsgi_workers__new(uint32_t master);

/*
 * uWSGI's id (1, 2, ...) of the worker pid, or -ENOENT when the master's
 * table does not hold pid (not uWSGI, not one of its workers, or the master
 * gone), or -errno of reading the master.
 */
int uwsgi_workers__id(struct uwsgi_workers *w, uint32_t pid);

void uwsgi_workers__free(struct uwsgi_workers *w);

#endif /* PYCOST_UWSGI_H */
