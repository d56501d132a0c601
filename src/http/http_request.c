/* POST /score bodies -> validated score requests (see http_request.h).
 *
 * The body is checked in a fixed order, cheapest first: UTF-8, no NUL
 * escapes, well-formed JSON, known top-level fields, then each field. The
 * first problem found is the answer; nothing is half-accepted. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "input/dataset_lcb.h"
#include "input/lcb_problem.h"
#include "http/http_request.h"
#include "base/json_span.h"
#include "base/text.h"

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

static void cleanup_cjson(cJSON **j)
{
	cJSON_Delete(*j);
}
#define autocjson __attribute__((cleanup(cleanup_cjson)))

/* ------------------------------------------------------------ text checks */

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as
 * RFC 8259 requires of JSON text. Returns the offset of the first bad byte,
 * or len when all is well. */
static size_t utf8_bad_offset(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			n = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (len - i < n)
			return i;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n;
	}
	return len;
}

/* cJSON decodes "\u0000" into a NUL that silently ends the C string, which
 * would score a different completion than the one sent. Returns the offset
 * of the first such escape, or len. */
static size_t nul_escape_offset(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while ((p = memmem(p, (size_t)(end - p), "u0000", 5)) != NULL) {
		size_t slashes = 0;
		for (const char *q = p; q > text && q[-1] == '\\'; q--)
			slashes++;
		if (slashes % 2 == 1)
			return (size_t)(p - 1 - text);
		p += 5;
	}
	return len;
}

static bool only_ws(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	return true;
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
	const char *body;
	size_t len;
	struct score_request *out;
	struct id_table ids;
	/* Raw text of each element of "samples", found on first need. */
	struct span *elems;
	size_t n_elems;
	bool elems_done;
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
			    "'profile' must be one of auto, lm-eval-chat, human-eval, evalplus, lcb");
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

