/* The scoring pipeline (see score.h): every sample becomes one work item on
 * the shared scheduler; each item prepares the text, builds the job, runs it
 * in the jail and decides the verdict. Timed-out samples are re-run alone
 * once afterwards. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "base/embedded.h"
#include "score/expected.h"
#include "extract/extract.h"
#include "score/job.h"
#include "input/lcb_problem.h"
#include "input/lcb_tests.h"
#include "score/passk.h"
#include "pool.h"
#include "score/runner_channel.h"
#include "score/scheduler.h"
#include "score/scorer_internal.h"

/* ------------------------------------------------------------- scorer */

static const char *const runner_modules[] = {
	"verdict_runner.py", "verdict_extract.py", "verdict_values.py", "verdict_guard.py",
	"verdict_lcb.py",    "verdict_evalplus.py", "verdict_forgery.py",
};

int scorer_create(const struct scorer_options *o, struct scorer **out, char *err, size_t errlen)
{
	struct scorer *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->jail = o->jail;
	pthread_mutex_init(&s->cache_mu, NULL);
	for (size_t i = 0; i < ARRAY_LEN(runner_modules); i++) {
		char name[64];
		snprintf(name, sizeof(name), "py/%s", runner_modules[i]);
		const struct embedded_file *f = embedded_find(name);
		if (!f)
			continue;
		s->runner_files[s->n_runner_files++] =
			(struct jail_file){ .name = runner_modules[i], .data = f->data, .len = f->len };
	}
	if (s->n_runner_files == 0 || strcmp(s->runner_files[0].name, "verdict_runner.py") != 0) {
		snprintf(err, errlen, "this build has no embedded runner (py/verdict_runner.py)");
		scorer_destroy(&s);
		return -1;
	}
	if (o->cache_dir && !(s->cache_dir = strdup(o->cache_dir))) {
		snprintf(err, errlen, "out of memory");
		scorer_destroy(&s);
		return -1;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int workers = o->workers > 0 ? o->workers : (cores > 0 ? (int)cores : 2);
	int rc = scheduler_create(workers, o->max_queued ? o->max_queued : 100000, &s->sched);
	if (rc < 0) {
		snprintf(err, errlen, "starting %d workers: %s", workers, strerror(-rc));
		scorer_destroy(&s);
		return -1;
	}
	if (extract_new(NULL, &s->extractor, err, errlen) < 0) {
		scorer_destroy(&s);
		return -1;
	}
	/* The warm pool is the default execution path; it needs the full
	 * isolation level (each worker is a complete jail). */
	const struct embedded_file *zygote = embedded_find("py/verdict_zygote.py");
	if (!o->no_pool && s->jail->level == JAIL_LEVEL_FULL && zygote) {
		struct jail_pool_options po = {
			.workers = workers,
			.preload = s->runner_files,
			.n_preload = s->n_runner_files,
			.zygote = zygote->data,
			.zygote_len = zygote->len,
		};
		if (jail_pool_create(s->jail, &po, &s->pool, err, errlen) < 0) {
			scorer_destroy(&s);
			return -1;
		}
	}
	*out = s;
	return 0;
}

void scorer_destroy(struct scorer **sp)
{
	struct scorer *s = *sp;
	if (!s)
		return;
	scheduler_destroy(&s->sched);
	jail_pool_destroy(&s->pool);
	extract_free(&s->extractor);
	pthread_mutex_destroy(&s->cache_mu);
	free(s->cache_dir);
	free(s);
	*sp = NULL;
}

struct scheduler *scorer_scheduler(struct scorer *s)
{
	return s->sched;
}

void scorer_pool_stats(struct scorer *s, struct jail_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (s->pool)
		jail_pool_stats(s->pool, out);
}

bool scorer_uses_pool(const struct scorer *s)
{
	return s->pool != NULL;
}

const struct jail_config *scorer_jail(const struct scorer *s)
{
	return s->jail;
}

void score_options_default(struct score_options *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = PROFILE_AUTO;
	o->strip_reasoning = true;
	o->use_reasoning_content = true;
	o->compare_harness = true;
	o->forgery_check = true;
	o->wall_factor = 3.0;
	o->ks[0] = 1;
	o->n_ks = 1;
	o->exec = true;
	o->rerun_timeouts = true;
	o->rerun_alone = true;
}

/* ------------------------------------------------------------ batches */

struct batch_ctx {
	struct scorer *sc;
	const struct score_options *o;
	const struct dataset *ds;
	const struct sample_set *set;
	struct score_report *rep;
	const struct problem **probs; /* per sample, NULL when invalid */
	enum profile *profiles;
	struct expected_set *expected; /* evalplus canonical outputs */
	size_t *order;		       /* batch item -> sample index, longest first; NULL: input order */
	struct jail_limits limits;
	pthread_mutex_t progress_mu;
	size_t done;
};

static enum profile auto_profile(const struct score_options *o, const struct sample_set *set, const struct problem *p)
{
	if (o->profile != PROFILE_AUTO)
		return o->profile;
	if (p && p->lcb)
		return PROFILE_LCB;
	switch (set->format) {
	case SAMPLES_LM_EVAL:
		return PROFILE_LM_EVAL_CHAT;
	case SAMPLES_EVALPLUS:
	case SAMPLES_EVALPLUS_RESULTS:
		return p && p->base_input ? PROFILE_EVALPLUS : PROFILE_HUMAN_EVAL;
	case SAMPLES_LCB:
		return PROFILE_LCB;
	case SAMPLES_AUTO:
	case SAMPLES_PLAIN:
		break;
	}
	return p && p->base_input ? PROFILE_EVALPLUS : PROFILE_HUMAN_EVAL;
}

static void set_detail(struct sample_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(struct sample_verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

static const char *json_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum sample_status status_from_record(const char *s)
{
	if (!s)
		return ST_ERROR;
	if (strcmp(s, "passed") == 0)
		return ST_PASSED;
	if (strcmp(s, "failed") == 0)
		return ST_FAILED;
	if (strcmp(s, "syntax_error") == 0)
		return ST_SYNTAX_ERROR;
	if (strcmp(s, "timeout") == 0)
		return ST_TIMEOUT;
	if (strcmp(s, "no_code") == 0)
		return ST_NO_CODE;
	if (strcmp(s, "memory_limit") == 0)
		return ST_MEMORY_LIMIT;
	return ST_ERROR;
}

/* The supervisor's decision: the jail's observations first, then the
 * runner's record, which only counts for a pass when the process also
 * ended cleanly. */
static void decide(const struct runner_outcome *ro, struct sample_verdict *v)
{
	const struct jail_result *j = &ro->jail;
	v->wall_ms = j->wall_ms;
	v->cpu_ms = j->cpu_ms;
	v->peak_rss_kb = j->peak_rss_kb;
	if (j->out.truncated || j->err.truncated)
		v->flags |= VF_OUTPUT_TRUNCATED;
	if (ro->extraction) {
		const char *path = json_str(ro->extraction, "path");
		if (path)
			snprintf(v->path, sizeof(v->path), "%s", path);
		const cJSON *budget = cJSON_GetObjectItemCaseSensitive(ro->extraction, "budget_exceeded");
		if (cJSON_IsTrue(budget))
			v->flags |= VF_EXTRACTION_BUDGET;
	}
	switch (j->status) {
	case JAIL_SANDBOX_ERROR:
		v->status = ST_SANDBOX_ERROR;
		set_detail(v, "%s", j->error);
		return;
	case JAIL_TIMEOUT:
	case JAIL_CPU_LIMIT:
		v->status = ST_TIMEOUT;
		v->timeout_wall = j->status == JAIL_TIMEOUT;
		set_detail(v, "%s (cpu %llu ms, wall %llu ms)", j->error, (unsigned long long)j->cpu_ms,
			   (unsigned long long)j->wall_ms);
		return;
	case JAIL_MEMORY_LIMIT:
		v->status = ST_MEMORY_LIMIT;
		set_detail(v, "%s", j->error);
		return;
	case JAIL_OUTPUT_LIMIT:
		v->status = ST_OUTPUT_LIMIT;
		set_detail(v, "%s", j->error);
		return;
	case JAIL_OK:
	case JAIL_EXIT_NONZERO:
	case JAIL_SIGNAL:
		break;
	}
	if (ro->runner_error) {
		v->status = ST_SANDBOX_ERROR;
		set_detail(v, "runner error: %s", ro->runner_error_msg);
		return;
	}
	if (ro->result) {
		const char *st = json_str(ro->result, "status");
		v->status = status_from_record(st);
		const char *et = json_str(ro->result, "exc_type");
		/* The address-space limit shows up as a MemoryError inside the
		 * candidate's process. */
		if (v->status == ST_ERROR && et && strcmp(et, "MemoryError") == 0)
			v->status = ST_MEMORY_LIMIT;
		const char *em = json_str(ro->result, "exc_message");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(ro->result, "line");
		if (et)
			set_detail(v, "%s%s%.300s%s", et, em && *em ? ": " : "", em ? em : "",
				   cJSON_IsNumber(line) ? "" : "");
		if (et && cJSON_IsNumber(line)) {
			size_t l = strlen(v->detail);
			snprintf(v->detail + l, sizeof(v->detail) - l, " (line %d)", line->valueint);
		}
		if (!v->detail[0] && v->status == ST_TIMEOUT)
			set_detail(v, "the runner's time limit was reached (cpu %llu ms, wall %llu ms)",
				   (unsigned long long)j->cpu_ms, (unsigned long long)j->wall_ms);
		if (json_str(ro->result, "forged"))
			v->flags |= VF_FORGED_RESULT;
		if (v->status == ST_PASSED && j->status != JAIL_OK) {
			/* A pass record followed by a crash is not a pass. */
			v->status = ST_ERROR;
			set_detail(v, "reported a pass, then ended with %s (exit %d, signal %d)",
				   jail_status_name(j->status), j->exit_code, j->signal);
		}
		return;
	}
	if (j->status == JAIL_OK) {
		v->status = ST_FAILED;
		set_detail(v, "the program exited before the tests completed");
	} else if (j->status == JAIL_SIGNAL) {
		v->status = ST_ERROR;
		set_detail(v, "killed by signal %d", j->signal);
	} else {
		v->status = ST_ERROR;
		set_detail(v, "exited with status %d before the tests completed", j->exit_code);
	}
}

/* The per-test limit of LiveCodeBench (the official runner's 6 s), or the
 * caller's timeout. */
static double lcb_test_limit_s(const struct batch_ctx *b)
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
	double cpu_s = (lcb_test_limit_s(b) + 1.0) * (double)n + 5.0;
	l->cpu_ms = (uint32_t)(cpu_s * 1000.0);
	l->wall_ms = (uint32_t)(cpu_s * 1000.0 * (b->o->wall_factor > 0 ? b->o->wall_factor : 3.0));
	l->tmp_bytes = (64u << 20) + 3 * bytes;
}

/* The official metadata of an LCB failure, kept with the verdict. */
static void read_lcb_result(const cJSON *result, struct sample_verdict *v)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(result, "error_code");
	if (cJSON_IsNumber(code))
		v->lcb_error_code = code->valueint;
	cJSON *md = cJSON_CreateObject();
	if (!md)
		return;
	static const char *const keys[] = { "error_code", "error_message", "inputs", "expected", "output", "tests_run",
					    "tests_total", "failed_test" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(result, keys[k]);
		if (f)
			cJSON_AddItemToObject(md, keys[k], cJSON_Duplicate(f, true));
	}
	v->lcb_metadata = cJSON_PrintUnformatted(md);
	cJSON_Delete(md);
}

/* Run the job for one text and decide. Returns the verdict in *v. */
static void run_once(struct batch_ctx *b, size_t i, const struct job_text *jt, struct sample_verdict *v)
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
		set_detail(v, "no code between two fence lines");
		return;
	}
	cJSON *job = job_build(prof, p, s, jt, nonce, err, sizeof(err));
	if (job && prof == PROFILE_LCB && job_add_lcb_tests(job, p, b->o->public_only, lcb_test_limit_s(b)) < 0) {
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
		set_detail(v, "building the job: %s", err);
		return;
	}
	double budget_s = 0;
	size_t job_bytes = 0;
	if (prof == PROFILE_EVALPLUS &&
	    expected_attach(b->expected, p, b->o->evalplus_version, job, &budget_s, &job_bytes, err, sizeof(err)) < 0) {
		cJSON_Delete(job);
		v->status = ST_SANDBOX_ERROR;
		set_detail(v, "canonical outputs: %s", err);
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
	struct runner_outcome ro;
	runner_run(b->sc, job, nonce, &lim, NULL, 0, &ro);
	cJSON_Delete(job);
	decide(&ro, v);
	if (b->o->keep_programs && ro.extraction) {
		const char *prog = json_str(ro.extraction, "program");
		if (prog)
			v->program = strdup(prog);
	}
	if (ro.result && prof == PROFILE_EVALPLUS)
		expected_read_splits(ro.result, v);
	if (ro.result && prof == PROFILE_LCB) {
		read_lcb_result(ro.result, v);
		if (prof == PROFILE_LCB && !v->path[0])
			snprintf(v->path, sizeof(v->path), "%s", s->solution ? "solution" : "fenced last pair");
	}
	runner_outcome_free(&ro);
}

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

