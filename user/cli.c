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
};

static const char overview[] =
	"Usage: pycost VERB [OPTION...]\n"
	"\n"
	"What each Python function of a live process costs, in CPU instructions\n"
	"(CPU time where the machine has no hardware counters), without touching it.\n"
	"\n"
	"Verbs:\n"
	"  record   sample running Python processes (or a command) into a capture\n"
	"  report   print a capture as a table, folded stacks, pprof, pstats, speedscope or JSON\n"
	"  info     show what pycost sees in a process: interpreter, version, layout, threads\n"
	"  help     help for a verb: pycost help record\n"
	"\n"
	"  -v, --verbose   more messages (-vv: libbpf too)\n"
	"  -V, --version   print the version\n"
	"\n"
	"Examples:\n"
	"  pycost record -p 1234 -d 10 -o run.pycost\n"
	"  pycost record -- python3 app.py\n"
	"  pycost report run.pycost --top 20\n"
	"  pycost report run.pycost --format pprof -o run.pb.gz && go tool pprof -top run.pb.gz\n";

static const char record_help[] =
	"Usage: pycost record [-p PID[,PID...]] [-d SECONDS] [-F HZ | --period N]\n"
	"                     [--metric auto|instructions|cycles|cpu] [-o FILE] [-- COMMAND [ARG...]]\n"
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
	"  -o, --output FILE       capture file (default pycost-YYYYmmdd-HHMMSS.pycost)\n"
	"  -- COMMAND [ARG...]     start COMMAND and trace it from its first instruction\n"
	"\n"
	"Each sample weighs the thread's counter delta since its previous sample, so\n"
	"weights add up to the thread's measured cost.\n"
	"\n"
	"Examples:\n"
	"  pycost record -p 1234 -d 30\n"
	"  pycost record -p 1234,1240 -F 999 -o busy.pycost\n"
	"  pycost record --metric instructions --period 1000000 -- python3 bench.py\n";

static const char report_help[] =
	"Usage: pycost report FILE [--format table|folded|pprof|pstats|speedscope|json]\n"
	"                     [-o OUT] [--by function|stack] [--pid PID] [--top N]\n"
	"\n"
	"  --format F    table (default), folded (flamegraph.pl, speedscope), pprof\n"
	"                (gzip'd profile.proto for go tool pprof), pstats (python -m pstats,\n"
	"                snakeviz), speedscope (JSON), json\n"
	"  -o, --output  write to OUT instead of standard output\n"
	"  --by B        function (default): functions by self cost; stack: whole stacks\n"
	"  --pid PID     only samples of this process\n"
	"  --top N       rows in tables (default 30 for table, all otherwise; 0 = all)\n"
	"\n"
	"Examples:\n"
	"  pycost report run.pycost\n"
	"  pycost report run.pycost --format folded | flamegraph.pl > run.svg\n"
	"  pycost report run.pycost --format pstats -o run.pstats && python3 -m pstats run.pstats\n";

static const char info_help[] = "Usage: pycost info -p PID\n"
				"\n"
				"Shows what pycost sees in a process: the interpreter file, Python\n"
				"version, where _PyRuntime is, how the struct layout was obtained\n"
				"and checked, and the process's threads.  Changes nothing.\n"
				"\n"
				"Example:\n"
				"  pycost info -p $(pgrep -f gunicorn | head -1)\n";

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

static int parse_metric(const char *s, enum metric *m)
{
	static const struct {
		const char *name;
		enum metric m;
	} t[] = {{"auto", METRIC_AUTO},
		 {"instructions", METRIC_INSTRUCTIONS},
		 {"cycles", METRIC_CYCLES},
		 {"cpu", METRIC_CPU}};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcmp(s, t[i].name)) {
			*m = t[i].m;
			return 0;
		}
	}
	elog("invalid --metric '%s': expected auto, instructions, cycles or cpu", s);
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
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c, have_freq = 0;

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
			if (parse_metric(optarg, &cfg->metric))
				return -EINVAL;
			break;
		case 'o':
			cfg->output = optarg;
			break;
		case 'v':
			pycost_verbose++;
			break;
		case 'h':
			cfg->verb = VERB_HELP;
			cfg->help_verb = "record";
			return 0;
		default:
			elog("invalid option for record (see: pycost help record)");
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
	if (!cfg->npids && !cfg->command) {
		elog("nothing to record: give -p PID or -- COMMAND (see: pycost help record)");
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
				elog("invalid --format '%s': expected table, folded, pprof, pstats, "
				     "speedscope or json",
				     optarg);
				return -EINVAL;
			}
			break;
		case OPT_BY:
			if (report__parse_by(optarg, &cfg->report.by)) {
				elog("invalid --by '%s': expected function or stack", optarg);
				return -EINVAL;
			}
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
