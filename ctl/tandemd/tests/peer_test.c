// SPDX-License-Identifier: GPL-2.0
/*
 * tandemd's agreement datagrams: authentication (HMAC-SHA256-128 under a
 * key derived from the group key), the per-sender replay window (each seq
 * taken once: the second link's copies) across restarts, and the state
 * file that carries the incarnation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "tandemd.h"

static struct td_daemon daemon_;

static void make_group(struct td_group *cfg, uint32_t self, uint8_t key_byte)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "g");
	cfg->id = 7;
	cfg->n_members = 3;
	for (i = 0; i < 3; i++) {
		cfg->member[i].id = i + 1;
		parse_addr(i == 0 ? "127.0.0.1" : i == 1 ? "127.0.0.2" : "127.0.0.3",
			   &cfg->member[i].addr);
	}
	memset(cfg->key, key_byte, sizeof(cfg->key));
	cfg->agree.self_id = self;
}

static void make_grp(struct td_grp *g, const struct td_group *cfg,
		     uint64_t incarnation, const char *state)
{
	memset(g, 0, sizeof(*g));
	g->d = &daemon_;
	g->cfg = cfg;
	g->incarnation = incarnation;
	g->tx_seq = incarnation << 32;
	snprintf(g->state_path, sizeof(g->state_path), "%s", state);
	peer_derive_key(cfg->key, g->mac_key);
}

static struct agree_msg heartbeat(uint32_t from, uint64_t epoch)
{
	struct agree_msg m = { .type = AGREE_MSG_HEARTBEAT, .from = from,
			       .epoch = epoch, .stamp = 12345, .n_view = 1 };

	m.view[0].id = from;
	m.view[0].conns = 3;
	m.view[0].flags = AGREE_VIEW_ALIVE;
	return m;
}

FIXTURE(peer) {
	struct td_group cfg1, cfg2;
	struct td_grp a, b;
	char state[64];
};

FIXTURE_SETUP(peer)
{
	int fd;

	snprintf(self->state, sizeof(self->state), "/tmp/tandemd-peer.XXXXXX");
	fd = mkstemp(self->state);
	close(fd);
	make_group(&self->cfg1, 1, 0x42);
	make_group(&self->cfg2, 2, 0x42);
	make_grp(&self->a, &self->cfg1, 5, self->state);
	make_grp(&self->b, &self->cfg2, 9, self->state);
}

FIXTURE_TEARDOWN(peer)
{
	unlink(self->state);
}

TEST_F(peer, round_trip)
{
	struct agree_msg m = heartbeat(1, AGREE_EPOCH(3, 1)), got;
	uint8_t buf[PEER_MAX];
	int len = peer_seal(&self->a, &m, buf, sizeof(buf));

	ASSERT_EQ(20 + 40 + 9 + 16, len);
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	ASSERT_EQ(AGREE_MSG_HEARTBEAT, got.type);
	ASSERT_EQ(1, got.from);
	ASSERT_EQ(AGREE_EPOCH(3, 1), got.epoch);
	ASSERT_EQ(12345, got.stamp);
	ASSERT_EQ(1, got.n_view);
	ASSERT_EQ(3, got.view[0].conns);
}

TEST_F(peer, replay_and_reorder)
{
	struct agree_msg m = heartbeat(1, 1), got;
	uint8_t one[PEER_MAX], two[PEER_MAX];
	int l1 = peer_seal(&self->a, &m, one, sizeof(one));
	int l2 = peer_seal(&self->a, &m, two, sizeof(two));

	ASSERT_EQ(0, peer_unseal(&self->b, two, l2, &got));
	/* the copy of the second link, or a replay */
	ASSERT_EQ(-EEXIST, peer_unseal(&self->b, two, l2, &got));
	/* reordered within the window: taken once */
	ASSERT_EQ(0, peer_unseal(&self->b, one, l1, &got));
	ASSERT_EQ(-EEXIST, peer_unseal(&self->b, one, l1, &got));
	ASSERT_EQ(-EEXIST, peer_unseal(&self->b, two, l2, &got));
}

