// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tandem's tc programs that need sockets of the test's own
 * network namespace: mirroring seen on a packet socket, a backup's ACK
 * clamp against a real TCP socket's snd_nxt and the pending rest of its
 * ACK given back after the backup's next output, a primary's kick built
 * against its socket's rcv_nxt and snd_una, its duplicate ACK to the
 * client built from a backup's SACK against its snd_nxt
 * (BPF_PROG_TEST_RUN, no VM).
 */
#include "common.h"

/* A raw socket that sees what leaves on lo. */
static int lo_sniffer(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = LO,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Clones seen leaving on lo since the last call; the last one in @buf. */
static int clones(int fd, uint8_t *buf)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	uint8_t tmp[PKT_MAX];
	int n = 0;

	while (recvfrom(fd, tmp, sizeof(tmp), 0, (struct sockaddr *)&from,
			&fl) > 0) {
		if (from.sll_pkttype == PACKET_OUTGOING) {
			memcpy(buf, tmp, sizeof(tmp));
			n++;
		}
		fl = sizeof(from);
	}
	return n;
}

/* Primary: what is cloned to the replication device, and what is not. */
TEST_F(dp, primary_mirror)
{
	struct seg s = cseg(1, 700, 0, F_SYN);
	struct tandem_bpf_conn got;
	uint8_t clone[PKT_MAX];
	int sn = lo_sniffer();
	size_t len;

	ASSERT_LE(0, sn);
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);

	/* the SYN: mirrored to the broadcast MAC, the original unchanged */
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	EXPECT_EQ(1, clones(sn, clone));
	EXPECT_EQ(0, memcmp(clone, "\xff\xff\xff\xff\xff\xff", 6));
	EXPECT_EQ(0, memcmp(clone + 6, self->pkt + 6, len - 6));

	/*
	 * the primary's SYN-ACK fixes the wire space; it is held until the
	 * backup confirmed the SYN (a slot in the progress)
	 */
	s = cseg(0, 5000, 701, F_SYN | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_SYNACK_HELD));
	put_progress(self->skel, 2, 701, 701 + 1000);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(5000, got.wire_isn);
	EXPECT_EQ(0, got.seq_delta);
	/* where a duplicate ACK to the client goes: the SYN's device, MACs */
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_L2);
	EXPECT_EQ(LO, got.cdev);
	EXPECT_EQ(0, memcmp(got.cmac, self->pkt + 6, 6));
	EXPECT_EQ(0, memcmp(got.lmac, self->pkt, 6));

	/* a handshake ACK of another ISN: passed, not mirrored */
	s = cseg(1, 701, 9999, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_HANDSHAKE_BAD));

	/* the right one, then data over several checksum chunks */
	s.ack = 5001;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(1, clones(sn, clone));
	s.flags |= F_PSH;
	s.payload = 1401;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(1, clones(sn, clone));
	EXPECT_EQ(0, memcmp(clone + 6, self->pkt + 6, len - 6));

	/* a bad checksum: passed (the stack drops it), not mirrored */
	s.bad_csum = 1;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_CSUM_BAD));

	/* a connection that was not opened through the mirror */
	s = cseg(1, 1, 1, F_ACK);
	s.sport = CPORT + 1;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_NO_CONN));
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	close(sn);
}

