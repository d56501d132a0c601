/* Shared by the job builders (job.c and job_<profile>.c): small cJSON and
 * text helpers, and one builder per profile. Each builder adds the fields of
 * its profile to `job` (which already has nonce and profile) and returns
 * false on failure (err set, or left empty for out of memory). */
#ifndef VERDICT_JOB_INTERNAL_H
#define VERDICT_JOB_INTERNAL_H

#include "score/job.h"

/* job_util.c. cJSON_AddStringToObject, where a NULL value adds nothing. */
bool job_add_str(cJSON *o, const char *k, const char *v);
/* malloc'd a + b[0..blen) (NULL on OOM). */
char *job_concat(const char *a, const char *b, size_t blen);

bool job_build_human_eval(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t);
bool job_build_lm_eval_chat(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t);
bool job_build_evalplus(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t);
bool job_build_lcb(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t, char *err,
		   size_t errlen);
bool job_build_verdict(cJSON *job, const struct problem *p, const struct sample *s, const struct job_text *t,
		       const struct job_verdict_options *vo, char *err, size_t errlen);

#endif
