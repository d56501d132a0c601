/* A fixed set of worker threads shared by every batch of work (a CLI audit,
 * each HTTP request). Workers take items round-robin across the batches in
 * flight, so a request of 10 samples is not starved by one of 10,000. The
 * total of queued items is bounded: submitting past the bound fails at once
 * (the HTTP layer answers 503) instead of growing a backlog. */
#ifndef VERDICT_SCHEDULER_H
#define VERDICT_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

struct scheduler;

/* A batch: `n` items, each processed once by run(ctx, i) on some worker.
 * The caller owns the batch and keeps it alive until scheduler_wait returns. */
struct batch {
	void (*run)(void *ctx, size_t i);
	/* Called instead of run() for items never started because the batch
	 * was cancelled. */
	void (*cancelled)(void *ctx, size_t i);
	void *ctx;
	size_t n;
	/* private */
	size_t next, done;
	bool cancel;
	struct batch *prev_link, *next_link;
};

/* Start `workers` threads; at most `max_queued` items may wait at once.
 * Returns 0 or -errno. */
int scheduler_create(int workers, size_t max_queued, struct scheduler **out);
/* Stop the workers after the batches in flight finish; frees *s. */
void scheduler_destroy(struct scheduler **s);

/* Queue a batch. Returns 0, or -EBUSY when the queue bound would be
 * exceeded (nothing is queued then). */
int scheduler_submit(struct scheduler *s, struct batch *b);
/* Block until every item of `b` has run or been cancelled. */
void scheduler_wait(struct scheduler *s, struct batch *b);
/* Like scheduler_wait, giving up after timeout_ms (-1: never). Returns true
 * when every item is done. */
bool scheduler_wait_timeout(struct scheduler *s, struct batch *b, int timeout_ms);
/* Items of `b` not started yet will not run (their `cancelled` callback is
 * called instead). Safe from any thread. */
void scheduler_cancel(struct scheduler *s, struct batch *b);

/* Run fn(ctx) with no item of any batch running at the same time (used to
 * re-run a timed-out sample alone). */
void scheduler_run_alone(struct scheduler *s, void (*fn)(void *ctx), void *ctx);

/* Items queued and not started, over all batches; items running now. */
size_t scheduler_queued(struct scheduler *s);
size_t scheduler_running(struct scheduler *s);
int scheduler_workers(const struct scheduler *s);

#endif
