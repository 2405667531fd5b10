// SPDX-License-Identifier: GPL-2.0
/* tandemd's configuration parser: a full file, then malformed ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "config.h"

struct errs {
	char text[8192];
	unsigned int n;
};

static void collect(void *data, const char *msg)
{
	struct errs *e = data;
	size_t len = strlen(e->text);

	snprintf(e->text + len, sizeof(e->text) - len, "%s\n", msg);
	e->n++;
}

static char key_path[64] = "/tmp/tandemd-key.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Load text (with KEY replaced by a key file); the errors in e. */
static int load(const char *text, struct td_config *cfg, struct errs *e)
{
	char path[64] = "/tmp/tandemd-conf.XXXXXX", buf[8192];
	const char *k = strstr(text, "KEY");
	int fd, ret;

	if (key_path[strlen(key_path) - 1] == 'X') {
		fd = mkstemp(key_path);
		close(fd);
		write_file(key_path, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n");
	}
	if (k)
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(k - text), text,
			 key_path, k + 3);
	else
		snprintf(buf, sizeof(buf), "%s", text);
	fd = mkstemp(path);
	close(fd);
	write_file(path, buf);
	memset(e, 0, sizeof(*e));
	ret = config_load(path, cfg, collect, e);
	unlink(path);
	return ret;
}

#define GOOD_NODE "[node]\nid = 2\nstate-dir = /tmp\n"
#define GOOD_GROUP \
	"[group web]\n" \
	"id = 7\n" \
	"vip = 10.0.0.100\n" \
	"key = KEY\n" \
	"member = 1 10.1.0.1 priority 200\n" \
	"member = 2 10.1.0.2\n" \
	"member = 3 10.1.0.3 witness\n"

/* The line of the first error, and whether its text contains what. */
static unsigned int err_line(const struct errs *e)
{
	const char *p = strchr(e->text, ':');

	return p ? (unsigned int)atoi(p + 1) : 0;
}

