/* Reading whole files (plain or gzip) into memory, with clear errors. */
#ifndef VERDICT_FILE_IO_H
#define VERDICT_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>

/* Read all of `path` ("-" for stdin) into a NUL-terminated malloc'd buffer.
 * Files ending in .gz are decompressed. Returns 0, or -1 with err set.
 * At most max_bytes are accepted (after decompression). */
int file_read_all(const char *path, size_t max_bytes, char **data, size_t *len, char *err, size_t errlen);

#endif
