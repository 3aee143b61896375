/* SPDX-License-Identifier: MIT */
/*
 * selfprof compare BASE NEW [-o FILE] [--json]: two builds side by side,
 * crate by crate and query by query, as a self-contained HTML page (the
 * page's source is compare.html, embedded at build time) or as JSON.
 * BASE and NEW are dumps or directories of per-crate dumps; dumps of one
 * crate (sp_crate_from_path) in a directory are summed. Two single dumps
 * are compared with each other whatever their names.
 *
 * The --json output (format "selfprof-compare", version 1), integers in ns:
 *   { "format", "version", "metrics": [self_ns, time_ns, count, cache_hits,
 *       blocked_ns, incr_load_ns, hashing_ns],
 *     "base"/"new": { name, path, dumps, crates, self_ns, total_ns },
 *     "warnings": [ dumps skipped by --keep-going ],
 *     "crates": [ by name: { "crate", "in": "both"|"base"|"new", "summed",
 *         "base"/"new": null | { dumps: [file names], total_ns, events,
 *                                queries, sum: {metric: value} },
 *         "delta": {metric: new - base}, "self_change_pct": number|null,
 *         "queries": [ by |self delta| descending, then label:
 *             { label, in, base: null|{metric: value}, new: ..., delta: ...,
 *               self_change_pct } ] } ] }
 * A side that is absent counts as zero in deltas; a percentage is null
 * where the base is zero.
 */
#ifndef SPT_COMPARE_H
#define SPT_COMPARE_H

/* argv[0] is "compare"; returns the process exit status. */
int cmd_compare(int argc, char **argv);

#endif