/* Backup: a client ACK beyond the shadow socket's snd_nxt is clamped to it. */
TEST_F(dp, backup_clamp_snd_nxt)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_ESTAB,
	};
	struct tandem_bpf_conn_key k;
	socklen_t al = sizeof(a);
	uint16_t sport, cport;
	int lfd, cfd, sfd;
	uint32_t nxt;
	struct seg s;
	size_t len;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &al));
	sport = ntohs(a.sin_port);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&a, sizeof(a)));
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, getsockname(cfd, (struct sockaddr *)&a, &al));
	cport = ntohs(a.sin_port);
	ASSERT_EQ(0, queue_seq(sfd, TCP_SEND_QUEUE, &nxt));

	set_group(self->skel, htonl(INADDR_LOOPBACK), TANDEM_BPF_ROLE_BACKUP,
		  0, 0, 0);
	k = conn_key(htonl(INADDR_LOOPBACK), htonl(INADDR_LOOPBACK), cport, SVC);
	k.vport = htons(sport);
	{
		struct tandem_bpf_svc_key sk = { .vip = htonl(INADDR_LOOPBACK),
						 .port = htons(sport) };
		struct tandem_bpf_service sv = {};

		bpf_map__update_elem(self->skel->maps.tandem_services, &sk,
				     sizeof(sk), &sv, sizeof(sv), BPF_ANY);
	}
	bpf_map__update_elem(self->skel->maps.tandem_conns, &k, sizeof(k), &c,
			     sizeof(c), BPF_ANY);
	s = (struct seg){ .saddr = htonl(INADDR_LOOPBACK),
			  .daddr = htonl(INADDR_LOOPBACK), .sport = cport,
			  .dport = sport, .seq = 1, .ack = nxt + 1000,
			  .flags = F_ACK, .win = 100 };
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(nxt, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_CLAMPED));
	/* far below snd_una: raised to it */
	s.ack = nxt - 100000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(nxt, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	/* right at snd_nxt: untouched but for the epoch's tag */
	s.ack = nxt;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	untag(self->pkt, len);
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_CLAMPED));
	close(sfd);
	close(cfd);
	close(lfd);
}

/*
 * Primary: a backup's report updates the connection's progress; when it
 * opens the clamp, it becomes a segment from the client repeating its last
 * byte, which makes the primary's stack ACK at once.
 */
TEST_F(dp, primary_report_kick)
{
	uint32_t lo = htonl(INADDR_LOOPBACK), rnxt, una;
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_SENT |
			 TANDEM_BPF_CONN_F_CWIN | TANDEM_BPF_CONN_F_TS,
		.client_win = 777, .max_tsval = 0x4444, .last_tsval = 0x100,
		.ts_delta = 0x10,
	};
	struct tandem_bpf_progress pr;
	struct tandem_bpf_conn_key k;
	struct lconn l;
	struct seg s;
	size_t len, o;

	ASSERT_EQ(0, lconn_open(&l));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_RECV_QUEUE, &rnxt));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_SEND_QUEUE, &una));
	c.ack_sent = rnxt - 10;
	k = lconn_dp(self->skel, &l, TANDEM_BPF_ROLE_PRIMARY, &c);

	/* backup 2 has rnxt - 20: taken, the clamp does not open */
	s = (struct seg){ .saddr = lo, .daddr = lo, .sport = l.sport,
			  .dport = l.cport, .seq = rnxt + 5000, .ack = rnxt - 20,
			  .flags = F_ACK, .win = 1 };
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x9999, 0x4440);
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);			/* node 2 */
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);		/* consumed */
	ASSERT_EQ(0, bpf_map__lookup_elem(self->skel->maps.tandem_progress, &k,
					  sizeof(k), &pr, sizeof(pr), 0));
	EXPECT_EQ(2, pr.peers[0].node_id);
	EXPECT_EQ(rnxt - 20, pr.peers[0].rcv_nxt);
	EXPECT_EQ(rnxt + 5000, pr.peers[0].rcv_edge);

	/* now rnxt: the kick */
	s.ack = rnxt;
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_KICKED));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_REPORT_RECV));
	ASSERT_EQ(len + 1, self->r.len);
	EXPECT_EQ(l.cport, get16(self->r.out + TH));	/* from the client */
	EXPECT_EQ(l.sport, get16(self->r.out + TH + 2));
	EXPECT_EQ(rnxt - 1, seg_seq(self->r.out));	/* its last byte again */
	EXPECT_EQ(una, seg_ack(self->r.out));
	EXPECT_EQ(777, seg_win(self->r.out));
	EXPECT_EQ(F_ACK, self->r.out[TH + 13]);
	EXPECT_EQ(IP_LEN + 20 + s.optlen + 1, get16(self->r.out + ETH_LEN + 2));
	EXPECT_EQ(0xffff, fold(sum16(self->r.out + ETH_LEN, IP_LEN, 0)));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x4444, get32(self->r.out + o));	/* the client's TSval */
	EXPECT_EQ(0x110, get32(self->r.out + o + 4));	/* ours, local */

	/* a report from a node that is not the live primary's backup */
	set_group(self->skel, lo, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_NOT_REPL));
	close(l.sfd);
	close(l.cfd);
	close(l.lfd);
}

