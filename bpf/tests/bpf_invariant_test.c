// SPDX-License-Identifier: GPL-2.0
/*
 * The design brief's invariants and the SYN-ACK hold, on crafted segments
 * (BPF_PROG_TEST_RUN, no VM):
 *  - the TCP checksum is verified before a segment is mirrored or learnt
 *    from: a bad one opens no connection and is not cloned;
 *  - state is learnt only from segments the stack accepted: the client's
 *    TSval and window wait until the node's own output echoes that TSval
 *    (a forged segment the stack refuses changes nothing);
 *  - a SYN on a reused 4-tuple is a new connection: no old deltas, no old
 *    progress (which would open the hold and the clamp);
 *  - the primary's SYN-ACK is held until the backups confirmed the SYN, a
 *    confirmation makes the stack send it again (the client's SYN
 *    replayed), and after the hold time it leaves unprotected, unclamped;
 *  - after a takeover, a pure ACK from behind the client's window goes out
 *    at the client's rcv_nxt;
 *  - the kick that makes the primary's stack ACK gives it no window of the
 *    client's (its own, learnt from an older segment, is stale).
 */
#include <fcntl.h>

#include "common.h"

#define ISN	0x1000
#define WIRE	0x9000

/* The primary's group: mirror to lo, @backups, SYN-ACK hold of @hold_ms. */
static void primary_group(struct tandem_bpf *skel, uint8_t backups,
			  uint32_t hold_ms)
{
	struct tandem_bpf_group g;

	set_group(skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);
	bpf_map__lookup_elem(skel->maps.tandem_groups, &(uint32_t){ VIP },
			     sizeof(uint32_t), &g, sizeof(g), 0);
	g.nbackups = backups;
	g.syn_hold_ms = hold_ms;
	bpf_map__update_elem(skel->maps.tandem_groups, &(uint32_t){ VIP },
			     sizeof(uint32_t), &g, sizeof(g), BPF_ANY);
}

/* An established connection on the primary, timestamps in use. */
static void established(struct tandem_bpf *skel)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_LOCAL |
			 TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_TS |
			 TANDEM_BPF_CONN_F_CTS | TANDEM_BPF_CONN_F_ESTAB,
		.client_isn = ISN, .wire_isn = WIRE, .local_isn = WIRE,
		.max_tsval = 100,
	};

	put_conn(skel, &c);
}

static size_t client_seg(struct _test_data_dp *self, uint32_t seq,
			 uint32_t tsval, uint16_t win, int bad)
{
	struct seg s = cseg(1, seq, WIRE + 1, F_ACK | F_PSH);

	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, tsval, 50);
	s.payload = 100;
	s.win = win;
	s.bad_csum = bad;
	return build(self->pkt, &s);
}

/* What the node's stack sends: an ACK echoing @tsecr. */
static size_t stack_seg(struct _test_data_dp *self, uint32_t ack,
			uint32_t tsecr)
{
	struct seg s = cseg(0, WIRE + 1, ack, F_ACK);

	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 60, tsecr);
	return build(self->pkt, &s);
}

/* A bad checksum: not mirrored, no connection opened, nothing learnt. */
TEST_F(dp, csum_before_mirror)
{
	struct seg s = cseg(1, ISN, 0, F_SYN);
	struct tandem_bpf_conn got;
	size_t len;

	primary_group(self->skel, 1, 0);
	s.bad_csum = 1;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);	/* the stack drops it */
	EXPECT_NE(0, get_conn(self->skel, &got));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_NEW_CONN));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_CSUM_BAD));

	/* on an established connection: not cloned, its TSval not pending */
	established(self->skel);
	len = client_seg(self, ISN + 1, 0x40000000, 0, 1);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0, got.flags & TANDEM_BPF_CONN_F_PEND);
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_CSUM_BAD));

	/* the same segment summed right: mirrored */
	len = client_seg(self, ISN + 1, 200, 900, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
}

/*
 * The client's TSval and window (what the kick repeats) come from a
 * segment only once the stack echoed its TSval. A forged segment (right
 * checksum, TSval far ahead, window 0) that the stack refuses is mirrored
 * (each stack judges it) but changes nothing here.
 */
