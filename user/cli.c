// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Argument parsing with getopt_long, one option table per verb.  Numbers go
 * through strtoull/strtod with full-string and range checks; every error is
 * one line naming the option.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"

int pycost_verbose;

enum {
	OPT_PERIOD = 1000,
	OPT_METRIC,
	OPT_FORMAT,
	OPT_BY,
	OPT_PID,
	OPT_TOP,
	OPT_WINDOW,
	OPT_UWSGI,
	OPT_REQUESTS,
	OPT_SAMPLER,
	OPT_LABEL_ENV,
	OPT_COMMIT_FROM,
	OPT_USER_KEY,
	OPT_ROUTE,
	OPT_BACKEND,
	OPT_ENDPOINT,
	OPT_WHERE,
};

static const char overview[] =
    "Usage: pycost VERB [OPTION...]\n"
    "\n"
    "What each endpoint and each Python function of a live Python service costs,\n"
    "in CPU instructions (CPU time where the machine has no hardware counters),\n"
    "without touching it.\n"
    "\n"
    "Verbs:\n"
    "  record   sample running Python processes (or a command) into a capture\n"
    "  top      live view of a running service: endpoints and functions, every second\n"
    "  report   print a capture as a table, folded stacks, pprof, pstats, speedscope, JSON or "
    "HTML\n"
    "  info     show what pycost sees in a process: interpreter, version, layout, threads\n"
    "  help     help for a verb: pycost help record\n"
    "\n"
    "  -v, --verbose   more messages (-vv: libbpf too)\n"
    "  -V, --version   print the version\n"
    "\n"
    "Examples:\n"
    "  pycost record -p 1234 -d 10 -o run.pycost\n"
    "  pycost record -- python3 app.py\n"
    "  pycost record --uwsgi $(pgrep -o uwsgi) -d 30 -o api.pycost\n"
    "  pycost report api.pycost --by endpoint\n"
    "  pycost report run.pycost --top 20\n"
    "  pycost report run.pycost --format pprof -o run.pb.gz && go tool pprof -top run.pb.gz\n";

static const char record_help[] =
    "Usage: pycost record [-p PID[,PID...] | --uwsgi PID] [-d SECONDS] [-F HZ | --period N]\n"
    "                     [--metric auto|instructions|cycles|cpu] [--sampler auto|tick|perf]\n"
    "                     [-o FILE] [--requests auto|on|off] [--route 'METHOD /pattern']...\n"
    "                     [--user-key header:NAME|cookie:NAME] [--label-env PATTERN]...\n"
    "                     [--commit-from env:VAR|file:PATH|git] [-- COMMAND [ARG...]]\n"
    "\n"
    "Samples the Python stacks of every thread of the given processes (and of\n"
    "processes they fork) until -d elapses, Ctrl-C / SIGTERM arrives, or the\n"
    "command / every traced process exits.  The capture is complete in each case.\n"
    "\n"
    "  -p, --pid PID[,PID...]  processes to trace (any running CPython 3.8-3.14)\n"
    "  -d, --duration SECONDS  stop after this long (default: until stopped)\n"
    "  -F, --freq HZ           samples per second per CPU (default 99)\n"
    "      --period N          one sample every N events of the metric instead\n"
    "      --metric M          auto (default: instructions when a hardware counter\n"
    "                          opens, else cpu), instructions, cycles or cpu (ns)\n"
    "      --sampler S         what takes samples: auto (default: the timer tick when\n"
    "                          the metric is cpu and the rate at most the kernel's\n"
    "                          tick rate, CONFIG_HZ; else perf events), tick (no\n"
    "                          interrupt of its own) or perf (a sampling event per CPU)\n"
    "  -o, --output FILE       capture file (default pycost-YYYYmmdd-HHMMSS.pycost)\n"
    "  -- COMMAND [ARG...]     start COMMAND and trace it from its first instruction\n"
    "\n"
    "Web services (requests are cut from the socket syscalls in the kernel):\n"
    "      --uwsgi PID         a uWSGI master or worker: the master and every worker,\n"
    "                          including workers spawned during the capture (-p on a\n"
    "                          uWSGI or gunicorn process does the same)\n"
    "      --requests MODE     auto (default: on when a traced process listens on a\n"
    "                          socket), on, off\n"
    "      --route 'M /p/*'    name matching requests 'M /p/*' (* = one segment,\n"
    "                          ** = the rest; M may be *); first match wins\n"
    "      --user-key K        header:NAME or cookie:NAME: count active users (the\n"
    "                          identity is hashed with a per-capture key, never stored)\n"
    "      --label-env PAT     label processes with their environment variables whose\n"
    "                          names match PAT (fnmatch), e.g. 'FEATURE_*'\n"
    "      --commit-from SRC   env:VAR, file:PATH or git (default: GIT_COMMIT,\n"
    "                          SOURCE_VERSION, REVISION, then the app's git checkout)\n"
    "      --backend P=CLASS   time calls to peer port P as db, cache or other (known:\n"
    "                          5432, 3306 db; 11211, 6379 cache)\n"
    "\n"
    "Each sample weighs the thread's counter delta since its previous sample, so\n"
    "weights add up to the thread's measured cost.\n"
    "\n"
    "Examples:\n"
    "  pycost record -p 1234 -d 30\n"
    "  pycost record -p 1234,1240 -F 999 -o busy.pycost\n"
    "  pycost record --metric instructions --period 1000000 -- python3 bench.py\n"
    "  pycost record --uwsgi 4242 -d 60 --user-key cookie:sessionid -o api.pycost\n";

