/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Code objects -> functions and lines.  The BPF side sends each code object's
 * strings and line table once (struct pycost_code); samples then refer to it
 * by (pid, address, identity), so names stay right when an address is reused
 * and after the process is gone.
 */
#ifndef PYCOST_SYMBOLS_H
#define PYCOST_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "pycost.h"

struct symbols;

/* Functions are interned into p, which must outlive the symbols. NULL + errno on failure. */
struct symbols *symbols__new(struct profile *p);
void symbols__free(struct symbols *s);

/* Remembers a code record from a process running Python version_hex. 0 or -ENOMEM. */
int symbols__add_code(struct symbols *s, const struct pycost_code *c, uint32_t version_hex);

/*
 * Resolves one sampled frame of pid into a profile frame (function, line).
 * Returns 0, or -ENOENT when the code record never arrived (out is then
 * the "[unknown code]" function).
 */
int symbols__frame(struct symbols *s, uint32_t pid, const struct pycost_frame *f,
		   struct pc_frame *out);

/* Forgets everything about pid (its process exited or exec'd). */
void symbols__forget_pid(struct symbols *s, uint32_t pid);

/*
 * Line of instruction lasti in a code object's line table.  minor is the
 * Python 3 minor version, which selects the table format: co_lnotab (3.8,
 * 3.9; lasti in bytes), PEP 626 (3.10; lasti in code units) or the PEP 657
 * location table (3.11+; code units).  Returns firstlineno for lasti < 0 and
 * 0 when the table does not cover lasti.
 */
int symbols__line(unsigned int minor, int firstlineno, const uint8_t *tab, size_t len, int lasti);

/*
 * Converts len bytes of CPython code units of width kind (1, 2, 4) into a
 * new NUL-terminated UTF-8 string; invalid code points become U+FFFD.
 * NULL on allocation failure.
 */
char *symbols__utf8(const uint8_t *data, size_t len, int kind);

#endif /* PYCOST_SYMBOLS_H */
