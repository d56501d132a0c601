/* Whole-file reads, transparently gunzipping .gz files (datasets ship as
 * .jsonl.gz). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cleanup.h"
#include "base/file_io.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 65536;
	while (c < need)
		c *= 2;
	char *g = realloc(*buf, c);
	if (!g)
		return -1;
	*buf = g;
	*cap = c;
	return 0;
}

static int read_gz(const char *path, size_t max_bytes, char **data, size_t *len, char *err, size_t errlen)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
		return -1;
	}
	gzbuffer(gz, 1 << 17);
	autofree char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (grow(&buf, &cap, n + 65536 + 1) < 0) {
			gzclose(gz);
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		int r = gzread(gz, buf + n, 65536);
		if (r < 0) {
			int zerr = 0;
			const char *msg = gzerror(gz, &zerr);
			snprintf(err, errlen, "%s: gzip error: %s", path, msg ? msg : "unknown");
			gzclose(gz);
			return -1;
		}
		if (r == 0) {
			/* A truncated stream ends like a complete one; only the
			 * error state tells them apart. */
			int zerr = Z_OK;
			const char *msg = gzerror(gz, &zerr);
			if (zerr != Z_OK) {
				/* zlib prefixes its message with the path */
				size_t pl = strlen(path);
				if (msg && strncmp(msg, path, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
					msg += pl + 2;
				snprintf(err, errlen, "%s: truncated or corrupt gzip (%s)", path, msg ? msg : "unknown");
				gzclose(gz);
				return -1;
			}
			break;
		}
		n += (size_t)r;
		if (n > max_bytes) {
			gzclose(gz);
			snprintf(err, errlen, "%s: larger than %zu bytes uncompressed", path, max_bytes);
			return -1;
		}
	}
	gzclose(gz);
	buf[n] = '\0';
	*data = steal_pointer(&buf);
	*len = n;
	return 0;
}

int file_read_all(const char *path, size_t max_bytes, char **data, size_t *len, char *err, size_t errlen)
{
	if (ends_with(path, ".gz"))
		return read_gz(path, max_bytes, data, len, err, errlen);
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rbe");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	autofree char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (grow(&buf, &cap, n + 65536 + 1) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		size_t r = fread(buf + n, 1, 65536, f);
		n += r;
		if (n > max_bytes) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max_bytes);
			goto fail;
		}
		if (r < 65536) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
				goto fail;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*data = steal_pointer(&buf);
	*len = n;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	return -1;
}
