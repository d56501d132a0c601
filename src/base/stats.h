/* Statistics for comparing runs on the same problems: confidence intervals
 * of a pass rate (Wilson; bootstrap over tasks), McNemar's exact test, the
 * paired sign-flip permutation test, Holm's adjustment, and the seeded
 * random numbers the resampling uses. Pure math: no I/O, and no allocation
 * except where a prototype says so. Every result depends only on the inputs
 * and the seed, on every platform (xoshiro256** with a fixed way to draw an
 * index), so that identical input gives identical output. */
#ifndef VERDICT_STATS_H
#define VERDICT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The 0.975 quantile of the standard normal: two-sided 95% intervals. */
#define STATS_Z95 1.959963984540054

struct stats_interval {
	double lo, hi;
};

/* Wilson's score interval for `successes` out of `n` at the normal quantile
 * z (STATS_Z95 for 95%). [0, 1] when n is 0. */
struct stats_interval stats_wilson(size_t successes, size_t n, double z);

/* McNemar's exact test: the two-sided binomial test of b against c with
 * p = 1/2 on the b + c discordant pairs, min(1, 2 P(X <= min(b, c))) with
 * X ~ Binomial(b + c, 1/2). 1 when there is no discordant pair. */
double stats_mcnemar_exact(size_t b, size_t c);

/* The random numbers of every resampling: xoshiro256** (Blackman and
 * Vigna), its state filled from the seed by splitmix64. */
struct stats_rng {
	uint64_t s[4];
};
void stats_rng_seed(struct stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *r);
/* Uniform in [0, n) for n > 0, without modulo bias: draws below
 * (2^64 - n) mod n are rejected, then the draw is taken mod n. */
uint64_t stats_rng_below(struct stats_rng *r, uint64_t n);

/* The bootstrap over tasks: `resamples` times, draw m of the m values x
 * with replacement (indices from stats_rng_below(m) in order) and write
 * their mean (the sum in draw order, divided by m) to out[b]. The draws
 * depend only on the seed and m, so every statistic bootstrapped with one
 * seed over one task list resamples the same tasks (paired by construction).
 * m must be > 0; out holds `resamples` doubles (the caller's). */
void stats_bootstrap_means(const double *x, size_t m, uint64_t seed, size_t resamples, double *out);

/* The percentile interval at `level` (0.95) of n values, which are sorted
 * in place: with k = ceil(n (1 - level) / 2) (at least 1), the k-th smallest
 * and the k-th largest value. Symmetric by construction: negating every
 * value negates and swaps the two ends. n must be > 0. */
struct stats_interval stats_percentile_interval(double *values, size_t n, double level);

/* Fractions of the n values that are <= x and >= x. */
double stats_fraction_at_most(const double *values, size_t n, double x);
double stats_fraction_at_least(const double *values, size_t n, double x);

/* One task of a paired comparison: c_a of n_a samples passed in run A,
 * c_b of n_b in run B (n_a, n_b > 0). */
struct stats_pair {
	size_t n_a, c_a, n_b, c_b;
};

enum stats_permutation_method {
	STATS_PERMUTATION_EXACT,       /* the whole sign-flip distribution */
	STATS_PERMUTATION_MONTE_CARLO, /* sampled flips, when the exact one is too large */
};

/* The paired permutation test on per-task pass rates: under the null
 * hypothesis the two runs are exchangeable within a task, so each task's
 * difference d = c_b/n_b - c_a/n_a keeps or flips its sign with probability
 * 1/2; p = P(|sum of signed d| >= |sum of d|). Exact (the differences are
 * scaled to integers and the distribution of their signed sum counted)
 * unless that is too large; then `mc_draws` random sign flips from the seed,
 * p = (1 + hits) / (1 + draws). Returns p; *method says which. */
double stats_permutation_paired(const struct stats_pair *t, size_t m, uint64_t seed, size_t mc_draws,
				enum stats_permutation_method *method);

/* Holm's step-down adjustment of m p-values: with p sorted ascending (ties
 * in input order), adj_(j) = max over i <= j of min(1, (m - i) p_(i)),
 * 0-based. adj may be p. */
void stats_holm(const double *p, size_t m, double *adj);

#endif