TEST(full_file)
{
	struct td_config cfg;
	struct errs e;
	const struct td_group *g;

	ASSERT_EQ(0, load(
		"# a comment\n"
		"[node]\n"
		"id = 2\n"
		"state-dir = /var/lib/tandemd\n"
		"control = /run/tandemd.sock   ; inline comment\n"
		"log-level = debug\n"
		"realtime = no\n"
		"rt-priority = 20\n"
		"lock-memory = off\n"
		"\n"
		"[group web]\n"
		"id = 7\n"
		"vip = 10.0.0.100\n"
		"key = KEY\n"
		"port = 7000\n"
		"agree-port = 7001\n"
		"member = 1 10.1.0.1 priority 200\n"
		"member = 2 10.1.0.2 port 7002\n"
		"member = 3 10.1.0.3 witness\n"
		"heartbeat = 50ms\n"
		"miss = 4\n"
		"lease = 1s\n"
		"drift-ppm = 500\n"
		"garp-count = 5\n"
		"garp-interval = 200ms\n"
		"garp-refresh = 2s\n"
		"max-lag-bytes = 8M\n"
		"notify = /usr/local/bin/hook\n"
		"health-addr = 10.1.0.2\n"
		"\n"
		"[service web 80]\n"
		"check = tcp\n"
		"check = http /health 204\n"
		"check = exec test -e /tmp/ok\n"
		"interval = 500ms\n"
		"timeout = 200ms\n"
		"rise = 1\n"
		"fall = 2\n"
		"[service web 443]\n", &cfg, &e));
	ASSERT_EQ(0, e.n);
	ASSERT_EQ(2, cfg.node_id);
	ASSERT_STREQ("/run/tandemd.sock", cfg.control);
	ASSERT_EQ(TD_LOG_DEBUG, cfg.log_level);
	ASSERT_FALSE(cfg.realtime);
	ASSERT_EQ(20, cfg.rt_priority);
	ASSERT_FALSE(cfg.lock_memory);
	ASSERT_EQ(1, cfg.n_groups);
	g = &cfg.group[0];
	ASSERT_STREQ("web", g->name);
	ASSERT_EQ(7, g->id);
	ASSERT_EQ(4, g->vip.len);
	ASSERT_EQ(7000, g->port);
	ASSERT_EQ(7001, g->agree_port);
	ASSERT_EQ(3, g->n_members);
	ASSERT_EQ(200, g->member[0].priority);
	ASSERT_EQ(100, g->member[1].priority);
	ASSERT_EQ(7002, config_member_port(g, &g->member[1]));
	ASSERT_EQ(7000, config_member_port(g, &g->member[0]));
	ASSERT_TRUE(g->member[2].witness);
	ASSERT_EQ(50000000, g->agree.hb_interval);
	ASSERT_EQ(1000000000, g->agree.lease);
	ASSERT_EQ(4, g->agree.miss_count);
	ASSERT_EQ(500, g->agree.drift_ppm);
	ASSERT_EQ(2, g->agree.self_id);
	ASSERT_EQ(3, g->agree.n_members);
	ASSERT_EQ(5, g->tun.garp_count);
	ASSERT_EQ(200, g->tun.garp_interval_ms);
	ASSERT_EQ(2000, g->tun.garp_refresh_ms);
	ASSERT_EQ(8 << 20, g->tun.max_lag_bytes);
	ASSERT_TRUE(g->tun.set & (1ULL << TANDEM_A_GROUP_GARP_COUNT));
	ASSERT_FALSE(g->tun.set & (1ULL << TANDEM_A_GROUP_MAX_CONNS));
	ASSERT_EQ('0', g->key[0]);
	ASSERT_EQ(2, g->n_services);
	ASSERT_EQ(80, g->service[0].port);
	ASSERT_EQ(3, g->service[0].n_checks);
	ASSERT_EQ(TD_CHECK_TCP, g->service[0].check[0].type);
	ASSERT_EQ(TD_CHECK_HTTP, g->service[0].check[1].type);
	ASSERT_STREQ("/health", g->service[0].check[1].path);
	ASSERT_EQ(204, g->service[0].check[1].status);
	ASSERT_EQ(TD_CHECK_EXEC, g->service[0].check[2].type);
	ASSERT_STREQ("test -e /tmp/ok", g->service[0].check[2].command);
	ASSERT_EQ(500000000, g->service[0].interval);
	ASSERT_EQ(1, g->service[0].rise);
	ASSERT_EQ(0, g->service[1].n_checks);
	ASSERT_EQ(2, g->service[1].rise);
	config_free(&cfg);
}

TEST(defaults)
{
	struct td_config cfg;
	struct errs e;

	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP, &cfg, &e));
	ASSERT_STREQ("@tandemd", cfg.control);
	ASSERT_EQ(TD_LOG_INFO, cfg.log_level);
	/* realtime scheduling and locked memory unless told otherwise */
	ASSERT_TRUE(cfg.realtime);
	ASSERT_EQ(TD_RT_PRIORITY, cfg.rt_priority);
	ASSERT_TRUE(cfg.lock_memory);
	ASSERT_EQ(TANDEM_DEFAULT_REPL_PORT, cfg.group[0].port);
	ASSERT_EQ(TANDEM_DEFAULT_REPL_PORT + 1, cfg.group[0].agree_port);
	ASSERT_EQ(100000000, cfg.group[0].agree.hb_interval);
	ASSERT_EQ(1000000000, cfg.group[0].agree.lease);
	ASSERT_EQ(3, cfg.group[0].agree.miss_count);
	/* garp-refresh is always set: 10 s unless given */
	ASSERT_EQ(1ULL << TANDEM_A_GROUP_GARP_REFRESH_MS, cfg.group[0].tun.set);
	ASSERT_EQ(10000, cfg.group[0].tun.garp_refresh_ms);
	config_free(&cfg);
	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP "garp-refresh = 0\n", &cfg, &e));
	ASSERT_EQ(0, cfg.group[0].tun.garp_refresh_ms);
	config_free(&cfg);
	/* mac: the kernel's default unless given, then passed through */
	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP "mac = hmac-sha256\n", &cfg, &e));
	ASSERT_TRUE(cfg.group[0].tun.set & (1ULL << TANDEM_A_GROUP_MAC));
	ASSERT_EQ(TANDEM_MAC_HMAC_SHA256, cfg.group[0].tun.mac);
	config_free(&cfg);
	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP "mac = xchacha20-poly1305\n", &cfg, &e));
	ASSERT_EQ(TANDEM_MAC_XCHACHA20_POLY1305, cfg.group[0].tun.mac);
	config_free(&cfg);
}

