// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios aimed at the edges: lease arithmetic under worst-case clocks,
 * the checker's own sensitivity, configuration and wire encoding.
 */
#include <errno.h>
#include <string.h>

#include "scenario_lib.h"
#include "wire.h"

int sc_config(struct sim *s, uint64_t seed, FILE *tr)
{
	struct agree_config c, bad;
	struct agree_node n;
	char err[128];

	(void)seed;
	(void)tr;
	memset(&c, 0, sizeof(c));
	agree_config_defaults(&c);
	c.n_members = 3;
	c.member[0].id = 7;
	c.member[1].id = 9;
	c.member[2].id = 11;
	c.member[2].witness = true;
	c.self_id = 9;
	CHECK(s, !agree_config_check(&c, err, sizeof(err)), "valid: %s", err);
	CHECK(s, !agree_init(&n, &c, NULL, 0), "agree_init refused");
#define REFUSE(change, what)						\
	do {								\
		bad = c;						\
		change;							\
		CHECK(s, agree_config_check(&bad, err, sizeof(err)) ==	\
		      -EINVAL && agree_init(&n, &bad, NULL, 0) == -EINVAL,\
		      "accepted: %s", what);				\
	} while (0)
	REFUSE(bad.n_members = 0, "no members");
	REFUSE(bad.n_members = AGREE_MAX_MEMBERS + 1, "too many members");
	REFUSE(bad.member[1].id = 7, "duplicate id");
	REFUSE(bad.member[0].id = 0, "id 0");
	REFUSE(bad.self_id = 8, "self not a member");
	REFUSE((bad.member[0].witness = true, bad.member[1].witness = true),
	       "only witnesses");
	REFUSE(bad.lease = bad.hb_interval, "lease no longer than heartbeat");
	REFUSE(bad.miss_count = 0, "miss count 0");
	REFUSE(bad.drift_ppm = 100001, "drift 10%");
	REFUSE(bad.backoff = 0, "no backoff");
	REFUSE(bad.margin = -1, "negative margin");
#undef REFUSE
	CHECK(s, AGREE_EPOCH(3, 9) == (3ULL << 32 | 9) &&
	      AGREE_EPOCH_ROUND(AGREE_EPOCH(3, 9)) == 3 &&
	      AGREE_EPOCH_NODE(AGREE_EPOCH(3, 9)) == 9, "epoch encoding");
	return 0;
}

/*
 * A member restarted right after granting a lease must grant nothing else
 * until that lease is over, although it forgot the grant. Worst case on
 * purpose: drift bound 5%, no margin, the primary's clock slow, the
 * others' fast, the restarted member needed by both majorities.
 */
