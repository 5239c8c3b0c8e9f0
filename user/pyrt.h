/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Finding the CPython interpreter inside a live process: which mapped ELF
 * file holds _PyRuntime, where it is loaded, which version it is, and the
 * layout to walk it with.  Reads the process's memory; never writes it.
 */
#ifndef PYCOST_PYRT_H
#define PYCOST_PYRT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "pycost.h"

struct pyrt_info {
	uint32_t pid;
	uint32_t version_hex;
	char version[32];	 /* "3.11.2", or "3.9" when the micro version is unknown */
	char path[PATH_MAX];	 /* the ELF file that defines _PyRuntime */
	uint64_t runtime;	 /* address of _PyRuntime in the process */
	char layout_source[160]; /* how the layout was obtained and checked */
	struct pycost_layout layout;
};

/*
 * Files known to hold no Python runtime, by identity (device, inode, size,
 * modification time).  A recorder probing many short-lived processes (a
 * command started through shell wrappers, each mapping the same shell and
 * C library) then opens and scans each such file once.
 */
struct pyrt_cache;

/* Returns an empty cache, or NULL with errno set. */
struct pyrt_cache *pyrt_cache__new(void);
void pyrt_cache__free(struct pyrt_cache *c);
/* Files skipped so far because the cache knew them. */
size_t pyrt_cache__skipped(const struct pyrt_cache *c);

/*
 * Probes pid, with cache (may be NULL) remembering the files without a
 * Python runtime.  Returns 0 and fills *out, or:
 *   -ENOENT   no Python runtime mapped (why says what was found),
 *   -ENOTSUP  a Python the walker does not support (why names the version),
 *   -EINVAL   the layout failed its check against the interpreter,
 *   -ESRCH / -EPERM / -EIO  the process vanished or cannot be read.
 * why always gets a one-line reason on failure.
 */
int pyrt__probe(uint32_t pid, struct pyrt_cache *cache, struct pyrt_info *out, char *why,
		size_t whylen);

/* Reads len bytes at addr of pid (process_vm_readv). 0 or -errno. */
int pyrt__read(uint32_t pid, uint64_t addr, void *buf, size_t len);

/* Decodes PY_VERSION_HEX into "3.11.2" (micro included). */
void pyrt__format_version(uint32_t hex, char *buf, size_t len);

#endif /* PYCOST_PYRT_H */
