// SPDX-License-Identifier: MIT
/*
 * Summaries as measureme's summarize computes them (spec section 5/11):
 * walk the events backwards keeping a stack of open intervals per thread;
 * since rustc appends an interval when it ends, a parent is met before its
 * children in a backward walk, and the innermost enclosing interval on the
 * stack is the parent whose self time a child's duration is taken from.
 */
#include <stdlib.h>

#include "internal.h"

struct acc {
	int64_t self;
	uint64_t time, count, cache_hits, blocked;
	int64_t incr_load, hashing;
	uint64_t artifact_bytes;
	bool has_row, has_hit_count, has_artifact;
};

struct frame {
	uint64_t start, end;
	uint32_t label;
	uint8_t kind;
};

struct thread_state {
	struct frame *stack;
	size_t depth, cap;
	uint64_t min_start, max_end;
	bool any;
};

struct walk {
	struct sp_reader *r;
	struct acc *accs;
	uint32_t naccs;
	struct thread_state *threads;
	uint32_t nthreads;
	struct sp_u64map thread_nums;	/* thread id -> index in threads */
	uint32_t last_thread_id, last_thread;
	uint64_t kind_counts[SP_KIND__COUNT];
};

static struct acc *acc_for(struct walk *w, uint32_t label)
{
	if (label >= w->naccs) {
		/* Doubled in 64 bits: a uint32_t would wrap to 0 (and spin) past 2^31. */
		uint64_t n = w->naccs ? w->naccs : 256;
		while (n <= label)
			n *= 2;
		if (n > UINT32_MAX)
			return NULL;
		struct acc *accs = realloc(w->accs, n * sizeof(*accs));
		if (!accs)
			return NULL;
		memset(accs + w->naccs, 0, (n - w->naccs) * sizeof(*accs));
		w->accs = accs;
		w->naccs = n;
	}
	return &w->accs[label];
}

static struct thread_state *thread_for(struct walk *w, uint32_t thread)
{
	uint64_t idx;

	if (w->nthreads && thread == w->last_thread_id)
		return &w->threads[w->last_thread];
	if (!sp_u64map_get(&w->thread_nums, thread, &idx)) {
		struct thread_state *t = realloc(w->threads, (w->nthreads + 1) * sizeof(*t));
		if (!t || sp_u64map_put(&w->thread_nums, thread, w->nthreads)) {
			if (t)
				w->threads = t;
			return NULL;
		}
		w->threads = t;
		memset(&t[w->nthreads], 0, sizeof(*t));
		idx = w->nthreads++;
	}
	w->last_thread_id = thread;
	w->last_thread = (uint32_t)idx;
	return &w->threads[idx];
}

static int push(struct thread_state *t, const struct frame *f)
{
	if (t->depth == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct frame *s = realloc(t->stack, cap * sizeof(*s));
		if (!s)
			return SP_ENOMEM;
		t->stack = s;
		t->cap = cap;
	}
	t->stack[t->depth++] = *f;
	return 0;
}

/* What an interval of a kind adds to its own label's row. */
static void add_interval(struct acc *a, enum sp_kind kind, uint64_t d)
{
	a->has_row = true;
	a->self += d;
	switch (kind) {
	case SP_KIND_QUERY_BLOCKED:
		a->time += d;
		a->blocked += d;
		break;
	case SP_KIND_INCR_LOAD:
		a->time += d;
		a->incr_load += d;
		break;
	case SP_KIND_INCR_HASHING:
		a->hashing += d;
		break;
	default:	/* Query, GenericActivity and any other kind */
		a->time += d;
		a->count++;
	}
}

static int walk_interval(struct walk *w, const struct sp_event *ev, enum sp_kind kind)
{
	struct thread_state *t = thread_for(w, ev->thread);
	struct frame f = { ev->start, ev->end, sp_reader_label_of(w->r, ev->id), (uint8_t)kind };
	uint64_t d = ev->end - ev->start;
	struct acc *a;

	if (!t)
		return SP_ENOMEM;
	while (t->depth && !(t->stack[t->depth - 1].start <= f.start && f.end <= t->stack[t->depth - 1].end))
		t->depth--;
	if (t->depth) {
		const struct frame *parent = &t->stack[t->depth - 1];
		struct acc *p = acc_for(w, parent->label);
		if (!p)
			return SP_ENOMEM;
		p->self -= d;
		if (parent->kind == SP_KIND_INCR_HASHING)
			p->hashing -= d;
		else if (parent->kind == SP_KIND_INCR_LOAD)
			p->incr_load -= d;
	}
	if (!(a = acc_for(w, f.label)))
		return SP_ENOMEM;
	add_interval(a, kind, d);
	if (!t->any || f.start < t->min_start)
		t->min_start = f.start;
	if (!t->any || f.end > t->max_end)
		t->max_end = f.end;
	t->any = true;
	return push(t, &f);
}

/* Cache hits come either as one instant per hit or, in newer rustc, as one
 * count per query invocation written at the very end; the backward walk
 * meets the counts first, and a label with counts ignores its instants. */
