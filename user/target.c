// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Processes as /proc shows them, and COMMAND start-up.  A started command is
 * held between fork and exec so that it is registered with the BPF side
 * before its first instruction; exec failures come back through a
 * close-on-exec pipe, so "command not found" is known for certain.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "target.h"

static int read_file(const char *path, char *buf, size_t len, size_t *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (out)
		*out = n;
	return 0;
}

int target__describe(uint32_t pid, struct target_proc *out)
{
	char fn[64], buf[4096], *p;
	unsigned long flags = 0;
	size_t n = 0;
	ssize_t len;
	DIR *d;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	snprintf(fn, sizeof(fn), "/proc/%u/stat", pid);
	err = read_file(fn, buf, sizeof(buf), NULL);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	/* comm may contain spaces and parentheses: the state follows the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	*p = 0;
	snprintf(out->comm, sizeof(out->comm), "%.31s", strchr(buf, '(') ? strchr(buf, '(') + 1 : "");
	out->state = p[2];
	/* field 9 is flags; PF_KTHREAD = 0x00200000 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) == 1)
		out->kernel_thread = !!(flags & 0x00200000);
	snprintf(fn, sizeof(fn), "/proc/%u/cmdline", pid);
	if (!read_file(fn, buf, sizeof(buf), &n)) {
		for (size_t i = 0; i + 1 < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		snprintf(out->cmdline, sizeof(out->cmdline), "%.1023s", buf);
	}
	snprintf(fn, sizeof(fn), "/proc/%u/exe", pid);
	len = readlink(fn, out->exe, sizeof(out->exe) - 1);
	if (len > 0)
		out->exe[len] = 0;
	snprintf(fn, sizeof(fn), "/proc/%u/task", pid);
	d = opendir(fn);
	if (d) {
		struct dirent *e;

		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				out->nthreads++;
		closedir(d);
	}
	return 0;
}

int target__check(uint32_t pid, char *why, size_t whylen)
{
	struct target_proc t;
	int err;

	if (!pid) {
		snprintf(why, whylen, "PID 0 is not a process");
		return -EINVAL;
	}
	err = target__describe(pid, &t);
	if (err == -ESRCH) {
		snprintf(why, whylen, "no such process: %u", pid);
		return err;
	}
	if (err) {
		snprintf(why, whylen, "cannot read /proc/%u: %s", pid, strerror(-err));
		return err;
	}
	if (t.kernel_thread) {
		snprintf(why, whylen, "PID %u (%s) is a kernel thread, not a Python process", pid,
			 t.comm);
		return -EINVAL;
	}
	if (t.state == 'Z' || t.state == 'X') {
		snprintf(why, whylen, "PID %u (%s) is a zombie: it has exited", pid, t.comm);
		return -ESRCH;
	}
	return 0;
}

int target__alive(uint32_t pid)
{
	struct target_proc t;

	return !target__describe(pid, &t) && t.state != 'Z' && t.state != 'X';
}

int target__spawn(char *const argv[], struct target_child *c)
{
	int go[2], ex[2];
	pid_t pid;
	char b;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(ex, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(go[0]);
		close(go[1]);
		close(ex[0]);
		close(ex[1]);
		return err;
	}
	if (!pid) {
		int e;

		close(go[1]);
		close(ex[0]);
		/* the command gets default signal handling, whatever pycost installed */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	c->pid = pid;
	c->go_fd = go[1];
	c->err_fd = ex[0];
	return 0;
}

int target__release(struct target_child *c)
{
	int e = 0;
	ssize_t n;
	char b = 'g';

	n = write(c->go_fd, &b, 1);
	close(c->go_fd);
	c->go_fd = -1;
	if (n == 1) {
		do
			n = read(c->err_fd, &e, sizeof(e));
		while (n < 0 && errno == EINTR);
	}
	close(c->err_fd);
	c->err_fd = -1;
	if (n == 0)
		return 0;
	waitpid(c->pid, NULL, 0);
	return n == sizeof(e) ? -e : -EIO;
}
