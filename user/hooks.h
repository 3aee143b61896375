/* SPDX-License-Identifier: MIT */
/*
 * rustc's own profiler hooks, found in the code (discovery only: nothing
 * here is traced yet).
 *
 * Every `prof.generic_activity("...")`, `query_provider()` and the like is
 * compiled into a stable librustc_driver as an inlined test of
 * SelfProfilerRef::event_filter_mask and, when the bit is set, a call to
 * an out-of-line SelfProfilerRef::exec::cold_call::<closure>. With
 * profiling off the call never runs, but the test's branch runs each time
 * the hook is reached: a probe there sees the event begin. The guard the
 * hook returns lives in a stack slot (None when profiling is off); the
 * scope's end reads that slot, tests it and branches: the event's end.
 *
 * Discovery starts from the cold-call symbols, finds their callers by
 * scanning the code that symbols cover (BOLT leaves dead original copies
 * of the functions it moved in .bolt.org.text: no symbol covers them, and
 * a probe there would never fire), calls through the GOT included, and
 * reads the code around each call.
 */
#ifndef SELFPROF_HOOKS_H
#define SELFPROF_HOOKS_H
#include <stddef.h>
#include <stdint.h>

struct probe_set;

enum hook_kind {
	HOOK_GENERIC_ACTIVITY,
	HOOK_GENERIC_ACTIVITY_WITH_ARG,
	HOOK_INCR_CACHE_LOADING,
	HOOK_INCR_RESULT_HASHING,
	HOOK_QUERY_PROVIDER,
	HOOK_QUERY_BLOCKED,
	/* Session::time and friends: a call of the out-of-line
	 * SelfProfilerRef::verbose_generic_activity with a static label (the
	 * generic_activity hook inside it sees only a label passed in). The
	 * start probe is the call itself, the ends the guard's drop. */
	HOOK_VERBOSE_ACTIVITY,
	HOOK__KINDS,
};

#define HOOK_MAX_ENDS	32

/*
 * What names a site's guard at run time (bpf/events.h's SP_KEY_*, the same
 * values): HOOK_KEY_SP, the hook's own frame (the guard lives in its
 * stack slot, tested at its ends in the same frame); or a callee-saved
 * register holding the address the guard is written to, a caller's stack
 * slot (rustc's LLVM_passes: spawn_work fills the coordinator's
 * `llvm_start_time`). Such a guard's ends are its drops in the callers,
 * named by the drop's argument (HOOK_KEY_RDI).
 */
enum hook_key {
	HOOK_KEY_SP, HOOK_KEY_RDI, HOOK_KEY_RBX, HOOK_KEY_RBP,
	HOOK_KEY_R12, HOOK_KEY_R13, HOOK_KEY_R14, HOOK_KEY_R15,
};

struct hook_site {
	uint64_t call;		/* address of the call to the cold call */
	uint64_t start_addr;	/* the guarding branch (0: not found) */
	uint64_t start;		/* its file offset: the start probe */
	uint64_t ends[HOOK_MAX_ENDS];	/* file offsets of the branches after the slot tests */
	size_t nends;
	uint32_t mask;		/* bits the guard tests (0: no test seen) */
	int32_t slot;		/* guard slot: offset from %rsp (valid if has_slot) */
	int32_t guard_off;	/* where in the slot's value the TimingGuard is (its
				 * test is the end): 0, or VerboseTimingGuard's field */
	uint8_t has_slot;
	uint8_t via_got;	/* call *GOT(%rip), not call rel32 */
	uint8_t kind;		/* enum hook_kind */
	uint8_t key;		/* enum hook_key: the start's (ends in callers: RDI) */
	uint8_t after;		/* no label of its own: the event is the query whose
				 * provider last returned in the thread (result
				 * hashing right after a query ran, in with_task) */
	uint64_t group;		/* 0, or the guard slot is shared by several sites of
				 * the function (their guards are never live at once,
				 * so each end may end any of them): the lowest call
				 * address among them, the same for all */
	char *label;		/* static label (generic activities; incremental loads
				 * in a query's own function: the query), or NULL */
	const char *reason;	/* what could not be found and why, or NULL */
};

struct hook_set {
	struct hook_site *sites;	/* sorted by call address */
	size_t n;
	size_t count[HOOK__KINDS];
	size_t via_got;		/* sites calling through a GOT slot */
};

/* Find the hook sites of set's library (its elf and syms must be open).
 * 0, or -errno with one line in err. */
int hooks_find(const struct probe_set *set, struct hook_set *out, char *err, size_t errlen);
void hooks_free(struct hook_set *h);
/* Fill h's count[] and via_got from its sites. */
void hooks_tally(struct hook_set *h);

/* "generic_activity", "query_provider", ... */
const char *hook_kind_name(unsigned int kind);
/* "rsp", "r12", ...: the register an enum hook_key names */
const char *hook_key_name(unsigned int key);

#endif