/* Did reasoning handling change what the harness would have seen? */
static bool jt_changed(const struct batch_ctx *b, const struct sample *s)
{
	return s->completion && (b->o->strip_reasoning || b->o->use_reasoning_content) && b->rep->v[s - b->set->v].flags &
		(VF_REASONING_STRIPPED | VF_TRUNCATED_REASONING | VF_FROM_REASONING);
}

static void score_item(void *ctx, size_t k)
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
		set_detail(v, "out of memory preparing the text");
		return;
	}
	v->flags |= jt.flags;
	run_once(b, i, &jt, v);
	v->harness_passed = v->status == ST_PASSED;
	job_text_free(&jt);
	if (jt_changed(b, s) && b->o->compare_harness) {
		/* What the harness itself would have given, with the raw text. */
		struct sample_verdict h = { 0 };
		struct job_text raw;
		if (job_text_prepare(b->sc->extractor, s, false, false, &raw) == 0) {
			run_once(b, i, &raw, &h);
			job_text_free(&raw);
			v->harness_passed = h.status == ST_PASSED;
			if (v->harness_passed != (v->status == ST_PASSED))
				v->flags |= VF_REASONING_CHANGED;
		}
		free(h.program);
	}
	if (b->o->progress) {
		pthread_mutex_lock(&b->progress_mu);
		b->done++;
		b->o->progress(b->o->progress_ctx, b->done, b->set->n);
		pthread_mutex_unlock(&b->progress_mu);
	}
}