/* Key rotation and metrics: defaults, values, bounds. */
TEST(overlap_and_metrics)
{
	struct td_config cfg;
	struct errs e;

	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP, &cfg, &e));
	ASSERT_EQ(300000000000LL, cfg.group[0].key_overlap);
	ASSERT_STREQ("", cfg.metrics_file);
	ASSERT_EQ(15000000000LL, cfg.metrics_interval);
	config_free(&cfg);
	ASSERT_EQ(0, load(GOOD_NODE "metrics-file = /run/t.prom\nmetrics-interval = 2s\n"
			  GOOD_GROUP "key-overlap = 0\n", &cfg, &e));
	ASSERT_EQ(0, cfg.group[0].key_overlap);
	ASSERT_STREQ("/run/t.prom", cfg.metrics_file);
	ASSERT_EQ(2000000000LL, cfg.metrics_interval);
	config_free(&cfg);
	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP "key-overlap = 12h\n", &cfg, &e));
	ASSERT_EQ(43200000000000LL, cfg.group[0].key_overlap);
	config_free(&cfg);
	ASSERT_EQ(-EINVAL, load(GOOD_NODE GOOD_GROUP "key-overlap = 13h\n", &cfg, &e));
	ASSERT_NE(NULL, strstr(e.text, "key-overlap")) TH_LOG("%s", e.text);
	ASSERT_EQ(-EINVAL, load(GOOD_NODE "metrics-interval = 10ms\n" GOOD_GROUP, &cfg, &e));
	ASSERT_NE(NULL, strstr(e.text, "metrics-interval")) TH_LOG("%s", e.text);
}

TEST(second_link)
{
	static const char *const members =
		"[group web]\nid = 7\nvip = 10.0.0.100\nkey = KEY\n"
		"member = 1 10.1.0.1 addr2 10.2.0.1 priority 200\n"
		"member = 2 10.1.0.2 addr2 10.2.0.2\n";
	char file[512];
	struct td_config cfg;
	struct errs e;

	snprintf(file, sizeof(file), "%s%s%s", GOOD_NODE, members,
		 "member = 3 10.1.0.3 addr2 10.2.0.3 witness\n");
	ASSERT_EQ(0, load(file, &cfg, &e));
	ASSERT_EQ(4, cfg.group[0].member[0].addr2.len);
	ASSERT_EQ(200, cfg.group[0].member[0].priority);
	ASSERT_EQ(3, cfg.group[0].member[2].addr2.bytes[3]);
	ASSERT_TRUE(cfg.group[0].member[2].witness);
	config_free(&cfg);
	/* one without: an error on its line */
	snprintf(file, sizeof(file), "%s%s%s", GOOD_NODE, members,
		 "member = 3 10.1.0.3 witness\n");
	ASSERT_EQ(-EINVAL, load(file, &cfg, &e));
	ASSERT_EQ(1, e.n);
	ASSERT_NE(NULL, strstr(e.text, "member 3: has no addr2 but member 1 has one"));
	config_free(&cfg);
	/* another member's address */
	snprintf(file, sizeof(file), "%s%s%s", GOOD_NODE, members,
		 "member = 3 10.1.0.3 addr2 10.1.0.2\n");
	ASSERT_EQ(-EINVAL, load(file, &cfg, &e));
	ASSERT_NE(NULL, strstr(e.text, "member 3: addr2 is an address of member 2"));
	config_free(&cfg);
	snprintf(file, sizeof(file), "%s%s%s", GOOD_NODE, members,
		 "member = 3 10.1.0.3 addr2 fd00::3\n");
	ASSERT_EQ(-EINVAL, load(file, &cfg, &e));
	ASSERT_NE(NULL, strstr(e.text, "addr2 family differs"));
	config_free(&cfg);
}

