/* The harness verdict beside each sample (see harness.h): when this run's
 * verdict is provably the faithful harness's, why two verdicts differ, and
 * the harness block of the summary. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/lcb_problem.h"
#include "score/passk.h"
#include "score/score_batch.h"

const char *harness_cause_name(enum harness_cause c)
{
	switch (c) {
	case HC_NONE:
		return "none";
	case HC_FROM_REASONING:
		return "from_reasoning";
	case HC_TRUNCATED_REASONING:
		return "truncated_reasoning";
	case HC_REASONING_REMOVED:
		return "reasoning_removed";
	case HC_EXTRACTION:
		return "extraction";
	case HC_GUARD:
		return "guard";
	case HC_STREAM:
		return "stream";
	case HC_STDIN:
		return "stdin";
	case HC_THREADS:
		return "threads";
	case HC_IMPORT:
		return "import";
	case HC_SCOPE:
		return "scope";
	case HC_LIMITS:
		return "limits";
	case HC_OTHER:
		return "other";
	}
	return "other";
}

/* ------------------------------------------------------------- run facts */

static const cJSON *member(const cJSON *o, const char *k)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

void run_facts_read(const struct runner_outcome *ro, struct run_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->same_program = true; /* a program given whole: the harness runs it too */
	const cJSON *ex = ro->extraction;
	const cJSON *same = member(member(ex, "harness"), "same_program");
	if (ex && member(ex, "harness"))
		f->same_program = cJSON_IsTrue(same);
	const char *cause = cJSON_GetStringValue(member(member(ex, "harness"), "cause"));
	if (cause)
		snprintf(f->cause, sizeof(f->cause), "%s", cause);
	const cJSON *notes = member(ex, "notes");
	if (cJSON_IsArray(notes)) {
		f->notes = cJSON_PrintUnformatted(notes);
		const cJSON *first = cJSON_GetArrayItem(notes, 0);
		if (cJSON_IsString(first))
			snprintf(f->first_note, sizeof(f->first_note), "%s", first->valuestring);
	}
	const cJSON *flags = member(ex, "flags");
	const cJSON *fl;
	if (!cJSON_IsArray(flags))
		flags = NULL;
	cJSON_ArrayForEach(fl, flags)
	{
		const char *n = cJSON_GetStringValue(fl);
		if (!n)
			continue;
		if (strcmp(n, "from_reasoning") == 0)
			f->flags |= VF_FROM_REASONING;
		else if (strcmp(n, "truncated_reasoning") == 0)
			f->flags |= VF_TRUNCATED_REASONING;
		else if (strcmp(n, "unterminated_fence") == 0)
			f->flags |= VF_UNTERMINATED_FENCE;
		else if (strcmp(n, "extraction_budget") == 0)
			f->flags |= VF_EXTRACTION_BUDGET;
	}
	const cJSON *differs = member(ro->result, "harness_differs");
	if (cJSON_IsArray(differs)) {
		f->differs_known = true;
		const cJSON *d;
		cJSON_ArrayForEach(d, differs)
		{
			const char *n = cJSON_GetStringValue(d);
			if (n && f->n_differs < RUN_FACTS_MAX_DIFFERS)
				snprintf(f->differs[f->n_differs++], sizeof(f->differs[0]), "%s", n);
		}
	}
}

