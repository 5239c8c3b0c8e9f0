// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * `pycost info`: what the recorder would see in a process, read-only and
 * without loading any BPF program: the interpreter, its version, where
 * _PyRuntime is, how the layout was obtained, and its threads.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "pyrt.h"
#include "target.h"
#include "verbs.h"

/* Counts the thread states on the main interpreter's list, from user space. */
static int count_tstates(const struct pyrt_info *py)
{
	const struct pycost_layout *l = &py->layout;
	uint64_t interp = 0, ts = 0;
	int n = 0;

	if (pyrt__read(py->pid, py->runtime + l->rt_interp_head, &interp, sizeof(interp)) ||
	    !interp)
		return 0;
	if (pyrt__read(py->pid, interp + l->is_threads_head, &ts, sizeof(ts)))
		return -EIO;
	while (ts && n < PYCOST_MAX_THREADS) {
		n++;
		if (pyrt__read(py->pid, ts + l->ts_next, &ts, sizeof(ts)))
			return -EIO;
	}
	return n;
}

int info__run(const struct config *cfg)
{
	uint32_t pid = cfg->pids[0];
	struct pyrt_info py;
	struct target_proc t;
	char why[512];
	int err, n;

	if (target__check(pid, why, sizeof(why))) {
		elog("%s", why);
		return PYCOST_EXIT_USAGE;
	}
	target__describe(pid, &t);
	printf("pid:            %u (%s)\n", pid, t.comm);
	printf("command line:   %s\n", t.cmdline);
	printf("executable:     %s\n", t.exe);
	printf("threads:        %d\n", t.nthreads);
	err = pyrt__probe(pid, NULL, &py, why, sizeof(why));
	if (err) {
		elog("PID %u (%s) %s: %s", pid, t.comm,
		     err == -ENOENT ? "is not a Python process" : "cannot be profiled", why);
		return PYCOST_EXIT_USAGE;
	}
	printf("python:         %s (PY_VERSION_HEX 0x%08x)\n", py.version, py.version_hex);
	printf("interpreter:    %s\n", py.path);
	printf("_PyRuntime:     0x%llx\n", (unsigned long long)py.runtime);
	printf("layout:         %s\n", py.layout_source);
	printf("frames:         %s\n", py.layout.frame_kind == PYCOST_FRAMES_OBJECT
					   ? "PyFrameObject chain (f_back)"
					   : "_PyInterpreterFrame chain (previous)");
	n = count_tstates(&py);
	if (n < 0)
		printf("thread states:  unreadable\n");
	else
		printf("thread states:  %d on the main interpreter\n", n);
	return 0;
}
