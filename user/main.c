// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * pycost: what each Python function of a live process costs, from outside
 * the process.  main() parses and dispatches; each verb lives in its module.
 */
#include <stdio.h>

#include "cli.h"
#include "common.h"
#include "verbs.h"

int main(int argc, char **argv)
{
	struct config cfg;

	if (cli__parse(argc, argv, &cfg))
		return PYCOST_EXIT_USAGE;
	switch (cfg.verb) {
	case VERB_RECORD:
	case VERB_TOP:
		return record__run(&cfg);
	case VERB_REPORT:
		return report__run(&cfg);
	case VERB_INFO:
		return info__run(&cfg);
	case VERB_VERSION:
		printf("pycost %s\n", PYCOST_VERSION);
		return 0;
	case VERB_HELP:
	default:
		if (cli__help(stdout, cfg.help_verb)) {
			elog("no help for unknown verb '%s'", cfg.help_verb);
			return PYCOST_EXIT_USAGE;
		}
		return 0;
	}
}
