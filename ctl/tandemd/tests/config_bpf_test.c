// SPDX-License-Identifier: GPL-2.0
/* tandemd's configuration of the data path: datapath and the bpf keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Load, as node ID, NODE_EXTRA + the group + GROUP_EXTRA; the errors in e. */
static int load_as(unsigned int id, const char *node_extra, const char *vip,
		   const char *group_extra, struct td_config *cfg,
		   struct errs *e)
{
	char conf[] = "/tmp/tandemd-conf.XXXXXX", key[] = "/tmp/tandemd-key.XXXXXX";
	int fc = mkstemp(conf), fk = mkstemp(key), ret;
	FILE *f;

	if (fc < 0 || fk < 0)
		abort();
	close(fk);
	f = fopen(key, "w");
	fputs("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", f);
	fclose(f);
	f = fdopen(fc, "w");
	fprintf(f, "[node]\nid = %u\nstate-dir = /tmp\n%s\n"
		"[group web]\nid = 7\nvip = %s\nkey = %s\n"
		"member = 1 10.1.0.1\nmember = 2 10.1.0.2\n"
		"member = 3 10.1.0.3 witness\n%s",
		id, node_extra, vip, key, group_extra);
	fclose(f);
	memset(e, 0, sizeof(*e));
	ret = config_load(conf, cfg, collect, e);
	unlink(conf);
	unlink(key);
	return ret;
}

/* The same as node 2, a data node. */
static int load(const char *node_extra, const char *vip,
		const char *group_extra, struct td_config *cfg, struct errs *e)
{
	return load_as(2, node_extra, vip, group_extra, cfg, e);
}

#define BPF_NODE "datapath = bpf\nbpf-pin-dir = /sys/fs/bpf/t\n" \
		 "insecure-transport-for-tests = yes\n"
#define BPF_GROUP "bpf-client-dev = eth0\nbpf-client-dev = eth1\n" \
		  "bpf-repl-dev = 1 wg1\n"

TEST(bpf_node)
{
	struct td_config cfg;
	struct errs e;

	ASSERT_EQ(0, load(BPF_NODE, "10.0.0.100", BPF_GROUP, &cfg, &e));
	TH_LOG("%s", e.text);
	ASSERT_EQ(TD_DATAPATH_BPF, cfg.datapath);
	ASSERT_STREQ("/sys/fs/bpf/t", cfg.bpf_pin_dir);
	ASSERT_TRUE(cfg.insecure_transport);
	ASSERT_EQ(2, cfg.group[0].bpf.n_client);
	ASSERT_STREQ("eth1", cfg.group[0].bpf.client_dev[1]);
	ASSERT_EQ(1, cfg.group[0].bpf.n_repl);
	ASSERT_EQ(1, cfg.group[0].bpf.repl[0].id);
	ASSERT_STREQ("wg1", cfg.group[0].bpf.repl[0].dev);
	config_free(&cfg);
}

/* tandemd's WireGuard devices (bpf-wireguard) beside an operator's. */
TEST(bpf_wireguard)
{
	struct td_config cfg;
	struct errs e;
	const struct td_bpf_group *b;

	ASSERT_EQ(0, load("datapath = bpf\n", "10.0.0.100",
			  "member = 4 10.1.0.4\nbpf-client-dev = eth0\n"
			  "bpf-wireguard = 1 wgt1 51821\nbpf-repl-dev = 4 w4\n",
			  &cfg, &e));
	TH_LOG("%s", e.text);
	b = &cfg.group[0].bpf;
	ASSERT_EQ(2, b->n_repl);
	ASSERT_EQ(1, b->repl[0].id);
	ASSERT_STREQ("wgt1", b->repl[0].dev);
	ASSERT_EQ(51821, b->repl[0].wg_port);
	ASSERT_EQ(4, b->repl[1].id);
	ASSERT_STREQ("w4", b->repl[1].dev);
	ASSERT_EQ(0, b->repl[1].wg_port);
	config_free(&cfg);
	/* every other data member needs one or the other */
	ASSERT_EQ(0, load("datapath = bpf\n", "10.0.0.100",
			  "bpf-client-dev = eth0\nbpf-wireguard = 1 w0 51820\n",
			  &cfg, &e));
	config_free(&cfg);
}

TEST(defaults)
{
	struct td_config cfg;
	struct errs e;

	ASSERT_EQ(0, load("", "10.0.0.100", "", &cfg, &e));
	ASSERT_EQ(TD_DATAPATH_AUTO, cfg.datapath);
	ASSERT_FALSE(cfg.insecure_transport);
	config_free(&cfg);
	ASSERT_EQ(0, load("datapath = kmod\n", "10.0.0.100", "", &cfg, &e));
	ASSERT_EQ(TD_DATAPATH_KMOD, cfg.datapath);
	config_free(&cfg);
	ASSERT_EQ(0, load("datapath = auto\n", "10.0.0.100", BPF_GROUP, &cfg, &e));
	ASSERT_EQ(TD_DATAPATH_AUTO, cfg.datapath);
	config_free(&cfg);
}

