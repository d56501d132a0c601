/* Slicing a POST /score body (see http_body.h). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "http/http_body.h"

/* A member that holds one value (a string, a number, true) is allowed this
 * many, so that a mistyped one still gets its own error message. */
#define SMALL_MEMBER_VALUES 64
/* An inline problem, but for its HumanEval+ inputs: a dozen strings in
 * every form verdict reads (LiveCodeBench rows included). */
#define PROBLEM_VALUES 1024
/* Member names are read this far: every name verdict knows is shorter. */
#define MAX_NAME 80

int request_fail(struct request_error *e, int status, const char *field, const char *fmt, ...)
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
	return request_fail(e, 500, "", "out of memory while reading the request");
}

static size_t values_in(struct span v)
{
	struct json_scan_stats st = { 0 };
	/* The text was checked as a whole: this only counts. */
	json_scan(v.p, v.n, &(struct json_scan_opts){ .max_depth = BODY_MAX_DEPTH }, &st, NULL);
	return st.values;
}

static bool is_kind(struct span v, char c)
{
	return v.n && v.p[0] == c;
}

static cJSON *parse_value(struct span v)
{
	return cJSON_ParseWithLength(v.p, v.n);
}

/* A member name, decoded into buf; *cut when it is longer (no name verdict
 * reads is). False when out of memory. */
static bool member_name(struct span key, char *buf, size_t cap, bool *cut)
{
	if (!memchr(key.p, '\\', key.n)) {
		*cut = key.n >= cap;
		size_t n = *cut ? cap - 1 : key.n;
		memcpy(buf, key.p, n);
		buf[n] = '\0';
		return true;
	}
	char *s = json_scan_string((struct span){ key.p - 1, key.n + 2 });
	if (!s)
		return false;
	*cut = strlen(s) >= cap;
	snprintf(buf, cap, "%s", s);
	free(s);
	return true;
}

static int refuse_scan(const struct json_scan_error *je, struct request_error *err)
{
	if (je->in_string)
		return request_fail(err, 400, je->path, "not valid JSON: %s (byte %zu)", je->why, je->offset);
	return request_fail(err, 400, "", "malformed JSON near byte %zu: %s%s%s", je->offset, je->why,
			    je->path[0] ? ", in " : "", je->path);
}

int body_open(const char *text, size_t len, const char *const *known, size_t n_known, struct body *out,
	      struct request_error *err)
{
	memset(out, 0, sizeof(*out));
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return request_fail(
			err, 400, "",
			"the body starts with a byte order mark (U+FEFF): JSON text sent over a network must not "
			"(RFC 8259, section 8.1)");
	if (len == 0)
		return request_fail(err, 400, "", "empty body: expected a JSON object");
	struct json_scan_error je;
	int rc = json_scan(text, len, &(struct json_scan_opts){ .max_depth = BODY_MAX_DEPTH, .check_utf8 = true }, NULL,
			   &je);
	if (rc == -2)
		return fail_nomem(err);
	if (rc < 0)
		return refuse_scan(&je, err);
	struct json_walk w;
	if (json_walk_init(&w, (struct span){ text, len }) < 0 || w.close != '}')
		return request_fail(err, 400, "", "the body must be a JSON object");
	if (!(out->top = cJSON_CreateObject()))
		return fail_nomem(err);
	struct span k, v;
	while (json_walk_next(&w, &k, &v)) {
		char name[MAX_NAME];
		bool cut;
		if (!member_name(k, name, sizeof(name), &cut))
			goto nomem;
		bool is_known = false;
		for (size_t i = 0; i < n_known && !is_known; i++)
			is_known = strcmp(name, known[i]) == 0;
		char field[80];
		snprintf(field, sizeof(field), "%.64s", name);
		if (!is_known) {
			request_fail(err, 400, field, "unknown field '%.64s'", name);
			goto bad;
		}
		bool is_samples = strcmp(name, "samples") == 0;
		if ((is_samples && out->samples.p) || cJSON_GetObjectItemCaseSensitive(out->top, name)) {
			request_fail(err, 400, field, "'%s' is given twice (JSON parsers disagree on which one counts)",
				     field);
			goto bad;
		}
		if (is_samples) {
			out->samples = v;
			continue;
		}
		size_t n = values_in(v);
		if (n > SMALL_MEMBER_VALUES) {
			request_fail(err, 400, field, "'%s' holds %zu values: far more than it can be", field, n);
			goto bad;
		}
		cJSON *item = parse_value(v);
		if (!item || !cJSON_AddItemToObject(out->top, name, item)) {
			cJSON_Delete(item);
			goto nomem;
		}
	}
	return 0;
nomem:
	fail_nomem(err);
bad:
	body_close(out);
	return -1;
}

void body_close(struct body *b)
{
	cJSON_Delete(b->top);
	memset(b, 0, sizeof(*b));
}

static size_t count_elements(struct span v)
{
	struct json_walk w;
	struct span k, e;
	size_t n = 0;
	if (json_walk_init(&w, v) < 0)
		return 0;
	while (json_walk_next(&w, &k, &e))
		n++;
	return n;
}

