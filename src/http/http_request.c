/* POST /score bodies -> validated score requests (see http_request.h).
 *
 * The body is checked in a fixed order, cheapest first: strict JSON with
 * valid UTF-8 and no NUL anywhere (http_body.c, before any parse tree is
 * built), known top-level fields, then each field, then each sample, one
 * parse tree at a time. The first problem found is the answer; nothing is
 * half-accepted. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "base/json_span.h"
#include "base/text.h"
#include "http/http_body.h"
#include "http/http_problem.h"
#include "http/http_request.h"

#define MAX_TASK_ID_BYTES 256
#define MAX_K_VALUE 100000

static int fail(struct request_error *e, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct request_error *e, int status, const char *field, const char *fmt, ...)
{
	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_nomem(struct request_error *e)
{
	return fail(e, 500, "", "out of memory while reading the request");
}

/* ----------------------------------------------------- per-task indexes */

/* Task id -> samples seen so far, so several samples of one task are its
 * samples 0, 1, 2, ... (pass@k). Open addressing; keys point into the
 * parsed JSON, which outlives the table. */
struct id_table {
	const char **keys;
	size_t *counts;
	size_t cap; /* power of two */
};

static int id_table_init(struct id_table *t, size_t n)
{
	t->cap = 16;
	while (t->cap < 2 * n)
		t->cap *= 2;
	t->keys = calloc(t->cap, sizeof(*t->keys));
	t->counts = calloc(t->cap, sizeof(*t->counts));
	return t->keys && t->counts ? 0 : -1;
}

static void id_table_free(struct id_table *t)
{
	free(t->keys);
	free(t->counts);
	memset(t, 0, sizeof(*t));
}

/* Returns the next sample index of `id` and counts one more. */
static size_t id_table_next(struct id_table *t, const char *id)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *c = (const unsigned char *)id; *c; c++)
		h = (h ^ *c) * 1099511628211ull;
	size_t i = (size_t)h & (t->cap - 1);
	while (t->keys[i] && strcmp(t->keys[i], id) != 0)
		i = (i + 1) & (t->cap - 1);
	t->keys[i] = id;
	return t->counts[i]++;
}

/* --------------------------------------------------------------- parsing */

struct parse {
	const struct request_config *cfg;
	struct request_error *err;
	struct score_request *out;
	struct id_table ids;
	struct span samples; /* the raw text of "samples" */
	struct span elem;    /* the raw text of the sample being read */
	size_t lcb_budget;   /* bytes inline LiveCodeBench tests may still decode to */
};

int request_find_dataset(const struct request_config *cfg, const char *name, const struct request_dataset **out,
			 enum benchmark *bench)
{
	*out = NULL;
	for (size_t i = 0; i < cfg->n_datasets; i++)
		if (strcmp(cfg->datasets[i].name, name) == 0) {
			*out = &cfg->datasets[i];
			*bench = cfg->datasets[i].ds->bench;
			return 0;
		}
	if (benchmark_parse(name, bench) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_datasets; i++)
		if (cfg->datasets[i].ds->bench == *bench) {
			*out = &cfg->datasets[i];
			break;
		}
	return 0;
}

static void dataset_names(const struct request_config *cfg, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cfg->n_datasets && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", cfg->datasets[i].name);
	if (!cfg->n_datasets)
		snprintf(buf, n, "none");
}

static int parse_benchmark(struct parse *ps, const cJSON *root)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "benchmark");
	if (!b)
		return fail(ps->err, 400, "benchmark", "missing field 'benchmark' (a dataset name such as 'humaneval')");
	if (!cJSON_IsString(b) || !b->valuestring[0])
		return fail(ps->err, 400, "benchmark", "'benchmark' must be a non-empty string");
	const struct request_dataset *rd;
	if (request_find_dataset(ps->cfg, b->valuestring, &rd, &ps->out->bench) < 0) {
		char names[256];
		dataset_names(ps->cfg, names, sizeof(names));
		return fail(ps->err, 400, "benchmark",
			    "unknown benchmark '%.64s': loaded datasets are %s; known benchmarks are humaneval, "
			    "humaneval_plus, livecodebench",
			    b->valuestring, names);
	}
	ps->out->ds = rd ? rd->ds : NULL;
	ps->out->dataset_name = rd ? rd->name : NULL;
	ps->out->so.bench = ps->out->bench;
	return 0;
}