TEST_F(dp, learn_accepted_only)
{
	struct tandem_bpf_conn got;
	size_t len;

	primary_group(self->skel, 1, 0);
	established(self->skel);
	put_progress(self->skel, 2, ISN + 1, ISN + 1 + 65535);

	len = client_seg(self, ISN + 1, 500, 800, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(100, got.max_tsval);		/* only pending */
	EXPECT_EQ(0, got.flags & TANDEM_BPF_CONN_F_CWIN);
	EXPECT_EQ(500, got.pend_tsval);

	/* the stack accepted it: its ACK echoes TSval 500 */
	len = stack_seg(self, ISN + 101, 500);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(500, got.max_tsval);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_CWIN);
	EXPECT_EQ(800, got.client_win);

	/* a forgery far out of window: mirrored, the stack refuses it */
	len = client_seg(self, ISN + 0x40000000, 0x7fff0000, 0, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	len = stack_seg(self, ISN + 101, 500);	/* its duplicate ACK */
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(500, got.max_tsval);
	EXPECT_EQ(800, got.client_win);

	/*
	 * the next real segment (older than the forged TSval) replaces it;
	 * then the stack's echo lags the newest segment: the oldest pending
	 * one is committed
	 */
	len = client_seg(self, ISN + 101, 510, 900, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	len = client_seg(self, ISN + 201, 520, 910, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	len = stack_seg(self, ISN + 201, 510);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(900, got.client_win);
	EXPECT_EQ(510, got.max_tsval);
	len = client_seg(self, ISN + 301, 530, 920, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	len = stack_seg(self, ISN + 301, 520);	/* lagging: 530 pending */
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(900, got.client_win);
	len = stack_seg(self, ISN + 401, 530);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(920, got.client_win);
	/* a segment older than what the stack accepted is not even pending */
	len = client_seg(self, ISN + 401, 400, 1, 0);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0, got.flags & TANDEM_BPF_CONN_F_PEND);

	/* a backup learns the same way: not from the mirrored segment */
	got.flags &= ~TANDEM_BPF_CONN_F_CWIN;
	got.ts_delta = 0;
	put_conn(self->skel, &got);
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	len = client_seg(self, ISN + 101, 0x7fff0000, 0, 0);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(530, got.max_tsval);
	len = client_seg(self, ISN + 101, 600, 700, 0);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	len = stack_seg(self, ISN + 201, 600);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(600, got.max_tsval);
}

/*
 * A new SYN on a reused 4-tuple, on the primary: a fresh entry, and the
 * old connection's progress gone. Left there, it would count as the
 * backup's confirmation (the SYN-ACK would not be held) and its rcv_nxt
 * would set the new connection's clamp.
 */
TEST_F(dp, reused_tuple_new_conn)
{
	struct seg s = cseg(1, 0x70000000, 0, F_SYN);
	struct tandem_bpf_progress pr;
	struct tandem_bpf_conn got;
	size_t len;

	primary_group(self->skel, 1, 0);
	established(self->skel);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	got.seq_delta = 0x100;			/* taken over: other deltas */
	put_conn(self->skel, &got);
	put_progress(self->skel, 2, ISN + 5000, ISN + 9000);

	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x70000000, got.client_isn);
	EXPECT_EQ(0, got.flags & (TANDEM_BPF_CONN_F_DELTA |
				  TANDEM_BPF_CONN_F_ESTAB));
	EXPECT_EQ(0, got.seq_delta);
	EXPECT_NE(0, get_progress(self->skel, &pr));

	/* its SYN-ACK: a wire space of its own, held (no confirmation) */
	s = cseg(0, 0x20000000, 0x70000001, F_SYN | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x20000000, got.wire_isn);
	EXPECT_EQ(0, got.seq_delta);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_SYNACK_HELD));
}

/* A backup's confirmation (its SYN-ACK, IP ID = its node id) to the primary. */
static size_t confirm(struct _test_data_dp *self, uint32_t client_isn,
		      uint16_t node)
{
	struct seg s = cseg(0, 0x55550000, client_isn + 1, F_SYN | F_ACK);
	size_t len;

	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x4444, 77);
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, node);
	return len;
}

/*
 * The hold with two backups: the SYN-ACK is stolen until both confirmed;
 * the first confirmation is taken and consumed, the second replays the
 * client's SYN to the stack (which sends its SYN-ACK again), and the
 * SYN-ACK now leaves.
 */
