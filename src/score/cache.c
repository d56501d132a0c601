/* The on-disk cache (see cache.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "score/cache.h"
#include "cleanup.h"
#include "base/file_io.h"

int cache_default_dir(char *buf, size_t n)
{
	const char *v = getenv("VERDICT_CACHE_DIR");
	if (v && *v) {
		snprintf(buf, n, "%s", v);
		return 0;
	}
	v = getenv("XDG_CACHE_HOME");
	if (v && *v) {
		snprintf(buf, n, "%s/verdict", v);
		return 0;
	}
	v = getenv("HOME");
	if (v && *v) {
		snprintf(buf, n, "%s/.cache/verdict", v);
		return 0;
	}
	return -1;
}

static int mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int cache_read(const char *dir, const char *name, char **data, size_t *len)
{
	char path[4096], err[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (access(path, R_OK) != 0)
		return errno == ENOENT ? 1 : -1;
	return file_read_all(path, 1u << 30, data, len, err, sizeof(err)) == 0 ? 0 : -1;
}

static int write_file(const char *dir, const char *name, const char *data, size_t len, bool durable)
{
	char path[4096], tmp[4200], parent[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	if (mkdirs(parent) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d.%lx", path, (int)getpid(), (unsigned long)gettid());
	autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if ((durable && fsync(fd) != 0) || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int cache_write(const char *dir, const char *name, const char *data, size_t len)
{
	return write_file(dir, name, data, len, true);
}

int cache_write_nosync(const char *dir, const char *name, const char *data, size_t len)
{
	return write_file(dir, name, data, len, false);
}

void cache_safe_name(const char *in, char *out, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; in[i] && j + 1 < n; i++) {
		char c = in[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
		out[j++] = ok ? c : '_';
	}
	out[j] = '\0';
}
