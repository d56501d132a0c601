/* stats_tool: src/base/stats.c as a filter, so that tests/test_stats.py can
 * check it against values computed another way (exact fractions, brute
 * force enumeration, the binomial distribution of a bootstrap mean).
 *
 * One JSON object per input line, one JSON object per output line:
 *   {"op": "wilson", "c": 39, "n": 164}                 -> {"lo", "hi"}
 *   {"op": "mcnemar", "b": 3, "c": 9}                   -> {"p"}
 *   {"op": "permutation", "pairs": [[na, ca, nb, cb], ...], "seed": 0, "draws": 1000}
 *                                                       -> {"p", "exact"}
 *   {"op": "bootstrap", "x": [...], "seed": 0, "resamples": 10000, "level": 0.95}
 *                                                       -> {"lo", "hi", "means": [first 5]}
 *   {"op": "holm", "p": [...]}                          -> {"adj": [...]}
 *   {"op": "rng", "seed": 0, "n": 164, "count": 5}      -> {"draws": [...]}
 * Exit 0, or 1 on a line it cannot read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/stats.h"

static double num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static double *numbers(const cJSON *a, size_t *n)
{
	*n = (size_t)cJSON_GetArraySize(a);
	double *v = calloc(*n ? *n : 1, sizeof(*v));
	size_t i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, a)
	{
		if (v)
			v[i++] = e->valuedouble;
	}
	return v;
}

static cJSON *run(const cJSON *in)
{
	const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "op"));
	cJSON *out = cJSON_CreateObject();
	if (!op || !out)
		return out;
	if (strcmp(op, "wilson") == 0) {
		struct stats_interval ci = stats_wilson((size_t)num(in, "c", 0), (size_t)num(in, "n", 0), STATS_Z95);
		cJSON_AddNumberToObject(out, "lo", ci.lo);
		cJSON_AddNumberToObject(out, "hi", ci.hi);
	} else if (strcmp(op, "mcnemar") == 0) {
		cJSON_AddNumberToObject(out, "p", stats_mcnemar_exact((size_t)num(in, "b", 0), (size_t)num(in, "c", 0)));
	} else if (strcmp(op, "permutation") == 0) {
		const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(in, "pairs");
		size_t m = (size_t)cJSON_GetArraySize(pairs), i = 0;
		struct stats_pair *t = calloc(m ? m : 1, sizeof(*t));
		const cJSON *e;
		cJSON_ArrayForEach(e, pairs)
		{
			if (t)
				t[i++] = (struct stats_pair){ (size_t)cJSON_GetArrayItem(e, 0)->valuedouble,
							      (size_t)cJSON_GetArrayItem(e, 1)->valuedouble,
							      (size_t)cJSON_GetArrayItem(e, 2)->valuedouble,
							      (size_t)cJSON_GetArrayItem(e, 3)->valuedouble };
		}
		enum stats_permutation_method method = STATS_PERMUTATION_EXACT;
		double p = t ? stats_permutation_paired(t, m, (uint64_t)num(in, "seed", 0), (size_t)num(in, "draws", 100000),
							 &method)
			     : -1;
		cJSON_AddNumberToObject(out, "p", p);
		cJSON_AddBoolToObject(out, "exact", method == STATS_PERMUTATION_EXACT);
		free(t);
	} else if (strcmp(op, "bootstrap") == 0) {
		size_t m;
		double *x = numbers(cJSON_GetObjectItemCaseSensitive(in, "x"), &m);
		size_t b = (size_t)num(in, "resamples", 10000);
		double *means = calloc(b ? b : 1, sizeof(*means));
		if (x && means && m && b) {
			stats_bootstrap_means(x, m, (uint64_t)num(in, "seed", 0), b, means);
			cJSON *first = cJSON_AddArrayToObject(out, "means");
			for (size_t i = 0; first && i < b && i < 5; i++)
				cJSON_AddItemToArray(first, cJSON_CreateNumber(means[i]));
			struct stats_interval ci = stats_percentile_interval(means, b, num(in, "level", 0.95));
			cJSON_AddNumberToObject(out, "lo", ci.lo);
			cJSON_AddNumberToObject(out, "hi", ci.hi);
		}
		free(x);
		free(means);
	} else if (strcmp(op, "holm") == 0) {
		size_t m;
		double *p = numbers(cJSON_GetObjectItemCaseSensitive(in, "p"), &m);
		double *adj = calloc(m ? m : 1, sizeof(*adj));
		if (p && adj) {
			stats_holm(p, m, adj);
			cJSON_AddItemToObject(out, "adj", cJSON_CreateDoubleArray(adj, (int)m));
		}
		free(p);
		free(adj);
	} else if (strcmp(op, "rng") == 0) {
		struct stats_rng r;
		stats_rng_seed(&r, (uint64_t)num(in, "seed", 0));
		cJSON *d = cJSON_AddArrayToObject(out, "draws");
		uint64_t n = (uint64_t)num(in, "n", 2);
		for (size_t i = 0; d && i < (size_t)num(in, "count", 1); i++)
			cJSON_AddItemToArray(d, cJSON_CreateNumber((double)stats_rng_below(&r, n)));
	}
	return out;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = 0;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		cJSON *in = cJSON_ParseWithLength(line, (size_t)len);
		cJSON *out = in ? run(in) : NULL;
		char *text = out ? cJSON_PrintUnformatted(out) : NULL;
		if (!text) {
			fprintf(stderr, "stats_tool: cannot read: %.80s\n", line);
			status = 1;
		} else {
			printf("%s\n", text);
		}
		free(text);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	free(line);
	return status;
}
