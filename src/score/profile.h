/* Extraction-and-execution profiles, each named after the harness whose
 * semantics it reproduces. */
#ifndef VERDICT_PROFILE_H
#define VERDICT_PROFILE_H

enum profile {
	PROFILE_AUTO,
	PROFILE_LM_EVAL_CHAT, /* lm-eval chat extractor + HF code_eval */
	PROFILE_HUMAN_EVAL,   /* prompt + completion, openai human-eval / lm-eval base task */
	PROFILE_EVALPLUS,     /* evalplus sanitizer + differential testing */
	PROFILE_LCB,	      /* LiveCodeBench's lcb_runner */
};

const char *profile_name(enum profile p);
int profile_parse(const char *s, enum profile *out);

#endif
