/* Small helpers of the job builders (job_internal.h): below every
 * job_<profile>.c, so that the builders and job.c never call each other. */
#include <stdlib.h>
#include <string.h>

#include "score/job_internal.h"

bool job_add_str(cJSON *o, const char *k, const char *v)
{
	return v == NULL || cJSON_AddStringToObject(o, k, v) != NULL;
}

char *job_concat(const char *a, const char *b, size_t blen)
{
	size_t al = strlen(a);
	char *r = malloc(al + blen + 1);
	if (!r)
		return NULL;
	memcpy(r, a, al);
	memcpy(r + al, b, blen);
	r[al + blen] = '\0';
	return r;
}
