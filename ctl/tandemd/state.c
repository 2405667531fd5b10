// SPDX-License-Identifier: GPL-2.0
/*
 * The state file of a group: the promised epoch (docs/agreement.md, stable
 * storage) and the incarnation that numbers this node's datagrams across
 * restarts. Written to a temporary file, fsync'ed, renamed over the old
 * one, and the directory fsync'ed: after state_write returns, a crash
 * leaves either the old or the new file, never a torn one.
 *
 *   promised 8589934593
 *   incarnation 12
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tandemd.h"

int state_read(const char *path, struct agree_persist *p, uint64_t *incarnation)
{
	char name[32];
	uint64_t v;
	int ret = 0;
	FILE *f;

	p->promised = 0;
	*incarnation = 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fscanf(f, "%31s %" SCNu64, name, &v) == 2) {
		if (!strcmp(name, "promised"))
			p->promised = v;
		else if (!strcmp(name, "incarnation"))
			*incarnation = v;
	}
	if (ferror(f))
		ret = -EIO;
	else if (!feof(f))
		ret = -EINVAL;
	fclose(f);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

static int sync_dir(const char *path)
{
	char copy[TD_PATH_MAX + 64];
	int fd, ret = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int state_write(const char *path, const struct agree_persist *p,
		uint64_t incarnation)
{
	char tmp[TD_PATH_MAX + 80], buf[128];
	int fd, ret, len;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	len = snprintf(buf, sizeof(buf), "promised %" PRIu64 "\nincarnation %" PRIu64 "\n",
		       p->promised, incarnation);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, buf, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (!ret)
		ret = sync_dir(path);
	if (ret)
		unlink(tmp);
	return ret;
}
