/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * CPython struct layouts: tables for 3.8-3.12, _Py_DebugOffsets decoding for
 * 3.13+, and the cross-check against the interpreter's own PyCode_Type member
 * table.  Pure functions over bytes, so they are unit-testable without a
 * process.
 */
#ifndef PYCOST_OFFSETS_H
#define PYCOST_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "pycost.h"

/* Size of _Py_DebugOffsets read from the start of _PyRuntime (3.14's is 760). */
#define OFFSETS_DEBUG_MAX 1024

/* One PyMemberDef of PyCode_Type, as read from the process. */
struct code_member {
	char name[32];
	int64_t offset;
};

/*
 * Fills *l for a 3.8-3.12 interpreter from the built-in tables.
 * Returns 0, or -ENOTSUP for a version without a table.
 */
int offsets__table(uint32_t version_hex, struct pycost_layout *l);

/*
 * Fills *l from a _Py_DebugOffsets blob (3.13+).  Returns 0, -EINVAL when the
 * cookie or a value is wrong, -ENOTSUP for an unknown version or a
 * free-threaded build; *why gets a one-line reason.
 */
int offsets__from_debug(const uint8_t *dbg, size_t len, struct pycost_layout *l, char *why,
			size_t whylen);

/*
 * Checks the code-object offsets in *l against the interpreter's PyCode_Type
 * member table and tp_basicsize.  0, or -EINVAL with *why naming the field.
 */
int offsets__check_code(const struct pycost_layout *l, const struct code_member *m, size_t n,
			int64_t basicsize, char *why, size_t whylen);

#endif /* PYCOST_OFFSETS_H */
