/* LiveCodeBench rows of a dataset file (see dataset.c). */
#ifndef VERDICT_DATASET_LCB_H
#define VERDICT_DATASET_LCB_H

#include <stddef.h>

#include "input/lcb_tests.h"
#include "input/problem.h"

/* Append the LCB rows of data[0..len) to d->problems. A row whose private
 * tests cannot be decoded is kept with lcb->decode_error set (it is then
 * reported per sample, and the rest of the file is still scored). Returns 0,
 * or -1 with "path:line: reason" for a file that is not LCB at all. */
int dataset_lcb_load_rows(struct dataset *d, const char *data, size_t len, char *err, size_t errlen);

/* Fill *p (with p->lcb) from one official row. A private-test decoding
 * failure is not an error here: it is kept in p->lcb->decode_error. Returns
 * 0, or -1 with err for a row that is not LCB at all. */
int lcb_problem_from_row(struct problem *p, const cJSON *row, char *err, size_t errlen);
/* The same with size caps for the private tests (NULL: the defaults of
 * lcb_tests.h); an inline problem of an HTTP request gets what is left of
 * the request's budget. */
int lcb_problem_from_row_limits(struct problem *p, const cJSON *row, const struct lcb_tests_limits *lim, char *err,
				size_t errlen);

#endif
