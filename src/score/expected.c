/* Canonical outputs for evalplus's tests (the evalplus and verdict profiles; see expected.h).
 *
 * For each HumanEval+ task scored with the evalplus profile, the canonical
 * solution is run once in the jail on every base and plus input (the
 * runner's `expected` kind); the result record (outputs as tagged JSON and
 * the per-input wall times) is cached under the cache directory, keyed by
 * the dataset's content hash and the task id. Jobs then carry, per split,
 * the raw inputs, the expected outputs and evalplus's per-input time limits
 * max(1.0, 4.0 x t).
 *
 * An output whose JSON is longer than DIGEST_OVER bytes is kept and
 * shipped as its equality digest (src/py/verdict_digest.py) unless a
 * tolerance may compare it (the task's atol, or a float output earlier in
 * the split): HumanEval/15's outputs alone were 147 MB, now 134 digests.
 * When a candidate's output is of a type a digest cannot judge (a numpy
 * value, a subclass), the runner recomputes that split's outputs with the
 * canonical program the job carries and compares the real values. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "score/cache.h"
#include "base/digest.h"
#include "score/expected.h"
#include "base/json_span.h"
#include "score/runner_channel.h"
#include "score/scheduler.h"
#include "score/scorer_internal.h"

/* evalplus >= 0.2.1 defaults (--min-time-limit, --gt-time-limit-factor). */
#define EVALPLUS_MIN_TIME_LIMIT 1.0
#define EVALPLUS_GT_FACTOR 4.0
/* evalplus's per-task process budget: min(60, sum of limits) + 2 s a split. */
#define EVALPLUS_TASK_CAP 60.0
/* Outputs longer than this (tagged JSON bytes) travel as digests. Shorter
 * ones stay whole: they cost little, and their comparison never needs the
 * canonical program again. */
#define DIGEST_OVER 1024

struct expected_task {
	const struct problem *p;
	char name[512];	  /* cache file name, relative to the cache directory */
	char *raw;	  /* the record, when there is no cache */
	char error[300];  /* computing it failed */
	double cost_ms;	  /* estimated cost of one job of this task (0: unknown) */
};

struct expected_set {
	struct scorer *sc;
	const char *cache_dir;
	struct expected_task *v;
	size_t n;
	uint64_t runs, cpu_ms; /* canonical runs made (atomic adds) */
};

static int add_task(struct expected_set *e, const struct problem *p, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].p == p)
			return 0;
	struct expected_task *g = realloc(e->v, (e->n + 1) * sizeof(*g));
	if (!g)
		return -1;
	e->v = g;
	struct expected_task *t = &e->v[e->n++];
	memset(t, 0, sizeof(*t));
	t->p = p;
	char safe[256];
	cache_safe_name(p->task_id, safe, sizeof(safe));
	/* -2: records with digests (the first form kept every value whole). */
	snprintf(t->name, sizeof(t->name), "evalplus-expected-2/%s/%s.json", key, safe);
	return 0;
}

/* Problems that came inline (no dataset file) are keyed by their content. */
static void problem_key(const struct problem *p, char out[65])
{
	const char *parts[] = { p->task_id, p->prompt, p->canonical_solution, p->entry_point, p->base_input,
				p->plus_input };
	size_t len = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		len += (parts[i] ? strlen(parts[i]) : 0) + 1;
	char *buf = malloc(len + 1);
	if (!buf) {
		snprintf(out, 65, "nokey");
		return;
	}
	size_t off = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t n = parts[i] ? strlen(parts[i]) : 0;
		memcpy(buf + off, parts[i] ? parts[i] : "", n);
		off += n;
		buf[off++] = '\x1f';
	}
	digest_sha256_hex(buf, off, out);
	free(buf);
}

