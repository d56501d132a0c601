/* The audit table and the report JSON (see report.h, docs/schema.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/text.h"
#include "report/plus_drop.h"
#include "report/report.h"
#include "score/jail_json.h"

void report_bench_label(const struct report_context *c, const struct score_report *r, char *buf, size_t n)
{
	if (c->ds)
		dataset_label(c->ds, buf, n);
	else
		snprintf(buf, n, "%s-%zu", benchmark_label(r->bench), r->n_tasks);
}

static void verbatim_text(const struct audit *a, char *buf, size_t n)
{
	if (!a->verbatim_available || a->verbatim_n == 0)
		snprintf(buf, n, "n/a (no canonical solution)");
	else
		snprintf(buf, n, "%.1f%% (%zu/%zu)", 100.0 * (double)a->verbatim / (double)a->verbatim_n, a->verbatim,
			 a->verbatim_n);
}

void report_print_table(FILE *f, const struct report_context *c, const struct score_report *r)
{
	char label[128], verb[64];
	report_bench_label(c, r, label, sizeof(label));
	verbatim_text(&r->audit, verb, sizeof(verb));
	const struct audit *a = &r->audit;
	double score = r->n_passk ? r->passk[0].value : 0;
	fprintf(f, "| Bench | n | score | empty | fenced | chars p10/p50/p90 | verbatim-canonical-in-gen |\n");
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	if (r->executed)
		fprintf(f, "| %s | %zu | %.4f | %zu | %zu | %zu / %zu / %zu | %s |\n", label, a->n, score, a->empty,
			a->fenced, a->chars_p10, a->chars_p50, a->chars_p90, verb);
	else
		fprintf(f, "| %s | %zu | not run | %zu | %zu | %zu / %zu / %zu | %s |\n", label, a->n, a->empty, a->fenced,
			a->chars_p10, a->chars_p50, a->chars_p90, verb);
	if (r->per_input_limits)
		fprintf(f, "\nprofile %s, isolation %s, limits per input max(1 s, 4 x the canonical time) of CPU "
			   "(wall 3x), 4096 MiB\n",
			profile_name(r->profile), jail_level_name(r->level));
	else
		fprintf(f, "\nprofile %s, isolation %s, limits %.1f s CPU%s (wall %.1f s), %llu MiB\n",
			profile_name(r->profile), jail_level_name(r->level), r->cpu_limit_ms / 1000.0,
			r->bench == BENCH_LIVECODEBENCH ? " per test" : "", r->wall_limit_ms / 1000.0,
			(unsigned long long)(r->memory_bytes >> 20));
	if (r->executed) {
		fprintf(f, "pass@k:");
		for (size_t k = 0; k < r->n_passk; k++) {
			const struct passk_value *p = &r->passk[k];
			if (p->tasks_computable == p->tasks_total)
				fprintf(f, " pass@%zu %.4f", p->k, p->value);
			else if (p->tasks_computable)
				fprintf(f, " pass@%zu %.4f (over %zu of %zu tasks; the others have fewer than %zu samples)",
					p->k, p->value, p->tasks_computable, p->tasks_total, p->k);
			else
				fprintf(f, " pass@%zu not computable (no task has %zu samples)", p->k, p->k);
		}
		fprintf(f, "\nstatuses:");
		for (int s = 0; s < ST_COUNT; s++)
			if (r->counts[s])
				fprintf(f, " %s %zu", sample_status_name((enum sample_status)s), r->counts[s]);
		fprintf(f, "\n");
		report_harness_line(f, r);
		struct plus_drop drop;
		if (plus_drop_from_score(r, c->set, &drop) == 0 && drop.available && drop.tasks) {
			fprintf(f, "HumanEval+ ");
			plus_drop_print(f, &drop);
		}
		plus_drop_free(&drop);
	}
	fprintf(f, "audit: from_reasoning %zu, truncated_reasoning %zu, unterminated_fence %zu, no_code %zu",
		a->from_reasoning, a->truncated_reasoning, a->unterminated_fence, a->no_code);
	if (r->executed)
		fprintf(f, ", verdicts changed by reasoning handling %zu, flaky %zu, forged %zu", r->reasoning_changed,
			r->flaky, r->forged);
	fprintf(f, "\n");
	for (int dim = 0; dim < 2 && r->n_groups && r->executed; dim++) {
		const char *name = dim ? "platform" : "difficulty";
		fprintf(f, "by %s:", name);
		for (size_t g = 0; g < r->n_groups; g++)
			if (strcmp(r->groups[g].dimension, name) == 0)
				fprintf(f, " %s %.4f (%zu)", r->groups[g].value,
					r->groups[g].pass_sum / (double)r->groups[g].n_tasks, r->groups[g].n_tasks);
		fprintf(f, "\n");
	}
	if (r->executed)
		fprintf(f, "cost: %llu jailed run(s), programs' CPU %.2f s; answered without a run: %zu from the run cache, "
			   "%zu identical samples%s\n",
			(unsigned long long)r->runs, (double)r->program_cpu_ms / 1000.0, r->from_cache, r->duplicates,
			r->dedup ? "" : " (dedup off)");
	if (r->skipped)
		fprintf(f, "skipped samples: %zu (outside the date window or not in the dataset)\n", r->skipped);
	if (r->ref_known)
		fprintf(f, "agreement with the verdicts recorded in the file: %zu/%zu (%.2f%%)\n", r->ref_agree, r->ref_known,
			100.0 * (double)r->ref_agree / (double)r->ref_known);
	if (r->calibrated) {
		if (r->n_unpassable) {
			fprintf(f, "calibration: %zu task(s) no solution can pass here:", r->n_unpassable);
			for (size_t i = 0; i < r->n_unpassable; i++)
				fprintf(f, " %s", r->unpassable[i]);
			fprintf(f, "; pass@1 without them %.4f\n", r->pass_at_1_excl_unpassable);
		} else {
			fprintf(f, "calibration: every canonical solution passes under these limits\n");
		}
	}
	if (c->set && c->set->n_errors) {
		fprintf(f, "skipped lines: %zu\n", c->set->n_errors);
		for (size_t i = 0; i < c->set->n_errors && i < 20; i++)
			fprintf(f, "  %s:%zu: %s\n", c->source, c->set->errors[i].line, c->set->errors[i].message);
		if (c->set->n_errors > 20)
			fprintf(f, "  ... %zu more\n", c->set->n_errors - 20);
	}
	if (!r->complete)
		fprintf(f, "INCOMPLETE: %zu sandbox error(s), %zu invalid sample(s), %zu skipped line(s)\n",
			r->counts[ST_SANDBOX_ERROR], r->counts[ST_INVALID], c->set ? c->set->n_errors : 0);
}

void report_print_explain(FILE *f, const struct report_context *c, const struct score_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct sample_verdict *v = &r->v[i];
		const struct sample *s = &c->set->v[i];
		fprintf(f, "=== %s #%zu: %s via %s [%s]%s%s\n", s->task_id, s->index, sample_status_name(v->status),
			profile_name(v->profile), v->path[0] ? v->path : "-", v->detail[0] ? ": " : "", v->detail);
		if (v->harness.on && v->harness.differs)
			fprintf(f, "    %s would say %s (%s)%s%s\n", profile_name(v->harness.profile),
				sample_status_name(v->harness.status), v->harness.label, v->harness.detail[0] ? ": " : "",
				v->harness.detail);
		if (v->program)
			fprintf(f, "%s\n", v->program);
	}
}

static cJSON *sample_json(const struct report_context *c, const struct score_report *r, size_t i)
{
	const struct sample_verdict *v = &r->v[i];
	const struct sample *s = &c->set->v[i];
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "task_id", s->task_id);
	cJSON_AddNumberToObject(o, "index", (double)s->index);
	if (s->line)
		cJSON_AddNumberToObject(o, "line", (double)s->line);
	cJSON_AddStringToObject(o, "status",
				v->skipped ? "skipped"
				: (!r->executed && v->status != ST_INVALID) ? "not_run"
									    : sample_status_name(v->status));
	cJSON_AddBoolToObject(o, "passed", v->passed);
	cJSON *flags = cJSON_AddArrayToObject(o, "flags");
	for (unsigned b = 0; flags && b < VF_COUNT; b++)
		if (v->flags & (1u << b))
			cJSON_AddItemToArray(flags, cJSON_CreateString(verdict_flag_name(b)));
	cJSON *ex = cJSON_AddObjectToObject(o, "extraction");
	if (ex) {
		cJSON_AddStringToObject(ex, "profile", profile_name(v->profile));
		cJSON_AddStringToObject(ex, "path", v->path[0] ? v->path : "none");
		cJSON *notes = v->notes ? cJSON_Parse(v->notes) : NULL;
		cJSON_AddItemToObject(ex, "notes", notes ? notes : cJSON_CreateArray());
	}
	report_sample_harness(o, r, v);
	cJSON_AddNumberToObject(o, "wall_ms", (double)v->wall_ms);
	cJSON_AddNumberToObject(o, "cpu_ms", (double)v->cpu_ms);
	cJSON_AddNumberToObject(o, "peak_rss_kb", (double)v->peak_rss_kb);
	if (v->reused != REUSE_NONE)
		cJSON_AddStringToObject(o, "reused", sample_reuse_name(v->reused));
	if (v->status == ST_TIMEOUT) {
		cJSON_AddNumberToObject(o, "cpu_limit_ms", v->cpu_limit_ms);
		cJSON_AddNumberToObject(o, "wall_limit_ms", v->wall_limit_ms);
	}
	if (v->rerun_reason[0])
		cJSON_AddStringToObject(o, "rerun_reason", v->rerun_reason);
	cJSON_AddStringToObject(o, "detail", v->detail);
	if (v->has_splits) {
		cJSON_AddStringToObject(o, "base_status", sample_status_name(v->base));
		cJSON_AddStringToObject(o, "plus_status", sample_status_name(v->plus));
	}
	if (v->lcb_metadata) {
		cJSON_AddNumberToObject(o, "lcb_error_code", v->lcb_error_code);
		cJSON *md = cJSON_Parse(v->lcb_metadata);
		if (md)
			cJSON_AddItemToObject(o, "lcb_metadata", md);
	}
	if (s->ref_passed >= 0 || s->ref_base) {
		cJSON *ref = cJSON_AddObjectToObject(o, "reference");
		if (ref) {
			if (s->ref_passed >= 0)
				cJSON_AddBoolToObject(ref, "passed", s->ref_passed == 1);
			if (s->ref_base)
				cJSON_AddStringToObject(ref, "base_status", s->ref_base);
			if (s->ref_plus)
				cJSON_AddStringToObject(ref, "plus_status", s->ref_plus);
			if (v->ref_agrees >= 0)
				cJSON_AddBoolToObject(ref, "agrees", v->ref_agrees == 1);
		}
	}
	/* The answer as the file gave it: the completion, or the full solution
	 * of files that hold only that (evalplus results, LCB code_list). */
	const char *raw = s->completion ? s->completion : s->solution ? s->solution : "";
	cJSON_AddNumberToObject(o, "chars", (double)text_codepoints(raw, strlen(raw)));
	if (c->include_completions) {
		cJSON_AddStringToObject(o, "completion", raw);
		if (s->reasoning)
			cJSON_AddStringToObject(o, "reasoning", s->reasoning);
	}
	if (c->include_programs && v->program)
		cJSON_AddStringToObject(o, "program", v->program);
	return o;
}

