/* One runner job in the jail (see runner_channel.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "pool.h"
#include "score/runner_channel.h"
#include "score/scorer_internal.h"

void runner_nonce(char out[33])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* getrandom cannot fail on a kernel that runs the jail;
			 * fall back to something unpredictable enough. */
			for (size_t i = got; i < sizeof(b); i++)
				b[i] = (unsigned char)(rand() >> 3);
			break;
		}
		got += (size_t)n;
	}
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Accept the first extraction and the first result record carrying the
 * nonce; everything else on the channel is ignored. */
static void parse_records(const char *data, size_t len, const char *nonce, struct runner_outcome *o)
{
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *rec = cJSON_ParseWithLength(p, n);
		const cJSON *rn = rec ? cJSON_GetObjectItemCaseSensitive(rec, "nonce") : NULL;
		const cJSON *type = rec ? cJSON_GetObjectItemCaseSensitive(rec, "type") : NULL;
		bool mine = cJSON_IsString(rn) && strcmp(rn->valuestring, nonce) == 0 && cJSON_IsString(type);
		if (mine && strcmp(type->valuestring, "extraction") == 0 && !o->extraction && !o->result) {
			o->extraction = rec;
			rec = NULL;
		} else if (mine && strcmp(type->valuestring, "result") == 0 && !o->result) {
			o->result = rec;
			o->result_line = strndup(p, n);
			rec = NULL;
		} else if (mine && strcmp(type->valuestring, "runner_error") == 0 && !o->result) {
			o->runner_error = true;
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "message");
			snprintf(o->runner_error_msg, sizeof(o->runner_error_msg), "%s",
				 cJSON_IsString(m) ? m->valuestring : "runner error");
		}
		cJSON_Delete(rec);
		p += n + (nl ? 1 : 0);
	}
}

void runner_run(struct scorer *sc, const cJSON *job, const char *nonce, const struct jail_limits *limits,
		const void *stdin_data, size_t stdin_len, struct runner_outcome *out)
{
	memset(out, 0, sizeof(*out));
	char *job_text = cJSON_PrintUnformatted(job);
	if (!job_text) {
		out->jail.status = JAIL_SANDBOX_ERROR;
		snprintf(out->jail.error, sizeof(out->jail.error), "out of memory serialising the job");
		return;
	}
	struct jail_file files[SCORER_MAX_RUNNER_FILES + 1];
	memcpy(files, sc->runner_files, sc->n_runner_files * sizeof(files[0]));
	files[sc->n_runner_files] = (struct jail_file){ .name = "job.json", .data = job_text, .len = strlen(job_text) };
	const char *argv[] = { sc->jail->python, "/tmp/verdict_runner.py", "/tmp/job.json", NULL };
	struct jail_spec spec = {
		.argv = argv,
		.files = files,
		.n_files = sc->n_runner_files + 1,
		.stdin_data = stdin_data,
		.stdin_len = stdin_len,
		.want_channel = true,
	};
	if (limits)
		spec.limits = *limits;
	/* Records can be large (expected outputs of a whole dataset row). */
	if (spec.limits.output_keep_bytes == 0)
		spec.limits.output_keep_bytes = 64u << 20;
	if (spec.limits.output_max_bytes == 0)
		spec.limits.output_max_bytes = 256u << 20;
	/* Runs that need numpy (HumanEval+ tests, evalplus comparisons, the
	 * digests of canonical outputs) get a
	 * warm parent that has imported it. */
	static const char *const numpy[] = { "numpy", NULL };
	if (strstr(job_text, "numpy") || strstr(job_text, "\"kind\":\"evalplus\"") ||
	    strstr(job_text, "\"kind\":\"expected\""))
		spec.warm_modules = numpy;
	/* assert and real_assert jobs (HumanEval-style) can be run by the warm parent itself
	 * as the runner's parent, saving a process per run: it needs the nonce
	 * and the profile for the records. */
	char hint[224];
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(job, "kind");
	const cJSON *prof = cJSON_GetObjectItemCaseSensitive(job, "profile");
	if (cJSON_IsString(kind) && (strcmp(kind->valuestring, "assert") == 0 || strcmp(kind->valuestring, "real_assert") == 0) &&
	    cJSON_IsString(prof)) {
		snprintf(hint, sizeof(hint), "{\"fast\": \"%s\", \"nonce\": \"%s\", \"profile\": \"%s\"%s%s%s}",
			 kind->valuestring, nonce, prof->valuestring, sc->test_extractor ? ", \"test_extractor\": \"" : "",
			 sc->test_extractor ? sc->test_extractor : "", sc->test_extractor ? "\"" : "");
		spec.warm_hint = hint;
		/* A warm parent has every runner module imported already and an
		 * assert job never starts another interpreter: the job is the
		 * only file it needs. Copying the modules into every run's /tmp
		 * cost a tenth of a HumanEval sample's page faults. */
		if (sc->pool) {
			spec.files = &files[sc->n_runner_files];
			spec.n_files = 1;
		}
	}
	if (sc->pool)
		jail_pool_run(sc->pool, &spec, &out->jail);
	else
		jail_run(sc->jail, &spec, &out->jail);
	free(job_text);
	/* The run's processes are reaped inside its jail, so their CPU never
	 * reaches verdict's own rusage: it is counted here, from the jail's
	 * report. */
	__atomic_add_fetch(&sc->stats.runs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sc->stats.program_cpu_ms, out->jail.cpu_ms, __ATOMIC_RELAXED);
	if (out->jail.channel.data)
		parse_records(out->jail.channel.data, out->jail.channel.len, nonce, out);
	if (out->jail.channel.truncated && !out->result && out->jail.status == JAIL_OK) {
		out->runner_error = true;
		snprintf(out->runner_error_msg, sizeof(out->runner_error_msg), "result channel exceeded %llu bytes",
			 (unsigned long long)spec.limits.output_keep_bytes);
	}
}

void runner_outcome_free(struct runner_outcome *o)
{
	jail_result_free(&o->jail);
	cJSON_Delete(o->extraction);
	cJSON_Delete(o->result);
	free(o->result_line);
	memset(o, 0, sizeof(*o));
}
