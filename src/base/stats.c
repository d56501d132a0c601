/* Statistics for comparing runs (see stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/stats.h"

struct stats_interval stats_wilson(size_t successes, size_t n, double z)
{
	if (n == 0)
		return (struct stats_interval){ 0.0, 1.0 };
	double nn = (double)n, p = (double)successes / nn, z2 = z * z;
	double denom = 1.0 + z2 / nn;
	double centre = (p + z2 / (2.0 * nn)) / denom;
	double half = z / denom * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
	struct stats_interval r = { centre - half, centre + half };
	/* The ends are 0 and 1 exactly when nothing or everything passed;
	 * rounding must not push them outside [0, 1]. */
	if (r.lo < 0.0 || successes == 0)
		r.lo = 0.0;
	if (r.hi > 1.0 || successes == n)
		r.hi = 1.0;
	return r;
}

double stats_mcnemar_exact(size_t b, size_t c)
{
	size_t n = b + c, k = b < c ? b : c;
	if (n == 0 || b == c)
		return 1.0;
	/* P(X = k) from the log-gamma function (no overflow for any n), then
	 * the lower tail by the recurrence P(X = i - 1) = P(X = i) i / (n - i + 1). */
	double nn = (double)n;
	double pk = exp(lgamma(nn + 1.0) - lgamma((double)k + 1.0) - lgamma(nn - (double)k + 1.0) - nn * log(2.0));
	double sum = pk;
	for (size_t i = k; i > 0; i--) {
		pk *= (double)i / (double)(n - i + 1);
		sum += pk;
	}
	double p = 2.0 * sum;
	return p < 1.0 ? p : 1.0;
}

