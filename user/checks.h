/* SPDX-License-Identifier: MIT */
/* What selfprof-bpf needs from the system before it touches BPF. */
#ifndef SELFPROF_CHECKS_H
#define SELFPROF_CHECKS_H
#include <stdbool.h>

/* Root, or CAP_BPF and CAP_PERFMON in the effective set. */
bool checks_privileged(void);
/* The kernel's own BTF (CO-RE and tp_btf programs need it). */
bool checks_btf(void);

#endif
