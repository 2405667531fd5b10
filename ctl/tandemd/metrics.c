// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics in the Prometheus text exposition format (version 0.0.4),
 * written every metrics-interval to metrics-file for node_exporter's
 * textfile collector: written to FILE.tmp, then renamed over FILE, so the
 * collector never reads half a file (it ignores names not ending in
 * .prom). docs/tandemd.md, "Metrics", says why a file rather than a port.
 *
 * Every family is written whole (HELP, TYPE, then its samples for every
 * group) before the next; label values are escaped; counters end in
 * _total; durations are in seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "request.h"
#include "tandemd.h"

/* Groups whose connections are counted (the others' are left out). */
#define TD_METRICS_GROUPS 256

/* What the kernel says of one group (NULL: no kernel group, or no reply). */
struct kview {
	struct json_object *group, *members, *stats, *conns;
};

static const char *const demote_causes[] = {
	[TD_DEMOTE_KERNEL] = "kernel_refused",
	[AGREE_FENCE_LAPSED] = "lease_lapsed",
	[AGREE_FENCE_STEP_DOWN] = "step_down",
	[AGREE_FENCE_SWITCHOVER] = "switchover",
	[AGREE_FENCE_SUPERSEDED] = "superseded",
};

_Static_assert(sizeof(demote_causes) / sizeof(demote_causes[0]) == TD_DEMOTE_CAUSES,
	       "a name for every cause of td_grp.demotions");

static struct json_object *kquery(struct td_daemon *d, const struct td_group *g,
				  enum tandem_obj obj, uint8_t cmd, bool dump)
{
	struct json_object *out = json_object_new_array();
	struct tandem_req req;

