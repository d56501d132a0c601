/* One scoring call in progress (a batch of samples), shared by the files
 * that implement score.h: score.c (start, resolve, finish), score_run.c
 * (one sample: job, jail, verdict), decide.c (the verdict from what the jail
 * and the runner reported) and summary.c (pass@k, tasks, audits). */
#ifndef VERDICT_SCORE_BATCH_H
#define VERDICT_SCORE_BATCH_H

#include <pthread.h>

#include "jail.h"
#include "score/runner_channel.h"
#include "score/scorer_internal.h"

struct batch_ctx {
	struct scorer *sc;
	const struct score_options *o;
	const struct dataset *ds;
	const struct sample_set *set;
	struct score_report *rep;
	const struct problem **probs; /* per sample, NULL when invalid */
	enum profile *profiles;
	struct expected_set *expected; /* evalplus canonical outputs */
	size_t *order;		       /* batch item -> sample index, longest first; NULL: input order */
	struct jail_limits limits;
	pthread_mutex_t progress_mu;
	size_t done;
	/* dedup: per sample, the identical sample whose verdict it takes (itself
	 * when it runs), and how many take its verdict; NULL when off. */
	size_t *leader;
	size_t *followers;
	/* What the batch's runs cost (atomic adds). */
	uint64_t runs, program_cpu_ms;
};

/* score_run.c: the scheduler's callbacks for one batch item, and the re-run
 * of one timed-out sample (ctx: a struct rerun_ctx). */
void score_run_item(void *ctx, size_t k);
void score_cancel_item(void *ctx, size_t k);
struct rerun_ctx {
	struct batch_ctx *b;
	size_t i;
};
void score_rerun_one(void *ctx);
/* The per-test limit of LiveCodeBench (the official runner's 6 s), or the
 * caller's timeout. */
double score_lcb_test_limit_s(const struct batch_ctx *b);

/* decide.c: the verdict's detail text (bounded), and the decision. */
void verdict_set_detail(struct sample_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void verdict_decide(const struct runner_outcome *ro, struct sample_verdict *v);
/* The official metadata of an LCB failure, kept with the verdict. */
void verdict_read_lcb_result(const cJSON *result, struct sample_verdict *v);

/* summary.c: counts, tasks, pass@k and groups; then the audits. */
void score_summarise(struct batch_ctx *b);
void score_audit(struct batch_ctx *b);

#endif
