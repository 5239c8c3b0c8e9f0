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
#include <inttypes.h>
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

/*
 * Reads /proc/PID/stat into buf, cut after comm ("PID (comm"); *fields is
 * what follows it, from the state on.  0, -ESRCH when there is no such
 * process, or -errno.
 */
static int read_stat(uint32_t pid, char *buf, size_t len, char **fields)
{
	char fn[64], *p;
	int err;

	snprintf(fn, sizeof(fn), "/proc/%u/stat", pid);
	err = read_file(fn, buf, len, NULL);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	/* comm may contain spaces and parentheses: the state follows the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EINVAL;
	*p = 0;
	*fields = p + 2;
	return 0;
}

int target__describe(uint32_t pid, struct target_proc *out)
{
	char fn[64], buf[4096], *fields;
	unsigned long flags = 0;
	size_t n = 0;
	ssize_t len;
	DIR *d;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	err = read_stat(pid, buf, sizeof(buf), &fields);
	if (err)
		return err;
	snprintf(out->comm, sizeof(out->comm), "%.31s",
		 strchr(buf, '(') ? strchr(buf, '(') + 1 : "");
	out->state = fields[0];
	/* field 9 is flags; PF_KTHREAD = 0x00200000 */
	if (sscanf(fields, "%*c %*d %*d %*d %*d %*d %lu", &flags) == 1)
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

/* The state and parent in /proc/PID/stat; 0 or -errno. */
static int stat_state(uint32_t pid, char *state, uint32_t *ppid)
{
	char buf[1024], *fields;
	int err = read_stat(pid, buf, sizeof(buf), &fields);

	if (err)
		return err;
	return sscanf(fields, "%c %" SCNu32, state, ppid) == 2 ? 0 : -EINVAL;
}

/* Called for every traced process every status tick: one read, not describe's four. */
int target__alive(uint32_t pid)
{
	uint32_t ppid;
	char state;

	return !stat_state(pid, &state, &ppid) && state != 'Z' && state != 'X';
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

uint32_t target__ppid(uint32_t pid)
{
	uint32_t ppid;
	char state;

	return stat_state(pid, &state, &ppid) ? 0 : ppid;
}

size_t target__children(uint32_t pid, const char *exe, uint32_t *pids, size_t max)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		struct target_proc t;
		char *end;
		unsigned long c = strtoul(e->d_name, &end, 10);

		if (*end || !c || target__ppid(c) != pid)
			continue;
		if (target__describe(c, &t) || t.state == 'Z' || strcmp(t.exe, exe))
			continue;
		pids[n++] = c;
	}
	closedir(d);
	return n;
}

/* Inodes of sockets in LISTEN state in one /proc/PID/net table. */
static int listening_inode(uint32_t pid, const char *table, unsigned long inode)
{
	char fn[64], line[512];
	int found = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%u/net/%s", pid, table);
	f = fopen(fn, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long ino = 0, flags = 0;
		unsigned int st = 0;

		if (!strcmp(table, "unix")) {
			/* Num RefCount Protocol Flags Type St Inode; __SO_ACCEPTCON = 0x10000 */
			if (sscanf(line, "%*s %*s %*s %lx %*s %x %lu", &flags, &st, &ino) == 3)
				found = ino == inode && (flags & 0x10000);
		} else if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s %lu", &st, &ino) == 2) {
			found = ino == inode && st == 0x0a;
		}
	}
	fclose(f);
	return found;
}

int target__listens(uint32_t pid)
{
	char dir[64], fn[PATH_MAX], link[64];
	struct dirent *e;
	int found = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		unsigned long inode;
		ssize_t n;

		snprintf(fn, sizeof(fn), "%s/%s", dir, e->d_name);
		n = readlink(fn, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		found = listening_inode(pid, "tcp", inode) || listening_inode(pid, "tcp6", inode) ||
			listening_inode(pid, "unix", inode);
	}
	closedir(d);
	return found;
}

int target__is_uwsgi(const struct target_proc *t)
{
	const char *base = strrchr(t->exe, '/');

	base = base ? base + 1 : t->exe;
	return !strncmp(base, "uwsgi", 5) || !strncmp(t->comm, "uwsgi", 5);
}

int target__environ(uint32_t pid, void (*fn)(const char *name, const char *value, void *ctx),
		    void *ctx)
{
	char path[64], *buf;
	size_t n = 0;
	int err;

	buf = malloc(256 * 1024);
	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%u/environ", pid);
	err = read_file(path, buf, 256 * 1024, &n);
	for (size_t i = 0; !err && i < n;) {
		char *var = buf + i, *eq;
		size_t l = strnlen(var, n - i);

		var[l < n - i ? l : n - i - 1] = 0;
		eq = strchr(var, '=');
		if (eq) {
			*eq = 0;
			fn(var, eq + 1, ctx);
		}
		i += l + 1;
	}
	free(buf);
	return err;
}

