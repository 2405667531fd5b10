/* SPDX-License-Identifier: GPL-2.0 */
/* Directed scenarios of the agreement core, each run over a few seeds. */
#ifndef TANDEM_AGREE_SCENARIO_H
#define TANDEM_AGREE_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

unsigned int scenario_count(void);
/* Print one TAP line per scenario, numbered from *t + 1; 1 if any failed. */
int scenario_all(unsigned int *t);
/* Run one scenario with one seed, tracing if asked; exit status. */
int scenario_replay(const char *name, uint64_t seed, bool trace);

#endif /* TANDEM_AGREE_SCENARIO_H */