static const char report_help[] =
    "Usage: pycost report FILE [--format table|folded|pprof|pstats|speedscope|json|html]\n"
    "                     [-o OUT] [--by function|stack|endpoint|request] [--pid PID]\n"
    "                     [--endpoint 'GET /x/{n}'] [--where KEY=VALUE]... [--top N]\n"
    "\n"
    "  --format F    table (default), folded (flamegraph.pl, speedscope), pprof\n"
    "                (gzip'd profile.proto for go tool pprof), pstats (python -m pstats,\n"
    "                snakeviz), speedscope (JSON), json, html (one self-contained page:\n"
    "                endpoint table, flame graphs per endpoint, requests, cost and\n"
    "                latency over time)\n"
    "  -o, --output  write to OUT instead of standard output\n"
    "  --by B        function (default): functions by self cost; stack: whole stacks;\n"
    "                endpoint: per-endpoint requests, latency, cost, backend and GC time;\n"
    "                request: one JSON object per request\n"
    "  --pid PID     only samples of this process\n"
    "  --endpoint E  only samples taken inside requests of endpoint E; weights are\n"
    "                scaled so that they add up to E's measured cost\n"
    "  --where K=V   only processes whose label K is V (host, pid, worker, python,\n"
    "                commit, env.NAME) or requests with status V (status=500)\n"
    "  --top N       rows in tables (default 30 for table, all otherwise; 0 = all)\n"
    "\n"
    "Examples:\n"
    "  pycost report run.pycost\n"
    "  pycost report run.pycost --format folded | flamegraph.pl > run.svg\n"
    "  pycost report run.pycost --format pstats -o run.pstats && python3 -m pstats run.pstats\n"
    "  pycost report api.pycost --by endpoint --where commit=3f2a9c1\n"
    "  pycost report api.pycost --endpoint 'GET /users/{n}' --format folded\n"
    "  pycost report api.pycost --format html -o api.html\n";

static const char info_help[] =
    "Usage: pycost info -p PID\n"
    "\n"
    "Shows what pycost sees in a process: the interpreter file, Python\n"
    "version, where _PyRuntime is, how the struct layout was obtained\n"
    "and checked, and the process's threads.  Changes nothing.\n"
    "\n"
    "Example:\n"
    "  pycost info -p $(pgrep -f gunicorn | head -1)\n";

static const char top_help[] =
    "Usage: pycost top [--uwsgi PID | -p PID[,PID...]] [-F HZ] [--metric M]\n"
    "                  [--route 'METHOD /pattern']... [-d SECONDS] [--window SECONDS]\n"
    "\n"
    "Live view, refreshed every second: endpoints by cost (requests/s, latency,\n"
    "cost per request) over the last --window seconds (default 60), and the\n"
    "costliest functions over the same window.  q or Ctrl-C quits.\n"
    "\n"
    "Examples:\n"
    "  pycost top --uwsgi $(pgrep -o uwsgi)\n"
    "  pycost top -p $(pgrep -o gunicorn) --window 10\n";

