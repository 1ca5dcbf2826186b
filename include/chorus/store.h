/*
 * The store: chorus's state in SQLite (`.chorus/state.db`), and the only
 * code that speaks SQL. It keeps sources (outlets), articles, the stories
 * they were assigned to, and what was read from which file, so that a
 * build reads only files that changed.
 *
 * Every write happens inside chorus_store_begin()/chorus_store_commit(); a
 * run killed before the commit leaves the previous state, whole (SQLite's
 * journal). The schema carries a version (PRAGMA user_version) and opening
 * an older state migrates it forward.
 */
#ifndef CHORUS_STORE_H
#define CHORUS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/article.h"
#include "chorus/buf.h"
#include "chorus/error.h"

#define CHORUS_STORE_SCHEMA_VERSION 6

struct chorus_store;

/* An outlet. */
struct chorus_source {
	int64_t id;
	char *name;
	char *slug; /* unique, stable once given: sources/SLUG.html */
	char *url;  /* the feed's URL, or NULL for local files */
};

/* An article as stored, with where it went. */
struct chorus_stored_article {
	int64_t id;
	int64_t source_id;
	int64_t story_id; /* 0 while unassigned */
	double score;	  /* how strongly it joined its story */
	struct chorus_article a;
	/*
	 * chorus_store_load(): the stored hash of what a reader could see of
	 * the article (title, subtitle, link, author, language, summary,
	 * text, dates, outlet), kept when it is stored, so that a render can
	 * tell a changed article without reading its text; 0 when unknown.
	 */
	int64_t hash;
};

/* A story: a group of articles with a stable identity. */
struct chorus_story {
	int64_t id;
	char *uuid;	     /* "urn:uuid:…", never changes */
	char *slug;	     /* unique, stable once given: stories/SLUG.html */
	char *founder_key;   /* the key of the article that founded it */
	int64_t merged_into; /* 0, or the story that absorbed this one */
};

/* Everything a render needs, loaded at once; freed with chorus_corpus_release.
 */
struct chorus_corpus {
	struct chorus_source *sources;
	size_t n_sources;
	struct chorus_stored_article *articles; /* by (published, key) */
	size_t n_articles;
	struct chorus_story *stories; /* by id */
	size_t n_stories;
	/*
	 * Set by chorus_store_load_lazy(): the articles' texts are not loaded
	 * (a.text is NULL) except where a text stands for something else: an
	 * article without a stored hash or without a title.
	 */
	int texts_lazy;
};

/* Open (creating or migrating) the state at path. */
int chorus_store_open(struct chorus_store **out, const char *path,
		      struct chorus_err *err);
void chorus_store_close(struct chorus_store *st);

int chorus_store_begin(struct chorus_store *st, struct chorus_err *err);
int chorus_store_commit(struct chorus_store *st, struct chorus_err *err);
void chorus_store_rollback(struct chorus_store *st);
/*
 * Write the open transaction's changed pages to the journal now, keeping
 * them in the cache (not a commit: a rollback still undoes them), so that
 * the commit has less left to write. The clustering's writing thread calls
 * it once, when it has written everything (off the clustering thread); a
 * page changed again after a spill is written over in place.
 */
int chorus_store_spill(struct chorus_store *st, struct chorus_err *err);
/*
 * The open transaction will write about n articles (stored, or clustered:
 * a feature blob of 1 KB each and more). Thousands are a large commit,
 * hundreds of megabytes: it has the kernel start writing the WAL and the
 * database while it writes and checkpoints them (Linux; elsewhere
 * nothing), not all at the checkpoint's two syncs. Durability is as
 * without: the syncs only find less to do. Holds until the transaction
 * commits or rolls back.
 */
void chorus_store_expect_articles(struct chorus_store *st, size_t n);
/*
 * This connection's writes in bulk (bulk 1) or as usual (0, the default),
 * at once, also inside a transaction: in bulk, foreign keys are not
 * checked (PRAGMA foreign_keys is not heeded inside a transaction; the
 * connection's flag is) and deleted bytes are not overwritten with zeros
 * (PRAGMA secure_delete, on in Debian's SQLite); back to usual, both are
 * as they were. The clustering's writing thread writes in bulk: an
 * assignment's UPDATE of the story_id key otherwise keeps a journal of the
 * pages it changes in case the check fails (the stories it names are
 * written before it anyway), and zeroes the article's old row (the news
 * text it writes again).
 */
int chorus_store_bulk_writes(struct chorus_store *st, int bulk,
			     struct chorus_err *err);

/*
 * Has the file at path (a name relative to the site) been read with this
 * mtime and size? Sets *unchanged to 1 if so.
 */