static int walk_point(struct walk *w, const struct sp_event *ev, enum sp_kind kind)
{
	struct acc *a;

	if (kind != SP_KIND_CACHE_HIT && kind != SP_KIND_CACHE_HIT_COUNT && kind != SP_KIND_ARTIFACT_SIZE)
		return 0;
	if (kind == SP_KIND_CACHE_HIT && ev->type != SP_EVENT_INSTANT)
		return 0;
	if (kind != SP_KIND_CACHE_HIT && ev->type != SP_EVENT_INTEGER)
		return 0;
	if (!(a = acc_for(w, sp_reader_label_of(w->r, ev->id))))
		return SP_ENOMEM;
	if (kind == SP_KIND_ARTIFACT_SIZE) {
		a->artifact_bytes += ev->start;
		a->has_artifact = true;
	} else if (kind == SP_KIND_CACHE_HIT_COUNT) {
		a->cache_hits += ev->start;
		a->has_hit_count = a->has_row = true;
	} else if (!a->has_hit_count) {
		a->cache_hits++;
		a->has_row = true;
	} else {
		a->has_row = true;
	}
	return 0;
}

static int walk_all(struct walk *w)
{
	uint64_t n = sp_reader_num_events(w->r);
	struct sp_event ev;

	for (uint64_t i = n; i-- > 0;) {
		int rc;
		sp_reader_event(w->r, i, &ev);
		enum sp_kind kind = sp_reader_kind_of(w->r, ev.kind);
		w->kind_counts[kind]++;
		if (ev.type == SP_EVENT_INTERVAL)
			rc = walk_interval(w, &ev, kind);
		else
			rc = walk_point(w, &ev, kind);
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct sp_row *x = a, *y = b;

	if (x->self_ns != y->self_ns)
		return x->self_ns > y->self_ns ? -1 : 1;
	return strcmp(x->label, y->label);
}

static int cmp_artifacts(const void *a, const void *b)
{
	return strcmp(((const struct sp_artifact *)a)->label, ((const struct sp_artifact *)b)->label);
}

/* The summary owns copies of its strings, in one block after the arrays. */
static struct sp_summary *build_summary(struct walk *w)
{
	const struct sp_metadata *meta = sp_reader_metadata(w->r);
	size_t nrows = 0, nart = 0, text = strlen(meta->cmd) + strlen(meta->counter) + strlen(meta->json) + 3;
	uint32_t nlabels = w->naccs < sp_reader_num_labels(w->r) ? w->naccs : sp_reader_num_labels(w->r);

	for (uint32_t i = 0; i < nlabels; i++) {
		nrows += w->accs[i].has_row;
		nart += w->accs[i].has_artifact;
		if (w->accs[i].has_row || w->accs[i].has_artifact)
			text += strlen(sp_reader_label_text(w->r, i)) + 1;
	}
	struct sp_summary *s = calloc(1, sizeof(*s) + nrows * sizeof(struct sp_row) +
				      nart * sizeof(struct sp_artifact) + text);
	if (!s)
		return NULL;
	s->rows = (struct sp_row *)(s + 1);
	s->artifacts = (struct sp_artifact *)(s->rows + nrows);
	char *p = (char *)(s->artifacts + nart);
#define COPY(dst, src) do { size_t l_ = strlen(src) + 1; memcpy(p, src, l_); dst = p; p += l_; } while (0)
	COPY(s->meta.cmd, meta->cmd);
	COPY(s->meta.counter, meta->counter);
	COPY(s->meta.json, meta->json);
	for (uint32_t i = 0; i < nlabels; i++) {
		const struct acc *a = &w->accs[i];
		const char *label;
		if (!a->has_row && !a->has_artifact)
			continue;
		COPY(label, sp_reader_label_text(w->r, i));
		if (a->has_row)
			s->rows[s->nrows++] = (struct sp_row){ label, a->self, a->time, a->count,
				a->cache_hits, a->blocked, a->incr_load, a->hashing };
		if (a->has_artifact)
			s->artifacts[s->nartifacts++] = (struct sp_artifact){ label, a->artifact_bytes };
	}
#undef COPY
	qsort(s->rows, s->nrows, sizeof(*s->rows), cmp_rows);
	qsort(s->artifacts, s->nartifacts, sizeof(*s->artifacts), cmp_artifacts);
	s->meta.start_time_ns = meta->start_time_ns;
	s->meta.pid = meta->pid;
	return s;
}

static void walk_free(struct walk *w)
{
	for (uint32_t i = 0; i < w->nthreads; i++)
		free(w->threads[i].stack);
	free(w->threads);
	free(w->accs);
	sp_u64map_free(&w->thread_nums);
}

SP_EXPORT int sp_summarize(struct sp_reader *r, struct sp_summary **out, struct sp_error *err)
{
	struct walk w = { .r = r };
	struct sp_summary *s = NULL;
	int rc = walk_all(&w);

	*out = NULL;
	if (!rc && !(s = build_summary(&w)))
		rc = SP_ENOMEM;
	if (rc) {
		walk_free(&w);
		return sp_seterr(err, rc, "out of memory");
	}
	for (uint32_t i = 0; i < w.nthreads; i++)
		if (w.threads[i].any)
			s->total_ns += w.threads[i].max_end - w.threads[i].min_start;
	s->num_events = sp_reader_num_events(r);
	memcpy(s->kind_counts, w.kind_counts, sizeof(s->kind_counts));
	s->num_threads = w.nthreads;
	s->version = sp_reader_version(r);
	walk_free(&w);
	*out = s;
	return 0;
}

SP_EXPORT int sp_summarize_file(const char *path, struct sp_summary **out, struct sp_error *err)
{
	struct sp_reader *r;
	int rc = sp_reader_open(&r, path, err);

	*out = NULL;
	if (rc)
		return rc;
	rc = sp_summarize(r, out, err);
	sp_reader_close(r);
	return rc;
}

SP_EXPORT void sp_summary_free(struct sp_summary *s)
{
	free(s);
}

SP_EXPORT const struct sp_row *sp_summary_find(const struct sp_summary *s, const char *label)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i].label, label))
			return &s->rows[i];
	return NULL;
}
