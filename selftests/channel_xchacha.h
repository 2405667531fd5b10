/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tag of TANDEM_MAC_XCHACHA20_POLY1305 (include/uapi/linux/tandem_wire.h)
 * for the tests and tools, without the kernel's help: ChaCha20 and Poly1305
 * (RFC 8439), HChaCha20 (draft-irtf-cfrg-xchacha), and the AEAD's tag over an
 * empty plaintext with associated data. Header only; not constant time (it
 * only builds test datagrams).
 */
#ifndef TANDEM_CHANNEL_XCHACHA_H
#define TANDEM_CHANNEL_XCHACHA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t xc_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t xc_le64(const uint8_t *p)
{
	return xc_le32(p) | (uint64_t)xc_le32(p + 4) << 32;
}

static inline void xc_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline void xc_put_le64(uint8_t *p, uint64_t v)
{
	xc_put_le32(p, v);
	xc_put_le32(p + 4, v >> 32);
}

#define XC_ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define XC_QR(a, b, c, d) do {						\
	a += b; d ^= a; d = XC_ROTL(d, 16);				\
	c += d; b ^= c; b = XC_ROTL(b, 12);				\
	a += b; d ^= a; d = XC_ROTL(d, 8);				\
	c += d; b ^= c; b = XC_ROTL(b, 7);				\
} while (0)

/* The state's 16 words after 20 rounds (no feed-forward). */
static inline void chacha20_rounds(uint32_t x[16])
{
	int i;

	for (i = 0; i < 10; i++) {
		XC_QR(x[0], x[4], x[8], x[12]);
		XC_QR(x[1], x[5], x[9], x[13]);
		XC_QR(x[2], x[6], x[10], x[14]);
		XC_QR(x[3], x[7], x[11], x[15]);
		XC_QR(x[0], x[5], x[10], x[15]);
		XC_QR(x[1], x[6], x[11], x[12]);
		XC_QR(x[2], x[7], x[8], x[13]);
		XC_QR(x[3], x[4], x[9], x[14]);
	}
}