int cli__help(FILE *f, const char *verb)
{
	if (!verb)
		fputs(overview, f);
	else if (!strcmp(verb, "record"))
		fputs(record_help, f);
	else if (!strcmp(verb, "report"))
		fputs(report_help, f);
	else if (!strcmp(verb, "info"))
		fputs(info_help, f);
	else if (!strcmp(verb, "top"))
		fputs(top_help, f);
	else if (!strcmp(verb, "help"))
		fputs(overview, f);
	else
		return -EINVAL;
	return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		elog("invalid %s '%s': expected an integer in %llu..%llu", opt, s,
		     (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_pids(const char *s, struct config *cfg)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (cfg->npids == CLI_MAX_PIDS) {
			elog("too many PIDs (at most %d)", CLI_MAX_PIDS);
			err = -EINVAL;
			break;
		}
		err = parse_u64("PID", tok, 1, 0x3fffffff, &v);
		if (!err)
			cfg->pids[cfg->npids++] = v;
	}
	free(copy);
	return err;
}

static const char *const metric_names[] = {
    [METRIC_AUTO] = "auto",
    [METRIC_INSTRUCTIONS] = "instructions",
    [METRIC_CYCLES] = "cycles",
    [METRIC_CPU] = "cpu",
};
static const char *const sampler_names[] = {
    [SAMPLER_AUTO] = "auto",
    [SAMPLER_TICK] = "tick",
    [SAMPLER_PERF] = "perf",
};
static const char *const requests_names[] = {
    [REQUESTS_AUTO] = "auto",
    [REQUESTS_ON] = "on",
    [REQUESTS_OFF] = "off",
};

/*
 * One of names[0..n-1] (names[i] naming the enum value i) into *out; else
 * says which were expected.
 */
static int parse_choice(const char *opt, const char *s, const char *const names[], size_t n,
			int *out)
{
	char expected[128] = "";
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 0;
		}
		len += snprintf(expected + len, sizeof(expected) - len, "%s%s",
				i == 0	    ? ""
				: i + 1 < n ? ", "
					    : " or ",
				names[i]);
		if (len >= sizeof(expected))
			len = sizeof(expected) - 1;
	}
	elog("invalid %s '%s': expected %s", opt, s, expected);
	return -EINVAL;
}

/* --backend PORT=db|cache|other */
static int parse_backend(const char *s, struct config *cfg)
{
	static const char *const kinds[] = {"db", "cache", "other"};
	const char *eq = strchr(s, '=');
	char port[16];
	uint64_t v;

	if (!eq || eq - s >= (int)sizeof(port)) {
		elog("invalid --backend '%s': expected PORT=db|cache|other", s);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%.*s", (int)(eq - s), s);
	if (parse_u64("--backend port", port, 1, 65535, &v))
		return -EINVAL;
	if (cfg->nbackends == ARRAY_SIZE(cfg->backends)) {
		elog("too many --backend (at most %zu)", ARRAY_SIZE(cfg->backends));
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(eq + 1, kinds[i]))
			continue;
		cfg->backends[cfg->nbackends].port = v;
		cfg->backends[cfg->nbackends++].kind = PYCOST_FD_DB + i;
		return 0;
	}
	elog("invalid --backend '%s': the class is db, cache or other", s);
	return -EINVAL;
}

