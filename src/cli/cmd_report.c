/* `verdict report`: render a saved report (`verdict audit --json`, a POST
 * /score response) without re-running anything. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "input/report_load.h"
#include "report/html.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: verdict report REPORT.json --html FILE\n"
		   "Render a report saved from `verdict audit --json` (with --explain it holds the completions and\n"
		   "programs the page shows) or returned by POST /score (with \"include_programs\": true) as one\n"
		   "self-contained HTML page: no network is needed to view it. Nothing is re-run.\n\n"
		   "  --html FILE   write the page to FILE (\"-\": stdout); REPORT may be .gz or \"-\" (stdin)\n"
		   "\nExit status: 0 written, 2 usage error, unreadable report or write error.\n");
}

int cmd_report(int argc, char **argv)
{
	const char *html_path = NULL;
	static const struct option longopts[] = {
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (key) {
		case 'H':
			html_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !html_path) {
		if (!html_path)
			fprintf(stderr, "verdict report: --html FILE is required (the only output for now)\n");
		usage(stderr);
		return 2;
	}
	char err[512];
	cJSON *rep = NULL;
	if (report_load(argv[optind], &rep, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict report: %s\n", err);
		return 2;
	}
	int rc = html_audit_write(html_path, rep, err, sizeof(err));
	cJSON_Delete(rep);
	if (rc < 0) {
		fprintf(stderr, "verdict report: %s\n", err);
		return 2;
	}
	return 0;
}