/*
 * Resends: a backup's duplicate ACK with SACK blocks, at the ACK the client
 * last received, becomes a duplicate ACK to the client (the primary's seq,
 * window and timestamps, one SACK block cut to what the other backup
 * holds), redirected to the client's device and MAC.
 */
TEST_F(dp, primary_report_dupack)
{
	uint32_t lo = htonl(INADDR_LOOPBACK), nxt, A = 0xfffff000;
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_SENT |
			 TANDEM_BPF_CONN_F_CWIN | TANDEM_BPF_CONN_F_TS |
			 TANDEM_BPF_CONN_F_L2,
		.client_win = 777, .max_tsval = 0x4444, .last_tsval = 0x100,
		.ts_delta = 0x10, .seq_delta = 0x1000,
		.ack_sent = A, .edge_sent = A + 8000, .cdev = 7,
		.cmac = { 2, 0, 0, 0, 0, 0xc }, .lmac = { 2, 0, 0, 0, 0, 0xd },
	};
	struct tandem_bpf_progress pr = { .peers = {
		{ .node_id = 3, .rcv_nxt = A + 3000, .rcv_edge = A + 9000,
		  .sack_start = A + 3000, .sack_end = A + 3000 },
		{ .node_id = 2, .rcv_nxt = A, .rcv_edge = A + 9000,
		  .sack_start = A, .sack_end = A },
	} };
	uint32_t edges[4] = { A + 1000, A + 5000, A + 6000, A + 7000 };
	struct tandem_bpf_conn_key k;
	struct lconn l;
	struct seg s;
	size_t len, o, n;

	ASSERT_EQ(0, lconn_open(&l));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_SEND_QUEUE, &nxt));
	k = lconn_dp(self->skel, &l, TANDEM_BPF_ROLE_PRIMARY, &c);
	bpf_map__update_elem(self->skel->maps.tandem_progress, &k, sizeof(k),
			     &pr, sizeof(pr), BPF_ANY);

	/* backup 2 lacks A.., holds A+1000..A+5000 and A+6000..A+7000 */
	s = (struct seg){ .saddr = lo, .daddr = lo, .sport = l.sport,
			  .dport = l.cport, .seq = A + 9000, .ack = A,
			  .flags = F_ACK, .win = 9000 };
	s.opts = self->opts;
	n = opt_ts(self->opts, 0x9999, 0x4440);
	s.optlen = n + opt_sack(self->opts + n, edges, 2);
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	ASSERT_EQ(len, self->r.len);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_DUPACK_SENT));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_SACK_CUT));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_KICKED));
	EXPECT_EQ(0, memcmp(self->r.out, c.cmac, 6));	/* to the client */
	EXPECT_EQ(0, memcmp(self->r.out + 6, c.lmac, 6));
	EXPECT_EQ(l.sport, get16(self->r.out + TH));	/* from the VIP */
	EXPECT_EQ(l.cport, get16(self->r.out + TH + 2));
	EXPECT_EQ(nxt - 0x1000, seg_seq(self->r.out));	/* our wire snd_nxt */
	EXPECT_EQ(A, seg_ack(self->r.out));		/* what the client has */
	EXPECT_EQ(8000, seg_win(self->r.out));
	EXPECT_EQ(F_ACK, self->r.out[TH + 13]);
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(0xffff, fold(sum16(self->r.out + ETH_LEN, IP_LEN, 0)));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x100, get32(self->r.out + o));	/* our last wire TSval */
	EXPECT_EQ(0x4444, get32(self->r.out + o + 4));	/* the client's */
	/* one block, cut to backup 3's A + 3000 (across the wrap) */
	o = seg_opt(self->r.out, 5);
	ASSERT_NE(0, o);
	EXPECT_EQ(10, self->r.out[o - 1]);
	EXPECT_EQ(A + 1000, get32(self->r.out + o));
	EXPECT_EQ(A + 3000, get32(self->r.out + o + 4));
	EXPECT_EQ(0, memcmp(self->r.out + o + 8, "\x01\x01\x01\x01\x01\x01\x01\x01", 8));
	/* its slot keeps the first block */
	ASSERT_EQ(0, bpf_map__lookup_elem(self->skel->maps.tandem_progress, &k,
					  sizeof(k), &pr, sizeof(pr), 0));
	EXPECT_EQ(2, pr.peers[1].node_id);
	EXPECT_EQ(A + 1000, pr.peers[1].sack_start);
	EXPECT_EQ(A + 5000, pr.peers[1].sack_end);

	/* backup 3 at A too, holding only A+4000..A+4500: that is the block */
	pr.peers[0].rcv_nxt = A;
	pr.peers[0].sack_start = A + 4000;
	pr.peers[0].sack_end = A + 4500;
	bpf_map__update_elem(self->skel->maps.tandem_progress, &k, sizeof(k),
			     &pr, sizeof(pr), BPF_ANY);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	o = seg_opt(self->r.out, 5);
	ASSERT_NE(0, o);
	EXPECT_EQ(A + 4000, get32(self->r.out + o));
	EXPECT_EQ(A + 4500, get32(self->r.out + o + 4));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));

	/* backup 3 at A holding nothing beyond: nothing to tell the client */
	pr.peers[0].sack_start = A;
	pr.peers[0].sack_end = A;
	bpf_map__update_elem(self->skel->maps.tandem_progress, &k, sizeof(k),
			     &pr, sizeof(pr), BPF_ANY);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);

	/* a report at another ACK than the client's, or without SACK: taken */
	pr.peers[0].rcv_nxt = A + 3000;
	bpf_map__update_elem(self->skel->maps.tandem_progress, &k, sizeof(k),
			     &pr, sizeof(pr), BPF_ANY);
	s.optlen = n;
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_DUPACK_SENT));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_SACK_CUT));
	close(l.sfd);
	close(l.cfd);
	close(l.lfd);
}