/* ------------------------------------------------------------ random numbers */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void stats_rng_seed(struct stats_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t stats_rng_next(struct stats_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t stats_rng_below(struct stats_rng *r, uint64_t n)
{
	uint64_t threshold = (0 - n) % n; /* (2^64 - n) mod n */
	for (;;) {
		uint64_t x = stats_rng_next(r);
		if (x >= threshold)
			return x % n;
	}
}

/* ------------------------------------------------------------ bootstrap */

void stats_bootstrap_means(const double *x, size_t m, uint64_t seed, size_t resamples, double *out)
{
	struct stats_rng rng;
	stats_rng_seed(&rng, seed);
	for (size_t b = 0; b < resamples; b++) {
		double sum = 0.0;
		for (size_t j = 0; j < m; j++)
			sum += x[stats_rng_below(&rng, m)];
		out[b] = sum / (double)m;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct stats_interval stats_percentile_interval(double *values, size_t n, double level)
{
	qsort(values, n, sizeof(*values), cmp_double);
	/* The small slack keeps 0.025 x 10000 at 250 despite rounding. */
	double tail = (double)n * (1.0 - level) / 2.0;
	size_t k = (size_t)ceil(tail - 1e-9);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (struct stats_interval){ values[k - 1], values[n - k] };
}

double stats_fraction_at_most(const double *values, size_t n, double x)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += values[i] <= x;
	return n ? (double)c / (double)n : 0.0;
}

double stats_fraction_at_least(const double *values, size_t n, double x)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += values[i] >= x;
	return n ? (double)c / (double)n : 0.0;
}

/* ------------------------------------------------------------ permutation test */

/* Bounds of the exact computation: the common denominator of the
 * differences, and the work of counting the signed sums (tasks x range). */
#define EXACT_MAX_DENOMINATOR 1000000ull
#define EXACT_MAX_TOTAL 1000000ull
#define EXACT_MAX_WORK 200000000ull

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* One task's difference d = c_b/n_b - c_a/n_a as num / den in lowest terms
 * (den > 0); false when d is 0. */
static bool difference(const struct stats_pair *t, int64_t *num, uint64_t *den)
{
	int64_t n = (int64_t)(t->c_b * t->n_a) - (int64_t)(t->c_a * t->n_b);
	if (n == 0)
		return false;
	uint64_t d = (uint64_t)t->n_a * t->n_b, g = gcd64((uint64_t)llabs(n), d);
	*num = n / (int64_t)g;
	*den = d / g;
	return true;
}

/* The differences as integers on their common denominator D: a[i] =
 * |d_i| D and *observed = |sum of d_i| D, all divided by their common
 * factor. Returns the number of non-zero differences, or -1 when they do
 * not fit the bounds of the exact computation. */
static long scale_differences(const struct stats_pair *t, size_t m, uint64_t *a, uint64_t *observed, uint64_t *total)
{
	uint64_t common_den = 1, den;
	int64_t num;
	for (size_t i = 0; i < m; i++) {
		if (!difference(&t[i], &num, &den))
			continue;
		common_den = common_den / gcd64(common_den, den) * den;
		if (common_den > EXACT_MAX_DENOMINATOR)
			return -1;
	}
	size_t k = 0;
	int64_t signed_sum = 0;
	uint64_t common = 0, sum = 0;
	for (size_t i = 0; i < m; i++) {
		if (!difference(&t[i], &num, &den))
			continue;
		uint64_t v = (uint64_t)llabs(num) * (common_den / den);
		if (v > (1ull << 40) || sum > (1ull << 60))
			return -1;
		a[k++] = v;
		signed_sum += num > 0 ? (int64_t)v : -(int64_t)v;
		common = gcd64(common, v);
		sum += v;
	}
	if (common > 1) {
		for (size_t i = 0; i < k; i++)
			a[i] /= common;
		signed_sum /= (int64_t)common;
		sum /= common;
	}
	if (sum > EXACT_MAX_TOTAL || (uint64_t)k * sum > EXACT_MAX_WORK)
		return -1;
	*observed = (uint64_t)(signed_sum < 0 ? -signed_sum : signed_sum);
	*total = sum;
	return (long)k;
}

/* P(|sum of e_i a_i| >= observed) for independent fair signs e_i: the
 * distribution of the signed sum, counted term by term over [-total, total].
 * Returns -1 when out of memory. */
static double exact_sign_flip(const uint64_t *a, size_t k, uint64_t observed, uint64_t total)
{
	size_t width = 2 * (size_t)total + 1;
	double *cur = calloc(width, sizeof(*cur)), *next = calloc(width, sizeof(*next));
	if (!cur || !next) {
		free(cur);
		free(next);
		return -1.0;
	}
	size_t zero = (size_t)total, reach = 0;
	cur[zero] = 1.0;
	for (size_t i = 0; i < k; i++) {
		size_t step = (size_t)a[i], lo = zero - reach, hi = zero + reach;
		memset(next + (lo - step), 0, (hi - lo + 2 * step + 1) * sizeof(*next));
		for (size_t s = lo; s <= hi; s++) {
			if (cur[s] == 0.0)
				continue;
			next[s - step] += 0.5 * cur[s];
			next[s + step] += 0.5 * cur[s];
		}
		reach += step;
		double *tmp = cur;
		cur = next;
		next = tmp;
	}
	double p = 0.0;
	for (size_t s = zero - reach; s <= zero + reach; s++) {
		uint64_t dist = s >= zero ? s - zero : zero - s;
		if (dist >= observed)
			p += cur[s];
	}
	free(cur);
	free(next);
	return p < 1.0 ? p : 1.0;
}

static double pair_difference(const struct stats_pair *t)
{
	return (double)t->c_b / (double)t->n_b - (double)t->c_a / (double)t->n_a;
}

static double monte_carlo_sign_flip(const struct stats_pair *t, size_t m, uint64_t seed, size_t draws)
{
	double observed = 0.0, scale = 0.0;
	for (size_t i = 0; i < m; i++) {
		observed += pair_difference(&t[i]);
		scale += fabs(pair_difference(&t[i]));
	}
	observed = fabs(observed);
	/* Sums that equal the observed one up to rounding count as reaching it. */
	double slack = 1e-12 * (scale + 1.0);
	struct stats_rng rng;
	stats_rng_seed(&rng, seed);
	size_t hits = 0;
	for (size_t b = 0; b < draws; b++) {
		double s = 0.0;
		for (size_t i = 0; i < m; i++) {
			double d = pair_difference(&t[i]);
			s += (stats_rng_next(&rng) >> 63) ? d : -d;
		}
		hits += fabs(s) >= observed - slack;
	}
	return (1.0 + (double)hits) / (1.0 + (double)draws);
}

double stats_permutation_paired(const struct stats_pair *t, size_t m, uint64_t seed, size_t mc_draws,
				enum stats_permutation_method *method)
{
	*method = STATS_PERMUTATION_EXACT;
	uint64_t *a = malloc((m ? m : 1) * sizeof(*a));
	uint64_t observed = 0, total = 0;
	long k = a ? scale_differences(t, m, a, &observed, &total) : -1;
	double p = -1.0;
	if (k == 0 || (k > 0 && observed == 0))
		p = 1.0;
	else if (k > 0)
		p = exact_sign_flip(a, (size_t)k, observed, total);
	free(a);
	if (p >= 0.0)
		return p;
	*method = STATS_PERMUTATION_MONTE_CARLO;
	return monte_carlo_sign_flip(t, m, seed, mc_draws);
}

/* ------------------------------------------------------------ Holm */

void stats_holm(const double *p, size_t m, double *adj)
{
	if (m == 0)
		return;
	size_t *order = malloc(m * sizeof(*order));
	double *copy = malloc(m * sizeof(*copy));
	if (!order || !copy) {
		/* Bonferroni bounds Holm from above: still a valid adjustment. */
		for (size_t i = 0; i < m; i++)
			adj[i] = fmin(1.0, (double)m * p[i]);
		free(order);
		free(copy);
		return;
	}
	memcpy(copy, p, m * sizeof(*copy));
	for (size_t i = 0; i < m; i++)
		order[i] = i;
	/* Insertion sort: stable, and m is the number of compared runs. */
	for (size_t i = 1; i < m; i++) {
		size_t v = order[i], j = i;
		while (j > 0 && copy[order[j - 1]] > copy[v]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	double running = 0.0;
	for (size_t j = 0; j < m; j++) {
		double v = fmin(1.0, (double)(m - j) * copy[order[j]]);
		if (v > running)
			running = v;
		adj[order[j]] = running;
	}
	free(order);
	free(copy);
}
