/* Small helpers of the jail suite: a clock, reading a file, printing untrusted
 * output safely, the "observed: " line and the details a verdict reports. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "test_jail.h"

/* ------------------------------------------------------------- helpers */

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int read_file(const char *path, char **out, size_t *len)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			return -e;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* Untrusted text for a diagnostic line: bounded, control bytes escaped. */
const char *printable(const char *data, size_t len, char *buf, size_t n)
{
	size_t o = 0, i = 0;
	/* Room for the longest escape (4), "..." and the NUL. */
	for (; data && i < len && o + 8 < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	if (data && i < len)
		o += (size_t)snprintf(buf + o, n - o, "...");
	buf[o] = '\0';
	return buf;
}

/* The text after the last "observed: " line start, up to the newline. */
bool observation(const struct jail_capture *out, char *buf, size_t n)
{
	static const char key[] = "observed: ";
	const char *found = NULL;
	for (const char *p = out->data; p && (p = strstr(p, key)) != NULL; p++)
		if (p == out->data || p[-1] == '\n')
			found = p + strlen(key);
	if (!found)
		return false;
	size_t len = strcspn(found, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(buf, found, len);
	buf[len] = '\0';
	return true;
}

/* "detail: KEY=NUMBER" printed by an attack, or -1. */
long detail(const struct jail_result *r, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "detail: %s=", key);
	const char *p = r->out.data ? strstr(r->out.data, pat) : NULL;
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

void appendf(char *buf, size_t n, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
}
