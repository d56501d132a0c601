/* The summary of a finished batch (see score_batch.h): statuses counted,
 * empty completions named as such, agreement with recorded verdicts, tasks
 * with their samples, pass@k, LiveCodeBench groups; then the audits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/lcb_problem.h"
#include "score/passk.h"
#include "score/score_batch.h"

/* ------------------------------------------------------------ summary */

static bool raw_is_empty(const struct sample *s)
{
	const char *raw = s->completion ? s->completion : s->solution;
	if (!raw)
		return true;
	for (const char *c = raw; *c; c++)
		if (!strchr(" \t\r\n\f\v", *c))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_group(struct score_report *r, const char *dim, const char *value, double p)
{
	if (!value)
		value = "unknown";
	for (size_t g = 0; g < r->n_groups; g++)
		if (strcmp(r->groups[g].dimension, dim) == 0 && strcmp(r->groups[g].value, value) == 0) {
			r->groups[g].n_tasks++;
			r->groups[g].pass_sum += p;
			return;
		}
	struct group_summary *gs = realloc(r->groups, (r->n_groups + 1) * sizeof(*gs));
	if (!gs)
		return;
	r->groups = gs;
	struct group_summary *g = &r->groups[r->n_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->dimension, sizeof(g->dimension), "%s", dim);
	snprintf(g->value, sizeof(g->value), "%s", value);
	g->n_tasks = 1;
	g->pass_sum = p;
}

/* LiveCodeBench summaries are read by difficulty, by platform and by
 * contest month (where contamination shows: a model that passes old
 * problems and fails the ones after its cut-off). */
static void group_tasks(struct score_report *r)
{
	for (size_t t = 0; t < r->n_tasks; t++) {
		const struct problem *p = r->tasks[t].problem;
		if (!p || !p->lcb || !r->tasks[t].scored)
			continue;
		add_group(r, "difficulty", p->lcb->difficulty, r->tasks[t].pass_at_1);
		add_group(r, "platform", p->lcb->platform, r->tasks[t].pass_at_1);
		char month[8] = "unknown";
		const char *d = p->lcb->contest_date;
		if (d && strlen(d) >= 7 && d[4] == '-')
			snprintf(month, sizeof(month), "%.7s", d);
		add_group(r, "month", month, r->tasks[t].pass_at_1);
	}
}

void score_summarise(struct batch_ctx *b)
{
	struct score_report *r = b->rep;
	const struct sample_set *set = b->set;
	memset(r->counts, 0, sizeof(r->counts));
	r->complete = true;
	for (size_t i = 0; i < r->n; i++) {
		struct sample_verdict *v = &r->v[i];
		if (v->skipped) {
			r->skipped++;
			continue;
		}
		if (!r->executed && v->status != ST_INVALID) {
			/* Audits only: nothing ran, so there is no verdict. */
			v->passed = false;
			continue;
		}
		v->passed = v->status == ST_PASSED;
		/* An empty completion that did not pass is reported as empty. */
		if (!v->passed && sample_status_scored(v->status) && raw_is_empty(&set->v[i])) {
			v->status = ST_EMPTY;
			/* The harness still ran the prompt alone; say so, so that
			 * its error is not read as the model's. */
			if (v->detail[0]) {
				char was[sizeof(v->detail)];
				memcpy(was, v->detail, sizeof(was));
				verdict_set_detail(v, "empty completion; the prompt alone gave: %.300s", was);
			} else {
				verdict_set_detail(v, "empty completion");
			}
		}
		r->counts[v->status]++;
		if (!sample_status_scored(v->status))
			r->complete = false;
		if (v->flags & VF_REASONING_CHANGED)
			r->reasoning_changed++;
		if (v->flags & VF_FLAKY)
			r->flaky++;
		if (v->flags & VF_FORGED_RESULT)
			r->forged++;
		int ref = set->v[i].ref_passed;
		if (ref >= 0 && r->executed && sample_status_scored(v->status)) {
			v->ref_agrees = v->harness_passed == (ref == 1);
			r->ref_known++;
			r->ref_agree += (size_t)v->ref_agrees;
		} else {
			v->ref_agrees = -1;
		}
	}
	if (set->n_errors)
		r->complete = false;
	/* Tasks: sorted unique ids, with their sample counts. */
	const char **ids = malloc((set->n ? set->n : 1) * sizeof(*ids));
	size_t n_ids = 0;
	for (size_t i = 0; ids && i < set->n; i++)
		if (!r->v[i].skipped && r->v[i].status != ST_INVALID)
			ids[n_ids++] = set->v[i].task_id;
	if (ids)
		qsort(ids, n_ids, sizeof(*ids), cmp_str);
	r->tasks = calloc(n_ids ? n_ids : 1, sizeof(*r->tasks));
	for (size_t i = 0; ids && r->tasks && i < n_ids; i++) {
		if (r->n_tasks && strcmp(r->tasks[r->n_tasks - 1].task_id, ids[i]) == 0)
			continue;
		r->tasks[r->n_tasks++].task_id = ids[i];
	}
	free(ids);
	for (size_t i = 0; r->tasks && i < set->n; i++) {
		const struct sample_verdict *v = &r->v[i];
		if (v->skipped || v->status == ST_INVALID)
			continue;
		const char *key = set->v[i].task_id;
		struct task_summary *t = bsearch(&key, r->tasks, r->n_tasks, sizeof(*r->tasks), cmp_str);
		if (!t)
			continue;
		t->n++;
		if (!t->problem)
			t->problem = b->probs[i];
		if (r->executed && sample_status_scored(v->status)) {
			t->scored++;
			t->passed += v->passed;
		}
	}
	for (size_t k = 0; k < b->o->n_ks; k++) {
		struct passk_value *pk = &r->passk[r->n_passk++];
		pk->k = b->o->ks[k];
		double sum = 0;
		for (size_t t = 0; t < r->n_tasks; t++) {
			double e;
			pk->tasks_total++;
			if (passk_estimate(r->tasks[t].scored, r->tasks[t].passed, pk->k, &e)) {
				sum += e;
				pk->tasks_computable++;
			}
		}
		pk->value = pk->tasks_computable ? sum / (double)pk->tasks_computable : 0;
	}
	for (size_t t = 0; t < r->n_tasks; t++) {
		double e = 0;
		passk_estimate(r->tasks[t].scored, r->tasks[t].passed, 1, &e);
		r->tasks[t].pass_at_1 = e;
	}
	group_tasks(r);
}

void score_audit(struct batch_ctx *b)
{
	const struct sample_set *set = b->set;
	struct audit_item *items = calloc(set->n ? set->n : 1, sizeof(*items));
	if (!items)
		return;
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct sample *s = &set->v[i];
		const struct sample_verdict *v = &b->rep->v[i];
		if (v->skipped)
			continue;
		const char *raw = s->completion ? s->completion : s->solution ? s->solution : "";
		const struct problem *p = b->probs[i];
		items[n++] = (struct audit_item){
			.raw = raw,
			.raw_len = strlen(raw),
			.canonical = p ? p->canonical_solution : NULL,
			.from_reasoning = v->flags & VF_FROM_REASONING,
			.truncated_reasoning = v->flags & VF_TRUNCATED_REASONING,
			.unterminated_fence = v->flags & VF_UNTERMINATED_FENCE,
			.no_code = v->status == ST_NO_CODE,
		};
	}
	audit_compute(items, n, &b->rep->audit);
	free(items);
}
