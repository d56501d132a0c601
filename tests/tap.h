/* Minimal TAP (Test Anything Protocol) producer for meson `protocol: 'tap'`.
 *
 * Usage: tap_plan(n) or tap_plan_lazy(); tap_ok(cond, "fmt", ...);
 * tap_skip("reason"); return tap_done(); Each test program is one meson test. */
#ifndef VERDICT_TAP_H
#define VERDICT_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One program's count. A program built from several files compiles with
 * -DTAP_MULTI_FILE and links tap.c, so that all its files number one
 * sequence; otherwise each file would start again at 1. */
#ifdef TAP_MULTI_FILE
extern int tap_count;
extern int tap_failed;
extern bool tap_lazy;
#else
static int tap_count;
static int tap_failed;
static bool tap_lazy;
#endif

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
}

/* The plan is printed by tap_done() at the end instead. */
static inline void tap_plan_lazy(void)
{
	tap_lazy = true;
}

__attribute__((format(printf, 2, 3))) static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* A diagnostic line, shown by meson on failure. */
__attribute__((format(printf, 1, 2))) static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

__attribute__((format(printf, 1, 2))) static inline void tap_skip(const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("ok %d # SKIP ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Skip the whole program (no plan was printed yet). */
__attribute__((format(printf, 1, 2))) static inline int tap_skip_all(const char *fmt, ...)
{
	va_list ap;
	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 0;
}

static inline int tap_done(void)
{
	if (tap_lazy)
		printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#define TAP_STREQ(a, b) ((a) && (b) && strcmp((a), (b)) == 0)

#endif
