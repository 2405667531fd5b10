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
 *
 * Next to it, GROUP.standby exists while the node is in standby for the
 * group (tandem node standby; its content is a comment for whoever looks).
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

/* path holds buf (len bytes), or is left as it was: written to
 * path.tmp, synced, renamed over path, the directory synced. */
static int write_file(const char *path, const char *buf, size_t len)
{
	char tmp[TD_PATH_MAX + 80];
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
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

int state_write(const char *path, const struct agree_persist *p,
		uint64_t incarnation)
{
	char buf[128];
	int len;

	len = snprintf(buf, sizeof(buf), "promised %" PRIu64 "\nincarnation %" PRIu64 "\n",
		       p->promised, incarnation);
	return write_file(path, buf, len);
}

static void standby_path(const struct td_grp *g, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.standby", g->d->cfg.state_dir, g->cfg->name);
}

int state_standby_read(const struct td_grp *g, bool *standby)
{
	char path[TD_PATH_MAX + 64];

	standby_path(g, path, sizeof(path));
	*standby = !access(path, F_OK);
	if (!*standby && errno != ENOENT) {
		td_err("group %s: cannot read %s: %s", g->cfg->name, path,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

int state_standby_write(const struct td_grp *g, bool standby)
{
	static const char text[] = "# tandem node standby; tandem node online removes it\n";
	char path[TD_PATH_MAX + 64];

	standby_path(g, path, sizeof(path));
	if (!standby) {
		if (unlink(path) && errno != ENOENT)
			return -errno;
		return sync_dir(path);
	}
	return write_file(path, text, sizeof(text) - 1);
}
