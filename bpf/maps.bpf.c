// SPDX-License-Identifier: GPL-2.0
/* The definitions of the maps every program file declares (maps.bpf.h). */
#define TANDEM_MAPS_DEFINE
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";
