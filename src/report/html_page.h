/* The shell every report page shares: the doctype, a Content-Security-Policy
 * that allows nothing but the page's own stylesheet and script (by their
 * SHA-256, no network at all), the stylesheet, and at the end the script. */
#ifndef VERDICT_HTML_PAGE_H
#define VERDICT_HTML_PAGE_H

#include "report/html_out.h"

/* Start a page whose <title> is `title` (untrusted: escaped). Returns 0, or
 * -1 when the page's assets are missing from the binary. */
int html_page_begin(struct html_out *o, const char *title);
/* The script and the closing tags. */
void html_page_end(struct html_out *o);

/* The policy the page carries, e.g. "default-src 'none'; style-src
 * 'sha256-...'; ...", for tests. buf of at least 512 bytes. */
void html_page_policy(char *buf, size_t n);

#endif