static int parse_profile(struct parse *ps, const cJSON *root)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "profile");
	if (!p || cJSON_IsNull(p))
		return 0;
	if (!cJSON_IsString(p) || profile_parse(p->valuestring, &ps->out->so.profile) < 0)
		return fail(ps->err, 400, "profile",
			    "'profile' must be one of verdict, auto, lm-eval-chat, human-eval, evalplus, lcb");
	return 0;
}

/* The harness verdict reported beside the score (docs/verdict-profile.md). */
static int parse_harness(struct parse *ps, const cJSON *root)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "harness");
	if (!h || cJSON_IsNull(h))
		return 0;
	if (!cJSON_IsString(h) || profile_parse_harness(h->valuestring, &ps->out->so.harness, &ps->out->so.no_harness) < 0)
		return fail(ps->err, 400, "harness",
			    "'harness' must be one of auto, lm-eval-chat, human-eval, evalplus, lcb, none");
	return 0;
}

static bool is_whole(const cJSON *v, double lo, double hi)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= lo && v->valuedouble <= hi &&
	       floor(v->valuedouble) == v->valuedouble;
}

static int parse_k(struct parse *ps, const cJSON *root)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "k");
	struct score_options *so = &ps->out->so;
	if (!k || cJSON_IsNull(k))
		return 0;
	if (is_whole(k, 1, MAX_K_VALUE)) {
		so->ks[0] = (size_t)k->valuedouble;
		so->n_ks = 1;
		return 0;
	}
	if (!cJSON_IsArray(k) || cJSON_GetArraySize(k) < 1 || cJSON_GetArraySize(k) > SCORE_MAX_K)
		return fail(ps->err, 400, "k", "'k' must be a positive integer or a list of 1 to %d of them", SCORE_MAX_K);
	so->n_ks = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, k)
	{
		char field[32];
		snprintf(field, sizeof(field), "k[%zu]", so->n_ks);
		if (!is_whole(v, 1, MAX_K_VALUE))
			return fail(ps->err, 400, field, "each k must be an integer in [1, %d]", MAX_K_VALUE);
		so->ks[so->n_ks++] = (size_t)v->valuedouble;
	}
	return 0;
}

static int parse_bool(struct parse *ps, const cJSON *root, const char *key, bool *out)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!b || cJSON_IsNull(b))
		return 0;
	if (!cJSON_IsBool(b))
		return fail(ps->err, 400, key, "'%s' must be true or false", key);
	*out = cJSON_IsTrue(b);
	return 0;
}

static int limit_seconds(struct parse *ps, const cJSON *v, const char *field, uint32_t min_ms, uint32_t max_ms,
			 uint32_t *out_ms)
{
	double min_s = min_ms / 1000.0, max_s = max_ms / 1000.0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0)
		return fail(ps->err, 400, field, "'%s' must be a number of seconds in [%g, %g]", field, min_s, max_s);
	/* Below the minimum every sample would time out in the interpreter's
	 * start-up: a request mistake, not a verdict on the samples. */
	if (v->valuedouble * 1000.0 < (double)min_ms - 0.5)
		return fail(ps->err, 400, field,
			    "'%s' is %g s, below the minimum of %g s (a program needs that to start)", field,
			    v->valuedouble, min_s);
	if (v->valuedouble * 1000.0 > (double)max_ms + 0.5)
		return fail(ps->err, 400, field, "'%s' is %g s, above this server's maximum of %g s", field,
			    v->valuedouble, max_s);
	uint32_t ms = (uint32_t)ceil(v->valuedouble * 1000.0);
	*out_ms = ms ? ms : 1;
	return 0;
}