/* Has connection @k a client ACK pending (flag PACK)? 1, 0, -1 if no entry. */
static int pending(struct tandem_bpf *skel, const struct tandem_bpf_conn_key *k)
{
	struct tandem_bpf_conn c;

	if (bpf_map__lookup_elem(skel->maps.tandem_conns, k, sizeof(*k), &c,
				 sizeof(c), 0))
		return -1;
	return !!(c.flags & TANDEM_BPF_CONN_F_PACK);
}

/* Connection @k's client ACK pending at @ack (local space). */
static void set_pending(struct tandem_bpf *skel,
			const struct tandem_bpf_conn_key *k, uint32_t ack)
{
	struct tandem_bpf_conn c;

	if (bpf_map__lookup_elem(skel->maps.tandem_conns, k, sizeof(*k), &c,
				 sizeof(c), 0))
		return;
	c.flags |= TANDEM_BPF_CONN_F_PACK;
	c.pending_ack = ack;
	bpf_map__update_elem(skel->maps.tandem_conns, k, sizeof(*k), &c,
			     sizeof(c), BPF_ANY);
}

/*
 * Backup: the part of a client ACK beyond the stack's snd_nxt stays
 * pending, and the stack's next output becomes that ACK given back to it
 * (pending.bpf.h): a pure ACK from the client at its rcv_nxt, up to what
 * is sent once the segment is out, redirected to the ingress of the device
 * it leaves by; a report due with it goes as a clone. Once the stack has
 * it (its snd_una), or the client's next ACK reaches it, it is dropped.
 */
