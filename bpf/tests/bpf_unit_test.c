// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tandem's tc programs on crafted segments, run by the
 * build host's kernel with BPF_PROG_TEST_RUN (no VM, no device): sequence
 * translation across the 32-bit wrap, SACK blocks, timestamps (also at odd
 * offsets), ACK and window clamping, stealing and reporting, the
 * handshake's learning, a reused 4-tuple, GSO super-segments, FIN and RST,
 * a takeover's translation. Every rewritten segment's TCP checksum is
 * checked. Each test runs in its own network namespace.
 */
#include "common.h"

/* Segments that are not tandem's pass every program untouched. */
TEST_F(dp, untouched)
{
	struct seg s[3];
	size_t len;
	int i, j, progs[3] = { self->in, self->out, self->repl };

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, 0);
	s[0] = cseg(1, 1, 2, F_ACK);
	s[0].dport = 9999;		/* not a service */
	s[1] = cseg(0, 1, 2, F_ACK);
	s[1].sport = 9999;
	s[2] = cseg(1, 1, 2, F_ACK);
	s[2].daddr = OTHER;		/* not a VIP */
	for (i = 0; i < 3; i++) {
		s[i].payload = 100;
		len = build(self->pkt, &s[i]);
		for (j = 0; j < 3; j++) {
			if (j == 2 && i != 2)
				continue;	/* repl_in drops non-mirror VIP traffic */
			ASSERT_EQ(0, run(progs[j], self->pkt, len, LO, &self->r));
			EXPECT_EQ(TC_ACT_OK, self->r.ret);
			ASSERT_EQ(len, self->r.len);
			EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
		}
	}
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
}

/* Primary: seq and TSval from local to wire space across the wrap. */
TEST_F(dp, primary_translate_wrap)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_TS |
			 TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_LOCAL,
		.seq_delta = 0x100, .ts_delta = 0x1000, .client_isn = 5000,
	};
	uint32_t edges[2] = { 7000, 7100 };
	struct seg s = cseg(0, 0x50, 6000, F_ACK | F_PSH);
	size_t len, o, odd;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0,
		  TANDEM_BPF_GROUP_F_NOCLAMP, LO);
	put_conn(self->skel, &c);
	for (odd = 0; odd < 2; odd++) {
		s.opts = self->opts;
		s.optlen = odd ? opt_ts_odd(self->opts, 0x800, 0x77) :
				 opt_ts(self->opts, 0x800, 0x77);
		s.optlen += opt_sack(self->opts + s.optlen, edges, 1);
		s.payload = 1000;
		len = build(self->pkt, &s);
		ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
		EXPECT_EQ(TC_ACT_OK, self->r.ret);
		EXPECT_EQ(0xffffff50, seg_seq(self->r.out));
		EXPECT_EQ(6000, seg_ack(self->r.out));
		o = seg_opt(self->r.out, 8);
		ASSERT_NE(0, o);
		EXPECT_EQ(odd, o & 1);
		EXPECT_EQ(0xfffff800, get32(self->r.out + o));
		EXPECT_EQ(0x77, get32(self->r.out + o + 4));	/* client's space */
		o = seg_opt(self->r.out, 5);
		ASSERT_NE(0, o);
		EXPECT_EQ(7000, get32(self->r.out + o));	/* client's space */
		EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
		EXPECT_EQ(0, memcmp(self->pkt + TH + 20 + s.optlen,
				    self->r.out + TH + 20 + s.optlen, 1000));
	}
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_TRANSLATED));
}

/* Backups 2 and 3 reported these (0, 0, 0, 0: none reported). */
static void set_peers(struct tandem_bpf *skel, uint32_t rcv0, uint32_t edge0,
		      uint32_t rcv1, uint32_t edge1)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);
	struct tandem_bpf_progress pr = {
		.peers = { { 2, rcv0, edge0, 0 }, { 3, rcv1, edge1, 0 } },
	};

	if (!rcv0 && !edge0 && !rcv1 && !edge1) {
		bpf_map__delete_elem(skel->maps.tandem_progress, &k, sizeof(k), 0);
		return;
	}
	bpf_map__update_elem(skel->maps.tandem_progress, &k, sizeof(k), &pr,
			     sizeof(pr), BPF_ANY);
}

