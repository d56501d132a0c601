/* The scorer: what lives as long as the process (see score.h): the jail
 * configuration, the scheduler's workers, the runner's files, the compiled
 * extractor, the warm pool and the cache directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "base/embedded.h"
#include "extract/extract.h"
#include "pool.h"
#include "score/scheduler.h"
#include "score/scorer_internal.h"

static const char *const runner_modules[] = {
	"verdict_runner.py", "verdict_job.py", "verdict_child.py", "verdict_threads.py",
	"verdict_kind_assert.py", "verdict_kind_evalplus.py", "verdict_kind_lcb.py",
	"verdict_extract.py", "verdict_values.py", "verdict_guard.py",
	"verdict_lcb.py", "verdict_evalplus.py", "verdict_forgery.py", "verdict_tracing.py",
	"verdict_digest.py", "verdict_fork.py",
	/* LiveCodeBench stdin tests: each one's process, forked by a warm launcher */
	"verdict_test_process.py", "verdict_launcher.py",
	/* the warm parent's run-side setup (which it needs), fast path, extractor and forker */
	"verdict_zygote_run.py", "verdict_zygote_fast.py", "verdict_extractor.py", "verdict_forker.py",
	/* the verdict profile: execution, the harness beside it */
	"verdict_kind_real.py", "verdict_kind_real_lcb.py", "verdict_real.py", "verdict_observe.py",
	"verdict_harness.py",
	/* the `verdict` profile's extraction (verdict_meant.meant_program) */
	"verdict_meant.py", "verdict_fences.py", "verdict_markup.py", "verdict_prose.py",
	"verdict_pieces.py", "verdict_units.py", "verdict_task.py", "verdict_choose.py",
	"verdict_demo.py",
};

int scorer_create(const struct scorer_options *o, struct scorer **out, char *err, size_t errlen)
{
	struct scorer *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->jail = o->jail;
	pthread_mutex_init(&s->cache_mu, NULL);
	/* A test-only hook (tests/test_extractor.py): only the words the
	 * extractor knows reach the hint, so the hint stays valid JSON. */
	static const char *const test_hooks[] = { "off", "crash", "slow", "burn" };
	const char *hook = getenv("VERDICT_TEST_EXTRACTOR");
	for (size_t i = 0; hook && i < ARRAY_LEN(test_hooks); i++)
		if (strcmp(hook, test_hooks[i]) == 0)
			s->test_extractor = test_hooks[i];
	_Static_assert(ARRAY_LEN(runner_modules) <= SCORER_MAX_RUNNER_FILES, "raise SCORER_MAX_RUNNER_FILES");
	for (size_t i = 0; i < ARRAY_LEN(runner_modules); i++) {
		char name[64];
		snprintf(name, sizeof(name), "py/%s", runner_modules[i]);
		const struct embedded_file *f = embedded_find(name);
		if (!f)
			continue;
		s->runner_files[s->n_runner_files++] =
			(struct jail_file){ .name = runner_modules[i], .data = f->data, .len = f->len };
	}
	if (s->n_runner_files == 0 || strcmp(s->runner_files[0].name, "verdict_runner.py") != 0) {
		snprintf(err, errlen, "this build has no embedded runner (py/verdict_runner.py)");
		scorer_destroy(&s);
		return -1;
	}
	if (o->cache_dir && !(s->cache_dir = strdup(o->cache_dir))) {
		snprintf(err, errlen, "out of memory");
		scorer_destroy(&s);
		return -1;
	}
	const struct embedded_file *zygote = embedded_find("py/verdict_zygote.py");
	if (s->cache_dir && run_cache_open(s->cache_dir, s->jail, s->runner_files, s->n_runner_files,
					   zygote ? zygote->data : NULL, zygote ? zygote->len : 0, &s->runs) < 0) {
		snprintf(err, errlen, "out of memory");
		scorer_destroy(&s);
		return -1;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int workers = o->workers > 0 ? o->workers : (cores > 0 ? (int)cores : 2);
	int rc = scheduler_create(workers, o->max_queued ? o->max_queued : 100000, &s->sched);
	if (rc < 0) {
		snprintf(err, errlen, "starting %d workers: %s", workers, strerror(-rc));
		scorer_destroy(&s);
		return -1;
	}
	if (extract_new(NULL, &s->extractor, err, errlen) < 0) {
		scorer_destroy(&s);
		return -1;
	}
	/* The warm pool is the default execution path; it needs the full
	 * isolation level (each worker is a complete jail). */
	if (!o->no_pool && s->jail->level == JAIL_LEVEL_FULL && zygote) {
		struct jail_pool_options po = {
			.workers = workers,
			.preload = s->runner_files,
			.n_preload = s->n_runner_files,
			.zygote = zygote->data,
			.zygote_len = zygote->len,
		};
		if (jail_pool_create(s->jail, &po, &s->pool, err, errlen) < 0) {
			scorer_destroy(&s);
			return -1;
		}
	}
	*out = s;
	return 0;
}

void scorer_destroy(struct scorer **sp)
{
	struct scorer *s = *sp;
	if (!s)
		return;
	scheduler_destroy(&s->sched);
	jail_pool_destroy(&s->pool);
	extract_free(&s->extractor);
	run_cache_free(&s->runs);
	pthread_mutex_destroy(&s->cache_mu);
	free(s->cache_dir);
	free(s);
	*sp = NULL;
}

struct scheduler *scorer_scheduler(struct scorer *s)
{
	return s->sched;
}

void scorer_pool_stats(struct scorer *s, struct jail_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (s->pool)
		jail_pool_stats(s->pool, out);
}

bool scorer_uses_pool(const struct scorer *s)
{
	return s->pool != NULL;
}

const struct jail_config *scorer_jail(const struct scorer *s)
{
	return s->jail;
}

void scorer_stats(struct scorer *s, struct scorer_stats *out)
{
	out->runs = __atomic_load_n(&s->stats.runs, __ATOMIC_RELAXED);
	out->program_cpu_ms = __atomic_load_n(&s->stats.program_cpu_ms, __ATOMIC_RELAXED);
	out->from_cache = __atomic_load_n(&s->stats.from_cache, __ATOMIC_RELAXED);
	out->duplicates = __atomic_load_n(&s->stats.duplicates, __ATOMIC_RELAXED);
}
