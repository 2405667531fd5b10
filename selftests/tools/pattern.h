/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Offset-addressable pseudo-random byte streams. Byte i of the stream of
 * seed s depends only on (s, i), so any offset can be produced or checked
 * without the bytes before it: the client's data, the server's keystream
 * and the client's expectation (data XOR keystream) are all such streams.
 */
#ifndef TSTREAM_PATTERN_H
#define TSTREAM_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* The server's keystream seed; a nondeterministic server XORs a salt in. */
#define PATTERN_KEY_SEED 0x74616e64656d0001ULL

uint64_t pattern_mix(uint64_t x);
/* The data seed of client connection idx for the run seed. */
uint64_t pattern_conn_seed(uint64_t run_seed, unsigned int idx);
/* buf[i] = byte off+i of stream seed */
void pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);
/* buf[i] ^= byte off+i of stream seed */
void pattern_xor(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);
/*
 * Compare buf with bytes off.. of stream dseed XOR stream kseed. Returns the
 * index of the first differing byte (its expected value in *want), or len.
 */
size_t pattern_verify(uint64_t dseed, uint64_t kseed, uint64_t off,
		      const uint8_t *buf, size_t len, uint8_t *want);

#endif