static cJSON *split_obj(const char *name, const char *raw_inputs)
{
	cJSON *s = cJSON_CreateObject();
	if (!s || !cJSON_AddStringToObject(s, "name", name) ||
	    !cJSON_AddItemToObject(s, "inputs", cJSON_CreateRaw(raw_inputs ? raw_inputs : "[]"))) {
		cJSON_Delete(s);
		return NULL;
	}
	return s;
}

/* The expected job: the canonical program on every input of both splits. */
static cJSON *expected_job(const struct problem *p, const char *nonce)
{
	cJSON *job = cJSON_CreateObject();
	cJSON *splits = job ? cJSON_AddArrayToObject(job, "splits") : NULL;
	size_t pl = strlen(p->prompt) + strlen(p->canonical_solution) + 1;
	char *program = malloc(pl);
	if (!splits || !program) {
		free(program);
		cJSON_Delete(job);
		return NULL;
	}
	snprintf(program, pl, "%s%s", p->prompt, p->canonical_solution);
	bool ok = cJSON_AddStringToObject(job, "nonce", nonce) && cJSON_AddStringToObject(job, "kind", "expected") &&
		  cJSON_AddStringToObject(job, "guard", "none") && cJSON_AddStringToObject(job, "profile", "evalplus") &&
		  cJSON_AddStringToObject(job, "program", program) &&
		  cJSON_AddStringToObject(job, "entry_point", p->entry_point) &&
		  cJSON_AddNumberToObject(job, "digest_over", DIGEST_OVER) &&
		  cJSON_AddItemToObject(job, "atol", cJSON_CreateRaw(p->atol ? p->atol : "0")) &&
		  cJSON_AddItemToArray(splits, split_obj("base", p->base_input)) &&
		  cJSON_AddItemToArray(splits, split_obj("plus", p->plus_input));
	free(program);
	if (!ok) {
		cJSON_Delete(job);
		return NULL;
	}
	return job;
}

/* What one job of a task costs, roughly: the canonical solution's time on
 * every input (a passing candidate takes about as long) plus the time to
 * carry and parse the record (about 25 ms a megabyte). Used to start the
 * longest jobs first. */
static double record_cost_ms(const char *raw, size_t len)
{
	struct span splits, sp, times;
	double sum = 0;
	if (json_span_member(raw, len, "splits", &splits) != 0)
		return 0;
	const char *names[2] = { "base", "plus" };
	for (int i = 0; i < 2; i++) {
		if (json_span_member(splits.p, splits.n, names[i], &sp) != 0 ||
		    json_span_member(sp.p, sp.n, "times_ms", &times) != 0)
			continue;
		cJSON *arr = cJSON_ParseWithLength(times.p, times.n);
		const cJSON *t;
		cJSON_ArrayForEach(t, arr)
		{
			if (cJSON_IsNumber(t))
				sum += t->valuedouble;
		}
		cJSON_Delete(arr);
	}
	return sum + (double)len / 40000.0;
}

/* The cost sits beside the cached record, so ordering jobs never reads the
 * records themselves (hundreds of megabytes). */
static void cost_name(const struct expected_task *t, char *out, size_t n)
{
	snprintf(out, n, "%s.cost", t->name);
}

static void save_cost(struct expected_set *e, struct expected_task *t)
{
	char name[600], text[64];
	cost_name(t, name, sizeof(name));
	int n = snprintf(text, sizeof(text), "%.0f\n", t->cost_ms);
	pthread_mutex_lock(&e->sc->cache_mu);
	(void)cache_write(e->cache_dir, name, text, (size_t)n); /* only an ordering hint */
	pthread_mutex_unlock(&e->sc->cache_mu);
}

static void load_cost(struct expected_set *e, struct expected_task *t)
{
	char name[600];
	char *data = NULL;
	size_t len = 0;
	cost_name(t, name, sizeof(name));
	if (cache_read(e->cache_dir, name, &data, &len) == 0) {
		t->cost_ms = strtod(data, NULL);
		free(data);
		return;
	}
	/* A cache written before costs were kept: read the record once. */
	if (cache_read(e->cache_dir, t->name, &data, &len) == 0) {
		t->cost_ms = record_cost_ms(data, len);
		free(data);
		save_cost(e, t);
	}
}

