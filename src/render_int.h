/*
 * Shared inside the render module: the stories being published, in order,
 * and helpers for URLs, JSON page data and writing files.
 */
#ifndef CHORUS_RENDER_INT_H
#define CHORUS_RENDER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
/* The layout of XXH64_state_t, for struct render_hasher. */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "chorus/buf.h"
#include "chorus/cluster.h"
#include "chorus/render.h"
#include "templates_int.h"

struct render_story {
	struct chorus_story_view view;
	char *page;    /* "stories/SLUG.html", relative to public/ */
	uint64_t fp;   /* fingerprint of the members (render_hash_story) */
	uint64_t hash; /* of all a page shows of the story (render.c) */
	int borrowed;  /* the view's strings are the render cache's */
	/* When borrowed: the view's record in the cache file (after its fp). */
	size_t cached_from, cached_to;
};

/* A file staged by render_write(), renamed into place by render_flush(). */
struct render_pending {
	char *tmp, *path;
};

/* A page written or kept by this run, for the next run's cache. */
struct render_page_rec {
	char *rel;
	int borrowed;  /* rel is the render cache's (render_cache.c) */
	uint64_t hash; /* of its inputs */
	int64_t mtime_ns, size;
};

struct render_cache;
struct render_jobs;

/* The last content HTML rendered for a story, and the folder it was for. */
struct render_html_memo {
	char *dir;
	char *html;
	size_t len;
};

struct render_ctx {
	const struct chorus_site *site;
	const struct chorus_corpus *corpus;
	struct render_story *stories; /* newest first */
	size_t n_stories;
	struct template_set *templates;
	struct chorus_render_stats *stats;
	struct chorus_report *report;
	/* Incremental rendering (src/render_cache.c). */
	struct render_cache *cache; /* what the last run left */
	uint64_t config_hash;	    /* site settings, templates, version */
	struct render_page_rec *pages;
	size_t n_pages, cap_pages;
	size_t pages_done; /* pages rendered (not kept) in this run */
	struct render_pending *pending;
	size_t n_pending, cap_pending;
	size_t n_staged; /* temporary files named so far in this batch */
	size_t n_direct; /* new files written in place since the last flush */
	char **dirs;	 /* folders of public/ made in this run */
	int public_fd;	 /* public/, to look files up from; -1 if none */
	/* A syncfs() running ahead of the next flush (render_presync()). */
	pthread_t presync;
	int presync_started;
	size_t n_dirs;
	struct render_html_memo *html_memo; /* per story, or NULL */
	/* Per article of the corpus: render_hash_article(), 0 if not yet. */
	uint64_t *article_hash;
	/*
	 * Per story, or NULL: its JSON data as its story page had it (links
	 * from "stories/"), kept for the index pages, which are as deep.
	 */
	json_t **json_memo;
	/*
	 * What many pages show of the same thing, made once by whichever
	 * thread needs it first (render.c, render_memo_*): per article of the
	 * corpus its anchor and its date's JSON, per source its page and its
	 * name's JSON, per story its page's URL from a folder one deep.
	 */
	_Atomic(char *) *anchors;
	_Atomic(json_t *) *dates;
	char **source_pages;
	json_t **source_names;
	_Atomic(json_t *) *story_urls;
	/* The stories' own corpora (compute_views): article i of it is */
	const struct chorus_stored_article *grouped; /* the corpus's */
	size_t *grouped_from; /* article grouped_from[i] */
	/* Feeds (src/atom*.c, src/jsonfeed.c, src/opml_write.c). */
	struct chorus_store *store; /* for the closed archives; may be NULL */
	int64_t now; /* the build's time: the newest article's date */
	/*
	 * Set while pages render on several threads (render.c): it guards
	 * the bookkeeping above (stats, pages, pending, n_staged).
	 */
	pthread_mutex_t *lock;
	/*
	 * Set while the index pages and the feeds render on two threads:
	 * where the feeds' thread posts work the other helps with
	 * (render_jobs_run()).
	 */
	struct render_jobs *jobs;
};