int chorus_store_file_unchanged(struct chorus_store *st, const char *path,
				int64_t mtime, int64_t size, int *unchanged,
				struct chorus_err *err);
int chorus_store_file_record(struct chorus_store *st, const char *path,
			     int64_t mtime, int64_t size,
			     struct chorus_err *err);

/* The source named name, created (with a fresh unique slug) if missing. */
int chorus_store_source_get(struct chorus_store *st, const char *name,
			    const char *url, int64_t *id,
			    struct chorus_err *err);

enum chorus_put_result {
	CHORUS_PUT_SAME,    /* stored already with these exact contents */
	CHORUS_PUT_NEW,	    /* a new article */
	CHORUS_PUT_CHANGED, /* an article whose contents changed: updated */
};

/*
 * Insert or update the article with a's key, of source source_id. An
 * update keeps the article's story. *result (may be NULL) says which.
 */
int chorus_store_article_put(struct chorus_store *st,
			     const struct chorus_article *a, int64_t source_id,
			     enum chorus_put_result *result,
			     struct chorus_err *err);

/* Assign the article with key to story_id. */
int chorus_store_article_assign(struct chorus_store *st, int64_t article_id,
				int64_t story_id, double score,
				struct chorus_err *err);

/*
 * Create a story founded by founder_key; uuid is its id, slug_base the
 * wanted slug (made unique with "-2", "-3"…). *id receives its row id.
 */
int chorus_store_story_new(struct chorus_store *st, const char *uuid,
			   const char *slug_base, const char *founder_key,
			   int64_t *id, struct chorus_err *err);

/*
 * The row id the next story created will get (one more than the largest;
 * SQLite's own choice), and chorus_store_story_new() with that id given,
 * so that a story can be written after its id is used.
 */
int chorus_store_story_next_id(struct chorus_store *st, int64_t *id,
			       struct chorus_err *err);
int chorus_store_story_put(struct chorus_store *st, int64_t id,
			   const char *uuid, const char *slug_base,
			   const char *founder_key, struct chorus_err *err);

/*
 * A closed archive page of the Atom feed (RFC 5005): archive/PAGE.atom.
 * Once closed, a page's bytes and stories never change (src/atom_archive.c).
 */
struct chorus_archive_page {
	int64_t page;	/* 1, 2, … in the order they closed */
	int64_t closed; /* the build time at which it closed */
	char *body;	/* the document, exactly as published */
	size_t len;
	int64_t *story_ids; /* the stories it holds */
	size_t n_story_ids;
};

/* The closed archive pages, by page; free with chorus_archive_pages_free. */
int chorus_store_archive_load(struct chorus_store *st,
			      struct chorus_archive_page **out, size_t *n,
			      struct chorus_err *err);
void chorus_archive_pages_free(struct chorus_archive_page *pages, size_t n);

/*
 * The closed pages as chorus_store_archive_load() gives them but without
 * their bodies (body is NULL, len its size): a render rewrites a closed
 * page only when its file is not as written, and then reads that body
 * alone with chorus_store_archive_body() (*body freed by the caller).
 */
int chorus_store_archive_index(struct chorus_store *st,
			       struct chorus_archive_page **out, size_t *n,
			       struct chorus_err *err);
int chorus_store_archive_body(struct chorus_store *st, int64_t page,
			      char **body, size_t *len, struct chorus_err *err);

/*
 * Record page p as closed, with its bytes and stories (inside the caller's
 * transaction). Fails if the page or one of its stories is archived
 * already: closed pages never change.
 */
int chorus_store_archive_close(struct chorus_store *st,
			       const struct chorus_archive_page *p,
			       struct chorus_err *err);

/*
 * The polling state of one subscription (schema 4), keyed by its URL. The
 * validators are the raw header strings of the last 200, sent back byte
 * for byte. A feed is never deleted by a failure: only `chorus remove`
 * forgets its state, and never its articles.
 */
struct chorus_feed_state {
	char *url;
	char *title;	     /* the feed's own title, last seen */
	char *etag;	     /* ETag of the last 200, or NULL */
	char *last_modified; /* Last-Modified of the last 200, or NULL */
	int64_t next_poll;   /* not polled before this time (unless forced) */
	int64_t last_poll;   /* time of the last fetch, 0 if never */
	int64_t last_ok;     /* time of the last 200 or 304, 0 if never */
	int last_status;     /* HTTP status of the last fetch, 0 on a network
				error */
	char *last_error;    /* what went wrong last, NULL when it went well */
	long failures;	     /* failures in a row (for the backoff) */
	int retired;	     /* 410 Gone: never polled again */
	char *moved_to;	     /* where a permanent redirect pointed, or NULL */
	long moved_count;    /* polls in a row that redirected there */
	int64_t last_bytes;  /* bytes of the last body */
	int64_t items;	     /* articles this feed stored, in all */
	/* What the feed document itself asked for (RSS ttl, sy:update*,
	 * skipHours, skipDays), kept for the 304s that follow: */
	int64_t doc_interval; /* seconds, 0 when it said nothing */
	uint32_t skip_hours;  /* bit h: do not poll during hour h (UTC) */
	unsigned skip_days;   /* bit d: not on day d (0 = Sunday) */
};

