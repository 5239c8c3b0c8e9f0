/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Command line: verbs, options, defaults and help text.  Parsing fills a
 * struct config; cross-option checks happen here so that every verb gets
 * validated input.
 */
#ifndef PYCOST_CLI_H
#define PYCOST_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "http.h"
#include "report.h"
#include "session.h"

enum verb {
	VERB_NONE,
	VERB_RECORD,
	VERB_REPORT,
	VERB_INFO,
	VERB_TOP,
	VERB_HELP,
	VERB_VERSION,
};

#define CLI_MAX_PIDS	  256
#define CLI_MAX_LABEL_ENV 32
#define CLI_MAX_WHERE	  16

enum requests_mode {
	REQUESTS_AUTO, /* on when a traced process listens on a socket */
	REQUESTS_ON,
	REQUESTS_OFF,
};

struct config {
	enum verb verb;
	/* record */
	uint32_t pids[CLI_MAX_PIDS];
	size_t npids;
	double duration; /* seconds; 0 = until stopped */
	double window;	 /* top: seconds of requests in the endpoint table */
	uint64_t freq;	 /* Hz */
	uint64_t period; /* metric events per sample; 0 = use freq */
	enum metric metric;
	enum sampler sampler;
	const char *output; /* record: capture path; report: output path (NULL = stdout) */
	char **command;	    /* NULL-terminated argv after "--" */
	int uwsgi;	    /* --uwsgi: the PID must be a uWSGI master or worker */
	enum requests_mode requests;
	const char *label_env[CLI_MAX_LABEL_ENV]; /* fnmatch patterns of variable names */
	size_t nlabel_env;
	const char *commit_from; /* env:VAR, file:PATH or git; NULL = defaults */
	struct backend_port {
		uint16_t port;
		uint32_t kind; /* enum pycost_fd_kind */
	} backends[64];	       /* --backend PORT=db|cache|other */
	size_t nbackends;
	struct http_route routes[HTTP_MAX_ROUTES];
	struct http_opts http; /* user key; routes point into routes[] */
	/* report */
	const char *input;
	struct report_opts report;
	uint32_t pid_filter;		  /* 0 = all */
	const char *endpoint;		  /* --endpoint: only samples inside its requests */
	const char *where[CLI_MAX_WHERE]; /* KEY=VALUE label filters */
	size_t nwhere;
	/* help */
	const char *help_verb;
};

/*
 * Parses argv.  Returns 0, or -EINVAL after printing one line on stderr
 * (the caller exits with status 2).
 */
int cli__parse(int argc, char **argv, struct config *cfg);

/* Prints help for verb (NULL: overview) to f. -EINVAL for an unknown verb. */
int cli__help(FILE *f, const char *verb);

#endif /* PYCOST_CLI_H */
