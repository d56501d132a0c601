/* The comparison as JSON: `verdict compare --json` (docs/schema.md,
 * "The comparison"). Every figure comes from the struct comparison; fractions
 * (0.2378), not points. */
#include <stdio.h>
#include <stdlib.h>

#include "report/compare.h"

static cJSON *interval(struct stats_interval ci)
{
	const double v[2] = { ci.lo, ci.hi };
	return cJSON_CreateDoubleArray(v, 2);
}

static cJSON *passk_json(const struct compare_row *row)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t k = 0; o && k < row->n_passk; k++) {
		const struct compare_passk *pk = &row->passk[k];
		char key[32];
		snprintf(key, sizeof(key), "%zu", pk->k);
		cJSON *e = cJSON_AddObjectToObject(o, key);
		if (!e)
			continue;
		cJSON_AddNumberToObject(e, "tasks", (double)pk->tasks);
		if (!pk->tasks) {
			cJSON_AddNullToObject(e, "value");
			cJSON_AddNullToObject(e, "ci");
			cJSON_AddNullToObject(e, "method");
			continue;
		}
		cJSON_AddNumberToObject(e, "value", pk->value);
		cJSON_AddItemToObject(e, "ci", interval(pk->ci));
		cJSON_AddStringToObject(e, "method", compare_interval_method_name(pk->method));
	}
	return o;
}

static cJSON *side_json(const struct compare_task *t)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	char buf[512];
	cJSON_AddStringToObject(o, "status", compare_task_statuses(t, buf, sizeof(buf)));
	cJSON_AddNumberToObject(o, "n", (double)t->n);
	cJSON_AddNumberToObject(o, "passed", (double)t->passed);
	cJSON *st = cJSON_AddObjectToObject(o, "statuses");
	for (size_t i = 0; st && i < t->n_statuses; i++)
		cJSON_AddNumberToObject(st, t->statuses[i].status, (double)t->statuses[i].n);
	return o;
}

static cJSON *flips_json(const struct compare_flip *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		if (!e)
			break;
		cJSON_AddStringToObject(e, "task_id", v[i].a->task_id);
		cJSON_AddItemToObject(e, "baseline", side_json(v[i].a));
		cJSON_AddItemToObject(e, "run", side_json(v[i].b));
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

static cJSON *against_json(const struct comparison *c, const struct compare_row *row)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "delta", row->delta);
	cJSON_AddItemToObject(o, "ci", interval(row->delta_ci));
	cJSON_AddStringToObject(o, "test", compare_test_method_name(row->test));
	cJSON_AddNumberToObject(o, "p", row->p);
	if (c->holm)
		cJSON_AddNumberToObject(o, "p_holm", row->p_holm);
	cJSON_AddNumberToObject(o, "worse", (double)row->n_worse);
	cJSON_AddNumberToObject(o, "better", (double)row->n_better);
	cJSON *fl = cJSON_AddObjectToObject(o, "flips");
	if (fl) {
		cJSON_AddItemToObject(fl, "worse", flips_json(row->worse, row->n_worse));
		cJSON_AddItemToObject(fl, "better", flips_json(row->better, row->n_better));
	}
	if (!row->has_equivalence) {
		cJSON_AddNullToObject(o, "equivalence");
		return o;
	}
	cJSON *eq = cJSON_AddObjectToObject(o, "equivalence");
	if (eq) {
		cJSON_AddNumberToObject(eq, "margin", row->eq.margin);
		cJSON_AddItemToObject(eq, "ci90", interval(row->eq.ci90));
		cJSON_AddNumberToObject(eq, "p", row->eq.p);
		if (c->holm)
			cJSON_AddNumberToObject(eq, "p_holm", row->eq.p_holm);
		cJSON_AddBoolToObject(eq, "equivalent", row->eq.equivalent);
	}
	return o;
}

