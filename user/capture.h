/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Captures: a profile saved as a SQLite file (.pycost).  The schema is
 * documented in the README and versioned by meta.schema_version.
 */
#ifndef PYCOST_CAPTURE_H
#define PYCOST_CAPTURE_H

#include <stddef.h>

#include "profile.h"

#define CAPTURE_SCHEMA_VERSION 2

/*
 * Writes p to path atomically: a temporary file in the same directory,
 * synced, then renamed, so path holds the previous content or the complete
 * new one, never a partial file.  0 or -errno, with a reason in why.
 */
int capture__save(struct profile *p, const char *path, char *why, size_t whylen);

/*
 * Loads the capture at path.  NULL with errno set and a one-line reason in
 * why when the file is missing, unreadable, not a capture, of a newer
 * schema, or corrupt.
 */
struct profile *capture__load(const char *path, char *why, size_t whylen);

#endif /* PYCOST_CAPTURE_H */