static void cancel_item(void *ctx, size_t k)
{
	struct batch_ctx *b = ctx;
	size_t i = b->order ? b->order[k] : k;
	struct sample_verdict *v = &b->rep->v[i];
	if (v->status != ST_INVALID) {
		v->status = ST_SANDBOX_ERROR;
		set_detail(v, "cancelled: the client went away or the service is stopping");
	}
}

struct rerun_ctx {
	struct batch_ctx *b;
	size_t i;
};

static void rerun_one(void *ctx)
{
	struct rerun_ctx *r = ctx;
	struct sample_verdict *v = &r->b->rep->v[r->i];
	struct sample_verdict again = { 0 };
	again.flags = v->flags;
	const struct sample *s = &r->b->set->v[r->i];
	struct job_text jt;
	if (job_text_prepare(r->b->sc->extractor, s, r->b->o->strip_reasoning, r->b->o->use_reasoning_content, &jt) < 0)
		return;
	run_once(r->b, r->i, &jt, &again);
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

/* ------------------------------------------------------------ summary */

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

/* LiveCodeBench summaries are read by difficulty and by platform. */
static void group_tasks(struct score_report *r)
{
	for (size_t t = 0; t < r->n_tasks; t++) {
		const struct problem *p = r->tasks[t].problem;
		if (!p || !p->lcb || !r->tasks[t].scored)
			continue;
		add_group(r, "difficulty", p->lcb->difficulty, r->tasks[t].pass_at_1);
		add_group(r, "platform", p->lcb->platform, r->tasks[t].pass_at_1);
	}
}

static void summarise(struct batch_ctx *b)
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
				set_detail(v, "empty completion; the prompt alone gave: %.300s", was);
			} else {
				set_detail(v, "empty completion");
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

static void audit_samples(struct batch_ctx *b)
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

struct score_job {
	struct batch_ctx b;
	struct batch batch;
	bool submitted;
};

static void job_free(struct score_job *j)
{
	pthread_mutex_destroy(&j->b.progress_mu);
	expected_free(&j->b.expected);
	free(j->b.order);
	free(j->b.probs);
	free(j->b.profiles);
	free(j);
}

struct cost_index {
	double cost;
	size_t i;
};

static int by_cost_desc(const void *a, const void *b)
{
	const struct cost_index *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost < y->cost ? 1 : -1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Longest jobs first, where their cost is known (the evalplus profile's
 * canonical times): with a few multi-second tasks among hundreds of short
 * ones, starting them last leaves workers idle at the end. Samples of
 * unknown cost keep their input order. Records stay in input order. */
static void order_by_cost(struct batch_ctx *b)
{
	size_t n = b->set->n;
	bool any = false;
	struct cost_index *c = calloc(n ? n : 1, sizeof(*c));
	if (!c)
		return; /* input order then */
	for (size_t i = 0; i < n; i++) {
		c[i].i = i;
		c[i].cost = b->probs[i] && b->profiles[i] == PROFILE_EVALPLUS ? expected_cost_ms(b->expected, b->probs[i]) : 0;
		any = any || c[i].cost > 0;
	}
	if (any && (b->order = malloc(n * sizeof(*b->order)))) {
		qsort(c, n, sizeof(*c), by_cost_desc);
		for (size_t k = 0; k < n; k++)
			b->order[k] = c[k].i;
	}
	free(c);
}

/* LCB contamination windows: contest_date within [since, until], comparing
 * the date part (YYYY-MM-DD) as text. */
static bool in_window(const struct score_options *o, const char *date)
{
	if (!o->since && !o->until)
		return true;
	if (!date)
		return false;
	char d[11];
	snprintf(d, sizeof(d), "%.10s", date);
	if (o->since && strcmp(d, o->since) < 0)
		return false;
	if (o->until && strcmp(d, o->until) > 0)
		return false;
	return true;
}

/* Resolve each sample's problem and profile; invalid input becomes
 * ST_INVALID with the reason, never a silent drop. */
static void resolve(struct batch_ctx *b)
{
	const struct sample_set *set = b->set;
	struct score_report *out = b->rep;
	for (size_t i = 0; i < set->n; i++) {
		const struct sample *s = &set->v[i];
		struct sample_verdict *v = &out->v[i];
		v->ref_agrees = -1;
		v->cpu_limit_ms = b->limits.cpu_ms;
		v->wall_limit_ms = b->limits.wall_ms;
		const struct problem *p = s->problem ? s->problem : b->ds ? dataset_find(b->ds, s->task_id) : NULL;
		b->probs[i] = p;
		b->profiles[i] = auto_profile(b->o, set, p);
		v->profile = b->profiles[i];
		if (!p && b->o->skip_unknown && b->ds) {
			v->skipped = true;
			set_detail(v, "task not in the dataset");
			continue;
		}
		if (!p) {
			v->status = ST_INVALID;
			set_detail(v, "unknown task id '%.200s'%s", s->task_id,
				   b->ds ? "" : " (no dataset given and the sample carries no problem)");
			continue;
		}
		if (p->lcb) {
			out->bench = BENCH_LIVECODEBENCH;
			if (!in_window(b->o, p->lcb->contest_date)) {
				v->skipped = true;
				continue;
			}
			if (p->lcb->decode_error) {
				v->status = ST_INVALID;
				set_detail(v, "%s", p->lcb->decode_error);
				continue;
			}
		}
		if (b->profiles[i] == PROFILE_EVALPLUS && !p->base_input) {
			v->status = ST_INVALID;
			set_detail(v, "the evalplus profile needs HumanEval+ in evalplus's native form (base_input, plus_input)");
		}
	}
	out->profile = set->n ? b->profiles[0] : b->o->profile;
}

int score_start(struct scorer *sc, const struct score_options *o, const struct dataset *ds,
		const struct sample_set *set, struct score_report *out, struct score_job **jobp, bool *busy, char *err,
		size_t errlen)
{
	memset(out, 0, sizeof(*out));
	*jobp = NULL;
	if (busy)
		*busy = false;
	if (o->exec && !sc) {
		snprintf(err, errlen, "running samples needs a scorer");
		return -1;
	}
	struct score_job *j = calloc(1, sizeof(*j));
	out->v = calloc(set->n ? set->n : 1, sizeof(*out->v));
	const struct problem **probs = calloc(set->n ? set->n : 1, sizeof(*probs));
	enum profile *profiles = calloc(set->n ? set->n : 1, sizeof(*profiles));
	if (!j || !out->v || !probs || !profiles) {
		free(j);
		free(probs);
		free(profiles);
		free(out->v);
		out->v = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->level = sc ? sc->jail->level : JAIL_LEVEL_NONE;
	out->executed = o->exec;
	out->n = set->n;
	out->bench = ds ? ds->bench : o->bench;
	struct batch_ctx *b = &j->b;
	*b = (struct batch_ctx){
		.sc = sc, .o = o, .ds = ds, .set = set, .rep = out, .probs = probs, .profiles = profiles,
	};
	pthread_mutex_init(&b->progress_mu, NULL);
	b->limits.cpu_ms = o->timeout_ms ? o->timeout_ms : 3000;
	b->limits.wall_ms = (uint32_t)((double)b->limits.cpu_ms * (o->wall_factor > 0 ? o->wall_factor : 3.0));
	b->limits.memory_bytes = o->memory_bytes;
	out->cpu_limit_ms = b->limits.cpu_ms;
	out->wall_limit_ms = b->limits.wall_ms;
	out->memory_bytes = o->memory_bytes ? o->memory_bytes : sc ? sc->jail->defaults.memory_bytes : 1024u << 20;
	resolve(b);
	if (out->profile == PROFILE_LCB) {
		/* Reported limits are per test for LiveCodeBench. */
		out->cpu_limit_ms = (uint32_t)(lcb_test_limit_s(b) * 1000.0);
		out->wall_limit_ms = (uint32_t)(out->cpu_limit_ms * (o->wall_factor > 0 ? o->wall_factor : 3.0));
	}
	if (o->exec) {
		if (expected_prepare(sc, ds, set, probs, profiles, &b->expected, err, errlen) < 0) {
			job_free(j);
			score_report_free(out);
			return -1;
		}
		order_by_cost(b);
		j->batch = (struct batch){ .run = score_item, .cancelled = cancel_item, .ctx = b, .n = set->n };
		if (scheduler_submit(sc->sched, &j->batch) == -EBUSY) {
			if (busy)
				*busy = true;
			snprintf(err, errlen, "queue full: %zu samples queued, %zu more would exceed the bound",
				 scheduler_queued(sc->sched), set->n);
			job_free(j);
			score_report_free(out);
			return -1;
		}
		j->submitted = true;
	}
	*jobp = j;
	return 0;
}

bool score_wait(struct score_job *j, int timeout_ms)
{
	if (!j->submitted)
		return true;
	return scheduler_wait_timeout(j->b.sc->sched, &j->batch, timeout_ms);
}

void score_cancel(struct score_job *j)
{
	if (j->submitted)
		scheduler_cancel(j->b.sc->sched, &j->batch);
}

void score_finish(struct score_job **jp)
{
	struct score_job *j = *jp;
	if (!j)
		return;
	struct batch_ctx *b = &j->b;
	if (j->submitted) {
		scheduler_wait(b->sc->sched, &j->batch);
		/* A run ended by the wall-clock cap may have been slowed by the
		 * machine, not by itself: it is run once more, alone when asked.
		 * A CPU limit counts the program's own work and stands. */
		for (size_t i = 0; b->o->rerun_timeouts && !j->batch.cancel && i < b->set->n; i++) {
			if (b->rep->v[i].status != ST_TIMEOUT || !b->rep->v[i].timeout_wall)
				continue;
			struct rerun_ctx r = { .b = b, .i = i };
			if (b->o->rerun_alone)
				scheduler_run_alone(b->sc->sched, rerun_one, &r);
			else
				rerun_one(&r);
		}
	}
	summarise(b);
	audit_samples(b);
	job_free(j);
	*jp = NULL;
}

int score_samples(struct scorer *sc, const struct score_options *o, const struct dataset *ds,
		  const struct sample_set *set, struct score_report *out, bool *busy, char *err, size_t errlen)
{
	struct score_job *j;
	if (score_start(sc, o, ds, set, out, &j, busy, err, errlen) < 0)
		return -1;
	score_finish(&j);
	return 0;
}

void score_report_free(struct score_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].program);
		free(r->v[i].lcb_metadata);
	}
	free(r->v);
	free(r->tasks);
	free(r->groups);
	for (size_t i = 0; i < r->n_unpassable; i++)
		free(r->unpassable[i]);
	free(r->unpassable);
	memset(r, 0, sizeof(*r));
}
