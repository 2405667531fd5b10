// SPDX-License-Identifier: GPL-2.0
/*
 * The WireGuard keys tandemd derives from the group key (wg.c): node keys
 * and pair PSKs deterministic, distinct per node and per pair, clamped for
 * X25519; public keys as WireGuard computes them: fixed vectors (the
 * private keys from the derivation's definition, their public keys
 * printed once by `wg pubkey`), and wg pubkey itself when installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "wg.h"

/* the group key of config_bpf_test.c: "0123456789abcdef" twice */
static void gkey(uint8_t k[TANDEM_KEY_LEN])
{
	memcpy(k, "0123456789abcdef0123456789abcdef", TANDEM_KEY_LEN);
}

static void b64(const uint8_t key[WG_KEY_BYTES], char out[45])
{
	EVP_EncodeBlock((unsigned char *)out, key, WG_KEY_BYTES);
}

static const struct {
	uint32_t id;
	const char *priv, *pub;
} vectors[] = {
	{ 1, "aPol+HQgBNP86H/G422O9/aFJ0eU0VthRiUCSdku9lc=",
	  "7TaHdRr/b0DcPSseML4jyPiQb4FedQKxFhh39gjvQiY=" },
	{ 2, "SOiqXyI4kkh482jPu3ztUw3tRRWGkQnDVb+Gjh4Am0Q=",
	  "Ac/TBk0piK//c6YUxqTgL8/IwlDU8T+O2LnDHDgWcCk=" },
	{ 3, "eNjCb0jIgCUbJA/p4K2e1HB65ghABwVBCAFoaA5Lol8=",
	  "lj6x7y1Zn7DjMXZ8oU7sDDmGUO1ucDaVVCfh3Aeh7QE=" },
};

TEST(fixed_vectors)
{
	uint8_t k[TANDEM_KEY_LEN], priv[WG_KEY_BYTES], pub[WG_KEY_BYTES];
	char text[45];
	unsigned int i;

	gkey(k);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		wg_node_key(k, vectors[i].id, priv);
		b64(priv, text);
		EXPECT_STREQ(vectors[i].priv, text);
		ASSERT_EQ(0, wg_public_key(priv, pub));
		b64(pub, text);
		EXPECT_STREQ(vectors[i].pub, text);
	}
	wg_pair_psk(k, 1, 2, priv);
	b64(priv, text);
	EXPECT_STREQ("pyXDFMcNQ3gZcodhRK6bEh+nxqeKPkykyu+qFTRKHho=", text);
}

TEST(deterministic_distinct_clamped)
{
	uint8_t k[TANDEM_KEY_LEN], k2[TANDEM_KEY_LEN];
	uint8_t a[WG_KEY_BYTES], b[WG_KEY_BYTES], c[WG_KEY_BYTES];
	uint32_t id;

	gkey(k);
	memcpy(k2, k, sizeof(k2));
	k2[31] ^= 1;
	for (id = 1; id < 200; id++) {
		wg_node_key(k, id, a);
		wg_node_key(k, id, b);
		ASSERT_EQ(0, memcmp(a, b, sizeof(a)));
		ASSERT_EQ(0, a[0] & 7);
		ASSERT_EQ(0x40, a[31] & 0xc0);
		wg_node_key(k, id + 1, c);
		ASSERT_NE(0, memcmp(a, c, sizeof(a)));
		wg_node_key(k2, id, c);	/* another group key */
		ASSERT_NE(0, memcmp(a, c, sizeof(a)));
	}
	/* a pair's PSK: either order, not another pair's, not a node key */
	wg_pair_psk(k, 1, 2, a);
	wg_pair_psk(k, 2, 1, b);
	ASSERT_EQ(0, memcmp(a, b, sizeof(a)));
	wg_pair_psk(k, 1, 3, c);
	ASSERT_NE(0, memcmp(a, c, sizeof(a)));
	wg_pair_psk(k, 2, 3, b);
	ASSERT_NE(0, memcmp(a, b, sizeof(a)));
	ASSERT_NE(0, memcmp(b, c, sizeof(b)));
	/* ids as 4 bytes each: (1, 256) and (256, 1)'s bytes are not (1, 2)'s */
	wg_pair_psk(k, 1, 256, b);
	ASSERT_NE(0, memcmp(a, b, sizeof(a)));
	wg_node_key(k, 1, b);
	ASSERT_NE(0, memcmp(a, b, sizeof(a)));
	wg_node_key(k, 2, c);
	ASSERT_NE(0, memcmp(a, c, sizeof(a)));
}

/* Against `wg pubkey` itself, on keys of ids the vectors do not have. */
TEST(wg_pubkey)
{
	uint8_t k[TANDEM_KEY_LEN], priv[WG_KEY_BYTES], pub[WG_KEY_BYTES];
	char cmd[128], text[45], line[128];
	uint32_t ids[] = { 7, 4000000000u };
	unsigned int i;
	FILE *p;

	if (system("command -v wg >/dev/null 2>&1"))
		SKIP(return, "wg (wireguard-tools) not installed: the fixed vectors only");
	gkey(k);
	for (i = 0; i < 2; i++) {
		wg_node_key(k, ids[i], priv);
		b64(priv, text);
		snprintf(cmd, sizeof(cmd), "echo %s | wg pubkey", text);
		p = popen(cmd, "r");
		ASSERT_NE(NULL, p);
		ASSERT_NE(NULL, fgets(line, sizeof(line), p));
		pclose(p);
		line[strcspn(line, "\n")] = '\0';
		ASSERT_EQ(0, wg_public_key(priv, pub));
		b64(pub, text);
		TH_LOG("node %u: %s", ids[i], text);
		EXPECT_STREQ(line, text);
	}
}

TEST_HARNESS_MAIN