static int limit_seconds(struct parse *ps, const cJSON *v, const char *field, uint32_t max_ms, uint32_t *out_ms)
{
	double max_s = max_ms / 1000.0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0)
		return fail(ps->err, 400, field, "'%s' must be a number of seconds in (0, %g]", field, max_s);
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
			if (strcmp(v->string, "timeout_s") == 0) {
				if (limit_seconds(ps, v, field, c->max_timeout_ms, &timeout_ms) < 0)
					return -1;
			} else if (strcmp(v->string, "wall_s") == 0) {
				if (limit_seconds(ps, v, field, c->max_wall_ms, &wall_ms) < 0)
					return -1;
				wall_given = true;
			} else if (strcmp(v->string, "memory_mb") == 0) {
				double max_mb = (double)(c->max_memory_bytes >> 20);
				if (!is_whole(v, 16, 1e12))
					return fail(ps->err, 400, field, "'memory_mb' must be an integer in [16, %g]", max_mb);
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

/* Find the raw text of every element of the top-level "samples" array:
 * inline problems are read from their own text so HumanEval+ inputs are
 * forwarded byte for byte. */
static int find_elements(struct parse *ps)
{
	if (ps->elems_done)
		return ps->elems ? 0 : -1;
	ps->elems_done = true;
	struct span arr;
	if (json_span_member(ps->body, ps->len, "samples", &arr) != 0 || arr.n < 2 || arr.p[0] != '[')
		return -1;
	size_t cap = 64;
	ps->elems = malloc(cap * sizeof(*ps->elems));
	if (!ps->elems)
		return -1;
	size_t i = 1;
	for (;;) {
		while (i < arr.n && strchr(" \t\r\n", arr.p[i]))
			i++;
		if (i >= arr.n || arr.p[i] == ']')
			break;
		long end = json_span_skip_value(arr.p, arr.n, i);
		if (end < 0)
			break;
		if (ps->n_elems == cap) {
			struct span *g = realloc(ps->elems, 2 * cap * sizeof(*g));
			if (!g)
				break;
			ps->elems = g;
			cap *= 2;
		}
		ps->elems[ps->n_elems++] = (struct span){ arr.p + i, (size_t)end - i };
		i = (size_t)end;
		while (i < arr.n && strchr(" \t\r\n", arr.p[i]))
			i++;
		if (i < arr.n && arr.p[i] == ',')
			i++;
	}
	return 0;
}

static int problem_raw_span(struct parse *ps, size_t idx, struct span *out)
{
	if (find_elements(ps) < 0 || idx >= ps->n_elems)
		return -1;
	return json_span_member(ps->elems[idx].p, ps->elems[idx].n, "problem", out) == 0 ? 0 : -1;
}

/* An inline LiveCodeBench problem: one row of code_generation_lite, as in
 * the dataset files. Unlike a dataset row, whose samples get an error status
 * when its private tests cannot be decoded, an inline one is refused: the
 * caller sent it and can fix it. Takes `p` (zeroed). */
static struct problem *inline_lcb_problem(struct parse *ps, size_t idx, const cJSON *pobj, const char *task_id,
					  struct problem *p)
{
	char field[128], why[400];
	if (lcb_problem_from_row(p, pobj, why, sizeof(why)) < 0) {
		const char *at = strstr(why, "question_id") ? "question_id" : "public_test_cases";
		snprintf(field, sizeof(field), "samples[%zu].problem.%s", idx, at);
		fail(ps->err, 400, field, "%s", why);
		free(p);
		return NULL;
	}
	if (p->lcb->decode_error) {
		snprintf(field, sizeof(field), "samples[%zu].problem.private_test_cases", idx);
		fail(ps->err, 400, field, "%s", p->lcb->decode_error);
	} else if (strcmp(p->lcb->question_id, task_id) != 0) {
		snprintf(field, sizeof(field), "samples[%zu].problem.question_id", idx);
		fail(ps->err, 400, field, "the problem's question_id '%.100s' differs from the sample's task_id '%.100s'",
		     p->lcb->question_id, task_id);
	} else if (p->lcb->n_tests == 0) {
		snprintf(field, sizeof(field), "samples[%zu].problem.public_test_cases", idx);
		fail(ps->err, 400, field, "the problem has no tests");
	} else {
		return p;
	}
	problem_clear(p);
	free(p);
	return NULL;
}

/* Build the inline problem of samples[idx]; NULL with err set on failure. */
static struct problem *inline_problem(struct parse *ps, size_t idx, const cJSON *pobj, const char *task_id)
{
	char field[96], why[256];
	snprintf(field, sizeof(field), "samples[%zu].problem", idx);
	if (!cJSON_IsObject(pobj)) {
		fail(ps->err, 400, field, "'problem' must be an object");
		return NULL;
	}
	struct span raw;
	if (problem_raw_span(ps, idx, &raw) < 0) {
		fail(ps->err, 400, field, "the problem object could not be located in the body (nested too deeply?)");
		return NULL;
	}
	struct problem *p = calloc(1, sizeof(*p));
	if (!p) {
		fail_nomem(ps->err);
		return NULL;
	}
	if (ps->out->bench == BENCH_LIVECODEBENCH)
		return inline_lcb_problem(ps, idx, pobj, task_id, p);
	if (problem_from_json(p, pobj, raw.p, raw.n, why, sizeof(why)) < 0) {
		free(p);
		fail(ps->err, 400, field, "%s", why);
		return NULL;
	}
	const char *missing = !p->entry_point ? "entry_point" : (!p->test && !p->base_input) ? "test" : NULL;
	if (missing) {
		snprintf(field, sizeof(field), "samples[%zu].problem.%s", idx, missing);
		fail(ps->err, 400, field,
		     "an inline problem needs 'entry_point' and 'test' (HumanEval form) or 'base_input' (HumanEval+ "
		     "native form)");
		goto bad;
	}
	if (p->task_id && strcmp(p->task_id, task_id) != 0) {
		snprintf(field, sizeof(field), "samples[%zu].problem.task_id", idx);
		fail(ps->err, 400, field, "the problem's task_id '%.100s' differs from the sample's '%.100s'", p->task_id,
		     task_id);
		goto bad;
	}
	if (!p->task_id && !(p->task_id = strdup(task_id))) {
		fail_nomem(ps->err);
		goto bad;
	}
	return p;
bad:
	problem_clear(p);
	free(p);
	return NULL;
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

/* Append one sample; the set takes `prob` whether or not this succeeds. */
static int add_sample(struct parse *ps, struct sample *s, struct problem *prob)
{
	struct sample_set *set = &ps->out->set;
	size_t before = set->n;
	s->problem = prob;
	if (samples_add(set, s) < 0) {
		if (set->n == before && prob) {
			problem_clear(prob);
			free(prob);
		}
		return fail_nomem(ps->err);
	}
	return 0;
}

static size_t n_texts(const cJSON *o)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(o, "completions");
	return cJSON_IsArray(cs) ? (size_t)cJSON_GetArraySize(cs) : 1;
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
		struct problem *prob = NULL;
		if (!from_dataset && !(prob = inline_problem(ps, idx, pobj, task_id)))
			return -1;
		s.index = id_table_next(&ps->ids, task_id);
		if (add_sample(ps, &s, prob) < 0)
			return -1;
		text = comps ? text->next : NULL;
		if (rtext && cJSON_IsArray(reason))
			rtext = rtext->next;
	}
	return 0;
}

