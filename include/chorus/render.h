/*
 * Rendering: the stories of a corpus into the files of public/ (DESIGN.md):
 * index.html (and page/N.html), stories/SLUG.html, sources/SLUG.html,
 * feed.atom and style.css, from Mustache templates.
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
	size_t written;   /* files whose bytes changed */
	size_t unchanged; /* files left alone */
	size_t stories;   /* stories published */
};

int chorus_render_site(const struct chorus_site *site,
		       const struct chorus_corpus *c,
		       struct chorus_render_stats *stats,
		       struct chorus_report *report, struct chorus_err *err);

#endif
