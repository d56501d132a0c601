/* Computing canonical outputs (see expected.c): each task's canonical
 * solution on every base and plus input, in the jail. A dataset's tasks go
 * several to a run, in one process, as evalplus computes a whole dataset's
 * ground truth in its own process; a problem that came inline with a
 * request always runs alone, since its program could change another
 * problem's outputs, and they are cached. A task whose record does not come
 * back from a shared run is run again alone, which names what went wrong. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json_span.h"
#include "score/cache.h"
#include "score/expected_internal.h"
#include "score/runner_channel.h"
#include "score/scheduler.h"
#include "score/scorer_internal.h"

/* Outputs longer than this (tagged JSON bytes) travel as digests. Shorter
 * ones stay whole: they cost little, and their comparison never needs the
 * canonical program again. */
#define DIGEST_OVER 1024
/* A dataset's tasks are computed up to this many to a run (the runner's
 * `expected_tasks`): a run costs more than most tasks' computation. */
#define TASKS_PER_RUN 16

cJSON *expected_split_obj(const char *name, const char *raw_inputs)
{
	cJSON *s = cJSON_CreateObject();
	if (!s || !cJSON_AddStringToObject(s, "name", name) ||
	    !cJSON_AddItemToObject(s, "inputs", cJSON_CreateRaw(raw_inputs ? raw_inputs : "[]"))) {
		cJSON_Delete(s);
		return NULL;
	}
	return s;
}

/* A task's part of a job: the canonical program, every input of both splits. */
static cJSON *task_fields(const struct problem *p)
{
	cJSON *task = cJSON_CreateObject();
	cJSON *splits = task ? cJSON_AddArrayToObject(task, "splits") : NULL;
	size_t pl = strlen(p->prompt) + strlen(p->canonical_solution) + 1;
	char *program = malloc(pl);
	if (!splits || !program) {
		free(program);
		cJSON_Delete(task);
		return NULL;
	}
	snprintf(program, pl, "%s%s", p->prompt, p->canonical_solution);
	bool ok = cJSON_AddStringToObject(task, "program", program) &&
		  cJSON_AddStringToObject(task, "entry_point", p->entry_point) &&
		  cJSON_AddNumberToObject(task, "digest_over", DIGEST_OVER) &&
		  cJSON_AddItemToObject(task, "atol", cJSON_CreateRaw(p->atol ? p->atol : "0")) &&
		  cJSON_AddItemToArray(splits, expected_split_obj("base", p->base_input)) &&
		  cJSON_AddItemToArray(splits, expected_split_obj("plus", p->plus_input));
	free(program);
	if (!ok) {
		cJSON_Delete(task);
		return NULL;
	}
	return task;
}

/* The fields of a run's job itself: `kind` expected (one task, whose fields
 * are added to it) or expected_tasks (a list of them). */
