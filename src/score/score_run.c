/* One sample through the pipeline (see score_batch.h): prepare the text,
 * build the job for its profile, run it in the jail and decide; then the
 * harness verdict beside it (harness.h), from this run where it provably
 * is the harness's, else from the faithful job; and the re-run of a sample
 * the wall-clock cap ended. */
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

static double wall_factor(const struct batch_ctx *b)
{
	return b->o->wall_factor > 0 ? b->o->wall_factor : 3.0;
}

static void limits_for(const struct batch_ctx *b, const struct problem *p, enum job_family fam, struct jail_limits *l)
{
	*l = b->limits;
	if (fam != JOB_LCB || !p->lcb)
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
	l->wall_ms = (uint32_t)(cpu_s * 1000.0 * wall_factor(b));
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

static cJSON *build(struct batch_ctx *b, size_t i, enum profile prof, const struct job_text *jt, const char *nonce,
		    char *err, size_t errlen)
{
	const struct sample *s = &b->set->v[i];
	const struct problem *p = b->probs[i];
	const struct job_verdict_options vo = { .harness = b->harnesses[i],
						.use_reasoning_content = b->o->use_reasoning_content };
	cJSON *job = job_build(prof, p, s, jt, &vo, nonce, err, errlen);
	bool ok = job != NULL;
	if (ok && job_family(prof, p) == JOB_LCB)
		ok = job_add_lcb_tests(job, p, b->o->public_only, score_lcb_test_limit_s(b)) == 0;
	if (ok && !b->o->forgery_check)
		ok = cJSON_AddFalseToObject(job, "forgery_check") != NULL;
	if (job && !ok) {
		cJSON_Delete(job);
		job = NULL;
		snprintf(err, errlen, "out of memory");
	}
	return job;
}

/* Run the job of `prof` for one prepared text and decide. Returns the
 * verdict in *v and, when `facts` is not NULL, what the run reported for
 * the harness beside it. A re-run (`reuse` false) neither reads nor feeds
 * the run cache. */
static void run_once(struct batch_ctx *b, size_t i, enum profile prof, const struct job_text *jt,
		     struct sample_verdict *v, struct run_facts *facts, bool reuse)
{
	const struct sample *s = &b->set->v[i];
	const struct problem *p = b->probs[i];
	enum job_family fam = job_family(prof, p);
	v->profile = prof;
	v->cpu_limit_ms = b->rep->cpu_limit_ms;
	v->wall_limit_ms = b->rep->wall_limit_ms;
	if (facts)
		run_facts_read(&(struct runner_outcome){ 0 }, facts);
	char nonce[33], err[300];
	runner_nonce(nonce);
	if (prof == PROFILE_LCB && !s->solution && !jt->er.lcb_found) {
		/* The official extractor finds no code between two fence lines. */
		v->status = ST_NO_CODE;
		snprintf(v->path, sizeof(v->path), "none");
		verdict_set_detail(v, "no code between two fence lines");
		return;
	}
	if (b->o->public_only && fam == JOB_LCB)
		v->flags |= VF_PUBLIC_ONLY;
	cJSON *job = build(b, i, prof, jt, nonce, err, sizeof(err));
	if (!job) {
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "building the job: %s", err);
		return;
	}
	double budget_s = 0;
	size_t job_bytes = 0;
	if (fam == JOB_EVALPLUS &&
	    expected_attach(b->expected, p, b->o->evalplus_version, job, &budget_s, &job_bytes, err, sizeof(err)) < 0) {
		cJSON_Delete(job);
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "canonical outputs: %s", err);
		return;
	}
	struct jail_limits lim;
	limits_for(b, p, fam, &lim);
	if (fam == JOB_EVALPLUS) {
		/* evalplus's own budget per split (the runner enforces the
		 * per-input limits), its 4 GiB address space, and room in /tmp
		 * for the inputs and expected outputs. */
		lim.cpu_ms = (uint32_t)((budget_s + 10.0) * 1000.0);
		lim.wall_ms = (uint32_t)(lim.cpu_ms * wall_factor(b));
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
	if (ro.result && fam == JOB_EVALPLUS)
		expected_read_splits(ro.result, v);
	if (ro.result && fam == JOB_LCB) {
		verdict_read_lcb_result(ro.result, v);
		if (prof == PROFILE_LCB && !v->path[0])
			snprintf(v->path, sizeof(v->path), "%s", s->solution ? "solution" : "fenced last pair");
	}
	if (!v->path[0] && s->solution)
		snprintf(v->path, sizeof(v->path), "solution");
	if (facts)
		run_facts_read(&ro, facts);
	runner_outcome_free(&ro);
}

/* The main text of a sample under its profile. */
static int prepare_text(struct batch_ctx *b, size_t i, struct job_text *jt)
{
	const struct sample *s = &b->set->v[i];
	if (b->profiles[i] == PROFILE_VERDICT)
		return job_text_prepare_verdict(b->sc->extractor, s, b->o->strip_reasoning,
						b->harnesses[i] != PROFILE_AUTO, jt);
	return job_text_prepare(b->sc->extractor, s, b->o->strip_reasoning, b->o->use_reasoning_content, jt);
}

