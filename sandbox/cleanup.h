/* Scope-bound cleanup helpers shared by every layer of verdict.
 *
 * Locals that own a resource are declared with one of the `autofree`,
 * `autoclose` or `autofclose` attributes; ownership leaves the scope only
 * through steal_pointer()/steal_fd(), so every early return is leak-free. */
#ifndef VERDICT_CLEANUP_H
#define VERDICT_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_close(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclose(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define autofree __attribute__((cleanup(cleanup_free)))
#define autoclose __attribute__((cleanup(cleanup_close)))
#define autofclose __attribute__((cleanup(cleanup_fclose)))

/* Hand ownership of a heap pointer to the caller: the local becomes NULL. */
static inline void *steal_pointer_impl(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) steal_pointer_impl(pp)

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
