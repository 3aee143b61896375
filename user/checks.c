// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "checks.h"

#define CAP_PERFMON_BIT	38
#define CAP_BPF_BIT	39

static unsigned long long cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long caps = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

bool checks_privileged(void)
{
	unsigned long long need = (1ULL << CAP_PERFMON_BIT) | (1ULL << CAP_BPF_BIT);

	return geteuid() == 0 || (cap_eff() & need) == need;
}

bool checks_btf(void)
{
	return access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}