/* The harness's verdict from its own job on the raw completion. */
static void run_harness(struct batch_ctx *b, size_t i, enum profile prof, struct harness_verdict *h)
{
	struct sample_verdict hv = { 0 };
	struct job_text raw;
	h->ran = true;
	if (job_text_prepare(b->sc->extractor, &b->set->v[i], false, false, &raw) < 0) {
		h->status = ST_SANDBOX_ERROR;
		snprintf(h->detail, sizeof(h->detail), "out of memory preparing the text");
		return;
	}
	run_once(b, i, prof, &raw, &hv, NULL, true);
	job_text_free(&raw);
	h->status = hv.status;
	snprintf(h->detail, sizeof(h->detail), "%s", hv.detail);
	free(hv.program);
	free(hv.lcb_metadata);
}

static void harness_done(struct sample_verdict *v, const struct run_facts *f)
{
	v->harness_passed = v->harness.status == ST_PASSED;
	v->harness.differs = v->harness_passed != (v->status == ST_PASSED);
	harness_explain(v, f);
	if (v->harness.differs && (v->harness.cause == HC_FROM_REASONING || v->harness.cause == HC_TRUNCATED_REASONING ||
				   v->harness.cause == HC_REASONING_REMOVED))
		v->flags |= VF_REASONING_CHANGED;
}

/* A faithful profile: its verdict, and beside it the same profile on the
 * raw completion where reasoning handling changed the text. */
static void run_faithful(struct batch_ctx *b, size_t i, struct sample_verdict *v, const struct job_text *jt)
{
	enum profile prof = b->profiles[i];
	run_once(b, i, prof, jt, v, NULL, true);
	v->harness_passed = v->status == ST_PASSED;
	if (b->o->no_harness)
		return;
	v->harness = (struct harness_verdict){ .on = true, .profile = prof, .status = v->status };
	if (jt->changed && b->set->v[i].completion)
		run_harness(b, i, prof, &v->harness);
	harness_done(v, NULL);
}

/* The verdict profile: what the model meant, run as real Python; beside
 * it the faithful harness, from this run where that is provably its
 * verdict, else from its own job. */
static void run_verdict(struct batch_ctx *b, size_t i, struct sample_verdict *v, const struct job_text *jt)
{
	struct run_facts f;
	run_once(b, i, PROFILE_VERDICT, jt, v, &f, true);
	v->flags |= f.flags;
	v->notes = f.notes;
	f.notes = NULL;
	enum profile hp = b->harnesses[i];
	v->harness_passed = v->status == ST_PASSED;
	if (hp != PROFILE_AUTO) {
		const struct problem *p = b->probs[i];
		v->harness = (struct harness_verdict){ .on = true, .profile = hp, .status = v->status };
		if (b->o->harness_rerun_all || !harness_can_infer(p, job_family(PROFILE_VERDICT, p), v, &f))
			run_harness(b, i, hp, &v->harness);
		harness_done(v, &f);
	}
	run_facts_free(&f);
}

void score_run_item(void *ctx, size_t k)
{
	struct batch_ctx *b = ctx;
	size_t i = b->order ? b->order[k] : k;
	struct sample_verdict *v = &b->rep->v[i];
	if (v->status == ST_INVALID || v->skipped)
		return;
	struct job_text jt;
	if (prepare_text(b, i, &jt) < 0) {
		v->status = ST_SANDBOX_ERROR;
		verdict_set_detail(v, "out of memory preparing the text");
		return;
	}
	v->flags |= jt.flags;
	if (b->profiles[i] == PROFILE_VERDICT)
		run_verdict(b, i, v, &jt);
	else
		run_faithful(b, i, v, &jt);
	job_text_free(&jt);
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
	struct job_text jt;
	if (prepare_text(r->b, r->i, &jt) < 0)
		return;
	run_once(r->b, r->i, r->b->profiles[r->i], &jt, &again, NULL, false);
	job_text_free(&jt);
	v->flags |= VF_RERUN;
	char reason[sizeof(v->rerun_reason)];
	snprintf(reason, sizeof(reason), "%.150s; again: %s", v->rerun_reason, sample_status_name(again.status));
	if (again.status != ST_PASSED) {
		free(again.program);
		free(again.lcb_metadata);
		memcpy(v->rerun_reason, reason, sizeof(reason));
		return;
	}
	/* A pass on the re-run stands; what was said beside it stays, but a
	 * harness verdict taken from the first run is this one's now. */
	struct harness_verdict h = v->harness;
	char *notes = v->notes;
	bool inferred = h.on && !h.ran;
	free(v->program);
	free(v->lcb_metadata);
	unsigned flags = v->flags | VF_FLAKY;
	*v = again;
	v->flags = flags;
	v->notes = notes;
	v->harness = h;
	if (inferred || !h.on)
		v->harness.status = ST_PASSED;
	v->harness_passed = v->harness.on ? v->harness.status == ST_PASSED : true;
	v->harness.differs = h.on && v->harness_passed != true;
	if (!v->harness.differs) {
		v->harness.cause = HC_NONE;
		v->harness.label[0] = '\0';
	}
	memcpy(v->rerun_reason, reason, sizeof(reason));
}
