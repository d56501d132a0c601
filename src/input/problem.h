/* Benchmark problems (HumanEval, HumanEval+, LiveCodeBench) and the datasets
 * that hold them. A problem is plain data; the scorer turns it, with a
 * sample, into a job for the jail. */
#ifndef VERDICT_PROBLEM_H
#define VERDICT_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

enum benchmark {
	BENCH_HUMANEVAL,
	BENCH_HUMANEVAL_PLUS,
	BENCH_LIVECODEBENCH,
};

const char *benchmark_name(enum benchmark b); /* "humaneval", "humaneval_plus", "livecodebench" */
const char *benchmark_label(enum benchmark b); /* "HumanEval", "HumanEval+", "LiveCodeBench" */
int benchmark_parse(const char *s, enum benchmark *out);

/* How a dataset file is laid out. */
enum dataset_form {
	FORM_HUMANEVAL,	      /* task_id, prompt, entry_point, canonical_solution, test */
	FORM_EVALPLUS,	      /* HumanEval+ native: + base_input, plus_input, atol, contract */
	FORM_EVALPLUS_LMEVAL, /* HumanEval+ as lm-eval reads it: test holds check() with inputs and results */
	FORM_LCB,	      /* LiveCodeBench code_generation_lite rows */
};

const char *dataset_form_name(enum dataset_form f);

struct lcb_problem; /* see lcb_problem.h */

struct problem {
	char *task_id;
	char *prompt;
	char *entry_point;
	char *canonical_solution; /* may be NULL (LCB, or an inline problem without it) */
	char *test;
	/* HumanEval+ native form: raw JSON text of the input lists, forwarded
	 * to the runner untouched. */
	char *base_input;
	char *plus_input;
	char *atol; /* raw JSON number */
	char *contract;
	struct lcb_problem *lcb;
};

/* Fill *p from a JSON object (a dataset row or an inline problem). `raw` is
 * the object's own text, needed for fields forwarded byte for byte. Fields
 * not present stay NULL. Returns 0, or -1 with err naming the field. */
int problem_from_json(struct problem *p, const cJSON *obj, const char *raw, size_t raw_len, char *err,
		      size_t errlen);
/* Frees the strings of *p (not p itself). */
void problem_clear(struct problem *p);

struct dataset {
	char *path;
	enum benchmark bench;
	enum dataset_form form;
	char sha256[65]; /* of the uncompressed bytes */
	char md5[33];	 /* idem: evalplus's dataset `hash` */
	struct problem *problems;
	size_t n;
	struct problem **by_id; /* sorted by task_id */
};

/* Load a .jsonl or .jsonl.gz problem file; the form is detected from its
 * fields. Returns 0, or -1 with "path:line: reason" in err. */
int dataset_load(const char *path, struct dataset **out, char *err, size_t errlen);
const struct problem *dataset_find(const struct dataset *d, const char *task_id);
/* "HumanEval-164" style label for reports. */
void dataset_label(const struct dataset *d, char *buf, size_t n);
void dataset_free(struct dataset **d);

#endif
