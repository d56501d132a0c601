/* LiveCodeBench samples: the official output (a JSON array of problems with
 * output_list, code_list, graded_list, metadata) and JSONL lines with
 * question_id. */
#ifndef VERDICT_SAMPLES_LCB_H
#define VERDICT_SAMPLES_LCB_H

#include <cjson/cJSON.h>

#include "input/samples.h"

int samples_lcb_read_array(struct sample_set *set, const char *text, size_t len, char *err, size_t errlen);
void samples_lcb_read_object(struct sample_set *set, const cJSON *o, size_t line_no);

#endif
