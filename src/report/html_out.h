/* Writing HTML where every string from a report is hostile: a completion
 * is text a model wrote, and a saved report is a file anyone can edit.
 * Markup comes only from html_raw/html_fmt, whose arguments are literals
 * and numbers of our own; text from a report goes through html_text or
 * html_attr, which escape it for their context and make invisible and
 * invalid characters visible. */
#ifndef VERDICT_HTML_OUT_H
#define VERDICT_HTML_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

struct html_out {
	FILE *f;
	char *path;	    /* the page's path; NULL for stdout */
	char *partial;	    /* where it is written until complete */
	size_t text_limit;  /* html_text_block shows at most this many bytes */
};

/* Open a page for writing at `path` ("-" for stdout). The page is written
 * to PATH.partial and renamed over PATH by html_out_close, so a failed
 * render never leaves half a page under the real name. Returns 0, or -1
 * with err. */
int html_out_open(struct html_out *o, const char *path, char *err, size_t errlen);
/* Finish the page: keep=false (or a write error) removes the partial file.
 * Returns 0, or -1 with err. Frees what html_out_open allocated. */
int html_out_close(struct html_out *o, bool keep, char *err, size_t errlen);

/* Trusted markup: string literals of ours only. */
void html_raw(struct html_out *o, const char *markup);
/* Trusted markup with numbers (or our own literal words) formatted in. */
void html_fmt(struct html_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Untrusted text in element content: & < > " ' escaped; invalid UTF-8 as
 * U+FFFD; control characters as their Control Pictures symbol (CR as a
 * visible ␍ before the line break) and bidirectional overrides, zero-width
 * and line-separator characters as a visible "U+XXXX", each in a
 * <span class="ctl">, so that what a program holds is what the page shows.
 * NULL writes nothing. */
void html_text(struct html_out *o, const char *s);
void html_text_n(struct html_out *o, const char *s, size_t n);
/* html_text for a long block (a completion, a program): at most
 * o->text_limit bytes, cut on a character boundary, followed by a note of
 * how much was left out. */
void html_text_block(struct html_out *o, const char *s);
/* Untrusted text in a double-quoted attribute value: the same escapes
 * without markup (control characters as symbols, invisible ones as U+XXXX). */
void html_attr(struct html_out *o, const char *s);

/* A JSON value as the content of <script type="application/json">: cJSON's
 * text with <, >, & and U+2028/U+2029 escaped as \uXXXX (so that no
 * "</script>" or "<!--" can end or change the element) and invalid UTF-8
 * as \ufffd. Returns 0, or -1 when out of memory. */
int html_json(struct html_out *o, const cJSON *value);

/* Numbers as the text table prints them: "0.4695", "12.5%", "1.2 s". */
void html_ratio(struct html_out *o, double v);	       /* 4 decimals */
void html_percent(struct html_out *o, double part, double whole);
void html_ms(struct html_out *o, double ms);

#endif