struct env_lookup {
	const char *name;
	char *out;
	size_t len;
	int found;
};

static void env_match(const char *name, const char *value, void *ctx)
{
	struct env_lookup *l = ctx;

	if (!l->found && !strcmp(name, l->name) && *value) {
		snprintf(l->out, l->len, "%s", value);
		l->found = 1;
	}
}

/* First line of a file under the process's root, trimmed. */
static int first_line(uint32_t pid, const char *path, char *out, size_t len)
{
	char fn[PATH_MAX + 64], buf[256];

	snprintf(fn, sizeof(fn), "/proc/%u/root%s", pid, path);
	if (read_file(fn, buf, sizeof(buf), NULL))
		return -ENOENT;
	buf[strcspn(buf, "\r\n")] = 0;
	if (!buf[0])
		return -ENOENT;
	snprintf(out, len, "%s", buf);
	return 0;
}

/* HEAD of the git checkout holding the process's working directory. */
static int git_commit(uint32_t pid, char *out, size_t len)
{
	char cwd[PATH_MAX], fn[64], git[PATH_MAX + 320], head[256];
	ssize_t n;

	snprintf(fn, sizeof(fn), "/proc/%u/cwd", pid);
	n = readlink(fn, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return -ENOENT;
	cwd[n] = 0;
	for (;;) {
		char *slash;

		snprintf(git, sizeof(git), "%s/.git/HEAD", strcmp(cwd, "/") ? cwd : "");
		if (!first_line(pid, git, head, sizeof(head)))
			break;
		slash = strrchr(cwd, '/');
		if (!slash || slash == cwd)
			return -ENOENT;
		*slash = 0;
	}
	if (strncmp(head, "ref: ", 5)) {
		snprintf(out, len, "%.40s", head);
		return 0;
	}
	snprintf(git, sizeof(git), "%s/.git/%s", cwd, head + 5);
	if (!first_line(pid, git, out, len))
		return 0;
	return -ENOENT;
}

int target__commit(uint32_t pid, const char *src, char *out, size_t len)
{
	static const char *const vars[] = {"GIT_COMMIT", "SOURCE_VERSION", "REVISION"};
	struct env_lookup l = {.out = out, .len = len};

	if (src && !strncmp(src, "env:", 4)) {
		l.name = src + 4;
		target__environ(pid, env_match, &l);
		return l.found ? 0 : -ENOENT;
	}
	if (src && !strncmp(src, "file:", 5))
		return first_line(pid, src + 5, out, len);
	if (!src) {
		for (size_t i = 0; i < ARRAY_SIZE(vars) && !l.found; i++) {
			l.name = vars[i];
			target__environ(pid, env_match, &l);
		}
		if (l.found)
			return 0;
	}
	return git_commit(pid, out, len);
}

struct tcp_sock {
	unsigned long inode;
	unsigned int lport, rport, state;
};

/* Appends the sockets of one /proc/PID/net/tcp* table. */
static size_t read_tcp(uint32_t pid, const char *table, struct tcp_sock *v, size_t n, size_t max)
{
	char fn[64], line[512];
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%u/net/%s", pid, table);
	f = fopen(fn, "re");
	if (!f)
		return n;
	while (n < max && fgets(line, sizeof(line), f)) {
		struct tcp_sock *t = &v[n];

		if (sscanf(line,
			   " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x %*s %*s %*s %*s %*s %lu",
			   &t->lport, &t->rport, &t->state, &t->inode) == 4)
			n++;
	}
	fclose(f);
	return n;
}

/* Calls fn(sock) for each TCP socket among pid's file descriptors. */
static int each_tcp_fd(uint32_t pid, void (*fn)(const struct tcp_sock *s, void *ctx), void *ctx)
{
	size_t max = 65536, n;
	struct tcp_sock *v = malloc(max * sizeof(*v));
	char dir[64], path[PATH_MAX], link[64];
	struct dirent *e;
	DIR *d;

	if (!v)
		return -ENOMEM;
	n = read_tcp(pid, "tcp", v, 0, max);
	n = read_tcp(pid, "tcp6", v, n, max);
	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	d = opendir(dir);
	if (!d) {
		free(v);
		return -errno;
	}
	while ((e = readdir(d))) {
		unsigned long inode;
		ssize_t len;
		size_t i;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (i = 0; i < n && v[i].inode != inode; i++)
			;
		if (i < n)
			fn(&v[i], ctx);
	}
	closedir(d);
	free(v);
	return 0;
}

struct port_list {
	uint16_t *ports;
	size_t n, max;
};

static void listening(const struct tcp_sock *s, void *ctx)
{
	struct port_list *l = ctx;

	if (s->state == 0x0a && l->n < l->max)
		l->ports[l->n++] = s->lport;
}

size_t target__listen_ports(uint32_t pid, uint16_t *ports, size_t max)
{
	struct port_list l = {ports, 0, max};

	each_tcp_fd(pid, listening, &l);
	return l.n;
}