double expected_cost_ms(const struct expected_set *e, const struct problem *p)
{
	for (size_t i = 0; e && i < e->n; i++)
		if (e->v[i].p == p)
			return e->v[i].cost_ms;
	return 0;
}

struct compute_ctx {
	struct expected_set *e;
	size_t *todo; /* indexes into e->v */
};

static void compute_one(void *arg, size_t k)
{
	struct compute_ctx *cx = arg;
	struct expected_task *t = &cx->e->v[cx->todo[k]];
	char nonce[33];
	runner_nonce(nonce);
	cJSON *job = expected_job(t->p, nonce);
	if (!job) {
		snprintf(t->error, sizeof(t->error), "out of memory");
		return;
	}
	/* The canonical solutions of some tasks need seconds of CPU and emit
	 * outputs of over a hundred megabytes (HumanEval/15, /130). */
	struct jail_limits lim = {
		.cpu_ms = 900000,
		.wall_ms = 2700000,
		.memory_bytes = 4ull << 30,
		.max_procs = 16,
		.output_keep_bytes = 1ull << 30,
		.output_max_bytes = 2ull << 30,
		.tmp_bytes = (64ull << 20) + 2 * (strlen(t->p->base_input ? t->p->base_input : "") +
						   strlen(t->p->plus_input ? t->p->plus_input : "")),
	};
	struct runner_outcome ro;
	runner_run(cx->e->sc, job, nonce, &lim, NULL, 0, &ro);
	cJSON_Delete(job);
	__atomic_add_fetch(&cx->e->runs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&cx->e->cpu_ms, ro.jail.cpu_ms, __ATOMIC_RELAXED);
	if (getenv("VERDICT_DEBUG_EXPECTED"))
		fprintf(stderr, "expected %s: %s wall %llu ms cpu %llu ms record %zu bytes\n", t->p->task_id,
			jail_status_name(ro.jail.status), (unsigned long long)ro.jail.wall_ms,
			(unsigned long long)ro.jail.cpu_ms, ro.result_line ? strlen(ro.result_line) : 0);
	const char *status = ro.result ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ro.result, "status")) : NULL;
	if (!status || strcmp(status, "passed") != 0 || !ro.result_line) {
		snprintf(t->error, sizeof(t->error), "the canonical solution of %s did not run cleanly: jail %s%s%s, runner %s",
			 t->p->task_id, jail_status_name(ro.jail.status), ro.jail.error[0] ? ": " : "", ro.jail.error,
			 status ? status : ro.runner_error ? ro.runner_error_msg : "no record");
		runner_outcome_free(&ro);
		return;
	}
	const char *dir = cx->e->cache_dir;
	t->cost_ms = record_cost_ms(ro.result_line, strlen(ro.result_line));
	if (dir) {
		pthread_mutex_lock(&cx->e->sc->cache_mu);
		int rc = cache_write(dir, t->name, ro.result_line, strlen(ro.result_line));
		pthread_mutex_unlock(&cx->e->sc->cache_mu);
		if (rc < 0)
			snprintf(t->error, sizeof(t->error), "writing %s/%s: %s", dir, t->name, strerror(errno));
		else
			save_cost(cx->e, t);
	} else {
		t->raw = ro.result_line;
		ro.result_line = NULL;
	}
	runner_outcome_free(&ro);
}

