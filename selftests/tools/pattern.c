// SPDX-License-Identifier: GPL-2.0
/*
 * Offset-addressable streams: byte i of stream s is byte i % 8 (little
 * endian) of the 64-bit word mix(s + (i / 8) * golden), where mix is the
 * splitmix64 finalizer.
 */
#include <string.h>

#include "pattern.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

uint64_t pattern_mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t pattern_conn_seed(uint64_t run_seed, unsigned int idx)
{
	return pattern_mix(pattern_mix(run_seed) + idx);
}

static uint64_t word(uint64_t seed, uint64_t pos)
{
	return pattern_mix(seed + (pos >> 3) * GOLDEN);
}

/*
 * The bytes of the word holding stream position pos, from pos to the end of
 * the word or max bytes, into b; returns how many.
 */
static size_t word_bytes(uint64_t w, uint64_t pos, size_t max, uint8_t *b)
{
	unsigned int skip = pos & 7;
	size_t n = 8 - skip;

	if (n > max)
		n = max;
	w >>= 8 * skip;
	for (size_t k = 0; k < n; k++, w >>= 8)
		b[k] = w;
	return n;
}

void pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len;)
		i += word_bytes(word(seed, off + i), off + i, len - i, buf + i);
}

void pattern_xor(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	uint8_t b[8];

	for (size_t i = 0; i < len;) {
		size_t n = word_bytes(word(seed, off + i), off + i, len - i, b);

		for (size_t k = 0; k < n; k++)
			buf[i + k] ^= b[k];
		i += n;
	}
}

size_t pattern_verify(uint64_t dseed, uint64_t kseed, uint64_t off,
		      const uint8_t *buf, size_t len, uint8_t *want)
{
	uint8_t b[8];

	for (size_t i = 0; i < len;) {
		uint64_t w = word(dseed, off + i) ^ word(kseed, off + i);
		size_t n = word_bytes(w, off + i, len - i, b);

		if (memcmp(buf + i, b, n)) {
			for (size_t k = 0;; k++) {
				if (buf[i + k] != b[k]) {
					*want = b[k];
					return i + k;
				}
			}
		}
		i += n;
	}
	return len;
}
