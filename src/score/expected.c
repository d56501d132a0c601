/* Canonical outputs for evalplus's tests (the evalplus and verdict profiles; see expected.h).
 *
 * For each HumanEval+ task scored with the evalplus profile, the canonical
 * solution is run once in the jail on every base and plus input
 * (expected_compute.c: the runner's `expected` kind, a dataset's tasks
 * several to a run); the result record (outputs as tagged JSON and
 * the per-input wall times) is cached under the cache directory, keyed by
 * the dataset's content hash and the task id. Jobs then carry, per split,
 * the raw inputs, the expected outputs and evalplus's per-input time limits
 * max(1.0, 4.0 x t).
 *
 * An output whose JSON is longer than DIGEST_OVER (expected_compute.c) bytes is kept and
 * shipped as its equality digest (src/py/verdict_digest.py) unless a
 * tolerance may compare it (the task's atol, or a float output earlier in
 * the split): HumanEval/15's outputs alone were 147 MB, now 134 digests.
 * When a candidate's output is of a type a digest cannot judge (a numpy
 * value, a subclass), the runner recomputes that split's outputs with the
 * canonical program the job carries and compares the real values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/json_span.h"
#include "score/cache.h"
#include "score/expected_internal.h"
#include "score/scorer_internal.h"

/* evalplus >= 0.2.1 defaults (--min-time-limit, --gt-time-limit-factor). */
#define EVALPLUS_MIN_TIME_LIMIT 1.0
#define EVALPLUS_GT_FACTOR 4.0
/* evalplus's per-task process budget: min(60, sum of limits) + 2 s a split. */
#define EVALPLUS_TASK_CAP 60.0

static int add_task(struct expected_set *e, const struct problem *p, const char *key, bool batchable)
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
	t->batchable = batchable;
	t->run = -1;
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
double expected_cost_ms(const struct expected_set *e, const struct problem *p)
{
	for (size_t i = 0; e && i < e->n; i++)
		if (e->v[i].p == p)
			return e->v[i].cost_ms;
	return 0;
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
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->computed, NULL);
	for (size_t i = 0; i < set->n; i++) {
		const struct problem *p = probs[i];
		/* The verdict profile runs evalplus's tests on HumanEval+'s native form too. */
		bool wants = profiles[i] == PROFILE_EVALPLUS || profiles[i] == PROFILE_VERDICT;
		if (!wants || !p || !p->base_input || !p->canonical_solution || !p->prompt || !p->entry_point)
			continue;
		char key[65];
		bool from_dataset = ds && dataset_find(ds, p->task_id) == p;
		if (from_dataset)
			memcpy(key, ds->sha256, sizeof(key));
		else
			problem_key(p, key);
		if (add_task(e, p, key, from_dataset) < 0) {
			expected_free(&e);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (e->n == 0) {
		expected_free(&e);
		return 0;
	}
	if (expected_compute_plan(e, err, errlen) < 0) {
		expected_free(&e);
		return -1;
	}
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

static struct expected_task *find(const struct expected_set *e, const struct problem *p)
{
	for (size_t i = 0; e && i < e->n; i++)
		if (e->v[i].p == p)
			return &e->v[i];
	return NULL;
}

int expected_attach(struct expected_set *e, const struct problem *p, const char *evalplus_version, cJSON *job,
		    double *budget_s, size_t *job_bytes, char *err, size_t errlen)
{
	struct expected_task *t = find(e, p);
	if (!t) {
		snprintf(err, errlen, "no canonical outputs for %s", p->task_id);
		return -1;
	}
	expected_compute_ensure(e, t);
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
		cJSON *s = expected_split_obj(names[i], inputs[i]);
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
	expected_stop(e);
	pthread_cond_destroy(&e->computed);
	pthread_mutex_destroy(&e->mu);
	free(e->todo);
	free(e->compute);
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].raw);
	free(e->v);
	free(e);
	*ep = NULL;
}
