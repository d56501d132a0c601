/* LiveCodeBench problems: the fields of an official code_generation_lite
 * row that scoring needs, with public and private tests decoded. */
#ifndef VERDICT_LCB_PROBLEM_H
#define VERDICT_LCB_PROBLEM_H

#include <stddef.h>

struct lcb_test;

struct lcb_problem {
	char *question_id;
	char *title;
	char *platform;	    /* leetcode, atcoder, codeforces */
	char *contest_id;
	char *contest_date; /* ISO date-time */
	char *difficulty;   /* easy, medium, hard */
	char *starter_code;
	char *func_name;    /* functional (LeetCode) problems; NULL for stdin ones */
	struct lcb_test *tests; /* public tests first */
	size_t n_tests;
	size_t n_public;
	char *decode_error; /* private tests could not be decoded: the problem cannot be scored */
};

/* Frees *p and everything it owns; sets *p to NULL. */
void lcb_problem_free(struct lcb_problem **p);

#endif