/* Primary: ACK, SACK and window clamped to the backups' progress. */
TEST_F(dp, primary_clamp)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_WIRE |
			 TANDEM_BPF_CONN_F_LOCAL,
		.client_isn = 499,
	};
	uint32_t edges[2] = { 900, 1000 };
	struct seg s = cseg(0, 7, 1200, F_ACK);
	struct tandem_bpf_conn got;
	size_t len;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);

	/* ack lowered to the smallest rcv_nxt, SACK beyond it stripped */
	set_peers(self->skel, 1000, 5000, 800, 6000);
	put_conn(self->skel, &c);
	s.opts = self->opts;
	s.optlen = opt_sack(self->opts, edges, 1);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(800, seg_ack(self->r.out));
	EXPECT_EQ(1400, seg_win(self->r.out));	/* its edge 2200: below 5000 */
	EXPECT_EQ(0, seg_opt(self->r.out, 5));
	EXPECT_EQ(0, memcmp(self->r.out + TH + 20, "\1\1\1\1\1\1\1\1\1\1\1\1", 12));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_CLAMPED));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_SACK_STRIPPED));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(800, got.ack_sent);
	EXPECT_EQ(2200, got.edge_sent);

	/*
	 * its window closing (the server stopped reading) while the clamp
	 * lags: the edge stays where the stack keeps it, 2200, not 800 + 500
	 */
	s.ack = 1700;
	s.win = 500;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(800, seg_ack(self->r.out));
	EXPECT_EQ(1400, seg_win(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(2200, got.edge_sent);
	s.ack = 1200;

	/* the window's right edge lowered to the smallest edge */
	s.optlen = 0;
	s.win = 10000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(800, seg_ack(self->r.out));
	EXPECT_EQ(5000 - 800, seg_win(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_WIN_CLAMPED));

	/* never below an edge already advertised */
	ASSERT_EQ(0, get_conn(self->skel, &got));
	got.edge_sent = 6000;
	put_conn(self->skel, &got);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(6000 - 800, seg_win(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));

	/* across the wrap: 0xfffffff0 is before 0x10 */
	set_peers(self->skel, 0xfffffff0, 0x5000, 0x20, 0x6000);
	c.flags &= ~TANDEM_BPF_CONN_F_SENT;
	put_conn(self->skel, &c);
	s = cseg(0, 7, 0x10, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(0xfffffff0, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	/* an ACK already below the clamp is left alone */
	s.ack = 0xffffff00;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));

	/* no backup reported yet: nothing beyond the client's SYN */
	set_peers(self->skel, 0, 0, 0, 0);
	put_conn(self->skel, &c);
	s.ack = 1200;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(500, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
}

/* Not the live primary: the VIP's output is stolen, never dropped. */
TEST_F(dp, steal)
{
	struct seg s = cseg(0, 3000, 701, F_SYN | F_ACK);
	struct tandem_bpf_conn c = { .client_isn = 700,
				     .flags = TANDEM_BPF_CONN_F_WS }, got;
	size_t len, o;
	int i;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	put_conn(self->skel, &c);

	/*
	 * its SYN-ACK gives the backup its local ISN, TSval, wscale, and
	 * becomes its confirmation of the SYN: a report (unscaled window)
	 */
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x1234, 0x99);
	s.optlen += opt_ws(self->opts + s.optlen, 7);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	EXPECT_EQ(F_SYN | F_ACK, self->r.out[TH + 13]);
	EXPECT_EQ(701, seg_ack(self->r.out));
	EXPECT_EQ(701 + 1000, seg_seq(self->r.out));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(3000, got.local_isn);
	EXPECT_EQ(0x1234, got.local_ts);
	EXPECT_EQ(7, got.wscale);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_LOCAL);

	/*
	 * Data acknowledging more than it reported: its report to the
	 * primary, trimmed to the headers, node id in the IP ID, the right
	 * edge as seq, redirected to the replication device.
	 */
	s = cseg(0, 3001, 1701, F_ACK | F_PSH);
	s.payload = 500;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	ASSERT_EQ(TH + 20, self->r.len);
	EXPECT_EQ(0, memcmp(self->r.out, "\xff\xff\xff\xff\xff\xff", 6));
	EXPECT_EQ(IP_LEN + 20, get16(self->r.out + ETH_LEN + 2));
	EXPECT_EQ(1, get16(self->r.out + ETH_LEN + 4));		/* node 1 */
	EXPECT_EQ(0xffff, fold(sum16(self->r.out + ETH_LEN, IP_LEN, 0)));
	EXPECT_EQ(1701, seg_ack(self->r.out));
	EXPECT_EQ(1701 + (1000 << 7), seg_seq(self->r.out));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_REPORT_SENT));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(1701, got.rcv_nxt);
	EXPECT_EQ(1701 + (1000 << 7), got.rcv_edge);
	/* nothing new to report: stolen */
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);

	/* a reset from the VIP to any port is stolen; other ports pass */
	s = cseg(0, 1, 0, F_RST);
	s.sport = 9999;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	s.flags = F_ACK;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_STOLEN));

	/* fenced, and a primary whose lease lapsed: stolen too */
	s = cseg(0, 3001, 1701, F_ACK);
	len = build(self->pkt, &s);
	for (i = 0; i < 2; i++) {
		set_group(self->skel, VIP, i ? TANDEM_BPF_ROLE_PRIMARY :
				      TANDEM_BPF_ROLE_FENCED, i, 0, 0);
		ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
		EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	}
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_FENCED_DROPPED));
	/* and what comes from the network to the VIP is dropped */
	s = cseg(1, 1701, 3001, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	(void)o;
}

