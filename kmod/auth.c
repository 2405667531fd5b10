// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication of replication datagrams (tandem_wire.h): HMAC-SHA256
 * under the group key truncated to TANDEM_WIRE_TAG_LEN bytes, or the tag of
 * XChaCha20-Poly1305 over an empty plaintext, and the replay window of each
 * sender (RFC 6479: a ring of words, cleared a word at a time as the
 * window moves).
 */

#include <crypto/algapi.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "channel.h"

/* The label of the XChaCha20-Poly1305 key derived from the group key. */
static const char xchacha_label[] = "tandem xchacha20-poly1305";

static int hmac_new(struct tandem_auth *a, const u8 *key)
{
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, key, TANDEM_KEY_LEN);
	if (ret) {
		crypto_free_shash(tfm);
		return ret;
	}
	a->tfm = tfm;
	return 0;
}

/*
 * The authenticator of @mac keyed with @key (TANDEM_KEY_LEN bytes); process
 * context. XChaCha20-Poly1305 takes a key of its own, derived with
 * HMAC-SHA256, so that no key serves two constructions.
 */
struct tandem_auth *tandem_auth_new(u8 mac, const u8 *key)
{
	struct tandem_auth *a;
	int ret;

	BUILD_BUG_ON(TANDEM_KEY_LEN != CHACHA20POLY1305_KEY_SIZE);
	BUILD_BUG_ON(SHA256_DIGEST_SIZE != CHACHA20POLY1305_KEY_SIZE);
	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->mac = mac;
	ret = hmac_new(a, key);
	if (ret)
		goto err;
	if (mac == TANDEM_MAC_HMAC_SHA256)
		return a;
	ret = crypto_shash_tfm_digest(a->tfm, xchacha_label,
				      sizeof(xchacha_label) - 1, a->key);
	crypto_free_shash(a->tfm);
	a->tfm = NULL;
	if (!ret)
		return a;
err:
	kfree_sensitive(a);
	return ERR_PTR(ret);
}

void tandem_auth_free(struct tandem_auth *a)
{
	if (!a)
		return;
	if (a->tfm)
		crypto_free_shash(a->tfm);
	kfree_sensitive(a);
}

/* The nonce: group_id | sender | epoch | seq, as in the header. */
static void xchacha_nonce(const struct tandem_wire_hdr *h,
			  u8 nonce[XCHACHA20POLY1305_NONCE_SIZE])
{
	BUILD_BUG_ON(XCHACHA20POLY1305_NONCE_SIZE != 24);
	memcpy(nonce, &h->group_id, 4);
	memcpy(nonce + 4, &h->sender, 4);
	memcpy(nonce + 8, &h->epoch, 8);
	memcpy(nonce + 16, &h->seq, 8);
}

static int hmac_tag(struct crypto_shash *tfm, const void *data, size_t len,
		    u8 *tag)
{
	u8 mac[SHA256_DIGEST_SIZE];
	int ret;

	ret = crypto_shash_tfm_digest(tfm, data, len, mac);
	if (!ret)
		memcpy(tag, mac, TANDEM_WIRE_TAG_LEN);
	memzero_explicit(mac, sizeof(mac));
	return ret;
}

/*
 * The tag of the datagram of @len bytes at @data (a header first); any
 * context: the authenticator is only read, so it may be shared.
 */
int tandem_auth_tag(const struct tandem_auth *a, const void *data,
		    size_t len, u8 *tag)
{
	u8 nonce[XCHACHA20POLY1305_NONCE_SIZE];

	BUILD_BUG_ON(TANDEM_WIRE_TAG_LEN != CHACHA20POLY1305_AUTHTAG_SIZE);
	if (a->mac == TANDEM_MAC_HMAC_SHA256)
		return hmac_tag(a->tfm, data, len, tag);
	if (len < sizeof(struct tandem_wire_hdr))
		return -EINVAL;
	xchacha_nonce(data, nonce);
	xchacha20poly1305_encrypt(tag, NULL, 0, data, len, nonce, a->key);
	return 0;
}

bool tandem_auth_verify(const struct tandem_auth *a, const void *data,
			size_t len, const u8 *tag)
{
	u8 nonce[XCHACHA20POLY1305_NONCE_SIZE], want[TANDEM_WIRE_TAG_LEN];
	bool ok;

	if (a->mac != TANDEM_MAC_HMAC_SHA256) {
		if (len < sizeof(struct tandem_wire_hdr))
			return false;
		xchacha_nonce(data, nonce);
		return xchacha20poly1305_decrypt(want, tag, TANDEM_WIRE_TAG_LEN,
						 data, len, nonce, a->key);
	}
	ok = !hmac_tag(a->tfm, data, len, want) &&
	     !crypto_memneq(want, tag, sizeof(want));
	memzero_explicit(want, sizeof(want));
	return ok;
}

/* Marks @seq as received; false if it was, or is older than the window. */
static bool window_mark(struct tandem_peer *p, u64 seq)
{
	u64 word = seq / 64, top_word = p->top / 64, bit = 1ULL << (seq % 64);
	u64 i, n;

	if (!seq)
		return false;	/* never sent: the clock does not start at 0 */
	if (seq > p->top) {
		n = min_t(u64, word - top_word, TANDEM_REPLAY_WORDS);
		for (i = 1; i <= n; i++)
			p->bits[(top_word + i) % TANDEM_REPLAY_WORDS] = 0;
		p->top = seq;
	} else if (top_word - word >= TANDEM_REPLAY_WORDS) {
		return false;
	}
	if (p->bits[word % TANDEM_REPLAY_WORDS] & bit)
		return false;
	p->bits[word % TANDEM_REPLAY_WORDS] |= bit;
	return true;
}