TEST_F(dp, backup_pending_reack)
{
	uint32_t lo = htonl(INADDR_LOOPBACK), nxt, rnxt, edges[2];
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_ESTAB |
			 TANDEM_BPF_CONN_F_TS,
		.ts_delta = 0x10, .seq_delta = 0x1000,
	};
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn got;
	uint8_t clone[PKT_MAX], mac[12];
	struct lconn l;
	struct seg s, o;
	size_t len, hlen, at, n;
	int sn;

	ASSERT_EQ(0, lconn_open(&l));
	sn = lo_sniffer();			/* after the handshake */
	ASSERT_LE(0, sn);
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_SEND_QUEUE, &nxt));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_RECV_QUEUE, &rnxt));
	k = lconn_dp(self->skel, &l, TANDEM_BPF_ROLE_BACKUP, &c);

	/* the client acknowledged 5000 bytes the stack has not sent */
	s = (struct seg){ .saddr = lo, .daddr = lo, .sport = l.cport,
			  .dport = l.sport, .seq = rnxt,
			  .ack = nxt - 0x1000 + 5000, .flags = F_ACK, .win = 321 };
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x5000, 0x2000);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(nxt, seg_ack(self->r.out));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_CLAMPED));
	ASSERT_EQ(0, bpf_map__lookup_elem(self->skel->maps.tandem_conns, &k,
					  sizeof(k), &got, sizeof(got), 0));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_PACK);
	EXPECT_EQ(nxt + 5000, got.pending_ack);
	EXPECT_EQ(0x2010, got.pending_tsecr);		/* local */
	EXPECT_EQ(321, got.last_win);

	/*
	 * its next output, 1000 bytes with a SACK block (of the client's
	 * data): the first segment, so a report too
	 */
	o = (struct seg){ .saddr = lo, .daddr = lo, .sport = l.sport,
			  .dport = l.cport, .seq = nxt, .ack = rnxt,
			  .flags = F_ACK | F_PSH, .win = 50, .payload = 1000 };
	o.opts = self->opts;
	n = opt_ts(self->opts, 0x7777, 0x5000);
	edges[0] = rnxt + 100;
	edges[1] = rnxt + 200;
	o.optlen = n + opt_sack(self->opts + n, edges, 1);
	len = build(self->pkt, &o);
	hlen = len - o.payload;
	memcpy(mac, self->pkt, 12);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	ASSERT_EQ(1, clones(sn, clone));		/* the report */
	EXPECT_EQ(rnxt + 50, seg_seq(clone));		/* its edge */
	EXPECT_EQ(rnxt, seg_ack(clone));
	EXPECT_EQ(1, seg_ip_id(clone));			/* node 1 */
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_REPORT_SENT));
	/* the ACK given back: from the client, to this device's own MAC */
	ASSERT_EQ(hlen, self->r.len);
	EXPECT_EQ(0, memcmp(self->r.out, mac + 6, 6));
	EXPECT_EQ(0, memcmp(self->r.out + 6, mac, 6));
	EXPECT_EQ(hlen - ETH_LEN, get16(self->r.out + ETH_LEN + 2));
	EXPECT_TRUE(ip_csum_ok(self->r.out));
	EXPECT_EQ(l.cport, get16(self->r.out + TH));
	EXPECT_EQ(l.sport, get16(self->r.out + TH + 2));
	EXPECT_EQ(rnxt, seg_seq(self->r.out));		/* the stack's rcv_nxt */
	EXPECT_EQ(nxt + 1000, seg_ack(self->r.out));	/* this segment's end */
	EXPECT_EQ(F_ACK, self->r.out[TH + 13]);
	EXPECT_EQ(321, seg_win(self->r.out));		/* the client's */
	EXPECT_EQ(0, seg_urg(self->r.out));
	at = seg_opt(self->r.out, 8);
	ASSERT_NE(0, at);
	EXPECT_EQ(0x5000, get32(self->r.out + at));	/* ts_recent */
	EXPECT_EQ(0x2010, get32(self->r.out + at + 4));
	EXPECT_EQ(0, seg_opt(self->r.out, 5));		/* no SACK */
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_REAPPLIED));

	/* the next 1000 bytes: no report (nothing new), the ACK to their end */
	o.seq = nxt + 1000;
	len = build(self->pkt, &o);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(nxt + 2000, seg_ack(self->r.out));
	EXPECT_EQ(rnxt, seg_seq(self->r.out));
	/* output beyond what the client acknowledged: up to the pending ACK */
	o.seq = nxt + 4500;
	len = build(self->pkt, &o);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	EXPECT_EQ(nxt + 5000, seg_ack(self->r.out));
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_ACK_REAPPLIED));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_REPORT_SENT));

	/* the stack has it all (snd_una): stolen, nothing pending any more */
	EXPECT_EQ(1, pending(self->skel, &k));
	set_pending(self->skel, &k, nxt);
	o.seq = nxt;
	len = build(self->pkt, &o);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_ACK_REAPPLIED));
	EXPECT_EQ(0, pending(self->skel, &k));

	/* a client ACK that is not clamped and reaches the pending one */
	set_pending(self->skel, &k, nxt);
	s.ack = nxt - 0x1000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_CLAMPED));
	EXPECT_EQ(0, pending(self->skel, &k));
	close(sn);
	close(l.sfd);
	close(l.cfd);
	close(l.lfd);
}

