/* Helpers shared by the files of extract/ (not part of extract.h). */
#ifndef VERDICT_EXTRACT_INTERNAL_H
#define VERDICT_EXTRACT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* `s.strip() == ""` in Python; ill-formed bytes count as non-space. */
bool extract_py_blank(const char *s, size_t len);

/* A NUL-terminated malloc'd copy of p[0..n) (NULL when out of memory). */
char *extract_copy_bytes(const char *p, size_t n);

#endif
