/* A POST /score body cut into slices before any parse tree is built.
 *
 * A parse tree of the whole body would cost 40 times its size for a body of
 * tiny values (one cJSON node per value). Instead the body is checked once
 * with json_scan (strict JSON, no NUL anywhere, values counted), then only
 * the parts verdict reads become trees, one at a time and each of a size
 * its field can legitimately have: the top-level fields but `samples`, then
 * each sample alone with only the members a sample has (an inline problem
 * without the HumanEval+ inputs, which are forwarded as raw text). A member
 * given twice is refused: JSON parsers disagree on which one wins. */
#ifndef VERDICT_HTTP_BODY_H
#define VERDICT_HTTP_BODY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/json_scan.h"
#include "http/http_request.h"

/* Arrays and objects nested deeper than this are refused (a HumanEval+
 * problem nests 7 deep, a request adds 3). */
#define BODY_MAX_DEPTH 128

struct body {
	cJSON *top;	     /* the top-level members but `samples`, each parsed alone */
	struct span samples; /* the raw `samples` value; p is NULL when absent */
};

/* Check the body and slice its top level. `known` lists the top-level
 * members a request may have. Returns 0 (free with body_close), or -1 with
 * *err (400: BOM, malformed JSON, a NUL, an unknown or repeated member, a
 * member too large for what it is; 500: out of memory). */
int body_open(const char *text, size_t len, const char *const *known, size_t n_known, struct body *out,
	      struct request_error *err);
void body_close(struct body *b);

/* The elements of `samples` (an array) and the samples they stand for:
 * an object with a `completions` list counts its entries. */
void body_count_samples(struct span samples, size_t *elements, size_t *total);

/* The tree of samples[idx] (elem is its raw text): an object holding only
 * the members a sample has (task_id, completion, completions, solution,
 * reasoning_content, problem); other members are skipped unread. A list
 * holds at most max_list values. The `problem` object lacks base_input and
 * plus_input when they are lists (placeholders stand in; the raw text is
 * what is forwarded). NULL with *err when the element is refused. A
 * non-object element comes back as it is, for the caller to refuse. */
cJSON *body_sample(struct span elem, size_t idx, size_t max_list, struct request_error *err);

/* Fill *e (status, field, message) and return -1: the error helper of the
 * body's readers. */
int request_fail(struct request_error *e, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
