/* `verdict audit`: score a samples file from the command line and print the
 * audit table (or the report JSON). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit_options.h"
#include "cli/commands.h"
#include "report/html.h"
#include "report/report.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: verdict audit [options] SAMPLES\n"
		"Score a samples file (lm-eval samples_*.jsonl, evalplus samples or eval_results.json,\n"
		"LiveCodeBench output, plain JSONL {task_id, completion}) in the jail and print pass@k with\n"
		"the audits (empty, fenced, completion length percentiles, verbatim canonical solutions;\n"
		"HumanEval+: pass@1 on the base tests alone beside base+plus, and the drop).\n\n"
		"  --json               print the report as JSON (docs/schema.md)\n"
		"  --explain            print every sample's verdict and extracted program (with --json: add\n"
		"                       each raw completion and program to its record)\n"
		"  --html FILE          also write the report as one self-contained HTML page (\"-\": stdout):\n"
		"                       figures, charts, and every sample with its completion and program\n"
		"  --no-exec            audits only: run nothing\n" AUDIT_OPTIONS_HELP
		"\nExit status: 0 scored, 1 scored but incomplete (sandbox errors, invalid samples or skipped\n"
		"lines), 2 usage or input error.\n");
}

int cmd_audit(int argc, char **argv)
{
	struct audit_options ao;
	audit_options_init(&ao);
	bool json = false, explain = false;
	const char *html_path = NULL;
	static const struct option longopts[] = {
		AUDIT_LONG_OPTIONS,
		{ "json", no_argument, NULL, 'J' },
		{ "explain", no_argument, NULL, 'E' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int key;
	optind = 1;
	while ((key = getopt_long(argc, argv, AUDIT_SHORT_OPTIONS "h", longopts, NULL)) != -1) {
		int rc = audit_options_parse(&ao, key, optarg, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "verdict audit: %s\n", err);
			return 2;
		}
		if (rc == 1)
			continue;
		switch (key) {
		case 'J':
			json = true;
			break;
		case 'E':
			explain = true;
			ao.so.keep_programs = true;
			break;
		case 'H':
			html_path = optarg;
			ao.so.keep_programs = true; /* the page shows what ran */
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	bool html_stdout = html_path && strcmp(html_path, "-") == 0;
	if (html_stdout && json) {
		fprintf(stderr, "verdict audit: --json and --html - would both write to stdout\n");
		return 2;
	}
	const char *samples_path = argv[optind];
	audit_options_finish(&ao);

	struct audit_session session;
	if (audit_session_open(&session, &ao, "verdict audit", err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict audit: %s\n", err);
		return 2;
	}
	session.progress = session.progress && !json && !html_stdout;
	struct sample_set set;
	if (audit_session_load(&session, samples_path, &set, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict audit: %s\n", err);
		audit_session_close(&session);
		return 2;
	}
	struct score_report rep;
	if (audit_session_score(&session, samples_path, &set, &rep, err, sizeof(err)) < 0) {
		fprintf(stderr, "verdict audit: %s\n", err);
		samples_free(&set);
		audit_session_close(&session);
		return 2;
	}
	struct report_context ctx = {
		.source = samples_path, .ds = session.ds, .set = &set, .jail = audit_session_jail(&session),
		.opts = &ao.so, .include_programs = explain, .include_completions = explain,
	};
	int status = rep.complete ? 0 : 1;
	if (html_path || json) {
		/* One report object for the page and the JSON, so that both carry
		 * the same figures (and the same `created`): the page shows every
		 * text, the JSON only those --explain asks for. */
		struct report_context all = ctx;
		all.include_programs = all.include_completions = html_path != NULL || explain;
		cJSON *j = report_json(&all, &rep);
		if (!j) {
			fprintf(stderr, "verdict audit: out of memory\n");
			status = 2;
		} else if (html_path && html_audit_write(html_path, j, err, sizeof(err)) < 0) {
			fprintf(stderr, "verdict audit: %s\n", err);
			status = 2;
		} else if (json) {
			if (!explain)
				report_json_drop_texts(j);
			char *text = cJSON_PrintUnformatted(j);
			if (text)
				printf("%s\n", text);
			free(text);
		}
		cJSON_Delete(j);
	}
	if (!json && !html_stdout && status != 2) {
		if (explain)
			report_print_explain(stdout, &ctx, &rep);
		report_print_table(stdout, &ctx, &rep);
	}
	score_report_free(&rep);
	samples_free(&set);
	audit_session_close(&session);
	return status;
}