static int parse_limits(struct parse *ps, const cJSON *root)
{
	const struct request_config *c = ps->cfg;
	struct score_options *so = &ps->out->so;
	uint32_t timeout_ms = c->timeout_ms, wall_ms = c->wall_ms;
	uint64_t memory = c->memory_bytes;
	bool wall_given = false;
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "limits");
	if (l && !cJSON_IsNull(l)) {
		if (!cJSON_IsObject(l))
			return fail(ps->err, 400, "limits", "'limits' must be an object");
		const cJSON *v;
		cJSON_ArrayForEach(v, l)
		{
			char field[96];
			snprintf(field, sizeof(field), "limits.%.64s", v->string);
			if (cJSON_GetObjectItemCaseSensitive(l, v->string) != v)
				return fail(ps->err, 400, field,
					    "'%s' is given twice (JSON parsers disagree on which one counts)", field);
			if (strcmp(v->string, "timeout_s") == 0) {
				if (limit_seconds(ps, v, field, REQUEST_MIN_TIMEOUT_MS, c->max_timeout_ms,
						  &timeout_ms) < 0)
					return -1;
			} else if (strcmp(v->string, "wall_s") == 0) {
				if (limit_seconds(ps, v, field, REQUEST_MIN_WALL_MS, c->max_wall_ms, &wall_ms) < 0)
					return -1;
				wall_given = true;
			} else if (strcmp(v->string, "memory_mb") == 0) {
				double max_mb = (double)(c->max_memory_bytes >> 20);
				if (!is_whole(v, REQUEST_MIN_MEMORY_MB, 1e12))
					return fail(ps->err, 400, field,
						    "'memory_mb' must be an integer in [%d, %g] (the interpreter needs "
						    "the minimum to start)",
						    REQUEST_MIN_MEMORY_MB, max_mb);
				if (v->valuedouble > max_mb)
					return fail(ps->err, 400, field,
						    "'memory_mb' is %g, above this server's maximum of %g MiB", v->valuedouble,
						    max_mb);
				memory = (uint64_t)v->valuedouble << 20;
			} else {
				return fail(ps->err, 400, field, "unknown limit '%.64s' (known: timeout_s, wall_s, memory_mb)",
					    v->string);
			}
		}
	}
	so->timeout_ms = timeout_ms;
	so->memory_bytes = memory;
	/* The scoring call takes the wall cap as a factor of the CPU limit. */
	double cpu = timeout_ms ? timeout_ms : 3000;
	if (!wall_given && !wall_ms)
		wall_ms = (uint32_t)(cpu * 3);
	if (wall_ms > c->max_wall_ms)
		wall_ms = c->max_wall_ms;
	so->wall_factor = (double)wall_ms / cpu;
	return 0;
}

