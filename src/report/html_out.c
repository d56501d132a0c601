/* The escaping HTML writer (see html_out.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "report/html_out.h"

#define HTML_TEXT_LIMIT_DEFAULT (256u * 1024u)

int html_out_open(struct html_out *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->text_limit = HTML_TEXT_LIMIT_DEFAULT;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	size_t n = strlen(path);
	o->path = strdup(path);
	o->partial = malloc(n + sizeof(".partial"));
	if (!o->path || !o->partial) {
		snprintf(err, errlen, "%s: out of memory", path);
		html_out_close(o, false, NULL, 0);
		return -1;
	}
	memcpy(o->partial, path, n);
	memcpy(o->partial + n, ".partial", sizeof(".partial"));
	o->f = fopen(o->partial, "we");
	if (!o->f) {
		snprintf(err, errlen, "%s: cannot write the page (%s.partial: %s)", path, path, strerror(errno));
		html_out_close(o, false, NULL, 0);
		return -1;
	}
	return 0;
}

int html_out_close(struct html_out *o, bool keep, char *err, size_t errlen)
{
	int rc = 0;
	if (o->f && o->f != stdout) {
		bool bad = ferror(o->f) != 0;
		int saved = errno;
		if (fclose(o->f) != 0 && !bad) {
			bad = true;
			saved = errno;
		}
		if (bad && keep) {
			if (err)
				snprintf(err, errlen, "%s: write error: %s", o->partial, strerror(saved));
			keep = false;
			rc = -1;
		}
		if (keep && rename(o->partial, o->path) != 0) {
			if (err)
				snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
			keep = false;
			rc = -1;
		}
		if (!keep)
			unlink(o->partial);
	} else if (o->f == stdout && (fflush(stdout) != 0 || ferror(stdout))) {
		if (err)
			snprintf(err, errlen, "stdout: write error");
		rc = -1;
	}
	free(o->path);
	free(o->partial);
	memset(o, 0, sizeof(*o));
	return rc;
}

void html_raw(struct html_out *o, const char *markup)
{
	fputs(markup, o->f);
}

void html_fmt(struct html_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

/* Characters that change how text reads without showing themselves:
 * bidirectional embeddings, overrides and isolates (the "Trojan Source"
 * trick, CVE-2021-42574), zero-width characters, the word joiner family,
 * the byte order mark, and the line and paragraph separators. */
static bool is_invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

static void put_utf8(FILE *f, uint32_t cp)
{
	char b[4];
	int n;
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	}
	fwrite(b, 1, (size_t)n, f);
}

static void escape(struct html_out *o, const char *s, size_t n, bool markup)
{
	FILE *f = o->f;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = text_utf8_decode(s + i, n - i, &cp);
		const char *ent = NULL;
		switch (cp) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			break;
		}
		if (ent) {
			fputs(ent, f);
		} else if (cp == 0xfffd && l == 1) {
			if (markup)
				fprintf(f, "<span class=\"ctl\" title=\"invalid UTF-8 byte 0x%02X\">\xef\xbf\xbd</span>",
					(unsigned char)s[i]);
			else
				fputs("\xef\xbf\xbd", f);
		} else if (cp == '\n' || cp == '\t') {
			fputc((int)cp, f);
		} else if (cp < 0x20 || cp == 0x7f) {
			/* Control Pictures: U+2400 + the control's code, U+2421 for DEL. */
			if (markup)
				fputs("<span class=\"ctl\">", f);
			put_utf8(f, cp == 0x7f ? 0x2421 : 0x2400 + cp);
			if (markup)
				fputs("</span>", f);
		} else if (is_invisible(cp)) {
			fprintf(f, markup ? "<span class=\"ctl\">U+%04X</span>" : "U+%04X", (unsigned)cp);
		} else {
			fwrite(s + i, 1, l, f);
		}
		i += l;
	}
}

void html_text_n(struct html_out *o, const char *s, size_t n)
{
	if (s)
		escape(o, s, n, true);
}

void html_text(struct html_out *o, const char *s)
{
	if (s)
		escape(o, s, strlen(s), true);
}

void html_attr(struct html_out *o, const char *s)
{
	if (s)
		escape(o, s, strlen(s), false);
}

void html_text_block(struct html_out *o, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (n <= o->text_limit) {
		escape(o, s, n, true);
		return;
	}
	size_t cut = o->text_limit;
	/* Back to the start of a character: at most three continuation bytes. */
	for (int k = 0; k < 3 && cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80; k++)
		cut--;
	escape(o, s, cut, true);
	fprintf(o->f, "</pre><p class=\"cut\">%zu more characters not shown here (the JSON report holds them).</p><pre>",
		text_codepoints(s + cut, n - cut));
}

int html_json(struct html_out *o, const cJSON *value)
{
	char *text = cJSON_PrintUnformatted(value);
	if (!text)
		return -1;
	size_t n = strlen(text);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = text_utf8_decode(text + i, n - i, &cp);
		if (cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 || cp == 0x2029)
			fprintf(o->f, "\\u%04x", (unsigned)cp);
		else if (cp == 0xfffd && l == 1)
			fputs("\\ufffd", o->f);
		else
			fwrite(text + i, 1, l, o->f);
		i += l;
	}
	free(text);
	return 0;
}

void html_ratio(struct html_out *o, double v)
{
	fprintf(o->f, "%.4f", v);
}

void html_percent(struct html_out *o, double part, double whole)
{
	fprintf(o->f, "%.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
}

void html_ms(struct html_out *o, double ms)
{
	if (ms < 1000)
		fprintf(o->f, "%.0f ms", ms);
	else
		fprintf(o->f, "%.2f s", ms / 1000.0);
}