static int parse_samples(struct parse *ps, const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "samples");
	if (!arr)
		return fail(ps->err, 400, "samples", "missing field 'samples' (a list of objects)");
	if (!cJSON_IsArray(arr) || !arr->child)
		return fail(ps->err, 400, "samples", "'samples' must be a non-empty list of objects");
	size_t objects = 0, total = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, arr)
	{
		objects++;
		total += n_texts(o);
	}
	if (total > ps->cfg->max_samples)
		return fail(ps->err, 413, "samples", "%zu samples in one request; this server's cap is %zu (split the run)",
			    total, ps->cfg->max_samples);
	if (id_table_init(&ps->ids, objects) < 0)
		return fail_nomem(ps->err);
	size_t idx = 0;
	cJSON_ArrayForEach(o, arr)
	{
		if (parse_sample(ps, idx++, o) < 0)
			return -1;
	}
	ps->out->set.format = SAMPLES_PLAIN;
	return 0;
}

static const char *const top_fields[] = {
	"benchmark", "profile",	      "samples",	       "k",		"limits",
	"include_programs", "strip_reasoning", "use_reasoning_content", "rerun_timeouts", "exec", "forgery_check",
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
	    parse_k(ps, root) < 0 || parse_limits(ps, root) < 0 ||
	    parse_bool(ps, root, "include_programs", &r->include_programs) < 0 ||
	    parse_bool(ps, root, "strip_reasoning", &r->so.strip_reasoning) < 0 ||
	    parse_bool(ps, root, "forgery_check", &r->so.forgery_check) < 0 ||
	    parse_bool(ps, root, "use_reasoning_content", &r->so.use_reasoning_content) < 0 ||
	    parse_bool(ps, root, "rerun_timeouts", &r->so.rerun_timeouts) < 0 ||
	    parse_bool(ps, root, "dedup", &r->so.dedup) < 0 ||
	    parse_bool(ps, root, "exec", &r->so.exec) < 0)
		return -1;
	r->so.keep_programs = r->include_programs;
	return parse_samples(ps, root);
}

int request_parse(const char *body, size_t len, const struct request_config *cfg, struct score_request *out,
		  struct request_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	score_options_default(&out->so);
	/* A re-run alone would stop every other request's samples meanwhile. */
	out->so.rerun_alone = false;
	size_t bad = utf8_bad_offset(body, len);
	if (bad < len)
		return fail(err, 400, "", "the body is not valid UTF-8 (byte %zu)", bad);
	bad = nul_escape_offset(body, len);
	if (bad < len)
		return fail(err, 400, "", "NUL characters (\\u0000 at byte %zu) are not accepted in strings", bad);
	const char *end = NULL;
	autocjson cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (!root) {
		size_t at = end && end >= body && end <= body + len ? (size_t)(end - body) : 0;
		return fail(err, 400, "", len ? "malformed JSON near byte %zu" : "empty body: expected a JSON object", at);
	}
	if (end && !only_ws(end, body + len))
		return fail(err, 400, "", "unexpected text after the JSON object (byte %zu)", (size_t)(end - body));
	if (!cJSON_IsObject(root))
		return fail(err, 400, "", "the body must be a JSON object");
	struct parse ps = { .cfg = cfg, .err = err, .body = body, .len = len, .out = out };
	int rc = parse_root(&ps, root);
	id_table_free(&ps.ids);
	free(ps.elems);
	if (rc < 0) {
		request_free(out);
		return -1;
	}
	return 0;
}

void request_free(struct score_request *r)
{
	samples_free(&r->set);
	memset(r, 0, sizeof(*r));
}
