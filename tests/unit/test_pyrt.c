// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Interpreter discovery on real processes: Debian's static python3.11,
 * every pyenv build found (shared libpython), and refusals for a process
 * that is not Python.  Needs permission to read other processes' memory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pyrt.h"

static pid_t start(const char *exe, char *const argv[])
{
	pid_t pid = fork();

	if (!pid) {
		execv(exe, argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void probe_python(const char *exe, unsigned int minor)
{
	char *argv[] = {(char *)exe, "-c", "import time; time.sleep(30)", NULL};
	struct pyrt_info info;
	char why[256] = "", want[16];
	pid_t pid = start(exe, argv);
	int err = -1;

	/* the interpreter maps and relocates within a few ms of exec */
	for (int i = 0; i < 100 && err; i++) {
		usleep(20000);
		err = pyrt__probe(pid, NULL, &info, why, sizeof(why));
	}
	stop(pid);
	if (err == -EPERM)
		cr_skip_test("skipped: not allowed to read other processes");
	cr_assert_eq(err, 0, "%s: %s", exe, why);
	snprintf(want, sizeof(want), "3.%u", minor);
	cr_expect_eq((info.version_hex >> 16) & 0xff, minor, "%s", exe);
	cr_expect(!strncmp(info.version, want, strlen(want)), "%s: %s", exe, info.version);
	cr_expect(strstr(info.layout_source, "checked against PyCode_Type"));
	cr_expect_neq(info.runtime, 0);
}

Test(pyrt, debian_python311)
{
	if (access("/usr/bin/python3.11", X_OK))
		cr_skip_test("skipped: /usr/bin/python3.11 not installed");
	probe_python("/usr/bin/python3.11", 11);
}

Test(pyrt, pyenv_builds)
{
	int found = 0;

	for (unsigned int minor = 8; minor <= 13; minor++) {
		char pat[128];
		glob_t g;

		snprintf(pat, sizeof(pat), "/root/.pyenv/versions/3.%u.*/bin/python3.%u", minor,
			 minor);
		if (glob(pat, 0, NULL, &g))
			continue;
		probe_python(g.gl_pathv[0], minor);
		found++;
		globfree(&g);
	}
	if (!found)
		cr_skip_test("skipped: no pyenv interpreters installed");
}

Test(pyrt, not_python)
{
	char *argv[] = {"/bin/sleep", "30", NULL};
	struct pyrt_info info;
	char why[256] = "";
	pid_t pid = start("/bin/sleep", argv);
	int err;

	usleep(50000);
	err = pyrt__probe(pid, NULL, &info, why, sizeof(why));
	stop(pid);
	cr_expect_eq(err, -ENOENT, "%d %s", err, why);
	cr_expect(strstr(why, "no Python runtime"), "%s", why);
	cr_expect(strstr(why, "sleep"), "%s", why);
}

/*
 * A cache skips, on a second probe, every file the first found without a
 * runtime, and still finds the interpreter of a Python process that maps
 * the same C library.
 */
Test(pyrt, cache)
{
	char *sleep_argv[] = {"/bin/sleep", "30", NULL};
	char *py_argv[] = {"/usr/bin/python3.11", "-c", "import time; time.sleep(30)", NULL};
	struct pyrt_cache *c = pyrt_cache__new();
	struct pyrt_info info;
	char why[256] = "", why2[256] = "";
	pid_t pid = start("/bin/sleep", sleep_argv);
	size_t first;
	int err, err2;

	cr_assert_not_null(c);
	usleep(50000);
	err = pyrt__probe(pid, c, &info, why, sizeof(why));
	if (err == -EPERM) {
		stop(pid);
		pyrt_cache__free(c);
		cr_skip_test("skipped: not allowed to read other processes");
	}
	cr_expect_eq(pyrt_cache__skipped(c), 0);
	err2 = pyrt__probe(pid, c, &info, why2, sizeof(why2));
	first = pyrt_cache__skipped(c);
	stop(pid);
	cr_expect_eq(err, -ENOENT, "%d %s", err, why);
	cr_expect_eq(err2, -ENOENT, "%d %s", err2, why2);
	cr_expect_str_eq(why, why2);
	cr_expect_gt(first, 0);

	if (access(py_argv[0], X_OK)) {
		pyrt_cache__free(c);
		cr_skip_test("skipped: %s is not installed", py_argv[0]);
	}
	pid = start(py_argv[0], py_argv);
	err = -1;
	for (int i = 0; i < 100 && err; i++) {
		usleep(20000);
		err = pyrt__probe(pid, c, &info, why, sizeof(why));
	}
	/* probed again with what the first probe left in the cache */
	err2 = pyrt__probe(pid, c, &info, why2, sizeof(why2));
	stop(pid);
	cr_expect_eq(err, 0, "%s", why);
	cr_expect_eq(err2, 0, "%s", why2);
	pyrt_cache__free(c);
}

Test(pyrt, version_format)
{
	char b[32];

	pyrt__format_version(0x030b02f0, b, sizeof(b));
	cr_expect_str_eq(b, "3.11.2");
	pyrt__format_version(0x030f00a2, b, sizeof(b));
	cr_expect_str_eq(b, "3.15.0a2");
}