	if (!out)
		return NULL;
	req_init(&req, obj, cmd);
	memcpy(req.name, g->name, sizeof(req.name));
	req.present |= 1ULL << TANDEM_A_GROUP_NAME;
	req.dump = dump;
	if (req_exec(&d->nl, &req, out)) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

static struct json_object *first(struct json_object *list)
{
	return list && json_object_array_length(list) ?
	       json_object_array_get_idx(list, 0) : NULL;
}

static void kview_read(struct td_daemon *d, const struct td_grp *g,
		       struct kview *k)
{
	memset(k, 0, sizeof(*k));
	if (g->witness)
		return;
	k->group = kquery(d, g->cfg, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_GET, false);
	k->members = kquery(d, g->cfg, TANDEM_OBJ_MEMBER, TANDEM_CMD_MEMBER_GET, true);
	k->stats = kquery(d, g->cfg, TANDEM_OBJ_STATS, TANDEM_CMD_STATS_GET, false);
	k->conns = kquery(d, g->cfg, TANDEM_OBJ_CONN, TANDEM_CMD_CONN_GET, true);
}

static void kview_free(struct kview *k)
{
	json_object_put(k->group);
	json_object_put(k->members);
	json_object_put(k->stats);
	json_object_put(k->conns);
}

/* A label value: \, " and newline escaped. */
static void put_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{group="G"[,extra]} where extra is label="value" pairs, unescaped. */
static void sample_start(FILE *f, const char *name, const struct td_grp *g)
{
	fprintf(f, "%s{group=\"", name);
	put_label(f, g->cfg->name);
	fputc('"', f);
}

static void sample_u64(FILE *f, const char *name, const struct td_grp *g,
		       uint64_t v)
{
	sample_start(f, name, g);
	fprintf(f, "} %" PRIu64 "\n", v);
}

static void sample_sec(FILE *f, const char *name, const struct td_grp *g,
		       const char *label, const char *value, double s)
{
	sample_start(f, name, g);
	if (label) {
		fprintf(f, ",%s=\"", label);
		put_label(f, value);
		fputc('"', f);
	}
	fprintf(f, "} %.3f\n", s);
}

static uint64_t jnum(struct json_object *o, const char *key, bool *found)
{
	struct json_object *v;

	*found = o && json_object_object_get_ex(o, key, &v);
	return *found ? json_object_get_uint64(v) : 0;
}

/* A counter of struct td_grp, at off: one family. */
#define GRP_U64(field)							\
	(offsetof(struct td_grp, field) +				\
	 0 * sizeof(char[__builtin_types_compatible_p(			\
		__typeof__(((struct td_grp *)0)->field), uint64_t) ? 1 : -1]))

struct grp_counter {
	const char *name, *help;
	size_t off;
};

static const struct grp_counter promotions = {
	"tandem_promotions_total",
	"Times this node became primary since tandemd started.",
	GRP_U64(promotions),
};

static const struct grp_counter agreement_counters[] = {
	{ "tandem_agreement_rx_dropped_total",
	  "Agreement datagrams dropped: not of the group, from no member, or failing authentication.",
	  GRP_U64(rx_bad) },
	{ "tandem_agreement_rx_auth_failed_total",
	  "Of the dropped agreement datagrams: from a member's node id, failing authentication (wrong key, or altered).",
	  GRP_U64(rx_auth) },
	{ "tandem_agreement_rx_replayed_total",
	  "Agreement datagrams dropped as older than the replay window.",
	  GRP_U64(rx_replay) },
	{ "tandem_agreement_rx_alt_key_total",
	  "Agreement datagrams authenticated under the other key of the current key rotation.",
	  GRP_U64(rot.rx_alt) },
};

static void write_counters(FILE *f, struct td_grp **grps, unsigned int n,
			   const struct grp_counter *c, size_t n_counters)
{
	const uint64_t *v;
	unsigned int i;
	size_t j;

	for (j = 0; j < n_counters; j++) {
		family(f, c[j].name, "counter", c[j].help);
		for (i = 0; i < n; i++) {
			v = (const uint64_t *)((const char *)grps[i] + c[j].off);
			sample_u64(f, c[j].name, grps[i], *v);
		}
	}
}

static void write_roles(FILE *f, struct td_grp **grps, unsigned int n)
{
	static const enum td_role roles[] = {
		TD_ROLE_NONE, TD_ROLE_FENCED, TD_ROLE_BACKUP, TD_ROLE_PRIMARY,
	};
	unsigned int i, r;

	family(f, "tandem_role", "gauge",
	       "1 for this node's role in the group (as applied to the kernel; none: a witness or not yet applied), 0 for the others.");
	for (i = 0; i < n; i++)
		for (r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
			sample_start(f, "tandem_role", grps[i]);
			fprintf(f, ",role=\"%s\"} %d\n", td_role_name(roles[r]),
				grps[i]->role == roles[r]);
		}
}

static void write_epochs(FILE *f, struct td_grp **grps, unsigned int n)
{
	unsigned int i;

	family(f, "tandem_epoch", "gauge",
	       "The agreement's epoch (BALLOT << 32 | NODE).");
	for (i = 0; i < n; i++)
		sample_u64(f, "tandem_epoch", grps[i], agree_epoch(&grps[i]->node));
	family(f, "tandem_epoch_ballot", "gauge",
	       "The ballot of the agreement's epoch (BALLOT.NODE).");
	for (i = 0; i < n; i++)
		sample_u64(f, "tandem_epoch_ballot", grps[i],
			   AGREE_EPOCH_ROUND(agree_epoch(&grps[i]->node)));
	family(f, "tandem_epoch_node", "gauge",
	       "The node that opened the agreement's epoch (BALLOT.NODE).");
	for (i = 0; i < n; i++)
		sample_u64(f, "tandem_epoch_node", grps[i],
			   AGREE_EPOCH_NODE(agree_epoch(&grps[i]->node)));
}

static void write_leases(FILE *f, struct td_grp **grps, unsigned int n,
			 int64_t now)
{
	unsigned int i;
	int64_t left;

	family(f, "tandem_lease_remaining_seconds", "gauge",
	       "How long this node's lease as primary still runs (the agreement's); 0 if it is not primary.");
	for (i = 0; i < n; i++) {
		left = 0;
		if (agree_role(&grps[i]->node) == AGREE_ROLE_PRIMARY)
			left = agree_lease_expiry(&grps[i]->node) - now;
		sample_sec(f, "tandem_lease_remaining_seconds", grps[i], NULL,
			   NULL, left > 0 ? (double)left / NS_PER_S : 0);
	}
}

static void write_heard(FILE *f, struct td_grp **grps, struct kview *k,
			unsigned int n, int64_t now)
{
	unsigned int i, j, link;
	char id[16];
	bool found;

	family(f, "tandem_member_last_heard_seconds", "gauge",
	       "Since the kernel last accepted a replication datagram from the member (absent: never).");
	for (i = 0; i < n; i++) {
		size_t len = k[i].members ? json_object_array_length(k[i].members) : 0;

		for (j = 0; j < len; j++) {
			struct json_object *m = json_object_array_get_idx(k[i].members, j);
			uint64_t ms = jnum(m, "last_heard_ms", &found);

			if (!found)
				continue;
			snprintf(id, sizeof(id), "%" PRIu64, jnum(m, "node_id", &found));
			sample_sec(f, "tandem_member_last_heard_seconds", grps[i],
				   "member", id, ms / 1000.0);
		}
	}
	family(f, "tandem_agreement_last_heard_seconds", "gauge",
	       "Since tandemd last authenticated an agreement datagram from the member, per link (absent: never).");
	for (i = 0; i < n; i++)
		for (j = 0; j < grps[i]->cfg->n_members; j++)
			for (link = 0; link < 2; link++) {
				int64_t t = grps[i]->heard[j][link];

				if (!t)
					continue;
				sample_start(f, "tandem_agreement_last_heard_seconds",
					     grps[i]);
				fprintf(f, ",member=\"%u\",link=\"%u\"} %.3f\n",
					grps[i]->cfg->member[j].id, link + 1,
					(double)(now - t) / NS_PER_S);
			}
}

static void write_role_changes(FILE *f, struct td_grp **grps, unsigned int n)
{
	unsigned int i, c;

	write_counters(f, grps, n, &promotions, 1);
	family(f, "tandem_demotions_total", "counter",
	       "Times this node stopped being primary since tandemd started, by cause.");
	for (i = 0; i < n; i++)
		for (c = 0; c < TD_DEMOTE_CAUSES; c++) {
			if (!demote_causes[c])
				continue;
			sample_start(f, "tandem_demotions_total", grps[i]);
			fprintf(f, ",cause=\"%s\"} %" PRIu64 "\n", demote_causes[c],
				grps[i]->demotions[c]);
		}
}

static void write_conns(FILE *f, struct td_grp **grps, struct kview *k,
			unsigned int n)
{
	uint64_t prot[TD_METRICS_GROUPS], unprot[TD_METRICS_GROUPS];
	uint64_t lag[TD_METRICS_GROUPS];
	unsigned int i;
	size_t j, p;

	if (n > TD_METRICS_GROUPS)
		n = TD_METRICS_GROUPS;
	for (i = 0; i < n; i++) {
		size_t len = k[i].conns ? json_object_array_length(k[i].conns) : 0;

		prot[i] = unprot[i] = lag[i] = 0;
		for (j = 0; j < len; j++) {
			struct json_object *c = json_object_array_get_idx(k[i].conns, j);
			struct json_object *flags = NULL, *peers = NULL;
			bool un = false, found;

			json_object_object_get_ex(c, "flags", &flags);
			for (p = 0; flags && p < json_object_array_length(flags); p++)
				un |= !strcmp(json_object_get_string(
					json_object_array_get_idx(flags, p)), "unprotected");
			un ? unprot[i]++ : prot[i]++;
			json_object_object_get_ex(c, "peers", &peers);
			for (p = 0; peers && p < json_object_array_length(peers); p++) {
				uint64_t l = jnum(json_object_array_get_idx(peers, p),
						  "lag_bytes", &found);

				if (l > lag[i])
					lag[i] = l;
			}
		}
	}
	family(f, "tandem_connections", "gauge",
	       "Connections of the group in this node's kernel: protected (this node can take them over, or the backups can) or not.");
	for (i = 0; i < n; i++) {
		sample_start(f, "tandem_connections", grps[i]);
		fprintf(f, ",state=\"protected\"} %" PRIu64 "\n", prot[i]);
		sample_start(f, "tandem_connections", grps[i]);
		fprintf(f, ",state=\"unprotected\"} %" PRIu64 "\n", unprot[i]);
	}
	family(f, "tandem_lag_bytes", "gauge",
	       "The largest lag of a peer on a connection: client bytes this node received that the peer has not confirmed.");
	for (i = 0; i < n; i++)
		sample_u64(f, "tandem_lag_bytes", grps[i], lag[i]);
}

/* Each kernel counter as tandem_kernel_NAME_total, names from the first group. */
static void write_kernel_counters(FILE *f, struct td_grp **grps,
				  struct kview *k, unsigned int n)
{
	struct json_object *names = NULL, *c;
	char metric[96];
	unsigned int i;
	bool found;

