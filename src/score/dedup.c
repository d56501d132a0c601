/* Identical samples of one call (see dedup.h): an open-addressing table of
 * sample hashes; a hash match is confirmed field by field, so a collision
 * can only cost a run, never share a verdict between different samples. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/lcb_problem.h"
#include "input/lcb_tests.h"
#include "score/dedup.h"

static uint64_t fnv(uint64_t h, const char *s)
{
	/* FNV-1a; a NULL string hashes apart from "" */
	if (!s)
		return (h ^ 0xffu) * 0x100000001b3ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0x1fu) * 0x100000001b3ull;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_lcb(const struct lcb_problem *a, const struct lcb_problem *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->n_tests != b->n_tests || a->n_public != b->n_public || !same_str(a->func_name, b->func_name) ||
	    !same_str(a->decode_error, b->decode_error) || !same_str(a->starter_code, b->starter_code))
		return false;
	for (size_t i = 0; i < a->n_tests; i++)
		if (!same_str(a->tests[i].input, b->tests[i].input) || !same_str(a->tests[i].output, b->tests[i].output) ||
		    a->tests[i].type != b->tests[i].type)
			return false;
	return true;
}

/* The same problem: one object, or two inline copies with equal content
 * (an HTTP request carries the problem in every sample). */
static bool same_problem(const struct problem *a, const struct problem *b)
{
	if (a == b)
		return true;
	return a && b && same_str(a->task_id, b->task_id) && same_str(a->prompt, b->prompt) &&
	       same_str(a->entry_point, b->entry_point) && same_str(a->canonical_solution, b->canonical_solution) &&
	       same_str(a->test, b->test) && same_str(a->base_input, b->base_input) &&
	       same_str(a->plus_input, b->plus_input) && same_str(a->atol, b->atol) &&
	       same_str(a->contract, b->contract) && same_lcb(a->lcb, b->lcb);
}

static bool same_sample(const struct sample_set *set, const struct problem *const *probs, const enum profile *profiles,
			size_t i, size_t k)
{
	const struct sample *a = &set->v[i], *b = &set->v[k];
	return profiles[i] == profiles[k] && same_str(a->task_id, b->task_id) && same_str(a->completion, b->completion) &&
	       same_str(a->solution, b->solution) && same_str(a->reasoning, b->reasoning) &&
	       same_problem(probs[i], probs[k]);
}

static uint64_t sample_hash(const struct sample *s, enum profile prof)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)prof;
	h = fnv(h, s->task_id);
	h = fnv(h, s->completion);
	h = fnv(h, s->solution);
	return fnv(h, s->reasoning);
}

int dedup_leaders(const struct sample_set *set, const struct problem *const *probs, const enum profile *profiles,
		  const bool *eligible, size_t *leader)
{
	size_t n = set->n;
	for (size_t i = 0; i < n; i++)
		leader[i] = i;
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	size_t *slot = malloc(cap * sizeof(*slot)); /* sample index + 1; 0 = empty */
	uint64_t *hash = malloc(n ? n * sizeof(*hash) : 1);
	if (!slot || !hash) {
		free(slot);
		free(hash);
		return -1;
	}
	memset(slot, 0, cap * sizeof(*slot));
	for (size_t i = 0; i < n; i++) {
		if (!eligible[i])
			continue;
		hash[i] = sample_hash(&set->v[i], profiles[i]);
		for (size_t at = (size_t)hash[i] & (cap - 1);; at = (at + 1) & (cap - 1)) {
			if (!slot[at]) {
				slot[at] = i + 1;
				break;
			}
			size_t k = slot[at] - 1;
			if (hash[k] == hash[i] && same_sample(set, probs, profiles, i, k)) {
				leader[i] = k;
				break;
			}
		}
	}
	free(slot);
	free(hash);
	return 0;
}

bool dedup_reusable(const struct sample_verdict *v)
{
	switch (v->status) {
	case ST_TIMEOUT:
	case ST_SANDBOX_ERROR:
	case ST_INVALID:
		return false;
	case ST_PASSED:
	case ST_FAILED:
	case ST_ERROR:
	case ST_SYNTAX_ERROR:
	case ST_MEMORY_LIMIT:
	case ST_OUTPUT_LIMIT:
	case ST_EMPTY:
	case ST_NO_CODE:
		break;
	}
	return !v->skipped && !(v->flags & (VF_FLAKY | VF_RERUN));
}

int dedup_copy(struct sample_verdict *dst, const struct sample_verdict *leader)
{
	*dst = *leader;
	dst->program = leader->program ? strdup(leader->program) : NULL;
	dst->lcb_metadata = leader->lcb_metadata ? strdup(leader->lcb_metadata) : NULL;
	dst->notes = leader->notes ? strdup(leader->notes) : NULL;
	dst->reused = REUSE_DUPLICATE;
	dst->ref_agrees = -1;
	if ((leader->program && !dst->program) || (leader->lcb_metadata && !dst->lcb_metadata) ||
	    (leader->notes && !dst->notes)) {
		free(dst->program);
		free(dst->lcb_metadata);
		free(dst->notes);
		dst->program = dst->lcb_metadata = dst->notes = NULL;
		dst->status = ST_SANDBOX_ERROR;
		dst->passed = false;
		snprintf(dst->detail, sizeof(dst->detail), "out of memory copying an identical sample's verdict");
		return -1;
	}
	return 0;
}