/* Backup: ack, SACK blocks and TSecr into local space across the wrap. */
TEST_F(dp, backup_translate_wrap)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_TS |
			 TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_LOCAL |
			 TANDEM_BPF_CONN_F_ESTAB,
		.seq_delta = 0x200, .ts_delta = 0x30,
	};
	uint32_t edges[4] = { 0xffffff10, 0xffffff80, 0xfffffff0, 0x40 };
	struct seg s = cseg(1, 123456, 0xffffff00, F_ACK | F_PSH);
	size_t len, o;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	put_conn(self->skel, &c);
	s.opts = self->opts;
	s.optlen = opt_ts_odd(self->opts, 0x5555, 0xffffffe0);
	s.optlen += opt_sack(self->opts + s.optlen, edges, 2);
	s.payload = 700;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(123456, seg_seq(self->r.out));	/* the client's space */
	EXPECT_EQ(0x100, seg_ack(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x5555, get32(self->r.out + o));
	EXPECT_EQ(0x10, get32(self->r.out + o + 4));
	o = seg_opt(self->r.out, 5);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x110, get32(self->r.out + o));
	EXPECT_EQ(0x180, get32(self->r.out + o + 4));
	EXPECT_EQ(0x1f0, get32(self->r.out + o + 8));
	EXPECT_EQ(0x240, get32(self->r.out + o + 12));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));

	/* only from a replication device, only to a service, only a backup */
	ASSERT_EQ(0, run(self->repl, self->pkt, len, 77, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	s.dport = 9999;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_FENCED, 0, 0, 0);
	s.dport = SVC;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_NOT_REPL));
}

/*
 * Backup: the handshake. The mirrored SYN opens an entry, the local SYN-ACK
 * gives the local ISN and TSval, the client's ACK the wire ones; a new SYN
 * on the same 4-tuple starts over.
 */
