/* Extraction-and-execution profiles. `verdict` (the default) is verdict's
 * own: the program the model meant, run as real Python in the jail with the
 * benchmark's tests. The others are faithful: each named after the harness
 * whose semantics it reproduces, byte for byte. `auto` picks the faithful
 * profile that fits the input. */
#ifndef VERDICT_PROFILE_H
#define VERDICT_PROFILE_H

#include <stdbool.h>

enum profile {
	PROFILE_AUTO,
	PROFILE_LM_EVAL_CHAT, /* lm-eval chat extractor + HF code_eval */
	PROFILE_HUMAN_EVAL,   /* prompt + completion, openai human-eval / lm-eval base task */
	PROFILE_EVALPLUS,     /* evalplus sanitizer + differential testing */
	PROFILE_LCB,	      /* LiveCodeBench's lcb_runner */
	PROFILE_VERDICT,      /* what the model meant, run as real Python (docs/verdict-profile.md) */
};
#define PROFILE_LAST PROFILE_VERDICT

const char *profile_name(enum profile p);
/* Accepts every name above and "livecodebench" for lcb. 0 or -1. */
int profile_parse(const char *s, enum profile *out);
/* A profile that reproduces a harness (not auto, not verdict). */
bool profile_is_faithful(enum profile p);

/* The harness verdict reported beside a score: `auto` (the faithful profile
 * that fits each input), a faithful profile by name, or `none`. Parses into
 * *profile (PROFILE_AUTO for auto) and *none. 0, or -1 for another name. */
int profile_parse_harness(const char *s, enum profile *profile, bool *none);

#endif