/*
 * Accepts (epoch, seq) from the sender of @p once. A newer epoch starts a
 * new window; an older one is stale. Call only for authenticated datagrams.
 */
enum tandem_replay tandem_replay_check(struct tandem_peer *p, u64 epoch,
				       u64 seq)
{
	enum tandem_replay ret = TANDEM_REPLAY_OK;

	BUILD_BUG_ON((TANDEM_REPLAY_WORDS - 1) * 64 < TANDEM_WIRE_REPLAY_WINDOW);
	spin_lock_bh(&p->lock);
	if (epoch < p->epoch) {
		ret = TANDEM_REPLAY_STALE;
	} else {
		if (epoch > p->epoch) {
			p->epoch = epoch;
			p->top = 0;
			memset(p->bits, 0, sizeof(p->bits));
		}
		if (!window_mark(p, seq))
			ret = TANDEM_REPLAY_DUP;
	}
	spin_unlock_bh(&p->lock);
	return ret;
}

struct tandem_peer *tandem_peer_new(void)
{
	struct tandem_peer *p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);

	if (p)
		spin_lock_init(&p->lock);
	return p;
}

void tandem_peer_free(struct tandem_peer *p)
{
	kfree(p);
}

void tandem_peer_heard(struct tandem_peer *p)
{
	WRITE_ONCE(p->last_heard, jiffies ?: 1);
}

unsigned long tandem_peer_last_heard(const struct tandem_peer *p)
{
	return READ_ONCE(p->last_heard);
}

/* TANDEM_A_MEMBER_LAST_HEARD_MS, if the member was ever heard from. */
int tandem_peer_fill(struct sk_buff *skb, const struct tandem_peer *p)
{
	unsigned long heard = READ_ONCE(p->last_heard);
	u64 ms;

	if (!heard)
		return 0;
	ms = jiffies64_to_msecs(jiffies - heard);
	return nla_put_u32(skb, TANDEM_A_MEMBER_LAST_HEARD_MS,
			   min_t(u64, ms, U32_MAX));
}

/*
 * A micro-benchmark of the MACs, for docs/benchmarks.md: writing N to
 * /sys/module/tandem/parameters/mac_bench tags and verifies a datagram of
 * MAC_BENCH_LEN bytes N times with each MAC, in MAC_BENCH_ROUNDS rounds
 * that alternate the MACs, and logs the nanoseconds per datagram of each
 * MAC's fastest round (a VM's vCPU is preempted by its host at times: the
 * fastest round is the one least disturbed). Process context; root only.
 */
#define MAC_BENCH_LEN 1400
#define MAC_BENCH_ROUNDS 10

static u64 mac_bench_one(const struct tandem_auth *a, u8 *d, unsigned int n)
{
	u64 start = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		((struct tandem_wire_hdr *)d)->seq = cpu_to_be64(i + 1);
		tandem_auth_tag(a, d, MAC_BENCH_LEN, d + MAC_BENCH_LEN);
		if (!tandem_auth_verify(a, d, MAC_BENCH_LEN, d + MAC_BENCH_LEN))
			return U64_MAX;
	}
	return div_u64(ktime_get_ns() - start, n);
}

static int mac_bench_set(const char *val, const struct kernel_param *kp)
{
	static const char *const names[] = { "hmac-sha256", "xchacha20-poly1305" };
	struct tandem_auth *a[__TANDEM_MAC_MAX] = {};
	u8 key[TANDEM_KEY_LEN] = { 0x42 };
	u64 ns[__TANDEM_MAC_MAX];
	unsigned int n, mac, r;
	u8 *d;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(names) != __TANDEM_MAC_MAX);
	ret = kstrtouint(val, 0, &n);
	if (ret || n < MAC_BENCH_ROUNDS || n > 1000000)
		return ret ?: -ERANGE;
	d = kzalloc(MAC_BENCH_LEN + TANDEM_WIRE_TAG_LEN, GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	for (mac = 0; mac < __TANDEM_MAC_MAX; mac++) {
		ns[mac] = U64_MAX;
		a[mac] = tandem_auth_new(mac, key);
		if (IS_ERR(a[mac])) {
			ret = PTR_ERR(a[mac]);
			a[mac] = NULL;
			goto out;
		}
	}
	for (r = 0; r < MAC_BENCH_ROUNDS; r++) {
		for (mac = 0; mac < __TANDEM_MAC_MAX; mac++)
			ns[mac] = min(ns[mac], mac_bench_one(a[mac], d,
						n / MAC_BENCH_ROUNDS));
		cond_resched();
	}
	pr_info("mac_bench: %u datagrams of %u bytes, tag and verify, fastest of %u rounds: %s %llu ns, %s %llu ns each\n",
		n, MAC_BENCH_LEN, MAC_BENCH_ROUNDS, names[0], ns[0], names[1],
		ns[1]);
out:
	for (mac = 0; mac < __TANDEM_MAC_MAX; mac++)
		tandem_auth_free(a[mac]);
	kfree(d);
	return ret;
}

static const struct kernel_param_ops mac_bench_ops = {
	.set = mac_bench_set,
};
module_param_cb(mac_bench, &mac_bench_ops, NULL, 0200);
MODULE_PARM_DESC(mac_bench, "write N: time N tags and checks of a 1400-byte datagram with each MAC (logged)");
