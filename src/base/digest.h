/* Content digests of dataset files: SHA-256 keys verdict's caches, MD5 is
 * the `hash` evalplus records in its eval_results.json. */
#ifndef VERDICT_DIGEST_H
#define VERDICT_DIGEST_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* The 32 bytes of the SHA-256 digest (a Content-Security-Policy hash). */
void digest_sha256(const void *data, size_t len, unsigned char out[32]);

/* Lowercase hex digests, NUL-terminated. */
void digest_sha256_hex(const void *data, size_t len, char out[65]);
void digest_md5_hex(const void *data, size_t len, char out[33]);

#endif
