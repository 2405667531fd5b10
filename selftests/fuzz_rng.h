/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seeded random numbers of the fuzzers (fuzz_netlink_test.c through
 * fuzz_netlink.h, tools/tfuzz.c): xorshift64*, the same sequence for the
 * same seed in rng. Header only: one generator per program.
 */
#ifndef TANDEM_FUZZ_RNG_H
#define TANDEM_FUZZ_RNG_H

#include <stdbool.h>
#include <stdint.h>

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 2685821657736338717ULL) >> 32;
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

#endif /* TANDEM_FUZZ_RNG_H */
