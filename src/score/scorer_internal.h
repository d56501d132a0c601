/* The scorer's state, shared by the files that implement scoring (score.c,
 * runner_channel.c, expected.c, calibrate.c). */
#ifndef VERDICT_SCORER_INTERNAL_H
#define VERDICT_SCORER_INTERNAL_H

#include <pthread.h>

#include "score/run_cache.h"
#include "score/score.h"

#define SCORER_MAX_RUNNER_FILES 40

struct scorer {
	const struct jail_config *jail;
	struct scheduler *sched;
	struct jail_file runner_files[SCORER_MAX_RUNNER_FILES];
	size_t n_runner_files;
	struct extractor *extractor; /* compiled fence and reasoning patterns */
	struct jail_pool *pool;	     /* warm workers; NULL: one-shot jails */
	char *cache_dir;	 /* NULL: nothing is cached */
	pthread_mutex_t cache_mu; /* one writer of cache files at a time */
	struct run_cache *runs;	  /* outcomes of runs by content (NULL without a cache directory) */
	struct scorer_stats stats; /* updated with atomic adds */
	/* Tests only: VERDICT_TEST_EXTRACTOR ("off", "crash", "slow", "burn"), passed to
	 * the warm parent's extractor in the fast job's hint (verdict_extractor.py);
	 * NULL in normal use. */
	const char *test_extractor;
};

#endif