static bool add_run_fields(cJSON *job, const char *nonce, const char *kind)
{
	return cJSON_AddStringToObject(job, "nonce", nonce) && cJSON_AddStringToObject(job, "kind", kind) &&
	       cJSON_AddStringToObject(job, "guard", "none") && cJSON_AddStringToObject(job, "profile", "evalplus");
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

/* The run's limits: the canonical solutions of some tasks need seconds of
 * CPU and emit outputs of over a hundred megabytes (HumanEval/15, /130).
 * Time is per task, so that a run of several allows each what a run of its
 * own would (n is at most TASKS_PER_RUN). */
#define LONE_CPU_MS 900000u
#define LONE_WALL_MS (3u * LONE_CPU_MS)
_Static_assert((unsigned long long)LONE_WALL_MS * TASKS_PER_RUN <= UINT32_MAX,
	       "a shared run's wall limit must fit the jail's 32-bit milliseconds");

static struct jail_limits compute_limits(size_t input_bytes, size_t n_tasks)
{
	return (struct jail_limits){
		.cpu_ms = (uint32_t)(LONE_CPU_MS * n_tasks),
		.wall_ms = (uint32_t)(LONE_WALL_MS * n_tasks),
		.memory_bytes = 4ull << 30,
		.max_procs = 16,
		.output_keep_bytes = 1ull << 30,
		.output_max_bytes = 2ull << 30,
		.tmp_bytes = (64ull << 20) + 2 * input_bytes,
	};
}

static size_t input_bytes(const struct problem *p)
{
	return strlen(p->base_input ? p->base_input : "") + strlen(p->plus_input ? p->plus_input : "");
}

static void run_counted(struct expected_set *e, cJSON *job, const char *nonce, size_t in_bytes, size_t n_tasks,
			const char *what, struct runner_outcome *ro)
{
	struct jail_limits lim = compute_limits(in_bytes, n_tasks);
	runner_run(e->sc, job, nonce, &lim, NULL, 0, ro);
	__atomic_add_fetch(&e->runs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->cpu_ms, ro->jail.cpu_ms, __ATOMIC_RELAXED);
	if (getenv("VERDICT_DEBUG_EXPECTED"))
		fprintf(stderr, "expected %s: %s wall %llu ms cpu %llu ms record %zu bytes\n", what,
			jail_status_name(ro->jail.status), (unsigned long long)ro->jail.wall_ms,
			(unsigned long long)ro->jail.cpu_ms, ro->result_line ? strlen(ro->result_line) : 0);
}

/* A task's record (takes `text`): cached, or kept for this call. */
static void keep_record(struct expected_set *e, struct expected_task *t, char *text)
{
	t->cost_ms = record_cost_ms(text, strlen(text));
	if (!e->cache_dir) {
		t->raw = text;
		return;
	}
	pthread_mutex_lock(&e->sc->cache_mu);
	int rc = cache_write(e->cache_dir, t->name, text, strlen(text));
	pthread_mutex_unlock(&e->sc->cache_mu);
	if (rc < 0)
		snprintf(t->error, sizeof(t->error), "writing %s/%s: %s", e->cache_dir, t->name, strerror(errno));
	else
		save_cost(e, t);
	free(text);
}

/* One task in a run of its own: the path that names what went wrong. */
static void compute_alone(struct expected_set *e, struct expected_task *t)
{
	char nonce[33];
	runner_nonce(nonce);
	cJSON *job = task_fields(t->p);
	if (job && !add_run_fields(job, nonce, "expected")) {
		cJSON_Delete(job);
		job = NULL;
	}
	if (!job) {
		snprintf(t->error, sizeof(t->error), "out of memory");
		return;
	}
	struct runner_outcome ro;
	run_counted(e, job, nonce, input_bytes(t->p), 1, t->p->task_id, &ro);
	cJSON_Delete(job);
	const char *status = ro.result ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ro.result, "status")) : NULL;
	if (!status || strcmp(status, "passed") != 0 || !ro.result_line) {
		snprintf(t->error, sizeof(t->error), "the canonical solution of %s did not run cleanly: jail %s%s%s, runner %s",
			 t->p->task_id, jail_status_name(ro.jail.status), ro.jail.error[0] ? ": " : "", ro.jail.error,
			 status ? status : ro.runner_error ? ro.runner_error_msg : "no record");
		runner_outcome_free(&ro);
		return;
	}
	keep_record(e, t, ro.result_line);
	ro.result_line = NULL;
	runner_outcome_free(&ro);
}

/* A run's tasks together (`expected_tasks`); each task whose record did not
 * come back passed (or all of them, when the run failed) again alone. */
static void compute_run(struct expected_set *e, const struct compute_run *r)
{
	size_t *idx = e->todo + r->first;
	if (r->n == 1) {
		compute_alone(e, &e->v[idx[0]]);
		return;
	}
	char nonce[33];
	runner_nonce(nonce);
	cJSON *job = cJSON_CreateObject();
	cJSON *tasks = job ? cJSON_AddArrayToObject(job, "tasks") : NULL;
	bool ok = tasks && add_run_fields(job, nonce, "expected_tasks");
	size_t in_bytes = 0;
	for (size_t i = 0; ok && i < r->n; i++) {
		const struct problem *p = e->v[idx[i]].p;
		cJSON *task = task_fields(p);
		ok = task && cJSON_AddItemToArray(tasks, task);
		if (!ok)
			cJSON_Delete(task);
		in_bytes += input_bytes(p);
	}
	struct runner_outcome ro;
	memset(&ro, 0, sizeof(ro));
	if (ok) {
		char what[64];
		snprintf(what, sizeof(what), "%zu tasks from %s", r->n, e->v[idx[0]].p->task_id);
		run_counted(e, job, nonce, in_bytes, r->n, what, &ro);
	}
	cJSON_Delete(job);
	/* Each task's record as the runner wrote it, byte for byte: cJSON would
	 * print 0.24999999999999997 as 0.25 and 0.0 as 0. */
	struct span tasks_text, *records = calloc(r->n, sizeof(*records));
	long n_records = -1;
	if (records && ro.result_line &&
	    json_span_member(ro.result_line, strlen(ro.result_line), "tasks", &tasks_text) == 0)
		n_records = json_span_items(tasks_text.p, tasks_text.n, records, r->n);
	for (size_t i = 0; i < r->n; i++) {
		struct expected_task *t = &e->v[idx[i]];
		struct span status;
		char *text = NULL;
		if (n_records == (long)r->n &&
		    json_span_member(records[i].p, records[i].n, "status", &status) == 0 &&
		    status.n == strlen("\"passed\"") && memcmp(status.p, "\"passed\"", status.n) == 0)
			text = strndup(records[i].p, records[i].n);
		if (text)
			keep_record(e, t, text);
		else
			compute_alone(e, t);
	}
	free(records);
	runner_outcome_free(&ro);
}