TEST_F(dp, synack_hold_confirm)
{
	struct seg s = cseg(1, ISN, 0, F_SYN);
	struct tandem_bpf_progress pr;
	size_t len, o;

	primary_group(self->skel, 2, 0);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 77, 0);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	s = cseg(0, WIRE, ISN + 1, F_SYN | F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 3000, 77);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);

	len = confirm(self, ISN, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);	/* one of two */
	ASSERT_EQ(0, get_progress(self->skel, &pr));
	EXPECT_EQ(2, pr.peers[0].node_id);
	EXPECT_EQ(ISN + 1, pr.peers[0].rcv_nxt);
	s = cseg(0, WIRE, ISN + 1, F_SYN | F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 3000, 77);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);

	len = confirm(self, ISN, 3);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	/* the client's SYN again: from the client, its ISN, its TSval */
	EXPECT_EQ(0, memcmp(self->r.out + ETH_LEN + 12, &(uint32_t){ CLIENT }, 4));
	EXPECT_EQ(0, memcmp(self->r.out + ETH_LEN + 16, &(uint32_t){ VIP }, 4));
	EXPECT_EQ(CPORT, get16(self->r.out + TH));
	EXPECT_EQ(SVC, get16(self->r.out + TH + 2));
	EXPECT_EQ(ISN, seg_seq(self->r.out));
	EXPECT_EQ(F_SYN, self->r.out[TH + 13]);
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(77, get32(self->r.out + o));
	EXPECT_EQ(0, get32(self->r.out + o + 4));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_SYN_REPLAYED));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_CONFIRMED));

	/* the stack's SYN-ACK, sent again, leaves */
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_SYNACK_HELD));
}

/*
 * No confirmation within the hold time: the SYN-ACK leaves, the
 * connection is unprotected, and its ACKs are not clamped (nothing would
 * ever open the clamp).
 */
TEST_F(dp, synack_hold_timeout)
{
	struct seg s = cseg(1, ISN, 0, F_SYN);
	struct tandem_bpf_conn got;
	size_t len;

	primary_group(self->skel, 1, 1);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	usleep(5000);
	s = cseg(0, WIRE, ISN + 1, F_SYN | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_HOLD_TIMEOUT));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_UNPROT);

	s = cseg(0, WIRE + 1, ISN + 501, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(ISN + 501, seg_ack(self->r.out));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_CLAMPED));
	/* a late confirmation replays nothing */
	len = confirm(self, ISN, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_SYN_REPLAYED));
}

/*
 * A node that took a connection over and whose server is behind what the
 * client already received from the old primary: its pure ACKs go out at
 * the client's rcv_nxt (its largest ACK), or the client would drop them
 * unread, out of window; its data keeps its own (old) seq.
 */
TEST_F(dp, takeover_ack_behind)
{
	struct tandem_bpf_conn got;
	struct seg s;
	size_t len;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, 0);
	established(self->skel);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	got.seq_delta = 0x100;
	put_conn(self->skel, &got);

	/* no ACK from the client seen yet: as it is */
	s = cseg(0, WIRE + 0x100 + 1000, ISN + 700, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(WIRE + 1000, seg_seq(self->r.out));

	/* the client's first ACK learnt, even 2^31 away from 0 */
	s = cseg(1, ISN + 700, 0x80000000 + 5000, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x80000000 + 5000, got.max_cack);
	got.seq_delta = 0x100;
	got.max_cack = WIRE + 5000;		/* the client has 5000 bytes */
	put_conn(self->skel, &got);

	s = cseg(0, WIRE + 0x100 + 1000, ISN + 700, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(WIRE + 5000, seg_seq(self->r.out));
	EXPECT_EQ(ISN + 700, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_RESEQ));

	s.payload = 100;			/* data: its own place */
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(WIRE + 1000, seg_seq(self->r.out));
	s.payload = 0;				/* ahead of the client: as it is */
	s.seq = WIRE + 0x100 + 6000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(WIRE + 6000, seg_seq(self->r.out));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_RESEQ));
}

static int tcp_info_of(int fd, struct tcp_info *ti)
{
	socklen_t l = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &l);
}