/*
 * Work on page or entry i with the template set ts of the calling thread
 * (each thread has its own).
 */
typedef int (*render_job_fn)(struct render_ctx *ctx, struct template_set *ts,
			     void *arg, size_t i, struct chorus_err *err);

/*
 * Run fn(ctx, ts, arg, i, err) for every i < n and return when all are
 * done: with the thread that renders the index pages helping once its own
 * pages are done (ctx->jobs), else here alone. The jobs must not depend on
 * one another, nor on which thread runs them.
 */
int render_jobs_run(struct render_ctx *ctx, render_job_fn fn, void *arg,
		    size_t n, struct chorus_err *err);

/*
 * render_jobs_run() in two steps: post the jobs (for the helping thread,
 * when there is one) and go on with other work, then wait for them (with
 * the same arguments: without a helper they run there). Every post is
 * waited for, whatever happens in between.
 */
void render_jobs_post(struct render_ctx *ctx, render_job_fn fn, void *arg,
		      size_t n);
int render_jobs_wait(struct render_ctx *ctx, render_job_fn fn, void *arg,
		     size_t n, struct chorus_err *err);

/*
 * No more jobs will be posted, and the feeds need the story page data
 * kept for them (ctx->json_memo) of the n stories drop no more: the
 * helping thread frees it once its own (index) pages are done, while the
 * feeds go on (else it is freed at the end of the render).
 */
void render_jobs_close(struct render_ctx *ctx,
		       const struct render_story *const *drop, size_t n);

/*
 * Write public/REL when its bytes change; counts in stats. The file is
 * staged: it replaces the old one, atomically, at the next render_flush().
 */
int render_write(struct render_ctx *ctx, const char *rel, const char *data,
		 size_t len, struct chorus_err *err);

/* Make the staged files durable (one syncfs) and rename them in order. */
int render_flush(struct render_ctx *ctx, struct chorus_err *err);

/*
 * Start writing what is written so far to disk, on a thread of its own,
 * while the render goes on: the next flush's syncfs() then waits for less.
 * Only a head start: the flush still makes everything durable itself
 * (and first waits for this one).
 */
void render_presync(struct render_ctx *ctx);

/* Drop the staged files (on failure): the old ones stay. */
void render_discard(struct render_ctx *ctx);

/* Empty public/.chorus-staging/ of what a killed run left there. */
void render_staging_reset(struct render_ctx *ctx);

/* The cache at path (NULL, missing or unreadable: an empty one). */
int render_cache_load(struct render_cache **out, const char *path,
		      struct chorus_err *err);
void render_cache_free(struct render_cache *c);

/*
 * Fill rs's view from the cache when it holds story_id with fingerprint fp
 * (of the articles of sub, the story's own corpus; sources sorted by id
 * for render_find_source()); *hit says whether it did. The caller sets the
 * view's story. The strings are borrowed from the cache, which must
 * outlive the view: release it with render_view_release().
 */
int render_cache_restore(const struct render_cache *c, int64_t story_id,
			 uint64_t fp, const struct chorus_corpus *sub,
			 const struct chorus_source *const *sources,
			 struct render_story *rs, int *hit);

/* The source with id among n sorted by id, or NULL. */
const struct chorus_source *
render_find_source(const struct chorus_source *const *by_id, size_t n,
		   int64_t id);

/* Release rs's view, computed or taken from the cache. */
void render_view_release(struct render_story *rs);

/* Write the views of ctx's stories and the pages of this run to path. */
int render_cache_save(struct render_ctx *ctx, const char *path,
		      struct chorus_err *err);

/*
 * Was public/REL made from inputs hashing to hash, and is the file still
 * as then written? If so *unchanged is set, the page is counted as
 * unchanged and remembered: the caller need not render it.
 */
int render_page_unchanged(struct render_ctx *ctx, const char *rel,
			  uint64_t hash, int *unchanged);

/* Remember that public/REL was rendered from inputs hashing to hash. */
int render_page_done(struct render_ctx *ctx, const char *rel, uint64_t hash);

