/* The run cache (see run_cache.h). An entry is one JSON object:
 *   {"v": 1, "jail": {status, exit_code, signal, wall_ms, cpu_ms,
 *    peak_rss_kb, out_truncated, err_truncated, error},
 *    "extraction": {...} | null, "result": {...} | null}
 * in <dir>/runs/<first two hex digits>/<key>.json. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/file_io.h"
#include "score/cache.h"
#include "score/run_cache.h"

#define RUN_CACHE_FORMAT 1

struct run_cache {
	char *dir;
	char identity[65]; /* digest of what every run depends on besides its job */
};

/* SHA-256 of the running executable. */
static int binary_digest(char out[65])
{
	char *data = NULL, err[200];
	size_t len = 0;
	if (file_read_all("/proc/self/exe", (size_t)1 << 30, &data, &len, err, sizeof(err)) < 0)
		return -1;
	digest_sha256_hex(data, len, out);
	free(data);
	return 0;
}

int run_cache_open(const char *dir, const struct jail_config *jail, const struct jail_file *files, size_t n_files,
		   const void *extra, size_t extra_len, struct run_cache **out)
{
	*out = NULL;
	struct run_cache *c = calloc(1, sizeof(*c));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!c || !f || !(c->dir = strdup(dir))) {
		if (f)
			fclose(f);
		free(buf);
		run_cache_free(&c);
		return -1;
	}
	/* Everything that can change a verdict besides the job and limits:
	 * the code that runs it and the walls around it. The binary itself
	 * too: a change to the jail or to how a verdict is decided, rebuilt
	 * under the same version, must not meet the old build's verdicts. */
	char exe_digest[65];
	if (binary_digest(exe_digest) < 0) {
		/* No way to tell this build from another: no run cache. */
		fclose(f);
		free(buf);
		run_cache_free(&c);
		return 0;
	}
	fprintf(f, "verdict %s\nbinary %s\npython %s\nlevel %s\n", VERDICT_VERSION, exe_digest, jail->python_real,
		jail_level_name(jail->level));
	for (size_t i = 0; i < n_files; i++) {
		fprintf(f, "file %s %zu\n", files[i].name, files[i].len);
		fwrite(files[i].data, 1, files[i].len, f);
	}
	fprintf(f, "extra %zu\n", extra_len);
	if (extra_len)
		fwrite(extra, 1, extra_len, f);
	size_t n_insn = 0;
	const void *bpf = jail->policy ? policy_bpf(jail->policy, &n_insn) : NULL;
	fprintf(f, "policy %zu\n", n_insn);
	if (bpf)
		fwrite(bpf, 8, n_insn, f); /* struct sock_filter: 8 bytes an instruction */
	if (fclose(f) != 0) {
		free(buf);
		run_cache_free(&c);
		return -1;
	}
	digest_sha256_hex(buf, len, c->identity);
	free(buf);
	*out = c;
	return 0;
}

void run_cache_free(struct run_cache **cp)
{
	struct run_cache *c = *cp;
	if (!c)
		return;
	free(c->dir);
	free(c);
	*cp = NULL;
}

int run_cache_key(const struct run_cache *c, cJSON *job, const struct jail_limits *lim, char key[65])
{
	cJSON *nonce = cJSON_DetachItemFromObjectCaseSensitive(job, "nonce");
	char *text = cJSON_PrintUnformatted(job);
	if (nonce)
		cJSON_AddItemToObject(job, "nonce", nonce);
	if (!text)
		return -1;
	char head[512];
	int hn = snprintf(head, sizeof(head),
			  "verdict run cache %d\n%s\nmemory %llu cpu %u wall %u procs %u fsize %llu nofile %u keep %llu "
			  "max %llu tmp %llu stack %llu\n",
			  RUN_CACHE_FORMAT, c->identity, (unsigned long long)lim->memory_bytes, lim->cpu_ms, lim->wall_ms,
			  lim->max_procs, (unsigned long long)lim->file_size_bytes, lim->open_files,
			  (unsigned long long)lim->output_keep_bytes, (unsigned long long)lim->output_max_bytes,
			  (unsigned long long)lim->tmp_bytes, (unsigned long long)lim->stack_bytes);
	size_t tn = strlen(text);
	char *all = malloc((size_t)hn + tn);
	if (!all) {
		free(text);
		return -1;
	}
	memcpy(all, head, (size_t)hn);
	memcpy(all + hn, text, tn);
	free(text);
	digest_sha256_hex(all, (size_t)hn + tn, key);
	free(all);
	return 0;
}

