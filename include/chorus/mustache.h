/*
 * Mustache templates: the engine behind every page of the site.
 *
 * A template is compiled once into a flat list of nodes and then rendered
 * any number of times against jansson data, without parsing again. The
 * engine follows the official Mustache specification: interpolation,
 * sections, inverted sections, comments, partials, set delimiters and
 * template inheritance (parents and blocks), with standalone-line rules and
 * the indentation of standalone partials, parents and blocks.
 *
 * Data semantics: false, null, an empty list and a missing name are falsy;
 * everything else (an empty string, 0, an empty object) is truthy, as the
 * specification's reference implementation does. A list section renders
 * once per element; any other truthy value renders once with the value
 * pushed on the context stack. Interpolation HTML-escapes & < > " and ' by
 * default; {{{name}}} and {{&name}} do not escape. Integers print as
 * integers, reals in their shortest form that reads back the same (1.21),
 * true and false as words, null, objects and lists as nothing.
 *
 * Partials and parents are found through a loader and compiled on first
 * use; the compiled partials are cached inside the template that renders
 * them and freed with it. Rendering the same template from two threads at
 * once is therefore not safe; rendering different templates is.
 */
#ifndef CHORUS_MUSTACHE_H
#define CHORUS_MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "chorus/buf.h"
#include "chorus/error.h"

/* A compiled template. */
struct chorus_mustache;

/*
 * Finds a partial (or a parent, for inheritance) by name: returns its source
 * (borrowed; it must stay valid until render returns) and its length, or
 * NULL when there is none, which renders as empty, as the specification
 * says.
 *
 * The compiled form of a partial is cached by name and reused as long as
 * load() returns the same pointer and length for that name; a different
 * pointer or length makes the engine compile the new text. A loader that
 * rewrites a partial's text in place must therefore change its length or
 * its address.
 */
struct chorus_mustache_loader {
	const char *(*load)(void *ctx, const char *name, size_t *len);
	void *ctx;
};

/*
 * Partials, parents and blocks nest at most this deep while rendering: a
 * partial that includes itself forever fails with CHORUS_ETEMPLATE instead
 * of overflowing the stack. Sections nest at most this deep in one
 * template.
 */
#define CHORUS_MUSTACHE_MAX_DEPTH 100

/*
 * Compile src (len bytes) named name into *out, which the caller frees with
 * chorus_mustache_free(). name is used in error messages, shaped
 * "name:line: message, at tag {{x}}". Returns 0, CHORUS_ETEMPLATE for a
 * malformed template (unclosed tag or section, mismatched closing tag, bad
 * delimiters, empty or spaced names, sections nested too deep) or
 * CHORUS_ENOMEM.
 */
int chorus_mustache_compile(struct chorus_mustache **out, const char *name,
			    const char *src, size_t len,
			    struct chorus_err *err);

/*
 * Render t with data into out (appending). loader may be NULL: partials and
 * parents then render as empty. Returns 0, CHORUS_ETEMPLATE (a partial that
 * does not compile, nesting deeper than CHORUS_MUSTACHE_MAX_DEPTH),
 * CHORUS_ETOOBIG when out reaches its cap, or CHORUS_ENOMEM. On failure out
 * may hold part of the page.
 */
int chorus_mustache_render(const struct chorus_mustache *t, json_t *data,
			   const struct chorus_mustache_loader *loader,
			   struct chorus_buf *out, struct chorus_err *err);

/* Free t and the partials compiled for it; NULL is fine. */
void chorus_mustache_free(struct chorus_mustache *t);

#endif