/* Run k of the plan by this thread if nobody has claimed it. Called with
 * e->mu held; returns with it held. */
static bool claim_and_compute(struct expected_set *e, size_t k)
{
	if (e->compute[k].state != COMPUTE_TODO)
		return false;
	e->compute[k].state = COMPUTE_RUNNING;
	pthread_mutex_unlock(&e->mu);
	compute_run(e, &e->compute[k]);
	pthread_mutex_lock(&e->mu);
	e->compute[k].state = COMPUTE_DONE;
	pthread_cond_broadcast(&e->computed);
	return true;
}

/* The set's own batch: item k is run k, unless a sample got there first. */
static void compute_item(void *arg, size_t k)
{
	struct expected_set *e = arg;
	pthread_mutex_lock(&e->mu);
	(void)claim_and_compute(e, k);
	pthread_mutex_unlock(&e->mu);
}

void expected_compute_ensure(struct expected_set *e, struct expected_task *t)
{
	if (t->run < 0)
		return;
	size_t k = (size_t)t->run;
	pthread_mutex_lock(&e->mu);
	while (e->compute[k].state != COMPUTE_DONE) {
		if (claim_and_compute(e, k))
			continue;
		/* Another worker computes it: rather than idle, take a run
		 * nobody has started (a sample will need it soon). Waiting
		 * only on runs in flight cannot deadlock: a run waits on
		 * nothing. */
		bool helped = false;
		for (size_t j = 0; j < e->n_compute && !helped; j++)
			helped = claim_and_compute(e, j);
		if (!helped)
			pthread_cond_wait(&e->computed, &e->mu);
	}
	pthread_mutex_unlock(&e->mu);
}

int expected_compute_plan(struct expected_set *e, char *err, size_t errlen)
{
	/* What the cache lacks: a dataset's tasks first, TASKS_PER_RUN to a run;
	 * then each inline problem in a run of its own. */
	e->todo = calloc(e->n ? e->n : 1, sizeof(*e->todo));
	e->compute = calloc(e->n ? e->n : 1, sizeof(*e->compute));
	if (!e->todo || !e->compute) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n_todo = 0, n_batchable = 0;
	for (int batchable = 1; batchable >= 0; batchable--) {
		for (size_t i = 0; i < e->n; i++) {
			if (e->v[i].batchable != (batchable == 1))
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", e->cache_dir ? e->cache_dir : "", e->v[i].name);
			if (e->cache_dir && access(path, R_OK) == 0) {
				load_cost(e, &e->v[i]);
				continue;
			}
			e->todo[n_todo++] = i;
			n_batchable += (size_t)batchable;
		}
	}
	/* At least two runs a worker, so that they share the work evenly. */
	size_t workers = (size_t)scheduler_workers(e->sc->sched);
	size_t per_run = (n_batchable + 2 * workers - 1) / (2 * (workers ? workers : 1));
	per_run = per_run < 1 ? 1 : per_run > TASKS_PER_RUN ? TASKS_PER_RUN : per_run;
	for (size_t i = 0; i < n_todo; i++) {
		struct compute_run *last = e->n_compute ? &e->compute[e->n_compute - 1] : NULL;
		if (i < n_batchable && last && last->n < per_run)
			last->n++;
		else
			e->compute[e->n_compute++] = (struct compute_run){ .first = i, .n = 1, .state = COMPUTE_TODO };
		e->v[e->todo[i]].run = (long)e->n_compute - 1;
	}
	return 0;
}

void expected_start(struct expected_set *e)
{
	if (!e || !e->n_compute || e->started)
		return;
	e->batch = (struct batch){ .run = compute_item, .ctx = e, .n = e->n_compute };
	e->started = scheduler_submit(e->sc->sched, &e->batch) == 0;
}

void expected_cancel(struct expected_set *e)
{
	if (e && e->started)
		scheduler_cancel(e->sc->sched, &e->batch);
}

void expected_stop(struct expected_set *e)
{
	if (!e || !e->started)
		return;
	scheduler_cancel(e->sc->sched, &e->batch);
	scheduler_wait(e->sc->sched, &e->batch);
	e->started = false;
}