TEST_F(dp, backup_handshake)
{
	struct seg s = cseg(1, 0xfffffff0, 0, F_SYN);
	struct tandem_bpf_conn got;
	size_t len, o;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 100, 0);
	s.optlen += opt_ws(self->opts + s.optlen, 7);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0xfffffff0, got.client_isn);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_TS);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_WS);

	/* a segment before the deltas are known cannot be translated */
	s = cseg(1, 0xfffffff1, 0x1001, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_NO_DELTA));

	s = cseg(0, 0x80000000, 0xfffffff1, F_SYN | F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x7000, 100);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);	/* its confirmation */

	/* the client's ACK of the primary's SYN-ACK (ISN 0x1000, TSval 0x50) */
	s = cseg(1, 0xfffffff1, 0x1001, F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 101, 0x50);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x80000001, seg_ack(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x7000, get32(self->r.out + o + 4));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x1000, got.wire_isn);
	EXPECT_EQ(0x80000000 - 0x1000, got.seq_delta);
	EXPECT_EQ(0x7000 - 0x50, got.ts_delta);

	/* a new SYN on the reused 4-tuple: a fresh entry, no old deltas */
	s = cseg(1, 0x12345678, 0, F_SYN);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x12345678, got.client_isn);
	EXPECT_EQ(0, got.flags & (TANDEM_BPF_CONN_F_DELTA |
				  TANDEM_BPF_CONN_F_LOCAL));
	EXPECT_EQ(0, got.seq_delta);
	/* its retransmission keeps the entry */
	got.local_isn = 42;
	got.flags |= TANDEM_BPF_CONN_F_LOCAL;
	put_conn(self->skel, &got);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(42, got.local_isn);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_NEW_CONN));
}

/* GSO super-segments, FIN and RST through each program. */
TEST_F(dp, gso_fin_rst)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_WIRE |
			 TANDEM_BPF_CONN_F_LOCAL | TANDEM_BPF_CONN_F_ESTAB,
		.seq_delta = 0x10, .client_isn = 99,
	}, got;
	struct seg s = cseg(0, 0x1000, 500, F_ACK | F_FIN);
	size_t len;

	/* primary: a TSO skb of 3 segments with a FIN, translated whole */
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0,
		  TANDEM_BPF_GROUP_F_NOCLAMP, LO);
	put_conn(self->skel, &c);
	s.payload = 3000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run_gso(self->out, self->pkt, len, 1000, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(len, self->r.len);
	EXPECT_EQ(0x1000 - 0x10, seg_seq(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(0, memcmp(self->pkt + TH + 20, self->r.out + TH + 20, 3000));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_FIN);

	/*
	 * The client's FIN and RST: mirrored like any segment. (Not as a GSO
	 * skb here: BPF_PROG_TEST_RUN's have no gso_type, which
	 * bpf_clone_redirect refuses; bpf_stream_test mirrors real ones.)
	 */
	s = cseg(1, 100, 0x1000 - 0x10, F_ACK | F_FIN);
	s.payload = 1400;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	s = cseg(1, 1501, 0, F_RST);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_RST);

	/* backup: a report from a TSO skb is trimmed to its headers */
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	c.flags = TANDEM_BPF_CONN_F_LOCAL;
	put_conn(self->skel, &c);
	s = cseg(0, 0x1000, 500, F_ACK);
	s.payload = 3000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run_gso(self->out, self->pkt, len, 1000, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	EXPECT_EQ(TH + 20, self->r.len);

	/* a client's RST before the deltas are known: passed as it is */
	s = cseg(1, 100, 0, F_RST);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	untag(self->pkt, len);
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	/* with them, a RST|ACK has its ack translated */
	c.flags |= TANDEM_BPF_CONN_F_DELTA;
	put_conn(self->skel, &c);
	s = cseg(1, 100, 0xfffffff8, F_RST | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x8, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_RST);
}

/*
 * A primary that took a connection over (deltas not 0): the client's own
 * segments into its space, its output into the wire's, its TSval moved
 * past the largest the client echoed (PAWS).
 */
TEST_F(dp, takeover)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_WIRE |
			 TANDEM_BPF_CONN_F_LOCAL | TANDEM_BPF_CONN_F_ESTAB |
			 TANDEM_BPF_CONN_F_TS | TANDEM_BPF_CONN_F_TSECR,
		.seq_delta = 0x1000, .ts_delta = 0x500, .max_tsecr = 0x2000,
	}, got;
	struct seg s = cseg(1, 777, 0xfffff800, F_ACK);
	size_t len, o;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, 0);
	put_conn(self->skel, &c);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x3333, 0x1f00);
	s.payload = 10;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x800, seg_ack(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x1f00 + 0x500, get32(self->r.out + o + 4));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));

	/* its own TSval 0x2000 would be 0x1b00 on the wire: behind 0x2000 */
	s = cseg(0, 0x1100, 778, F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x2000, 0x3333);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x100, seg_seq(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x2000, get32(self->r.out + o));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0, got.ts_delta);
}

TANDEM_TEST_MAIN
