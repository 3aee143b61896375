// SPDX-License-Identifier: MIT
/*
 * SVG flame graph. Each stack node becomes a rectangle whose width is its
 * inclusive time (its value plus its descendants'), placed after its
 * earlier siblings (sorted by label, as flamegraph.pl sorts folded lines);
 * a node's own time is the gap at its right above it.
 */
#include <stdlib.h>
#include <string.h>

#include "flame_svg.h"
#include "escape.h"
#include "fmt.h"

#define IMAGE_WIDTH	1200.0
#define SIDE_PAD	10.0
#define TOP_PAD		40.0
#define BOTTOM_PAD	10.0
#define FRAME_HEIGHT	16.0
#define CHAR_WIDTH	7.2	/* 12px monospace */
#define MIN_WIDTH	0.1	/* narrower frames are left out */

struct layout {
	uint64_t *total;	/* inclusive ns per node */
	uint64_t *x;		/* ns offset of the node's left edge */
	/* CSR: the children of node i are child[first_child[i] .. first_child[i + 1]) */
	size_t *first_child;
	size_t *child;
};

static void free_layout(struct layout *l)
{
	free(l->total);
	free(l->x);
	free(l->first_child);
	free(l->child);
}

/* Negative values (malformed nesting) count as zero width. */
static void inclusive_totals(const struct spt_stacks *st, uint64_t *total)
{
	for (size_t i = 0; i < st->n; i++)
		total[i] = st->nodes[i].value > 0 ? (uint64_t)st->nodes[i].value : 0;
	for (size_t i = st->n; i-- > 1;)
		total[st->nodes[i].parent] += total[i];
}

static const struct spt_stacks *sort_ctx;

static int cmp_by_label(const void *a, const void *b)
{
	return strcmp(spt_stacks_label(sort_ctx, *(const size_t *)a),
		      spt_stacks_label(sort_ctx, *(const size_t *)b));
}

/* Children lists in CSR form, each sorted by label. */
static int index_children(const struct spt_stacks *st, struct layout *l)
{
	size_t *filled = calloc(st->n, sizeof(*filled));

	if (!filled)
		return -1;
	for (size_t i = 1; i < st->n; i++)
		l->first_child[st->nodes[i].parent + 1]++;
	for (size_t i = 0; i < st->n; i++)
		l->first_child[i + 1] += l->first_child[i];
	for (size_t i = 1; i < st->n; i++) {
		size_t p = st->nodes[i].parent;

		l->child[l->first_child[p] + filled[p]++] = i;
	}
	free(filled);
	sort_ctx = st;
	for (size_t i = 0; i < st->n; i++)
		qsort(l->child + l->first_child[i], l->first_child[i + 1] - l->first_child[i],
		      sizeof(size_t), cmp_by_label);
	return 0;
}

/* Parents precede children, so one pass in node order places everything. */
static void place_nodes(const struct spt_stacks *st, struct layout *l)
{
	l->x[0] = 0;
	for (size_t p = 0; p < st->n; p++) {
		uint64_t offset = l->x[p];

		for (size_t k = l->first_child[p]; k < l->first_child[p + 1]; k++) {
			l->x[l->child[k]] = offset;
			offset += l->total[l->child[k]];
		}
	}
}

static int compute_layout(const struct spt_stacks *st, struct layout *l)
{
	l->total = calloc(st->n, sizeof(*l->total));
	l->x = calloc(st->n, sizeof(*l->x));
	l->first_child = calloc(st->n + 1, sizeof(*l->first_child));
	l->child = calloc(st->n, sizeof(*l->child));
	if (!l->total || !l->x || !l->first_child || !l->child)
		return -1;
	inclusive_totals(st, l->total);
	if (index_children(st, l))
		return -1;
	place_nodes(st, l);
	return 0;
}

/* flamegraph.pl's "hot" palette, picked by a hash of the label. */
static void frame_colour(const char *label, unsigned rgb[3])
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)label; *p; p++)
		h = (h ^ *p) * 16777619u;
	rgb[0] = 205 + h % 51;
	rgb[1] = (h >> 8) % 230;
	rgb[2] = (h >> 16) % 55;
}

/* Bytes of label that fit max_chars code points, at a character boundary. */
static size_t fitting_prefix(const char *label, size_t max_chars)
{
	size_t i = 0, chars = 0;

	while (label[i] && chars < max_chars) {
		i++;
		while (((unsigned char)label[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	return i;
}

static void put_frame_text(FILE *out, const char *label, double x, double y, double width)
{
	size_t fit = width > 6 ? (size_t)((width - 6) / CHAR_WIDTH) : 0;
	size_t len = strlen(label);

	if (fit < 3)
		return;
	fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">", x + 3, y + 11.5);
	if (spt_display_width(label, len) <= fit) {
		spt_put_xml(out, label, len);
	} else {
		spt_put_xml(out, label, fitting_prefix(label, fit - 2));
		fputs("..", out);
	}
	fputs("</text>", out);
}

static void put_frame(FILE *out, const struct spt_stacks *st, const struct layout *l,
		      size_t i, double scale, double image_height)
{
	const char *label = spt_stacks_label(st, i);
	double width = (double)l->total[i] * scale;
	double x = SIDE_PAD + (double)l->x[i] * scale;
	double y = image_height - BOTTOM_PAD - (st->nodes[i].depth + 1) * FRAME_HEIGHT;
	char dur[SPT_DURATION_BUF];
	unsigned rgb[3];

	if (width < MIN_WIDTH)
		return;
	spt_fmt_duration2(dur, sizeof(dur), (int64_t)l->total[i]);
	frame_colour(label, rgb);
	fputs("<g><title>", out);
	spt_put_xml(out, label, strlen(label));
	fprintf(out, " (%s, %.2f%%)</title><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		"height=\"%.1f\" rx=\"2\" fill=\"rgb(%u,%u,%u)\"/>", dur,
		(double)l->total[i] * 100.0 / (double)l->total[0], x, y, width,
		FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2]);
	put_frame_text(out, label, x, y, width);
	fputs("</g>\n", out);
}

static void put_header(FILE *out, double height, const char *title)
{
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style>text{font-family:monospace;font-size:12px;fill:#000;pointer-events:none}"
		"rect:hover{stroke:#000;stroke-width:1}</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#f8f8f8\"/>\n"
		"<text x=\"%.0f\" y=\"24\" text-anchor=\"middle\" style=\"font-size:17px\">",
		IMAGE_WIDTH, height, IMAGE_WIDTH, height, IMAGE_WIDTH / 2);
	spt_put_xml(out, title, strlen(title));
	fputs("</text>\n", out);
}

int spt_flame_svg(FILE *out, const struct spt_stacks *st, const char *title)
{
	struct layout l = { 0 };
	double height = TOP_PAD + BOTTOM_PAD + (st->max_depth + 1) * FRAME_HEIGHT;
	double scale;

	if (compute_layout(st, &l)) {
		free_layout(&l);
		return -1;
	}
	scale = l.total[0] ? (IMAGE_WIDTH - 2 * SIDE_PAD) / (double)l.total[0] : 0;
	put_header(out, height, title);
	for (size_t i = 0; i < st->n; i++)
		put_frame(out, st, &l, i, scale, height);
	fputs("</svg>\n", out);
	free_layout(&l);
	return 0;
}