/* The hash of all an article holds (never 0; 0 when out of memory). */
uint64_t render_hash_article(const struct chorus_stored_article *m);

/* The fingerprint of a story's members from their hashes, in order. */
uint64_t render_hash_story(const uint64_t *article_hashes, size_t n);

/* A running hash of page inputs, kept in place (no allocation per page). */
struct render_hasher {
	XXH64_state_t state;
};
int render_hasher_init(struct render_hasher *rh, uint64_t seed);
void render_hasher_str(struct render_hasher *rh, const char *s);
void render_hasher_i64(struct render_hasher *rh, int64_t v);
uint64_t render_hasher_done(struct render_hasher *rh); /* never 0 */

/*
 * The URL of public/REL as seen from the page at public/FROM_DIR (""
 * for the top, "stories/" for a story page): relative, so that public/
 * can be hosted at any path. Caller frees.
 */
char *render_href(const char *from_dir, const char *rel);

/* The absolute URL of public/REL when [site] link is set, else REL. */
char *render_abs_url(const struct chorus_site *site, const char *rel);

/* "sources/SLUG.html" for a source. Caller frees. */
char *render_source_page(const struct chorus_source *s);

/*
 * The link that stands for an article of ctx's corpus (or of a story's
 * own corpus): its own, else its entry on its source's page (absolute
 * with [site] link, else relative to from_dir). Caller frees.
 */
char *render_article_url(struct render_ctx *ctx,
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
json_t *render_story_json(struct render_ctx *ctx, const struct render_story *rs,
			  const char *from_dir);

/*
 * The same, taken from ctx->json_memo (a new reference) when the story
 * page's data is kept there and from_dir is as deep as "stories/".
 */
json_t *render_story_json_memo(struct render_ctx *ctx,
			       const struct render_story *rs,
			       const char *from_dir);

/*
 * Feeds. render_feeds() writes feed.atom with its RFC 5005 archives
 * (archive/N.atom), feed.json, sources/SLUG.atom and sources.opml; it runs
 * last, after the pages its entries link to.
 */
int render_feeds(struct render_ctx *ctx, struct chorus_err *err);

/*
 * What the feeds need set first (the build's time), before the outlets'
 * feeds (render_source_feeds(), with the template set ts of the thread
 * that renders them) and render_feeds() run, on two threads or one.
 */
void render_feeds_prepare(struct render_ctx *ctx);

/* An entry already written, as it stands in a document. */
struct atom_entry {
	const char *data;
	size_t len;
};

/* One Atom document: the feed, an archive page or an outlet's feed. */
struct atom_doc {
	const char *rel; /* where it is published: "archive/3.atom" */
	const char *id;	 /* the feed's atom:id */
	const char *title;
	const char *subtitle;			   /* may be NULL */
	const struct render_story *const *stories; /* newest first */
	size_t n_stories;
	int64_t updated;       /* atom:updated when there are no stories */
	const char *alternate; /* the HTML page, relative to public/ */
	int archive;	       /* an RFC 5005 archive document: fh:archive */
	/* RFC 5005 links, relative to public/, or NULL. */
	const char *current, *prev_archive, *next_archive;
	/* The entries of stories already written, or NULL: write them. */
	const struct atom_entry *entries;
	/* The calling thread's templates for them (NULL: ctx->templates). */
	struct template_set *ts;
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

/*
 * The bytes of rs's entry in a document of from_dir ("archive/"), as they
 * stand inside <feed>, for atom_doc.entries: the story's whole content, or
 * with outlet set an outlet's short entry. Appended to out; ts is the
 * calling thread's template set.
 */
int render_atom_entry(struct render_ctx *ctx, struct template_set *ts,
		      const struct render_story *rs, const char *from_dir,
		      int outlet, struct chorus_buf *out,
		      struct chorus_err *err);

/* sources/SLUG.atom for every outlet. */
int render_source_feeds(struct render_ctx *ctx, struct template_set *ts,
			struct chorus_err *err);

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
