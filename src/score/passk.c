/* The unbiased pass@k estimator in its numerically stable product form:
 * 1 - prod_{i = n-c+1}^{n} (1 - k / i), as in the paper's reference code. */
#include "score/passk.h"

bool passk_estimate(size_t n, size_t c, size_t k, double *out)
{
	if (k == 0 || k > n || c > n)
		return false;
	if (n - c < k) {
		*out = 1.0;
		return true;
	}
	double prod = 1.0;
	for (size_t i = n - c + 1; i <= n; i++)
		prod *= 1.0 - (double)k / (double)i;
	*out = 1.0 - prod;
	return true;
}
