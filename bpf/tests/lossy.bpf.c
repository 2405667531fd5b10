// SPDX-License-Identifier: GPL-2.0
/*
 * A bad link for the host tests, where the kernel has no netem (the build
 * host loads no modules): on tc egress, drops loss_pct% of the packets and
 * sends dup_pct% twice. tbpf lossy attaches it. Not part of tandem.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define LOSSY_MARK	0x10557

volatile const __u32 loss_pct;
volatile const __u32 dup_pct;

SEC("tc")
int tandem_test_lossy(struct __sk_buff *skb)
{
	__u32 r, mark = skb->mark;

	if (mark == LOSSY_MARK)
		return TC_ACT_OK;	/* a duplicate we made */
	r = bpf_get_prandom_u32() % 100;
	if (r < loss_pct)
		return TC_ACT_SHOT;
	if (r < loss_pct + dup_pct) {
		skb->mark = LOSSY_MARK;
		bpf_clone_redirect(skb, skb->ifindex, 0);
		skb->mark = mark;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