	for (i = 0; i < n && !names; i++)
		json_object_object_get_ex(first(k[i].stats), "counters", &names);
	if (!names)
		return;
	json_object_object_foreach(names, name, v) {
		(void)v;
		snprintf(metric, sizeof(metric), "tandem_kernel_%s_total", name);
		fprintf(f, "# HELP %s The group's kernel counter %s (enum tandem_stat, include/uapi/linux/tandem.h).\n# TYPE %s counter\n",
			metric, name, metric);
		for (i = 0; i < n; i++) {
			c = NULL;
			json_object_object_get_ex(first(k[i].stats), "counters", &c);
			if (c)
				sample_u64(f, metric, grps[i], jnum(c, name, &found));
		}
	}
}

static void write_agreement(FILE *f, struct td_grp **grps, struct kview *k,
			    unsigned int n)
{
	unsigned int i;
	uint64_t ms;
	bool found;

	write_counters(f, grps, n, agreement_counters,
		       sizeof(agreement_counters) / sizeof(agreement_counters[0]));
	family(f, "tandem_key_alt_remaining_seconds", "gauge",
	       "How long the kernel still accepts the alternate key of a key rotation; 0: none.");
	for (i = 0; i < n; i++) {
		ms = jnum(first(k[i].group), "key_alt_remaining_ms", &found);
		sample_sec(f, "tandem_key_alt_remaining_seconds", grps[i], NULL,
			   NULL, ms / 1000.0);
	}
}

/* The whole exposition of d's groups to f. */
static void metrics_format(FILE *f, struct td_daemon *d, struct kview *k)
{
	int64_t now = td_now();

	family(f, "tandem_up", "gauge", "1: tandemd runs and wrote this file.");
	fputs("tandem_up 1\n", f);
	write_roles(f, d->grps, d->n_grps);
	write_epochs(f, d->grps, d->n_grps);
	write_leases(f, d->grps, d->n_grps, now);
	write_heard(f, d->grps, k, d->n_grps, now);
	write_role_changes(f, d->grps, d->n_grps);
	write_conns(f, d->grps, k, d->n_grps);
	write_agreement(f, d->grps, k, d->n_grps);
	write_kernel_counters(f, d->grps, k, d->n_grps);
}

static int write_file(struct td_daemon *d, const char *path)
{
	char tmp[TD_PATH_MAX + 8];
	struct kview *k;
	unsigned int i;
	int fd, ret = 0;
	FILE *f;

	k = calloc(d->n_grps ?: 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < d->n_grps; i++)
		kview_read(d, d->grps[i], &k[i]);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
	} else {
		metrics_format(f, d, k);
		if (ferror(f))
			ret = -EIO;
		if (fclose(f) && !ret)
			ret = -errno;
		if (!ret && rename(tmp, path))
			ret = -errno;
		if (ret)
			unlink(tmp);
	}
	for (i = 0; i < d->n_grps; i++)
		kview_free(&k[i]);
	free(k);
	return ret;
}

static int64_t next_write;

int64_t metrics_deadline(const struct td_daemon *d)
{
	return d->cfg.metrics_file[0] ? next_write : AGREE_NEVER;
}

void metrics_timers(struct td_daemon *d, int64_t now)
{
	static int last_err;
	int ret;

	if (!d->cfg.metrics_file[0] || now < next_write)
		return;
	next_write = now + d->cfg.metrics_interval;
	ret = write_file(d, d->cfg.metrics_file);
	if (ret && ret != last_err)
		td_err("cannot write the metrics to %s: %s", d->cfg.metrics_file,
		       strerror(-ret));
	last_err = ret;
}
