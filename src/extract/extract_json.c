/* JSON views of an extraction result: its facts (for `verdict run`'s
 * tools and tests) and the lm-eval-chat job fields (see extract.h). */
#include <stdlib.h>

#include "cleanup.h"
#include "extract/extract.h"
#include "extract/extract_internal.h"

static cJSON *names_array(unsigned bits, unsigned count, const char *(*name)(unsigned))
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; a && i < count; i++) {
		if (!(bits & (1u << i)))
			continue;
		cJSON *s = cJSON_CreateString(name(1u << i));
		if (!s) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, s);
	}
	return a;
}

static const char *flag_name_bits(unsigned bit)
{
	return extract_flag_name((enum extract_flag)bit);
}

static const char *reasoning_name_bits(unsigned bit)
{
	return reasoning_flag_name((enum reasoning_flag)bit);
}

static void cleanup_json(cJSON **j)
{
	cJSON_Delete(*j);
}
#define auto_json __attribute__((cleanup(cleanup_json)))

cJSON *extract_json_facts(const struct extract_result *r)
{
	auto_json cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON *flags = names_array(r->flags, EXTRACT_FLAG_COUNT, flag_name_bits);
	if (!cJSON_AddItemToObject(o, "flags", flags)) {
		cJSON_Delete(flags);
		return NULL;
	}
	cJSON *reasoning = names_array(r->reasoning, REASONING_FLAG_COUNT, reasoning_name_bits);
	if (!cJSON_AddItemToObject(o, "reasoning", reasoning)) {
		cJSON_Delete(reasoning);
		return NULL;
	}
	if (!cJSON_AddStringToObject(o, "outcome", extract_outcome_name(r->outcome)) ||
	    !cJSON_AddStringToObject(o, "limit", extract_limit_name(r->limit)) ||
	    !cJSON_AddStringToObject(o, "hint", extract_hint_name(r->hint)) ||
	    !cJSON_AddNumberToObject(o, "reasoning_removed", (double)r->reasoning_removed) ||
	    !cJSON_AddNumberToObject(o, "blocks", (double)r->n_blocks) ||
	    !cJSON_AddNumberToObject(o, "fences", (double)r->n_fences) ||
	    !cJSON_AddNumberToObject(o, "fence_lines", (double)r->n_fence_lines) ||
	    !cJSON_AddBoolToObject(o, "unterminated_fence", (r->flags & EXTRACT_F_UNTERMINATED_FENCE) != 0) ||
	    !cJSON_AddBoolToObject(o, "lcb_found", r->lcb_found) ||
	    !cJSON_AddNumberToObject(o, "content_chars", (double)extract_py_len(r->content, r->content_len)))
		return NULL;
	return steal_pointer(&o);
}

static bool add_span(cJSON *o, const char *key, struct extract_span s)
{
	autofree char *z = extract_copy_bytes(s.p, s.n);
	return z && cJSON_AddStringToObject(o, key, z);
}

cJSON *extract_json_lm_eval_chat(const struct extract_result *r, const char *prompt)
{
	auto_json cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "mode", "lm-eval-chat"))
		return NULL;
	cJSON *blocks = cJSON_AddArrayToObject(o, "blocks");
	if (!blocks)
		return NULL;
	for (size_t i = 0; i < r->n_blocks; i++) {
		cJSON *s = cJSON_CreateString(r->blocks[i].text);
		if (!s)
			return NULL;
		cJSON_AddItemToArray(blocks, s);
	}
	if (!add_span(o, "fallback", r->fallback) || !cJSON_AddStringToObject(o, "prompt", prompt ? prompt : ""))
		return NULL;
	return steal_pointer(&o);
}
