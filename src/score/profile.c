/* Profile names. */
#include <string.h>

#include "score/profile.h"

const char *profile_name(enum profile p)
{
	switch (p) {
	case PROFILE_AUTO:
		return "auto";
	case PROFILE_LM_EVAL_CHAT:
		return "lm-eval-chat";
	case PROFILE_HUMAN_EVAL:
		return "human-eval";
	case PROFILE_EVALPLUS:
		return "evalplus";
	case PROFILE_LCB:
		return "lcb";
	case PROFILE_VERDICT:
		return "verdict";
	}
	return "unknown";
}

int profile_parse(const char *s, enum profile *out)
{
	for (int p = PROFILE_AUTO; p <= PROFILE_LAST; p++)
		if (strcmp(s, profile_name((enum profile)p)) == 0) {
			*out = (enum profile)p;
			return 0;
		}
	if (strcmp(s, "livecodebench") == 0) {
		*out = PROFILE_LCB;
		return 0;
	}
	return -1;
}

bool profile_is_faithful(enum profile p)
{
	return p != PROFILE_AUTO && p != PROFILE_VERDICT;
}

int profile_parse_harness(const char *s, enum profile *profile, bool *none)
{
	*none = strcmp(s, "none") == 0;
	if (*none) {
		*profile = PROFILE_AUTO;
		return 0;
	}
	if (profile_parse(s, profile) < 0 || *profile == PROFILE_VERDICT)
		return -1;
	return 0;
}