/* A text field: string (or null when null_ok, read as "") within the cap. */
static int text_field(struct parse *ps, const cJSON *v, const char *field, bool null_ok, const char **out)
{
	if (null_ok && cJSON_IsNull(v)) {
		*out = "";
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(ps->err, 400, field, "'%s' must be a string%s", field, null_ok ? " or null" : "");
	size_t n = strlen(v->valuestring);
	/* Code points never outnumber bytes: count only when it can matter. */
	if (n > ps->cfg->max_completion_chars && text_codepoints(v->valuestring, n) > ps->cfg->max_completion_chars)
		return fail(ps->err, 413, field, "'%s' has more than %zu characters, this server's cap", field,
			    ps->cfg->max_completion_chars);
	*out = v->valuestring;
	return 0;
}

/* Append one sample and number it within its task. The first sample of an
 * object takes `prob` whether or not this succeeds; the others share it. */
static int add_sample(struct parse *ps, struct sample *s, struct problem *prob, bool first)
{
	struct sample_set *set = &ps->out->set;
	size_t before = set->n;
	s->problem = prob;
	if (samples_add(set, s) < 0) {
		if (set->n == before && prob && first) {
			problem_clear(prob);
			free(prob);
		}
		return fail_nomem(ps->err);
	}
	/* The table keeps the set's own copy of the id: the parse tree the
	 * sample was read from is freed once the sample is read. */
	struct sample *added = &set->v[set->n - 1];
	added->index = id_table_next(&ps->ids, added->task_id);
	return 0;
}

static int parse_sample(struct parse *ps, size_t idx, const cJSON *o)
{
	char field[128];
	snprintf(field, sizeof(field), "samples[%zu]", idx);
	if (!cJSON_IsObject(o))
		return fail(ps->err, 400, field, "each sample must be an object");
	const cJSON *tid = cJSON_GetObjectItemCaseSensitive(o, "task_id");
	snprintf(field, sizeof(field), "samples[%zu].task_id", idx);
	if (!tid)
		return fail(ps->err, 400, field, "missing field 'task_id'");
	if (!cJSON_IsString(tid) || !tid->valuestring[0] || strlen(tid->valuestring) > MAX_TASK_ID_BYTES)
		return fail(ps->err, 400, field, "'task_id' must be a non-empty string of at most %d bytes",
			    MAX_TASK_ID_BYTES);
	const char *task_id = tid->valuestring;
	const cJSON *comp = cJSON_GetObjectItemCaseSensitive(o, "completion");
	const cJSON *comps = cJSON_GetObjectItemCaseSensitive(o, "completions");
	const cJSON *sol = cJSON_GetObjectItemCaseSensitive(o, "solution");
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(o, "reasoning_content");
	const cJSON *pobj = cJSON_GetObjectItemCaseSensitive(o, "problem");
	int given = !!comp + !!comps + !!sol;
	snprintf(field, sizeof(field), "samples[%zu]", idx);
	if (given != 1)
		return fail(ps->err, 400, field,
			    given ? "give only one of 'completion', 'completions' and 'solution'"
				  : "missing the model output: give 'completion', 'completions' or 'solution'");
	if (comps && (!cJSON_IsArray(comps) || cJSON_GetArraySize(comps) < 1)) {
		snprintf(field, sizeof(field), "samples[%zu].completions", idx);
		return fail(ps->err, 400, field, "'completions' must be a non-empty list of strings");
	}
	if (reason && !cJSON_IsNull(reason)) {
		snprintf(field, sizeof(field), "samples[%zu].reasoning_content", idx);
		if (comps ? !(cJSON_IsArray(reason) && cJSON_GetArraySize(reason) == cJSON_GetArraySize(comps))
			  : !cJSON_IsString(reason))
			return fail(ps->err, 400, field,
				    comps ? "with 'completions', 'reasoning_content' must be a list of the same length"
					  : "'reasoning_content' must be a string or null");
	}
	bool from_dataset = !pobj || cJSON_IsNull(pobj);
	if (from_dataset && !(ps->out->ds && dataset_find(ps->out->ds, task_id))) {
		snprintf(field, sizeof(field), "samples[%zu].task_id", idx);
		if (!ps->out->ds)
			return fail(ps->err, 400, field,
				    "no dataset is loaded for benchmark '%s': give the problem inline or start the "
				    "server with --dataset",
				    benchmark_name(ps->out->bench));
		return fail(ps->err, 400, field, "unknown task id '%.100s' in dataset '%s' (%zu tasks)", task_id,
			    ps->out->dataset_name, ps->out->ds->n);
	}
	/* One object stands for several samples of its task with `completions`. */
	const cJSON *text = comps ? comps->child : comp ? comp : sol;
	const cJSON *rtext = reason && cJSON_IsArray(reason) ? reason->child : reason;
	struct problem *prob = NULL;
	for (size_t j = 0; text; j++) {
		struct sample s = { .task_id = (char *)task_id, .ref_passed = -1 };
		const char *t;
		if (comps)
			snprintf(field, sizeof(field), "samples[%zu].completions[%zu]", idx, j);
		else
			snprintf(field, sizeof(field), "samples[%zu].%s", idx, sol ? "solution" : "completion");
		if (text_field(ps, text, field, !sol, &t) < 0)
			return -1;
		if (sol)
			s.solution = (char *)t;
		else
			s.completion = (char *)t;
		if (rtext && !cJSON_IsNull(rtext)) {
			const char *r;
			if (comps)
				snprintf(field, sizeof(field), "samples[%zu].reasoning_content[%zu]", idx, j);
			else
				snprintf(field, sizeof(field), "samples[%zu].reasoning_content", idx);
			if (text_field(ps, rtext, field, true, &r) < 0)
				return -1;
			s.reasoning = (char *)r;
		}
		/* The samples of one object share its inline problem: one copy,
		 * not one per completion. */
		if (j == 0 && !from_dataset &&
		    !(prob = inline_problem_build(&(struct inline_problem_ctx){ .bench = ps->out->bench,
										.lcb_budget = &ps->lcb_budget,
										.err = ps->err },
						  idx, pobj, ps->elem, task_id)))
			return -1;
		if (add_sample(ps, &s, prob, j == 0) < 0)
			return -1;
		text = comps ? text->next : NULL;
		if (rtext && cJSON_IsArray(reason))
			rtext = rtext->next;
	}
	return 0;
}

/* The samples, one parse tree at a time (see http_body.h). */
static int parse_samples(struct parse *ps)
{
	struct span arr = ps->samples;
	if (!arr.p)
		return fail(ps->err, 400, "samples", "missing field 'samples' (a list of objects)");
	size_t objects = 0, total = 0;
	if (arr.p[0] == '[')
		body_count_samples(arr, &objects, &total);
	if (!objects)
		return fail(ps->err, 400, "samples", "'samples' must be a non-empty list of objects");
	if (total > ps->cfg->max_samples)
		return fail(ps->err, 413, "samples",
			    "%zu samples in one request; this server's cap is %zu (split the run)", total,
			    ps->cfg->max_samples);
	if (id_table_init(&ps->ids, objects) < 0)
		return fail_nomem(ps->err);
	struct json_walk w;
	struct span key;
	json_walk_init(&w, arr);
	for (size_t idx = 0; json_walk_next(&w, &key, &ps->elem); idx++) {
		cJSON *o = body_sample(ps->elem, idx, ps->cfg->max_samples, ps->err);
		if (!o)
			return -1;
		int rc = parse_sample(ps, idx, o);
		cJSON_Delete(o);
		if (rc < 0)
			return -1;
	}
	ps->out->set.format = SAMPLES_PLAIN;
	return 0;
}

static const char *const top_fields[] = {
	"benchmark",	   "profile",
	"samples",	   "k",
	"limits",	   "include_programs",
	"strip_reasoning", "use_reasoning_content",
	"rerun_timeouts",  "exec",
	"forgery_check",   "harness",
	"dedup",
};

static int check_fields(struct parse *ps, const cJSON *root)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, root)
	{
		bool known = false;
		for (size_t i = 0; i < ARRAY_LEN(top_fields) && !known; i++)
			known = strcmp(v->string, top_fields[i]) == 0;
		if (!known) {
			char field[80];
			snprintf(field, sizeof(field), "%.64s", v->string);
			return fail(ps->err, 400, field, "unknown field '%.64s'", v->string);
		}
	}
	return 0;
}

