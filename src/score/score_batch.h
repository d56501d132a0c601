/* One scoring call in progress (a batch of samples), shared by the files
 * that implement score.h: score.c (start, resolve, finish), score_run.c
 * (one sample: job, jail, verdict), decide.c (the verdict from what the jail
 * and the runner reported) and summary.c (pass@k, tasks, audits). */
#ifndef VERDICT_SCORE_BATCH_H
#define VERDICT_SCORE_BATCH_H

#include <pthread.h>

#include "jail.h"
#include "score/job.h"
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
	enum profile *harnesses;       /* the faithful profile beside each sample; PROFILE_AUTO: none */
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

/* harness.c: what the verdict profile's run reported for the harness
 * beside it (the extraction's choices, whether the harness's program is
 * the same, what the run did that the harness treats differently). */
#define RUN_FACTS_MAX_DIFFERS 8
struct run_facts {
	bool same_program;  /* the harness would run this very program */
	bool differs_known; /* the run said what the harness would treat differently */
	char differs[RUN_FACTS_MAX_DIFFERS][48];
	size_t n_differs;
	char cause[64];	    /* the extraction's most telling note, as a cause's label ("CRLF fences") */
	char first_note[96];
	unsigned flags;	    /* VF_* of the runner's extraction */
	char *notes;	    /* the extraction's notes, a JSON array (owned) */
};
void run_facts_read(const struct runner_outcome *ro, struct run_facts *f);
void run_facts_free(struct run_facts *f);
/* This run's verdict is provably the harness's (same program, nothing the
 * harness would treat differently, an outcome no limit decided). */
bool harness_can_infer(const struct problem *p, enum job_family fam, const struct sample_verdict *v,
		       const struct run_facts *f);
/* v->harness.cause and label, when v->harness.differs (f: the verdict
 * profile's facts, NULL under a faithful profile). */
void harness_explain(struct sample_verdict *v, const struct run_facts *f);
/* The harness block of the summary (after the tasks are known). */
void harness_summarise(struct batch_ctx *b);

/* summary.c: counts, tasks, pass@k and groups; then the audits. */
void score_summarise(struct batch_ctx *b);
void score_audit(struct batch_ctx *b);

#endif
