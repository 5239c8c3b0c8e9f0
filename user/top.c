// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Live view rendering.  It reuses the report writers on the recorder's
 * in-memory profile, so `top` shows exactly what `report` would show of a
 * capture taken now.
 */
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "report.h"
#include "top.h"

static struct termios saved;
static int saved_ok;

void top__begin(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
		return;
	saved_ok = 1;
	t = saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

void top__end(void)
{
	if (saved_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	saved_ok = 0;
}

int top__quit_requested(void)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	char c;

	while (saved_ok && poll(&pfd, 1, 0) == 1 && read(STDIN_FILENO, &c, 1) == 1)
		if (c == 'q' || c == 'Q')
			return 1;
	return 0;
}

void top__draw(const struct profile *p, double elapsed, double window, FILE *out)
{
	struct report_opts ep = {REPORT_TABLE, REPORT_BY_ENDPOINT, 10};
	struct report_opts fn = {REPORT_TABLE, REPORT_BY_FUNCTION, 15};

	/* home and clear: one frame per second, no scrolling */
	fputs("\033[H\033[J", out);
	fprintf(out,
		"pycost top  %.0fs  endpoints: last %.0fs, functions: since start  (q quits)\n\n",
		elapsed, elapsed < window ? elapsed : window);
	if (p->nrequests)
		report__write(p, &ep, out);
	else
		report__write(p, &fn, out);
	if (p->nrequests) {
		fputc('\n', out);
		report_functions_table(p, &fn, out);
	}
	fflush(out);
}
