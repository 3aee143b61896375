// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "uprobe_multi.h"

const char *attach_method_name(enum attach_method m)
{
	return m == ATTACH_MULTI ? "uprobe_multi" : "uprobe (perf, one per probe)";
}

static int attach_multi(struct attachment *a, const char *path,
			const struct bpf_program *prog, const struct attach_sites *s,
			enum attach_how how, pid_t pid, char *err, size_t errlen)
{
	static const enum uprobe_multi_how multi_how[] = {
		[ATTACH_ENTRY] = UPROBE_MULTI_ENTRY,
		[ATTACH_RETURN] = UPROBE_MULTI_RETURN,
		[ATTACH_SESSION] = UPROBE_MULTI_SESSION,
	};
	int fd = uprobe_multi_attach(bpf_program__fd(prog), path, s->offsets, s->cookies,
				     s->n, multi_how[how], pid);

	if (fd < 0) {
		snprintf(err, errlen, "uprobe_multi link on %s (%zu offsets): %s", path,
			 s->n, strerror(-fd));
		return fd;
	}
	a->link_fds[a->nfds++] = fd;
	return 0;
}

static int attach_perf(struct attachment *a, const char *path,
		       const struct bpf_program *prog, const struct attach_sites *s,
		       enum attach_how how, pid_t pid, char *err, size_t errlen)
{
	struct bpf_link **v;

	if (how == ATTACH_SESSION) {
		snprintf(err, errlen, "uprobe sessions need uprobe_multi");
		return -EOPNOTSUPP;
	}
	v = realloc(a->links, (a->nlinks + s->n) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->links = v;
	for (size_t i = 0; i < s->n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts,
			    .bpf_cookie = s->cookies ? s->cookies[i] : 0,
			    .retprobe = how == ATTACH_RETURN);
		struct bpf_link *l;

		l = bpf_program__attach_uprobe_opts(prog, pid ? pid : -1, path,
						    s->offsets[i], &opts);
		if (!l) {
			int e = -errno;

			snprintf(err, errlen, "uprobe on %s+0x%llx: %s", path,
				 (unsigned long long)s->offsets[i], strerror(-e));
			return e;
		}
		a->links[a->nlinks++] = l;
	}
	return 0;
}

int attach_points(struct attachment *a, enum attach_method m, const char *path,
		  const struct attach_group *g, size_t ng, pid_t pid, char *err, size_t errlen)
{
	int r = 0;

	memset(a, 0, sizeof(*a));
	a->method = m;
	if (ng > ATTACH_MAX_GROUPS)
		return -E2BIG;
	for (size_t i = 0; i < ng && !r; i++) {
		if (!g[i].sites.n)
			continue;
		if (m == ATTACH_MULTI)
			r = attach_multi(a, path, g[i].prog, &g[i].sites, g[i].how, pid, err, errlen);
		else
			r = attach_perf(a, path, g[i].prog, &g[i].sites, g[i].how, pid, err, errlen);
	}
	if (r)
		attach_release(a);
	return r;
}

void attach_release(struct attachment *a)
{
	for (int i = 0; i < a->nfds; i++)
		close(a->link_fds[i]);
	a->nfds = 0;
	for (size_t i = 0; i < a->nlinks; i++)
		bpf_link__destroy(a->links[i]);
	free(a->links);
	a->links = NULL;
	a->nlinks = 0;
}
