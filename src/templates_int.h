/*
 * Templates inside the render module: the built-in set compiled into the
 * binary (generated from templates/ by cmake/embed_templates.cmake) and a
 * set that prefers a site's own templates/ file by file.
 */
#ifndef CHORUS_TEMPLATES_INT_H
#define CHORUS_TEMPLATES_INT_H

#include <stddef.h>

#include <jansson.h>

#include "chorus/buf.h"
#include "chorus/error.h"

struct chorus_builtin_template {
	const char *name; /* file name in templates/, e.g. "story.mustache" */
	const char *data; /* NUL-terminated */
	size_t len;
};

/* Ends with a {NULL, NULL, 0} row. */
extern const struct chorus_builtin_template chorus_builtin_templates[];

struct template_set;

/* A set reading site_dir (may be NULL or missing) before the built-ins. */
int template_set_new(struct template_set **out, const char *site_dir,
		     struct chorus_err *err);
void template_set_free(struct template_set *ts);

/*
 * The source of the template file `name` ("story.mustache", "style.css"),
 * borrowed while the set lives; NULL when neither the site nor the
 * built-ins have it. A site file that cannot be read sets err.
 */
const char *template_set_source(struct template_set *ts, const char *name,
				size_t *len, struct chorus_err *err);

/*
 * Render template `name` (a ".mustache" file; partials and parents are
 * looked up in the same set as NAME.mustache) with data into out.
 */
int template_set_render(struct template_set *ts, const char *name, json_t *data,
			struct chorus_buf *out, struct chorus_err *err);

/*
 * An empty buffer owned by the set, for a page rendered with it: one
 * thread renders tens of thousands of pages through a set, and one buffer
 * that keeps its memory spares a page the reallocations of growing its
 * own. Valid until the next call or template_set_free().
 */
struct chorus_buf *template_set_scratch(struct template_set *ts);

/*
 * Another such buffer, for the Atom writer's escaped text (src/atom.c),
 * which is written while the scratch buffer may hold a page.
 */
struct chorus_buf *template_set_escape_buf(struct template_set *ts);

#endif