static int parse_record(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"duration", required_argument, NULL, 'd'},
	    {"freq", required_argument, NULL, 'F'},
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {"metric", required_argument, NULL, OPT_METRIC},
	    {"output", required_argument, NULL, 'o'},
	    {"uwsgi", required_argument, NULL, OPT_UWSGI},
	    {"requests", required_argument, NULL, OPT_REQUESTS},
	    {"sampler", required_argument, NULL, OPT_SAMPLER},
	    {"label-env", required_argument, NULL, OPT_LABEL_ENV},
	    {"commit-from", required_argument, NULL, OPT_COMMIT_FROM},
	    {"user-key", required_argument, NULL, OPT_USER_KEY},
	    {"route", required_argument, NULL, OPT_ROUTE},
	    {"backend", required_argument, NULL, OPT_BACKEND},
	    {"window", required_argument, NULL, OPT_WINDOW},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c, choice, have_freq = 0;

	while ((c = getopt_long(argc, argv, "+p:d:F:o:vh", opts, NULL)) != -1) {
		char *end;
		uint64_t v;

		switch (c) {
		case 'p':
			if (parse_pids(optarg, cfg))
				return -EINVAL;
			break;
		case 'd':
			errno = 0;
			cfg->duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(cfg->duration) ||
			    cfg->duration <= 0 || cfg->duration > 31536000) {
				elog("invalid --duration '%s': expected seconds > 0", optarg);
				return -EINVAL;
			}
			break;
		case 'F':
			if (parse_u64("--freq", optarg, 1, 100000, &v))
				return -EINVAL;
			cfg->freq = v;
			have_freq = 1;
			break;
		case OPT_PERIOD:
			if (parse_u64("--period", optarg, 1000, UINT64_MAX >> 2, &v))
				return -EINVAL;
			cfg->period = v;
			break;
		case OPT_METRIC:
			if (parse_choice("--metric", optarg, metric_names, ARRAY_SIZE(metric_names),
					 &choice))
				return -EINVAL;
			cfg->metric = choice;
			break;
		case 'o':
			cfg->output = optarg;
			break;
		case OPT_UWSGI:
			if (parse_pids(optarg, cfg))
				return -EINVAL;
			cfg->uwsgi = 1;
			break;
		case OPT_SAMPLER:
			if (parse_choice("--sampler", optarg, sampler_names,
					 ARRAY_SIZE(sampler_names), &choice))
				return -EINVAL;
			cfg->sampler = choice;
			break;
		case OPT_REQUESTS:
			if (parse_choice("--requests", optarg, requests_names,
					 ARRAY_SIZE(requests_names), &choice))
				return -EINVAL;
			cfg->requests = choice;
			break;
		case OPT_LABEL_ENV:
			if (cfg->nlabel_env == CLI_MAX_LABEL_ENV) {
				elog("too many --label-env (at most %d)", CLI_MAX_LABEL_ENV);
				return -EINVAL;
			}
			cfg->label_env[cfg->nlabel_env++] = optarg;
			break;
		case OPT_COMMIT_FROM:
			if (strncmp(optarg, "env:", 4) && strncmp(optarg, "file:", 5) &&
			    strcmp(optarg, "git")) {
				elog("invalid --commit-from '%s': expected env:VAR, file:PATH or "
				     "git",
				     optarg);
				return -EINVAL;
			}
			cfg->commit_from = optarg;
			break;
		case OPT_USER_KEY:
			if (http__parse_user_key(optarg, &cfg->http)) {
				elog("invalid --user-key '%s': expected header:NAME or cookie:NAME",
				     optarg);
				return -EINVAL;
			}
			break;
		case OPT_ROUTE:
			if (cfg->http.nroutes == HTTP_MAX_ROUTES) {
				elog("too many --route (at most %d)", HTTP_MAX_ROUTES);
				return -EINVAL;
			}
			if (http__parse_route(optarg, &cfg->routes[cfg->http.nroutes])) {
				elog("invalid --route '%s': expected 'METHOD /pattern'", optarg);
				return -EINVAL;
			}
			cfg->http.nroutes++;
			break;
		case OPT_BACKEND:
			if (parse_backend(optarg, cfg))
				return -EINVAL;
			break;
		case OPT_WINDOW:
			if (cfg->verb != VERB_TOP) {
				elog("--window is an option of top (record keeps every request)");
				return -EINVAL;
			}
			if (parse_u64("--window", optarg, 1, 86400, &v))
				return -EINVAL;
			cfg->window = v;
			break;
		case 'v':
			pycost_verbose++;
			break;
		case 'h':
			cfg->help_verb = cfg->verb == VERB_TOP ? "top" : "record";
			cfg->verb = VERB_HELP;
			return 0;
		default:
			elog("invalid option (see: pycost help %s)",
			     cfg->verb == VERB_TOP ? "top" : "record");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		/* getopt stops at "--" and at the first operand */
		if (!strcmp(argv[optind - 1], "--"))
			cfg->command = &argv[optind];
		else {
			elog("unexpected argument '%s' (a command goes after --)", argv[optind]);
			return -EINVAL;
		}
	}
	if (have_freq && cfg->period) {
		elog("-F and --period exclude each other");
		return -EINVAL;
	}
	cfg->http.routes = cfg->routes;
	if (!cfg->npids && !cfg->command) {
		elog("nothing to record: give -p PID, --uwsgi PID or -- COMMAND");
		return -EINVAL;
	}
	if (cfg->npids && cfg->command) {
		elog("-p and a COMMAND exclude each other");
		return -EINVAL;
	}
	return 0;
}

