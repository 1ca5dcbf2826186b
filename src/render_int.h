/*
 * Shared inside the render module: the stories being published, in order,
 * and helpers for URLs, JSON page data and writing files.
 */
#ifndef CHORUS_RENDER_INT_H
#define CHORUS_RENDER_INT_H

#include <jansson.h>

#include "chorus/buf.h"
#include "chorus/cluster.h"
#include "chorus/render.h"
#include "templates_int.h"

struct render_story {
	struct chorus_story_view view;
	char *page; /* "stories/SLUG.html", relative to public/ */
};

struct render_ctx {
	const struct chorus_site *site;
	const struct chorus_corpus *corpus;
	struct render_story *stories; /* newest first */
	size_t n_stories;
	struct template_set *templates;
	struct chorus_render_stats *stats;
	struct chorus_report *report;
};

/* Write public/REL atomically when its bytes change; counts in stats. */
int render_write(struct render_ctx *ctx, const char *rel, const char *data,
		 size_t len, struct chorus_err *err);

/*
 * The URL of public/REL as seen from the page at public/FROM_DIR (""
 * for the top, "stories/" for a story page): relative, so that public/
 * can be hosted at any path. Caller frees.
 */
char *render_href(const char *from_dir, const char *rel);

/* The absolute URL of public/REL when [site] link is set, else REL. */
char *render_abs_url(const struct chorus_site *site, const char *rel);

const struct chorus_source *render_source(const struct chorus_corpus *c,
					  int64_t id);

/* "sources/SLUG.html" for a source. Caller frees. */
char *render_source_page(const struct chorus_source *s);

/*
 * The link that stands for an article: its own, else its entry on its
 * source's page (absolute with [site] link, else relative to from_dir).
 * Caller frees.
 */
char *render_article_url(const struct chorus_site *site,
			 const struct chorus_stored_article *a,
			 const struct chorus_source *src, const char *from_dir);

/* An article's anchor on its source page ("a-" + slug of its key). */
char *render_article_anchor(const char *key);

/* {"iso": RFC 3339, "human": "19 Nov 2025, 14:05 UTC"}. */
json_t *render_date_json(int64_t t);

/*
 * The JSON data of one story for templates (headline, summary, members,
 * …), with links relative to from_dir.
 */
json_t *render_story_json(struct render_ctx *ctx,
			  const struct render_story *rs, const char *from_dir);

/* feed.atom into out. */
int render_atom(struct render_ctx *ctx, struct chorus_buf *out,
		struct chorus_err *err);

#endif