TEST(durations)
{
	int64_t ns;

	ASSERT_EQ(0, config_duration("100", 0, INT64_MAX, &ns));
	ASSERT_EQ(100000000, ns);
	ASSERT_EQ(0, config_duration("2s", 0, INT64_MAX, &ns));
	ASSERT_EQ(2000000000, ns);
	ASSERT_EQ(0, config_duration("250us", 0, INT64_MAX, &ns));
	ASSERT_EQ(250000, ns);
	ASSERT_EQ(-EINVAL, config_duration("2 s", 0, INT64_MAX, &ns));
	ASSERT_EQ(-EINVAL, config_duration("s", 0, INT64_MAX, &ns));
	ASSERT_EQ(-EINVAL, config_duration("1.5s", 0, INT64_MAX, &ns));
	ASSERT_EQ(-ERANGE, config_duration("5ms", 10000000, INT64_MAX, &ns));
	ASSERT_EQ(-ERANGE, config_duration("99999999999999999999h", 0,
					   INT64_MAX, &ns));
}

/* One malformed file: fails, first error on line, containing text. */
struct bad_case {
	const char *file;
	unsigned int line;
	const char *text;
};

static const struct bad_case bad_cases[] = {
	{ "[node]\nid = 0\n" GOOD_GROUP, 2, "id: \"0\" out of range" },
	{ "[node]\nid = two\n" GOOD_GROUP, 2, "id: \"two\" malformed" },
	{ "[node]\nid = 2\nid = 3\n" GOOD_GROUP, 3, "given twice in [node] (first on line 2)" },
	{ "[node]\nid = 2\nbogus = 1\n" GOOD_GROUP, 3, "unknown key \"bogus\" in [node]" },
	{ "[node]\nid = 2\nlog-level = loud\n" GOOD_GROUP, 3, "log-level: \"loud\" unknown" },
	{ "[node]\nid = 2\nrealtime = maybe\n" GOOD_GROUP, 3, "realtime: \"maybe\" malformed: expected yes or no" },
	{ "[node]\nid = 2\nlock-memory = \n" GOOD_GROUP, 3, "lock-memory" },
	{ "[node]\nid = 2\nrt-priority = 0\n" GOOD_GROUP, 3, "rt-priority: \"0\" out of range: expected an integer 1..99" },
	{ "[node]\nid = 2\nrt-priority = 100\n" GOOD_GROUP, 3, "rt-priority: \"100\" out of range" },
	{ "[node]\nid = 2\nrealtime = yes\nrealtime = no\n" GOOD_GROUP, 4, "realtime given twice in [node] (first on line 3)" },
	{ "id = 2\n" GOOD_NODE GOOD_GROUP, 1, "outside of any section" },
	{ GOOD_NODE "[nodes]\nx = 1\n" GOOD_GROUP, 4, "unknown section [nodes]" },
	{ GOOD_NODE "[node]\n" GOOD_GROUP, 4, "[node] given twice (first on line 1)" },
	{ GOOD_NODE "this is not ini\n" GOOD_GROUP, 4, "syntax error" },
	{ GOOD_NODE "[group web\nid = 1\n", 4, "syntax error" },
	{ GOOD_NODE GOOD_GROUP "heartbeat = 5 ms\n", 11, "heartbeat: \"5 ms\" malformed: expected a duration" },
	{ GOOD_NODE GOOD_GROUP "lease = 0\n", 11, "lease: \"0\" out of range" },
	{ GOOD_NODE GOOD_GROUP "garp-interval = 1500us\n", 11, "in whole ms" },
	{ GOOD_NODE GOOD_GROUP "garp-refresh = 50ms\n", 11, "garp-refresh: \"50ms\" out of range: expected 0 (off) or a duration 100ms..1h" },
	{ GOOD_NODE GOOD_GROUP "garp-refresh = 2 s\n", 11, "garp-refresh: \"2 s\" malformed" },
	{ GOOD_NODE GOOD_GROUP "mac = md5\n", 11, "mac: \"md5\" unknown: expected xchacha20-poly1305 or hmac-sha256" },
	{ GOOD_NODE GOOD_GROUP "member = 4\n", 11, "member: expected \"ID ADDRESS" },
	{ GOOD_NODE GOOD_GROUP "member = 4 10.1.0.300\n", 11, "member 4: \"10.1.0.300\" is not a numeric" },
	{ GOOD_NODE GOOD_GROUP "member = 4 10.1.0.4 priority 300\n", 11, "member: priority \"300\" out of range" },
	{ GOOD_NODE GOOD_GROUP "member = 4 10.1.0.4 leader\n", 11, "member: unexpected \"leader\"" },
	{ GOOD_NODE GOOD_GROUP "member = 4 10.1.0.4 addr2 10.2.0.300\n", 11, "member 4: addr2 \"10.2.0.300\" is not a numeric" },
	{ GOOD_NODE GOOD_GROUP "member = 4 10.1.0.4 addr2 10.2.0.4\n", 11, "member 4: has an addr2 but member 1 has none: give every member a second address or none" },
	{ GOOD_NODE GOOD_GROUP "member = 2 10.1.0.9\n", 11, "member 2 given twice in [group web] (first on line 9)" },
	{ GOOD_NODE GOOD_GROUP "member = 4 10.1.0.1\n", 11, "member 4 has the address of member 1" },
	{ GOOD_NODE GOOD_GROUP "member = 4 fd00::4\n", 11, "address family differs" },
	{ GOOD_NODE GOOD_GROUP "vip = example.com\n", 11, "vip given twice" },
	{ GOOD_NODE "[group web]\nid = 7\nvip = a.b\n", 6, "vip: \"a.b\" is not a numeric" },
	{ GOOD_NODE "[group w!b]\n", 4, "bad group name \"w!b\"" },
	{ GOOD_NODE GOOD_GROUP GOOD_GROUP, 11, "[group web] given twice (first on line 4)" },
	{ GOOD_NODE GOOD_GROUP "[service web 0]\n", 11, "the port must be 1..65535" },
	{ GOOD_NODE "[service web 80]\n" GOOD_GROUP, 4, "no [group web] before it" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\n[service web 80]\n", 12, "[service web 80] given twice (first on line 11)" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\ncheck = ping\n", 12, "check: expected \"tcp\"" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\ncheck = http health\n", 12, "check: expected \"http [/PATH [STATUS]]\"" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\ncheck = http / 99\n", 12, "a status 100..599" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\ncheck = exec\n", 12, "check: expected" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\nrise = 0\n", 12, "rise: \"0\" out of range" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\ninterval = 1s\ntimeout = 2s\n", 11, "timeout longer than interval" },
	{ GOOD_NODE GOOD_GROUP "[service web 80]\nmax-lag-bytes = 100\n", 12, "expected 0 or bytes 4096..1073741824" },
	{ GOOD_NODE "[group web]\nid = 7\nkey = KEY\nmember = 2 10.1.0.2\n", 4, "[group web]: missing vip" },
	{ GOOD_NODE "[group web]\nvip = 10.0.0.1\nkey = KEY\nmember = 2 10.1.0.2\n", 4, "[group web]: missing id" },
	{ GOOD_NODE "[group web]\nid = 1\nvip = 10.0.0.1\nmember = 2 10.1.0.2\n", 4, "missing key" },
	{ GOOD_NODE "[group web]\nid = 1\nvip = 10.0.0.1\nkey = /nonexistent/k\nmember = 2 10.1.0.2\n", 4, "cannot read the key file /nonexistent/k: No such file" },
	{ GOOD_NODE "[group web]\nid = 1\nvip = 10.0.0.1\nkey = KEY\n", 4, "[group web]: no member" },
	{ GOOD_NODE "[group web]\nid = 1\nvip = 10.0.0.1\nkey = KEY\nmember = 1 10.1.0.1\n", 4, "this node (id 2) is not one of its members" },
	{ GOOD_NODE GOOD_GROUP "agree-port = 7400\n", 4, "agree-port must differ from port" },
	{ GOOD_NODE "[group web]\nid = 1\nvip = 2001:db8::1\nkey = KEY\nmember = 2 10.1.0.2\n", 4, "[group web]: vip: IPv6 is not supported yet" },
	{ GOOD_NODE GOOD_GROUP "heartbeat = 50ms\nlease = 40ms\n", 4, "lease (less drift) must exceed the heartbeat interval" },
	{ GOOD_NODE GOOD_GROUP "[group db]\nid = 7\nvip = 10.0.0.100\nkey = KEY\nmember = 2 10.1.0.2\n", 11, "id 7 already used by [group web] (line 4)" },
	{ "[group web]\n", 0, "no [node] section" },
	{ "[node]\nstate-dir = /tmp\n" GOOD_GROUP, 1, "[node]: missing id" },
	{ GOOD_NODE, 0, "no [group NAME] section" },
};

TEST(malformed)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct td_config cfg;
		struct errs e;
		int ret = load(c->file, &cfg, &e);

		TH_LOG("case %u: %s", i, e.text);
		ASSERT_EQ(-EINVAL, ret);
		ASSERT_LE(1, e.n);
		ASSERT_EQ(c->line, err_line(&e));
		ASSERT_NE(NULL, strstr(e.text, c->text));
		ASSERT_EQ(0, cfg.n_groups);
	}
}

