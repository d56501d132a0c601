/* pass@k with the unbiased estimator of Chen et al. (2021), "Evaluating
 * Large Language Models Trained on Code": per task with n samples of which c
 * pass, pass@k = 1 - C(n-c, k) / C(n, k). */
#ifndef VERDICT_PASSK_H
#define VERDICT_PASSK_H

#include <stdbool.h>
#include <stddef.h>

/* Returns false (not computable) when k > n or k == 0. */
bool passk_estimate(size_t n, size_t c, size_t k, double *out);

#endif
