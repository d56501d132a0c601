/* verdict's on-disk cache: canonical outputs and calibrations, keyed by the
 * content hash of the dataset they were computed from. Files are written to
 * a temporary name and renamed, so a reader never sees half a file and
 * concurrent writers cannot corrupt one. */
#ifndef VERDICT_CACHE_H
#define VERDICT_CACHE_H

#include <stddef.h>

/* $VERDICT_CACHE_DIR, else $XDG_CACHE_HOME/verdict, else $HOME/.cache/verdict.
 * Returns 0 or -1 (no usable location). */
int cache_default_dir(char *buf, size_t n);

/* Read <dir>/<name> (name may contain '/'). Returns 0 with a malloc'd
 * NUL-terminated buffer, 1 when absent, -1 on another error. */
int cache_read(const char *dir, const char *name, char **data, size_t *len);

/* Atomically write <dir>/<name>, creating directories. Returns 0 or -1. */
int cache_write(const char *dir, const char *name, const char *data, size_t len);
/* The same without fsync, for many small entries where losing one to a
 * crash only costs a re-run (a reader treats a broken entry as absent). */
int cache_write_nosync(const char *dir, const char *name, const char *data, size_t len);

/* A file-name-safe form of a task id ("HumanEval/12" -> "HumanEval_12"). */
void cache_safe_name(const char *in, char *out, size_t n);

#endif