int expected_prepare(struct scorer *sc, const struct dataset *ds, const struct sample_set *set,
		     const struct problem **probs, const enum profile *profiles, struct expected_set **out, char *err,
		     size_t errlen)
{
	*out = NULL;
	struct expected_set *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->sc = sc;
	e->cache_dir = sc->cache_dir;
	for (size_t i = 0; i < set->n; i++) {
		const struct problem *p = probs[i];
		/* The verdict profile runs evalplus's tests on HumanEval+'s native form too. */
		bool wants = profiles[i] == PROFILE_EVALPLUS || profiles[i] == PROFILE_VERDICT;
		if (!wants || !p || !p->base_input || !p->canonical_solution || !p->prompt || !p->entry_point)
			continue;
		char key[65];
		if (ds && dataset_find(ds, p->task_id) == p)
			memcpy(key, ds->sha256, sizeof(key));
		else
			problem_key(p, key);
		if (add_task(e, p, key) < 0) {
			expected_free(&e);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (e->n == 0) {
		expected_free(&e);
		return 0;
	}
	size_t *todo = calloc(e->n, sizeof(*todo));
	size_t n_todo = 0;
	for (size_t i = 0; todo && i < e->n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", e->cache_dir ? e->cache_dir : "", e->v[i].name);
		if (!e->cache_dir || access(path, R_OK) != 0)
			todo[n_todo++] = i;
		else
			load_cost(e, &e->v[i]);
	}
	if (n_todo) {
		struct compute_ctx cx = { .e = e, .todo = todo };
		struct batch b = { .run = compute_one, .ctx = &cx, .n = n_todo };
		if (scheduler_submit(sc->sched, &b) < 0) {
			free(todo);
			expected_free(&e);
			snprintf(err, errlen, "queue full while computing canonical outputs");
			return -1;
		}
		scheduler_wait(sc->sched, &b);
	}
	free(todo);
	*out = e;
	return 0;
}

/* Per-input limits max(1.0, 4.0 x t) from the canonical wall times, and the
 * split's process budget min(60, sum) + 2, like evalplus. */
static cJSON *time_limits(const char *raw_times, size_t len, double *budget_s)
{
	cJSON *times = cJSON_ParseWithLength(raw_times, len);
	cJSON *limits = cJSON_CreateArray();
	double sum = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, times)
	{
		double s = cJSON_IsNumber(t) ? t->valuedouble / 1000.0 : 0;
		double l = fmax(EVALPLUS_MIN_TIME_LIMIT, EVALPLUS_GT_FACTOR * s);
		sum += l;
		cJSON_AddItemToArray(limits, cJSON_CreateNumber(l));
	}
	cJSON_Delete(times);
	*budget_s = fmin(EVALPLUS_TASK_CAP, sum) + 2.0;
	return limits;
}

static const struct expected_task *find(const struct expected_set *e, const struct problem *p)
{
	for (size_t i = 0; e && i < e->n; i++)
		if (e->v[i].p == p)
			return &e->v[i];
	return NULL;
}

int expected_attach(const struct expected_set *e, const struct problem *p, const char *evalplus_version, cJSON *job,
		    double *budget_s, size_t *job_bytes, char *err, size_t errlen)
{
	const struct expected_task *t = find(e, p);
	if (!t) {
		snprintf(err, errlen, "no canonical outputs for %s", p->task_id);
		return -1;
	}
	if (t->error[0]) {
		snprintf(err, errlen, "%s", t->error);
		return -1;
	}
	char *raw = t->raw;
	char *loaded = NULL;
	size_t len = raw ? strlen(raw) : 0;
	if (!raw) {
		if (cache_read(e->cache_dir, t->name, &loaded, &len) != 0) {
			snprintf(err, errlen, "reading %s/%s", e->cache_dir, t->name);
			return -1;
		}
		raw = loaded;
	}
	struct span splits;
	cJSON *arr = cJSON_AddArrayToObject(job, "splits");
	int rc = -1;
	*budget_s = 0;
	*job_bytes = 0;
	if (!arr || json_span_member(raw, len, "splits", &splits) != 0) {
		snprintf(err, errlen, "malformed canonical outputs of %s", p->task_id);
		goto out;
	}
	const char *names[2] = { "base", "plus" };
	const char *inputs[2] = { p->base_input, p->plus_input };
	for (int i = 0; i < 2; i++) {
		struct span sp, outputs, times;
		if (json_span_member(splits.p, splits.n, names[i], &sp) != 0 ||
		    json_span_member(sp.p, sp.n, "outputs", &outputs) != 0 ||
		    json_span_member(sp.p, sp.n, "times_ms", &times) != 0) {
			snprintf(err, errlen, "canonical outputs of %s lack the %s split", p->task_id, names[i]);
			goto out;
		}
		/* Outputs kept as digests (absent from records that keep every
		 * value whole); the canonical CPU of the split, which a
		 * recomputation in the runner would spend again. */
		struct span digested, cpu;
		bool has_digests = json_span_member(sp.p, sp.n, "digested", &digested) == 0;
		if (json_span_member(sp.p, sp.n, "cpu_ms", &cpu) == 0)
			*budget_s += 2.0 * strtod(cpu.p, NULL) / 1000.0;
		char *out_text = strndup(outputs.p, outputs.n);
		char *dig_text = has_digests ? strndup(digested.p, digested.n) : NULL;
		double split_budget = 0;
		cJSON *s = split_obj(names[i], inputs[i]);
		cJSON *lim = time_limits(times.p, times.n, &split_budget);
		bool ok = out_text && (dig_text || !has_digests) && s && lim &&
			  cJSON_AddItemToObject(s, "expected", cJSON_CreateRaw(out_text)) &&
			  (!dig_text || cJSON_AddItemToObject(s, "expected_digests", cJSON_CreateRaw(dig_text))) &&
			  cJSON_AddItemToObject(s, "time_limits_s", lim) && cJSON_AddItemToArray(arr, s);
		free(out_text);
		free(dig_text);
		if (!ok) {
			if (s && !cJSON_IsArray(s))
				cJSON_Delete(s);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		*budget_s += split_budget;
		*job_bytes += outputs.n + (inputs[i] ? strlen(inputs[i]) : 0);
	}
	/* The program that recomputes a split's outputs when a candidate's
	 * output is of a type its digest cannot judge. */
	size_t cl = strlen(p->prompt) + strlen(p->canonical_solution) + 1;
	char *canonical = malloc(cl);
	if (canonical)
		snprintf(canonical, cl, "%s%s", p->prompt, p->canonical_solution);
	bool added = canonical && cJSON_AddStringToObject(job, "canonical", canonical);
	free(canonical);
	if (!added || !cJSON_AddItemToObject(job, "atol", cJSON_CreateRaw(p->atol ? p->atol : "0")) ||
	    !cJSON_AddStringToObject(job, "dataset", "humaneval") ||
	    !cJSON_AddStringToObject(job, "evalplus_version", evalplus_version ? evalplus_version : "master")) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(loaded);
	return rc;
}

static enum sample_status split_status(const cJSON *s)
{
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "status"));
	if (!st)
		return ST_ERROR;
	if (strcmp(st, "passed") == 0)
		return ST_PASSED;
	if (strcmp(st, "failed") == 0)
		return ST_FAILED;
	if (strcmp(st, "timeout") == 0)
		return ST_TIMEOUT;
	if (strcmp(st, "syntax_error") == 0)
		return ST_SYNTAX_ERROR;
	return ST_ERROR;
}

void expected_read_splits(const cJSON *result, struct sample_verdict *v)
{
	const cJSON *splits = cJSON_GetObjectItemCaseSensitive(result, "splits");
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(splits, "base");
	const cJSON *plus = cJSON_GetObjectItemCaseSensitive(splits, "plus");
	if (!base || !plus)
		return;
	v->has_splits = true;
	v->base = split_status(base);
	v->plus = split_status(plus);
}

void expected_run_totals(const struct expected_set *e, uint64_t *runs, uint64_t *cpu_ms)
{
	*runs = e ? e->runs : 0;
	*cpu_ms = e ? e->cpu_ms : 0;
}

void expected_free(struct expected_set **ep)
{
	struct expected_set *e = *ep;
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].raw);
	free(e->v);
	free(e);
	*ep = NULL;
}
