/*
 * Rendering: the stories of a corpus into the files of public/ (DESIGN.md):
 * index.html (and page/N.html), stories/SLUG.html, sources/SLUG.html,
 * style.css from Mustache templates; feed.atom with its archive/N.atom
 * pages, feed.json, sources/SLUG.atom and sources.opml.
 *
 * Every file is written atomically and only when its bytes change, so a
 * build with nothing new touches nothing, and a web server or rsync sees
 * only real changes. Output is a pure function of the corpus and the site
 * configuration: the same input gives byte-identical files.
 */
#ifndef CHORUS_RENDER_H
#define CHORUS_RENDER_H

#include <stddef.h>

#include "chorus/config.h"
#include "chorus/error.h"
#include "chorus/store.h"

struct chorus_render_stats {
	size_t written;	  /* files whose bytes changed */
	size_t unchanged; /* files left alone */
	size_t stories;	  /* stories published */
};

/* Render c into site's public/. Feed archive pages never close. */
int chorus_render_site(const struct chorus_site *site,
		       const struct chorus_corpus *c,
		       struct chorus_render_stats *stats,
		       struct chorus_report *report, struct chorus_err *err);

/*
 * The same, with the store that keeps the feed's closed RFC 5005 archive
 * pages: pages close when their stories have settled and are then kept,
 * byte for byte, for good (see src/atom_archive.c). `chorus build` uses
 * this one.
 */
int chorus_render_site_archived(const struct chorus_site *site,
				struct chorus_store *st,
				const struct chorus_corpus *c,
				struct chorus_render_stats *stats,
				struct chorus_report *report,
				struct chorus_err *err);

#endif
