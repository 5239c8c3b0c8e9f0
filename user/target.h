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
	char state; /* from /proc/PID/stat: R, S, Z, ... */
	char comm[32];
	char cmdline[1024]; /* arguments joined by spaces */
	char exe[PATH_MAX]; /* "" for kernel threads */
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

/* Parent PID of pid, 0 if unknown. */
uint32_t target__ppid(uint32_t pid);

/*
 * Fills pids (up to max) with the live children of pid whose executable is
 * exe.  Returns how many.
 */
size_t target__children(uint32_t pid, const char *exe, uint32_t *pids, size_t max);

/* Whether pid holds a listening TCP or Unix socket (serves requests). */
int target__listens(uint32_t pid);

/* Fills ports (up to max) with the TCP ports pid listens on. Returns how many. */
size_t target__listen_ports(uint32_t pid, uint16_t *ports, size_t max);

/* Whether pid is a uWSGI process (its executable or command name says so). */
int target__is_uwsgi(const struct target_proc *t);

/*
 * Calls fn(name, value, ctx) for each variable of pid's environment
 * (/proc/PID/environ, as it was at exec).  0 or -errno.
 */
int target__environ(uint32_t pid, void (*fn)(const char *name, const char *value, void *ctx),
		    void *ctx);

/*
 * The commit the process runs, from src ("env:VAR", "file:PATH", "git", or
 * NULL for GIT_COMMIT, SOURCE_VERSION, REVISION, then the git checkout of
 * its working directory).  0 and out filled, or -ENOENT.
 */
int target__commit(uint32_t pid, const char *src, char *out, size_t len);

#endif /* PYCOST_TARGET_H */