void run_facts_free(struct run_facts *f)
{
	free(f->notes);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------- the shortcut */

/* Statuses a run reaches the same way under the harness when the program
 * is the same and the run did nothing the harness treats differently: the
 * tests' own outcome, not a limit (time and memory are counted a little
 * differently with and without the harness's plumbing). */
static bool stable(enum sample_status s)
{
	switch (s) {
	case ST_PASSED:
	case ST_FAILED:
	case ST_ERROR:
	case ST_SYNTAX_ERROR:
	case ST_NO_CODE:
	case ST_EMPTY:
		return true;
	case ST_TIMEOUT:
	case ST_MEMORY_LIMIT:
	case ST_OUTPUT_LIMIT:
	case ST_SANDBOX_ERROR:
	case ST_INVALID:
		break;
	}
	return false;
}

bool harness_can_infer(const struct problem *p, enum job_family fam, const struct sample_verdict *v,
		       const struct run_facts *f)
{
	if (!f->same_program || !f->differs_known || f->n_differs || !stable(v->status))
		return false;
	switch (fam) {
	case JOB_ASSERT:
		/* One program under one CPU limit: a run past half of it could
		 * end on the other side of the limit there. */
		return v->cpu_ms * 2 <= v->cpu_limit_ms;
	case JOB_EVALPLUS:
		return true;
	case JOB_LCB:
		/* A stdin program runs whole here and rewritten into a function
		 * there, without LiveCodeBench's preamble: only a pass is the
		 * same pass (the rewrite's effects were looked for). */
		return p->lcb && (p->lcb->func_name || v->status == ST_PASSED);
	}
	return false;
}

/* ---------------------------------------------------------------- causes */

static void set_cause(struct harness_verdict *h, enum harness_cause c, const char *label)
{
	h->cause = c;
	snprintf(h->label, sizeof(h->label), "%s", label);
}

/* The cause of a difference the run itself recorded: "guard:tempfile". */
static void execution_cause(struct harness_verdict *h, const char *d)
{
	static const struct {
		const char *prefix;
		enum harness_cause cause;
		const char *label; /* NULL: the name after the prefix */
	} kinds[] = {
		{ "guard:", HC_GUARD, NULL },
		{ "stream:", HC_STREAM, NULL },
		{ "stdin", HC_STDIN, "stdin read" },
		{ "threads", HC_THREADS, "threads still running" },
		{ "import:", HC_IMPORT, NULL },
		{ "scope:", HC_SCOPE, "program rewritten into a function" },
		{ "limits", HC_LIMITS, "time or memory limit" },
		{ "died", HC_LIMITS, "time or memory limit" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);
		if (strncmp(d, kinds[i].prefix, n) != 0)
			continue;
		char label[64];
		if (kinds[i].cause == HC_IMPORT)
			snprintf(label, sizeof(label), "import %s", d + n);
		else
			snprintf(label, sizeof(label), "%s", kinds[i].label ? kinds[i].label : d + n);
		set_cause(h, kinds[i].cause, label);
		return;
	}
	set_cause(h, HC_OTHER, d);
}

static bool limit_status(enum sample_status s)
{
	return s == ST_TIMEOUT || s == ST_MEMORY_LIMIT || s == ST_OUTPUT_LIMIT;
}

void harness_explain(struct sample_verdict *v, const struct run_facts *f)
{
	struct harness_verdict *h = &v->harness;
	char label[64];
	h->cause = HC_NONE;
	h->label[0] = '\0';
	if (!h->differs)
		return;
	/* The runner named the extraction's most telling choice (the cause);
	 * otherwise reasoning removal is the likelier reason, then the first
	 * note the extraction made. */
	if (v->flags & VF_FROM_REASONING)
		set_cause(h, HC_FROM_REASONING, "answer only in reasoning_content");
	else if (v->flags & VF_TRUNCATED_REASONING)
		set_cause(h, HC_TRUNCATED_REASONING, "answer only in unfinished reasoning");
	else if (f && !f->same_program && f->cause[0])
		set_cause(h, HC_EXTRACTION, f->cause);
	else if (v->flags & VF_REASONING_STRIPPED && (!f || !f->same_program))
		set_cause(h, HC_REASONING_REMOVED, "reasoning removed");
	else if (f && !f->same_program) {
		snprintf(label, sizeof(label), "%s", f->first_note[0] ? f->first_note : "another program extracted");
		set_cause(h, HC_EXTRACTION, label);
	}
	else if (f && f->n_differs)
		execution_cause(h, f->differs[0]);
	else if (limit_status(v->status) || limit_status(h->status))
		set_cause(h, HC_LIMITS, "time or memory limit");
	else
		set_cause(h, HC_OTHER, "execution differs");
}

/* --------------------------------------------------------------- summary */

static int cmp_task(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, ((const struct task_summary *)b)->task_id);
}

static int by_count(const void *a, const void *b)
{
	const struct harness_cause_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->label, y->label);
}

static void count_cause(struct harness_summary *hs, const struct harness_verdict *h)
{
	for (size_t c = 0; c < hs->n_causes; c++)
		if (hs->causes[c].cause == h->cause && strcmp(hs->causes[c].label, h->label) == 0) {
			hs->causes[c].n++;
			return;
		}
	struct harness_cause_count *g = realloc(hs->causes, (hs->n_causes + 1) * sizeof(*g));
	if (!g)
		return;
	hs->causes = g;
	struct harness_cause_count *e = &g[hs->n_causes++];
	e->cause = h->cause;
	snprintf(e->label, sizeof(e->label), "%s", h->label);
	e->n = 1;
}

void harness_summarise(struct batch_ctx *b)
{
	struct score_report *r = b->rep;
	struct harness_summary *hs = &r->harness;
	size_t *passed = calloc(r->n_tasks ? r->n_tasks : 1, sizeof(*passed));
	size_t *scored = calloc(r->n_tasks ? r->n_tasks : 1, sizeof(*scored));
	if (!passed || !scored || !r->executed) {
		free(passed);
		free(scored);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct sample_verdict *v = &r->v[i];
		if (!v->harness.on || v->skipped || !sample_status_scored(v->status))
			continue;
		if (!hs->on) {
			hs->on = true;
			hs->profile = v->harness.profile;
		}
		const char *key = b->set->v[i].task_id;
		const struct task_summary *t = bsearch(&key, r->tasks, r->n_tasks, sizeof(*r->tasks), cmp_task);
		bool ok = v->harness_passed;
		hs->scored++;
		hs->passed += ok;
		hs->ran += v->harness.ran;
		if (t) {
			scored[t - r->tasks]++;
			passed[t - r->tasks] += ok;
		}
		if (v->harness.differs) {
			hs->differ++;
			count_cause(hs, &v->harness);
		}
	}
	for (size_t k = 0; hs->on && k < b->o->n_ks; k++) {
		struct passk_value *pk = &hs->passk[hs->n_passk++];
		pk->k = b->o->ks[k];
		double sum = 0;
		for (size_t t = 0; t < r->n_tasks; t++) {
			double e;
			if (!scored[t])
				continue;
			pk->tasks_total++;
			if (passk_estimate(scored[t], passed[t], pk->k, &e)) {
				sum += e;
				pk->tasks_computable++;
			}
		}
		pk->value = pk->tasks_computable ? sum / (double)pk->tasks_computable : 0;
	}
	if (hs->n_causes)
		qsort(hs->causes, hs->n_causes, sizeof(*hs->causes), by_count);
	free(passed);
	free(scored);
}
