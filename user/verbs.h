/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * The verbs main() dispatches to.  Each returns the process exit status:
 * 0 on success, 1 on a runtime failure, 2 (PYCOST_EXIT_USAGE) on bad input,
 * having printed one line on stderr.
 */
#ifndef PYCOST_VERBS_H
#define PYCOST_VERBS_H

#include "cli.h"

int record__run(const struct config *cfg);
int report__run(const struct config *cfg);
int info__run(const struct config *cfg);

#endif /* PYCOST_VERBS_H */