static int parse_report(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"by", required_argument, NULL, OPT_BY},
	    {"pid", required_argument, NULL, OPT_PID},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
	    {"where", required_argument, NULL, OPT_WHERE},
	    {"output", required_argument, NULL, 'o'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c, have_top = 0;

	while ((c = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case OPT_FORMAT:
			if (report__parse_format(optarg, &cfg->report.format)) {
				elog(
				    "invalid --format '%s': expected table, folded, pprof, pstats, "
				    "speedscope, json or html",
				    optarg);
				return -EINVAL;
			}
			break;
		case OPT_BY:
			if (report__parse_by(optarg, &cfg->report.by)) {
				elog("invalid --by '%s': expected function, stack, endpoint or "
				     "request",
				     optarg);
				return -EINVAL;
			}
			break;
		case OPT_ENDPOINT:
			cfg->endpoint = optarg;
			break;
		case OPT_WHERE:
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				elog("invalid --where '%s': expected KEY=VALUE", optarg);
				return -EINVAL;
			}
			if (cfg->nwhere == CLI_MAX_WHERE) {
				elog("too many --where (at most %d)", CLI_MAX_WHERE);
				return -EINVAL;
			}
			cfg->where[cfg->nwhere++] = optarg;
			break;
		case OPT_PID:
			if (parse_u64("--pid", optarg, 1, 0x3fffffff, &v))
				return -EINVAL;
			cfg->pid_filter = v;
			break;
		case OPT_TOP:
			if (parse_u64("--top", optarg, 0, 1000000, &v))
				return -EINVAL;
			cfg->report.top = v;
			have_top = 1;
			break;
		case 'o':
			cfg->output = optarg;
			break;
		case 'v':
			pycost_verbose++;
			break;
		case 'h':
			cfg->verb = VERB_HELP;
			cfg->help_verb = "report";
			return 0;
		default:
			elog("invalid option for report (see: pycost help report)");
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			elog("report needs a capture FILE");
		else
			elog("report takes one capture FILE");
		return -EINVAL;
	}
	cfg->input = argv[optind];
	if (!have_top && cfg->report.format == REPORT_TABLE)
		cfg->report.top = 30;
	return 0;
}

static int parse_info(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pids(optarg, cfg))
				return -EINVAL;
			break;
		case 'v':
			pycost_verbose++;
			break;
		case 'h':
			cfg->verb = VERB_HELP;
			cfg->help_verb = "info";
			return 0;
		default:
			elog("invalid option for info (see: pycost help info)");
			return -EINVAL;
		}
	}
	if (cfg->npids != 1 || optind != argc) {
		elog("info needs exactly one -p PID");
		return -EINVAL;
	}
	return 0;
}

int cli__parse(int argc, char **argv, struct config *cfg)
{
	const char *verb;

	memset(cfg, 0, sizeof(*cfg));
	cfg->freq = 99;
	cfg->metric = METRIC_AUTO;
	cfg->report.format = REPORT_TABLE;
	cfg->report.by = REPORT_BY_FUNCTION;
	/* global flags before the verb */
	while (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "-vv") ||
			    !strcmp(argv[1], "--verbose"))) {
		pycost_verbose += !strcmp(argv[1], "-vv") ? 2 : 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		cfg->verb = VERB_HELP;
		return 0;
	}
	verb = argv[1];
	optind = 1;
	if (!strcmp(verb, "-V") || !strcmp(verb, "--version") || !strcmp(verb, "version")) {
		cfg->verb = VERB_VERSION;
		return 0;
	}
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
		cfg->verb = VERB_HELP;
		cfg->help_verb = argc > 2 ? argv[2] : NULL;
		return 0;
	}
	if (!strcmp(verb, "record")) {
		cfg->verb = VERB_RECORD;
		return parse_record(argc - 1, argv + 1, cfg);
	}
	if (!strcmp(verb, "top")) {
		cfg->verb = VERB_TOP;
		cfg->requests = REQUESTS_AUTO;
		cfg->window = 60;
		return parse_record(argc - 1, argv + 1, cfg);
	}
	if (!strcmp(verb, "report")) {
		cfg->verb = VERB_REPORT;
		return parse_report(argc - 1, argv + 1, cfg);
	}
	if (!strcmp(verb, "info")) {
		cfg->verb = VERB_INFO;
		return parse_info(argc - 1, argv + 1, cfg);
	}
	elog("unknown verb '%s' (see: pycost help)", verb);
	return -EINVAL;
}