TEST(long_line)
{
	char text[4096];
	struct td_config cfg;
	struct errs e;

	snprintf(text, sizeof(text), GOOD_NODE "notify = /%0*d\n" GOOD_GROUP,
		 1000, 0);
	ASSERT_EQ(-EINVAL, load(text, &cfg, &e));
	ASSERT_EQ(4, err_line(&e));
	ASSERT_NE(NULL, strstr(e.text, "line longer than"));
}

TEST(every_error_reported)
{
	struct td_config cfg;
	struct errs e;

	ASSERT_EQ(-EINVAL, load("[node]\nid = x\nfoo = 1\n" GOOD_GROUP
				"miss = 0\n", &cfg, &e));
	ASSERT_EQ(3, e.n);
	ASSERT_NE(NULL, strstr(e.text, ":2: id"));
	ASSERT_NE(NULL, strstr(e.text, ":3: unknown key"));
	ASSERT_NE(NULL, strstr(e.text, ":11: miss"));
}

/* tandemd -t and the daemon refuse a key file others may read. */
TEST(key_file_mode)
{
	struct td_config cfg;
	struct errs e;

	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP, &cfg, &e));
	config_free(&cfg);
	ASSERT_EQ(0, chmod(key_path, 0640));
	ASSERT_EQ(-EINVAL, load(GOOD_NODE GOOD_GROUP, &cfg, &e));
	TH_LOG("%s", e.text);
	ASSERT_EQ(1, e.n);
	ASSERT_NE(NULL, strstr(e.text, "is readable by its group (mode 0640): chmod 600"));
	ASSERT_EQ(0, chmod(key_path, 0604));
	ASSERT_EQ(-EINVAL, load(GOOD_NODE GOOD_GROUP, &cfg, &e));
	ASSERT_NE(NULL, strstr(e.text, "is readable by others (mode 0604)"));
	ASSERT_EQ(0, chmod(key_path, 0600));
	ASSERT_EQ(0, load(GOOD_NODE GOOD_GROUP, &cfg, &e));
	config_free(&cfg);
}

TEST(missing_file)
{
	struct td_config cfg;
	struct errs e = { 0 };

	ASSERT_EQ(-ENOENT, config_load("/nonexistent/tandemd.conf", &cfg,
				       collect, &e));
	ASSERT_NE(NULL, strstr(e.text, "/nonexistent/tandemd.conf: cannot open the configuration: No such file"));
	unlink(key_path);
}

TEST_HARNESS_MAIN
