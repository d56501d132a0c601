/* Worker threads over a ring of batches (see scheduler.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "score/scheduler.h"

struct scheduler {
	pthread_mutex_t mu;
	pthread_cond_t work;	  /* an item is available, or stopping */
	pthread_cond_t progress;  /* an item finished */
	pthread_cond_t idle;	  /* nothing running (for run_alone) */
	struct batch *ring;	  /* circular list of batches with items left */
	size_t queued, running, max_queued;
	bool alone_wanted;
	bool stopping;
	int n_workers;
	pthread_t *threads;
};

static void ring_remove(struct scheduler *s, struct batch *b)
{
	if (!b->next_link)
		return;
	if (b->next_link == b) {
		s->ring = NULL;
	} else {
		b->prev_link->next_link = b->next_link;
		b->next_link->prev_link = b->prev_link;
		if (s->ring == b)
			s->ring = b->next_link;
	}
	b->next_link = b->prev_link = NULL;
}

static void ring_add(struct scheduler *s, struct batch *b)
{
	if (!s->ring) {
		b->next_link = b->prev_link = b;
		s->ring = b;
		return;
	}
	b->next_link = s->ring;
	b->prev_link = s->ring->prev_link;
	s->ring->prev_link->next_link = b;
	s->ring->prev_link = b;
}

static void *worker_main(void *arg)
{
	struct scheduler *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stopping && (!s->ring || s->alone_wanted))
			pthread_cond_wait(&s->work, &s->mu);
		if (s->stopping && !s->ring)
			break;
		if (!s->ring || s->alone_wanted)
			continue;
		/* Round-robin: take one item of the current batch, then move the
		 * ring on so the next worker serves the next batch. */
		struct batch *b = s->ring;
		size_t i = b->next++;
		s->queued--;
		s->running++;
		if (b->next == b->n)
			ring_remove(s, b);
		else
			s->ring = b->next_link;
		pthread_mutex_unlock(&s->mu);
		b->run(b->ctx, i);
		pthread_mutex_lock(&s->mu);
		s->running--;
		b->done++;
		pthread_cond_broadcast(&s->progress);
		if (s->running == 0)
			pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int scheduler_create(int workers, size_t max_queued, struct scheduler **out)
{
	if (workers < 1)
		workers = 1;
	struct scheduler *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->threads = calloc((size_t)workers, sizeof(*s->threads));
	if (!s->threads) {
		free(s);
		return -ENOMEM;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->progress, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->max_queued = max_queued;
	for (int i = 0; i < workers; i++) {
		int rc = pthread_create(&s->threads[i], NULL, worker_main, s);
		if (rc != 0) {
			s->n_workers = i;
			scheduler_destroy(&s);
			return -rc;
		}
		s->n_workers = i + 1;
	}
	*out = s;
	return 0;
}

void scheduler_destroy(struct scheduler **sp)
{
	struct scheduler *s = *sp;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->n_workers; i++)
		pthread_join(s->threads[i], NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->progress);
	pthread_cond_destroy(&s->idle);
	free(s->threads);
	free(s);
	*sp = NULL;
}

int scheduler_submit(struct scheduler *s, struct batch *b)
{
	b->next = b->done = 0;
	b->cancel = false;
	b->next_link = b->prev_link = NULL;
	if (b->n == 0)
		return 0;
	pthread_mutex_lock(&s->mu);
	if (s->queued + b->n > s->max_queued) {
		pthread_mutex_unlock(&s->mu);
		return -EBUSY;
	}
	s->queued += b->n;
	ring_add(s, b);
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void scheduler_cancel(struct scheduler *s, struct batch *b)
{
	pthread_mutex_lock(&s->mu);
	if (b->next_link) {
		size_t left = b->n - b->next;
		ring_remove(s, b);
		s->queued -= left;
		size_t from = b->next;
		b->next = b->n;
		b->cancel = true;
		pthread_mutex_unlock(&s->mu);
		for (size_t i = from; i < b->n; i++)
			if (b->cancelled)
				b->cancelled(b->ctx, i);
		pthread_mutex_lock(&s->mu);
		b->done += left;
		pthread_cond_broadcast(&s->progress);
	}
	pthread_mutex_unlock(&s->mu);
}

void scheduler_wait(struct scheduler *s, struct batch *b)
{
	pthread_mutex_lock(&s->mu);
	while (b->done < b->n)
		pthread_cond_wait(&s->progress, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

bool scheduler_wait_timeout(struct scheduler *s, struct batch *b, int timeout_ms)
{
	if (timeout_ms < 0) {
		scheduler_wait(s, b);
		return true;
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (b->done < b->n)
		if (pthread_cond_timedwait(&s->progress, &s->mu, &until) == ETIMEDOUT)
			break;
	bool done = b->done >= b->n;
	pthread_mutex_unlock(&s->mu);
	return done;
}

void scheduler_run_alone(struct scheduler *s, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&s->mu);
	while (s->alone_wanted)
		pthread_cond_wait(&s->idle, &s->mu);
	s->alone_wanted = true;
	while (s->running > 0)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
	fn(ctx);
	pthread_mutex_lock(&s->mu);
	s->alone_wanted = false;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
}

size_t scheduler_queued(struct scheduler *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->queued;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t scheduler_running(struct scheduler *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->running;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int scheduler_workers(const struct scheduler *s)
{
	return s->n_workers;
}