void chorus_feed_state_init(struct chorus_feed_state *f);
void chorus_feed_state_release(struct chorus_feed_state *f);

/*
 * The state of the feed at url into out (initialised by the caller).
 * *found says whether there is one; when not, out holds only the url.
 */
int chorus_store_feed_get(struct chorus_store *st, const char *url,
			  struct chorus_feed_state *out, int *found,
			  struct chorus_err *err);

/* Insert or replace the state of f->url. */
int chorus_store_feed_put(struct chorus_store *st,
			  const struct chorus_feed_state *f,
			  struct chorus_err *err);

/*
 * The feed at from is now at to (a permanent move): its state and fetch
 * log follow it. Any state already kept for to is replaced.
 */
int chorus_store_feed_rename(struct chorus_store *st, const char *from,
			     const char *to, struct chorus_err *err);

/* Forget the state and fetch log of url; its articles stay. */
int chorus_store_feed_forget(struct chorus_store *st, const char *url,
			     struct chorus_err *err);

/* One request as it went: a row of the fetch log. */
struct chorus_fetch_record {
	const char *url;       /* the subscription */
	const char *final_url; /* where the body came from, or NULL */
	int64_t time;	       /* when the request started */
	long ms;	       /* how long it took */
	int status;	       /* HTTP status, 0 on a network error */
	int64_t bytes;	       /* body bytes received */
	const char *sent_etag; /* If-None-Match sent, or NULL */
	const char *sent_last_modified;
	const char *etag; /* ETag received, or NULL */
	const char *last_modified;
	int64_t next_poll;
	const char *error; /* NULL when it went well */
	long items_new;
	long items_changed;
};

/* Append rec to the fetch log (the last 100 fetches of a feed are kept). */
int chorus_store_fetch_log(struct chorus_store *st,
			   const struct chorus_fetch_record *rec,
			   struct chorus_err *err);

/* How many fetches of url the log holds. */
int chorus_store_fetch_count(struct chorus_store *st, const char *url,
			     int64_t *count, struct chorus_err *err);

/*
 * The published date stored for the article with key; *found says whether
 * there is one. (An undated feed item keeps the date it was first seen.)
 */
int chorus_store_article_published(struct chorus_store *st, const char *key,
				   int64_t *published, int *found,
				   struct chorus_err *err);

/* The URLs of every feed that has polling state, sorted. */
struct chorus_strlist;
int chorus_store_feed_urls(struct chorus_store *st, struct chorus_strlist *out,
			   struct chorus_err *err);

/* Load sources, articles and stories. */
int chorus_store_load(struct chorus_store *st, struct chorus_corpus *out,
		      struct chorus_err *err);

/*
 * The same without the bulk of the articles' texts (out->texts_lazy: see
 * struct chorus_corpus), which a render reads only for the stories it
 * summarises again: a build with one new article then reads one text, not
 * the whole corpus's.
 */
int chorus_store_load_lazy(struct chorus_store *st, struct chorus_corpus *out,
			   struct chorus_err *err);

/*
 * Read the stored text of each of the n articles (by id) into its a.text,
 * which must be NULL; the caller frees each with free() (or with the
 * article). An article no longer stored keeps NULL.
 */
int chorus_store_load_texts(struct chorus_store *st,
			    struct chorus_stored_article *const *articles,
			    size_t n, struct chorus_err *err);

/*
 * The same, calling each(arg, a) for each article a as its text is read,
 * on the calling thread, in the store's order: a caller can start on an
 * article before all are read. An article whose text could not be found
 * is not passed to each.
 */
int chorus_store_load_texts_each(
    struct chorus_store *st, struct chorus_stored_article *const *articles,
    size_t n, void (*each)(void *arg, struct chorus_stored_article *a),
    void *arg, struct chorus_err *err);
void chorus_corpus_release(struct chorus_corpus *c);

/* The source with row id, or NULL; borrowed from c (sources are by id). */
const struct chorus_source *chorus_corpus_source(const struct chorus_corpus *c,
						 int64_t id);

/*
 * What the clusterer keeps (schema version 3): per article a feature blob
 * (its format is the cluster module's business), named state blobs
 * (document frequencies), and story merges.
 */

/* One article as the clusterer reads it; every pointer is borrowed for
 * the duration of the callback. */
