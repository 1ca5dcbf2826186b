/*
 * `chorus build`: ingest the site's local sources (seeds/), assign new
 * articles to stories, and render public/. The caller holds the site's
 * lock and an open store.
 *
 * Each source file is read only when its size or mtime changed since the
 * last build. A file that cannot be read is reported (CHORUS_REPORT_FAIL,
 * naming the file) and skipped; whatever it gave before stays in the store
 * and on the site.
 */
#ifndef CHORUS_BUILD_H
#define CHORUS_BUILD_H

#include <stddef.h>

#include "chorus/config.h"
#include "chorus/error.h"
#include "chorus/render.h"
#include "chorus/store.h"

struct chorus_build_stats {
	size_t files_seen;   /* source files found in seeds/ */
	size_t files_read;   /* … of which read because they changed */
	size_t files_failed; /* … of which could not be used */
	size_t articles_new;
	size_t articles_changed;
	size_t articles_total;
	size_t stories_new;
	struct chorus_render_stats render;
};

/*
 * Ingest seeds/ into st. Fails (CHORUS_ENOTFOUND) only when seeds/ itself
 * is missing; bad files are reported and counted.
 */
int chorus_build_ingest(const struct chorus_site *site, struct chorus_store *st,
			struct chorus_build_stats *stats,
			struct chorus_report *report, struct chorus_err *err);

/* Cluster what is unassigned and render public/ from the store. */
int chorus_build_publish(const struct chorus_site *site,
			 struct chorus_store *st,
			 struct chorus_build_stats *stats,
			 struct chorus_report *report, struct chorus_err *err);

/* Both, in order: the whole of `chorus build`. */
int chorus_build(const struct chorus_site *site, struct chorus_store *st,
		 struct chorus_build_stats *stats, struct chorus_report *report,
		 struct chorus_err *err);

#endif
