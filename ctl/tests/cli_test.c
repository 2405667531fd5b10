// SPDX-License-Identifier: GPL-2.0
/*
 * The tandem program as a whole, on the host: exit codes, messages and
 * output that need no module. TANDEM_CLI names the program (./tandem).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "parse.h"

struct result {
	int status;		/* exit status, or -1 if it did not exit */
	char out[8192];
	char err[8192];
};

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;

	lseek(fd, 0, SEEK_SET);
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
}

static int tmpfd(void)
{
	char path[] = "/tmp/tandem-cli-test.XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Run the program with the arguments (NULL terminated); stdin from input. */
static void run(struct result *r, const char *input, ...)
{
	const char *cli = getenv("TANDEM_CLI") ?: "./tandem/tandem";
	const char *argv[32] = { cli };
	int out = tmpfd(), err = tmpfd(), in = tmpfd();
	int argc = 1, status;
	va_list ap;
	pid_t pid;

	va_start(ap, input);
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (input && write(in, input, strlen(input)) < 0)
		abort();
	lseek(in, 0, SEEK_SET);
	pid = fork();
	if (pid == 0) {
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execv(cli, (char **)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	close(in);
}

#define EXPECT_IN(needle, haystack) do {				\
	if (!strstr(haystack, needle)) {				\
		TH_LOG("\"%s\" not in \"%s\"", needle, haystack);	\
		_metadata->passed = 0;					\
	}								\
} while (0)

TEST(help)
{
	struct result r;

	run(&r, NULL, "help", NULL);
	ASSERT_EQ(0, r.status);
	EXPECT_IN("Usage: tandem", r.out);
	EXPECT_IN("tandem group add NAME", r.out);
	EXPECT_IN("tandem member add", r.out);
	EXPECT_IN("tandem service add", r.out);
	EXPECT_IN("monitor", r.out);
	run(&r, NULL, "--help", NULL);
	ASSERT_EQ(0, r.status);
	run(&r, NULL, "group", "help", NULL);
	ASSERT_EQ(0, r.status);
	EXPECT_IN("tandem group set GROUP", r.out);
	run(&r, NULL, "member", "help", NULL);
	ASSERT_EQ(0, r.status);
	run(&r, NULL, "service", "help", NULL);
	ASSERT_EQ(0, r.status);
	run(&r, NULL, "monitor", "help", NULL);
	ASSERT_EQ(0, r.status);
	run(&r, NULL, "-V", NULL);
	ASSERT_EQ(0, r.status);
	EXPECT_IN("tandem ", r.out);
}

/* Every command of the table: in the usage, its help, and in "help". */
TEST(command_table)
{
	static const char *const names[] = {
		"group", "member", "service", "monitor", "stats", "conn",
		"switchover", "node", "genkey",
	};
	char line[64], *all;
	struct result r;
	size_t i;

	run(&r, NULL, "help", NULL);
	ASSERT_EQ(0, r.status);
	all = strdup(r.out);
	ASSERT_NE(NULL, all);
	run(&r, NULL, NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("COMMAND := { group | member | service | monitor | stats | conn | switchover | node | genkey }",
		  r.err);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(line, sizeof(line), "\n  %-11s ", names[i]);
		EXPECT_IN(line, r.err);
		EXPECT_IN(line, all);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		run(&r, NULL, names[i], "help", NULL);
		ASSERT_EQ(0, r.status);
		EXPECT_IN("Usage: ", r.out);
		EXPECT_IN(r.out, all);
	}
	free(all);
}

TEST(usage_errors)
{
	struct result r;

	run(&r, NULL, NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("Usage: tandem", r.err);

	run(&r, NULL, "frob", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("unknown object \"frob\"", r.err);
	EXPECT_IN("tandem help", r.err);

	run(&r, NULL, "group", "frob", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("unknown command \"frob\"", r.err);
	EXPECT_IN("tandem group help", r.err);

	run(&r, NULL, "group", "add", "g1", "id", "1", "vip", "10.0.0.1", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("missing \"node\"", r.err);

	run(&r, NULL, "group", "add", "g1", "id", "1", "vip", "10.0.0.1",
	    "node", "1", "speed", "fast", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("unknown argument \"speed\"", r.err);

	run(&r, NULL, "group", "add", "g1", "id", "1", "vip", "10.1", "node",
	    "1", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("vip \"10.1\" is not an IPv4 or IPv6 address", r.err);

	run(&r, NULL, "service", "add", "group", "g1", "port", "0", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("port \"0\" is out of range", r.err);

	run(&r, NULL, "-q", "group", "show", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("unknown option \"-q\"", r.err);

	run(&r, NULL, "monitor", "now", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("unknown argument \"now\"", r.err);

	run(&r, NULL, "genkey", "now", NULL);
	ASSERT_EQ(1, r.status);
	ASSERT_STREQ("", r.out);
}

TEST(bad_key_files)
{
	struct result r;

	run(&r, NULL, "group", "add", "g1", "id", "1", "vip", "10.0.0.1",
	    "node", "1", "key", "/nonexistent/key", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("cannot read key file \"/nonexistent/key\": No such file", r.err);

	run(&r, "short\n", "group", "add", "g1", "id", "1", "vip", "10.0.0.1",
	    "node", "1", "key", "-", NULL);
	ASSERT_EQ(1, r.status);
	EXPECT_IN("key file \"-\" holds no key", r.err);
}

TEST(genkey)
{
	uint8_t key[TANDEM_KEY_LEN];
	struct result a, b;

	run(&a, NULL, "genkey", NULL);
	ASSERT_EQ(0, a.status);
	ASSERT_EQ(TANDEM_KEY_B64_LEN + 1, strlen(a.out));
	ASSERT_EQ('\n', a.out[TANDEM_KEY_B64_LEN]);
	ASSERT_EQ(0, parse_key((uint8_t *)a.out, strlen(a.out), key));
	run(&b, NULL, "genkey", NULL);
	ASSERT_EQ(0, b.status);
	ASSERT_NE(0, strcmp(a.out, b.out));
}

/* The host cannot load modules: the family is missing, exit 2. */
TEST(module_not_loaded)
{
	char key[sizeof(((struct result *)0)->out)];
	struct result r;

	run(&r, NULL, "-j", "group", "show", NULL);
	if (r.status == 0)
		SKIP(return, "the tandem module is loaded here");
	if (!strstr(r.err, "not loaded"))
		SKIP(return, "no generic netlink here: %.200s", r.err);
	ASSERT_EQ(2, r.status);
	ASSERT_STREQ("tandem: the tandem kernel module is not loaded "
		     "(modprobe tandem / insmod tandem.ko)\n", r.err);
	ASSERT_STREQ("", r.out);

	/* The key is read (from stdin) before the kernel is asked. */
	run(&r, NULL, "genkey", NULL);
	memcpy(key, r.out, sizeof(key));
	run(&r, key, "group", "add", "g1", "id", "1", "vip", "10.0.0.1",
	    "node", "1", "key", "-", NULL);
	ASSERT_EQ(2, r.status);
	EXPECT_IN("not loaded", r.err);

	run(&r, NULL, "monitor", NULL);
	ASSERT_EQ(2, r.status);
	EXPECT_IN("not loaded", r.err);
}

TEST(missing_netns)
{
	struct result r;

	run(&r, NULL, "-n", "tandem-no-such-netns", "group", "show", NULL);
	ASSERT_EQ(2, r.status);
	EXPECT_IN("cannot enter network namespace \"tandem-no-such-netns\"", r.err);
}

TEST_HARNESS_MAIN
