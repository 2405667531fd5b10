#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation check of the agreement tests.

Injects each deliberate bug below into a scratch copy of the core, builds
sim_test there and runs it; every mutant should fail the suite, except those
marked as covered by another rule (see docs/agreement.md, "Mutation check").

    ctl/agree/mutants.py [SEEDS [M1 M2 ...]]     (make -C ctl/agree mutants)
"""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.abspath(__file__))

# name: (file, original text, mutated text)
MUTANTS = {
 'M1 ack grants despite another live grant': ('voter.c', 'ok = grant_free_for(n, m->from);', 'ok = !(n->now < n->quiet_until);'),
 'M2 promise ignores live grants': ('voter.c', '	if (!grant_free_for(n, m->from)) {\n		reply(n, m, AGREE_MSG_PROMISE, false);', '	if (n->now < n->quiet_until) {\n		reply(n, m, AGREE_MSG_PROMISE, false);'),
 'M3 primary lease not shortened by drift': ('grant.c', 'n->lease_len = L - drift;', 'n->lease_len = L;'),
 'M4 grant not lengthened by drift': ('grant.c', 'n->grant_len = L + drift + n->cfg.margin;', 'n->grant_len = L + n->cfg.margin;'),
 'M5 no quiet period after restart': ('grant.c', 'n->quiet_len = n->grant_len;', 'n->quiet_len = 0;'),
 'M6 promised epoch not persisted': ('agree.c', '	if (persist)\n		n->persist = *persist;', '	(void)persist;'),
 'M7 no lease check on entry': ('primary.c', '	if (n->role == AGREE_ROLE_PRIMARY && n->now >= n->lease_expiry)\n		primary_fence', '	if (0)\n		primary_fence'),
 'M8 acks of other epochs renew the lease': ('primary.c', '	if (m->epoch != n->epoch || !(m->flags & AGREE_F_OK) ||', '	if (!(m->flags & AGREE_F_OK) ||'),
 'M9 heartbeats below the promise accepted': ('voter.c', '	if (m->epoch < n->persist.promised) {', '	if (0) {'),
 'M10 RELEASE drops grants of anyone': ('grant.c', '	if (n->grant.holder == holder && n->grant.epoch <= epoch)', '	if (n->grant.epoch <= epoch || holder)'),
 'M11 majority off by one': ('agree.c', 'n->majority = c.n_members / 2 + 1;', 'n->majority = (c.n_members + 1) / 2;'),
 'M12 lease counted from the win, not the PREPARE': ('primary.c', '	int64_t lease = n->cand_start + n->lease_len;', '	int64_t lease = n->now + n->lease_len;'),
 'M13 renewal counted from ack receipt': ('primary.c', '	p->ack_stamp = m->stamp;', '	p->ack_stamp = n->now;'),
 'M14 no pre-vote': ('election.c', '	if (popcount(n->ok_mask) >= n->majority) {\n		if (n->phase == AGREE_PHASE_PREVOTE)', '	if (n->phase == AGREE_PHASE_PREVOTE || popcount(n->ok_mask) >= n->majority) {\n		if (n->phase == AGREE_PHASE_PREVOTE)'),
 'M15 PREPARE does not check the promised epoch': ('voter.c', 'released(n, m->from, m->epoch) || m->epoch <= n->persist.promised) {', 'released(n, m->from, m->epoch)) {'),
 'M16 unhealthy backups stand': ('election.c', '	return !is_witness(n, n->self) && n->healthy &&', '	return !is_witness(n, n->self) &&'),
 'M17 witnesses stand': ('election.c', '	return !is_witness(n, n->self) && n->healthy &&', '	return n->healthy &&'),
 'M18 no re-prepare on a higher promise': ('primary.c', '		n->reprepare_at = n->now;\n', '		n->reprepare_at = n->reprepare_at;\n'),
 'M20 grant renewal does not extend expiry': ('grant.c', '	g->expiry = max64(g->expiry, until);', ''),
 'M21 lease from one ack fewer than a majority': ('primary.c', '	t = s[n->majority - 1];', '	t = s[n->majority > 1 ? n->majority - 2 : 0];'),
 'M22 quiet period without drift': ('grant.c', 'n->quiet_len = n->grant_len;', 'n->quiet_len = n->cfg.lease - 1;'),
 'M23 fence does not drop own grant (liveness)': ('primary.c', '	grant_drop(n, self_id(n), upto);', ''),
 'M24 no RELEASE on fence (liveness)': ('primary.c', '	out_msg(n, AGREE_MSG_RELEASE, AGREE_BROADCAST, upto);', ''),
 'M25 no rank veto': ('rank.c', '	return above(n, n->self, own, c, m->conns);', '	return false && above(n, n->self, own, c, m->conns);'),
 'M26 votes use the periodic count': ('rank.c', '	if (n->cfg.read_conns)\n		n->conns', '	if (0)\n		n->conns'),
 'M27 pre-vote does not wait for ranks': ('election.c', '	return n->phase == AGREE_PHASE_PREVOTE && !unranked(n) &&\n	       n->now < wait_end(n)', '	return 0 && n->now < wait_end(n)'),
 'M28 a veto does not end the attempt': ('election.c', '		n->refused_until = 0;\n		election_stop(n, true);\n		return;', '		count(n);\n		return;'),
 'M29 a lost handover is not sent again': ('primary.c', '	out_msg(n, AGREE_MSG_RELEASE, AGREE_BROADCAST, n->ho_release);\n	handover_send(n);', '	n->ho_target = 0;'),
 'M30 a pre-vote ballot repeats across attempts': ('election.c', '	if (e <= n->pv_epoch)', '	if (0)'),
 'M31 no new pre-vote when the count fell': ('election.c', '	if (rank_fresh(n) < n->cand_conns && !unranked(n) &&', '	if (0 && rank_fresh(n) < n->cand_conns && !unranked(n) &&'),
 'M32 rank ignores other ballots seen': ('agree.c', '	return maxu64(agree_prior(n, self_id(n)), n->other_seen);', '	return agree_prior(n, self_id(n));'),
 'M19 late win allowed': ('election.c', '	if (n->now >= n->cand_start + n->lease_len) {', '	if (0) {'),
}

# Covered by another rule: the suite passing with them is expected.
REDUNDANT = {'M1', 'M8', 'M15', 'M17', 'M19'}


def main():
    seeds = sys.argv[1] if len(sys.argv) > 1 else '2000'
    only = sys.argv[2:]
    unexpected = 0
    with tempfile.TemporaryDirectory(prefix='agree-mutants.') as tmp:
        for name, (f, old, new) in MUTANTS.items():
            tag = name.split()[0]
            if only and tag not in only:
                continue
            d = os.path.join(tmp, tag)
            shutil.copytree(SRC, d, ignore=shutil.ignore_patterns(
                '*.o', '*.d', '*.a', 'san', 'sim_test', 'sim_san_test'))
            p = os.path.join(d, f)
            with open(p) as fh:
                s = fh.read()
            if old not in s:
                print('%-52s PATTERN NOT FOUND' % name)
                unexpected += 1
                continue
            with open(p, 'w') as fh:
                fh.write(s.replace(old, new, 1))
            r = subprocess.run(['make', '-C', d, 'sim_test'],
                               capture_output=True, text=True)
            if r.returncode:
                print('%-52s BUILD FAILED' % name)
                unexpected += 1
                continue
            r = subprocess.run([os.path.join(d, 'sim_test'), '--seeds', seeds],
                               capture_output=True, text=True)
            bad = [l for l in r.stdout.splitlines() if l.startswith('not ok')]
            verdict = 'caught' if bad else 'not caught'
            if not bad and tag in REDUNDANT:
                verdict += ' (covered by another rule)'
            elif not bad:
                unexpected += 1
            print('%-52s %s' % (name, verdict))
            for l in bad:
                print('    ' + l[:150])
    return 1 if unexpected else 0


if __name__ == '__main__':
    sys.exit(main())