/*
 * The epoch on the wire: the primary's clones carry its epoch's tag (in
 * the urgent pointer; with URG, in the IP ID), the original keeps its
 * own; a backup takes a clone only with its own epoch's tag and passes
 * the urgent pointer on as 0; its reports carry its epoch's tag, and a
 * primary takes a report only with its own.
 */
TEST_F(dp, epoch_tag)
{
	uint64_t e = 7ULL << 32 | 3, old = 6ULL << 32 | 2;
	uint16_t tag = tandem_bpf_epoch_tag(e), stale = tandem_bpf_epoch_tag(old);
	struct seg s = cseg(1, 700, 0, F_SYN);
	struct tandem_bpf_progress pr;
	struct tandem_bpf_conn c = {};
	uint8_t clone[PKT_MAX];
	int sn = lo_sniffer();
	size_t len;

	ASSERT_LE(0, sn);
	ASSERT_EQ(0x73, tag);
	ASSERT_NE(tag, stale);

	/* primary: the clone tagged, checksum right; the original as it was */
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);
	set_epoch(self->skel, VIP, e);
	s.urg = 0x1234;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	ASSERT_EQ(1, clones(sn, clone));
	EXPECT_EQ(tag, seg_urg(clone));
	EXPECT_TRUE(tcp_csum_ok(clone, len));
	/* with URG: in the IP ID, the urgent pointer the client's */
	s.flags |= F_URG;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	ASSERT_EQ(1, clones(sn, clone));
	EXPECT_EQ(tag, seg_ip_id(clone));
	EXPECT_EQ(0x1234, seg_urg(clone));
	EXPECT_TRUE(ip_csum_ok(clone));
	EXPECT_TRUE(tcp_csum_ok(clone, len));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRROR_ERR));

	/* a primary takes no report of another epoch */
	c.flags = TANDEM_BPF_CONN_F_DELTA;
	put_conn(self->skel, &c);
	s = cseg(0, 9000, 701, F_ACK);
	s.urg = stale;
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_STALE_EPOCH));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_REPORT_RECV));
	EXPECT_NE(0, get_progress(self->skel, &pr));
	s.urg = tag;
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_REPORT_RECV));
	ASSERT_EQ(0, get_progress(self->skel, &pr));
	EXPECT_EQ(2, pr.peers[0].node_id);

	/* backup: a stale primary's clone dropped, nothing learnt from it */
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	set_epoch(self->skel, VIP, e);
	s = cseg(1, 800, 0, F_SYN);
	s.urg = stale;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_STALE_EPOCH));
	ASSERT_EQ(0, get_conn(self->skel, &c));
	EXPECT_NE(800, c.client_isn);
	/* the current one's: taken, its urgent pointer 0 again */
	s.urg = tag;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, seg_urg(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &c));
	EXPECT_EQ(800, c.client_isn);

	/* its SYN-ACK, its confirmation, is a report tagged with its epoch */
	s = cseg(0, 9000, 801, F_SYN | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	EXPECT_EQ(tag, seg_urg(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	close(sn);
}

TANDEM_TEST_MAIN