TEST_F(peer, window)
{
	struct agree_msg m = heartbeat(1, 1), got;
	uint8_t first[PEER_MAX], edge[PEER_MAX], buf[PEER_MAX];
	int lf, le = 0, len, i;

	lf = peer_seal(&self->a, &m, first, sizeof(first));
	for (i = 1; i <= PEER_WINDOW; i++) {
		len = peer_seal(&self->a, &m, buf, sizeof(buf));
		if (i == 1) {	/* PEER_WINDOW - 1 below the last: still in */
			memcpy(edge, buf, len);
			le = len;
		}
	}
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	/* PEER_WINDOW below the highest accepted: too old */
	ASSERT_EQ(-EALREADY, peer_unseal(&self->b, first, lf, &got));
	ASSERT_EQ(0, peer_unseal(&self->b, edge, le, &got));
	ASSERT_EQ(-EEXIST, peer_unseal(&self->b, edge, le, &got));
	/* a jump past the window forgets it: the edge is too old now */
	for (i = 0; i < PEER_WINDOW; i++)
		len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	ASSERT_EQ(-EALREADY, peer_unseal(&self->b, edge, le, &got));
}

TEST_F(peer, restart_is_not_a_replay)
{
	struct agree_msg m = heartbeat(1, 1), got;
	uint8_t buf[PEER_MAX];
	struct td_grp again;
	int len;

	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	/* a restart: the next incarnation starts its counter over */
	make_grp(&again, &self->cfg1, 6, self->state);
	len = peer_seal(&again, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	/* an old incarnation's datagram is stale */
	make_grp(&again, &self->cfg1, 5, self->state);
	again.tx_seq += 100;
	len = peer_seal(&again, &m, buf, sizeof(buf));
	ASSERT_EQ(-EALREADY, peer_unseal(&self->b, buf, len, &got));
}

TEST_F(peer, forged)
{
	struct agree_msg m = heartbeat(1, 1), got;
	uint8_t buf[PEER_MAX], bad[PEER_MAX];
	struct td_group other;
	struct td_grp o;
	int len, i;

	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	for (i = 0; i < len; i++) {
		memcpy(bad, buf, len);
		bad[i] ^= 0x01;
		ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, bad, len, &got));
	}
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len - 1, &got));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, 30, &got));
	/* another key */
	make_group(&other, 1, 0x43);
	make_grp(&o, &other, 5, self->state);
	len = peer_seal(&o, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	/* another group id */
	make_group(&other, 1, 0x42);
	other.id = 8;
	make_grp(&o, &other, 5, self->state);
	len = peer_seal(&o, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	/* a stranger's id, and our own */
	make_group(&other, 4, 0x42);
	make_grp(&o, &other, 5, self->state);
	len = peer_seal(&o, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	len = peer_seal(&self->b, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	/* an authentic datagram of node 1 speaking for node 3 */
	m.from = 3;
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	/* and the genuine one still passes */
	m.from = 1;
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
}

TEST_F(peer, counter_wrap_persists_a_new_incarnation)
{
	struct agree_msg m = heartbeat(1, 1), got;
	struct agree_persist p;
	uint8_t buf[PEER_MAX];
	uint64_t inc;
	int len;

	self->a.tx_seq = (5ULL << 32) | UINT32_MAX;
	self->a.persisted.promised = 77;
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_LT(0, len);
	ASSERT_EQ(6, self->a.incarnation);
	ASSERT_EQ(0, state_read(self->state, &p, &inc));
	ASSERT_EQ(6, inc);
	ASSERT_EQ(77, p.promised);
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
}

/*
 * Key rotation (rotate.c) on b, a witness (no kernel): accept under both
 * keys while sending under the old one, then send under the new one, then
 * refuse the old one.
 */
TEST_F(peer, key_rotation)
{
	struct td_group cfg_new = self->cfg2, cfg_a_new = self->cfg1;
	struct td_grp a_new, c;
	struct td_group cfg_c = self->cfg1;
	struct agree_msg m = heartbeat(1, AGREE_EPOCH(3, 1)), got;
	uint8_t buf[PEER_MAX];
	int64_t now;
	int len;

	memset(cfg_new.key, 0x43, sizeof(cfg_new.key));
	memset(cfg_a_new.key, 0x43, sizeof(cfg_a_new.key));
	memset(cfg_c.key, 0x44, sizeof(cfg_c.key));
	make_grp(&a_new, &cfg_a_new, 5, self->state);
	make_grp(&c, &cfg_c, 7, self->state);
	cfg_new.key_overlap = 3600LL * NS_PER_S;
	self->b.witness = true;
	rotate_begin(&self->b, &self->cfg2, &cfg_new);
	self->b.cfg = &cfg_new;
	ASSERT_EQ(TD_ROT_ACCEPT, self->b.rot.phase);
	ASSERT_EQ(0, memcmp(rotate_send_key(&self->b), self->cfg2.key, TANDEM_KEY_LEN));

	/* accept: the old key and the new one, not a third */
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	a_new.tx_seq = self->a.tx_seq;	/* node 1, reloaded */
	len = peer_seal(&a_new, &m, buf, sizeof(buf));
	self->a.tx_seq = a_new.tx_seq;
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	ASSERT_EQ(1, self->b.rot.rx_alt);
	len = peer_seal(&c, &m, buf, sizeof(buf));
	ASSERT_EQ(0, self->b.rx_auth);
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	ASSERT_EQ(1, self->b.rx_auth);	/* counted (and logged) as such */
	/* b still seals under the old key: a, not yet reloaded, takes it */
	m = heartbeat(2, AGREE_EPOCH(3, 1));
	len = peer_seal(&self->b, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->a, buf, len, &got));

	/* send: b seals under the new key, still opens the old one */
	now = self->b.rot.send_at;
	ASSERT_EQ(now, rotate_deadline(&self->b));
	rotate_tick(&self->b, now);
	ASSERT_EQ(TD_ROT_SEND, self->b.rot.phase);
	ASSERT_EQ(0, memcmp(rotate_send_key(&self->b), cfg_new.key, TANDEM_KEY_LEN));
	len = peer_seal(&self->b, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->a, buf, len, &got));
	ASSERT_EQ(0, peer_unseal(&a_new, buf, len, &got));
	m = heartbeat(1, AGREE_EPOCH(3, 1));
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
	ASSERT_EQ(2, self->b.rot.rx_alt);

	/* done: the old key is refused */
	rotate_tick(&self->b, self->b.rot.end_at);
	ASSERT_EQ(TD_ROT_NONE, self->b.rot.phase);
	ASSERT_EQ(AGREE_NEVER, rotate_deadline(&self->b));
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
	a_new.tx_seq = self->a.tx_seq;	/* node 1, reloaded */
	len = peer_seal(&a_new, &m, buf, sizeof(buf));
	self->a.tx_seq = a_new.tx_seq;
	ASSERT_EQ(0, peer_unseal(&self->b, buf, len, &got));
}

/* key-overlap 0: the new key at once, the old one refused. */
TEST_F(peer, key_change_without_overlap)
{
	struct td_group cfg_new = self->cfg2;
	struct agree_msg m = heartbeat(1, AGREE_EPOCH(3, 1)), got;
	uint8_t buf[PEER_MAX];
	int len;

	memset(cfg_new.key, 0x43, sizeof(cfg_new.key));
	cfg_new.key_overlap = 0;
	self->b.witness = true;
	rotate_begin(&self->b, &self->cfg2, &cfg_new);
	self->b.cfg = &cfg_new;
	ASSERT_EQ(TD_ROT_NONE, self->b.rot.phase);
	len = peer_seal(&self->a, &m, buf, sizeof(buf));
	ASSERT_EQ(-EBADMSG, peer_unseal(&self->b, buf, len, &got));
}

TEST(state_file)
{
	char path[64] = "/tmp/tandemd-state.XXXXXX", tmp[80];
	struct agree_persist p = { .promised = AGREE_EPOCH(4, 2) }, q;
	uint64_t inc;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	close(fd);
	unlink(path);
	ASSERT_EQ(0, state_read(path, &q, &inc));	/* none yet: zeros */
	ASSERT_EQ(0, q.promised);
	ASSERT_EQ(0, inc);
	ASSERT_EQ(0, state_write(path, &p, 3));
	ASSERT_EQ(0, state_read(path, &q, &inc));
	ASSERT_EQ(p.promised, q.promised);
	ASSERT_EQ(3, inc);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ASSERT_NE(0, access(tmp, F_OK));
	f = fopen(path, "w");
	fputs("promised twelve\n", f);
	fclose(f);
	ASSERT_EQ(-EINVAL, state_read(path, &q, &inc));
	unlink(path);
	ASSERT_EQ(-ENOENT, state_write("/nonexistent/dir/g.state", &p, 1));
}

TEST_HARNESS_MAIN