struct bad_case {
	const char *node, *vip, *group;
	unsigned int line;	/* of the first error */
	const char *text;
};

/* Lines: 1 [node], 2 id, 3 state-dir, 4.. node extra, an empty line, then
 * [group web] and its 7 lines: a group extra line is 12 without node extra. */
static const struct bad_case bad_cases[] = {
	{ "datapath = ebpf\n", "10.0.0.100", "", 4,
	  "datapath: \"ebpf\" unknown: expected kmod, bpf or auto" },
	{ "datapath = bpf\n", "10.0.0.100", "bpf-repl-dev = 1 wg1\n", 6,
	  "datapath bpf needs bpf-client-dev" },
	{ "datapath = bpf\n", "10.0.0.100", "bpf-client-dev = eth0\n", 6,
	  "needs bpf-repl-dev 1 DEVICE or bpf-wireguard 1 DEVICE PORT (the replication device to member 1)" },
	{ "datapath = bpf\n", "fd00::100", BPF_GROUP, 6, "IPv4 VIPs only" },
	{ "", "10.0.0.100", "bpf-repl-dev = 3 wg3\n", 12,
	  "bpf-repl-dev: 3 is not another member with a data path" },
	{ "", "10.0.0.100", "bpf-repl-dev = 2 wg2\n", 12,
	  "bpf-repl-dev: 2 is not another member" },
	{ "", "10.0.0.100", "bpf-repl-dev = 1 wg1\nbpf-repl-dev = 1 wg9\n", 13,
	  "bpf-repl-dev: member 1 given twice" },
	{ "", "10.0.0.100", "bpf-repl-dev = wg1\n", 12,
	  "bpf-repl-dev: expected \"ID DEVICE\"" },
	{ "", "10.0.0.100", "bpf-client-dev = averyveryverylongname\n", 12,
	  "bpf-client-dev: \"averyveryverylongname\" is not a device name" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1\n", 12,
	  "bpf-wireguard: expected \"ID DEVICE PORT\"" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1 51820 9\n", 12,
	  "bpf-wireguard: expected \"ID DEVICE PORT\"" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1 0\n", 12,
	  "bpf-wireguard: port \"0\" is not 1..65535" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1 65536\n", 12,
	  "bpf-wireguard: port \"65536\" is not 1..65535" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1 -5\n", 12,
	  "bpf-wireguard: port \"-5\" is not 1..65535" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1 518x\n", 12,
	  "bpf-wireguard: port \"518x\" is not 1..65535" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg/1 51820\n", 12,
	  "bpf-wireguard: \"1 wg/1 51820\" is not a member id and a device name and a port" },
	{ "", "10.0.0.100", "bpf-wireguard = 3 wg3 51820\n", 12,
	  "bpf-wireguard: 3 is not another member with a data path" },
	{ "", "10.0.0.100", "bpf-wireguard = 1 wg1 51820\nbpf-repl-dev = 1 w0\n", 13,
	  "bpf-repl-dev: member 1 given twice (line 12)" },
	{ "", "10.0.0.100",
	  "member = 4 10.1.0.4\nbpf-wireguard = 1 wg1 51820\nbpf-wireguard = 4 wg1 51821\n",
	  14, "bpf-wireguard: device wg1 given for members 1 and 4: a WireGuard device has one peer" },
	{ "", "10.0.0.100",
	  "member = 4 10.1.0.4\nbpf-repl-dev = 1 wg1\nbpf-wireguard = 4 wg1 51821\n",
	  14, "bpf-wireguard: device wg1 given for members 1 and 4" },
	{ "", "10.0.0.100",
	  "member = 4 10.1.0.4\nbpf-wireguard = 1 wg1 51820\nbpf-wireguard = 4 wg4 51820\n",
	  14, "bpf-wireguard: port 51820 given for members 1 and 4: one per pair" },
	{ "insecure-transport-for-tests = maybe\n", "10.0.0.100", "", 4,
	  "insecure-transport-for-tests: \"maybe\" malformed" },
};

static unsigned int err_line(const struct errs *e)
{
	const char *p = strchr(e->text, ':');

	return p ? (unsigned int)atoi(p + 1) : 0;
}

TEST(bad)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct td_config cfg;
		struct errs e;

		TH_LOG("case %u", i);
		ASSERT_EQ(-EINVAL, load(c->node, c->vip, c->group, &cfg, &e));
		TH_LOG("%s", e.text);
		ASSERT_EQ(c->line, err_line(&e));
		ASSERT_NE(NULL, strstr(e.text, c->text));
	}
}

/* A witness has no data path: no devices needed. */
TEST(witness)
{
	struct td_config cfg;
	struct errs e;

	EXPECT_EQ(0, load_as(3, "datapath = bpf\n", "10.0.0.100", "", &cfg, &e));
	TH_LOG("%s", e.text);
	config_free(&cfg);
}

TEST_HARNESS_MAIN
