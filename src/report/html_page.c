/* The page shell (see html_page.h). */
#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "base/embedded.h"
#include "report/html_page.h"

#define PAGE_CSS "report/report.css"
#define PAGE_JS "report/report.js"

/* 'sha256-BASE64' of an asset, as CSP hash sources are written. */
static void hash_source(const struct embedded_file *e, char out[64])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char d[33] = { 0 };
	digest_sha256(e->data, e->len, d);
	char *p = out + sprintf(out, "'sha256-");
	for (int i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
		*p++ = b64[v >> 18 & 63];
		*p++ = b64[v >> 12 & 63];
		*p++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
		*p++ = i + 2 < 32 ? b64[v & 63] : '=';
	}
	strcpy(p, "'");
}

void html_page_policy(char *buf, size_t n)
{
	const struct embedded_file *css = embedded_find(PAGE_CSS), *js = embedded_find(PAGE_JS);
	char css_hash[64] = "'none'", js_hash[64] = "'none'";
	if (css)
		hash_source(css, css_hash);
	if (js)
		hash_source(js, js_hash);
	/* Nothing may be fetched (default-src 'none': no image, font, frame or
	 * connection, so a page opened offline looks the same), and only our
	 * own style and script run: an injected <script> or on* attribute has
	 * no hash and is refused even if escaping ever failed. */
	snprintf(buf, n, "default-src 'none'; style-src %s; script-src %s; base-uri 'none'; form-action 'none'",
		 css_hash, js_hash);
}

int html_page_begin(struct html_out *o, const char *title)
{
	const struct embedded_file *css = embedded_find(PAGE_CSS);
	if (!css || !embedded_find(PAGE_JS))
		return -1;
	char policy[512];
	html_page_policy(policy, sizeof(policy));
	html_raw(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"");
	html_attr(o, policy);
	html_raw(o, "\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"generator\" content=\"verdict " VERDICT_VERSION "\">\n<title>");
	html_attr(o, title); /* <title> holds text only: no markup for control characters */
	html_raw(o, "</title>\n<style>");
	html_raw(o, css->data);
	html_raw(o, "</style>\n</head>\n<body>\n<main>\n");
	return 0;
}

void html_page_end(struct html_out *o)
{
	const struct embedded_file *js = embedded_find(PAGE_JS);
	html_raw(o, "<footer>Written by verdict " VERDICT_VERSION
		    ". Self-contained: no network is needed or used to view this page.</footer>\n</main>\n<script>");
	if (js)
		html_raw(o, js->data);
	html_raw(o, "</script>\n</body>\n</html>\n");
}