/* Constants and key; words 12..15 are the caller's. */
static inline void chacha20_init(uint32_t s[16], const uint8_t key[32])
{
	int i;

	s[0] = 0x61707865;
	s[1] = 0x3320646e;
	s[2] = 0x79622d32;
	s[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		s[4 + i] = xc_le32(key + 4 * i);
}

/* RFC 8439 2.3: the block of key, counter and 96-bit nonce. */
static inline void chacha20_block(const uint8_t key[32], uint32_t counter,
				  const uint8_t nonce[12], uint8_t out[64])
{
	uint32_t s[16], x[16];
	int i;

	chacha20_init(s, key);
	s[12] = counter;
	for (i = 0; i < 3; i++)
		s[13 + i] = xc_le32(nonce + 4 * i);
	memcpy(x, s, sizeof(x));
	chacha20_rounds(x);
	for (i = 0; i < 16; i++)
		xc_put_le32(out + 4 * i, x[i] + s[i]);
}

/* HChaCha20: the subkey of key and the first 16 bytes of a 24-byte nonce. */
static inline void hchacha20(const uint8_t key[32], const uint8_t nonce[16],
			     uint8_t out[32])
{
	uint32_t x[16];
	int i;

	chacha20_init(x, key);
	for (i = 0; i < 4; i++)
		x[12 + i] = xc_le32(nonce + 4 * i);
	chacha20_rounds(x);
	for (i = 0; i < 4; i++) {
		xc_put_le32(out + 4 * i, x[i]);
		xc_put_le32(out + 16 + 4 * i, x[12 + i]);
	}
}

/* Poly1305 (RFC 8439 2.5), in limbs of 44, 44 and 42 bits. */
struct poly1305 {
	uint64_t r[3], s[2], h[3], pad[2];
	uint8_t buf[16];
	size_t n;
};

#define XC_M44 0xfffffffffffULL
#define XC_M42 0x3ffffffffffULL

static inline void poly1305_init(struct poly1305 *p, const uint8_t key[32])
{
	uint64_t t0 = xc_le64(key), t1 = xc_le64(key + 8);

	memset(p, 0, sizeof(*p));
	p->r[0] = t0 & 0xffc0fffffffULL;
	p->r[1] = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL;
	p->r[2] = (t1 >> 24) & 0x00ffffffc0fULL;
	p->s[0] = p->r[1] * 20;
	p->s[1] = p->r[2] * 20;
	p->pad[0] = xc_le64(key + 16);
	p->pad[1] = xc_le64(key + 24);
}

static inline void poly1305_block(struct poly1305 *p, const uint8_t m[16],
				  uint64_t hibit)
{
	uint64_t t0 = xc_le64(m), t1 = xc_le64(m + 8), *h = p->h, c;
	const uint64_t *r = p->r, *s = p->s;
	unsigned __int128 d0, d1, d2;

	h[0] += t0 & XC_M44;
	h[1] += ((t0 >> 44) | (t1 << 20)) & XC_M44;
	h[2] += ((t1 >> 24) & XC_M42) | hibit;
	d0 = (unsigned __int128)h[0] * r[0] + (unsigned __int128)h[1] * s[1] +
	     (unsigned __int128)h[2] * s[0];
	d1 = (unsigned __int128)h[0] * r[1] + (unsigned __int128)h[1] * r[0] +
	     (unsigned __int128)h[2] * s[1];
	d2 = (unsigned __int128)h[0] * r[2] + (unsigned __int128)h[1] * r[1] +
	     (unsigned __int128)h[2] * r[0];
	c = d0 >> 44;
	h[0] = (uint64_t)d0 & XC_M44;
	d1 += c;
	c = d1 >> 44;
	h[1] = (uint64_t)d1 & XC_M44;
	d2 += c;
	c = d2 >> 42;
	h[2] = (uint64_t)d2 & XC_M42;
	h[0] += c * 5;
	c = h[0] >> 44;
	h[0] &= XC_M44;
	h[1] += c;
}

static inline void poly1305_update(struct poly1305 *p, const void *data,
				   size_t len)
{
	const uint8_t *m = data;
	size_t k;

	while (len) {
		k = 16 - p->n < len ? 16 - p->n : len;
		memcpy(p->buf + p->n, m, k);
		p->n += k;
		m += k;
		len -= k;
		if (p->n == 16) {
			poly1305_block(p, p->buf, 1ULL << 40);
			p->n = 0;
		}
	}
}

static inline void poly1305_final(struct poly1305 *p, uint8_t tag[16])
{
	uint64_t *h = p->h, g0, g1, g2, c, mask, t0, t1;

	if (p->n) {
		p->buf[p->n] = 1;
		memset(p->buf + p->n + 1, 0, 15 - p->n);
		poly1305_block(p, p->buf, 0);
	}
	c = h[1] >> 44; h[1] &= XC_M44; h[2] += c;
	c = h[2] >> 42; h[2] &= XC_M42; h[0] += c * 5;
	c = h[0] >> 44; h[0] &= XC_M44; h[1] += c;
	c = h[1] >> 44; h[1] &= XC_M44; h[2] += c;
	c = h[2] >> 42; h[2] &= XC_M42; h[0] += c * 5;
	c = h[0] >> 44; h[0] &= XC_M44; h[1] += c;
	/* h - p: kept if h >= p = 2^130 - 5 */
	g0 = h[0] + 5; c = g0 >> 44; g0 &= XC_M44;
	g1 = h[1] + c; c = g1 >> 44; g1 &= XC_M44;
	g2 = h[2] + c - (1ULL << 42);
	mask = (g2 >> 63) - 1;	/* all ones if no borrow: h >= p */
	h[0] = (h[0] & ~mask) | (g0 & mask);
	h[1] = (h[1] & ~mask) | (g1 & mask);
	h[2] = (h[2] & ~mask) | (g2 & mask & XC_M42);
	t0 = p->pad[0];
	t1 = p->pad[1];
	h[0] += t0 & XC_M44; c = h[0] >> 44; h[0] &= XC_M44;
	h[1] += (((t0 >> 44) | (t1 << 20)) & XC_M44) + c; c = h[1] >> 44;
	h[1] &= XC_M44;
	h[2] += ((t1 >> 24) & XC_M42) + c; h[2] &= XC_M42;
	xc_put_le64(tag, h[0] | h[1] << 44);
	xc_put_le64(tag + 8, h[1] >> 20 | h[2] << 24);
}

/*
 * The tag XChaCha20-Poly1305 gives an empty plaintext with associated data
 * ad, under key and a 24-byte nonce (as the kernel's
 * xchacha20poly1305_encrypt(tag, NULL, 0, ad, len, nonce, key)).
 */
static inline void xchacha20poly1305_tag(const uint8_t key[32],
					 const uint8_t nonce[24],
					 const void *ad, size_t len,
					 uint8_t tag[16])
{
	static const uint8_t zero[16];
	uint8_t sub[32], n12[12] = { 0 }, block[64], lens[16];
	struct poly1305 p;

	hchacha20(key, nonce, sub);
	memcpy(n12 + 4, nonce + 16, 8);
	chacha20_block(sub, 0, n12, block);
	poly1305_init(&p, block);
	poly1305_update(&p, ad, len);
	if (len % 16)
		poly1305_update(&p, zero, 16 - len % 16);
	xc_put_le64(lens, len);
	xc_put_le64(lens + 8, 0);
	poly1305_update(&p, lens, sizeof(lens));
	poly1305_final(&p, tag);
}

#endif /* TANDEM_CHANNEL_XCHACHA_H */
