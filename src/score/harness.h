/* The harness verdict beside each sample: what the faithful profile (the
 * harness's own extraction and execution, on the raw completion) would have
 * reported, and, where it differs from the sample's verdict, why. Under the
 * verdict profile the faithful job runs only where the program or the
 * execution could differ; otherwise its verdict is this run's. */
#ifndef VERDICT_HARNESS_H
#define VERDICT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "score/profile.h"
#include "score/verdict.h"

/* Why the two verdicts of a sample differ, most telling first. */
enum harness_cause {
	HC_NONE,
	HC_FROM_REASONING,     /* the answer was only in reasoning_content */
	HC_TRUNCATED_REASONING, /* the answer was only inside unfinished reasoning */
	HC_REASONING_REMOVED,  /* reasoning markup removed before extraction */
	HC_EXTRACTION,	       /* another program was taken from the text (fence shape, body-only, test code...) */
	HC_GUARD,	       /* the harness's guard broke a call (named) */
	HC_STREAM,	       /* swallow_io's stream lacks what the program used (sys.stdout.buffer...) */
	HC_STDIN,	       /* the program read stdin (swallow_io raises) */
	HC_THREADS,	       /* threads still running when the tests returned */
	HC_IMPORT,	       /* an import the guard blocks (resource, psutil...) */
	HC_SCOPE,	       /* the harness rewrote the program (LiveCodeBench's wrapped_function) */
	HC_LIMITS,	       /* a time or memory limit, or a run that died */
	HC_OTHER,
};
#define HC_COUNT (HC_OTHER + 1)

/* "from_reasoning", "guard", ... (the JSON names). Static string. */
const char *harness_cause_name(enum harness_cause c);

struct harness_verdict {
	bool on;		/* computed for this sample */
	enum profile profile;	/* the faithful profile */
	enum sample_status status;
	bool ran;		/* its job ran; otherwise this run's verdict is its verdict */
	bool differs;		/* passed differs from the sample's */
	enum harness_cause cause;
	char label[64];		/* the cause as the report names it: "tempfile", "CRLF fences" */
	char detail[200];	/* the faithful run's detail, when it ran */
};

#endif