void body_count_samples(struct span samples, size_t *elements, size_t *total)
{
	*elements = *total = 0;
	struct json_walk w;
	struct span k, e, comps;
	if (json_walk_init(&w, samples) < 0)
		return;
	while (json_walk_next(&w, &k, &e)) {
		(*elements)++;
		if (is_kind(e, '{') && json_span_member(e.p, e.n, "completions", &comps) == 0 && is_kind(comps, '['))
			*total += count_elements(comps);
		else
			(*total)++;
	}
}

/* HumanEval+ inputs are forwarded to the runner as their raw text (see
 * problem.c): a list stands in for them in the tree. */
static bool forwarded_raw(const char *name)
{
	return strcmp(name, "base_input") == 0 || strcmp(name, "plus_input") == 0;
}

static cJSON *problem_tree(struct span v, const char *at, struct request_error *err)
{
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		fail_nomem(err);
		return NULL;
	}
	size_t budget = PROBLEM_VALUES;
	struct json_walk w;
	struct span k, m;
	json_walk_init(&w, v);
	while (json_walk_next(&w, &k, &m)) {
		char name[MAX_NAME];
		bool cut;
		if (!member_name(k, name, sizeof(name), &cut))
			goto nomem;
		if (cut)
			continue; /* no problem reader knows so long a name */
		char field[128];
		snprintf(field, sizeof(field), "%s.problem.%.64s", at, name);
		if (cJSON_GetObjectItemCaseSensitive(o, name)) {
			request_fail(err, 400, field,
				     "'%.64s' is given twice (JSON parsers disagree on which one counts)", name);
			goto bad;
		}
		cJSON *item;
		if (forwarded_raw(name) && is_kind(m, '[')) {
			item = cJSON_CreateArray();
		} else {
			size_t n = values_in(m);
			if (n > budget) {
				request_fail(err, 400, field, "'%.64s' holds %zu values: more than a problem holds",
					     name, n);
				goto bad;
			}
			budget -= n;
			item = parse_value(m);
		}
		if (!item || !cJSON_AddItemToObject(o, name, item)) {
			cJSON_Delete(item);
			goto nomem;
		}
	}
	return o;
nomem:
	fail_nomem(err);
bad:
	cJSON_Delete(o);
	return NULL;
}

enum member_kind {
	MEMBER_ONE,	/* a string (or null) */
	MEMBER_LIST,	/* a list of strings, or a string */
	MEMBER_PROBLEM, /* an inline problem */
};

static const struct {
	const char *name;
	enum member_kind kind;
} sample_members[] = {
	{ "task_id", MEMBER_ONE },	{ "completion", MEMBER_ONE },	      { "solution", MEMBER_ONE },
	{ "completions", MEMBER_LIST }, { "reasoning_content", MEMBER_LIST }, { "problem", MEMBER_PROBLEM },
};

cJSON *body_sample(struct span elem, size_t idx, size_t max_list, struct request_error *err)
{
	if (!is_kind(elem, '{')) {
		/* Not an object: the caller refuses it, by type alone. */
		cJSON *placeholder = cJSON_CreateNull();
		if (!placeholder)
			fail_nomem(err);
		return placeholder;
	}
	char at[32];
	snprintf(at, sizeof(at), "samples[%zu]", idx);
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		fail_nomem(err);
		return NULL;
	}
	struct json_walk w;
	struct span k, m;
	json_walk_init(&w, elem);
	while (json_walk_next(&w, &k, &m)) {
		char name[MAX_NAME];
		bool cut;
		if (!member_name(k, name, sizeof(name), &cut))
			goto nomem;
		size_t which = ARRAY_LEN(sample_members);
		for (size_t i = 0; i < ARRAY_LEN(sample_members); i++)
			if (strcmp(name, sample_members[i].name) == 0)
				which = i;
		if (which == ARRAY_LEN(sample_members))
			continue; /* metadata of samples files: not read */
		char field[96];
		snprintf(field, sizeof(field), "%s.%s", at, name);
		if (cJSON_GetObjectItemCaseSensitive(o, name)) {
			request_fail(err, 400, field, "'%s' is given twice (JSON parsers disagree on which one counts)",
				     name);
			goto bad;
		}
		cJSON *item;
		enum member_kind kind = sample_members[which].kind;
		if (kind == MEMBER_PROBLEM && is_kind(m, '{')) {
			if (!(item = problem_tree(m, at, err)))
				goto bad;
		} else {
			size_t n = values_in(m), most = kind == MEMBER_LIST ? max_list + 1 : SMALL_MEMBER_VALUES;
			if (n > most) {
				request_fail(err, 400, field, "'%s' holds %zu values: more than it can be", name, n);
				goto bad;
			}
			item = parse_value(m);
		}
		if (!item || !cJSON_AddItemToObject(o, name, item)) {
			cJSON_Delete(item);
			goto nomem;
		}
	}
	return o;
nomem:
	fail_nomem(err);
bad:
	cJSON_Delete(o);
	return NULL;
}