/* Waits (at most 2 s) until @fd's socket has sent more than @segs segments. */
static int wait_segs_out(int fd, uint32_t segs)
{
	struct tcp_info ti;
	int i;

	for (i = 0; i < 200; i++) {
		if (!tcp_info_of(fd, &ti) && ti.tcpi_segs_out > segs)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * The kick is the client's duplicate byte, and with its ACK at snd_una the
 * stack takes its window as the client's: its seq (rcv_nxt - 1) is after
 * the start of the client's last data segment. That window is an older
 * segment's (client_win): here 0 while the client's is open, and the
 * primary's stack stopped sending (a larger old one sent past the
 * client's window instead). With an old ACK (snd_una - 1) the stack still
 * answers at once and keeps the window the client gave it. A real
 * connection on lo takes the kick (its checksum set: lo checks it);
 * timestamps off in the test's namespace (the kick repeats a TSval).
 */
TEST_F(dp, kick_no_window)
{
	uint32_t lo = htonl(INADDR_LOOPBACK), rnxt, una;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = LO,
				   .sll_halen = ETH_ALEN };
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_SENT |
			 TANDEM_BPF_CONN_F_CWIN,
		.client_win = 0,			/* an old segment's */
	};
	char buf[1000] = { 0 };
	struct tcp_info ti;
	struct lconn l;
	struct seg s;
	int fd, i;
	size_t len;

	fd = open("/proc/sys/net/ipv4/tcp_timestamps", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "0", 1));
	close(fd);
	ASSERT_EQ(0, lconn_open(&l));
	ASSERT_EQ(0, setsockopt(l.sfd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	ASSERT_EQ(0, setsockopt(l.sfd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
				sizeof(int)));
	/* the server's output acknowledged, the client's data received */
	ASSERT_EQ(sizeof(buf), write(l.sfd, buf, sizeof(buf)));
	ASSERT_EQ(sizeof(buf), recv(l.cfd, buf, sizeof(buf), MSG_WAITALL));
	ASSERT_EQ(sizeof(buf), write(l.cfd, buf, sizeof(buf)));
	ASSERT_EQ(sizeof(buf), recv(l.sfd, buf, sizeof(buf), MSG_WAITALL));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, tcp_info_of(l.sfd, &ti));
		if (ti.tcpi_bytes_acked >= sizeof(buf))
			break;
		usleep(10000);
	}
	ASSERT_LE(sizeof(buf), ti.tcpi_bytes_acked);
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_RECV_QUEUE, &rnxt));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_SEND_QUEUE, &una));

	c.ack_sent = rnxt - 10;
	lconn_dp(self->skel, &l, TANDEM_BPF_ROLE_PRIMARY, &c);

	/* backup 2 reports rnxt: the clamp opens, the report becomes the kick */
	s = (struct seg){ .saddr = lo, .daddr = lo, .sport = l.sport,
			  .dport = l.cport, .seq = rnxt + 5000, .ack = rnxt,
			  .flags = F_ACK, .win = 1 };
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	ASSERT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(rnxt - 1, seg_seq(self->r.out));
	EXPECT_EQ(una - 1, seg_ack(self->r.out));	/* an old ACK */

	/* into the stack: to lo's MAC, the TCP checksum right */
	memset(self->r.out, 0, 12);
	put16(self->r.out + TH + 16, 0);
	put16(self->r.out + TH + 16, ~tcp_sum(self->r.out, self->r.len));
	ASSERT_EQ(0, tcp_info_of(l.sfd, &ti));
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	ASSERT_LE(0, fd);
	ASSERT_EQ(self->r.len, sendto(fd, self->r.out, self->r.len, 0,
				      (struct sockaddr *)&sll, sizeof(sll)));
	close(fd);
	/* the stack answered it (its ACK) */
	EXPECT_EQ(0, wait_segs_out(l.sfd, ti.tcpi_segs_out));

	/* and still sends at once: the window is the client's, not 0 */
	ASSERT_EQ(sizeof(buf), write(l.sfd, buf, sizeof(buf)));
	ASSERT_EQ(0, tcp_info_of(l.sfd, &ti));
	EXPECT_EQ(0, ti.tcpi_notsent_bytes);
	close(l.sfd);
	close(l.cfd);
	close(l.lfd);
}

TANDEM_TEST_MAIN