static cJSON *row_json(const struct comparison *c, const struct compare_row *row)
{
	const struct compare_run *run = row->run;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", run->name);
	cJSON_AddStringToObject(o, "source", run->source);
	cJSON_AddStringToObject(o, "origin", run->from_report ? "report" : "samples");
	if (run->rep.profile)
		cJSON_AddStringToObject(o, "profile", run->rep.profile);
	else
		cJSON_AddNullToObject(o, "profile");
	cJSON_AddBoolToObject(o, "baseline", row->baseline);
	cJSON_AddBoolToObject(o, "complete", !row->incomplete);
	cJSON *un = cJSON_AddObjectToObject(o, "not_counted");
	if (un) {
		cJSON_AddNumberToObject(un, "sandbox_error", (double)run->sandbox_errors);
		cJSON_AddNumberToObject(un, "invalid", (double)run->invalid);
		cJSON_AddNumberToObject(un, "not_run", (double)run->not_run);
		cJSON_AddNumberToObject(un, "skipped_lines", (double)run->rep.skipped_lines);
	}
	cJSON_AddNumberToObject(o, "tasks_in_run", (double)run->n_tasks);
	cJSON *miss = cJSON_AddArrayToObject(o, "tasks_missing");
	for (size_t i = 0; miss && i < row->n_missing; i++)
		cJSON_AddItemToArray(miss, cJSON_CreateString(row->missing[i]));
	cJSON_AddNumberToObject(o, "samples", (double)row->samples);
	cJSON *spt = cJSON_AddObjectToObject(o, "samples_per_task");
	if (spt) {
		cJSON_AddNumberToObject(spt, "min", (double)row->samples_min);
		cJSON_AddNumberToObject(spt, "max", (double)row->samples_max);
	}
	cJSON_AddItemToObject(o, "pass_at_k", passk_json(row));
	cJSON *plus = plus_drop_json(&row->plus);
	if (plus)
		cJSON_AddItemToObject(o, "base_vs_plus", plus);
	else
		cJSON_AddNullToObject(o, "base_vs_plus");
	if (row->baseline)
		cJSON_AddNullToObject(o, "vs_baseline");
	else
		cJSON_AddItemToObject(o, "vs_baseline", against_json(c, row));
	return o;
}

cJSON *compare_json(const struct comparison *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "verdict_version", VERDICT_VERSION);
	cJSON *cmp = cJSON_AddObjectToObject(o, "comparison");
	if (cmp) {
		cJSON_AddStringToObject(cmp, "benchmark", c->benchmark);
		if (c->bench_label)
			cJSON_AddStringToObject(cmp, "bench_label", c->bench_label);
		else
			cJSON_AddNullToObject(cmp, "bench_label");
		cJSON_AddStringToObject(cmp, "baseline", c->rows[c->baseline].run->name);
		cJSON_AddNumberToObject(cmp, "tasks_shared", (double)c->n_shared);
		cJSON_AddNumberToObject(cmp, "tasks_union", (double)c->n_union);
		cJSON_AddNumberToObject(cmp, "confidence", 0.95);
		cJSON *bs = cJSON_AddObjectToObject(cmp, "bootstrap");
		if (bs) {
			cJSON_AddNumberToObject(bs, "resamples", (double)c->opts.resamples);
			/* Seeds are below 2^53 (cmd_compare.c): exact as JSON numbers. */
			cJSON_AddNumberToObject(bs, "seed", (double)c->opts.seed);
		}
		cJSON_AddNumberToObject(cmp, "permutation_draws", (double)c->opts.mc_draws);
		if (c->opts.margin > 0)
			cJSON_AddNumberToObject(cmp, "margin", c->opts.margin);
		else
			cJSON_AddNullToObject(cmp, "margin");
		cJSON_AddBoolToObject(cmp, "holm", c->holm);
		cJSON_AddBoolToObject(cmp, "profiles_differ", c->profiles_differ);
		cJSON_AddBoolToObject(cmp, "datasets_differ", c->datasets_differ);
	}
	cJSON *runs = cJSON_AddArrayToObject(o, "runs");
	for (size_t r = 0; runs && r < c->n_rows; r++) {
		cJSON *e = row_json(c, &c->rows[r]);
		if (e)
			cJSON_AddItemToArray(runs, e);
	}
	return o;
}
