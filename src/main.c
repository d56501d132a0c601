/* verdict: a sandboxed code-execution scorer for LLM code benchmarks.
 * This file only dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: verdict COMMAND [options]\n\n"
		   "Commands:\n"
		   "  check      report the isolation layers available and active on this host\n"
		   "  run        run one Python file in the jail and print the result as JSON\n"
		   "  audit      score a samples file and print pass@k with the audits\n"
		   "  compare    compare runs on the same problems with paired statistics\n"
		   "  calibrate  list the tasks of a dataset no solution can pass under the limits\n"
		   "  report     render a saved report (audit --json, POST /score) as an HTML page\n"
		   "  serve      score samples over HTTP (POST /score; docs/api.md)\n"
		   "  version    print the version\n"
		   "\n`verdict COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "compare") == 0)
		return cmd_compare(argc - 1, argv + 1);
	if (strcmp(cmd, "calibrate") == 0)
		return cmd_calibrate(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("verdict %s\n", VERDICT_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "verdict: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