struct chorus_store_row {
	int64_t id;
	int64_t story_id; /* 0 while unassigned */
	int64_t published;
	double score;
	const char *key;
	const char *title;
	const char *subtitle;
	const char *text;
	const char *link;
	const char *language;
	const void *features; /* NULL when none stored */
	size_t n_features;
	int64_t
	    features_hash; /* the article hash the features were made from */
	int64_t hash;	   /* the article's hash now */
};

/* The ids of the unassigned articles in (published, key) order (caller
 * frees *ids), for reading them with a chorus_store_reader. */
int chorus_store_pending_ids(struct chorus_store *st, int64_t **ids, size_t *n,
			     struct chorus_err *err);

/*
 * A reader of unassigned articles by id with statements of its own, so
 * that other threads (one reader each) can read them while the thread that
 * owns the store goes on writing (SQLite serialises them all on the
 * connection; rows read see that thread's writes). One thread uses a
 * reader at a time; it is made and freed by the store's thread.
 */
struct chorus_store_reader;
int chorus_store_reader_new(struct chorus_store *st,
			    struct chorus_store_reader **out,
			    struct chorus_err *err);
/*
 * Call fn with the unassigned article id (the row carries no story, score
 * or features: an article's are stored when it is assigned; strings valid
 * during the call) and return what it returns;
 * CHORUS_ENOTFOUND when there is no such article, CHORUS_EDB when SQLite
 * failed (no message: it could belong to the other thread).
 */
int chorus_store_reader_row(struct chorus_store_reader *r, int64_t id,
			    int (*fn)(void *ctx,
				      const struct chorus_store_row *row),
			    void *ctx);
/*
 * The articles ids[0..n) in that order, as chorus_store_reader_row()
 * reads each: fn(ctx, i, row) for ids[i] when it is there (nothing for
 * one that is not). A run of consecutive ids is read in one pass of the
 * table. Returns 0, fn's first failure or CHORUS_EDB; *done is how many
 * ids were dealt with (all of them, or those before the one that failed).
 */
int chorus_store_reader_rows(struct chorus_store_reader *r, const int64_t *ids,
			     size_t n,
			     int (*fn)(void *ctx, size_t i,
				       const struct chorus_store_row *row),
			     void *ctx, size_t *done);
/* May r be used on another thread than the store's (SQLite built with its
 * mutexes)? Else use it on the store's thread only. */
int chorus_store_reader_shareable(const struct chorus_store_reader *r);
void chorus_store_reader_free(struct chorus_store_reader *r);

/*
 * Call fn for each assigned article of a story that has a member
 * published at or after since, in (published, key) order; text fields are
 * NULL (only the key, link and features are read).
 */
int chorus_store_scan_live(struct chorus_store *st, int64_t since,
			   int (*fn)(void *ctx,
				     const struct chorus_store_row *row),
			   void *ctx, struct chorus_err *err);

/* Store the feature blob of an article, made from article hash hash. */
int chorus_store_features_put(struct chorus_store *st, int64_t article_id,
			      int64_t hash, const void *data, size_t len,
			      struct chorus_err *err);

/* A named blob of state: get fills out (empty when missing). */
int chorus_store_state_get(struct chorus_store *st, const char *name,
			   struct chorus_buf *out, struct chorus_err *err);
int chorus_store_state_put(struct chorus_store *st, const char *name,
			   const void *data, size_t len,
			   struct chorus_err *err);

/*
 * Merge story from into story into: from's articles move to into, and
 * from (and any story merged into from before) points to into.
 */
int chorus_store_story_merge(struct chorus_store *st, int64_t from,
			     int64_t into, struct chorus_err *err);

/*
 * The article with key: *id and *story_id (0 when unassigned); *id is 0
 * when there is no such article.
 */
int chorus_store_article_find(struct chorus_store *st, const char *key,
			      int64_t *id, int64_t *story_id,
			      struct chorus_err *err);

/* The earliest published time of the unassigned articles, and how many. */
int chorus_store_pending_first(struct chorus_store *st, int64_t *first,
			       size_t *n, struct chorus_err *err);

/* Does a story with this uuid exist? *found receives 1 or 0. */
int chorus_store_story_find(struct chorus_store *st, const char *uuid,
			    int64_t *found, struct chorus_err *err);

/*
 * Bring a loaded corpus up to date with the store: each article's
 * story_id and score, each story's merged_into (stories created since the
 * load are not added).
 */
int chorus_store_refresh(struct chorus_store *st, struct chorus_corpus *c,
			 struct chorus_err *err);

/* The number of articles in story_id. */
int chorus_store_story_size(struct chorus_store *st, int64_t story_id,
			    size_t *n, struct chorus_err *err);

#endif
