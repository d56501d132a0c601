/* Unit tests of the HTML report's building blocks: the escaping writer in
 * every context (text, attribute, <script> data), reading saved reports back
 * (lone surrogates, line numbers, the field named in an error), and the
 * status classes. The pages themselves are checked in a real browser by
 * test_html_report.py. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/report_load.h"
#include "report/html_fields.h"
#include "report/html_out.h"
#include "report/html_page.h"
#include "score/verdict.h"
#include "tap.h"

/* Run one writer call into a string. */
struct capture {
	char *buf;
	size_t len;
	struct html_out o;
};

static void cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->o.f = open_memstream(&c->buf, &c->len);
	c->o.text_limit = 1 << 20;
}

static char *cap_close(struct capture *c)
{
	fclose(c->o.f);
	return c->buf;
}

static char *text_of(const char *s, bool attr)
{
	struct capture c;
	cap_open(&c);
	if (attr)
		html_attr(&c.o, s);
	else
		html_text(&c.o, s);
	return cap_close(&c);
}

static void expect_text(const char *in, bool attr, const char *want, const char *what)
{
	char *got = text_of(in, attr);
	if (!tap_ok(strcmp(got, want) == 0, "%s", what))
		tap_diag("got  %s\n# want %s", got, want);
	free(got);
}

static void test_escaping(void)
{
	expect_text("<script>alert('x')</script> & \"q\"", false,
		    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;", "text: markup characters escaped");
	expect_text("\" onmouseover=\"x", true, "&quot; onmouseover=&quot;x", "attribute: quotes cannot end the value");
	expect_text("a\x1b[0mb\x7f", false, "a<span class=\"ctl\">\xe2\x90\x9b</span>[0mb<span class=\"ctl\">\xe2\x90\xa1</span>",
		    "text: ESC and DEL shown as Control Pictures");
	expect_text("x\r\ny\tz", false, "x<span class=\"ctl\">\xe2\x90\x8d</span>\ny\tz",
		    "text: CR made visible before the line break, LF and tab kept");
	expect_text("ok\xe2\x80\xae" "evil", false, "ok<span class=\"ctl\">U+202E</span>evil",
		    "text: a right-to-left override shown, not obeyed (Trojan Source)");
	expect_text("a\xe2\x80\xa8" "b", true, "aU+2028b", "attribute: U+2028 shown as U+2028, no markup");
	expect_text("\xff\xed\xa0\x80", true, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		    "attribute: an invalid byte and an encoded surrogate become U+FFFD each");
	char *got = text_of("\xc3", false);
	tap_ok(strstr(got, "invalid UTF-8 byte 0xC3") && strstr(got, "\xef\xbf\xbd"), "text: a truncated sequence is U+FFFD, "
	       "with the byte in its tooltip");
	free(got);
	expect_text("caf\xc3\xa9 \xf0\x9f\x99\x82", false, "caf\xc3\xa9 \xf0\x9f\x99\x82", "text: valid UTF-8 passes through");
}

static void test_text_block(void)
{
	struct capture c;
	cap_open(&c);
	c.o.text_limit = 5;
	html_text_block(&c.o, "abcd\xc3\xa9xyz"); /* the cut falls inside é */
	char *got = cap_close(&c);
	tap_ok(strncmp(got, "abcd</pre>", 10) == 0 && strstr(got, "4 more characters not shown"),
	       "a long block is cut on a character boundary and says how much is left out");
	free(got);
}

static void test_json_data(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "s", "</script><script>alert(1)</script><!-- & \xe2\x80\xa8\xe2\x80\xa9 \xff");
	struct capture c;
	cap_open(&c);
	html_json(&c.o, o);
	char *got = cap_close(&c);
	tap_ok(!strchr(got, '<') && !strchr(got, '>') && !strchr(got, '&'), "script data: no < > & left");
	tap_ok(!strstr(got, "\xe2\x80\xa8") && !strstr(got, "\xe2\x80\xa9") && strstr(got, "\\u2028") &&
		       strstr(got, "\\u2029"),
	       "script data: U+2028 and U+2029 escaped");
	cJSON *back = cJSON_Parse(got);
	const char *s = back ? cJSON_GetStringValue(cJSON_GetObjectItem(back, "s")) : NULL;
	tap_ok(s && strncmp(s, "</script><script>alert(1)</script><!-- & \xe2\x80\xa8\xe2\x80\xa9 \xef\xbf\xbd", 60) == 0,
	       "script data: parses back to the same text (invalid byte as U+FFFD)");
	cJSON_Delete(back);
	cJSON_Delete(o);
	free(got);
}

