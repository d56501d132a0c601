/* Files compiled into the binary (the shipped policy, the Python runner):
 * see tools/embed_files.py and src/meson.build. */
#ifndef VERDICT_EMBEDDED_H
#define VERDICT_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* e.g. "policies/python.policy" */
	const char *data; /* NUL-terminated for convenience */
	size_t len;	  /* without the terminating NUL */
};

/* Terminated by an entry with name == NULL. */
extern const struct embedded_file embedded_files[];

/* The entry called `name`, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
