// SPDX-License-Identifier: MIT
/*
 * Summaries as measureme's summarize computes them (spec section 5/11):
 * walk the events backwards; sp_nesting (nesting.c) gives each interval
 * its parent, whose self time the child's duration is taken from.
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

struct walk {
	struct sp_reader *r;
	struct acc *accs;
	uint32_t naccs;
	struct sp_nesting *nest;	/* open intervals are tagged with tag_of() */
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

/* An open interval's tag: its label and kind, what a child needs of its parent. */
static uint64_t tag_of(uint32_t label, enum sp_kind kind)
{
	return (uint64_t)kind << 32 | label;
}

/* A child's duration is not its parent's self time (nor its load or hashing time). */
static int take_from_parent(struct walk *w, uint64_t parent_tag, uint64_t d)
{
	struct acc *p = acc_for(w, (uint32_t)parent_tag);
	enum sp_kind kind = (enum sp_kind)(parent_tag >> 32);

	if (!p)
		return SP_ENOMEM;
	p->self -= d;
	if (kind == SP_KIND_INCR_HASHING)
		p->hashing -= d;
	else if (kind == SP_KIND_INCR_LOAD)
		p->incr_load -= d;
	return 0;
}

static int walk_interval(struct walk *w, const struct sp_event *ev, enum sp_kind kind)
{
	uint32_t label = sp_reader_label_of(w->r, ev->id);
	uint64_t d = ev->end - ev->start, parent_tag;
	int nested = sp_nesting_enter(w->nest, ev, tag_of(label, kind), &parent_tag);
	struct acc *a;

	if (nested < 0 || (nested && take_from_parent(w, parent_tag, d)))
		return SP_ENOMEM;
	if (!(a = acc_for(w, label)))
		return SP_ENOMEM;
	add_interval(a, kind, d);
	return 0;
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

/* The summary owns copies of its strings, in one block with the arrays. */
static struct sp_summary *build_summary(struct walk *w)
{
	const struct sp_metadata *meta = sp_reader_metadata(w->r);
	size_t nrows = 0, nart = 0, text = strlen(meta->cmd) + strlen(meta->counter) + strlen(meta->json) + 3;
	uint32_t nlabels = w->naccs < sp_reader_num_labels(w->r) ? w->naccs : sp_reader_num_labels(w->r);
	struct sp_summary *s;
	char *p;

	for (uint32_t i = 0; i < nlabels; i++) {
		nrows += w->accs[i].has_row;
		nart += w->accs[i].has_artifact;
		if (w->accs[i].has_row || w->accs[i].has_artifact)
			text += strlen(sp_reader_label_text(w->r, i)) + 1;
	}
	if (!(s = sp_summary_alloc(nrows, nart, text, &p)))
		return NULL;
	s->meta.cmd = sp_summary_strdup(&p, meta->cmd);
	s->meta.counter = sp_summary_strdup(&p, meta->counter);
	s->meta.json = sp_summary_strdup(&p, meta->json);
	for (uint32_t i = 0; i < nlabels; i++) {
		const struct acc *a = &w->accs[i];
		const char *label;
		if (!a->has_row && !a->has_artifact)
			continue;
		label = sp_summary_strdup(&p, sp_reader_label_text(w->r, i));
		if (a->has_row)
			s->rows[s->nrows++] = (struct sp_row){ label, a->self, a->time, a->count,
				a->cache_hits, a->blocked, a->incr_load, a->hashing };
		if (a->has_artifact)
			s->artifacts[s->nartifacts++] = (struct sp_artifact){ label, a->artifact_bytes };
	}
	qsort(s->rows, s->nrows, sizeof(*s->rows), sp_row_cmp);
	qsort(s->artifacts, s->nartifacts, sizeof(*s->artifacts), sp_artifact_cmp);
	s->meta.start_time_ns = meta->start_time_ns;
	s->meta.pid = meta->pid;
	return s;
}

static void walk_free(struct walk *w)
{
	sp_nesting_free(w->nest);
	free(w->accs);
}

/* Each thread's span, from its first start to its last end. */
static uint64_t total_ns(const struct sp_nesting *nest)
{
	uint64_t total = 0;

	for (size_t i = 0; i < sp_nesting_num_threads(nest); i++) {
		const struct sp_nesting_thread *t = sp_nesting_thread(nest, i);

		total += t->max_end - t->min_start;
	}
	return total;
}

SP_EXPORT int sp_summarize(struct sp_reader *r, struct sp_summary **out, struct sp_error *err)
{
	struct walk w = { .r = r, .nest = sp_nesting_new() };
	struct sp_summary *s = NULL;
	int rc = w.nest ? walk_all(&w) : SP_ENOMEM;

	*out = NULL;
	if (!rc && !(s = build_summary(&w)))
		rc = SP_ENOMEM;
	if (rc) {
		walk_free(&w);
		return sp_seterr(err, rc, "out of memory");
	}
	s->total_ns = total_ns(w.nest);
	s->num_events = sp_reader_num_events(r);
	memcpy(s->kind_counts, w.kind_counts, sizeof(s->kind_counts));
	s->num_threads = (uint32_t)sp_nesting_num_threads(w.nest);
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