int sc_restart_quiet(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int i, b, c;
	int64_t e0;
	int p, q;

	SETUP(s, seed, tr, .n = 3, .no_margin = true, .drift_ppm = 50000,
	      .delay = 100 * US);
	p = await_primary(s, 200 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	for (i = 0; i < 3; i++)
		sim_set_rate(s, i, (int)i == p ? -50000000 : 50000000);
	b = (p + 1) % 3;
	c = (p + 2) % 3;
	sim_set_conns(s, c, 10);	/* c is the best candidate */
	sim_link(s, p, c, false);
	sim_link(s, c, p, false);
	run(s, 60 * MS + (int64_t)(seed * 1237 % 10000) * US);
	e0 = s->node[b].a.grant.expiry;
	while (!s->failed && s->node[b].a.grant.expiry == e0)
		run(s, US);
	sim_restart(s, b, false);	/* its ack to the primary is on its way */
	q = await_primary(s, BOUND, p);
	CHECK(s, q == (int)c, "primary n%d, expected n%u", q + 1, c + 1);
	snprintf(note, sizeof(note),
		 "old lease end to new primary %.3f ms",
		 (s->node[q].p_start - s->node[p].p_end) / 1e6);
	return 0;
}

/*
 * A new primary's lease counts from its PREPARE, not from its win: with the
 * promises slow to come back and the winner cut off at once, the members
 * elect again as soon as the grants they made with their promises run out.
 */
int sc_lease_start(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int j;
	int p, q;

	SETUP(s, seed, tr, .n = 5);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	sim_set_conns(s, 2, 100);		/* n3 ranks first later */
	run(s, 50 * MS);
	for (j = 2; j < 5; j++) {
		sim_link_delay(s, j, 1, 8 * MS);	/* replies to n2 */
		sim_set_health(s, j, false);		/* only n2 stands */
	}
	sim_crash(s, 0);
	while (!s->failed && s->node[1].a.phase != AGREE_PHASE_PREPARE &&
	       s->now < 1000 * MS)
		run(s, 10 * US);
	run(s, 1 * MS);			/* PREPARE delivered, promises slow */
	for (j = 0; j < 5; j++)		/* no heartbeat of n2 gets out */
		sim_link(s, 1, j, false);
	while (!s->failed && !sim_is_primary(s, 1) && s->now < 1000 * MS)
		run(s, 10 * US);
	CHECK(s, sim_is_primary(s, 1), "n2 did not take over");
	sim_isolate(s, 1);
	sim_set_health(s, 2, true);
	q = await_primary(s, BOUND, 1);
	CHECK(s, q >= 2, "no primary after n2 was cut off");
	snprintf(note, sizeof(note), "old lease end to new primary %.3f ms",
		 (s->node[q].p_start - s->node[1].p_end) / 1e6);
	return 0;
}

/*
 * The checker itself: with clocks drifting 200 times past the bound the
 * core assumes, and no margin, cutting off the primary makes leases overlap
 * (the old primary's slow clock stretches its lease, the backups' fast
 * clocks shorten their grants), and the simulator must see it.
 */
static bool overlap_caught(struct sim *s, uint64_t seed, FILE *tr)
{
	struct setup u = { .n = 3, .no_margin = true, .clock_ppb = 200000000 };
	unsigned int i;
	bool caught;
	int p;

	if (setup(s, &u, seed, tr))
		return false;
	p = await_primary(s, 200 * MS, -1);
	if (p >= 0) {
		for (i = 0; i < 3; i++)
			sim_set_rate(s, i, (int)i == p ? -200000000 : 200000000);
		run(s, 100 * MS);
		sim_isolate(s, p);
		run(s, 300 * MS);
	}
	caught = s->failed && s->fail_prop == PROP_OVERLAP;
	sim_free(s);
	return caught;
}

int sc_drift_detect(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int k, caught = 0, runs = 20;

	for (k = 0; k < runs; k++)
		caught += overlap_caught(s, seed * 1000 + k, tr);
	memset(s, 0, sizeof(*s));
	snprintf(note, sizeof(note), "overlap caught in %u of %u runs",
		 caught, runs);
	CHECK(s, caught > 0, "no overlap caught in %u runs", runs);
	return 0;
}

static uint64_t wrand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random messages survive a round trip; damaged datagrams are refused. */
int sc_wire(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned char buf[AGREE_WIRE_MAX + 8], junk[AGREE_WIRE_MAX + 8];
	struct agree_msg m, d;
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL | 1;
	unsigned int k, i;
	int len, rc;

	(void)tr;
	memset(s, 0, sizeof(*s));
	for (k = 0; k < 100000; k++) {
		memset(&m, 0, sizeof(m));
		m.type = 1 + wrand(&x) % (__AGREE_MSG_MAX - 1);
		m.flags = wrand(&x);
		m.n_view = wrand(&x) % (AGREE_MAX_MEMBERS + 1);
		m.from = wrand(&x);
		m.to = wrand(&x);
		m.epoch = wrand(&x);
		m.promised = wrand(&x);
		m.stamp = (int64_t)wrand(&x);
		m.conns = wrand(&x);
		for (i = 0; i < m.n_view; i++) {
			m.view[i].id = wrand(&x);
			m.view[i].conns = wrand(&x);
			m.view[i].flags = wrand(&x);
		}
		len = agree_wire_encode(&m, buf, sizeof(buf));
		CHECK(s, len == AGREE_WIRE_HDR + m.n_view * AGREE_WIRE_ENTRY,
		      "encoded %d bytes", len);
		rc = agree_wire_decode(buf, len, &d);
		CHECK(s, !rc && !memcmp(&m, &d, sizeof(m)), "round trip %u", k);
		CHECK(s, agree_wire_decode(buf, len - 1, &d) == -EINVAL &&
		      agree_wire_decode(buf, len + 1, &d) == -EINVAL,
		      "wrong length accepted");
		CHECK(s, agree_wire_encode(&m, buf, len - 1) == -EMSGSIZE,
		      "short buffer accepted");
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = wrand(&x);
		rc = agree_wire_decode(junk, wrand(&x) % sizeof(junk), &d);
		CHECK(s, rc == 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT,
		      "junk gave %d", rc);
	}
	buf[0] = AGREE_WIRE_VERSION + 1;
	CHECK(s, agree_wire_decode(buf, AGREE_WIRE_HDR, &d) == -EPROTONOSUPPORT,
	      "other version accepted");
	return 0;
}