static int parse(const char *text, cJSON **out, char *err, size_t n)
{
	char *copy = strdup(text);
	int rc = report_parse(copy, strlen(copy), out, err, n);
	free(copy);
	return rc;
}

#define MIN_REPORT(samples) "{\"summary\": {}, \"samples\": [" samples "]}"

static void test_report_load(void)
{
	char err[256];
	cJSON *r = NULL;
	int rc = parse(MIN_REPORT("{\"task_id\": \"a\\ud800b\\udc00c\\ud83d\\ude00\\\\ud800\\u0000\", \"status\": \"passed\"}"),
		       &r, err, sizeof(err));
	const char *t = r ? cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "samples"), 0),
								    "task_id"))
			  : NULL;
	tap_ok(rc == 0 && t &&
		       strcmp(t, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xf0\x9f\x98\x80\\ud800\xef\xbf\xbd") == 0,
	       "lone surrogates and NUL become U+FFFD; a real pair and an escaped backslash stay");
	cJSON_Delete(r);
	rc = parse("{\"summary\": {},\n\"samples\": [\n{\"task_id\": \"a\" \"status\": 1}]}", &r, err, sizeof(err));
	tap_ok(rc < 0 && strstr(err, "line 3"), "a syntax error names its line (%s)", err);
	rc = parse(MIN_REPORT("{\"task_id\": \"a\", \"status\": \"passed\"}, {\"task_id\": \"b\", \"status\": 3}"), &r, err,
		   sizeof(err));
	tap_ok(rc < 0 && strcmp(err, "samples[1].status: expected a string") == 0, "a wrong field is named (%s)", err);
	rc = parse("{\"summary\": {}}", &r, err, sizeof(err));
	tap_ok(rc < 0 && strstr(err, "samples: missing"), "a missing samples list is named (%s)", err);
	rc = parse("{\"error\": \"benchmark: unknown\", \"field\": \"benchmark\"}", &r, err, sizeof(err));
	tap_ok(rc < 0 && strstr(err, "an error response, not a report"), "an HTTP error body is told apart (%s)", err);
	rc = parse("[1, 2]", &r, err, sizeof(err));
	tap_ok(rc < 0 && strstr(err, "expected a JSON object"), "an array is not a report (%s)", err);
	rc = parse(MIN_REPORT("") " {}", &r, err, sizeof(err));
	tap_ok(rc < 0 && strstr(err, "text after"), "text after the object is refused (%s)", err);
}

static void test_status_classes(void)
{
	bool all = true;
	for (int s = 0; s < ST_COUNT; s++) {
		const char *name = sample_status_name((enum sample_status)s);
		char want[64];
		snprintf(want, sizeof(want), "st-%s", name);
		if (strcmp(field_status_class(name), want) != 0) {
			tap_diag("status %s has no colour class", name);
			all = false;
		}
	}
	tap_ok(all, "every status of the scorer has its colour class");
	tap_ok(strcmp(field_status_class("passed\" onclick=\"x"), "st-other") == 0 && strcmp(field_status_class(NULL), "st-other") == 0,
	       "an unknown status gets st-other, never its own text");
}

static void test_policy(void)
{
	char p[512];
	html_page_policy(p, sizeof(p));
	tap_ok(strncmp(p, "default-src 'none'; style-src 'sha256-", 38) == 0 && strstr(p, "script-src 'sha256-") &&
		       !strstr(p, "unsafe"),
	       "the page's policy: nothing by default, style and script by hash only (%s)", p);
}

int main(void)
{
	tap_plan_lazy();
	test_escaping();
	test_text_block();
	test_json_data();
	test_report_load();
	test_status_classes();
	test_policy();
	return tap_done();
}
