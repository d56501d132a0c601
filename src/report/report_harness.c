/* The harness beside a score in the report (see report.h, docs/schema.md):
 * the text table's line, the `harness` block and each sample's record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

void report_harness_line(FILE *f, const struct score_report *r)
{
	const struct harness_summary *h = &r->harness;
	if (!h->on || !r->executed)
		return;
	/* Under a faithful profile the harness beside is the same profile on
	 * the raw text: worth a line only where reasoning handling changed a
	 * verdict. */
	if (r->profile != PROFILE_VERDICT && !h->differ)
		return;
	fprintf(f, "%s would report %.4f (%zu/%zu); ", profile_name(h->profile), h->n_passk ? h->passk[0].value : 0,
		h->passed, h->scored);
	if (!h->differ) {
		fprintf(f, "no sample differs\n");
		return;
	}
	fprintf(f, "%zu sample%s differ%s:", h->differ, h->differ == 1 ? "" : "s", h->differ == 1 ? "s" : "");
	for (size_t c = 0; c < h->n_causes; c++)
		fprintf(f, "%s %zu %s", c ? "," : "", h->causes[c].n, h->causes[c].label);
	fprintf(f, "\n");
}

static cJSON *passk_json(const struct passk_value *pk, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t k = 0; o && k < n; k++) {
		char key[32];
		snprintf(key, sizeof(key), "%zu", pk[k].k);
		cJSON *e = cJSON_AddObjectToObject(o, key);
		if (!e)
			continue;
		if (pk[k].tasks_computable)
			cJSON_AddNumberToObject(e, "value", pk[k].value);
		else
			cJSON_AddNullToObject(e, "value");
		cJSON_AddNumberToObject(e, "tasks_computable", (double)pk[k].tasks_computable);
		cJSON_AddNumberToObject(e, "tasks_total", (double)pk[k].tasks_total);
	}
	return o;
}

cJSON *report_harness_json(const struct score_report *r)
{
	const struct harness_summary *h = &r->harness;
	if (!h->on || !r->executed)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "profile", profile_name(h->profile));
	cJSON *pk = passk_json(h->passk, h->n_passk);
	if (pk)
		cJSON_AddItemToObject(o, "pass_at_k", pk);
	cJSON_AddNumberToObject(o, "passed", (double)h->passed);
	cJSON_AddNumberToObject(o, "scored", (double)h->scored);
	cJSON_AddNumberToObject(o, "faithful_runs", (double)h->ran);
	cJSON_AddNumberToObject(o, "differ", (double)h->differ);
	cJSON *causes = cJSON_AddArrayToObject(o, "causes");
	for (size_t c = 0; causes && c < h->n_causes; c++) {
		cJSON *e = cJSON_CreateObject();
		if (!e)
			break;
		cJSON_AddStringToObject(e, "cause", harness_cause_name(h->causes[c].cause));
		cJSON_AddStringToObject(e, "label", h->causes[c].label);
		cJSON_AddNumberToObject(e, "count", (double)h->causes[c].n);
		cJSON *idx = cJSON_AddArrayToObject(e, "samples");
		for (size_t i = 0; idx && i < r->n; i++) {
			const struct harness_verdict *hv = &r->v[i].harness;
			if (hv->on && hv->differs && hv->cause == h->causes[c].cause &&
			    strcmp(hv->label, h->causes[c].label) == 0)
				cJSON_AddItemToArray(idx, cJSON_CreateNumber((double)i));
		}
		cJSON_AddItemToArray(causes, e);
	}
	return o;
}

void report_sample_harness(cJSON *o, const struct score_report *r, const struct sample_verdict *v)
{
	if (!v->harness.on || !r->executed || v->skipped)
		return;
	cJSON *h = cJSON_AddObjectToObject(o, "harness");
	if (!h)
		return;
	cJSON_AddStringToObject(h, "profile", profile_name(v->harness.profile));
	cJSON_AddStringToObject(h, "status", sample_status_name(v->harness.status));
	cJSON_AddBoolToObject(h, "passed", v->harness_passed);
	cJSON_AddBoolToObject(h, "ran", v->harness.ran);
	cJSON_AddBoolToObject(h, "differs", v->harness.differs);
	if (v->harness.differs) {
		cJSON_AddStringToObject(h, "cause", harness_cause_name(v->harness.cause));
		cJSON_AddStringToObject(h, "label", v->harness.label);
	}
	if (v->harness.ran && v->harness.detail[0])
		cJSON_AddStringToObject(h, "detail", v->harness.detail);
}
