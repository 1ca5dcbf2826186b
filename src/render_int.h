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
	/* Feeds (src/atom*.c, src/jsonfeed.c, src/opml_write.c). */
	struct chorus_store *store; /* for the closed archives; may be NULL */
	int64_t now; /* the build's time: the newest article's date */
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

/*
 * Feeds. render_feeds() writes feed.atom with its RFC 5005 archives
 * (archive/N.atom), feed.json, sources/SLUG.atom and sources.opml; it runs
 * last, after the pages its entries link to.
 */
int render_feeds(struct render_ctx *ctx, struct chorus_err *err);

/* One Atom document: the feed, an archive page or an outlet's feed. */
struct atom_doc {
	const char *rel;      /* where it is published: "archive/3.atom" */
	const char *id;       /* the feed's atom:id */
	const char *title;
	const char *subtitle; /* may be NULL */
	const struct render_story *const *stories; /* newest first */
	size_t n_stories;
	int64_t updated;      /* atom:updated when there are no stories */
	const char *alternate; /* the HTML page, relative to public/ */
	int archive;          /* an RFC 5005 archive document: fh:archive */
	/* RFC 5005 links, relative to public/, or NULL. */
	const char *current, *prev_archive, *next_archive;
};

int render_atom_doc(struct render_ctx *ctx, const struct atom_doc *d,
		    struct chorus_buf *out, struct chorus_err *err);

/*
 * feed.atom and archive/N.atom (src/atom_archive.c); *current receives the
 * stories of feed.atom, newest first (an array the caller frees).
 */
int render_atom_archived(struct render_ctx *ctx,
			 const struct render_story ***current,
			 size_t *n_current, struct chorus_err *err);

/* sources/SLUG.atom for every outlet. */
int render_source_feeds(struct render_ctx *ctx, struct chorus_err *err);

/* feed.json (JSON Feed 1.1) of stories, newest first. */
int render_jsonfeed(struct render_ctx *ctx,
		    const struct render_story *const *stories, size_t n,
		    struct chorus_buf *out, struct chorus_err *err);

/* "archive/" for "archive/3.atom", "" for "feed.atom". Caller frees. */
char *render_doc_dir(const char *rel);

/*
 * The URL of public/REL in a feed document in from_dir: absolute with
 * [site] link, else relative to the document. Caller frees.
 */
char *render_feed_url(const struct chorus_site *site, const char *from_dir,
		      const char *rel);

/* A feed's stable id: a urn:uuid of the site (plus suffix). Caller frees. */
char *render_feed_id(const struct chorus_site *site, const char *suffix);

/* The story's summary as one paragraph of text. Caller frees. */
char *render_summary_text(const struct chorus_story_view *v);

/* The story as HTML for feeds (atom-content.mustache), into out. */
int render_story_html(struct render_ctx *ctx, const struct render_story *rs,
		      const char *from_dir, struct chorus_buf *out,
		      struct chorus_err *err);

/* The newest `updated` of stories, or otherwise when n is 0. */
int64_t render_newest(const struct render_story *const *stories, size_t n,
		      int64_t otherwise);

#endif