bool run_cache_final(const struct runner_outcome *o)
{
	const struct jail_result *j = &o->jail;
	switch (j->status) {
	case JAIL_OK:
	case JAIL_EXIT_NONZERO:
	case JAIL_MEMORY_LIMIT:
	case JAIL_OUTPUT_LIMIT:
		break;
	case JAIL_SIGNAL:
		/* SIGKILL may come from outside the program (the kernel's OOM
		 * killer, an operator): not the program's own doing. */
		if (j->signal == SIGKILL)
			return false;
		break;
	case JAIL_TIMEOUT:
	case JAIL_CPU_LIMIT:
	case JAIL_SANDBOX_ERROR:
		return false;
	}
	if (o->runner_error || j->channel.truncated)
		return false;
	const char *st = o->result ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o->result, "status")) : NULL;
	/* A time limit the runner enforced (a test over its limit) is a
	 * timeout too: the machine's load may have caused it. */
	return !(st && strcmp(st, "timeout") == 0);
}

static void entry_name(const char *key, char *out, size_t n)
{
	snprintf(out, n, "runs/%.2s/%s.json", key, key);
}

static bool status_parse(const char *name, enum jail_status *out)
{
	for (int s = JAIL_OK; name && s <= JAIL_SANDBOX_ERROR; s++)
		if (strcmp(jail_status_name((enum jail_status)s), name) == 0) {
			*out = (enum jail_status)s;
			return true;
		}
	return false;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? v->valuedouble : 0;
}

static cJSON *take_object(cJSON *entry, const char *k)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(entry, k);
	if (cJSON_IsObject(v))
		return v;
	cJSON_Delete(v);
	return NULL;
}

int run_cache_load(struct run_cache *c, const char *key, struct runner_outcome *out)
{
	memset(out, 0, sizeof(*out));
	char name[160];
	entry_name(key, name, sizeof(name));
	char *data = NULL;
	size_t len = 0;
	if (cache_read(c->dir, name, &data, &len) != 0)
		return 1;
	cJSON *e = cJSON_ParseWithLength(data, len);
	free(data);
	const cJSON *jail = cJSON_GetObjectItemCaseSensitive(e, "jail");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(e, "v");
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jail, "status"));
	struct jail_result *j = &out->jail;
	if (!cJSON_IsObject(jail) || !cJSON_IsNumber(ver) || ver->valueint != RUN_CACHE_FORMAT ||
	    !status_parse(status, &j->status)) {
		cJSON_Delete(e);
		return 1;
	}
	j->exit_code = (int)num(jail, "exit_code");
	j->signal = (int)num(jail, "signal");
	j->wall_ms = (uint64_t)num(jail, "wall_ms");
	j->cpu_ms = (uint64_t)num(jail, "cpu_ms");
	j->peak_rss_kb = (uint64_t)num(jail, "peak_rss_kb");
	j->out.truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jail, "out_truncated"));
	j->err.truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jail, "err_truncated"));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jail, "error"));
	snprintf(j->error, sizeof(j->error), "%s", err ? err : "");
	out->extraction = take_object(e, "extraction");
	out->result = take_object(e, "result");
	cJSON_Delete(e);
	if (out->result && !(out->result_line = cJSON_PrintUnformatted(out->result))) {
		runner_outcome_free(out);
		return 1;
	}
	return 0;
}

int run_cache_store(struct run_cache *c, const char *key, const struct runner_outcome *o)
{
	if (!run_cache_final(o))
		return 0;
	const struct jail_result *j = &o->jail;
	cJSON *e = cJSON_CreateObject();
	cJSON *jail = cJSON_AddObjectToObject(e, "jail");
	bool ok = jail && cJSON_AddNumberToObject(e, "v", RUN_CACHE_FORMAT) &&
		  cJSON_AddStringToObject(jail, "status", jail_status_name(j->status)) &&
		  cJSON_AddNumberToObject(jail, "exit_code", j->exit_code) &&
		  cJSON_AddNumberToObject(jail, "signal", j->signal) &&
		  cJSON_AddNumberToObject(jail, "wall_ms", (double)j->wall_ms) &&
		  cJSON_AddNumberToObject(jail, "cpu_ms", (double)j->cpu_ms) &&
		  cJSON_AddNumberToObject(jail, "peak_rss_kb", (double)j->peak_rss_kb) &&
		  cJSON_AddBoolToObject(jail, "out_truncated", j->out.truncated) &&
		  cJSON_AddBoolToObject(jail, "err_truncated", j->err.truncated) &&
		  cJSON_AddStringToObject(jail, "error", j->error) &&
		  cJSON_AddItemToObject(e, "extraction",
					o->extraction ? cJSON_Duplicate(o->extraction, true) : cJSON_CreateNull()) &&
		  cJSON_AddItemToObject(e, "result", o->result ? cJSON_Duplicate(o->result, true) : cJSON_CreateNull());
	/* The run's nonce meant something only while it ran. */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "result"), "nonce");
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "extraction"), "nonce");
	char *text = ok ? cJSON_PrintUnformatted(e) : NULL;
	cJSON_Delete(e);
	if (!text)
		return -1;
	char name[160];
	entry_name(key, name, sizeof(name));
	int rc = cache_write_nosync(c->dir, name, text, strlen(text));
	free(text);
	return rc;
}
