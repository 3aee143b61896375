// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include "loop.h"
#include "session.h"

static void loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/*
 * From the very start, the signals the loop handles are blocked: one that
 * arrives during startup (discovery, attach: about half a second) queues
 * and is forwarded once the child runs, instead of being lost. Ignored
 * signals (background jobs ignore SIGINT) never reach a signalfd: take the
 * default back. The child unblocks them before exec (child.c).
 */
void loop_block_signals_early(void)
{
	sigset_t set;

	loop_signals(&set);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int loop_setup(struct session *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	loop_signals(&set);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0)
		return die(EXIT_OS, "signalfd/epoll: %s", strerror(errno));
	if (drain_init(&s->drain, tracer_ringbuf_fd(&s->tr), &s->procs))
		return die(EXIT_BPF, "ring buffer: %s", strerror(errno));
	s->drain.on_exit = session_on_exit;
	s->drain.on_exec = session_on_exec;
	s->drain.ctx = s;
	if (fixups_init(&s->fix, tracer_fixup_fd(&s->tr), tracer_traced_fd(&s->tr), s->inv.uid))
		return die(EXIT_BPF, "fixup ring buffer: %s", strerror(errno));
	ev.data.fd = fixups_epoll_fd(&s->fix);
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = s->sigfd;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
	ev.data.fd = drain_epoll_fd(&s->drain);
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	return 0;
}

static void handle_signals(struct session *s)
{
	struct signalfd_siginfo si;
	int ws;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			if (!s->o->pid && !s->child_done &&
			    waitpid(s->child, &ws, WNOHANG) == s->child) {
				s->child_done = true;
				s->child_status = child_exit_code(ws);
			}
			continue;
		}
		/* INT/TERM/HUP: the child decides; we finish once it has.
		 * With -p, or on a second signal, stop tracing now. */
		s->stop_signals++;
		if (!s->o->pid && !s->child_done)
			kill(s->child, si.ssi_signo);
		if (s->o->pid || s->stop_signals > 1) {
			s->child_done = true;
			s->child_status = s->o->pid ? 0 : 128 + (int)si.ssi_signo;
		}
	}
}

void loop_run(struct session *s)
{
	struct epoll_event evs[4];

	while (!s->child_done) {
		int n = epoll_wait(s->epfd, evs, 4, 20);

		for (int i = 0; i < n; i++)
			if (evs[i].data.fd == s->sigfd)
				handle_signals(s);
		fixups_consume(&s->fix);	/* a stopped thread waits for it */
		drain_consume(&s->drain);
		/* -p: the target may exit without an exit record (untraced
		 * meanwhile); check it is still there. */
		if (s->o->pid && !s->child_done && kill(s->child, 0) && errno == ESRCH)
			s->child_done = true;
	}
	/* Everything the processes did is in the ring buffer by now. */
	drain_consume(&s->drain);
}

