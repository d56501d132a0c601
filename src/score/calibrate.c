/* Dataset self-check (see calibrate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/cache.h"
#include "score/calibrate.h"
#include "base/digest.h"
#include "score/scorer_internal.h"

/* Which runner semantics the canonical solutions are checked with. */
static const char *calibration_mode(enum profile p, const struct dataset *ds)
{
	switch (p) {
	case PROFILE_EVALPLUS:
		return "evalplus";
	case PROFILE_LCB:
		return NULL;
	case PROFILE_VERDICT:
		/* The benchmark's own tests, run as real Python. */
		return ds && ds->form == FORM_EVALPLUS ? "verdict-evalplus" : "verdict-assert";
	case PROFILE_AUTO:
	case PROFILE_LM_EVAL_CHAT:
	case PROFILE_HUMAN_EVAL:
		break;
	}
	return "assert";
}

/* The problems to calibrate: the dataset's, or the distinct problems the
 * samples carry. Pointers are borrowed. */
static const struct problem **collect(const struct dataset *ds, const struct sample_set *set, size_t *n)
{
	size_t cap = ds ? ds->n : set->n;
	const struct problem **v = calloc(cap ? cap : 1, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	if (ds) {
		for (size_t i = 0; i < ds->n; i++)
			v[(*n)++] = ds->by_id[i];
		return v;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct problem *p = set->v[i].problem;
		if (!p || !p->task_id)
			continue;
		bool seen = false;
		for (size_t k = 0; k < *n && !seen; k++)
			seen = strcmp(v[k]->task_id, p->task_id) == 0;
		if (!seen)
			v[(*n)++] = p;
	}
	return v;
}

static void feed(char **buf, size_t *len, size_t *cap, const char *s)
{
	if (!s)
		s = "\x01";
	size_t n = strlen(s) + 1;
	if (*len + n > *cap) {
		size_t c = *cap ? *cap * 2 : 65536;
		while (c < *len + n)
			c *= 2;
		char *g = realloc(*buf, c);
		if (!g)
			return;
		*buf = g;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

static void calibration_key(const struct problem **probs, size_t n, const char *mode, uint32_t cpu_ms,
			    uint64_t mem, char out[65])
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char head[128];
	snprintf(head, sizeof(head), "verdict-calibration-1 %s %u %llu", mode, cpu_ms, (unsigned long long)mem);
	feed(&buf, &len, &cap, head);
	for (size_t i = 0; i < n; i++) {
		const struct problem *p = probs[i];
		const char *fields[] = { p->task_id, p->prompt, p->canonical_solution, p->test, p->entry_point,
					 p->base_input, p->plus_input, p->atol, p->contract };
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			feed(&buf, &len, &cap, fields[f]);
	}
	digest_sha256_hex(buf ? buf : "", buf ? len : 0, out);
	free(buf);
}

static int parse_cached(const char *text, struct calibration *c)
{
	cJSON *o = cJSON_Parse(text);
	const cJSON *ul = cJSON_GetObjectItemCaseSensitive(o, "unpassable");
	const cJSON *dl = cJSON_GetObjectItemCaseSensitive(o, "details");
	const cJSON *nt = cJSON_GetObjectItemCaseSensitive(o, "n_tasks");
	if (!cJSON_IsArray(ul) || !cJSON_IsNumber(nt)) {
		cJSON_Delete(o);
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(ul);
	c->unpassable = calloc(n ? n : 1, sizeof(char *));
	c->details = calloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; c->unpassable && c->details && i < n; i++) {
		const cJSON *t = cJSON_GetArrayItem(ul, (int)i);
		const cJSON *d = cJSON_GetArrayItem(dl, (int)i);
		c->unpassable[i] = strdup(cJSON_IsString(t) ? t->valuestring : "?");
		c->details[i] = strdup(cJSON_IsString(d) ? d->valuestring : "");
		c->n_unpassable++;
	}
	c->n_tasks = (size_t)nt->valuedouble;
	cJSON_Delete(o);
	return 0;
}

int calibrate_run(struct scorer *sc, const struct score_options *so, const struct dataset *ds,
		  const struct sample_set *set, bool compute_if_missing, bool refresh, struct calibration *out,
		  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	enum profile prof = so->profile;
	if (prof == PROFILE_AUTO)
		prof = ds && ds->form == FORM_EVALPLUS ? PROFILE_EVALPLUS : ds && ds->form == FORM_LCB ? PROFILE_LCB : PROFILE_HUMAN_EVAL;
	const char *mode = calibration_mode(prof, ds);
	if (!mode || (ds && ds->form == FORM_LCB)) {
		out->not_applicable = true;
		return 0;
	}
	size_t n = 0;
	const struct problem **probs = collect(ds, set, &n);
	if (!probs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uint32_t cpu = so->timeout_ms ? so->timeout_ms : 3000;
	uint64_t mem = so->memory_bytes ? so->memory_bytes : sc->jail->defaults.memory_bytes;
	calibration_key(probs, n, mode, cpu, mem, out->key);
	char name[128];
	snprintf(name, sizeof(name), "calibration/%s.json", out->key);
	char *cached = NULL;
	size_t clen = 0;
	if (!refresh && sc->cache_dir && cache_read(sc->cache_dir, name, &cached, &clen) == 0) {
		int rc = parse_cached(cached, out);
		free(cached);
		if (rc == 0) {
			out->cached = true;
			free(probs);
			return 0;
		}
		calibration_free(out);
		calibration_key(probs, n, mode, cpu, mem, out->key);
	}
	if (!compute_if_missing) {
		free(probs);
		snprintf(err, errlen, "not calibrated yet");
		return -1;
	}
	/* One sample per task: the canonical program, scored like a model's. */
	struct sample_set cset = { .format = SAMPLES_EVALPLUS };
	for (size_t i = 0; i < n; i++) {
		const struct problem *p = probs[i];
		if (!p->canonical_solution || !p->prompt)
			continue;
		size_t l = strlen(p->prompt) + strlen(p->canonical_solution) + 1;
		char *prog = malloc(l);
		if (!prog)
			continue;
		snprintf(prog, l, "%s%s", p->prompt, p->canonical_solution);
		struct sample s = { .task_id = p->task_id, .solution = prog, .ref_passed = -1 };
		samples_add(&cset, &s);
		free(prog);
		if (!ds && cset.n) {
			/* Inline problems travel with their samples. */
			struct problem *copy = calloc(1, sizeof(*copy));
			if (copy) {
				copy->task_id = strdup(p->task_id);
				copy->prompt = p->prompt ? strdup(p->prompt) : NULL;
				copy->test = p->test ? strdup(p->test) : NULL;
				copy->entry_point = p->entry_point ? strdup(p->entry_point) : NULL;
				copy->canonical_solution = strdup(p->canonical_solution);
				cset.v[cset.n - 1].problem = copy;
			}
		}
	}
	struct score_options co = *so;
	co.profile = prof == PROFILE_EVALPLUS || prof == PROFILE_VERDICT ? prof : PROFILE_HUMAN_EVAL;
	co.no_harness = true;
	co.n_ks = 1;
	co.ks[0] = 1;
	co.exec = true;
	co.keep_programs = false;
	co.progress = NULL;
	struct score_report rep;
	if (score_samples(sc, &co, ds, &cset, &rep, NULL, err, errlen) < 0) {
		samples_free(&cset);
		free(probs);
		return -1;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "mode", mode);
	cJSON_AddNumberToObject(o, "cpu_ms", cpu);
	cJSON_AddNumberToObject(o, "n_tasks", (double)cset.n);
	cJSON *ul = cJSON_AddArrayToObject(o, "unpassable");
	cJSON *dl = cJSON_AddArrayToObject(o, "details");
	out->n_tasks = cset.n;
	out->unpassable = calloc(cset.n ? cset.n : 1, sizeof(char *));
	out->details = calloc(cset.n ? cset.n : 1, sizeof(char *));
	bool incomplete = false;
	for (size_t i = 0; out->unpassable && out->details && i < rep.n; i++) {
		const struct sample_verdict *v = &rep.v[i];
		if (v->status == ST_PASSED)
			continue;
		if (!sample_status_scored(v->status))
			incomplete = true;
		char d[480];
		snprintf(d, sizeof(d), "%s: %s", sample_status_name(v->status), v->detail);
		out->unpassable[out->n_unpassable] = strdup(cset.v[i].task_id);
		out->details[out->n_unpassable] = strdup(d);
		out->n_unpassable++;
		cJSON_AddItemToArray(ul, cJSON_CreateString(cset.v[i].task_id));
		cJSON_AddItemToArray(dl, cJSON_CreateString(d));
	}
	char *text = cJSON_PrintUnformatted(o);
	out->incomplete = incomplete;
	/* A run with sandbox errors says nothing about the tasks: not cached. */
	if (text && sc->cache_dir && !incomplete) {
		pthread_mutex_lock(&sc->cache_mu);
		cache_write(sc->cache_dir, name, text, strlen(text));
		pthread_mutex_unlock(&sc->cache_mu);
	}
	free(text);
	cJSON_Delete(o);
	score_report_free(&rep);
	samples_free(&cset);
	free(probs);
	return 0;
}

void calibration_free(struct calibration *c)
{
	for (size_t i = 0; i < c->n_unpassable; i++) {
		free(c->unpassable[i]);
		if (c->details)
			free(c->details[i]);
	}
	free(c->unpassable);
	free(c->details);
	memset(c, 0, sizeof(*c));
}

void calibrate_apply(struct scorer *sc, const struct score_options *so, const struct dataset *ds,
		     const struct sample_set *set, struct score_report *rep, bool compute_if_missing)
{
	struct calibration cal;
	char err[256];
	if (calibrate_run(sc, so, ds, set, compute_if_missing, false, &cal, err, sizeof(err)) < 0 || cal.not_applicable) {
		calibration_free(&cal);
		return;
	}
	rep->calibrated = true;
	rep->unpassable = calloc(cal.n_unpassable ? cal.n_unpassable : 1, sizeof(char *));
	double sum = 0;
	size_t kept = 0;
	for (size_t t = 0; t < rep->n_tasks; t++) {
		bool bad = false;
		for (size_t u = 0; u < cal.n_unpassable && !bad; u++)
			bad = strcmp(cal.unpassable[u], rep->tasks[t].task_id) == 0;
		if (bad) {
			if (rep->unpassable)
				rep->unpassable[rep->n_unpassable++] = strdup(rep->tasks[t].task_id);
			continue;
		}
		sum += rep->tasks[t].pass_at_1;
		kept++;
	}
	rep->pass_at_1_excl_unpassable = kept ? sum / (double)kept : 0;
	for (size_t i = 0; i < rep->n; i++)
		for (size_t u = 0; u < rep->n_unpassable; u++)
			if (strcmp(set->v[i].task_id, rep->unpassable[u]) == 0)
				rep->v[i].flags |= VF_UNPASSABLE_TASK;
	calibration_free(&cal);
}