cJSON *report_json(const struct report_context *c, const struct score_report *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	char label[128], verb[64];
	report_bench_label(c, r, label, sizeof(label));
	cJSON_AddStringToObject(o, "verdict_version", VERDICT_VERSION);
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm) && strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm))
		cJSON_AddStringToObject(o, "created", created);
	if (c->source)
		cJSON_AddStringToObject(o, "source", c->source);
	cJSON_AddStringToObject(o, "benchmark", benchmark_name(r->bench));
	cJSON_AddStringToObject(o, "bench_label", label);
	cJSON_AddStringToObject(o, "profile", profile_name(r->profile));
	cJSON *iso = c->jail ? jail_json_isolation(c->jail) : NULL;
	if (iso)
		cJSON_AddItemToObject(o, "isolation", iso);
	cJSON *lim = cJSON_AddObjectToObject(o, "limits");
	if (lim) {
		cJSON_AddNumberToObject(lim, "timeout_s", r->cpu_limit_ms / 1000.0);
		cJSON_AddNumberToObject(lim, "wall_s", r->wall_limit_ms / 1000.0);
		cJSON_AddNumberToObject(lim, "memory_mb", (double)(r->memory_bytes >> 20));
	}
	if (c->ds) {
		cJSON *d = cJSON_AddObjectToObject(o, "dataset");
		if (d) {
			cJSON_AddStringToObject(d, "path", c->ds->path);
			cJSON_AddStringToObject(d, "form", dataset_form_name(c->ds->form));
			cJSON_AddStringToObject(d, "sha256", c->ds->sha256);
			cJSON_AddStringToObject(d, "md5", c->ds->md5);
		}
	}
	cJSON *sum = cJSON_AddObjectToObject(o, "summary");
	if (sum) {
		cJSON_AddNumberToObject(sum, "n_samples", (double)r->n);
		cJSON_AddNumberToObject(sum, "n_tasks", (double)r->n_tasks);
		cJSON_AddBoolToObject(sum, "executed", r->executed);
		cJSON_AddBoolToObject(sum, "complete", r->complete);
		cJSON *pk = cJSON_AddObjectToObject(sum, "pass_at_k");
		for (size_t k = 0; pk && r->executed && k < r->n_passk; k++) {
			char key[32];
			snprintf(key, sizeof(key), "%zu", r->passk[k].k);
			cJSON *e = cJSON_AddObjectToObject(pk, key);
			if (!e)
				continue;
			if (r->passk[k].tasks_computable)
				cJSON_AddNumberToObject(e, "value", r->passk[k].value);
			else
				cJSON_AddNullToObject(e, "value");
			cJSON_AddNumberToObject(e, "tasks_computable", (double)r->passk[k].tasks_computable);
			cJSON_AddNumberToObject(e, "tasks_total", (double)r->passk[k].tasks_total);
		}
		cJSON *counts = cJSON_AddObjectToObject(sum, "counts");
		for (int s = 0; counts && s < ST_COUNT; s++)
			cJSON_AddNumberToObject(counts, sample_status_name((enum sample_status)s), (double)r->counts[s]);
		cJSON_AddNumberToObject(sum, "skipped_lines", c->set ? (double)c->set->n_errors : 0);
		cJSON_AddNumberToObject(sum, "skipped_samples", (double)r->skipped);
		cJSON_AddNumberToObject(sum, "reasoning_changed", (double)r->reasoning_changed);
		cJSON_AddNumberToObject(sum, "flaky", (double)r->flaky);
		cJSON_AddNumberToObject(sum, "forged", (double)r->forged);
		cJSON *cost = cJSON_AddObjectToObject(sum, "cost");
		if (cost) {
			cJSON_AddNumberToObject(cost, "runs", (double)r->runs);
			cJSON_AddNumberToObject(cost, "program_cpu_s", (double)r->program_cpu_ms / 1000.0);
			cJSON_AddBoolToObject(cost, "dedup", r->dedup);
			cJSON_AddNumberToObject(cost, "from_cache", (double)r->from_cache);
			cJSON_AddNumberToObject(cost, "duplicates", (double)r->duplicates);
		}
		if (r->ref_known) {
			cJSON *ag = cJSON_AddObjectToObject(sum, "reference_agreement");
			if (ag) {
				cJSON_AddNumberToObject(ag, "agree", (double)r->ref_agree);
				cJSON_AddNumberToObject(ag, "known", (double)r->ref_known);
			}
		}
		struct plus_drop drop;
		cJSON *bp = plus_drop_from_score(r, c->set, &drop) == 0 ? plus_drop_json(&drop) : NULL;
		plus_drop_free(&drop);
		if (bp)
			cJSON_AddItemToObject(sum, "base_vs_plus", bp);
		cJSON *cal = cJSON_AddObjectToObject(sum, "calibration");
		if (cal) {
			cJSON_AddBoolToObject(cal, "done", r->calibrated);
			cJSON *ul = cJSON_AddArrayToObject(cal, "unpassable_tasks");
			for (size_t i = 0; ul && i < r->n_unpassable; i++)
				cJSON_AddItemToArray(ul, cJSON_CreateString(r->unpassable[i]));
			if (r->calibrated)
				cJSON_AddNumberToObject(cal, "pass_at_1_excluding_unpassable", r->pass_at_1_excl_unpassable);
		}
	}
	cJSON *harness = report_harness_json(r);
	if (harness)
		cJSON_AddItemToObject(o, "harness", harness);
	if (r->n_groups) {
		cJSON *gr = cJSON_AddObjectToObject(o, "groups");
		for (size_t g = 0; gr && g < r->n_groups; g++) {
			cJSON *dim = cJSON_GetObjectItemCaseSensitive(gr, r->groups[g].dimension);
			if (!dim)
				dim = cJSON_AddObjectToObject(gr, r->groups[g].dimension);
			cJSON *e = dim ? cJSON_AddObjectToObject(dim, r->groups[g].value) : NULL;
			if (!e)
				continue;
			cJSON_AddNumberToObject(e, "tasks", (double)r->groups[g].n_tasks);
			cJSON_AddNumberToObject(e, "pass_at_1", r->groups[g].pass_sum / (double)r->groups[g].n_tasks);
		}
	}
	const struct audit *a = &r->audit;
	cJSON *au = cJSON_AddObjectToObject(o, "audit");
	if (au) {
		cJSON_AddNumberToObject(au, "n", (double)a->n);
		cJSON_AddNumberToObject(au, "empty", (double)a->empty);
		cJSON_AddNumberToObject(au, "fenced", (double)a->fenced);
		cJSON *ch = cJSON_AddObjectToObject(au, "chars");
		if (ch) {
			cJSON_AddNumberToObject(ch, "p10", (double)a->chars_p10);
			cJSON_AddNumberToObject(ch, "p50", (double)a->chars_p50);
			cJSON_AddNumberToObject(ch, "p90", (double)a->chars_p90);
		}
		cJSON *vc = cJSON_AddObjectToObject(au, "verbatim_canonical");
		if (vc) {
			cJSON_AddBoolToObject(vc, "available", a->verbatim_available);
			cJSON_AddNumberToObject(vc, "count", (double)a->verbatim);
			cJSON_AddNumberToObject(vc, "n", (double)a->verbatim_n);
			verbatim_text(a, verb, sizeof(verb));
			cJSON_AddStringToObject(vc, "text", verb);
		}
		cJSON_AddNumberToObject(au, "from_reasoning", (double)a->from_reasoning);
		cJSON_AddNumberToObject(au, "truncated_reasoning", (double)a->truncated_reasoning);
		cJSON_AddNumberToObject(au, "unterminated_fence", (double)a->unterminated_fence);
		cJSON_AddNumberToObject(au, "no_code", (double)a->no_code);
	}
	cJSON *tasks = cJSON_AddArrayToObject(o, "tasks");
	for (size_t t = 0; tasks && t < r->n_tasks; t++) {
		cJSON *e = cJSON_CreateObject();
		if (!e)
			break;
		cJSON_AddStringToObject(e, "task_id", r->tasks[t].task_id);
		cJSON_AddNumberToObject(e, "n", (double)r->tasks[t].n);
		cJSON_AddNumberToObject(e, "passed", (double)r->tasks[t].passed);
		cJSON_AddNumberToObject(e, "pass_at_1", r->tasks[t].pass_at_1);
		cJSON_AddItemToArray(tasks, e);
	}
	cJSON *samples = cJSON_AddArrayToObject(o, "samples");
	for (size_t i = 0; samples && i < r->n; i++) {
		cJSON *s = sample_json(c, r, i);
		if (s)
			cJSON_AddItemToArray(samples, s);
	}
	cJSON *errs = cJSON_AddArrayToObject(o, "errors");
	for (size_t i = 0; errs && c->set && i < c->set->n_errors; i++) {
		cJSON *e = cJSON_CreateObject();
		if (!e)
			break;
		cJSON_AddNumberToObject(e, "line", (double)c->set->errors[i].line);
		cJSON_AddStringToObject(e, "error", c->set->errors[i].message);
		cJSON_AddItemToArray(errs, e);
	}
	return o;
}

void report_json_drop_texts(cJSON *report)
{
	cJSON *samples = cJSON_GetObjectItemCaseSensitive(report, "samples");
	cJSON *s = cJSON_IsArray(samples) ? samples->child : NULL;
	for (; s; s = s->next) {
		cJSON_DeleteItemFromObjectCaseSensitive(s, "completion");
		cJSON_DeleteItemFromObjectCaseSensitive(s, "reasoning");
		cJSON_DeleteItemFromObjectCaseSensitive(s, "program");
	}
}