static int parse_root(struct parse *ps, const cJSON *root)
{
	struct score_request *r = ps->out;
	if (check_fields(ps, root) < 0 || parse_benchmark(ps, root) < 0 || parse_profile(ps, root) < 0 ||
	    parse_harness(ps, root) < 0 || parse_k(ps, root) < 0 || parse_limits(ps, root) < 0 ||
	    parse_bool(ps, root, "include_programs", &r->include_programs) < 0 ||
	    parse_bool(ps, root, "strip_reasoning", &r->so.strip_reasoning) < 0 ||
	    parse_bool(ps, root, "forgery_check", &r->so.forgery_check) < 0 ||
	    parse_bool(ps, root, "use_reasoning_content", &r->so.use_reasoning_content) < 0 ||
	    parse_bool(ps, root, "rerun_timeouts", &r->so.rerun_timeouts) < 0 ||
	    parse_bool(ps, root, "dedup", &r->so.dedup) < 0 ||
	    parse_bool(ps, root, "exec", &r->so.exec) < 0)
		return -1;
	r->so.keep_programs = r->include_programs;
	return parse_samples(ps);
}

int request_parse(const char *body, size_t len, const struct request_config *cfg, struct score_request *out,
		  struct request_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	score_options_default(&out->so);
	/* A re-run alone would stop every other request's samples meanwhile. */
	out->so.rerun_alone = false;
	struct body b;
	if (body_open(body, len, top_fields, ARRAY_LEN(top_fields), &b, err) < 0)
		return -1;
	struct parse ps = {
		.cfg = cfg,
		.err = err,
		.out = out,
		.samples = b.samples,
		.lcb_budget = REQUEST_LCB_DECODED_BUDGET,
	};
	int rc = parse_root(&ps, b.top);
	id_table_free(&ps.ids);
	body_close(&b);
	if (rc < 0) {
		request_free(out);
		return -1;
	}
	return 0;
}

/* Samples of one object share its inline problem, and they are next to
 * each other; the set frees every sample's problem, so all but the first
 * of each run lose their pointer first. */
static void unshare_problems(struct sample_set *set)
{
	for (size_t i = set->n; i-- > 1;)
		if (set->v[i].problem && set->v[i].problem == set->v[i - 1].problem)
			set->v[i].problem = NULL;
}

void request_free(struct score_request *r)
{
	unshare_problems(&r->set);
	samples_free(&r->set);
	memset(r, 0, sizeof(*r));
}
