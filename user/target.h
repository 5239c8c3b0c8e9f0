/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Target processes: what /proc says about a PID (alive, zombie, kernel
 * thread, command line), and starting a COMMAND so that it is traced from
 * its first instruction.
 */
#ifndef PYCOST_TARGET_H
#define PYCOST_TARGET_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct target_proc {
	uint32_t pid;
	char state;	     /* from /proc/PID/stat: R, S, Z, ... */
	char comm[32];
	char cmdline[1024];  /* arguments joined by spaces */
	char exe[PATH_MAX];  /* "" for kernel threads */
	int kernel_thread;
	int nthreads;
};

/*
 * Fills *out from /proc.  Returns 0, or -ESRCH when there is no such
 * process, or -errno.
 */
int target__describe(uint32_t pid, struct target_proc *out);

/*
 * Checks that pid can be profiled at all: exists, is not a kernel thread,
 * is not a zombie.  0, or -errno with a one-line reason in why.
 */
int target__check(uint32_t pid, char *why, size_t whylen);

/* A started command, held before exec until target__release. */
struct target_child {
	pid_t pid;
	int go_fd;  /* write end: releasing the child */
	int err_fd; /* read end: exec's errno, or EOF once exec succeeded */
};

/* Forks argv; the child waits for target__release before exec. 0 or -errno. */
int target__spawn(char *const argv[], struct target_child *c);

/*
 * Lets the child exec.  Returns 0 once exec succeeded, or -errno of the
 * failed exec (-ENOENT: command not found); the child is then reaped.
 */
int target__release(struct target_child *c);

/* Whether pid still exists as a live (non-zombie) process. */
int target__alive(uint32_t pid);

#endif /* PYCOST_TARGET_H */
