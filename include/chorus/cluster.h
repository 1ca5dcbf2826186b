/*
 * Clustering: which articles tell the same story, and what the story says.
 *
 * Assignment is online: articles are taken in (published, key) order and
 * each one not yet assigned joins the best candidate story above a
 * threshold or founds a new one. An assignment, once stored, is only ever
 * changed by a merge (the older story absorbs the younger, which points to
 * it), a split (a group of a story's members that tells another event
 * leaves for a story of its own) or an override, so story ids stay stable
 * across runs; see src/cluster.c for the method.
 *
 * The view of a story (canonical headline, summary, what each source adds)
 * is computed from its members at render time, so it is a pure function of
 * what the store holds.
 */
#ifndef CHORUS_CLUSTER_H
#define CHORUS_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/config.h"
#include "chorus/error.h"
#include "chorus/store.h"
#include "chorus/text.h"

/* Bytes of "urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus NUL. */
#define CHORUS_STORY_ID_LEN 46

/*
 * The Atom id of the story founded by the article with key founder_key:
 * "urn:uuid:" + UUID v5 over the chorus namespace and the key.
 */
void chorus_story_id(const char *founder_key, char out[CHORUS_STORY_ID_LEN]);

/*
 * How articles are scored against stories (src/cluster.c says how the
 * defaults were chosen). An article joins the best-scoring candidate story
 * when the score reaches threshold:
 *   score = w_terms * cos(terms) + w_names * cos(names)
 *         + w_head * headline overlap - w_time * (time since the story's
 *           last report / window) - w_year * (both name years, none
 *           in common) - w_date * (one names dates, the other years,
 *           none the year of one of those dates) - w_lead * (the title
 *           names someone the story never names)
 */
struct chorus_cluster_options {
	double threshold;	/* minimum score to join a story */
	double merge_threshold; /* an article scoring this with two stories
				   shows they are one: they merge */
	double w_terms, w_names, w_head, w_time;
	double w_year;	  /* taken off when article and story name only
			     different years */
	double w_date;	  /* taken off when one dates itself (a year with
			     its month or day) to a year the other, naming
			     years, does not name */
	double w_lead;	  /* taken off when the article's title names
			     someone its body names too and no member of
			     the story names */
	double min_terms; /* below this cosine of words, no story is joined
			     (names and headlines alone are not enough) */
	int64_t window;	  /* seconds: a story older than this takes no one */
	/* The split step: a story of at most split_max members whose members
	 * fall in two groups of at least split_min_side each, the mean
	 * similarity between them below split_ratio times that within the
	 * less cohesive one, splits (split_ratio 0: never). */
	double split_ratio;
	uint32_t split_min_side, split_max;
	/* chorus.ini [story] overrides, applied after each run (borrowed) */
	const struct chorus_story_override *overrides;
	size_t n_overrides;
};

void chorus_cluster_options_init(struct chorus_cluster_options *o);

struct chorus_cluster_stats {
	size_t articles;    /* articles assigned in this run */
	size_t stories_new; /* stories founded */
	size_t merges;	    /* stories merged into others */
	size_t copies;	    /* articles that were exact or near copies */
};

/*
 * Assign every unassigned article in st to a story, founding stories as
 * needed, inside the caller's transaction; then apply the overrides.
 * Reads the articles from the store a batch at a time and keeps in memory
 * only the stories still inside the time window, so it runs in memory
 * bounded by the window, not by the store. Two more threads, started and
 * joined inside the call, work through st beside the clustering: one
 * reads and analyses the articles ahead of it, one writes its
 * assignments, feature blobs and new stories behind it, in order (SQLite
 * serialises their statements with this thread's): st must not be used by
 * yet another thread meanwhile. The result does not depend on the
 * threads' timing. The run tells the store how many articles the
 * caller's transaction will write (chorus_store_expect_articles()).
 */
int chorus_cluster_run(struct chorus_store *st,
		       const struct chorus_cluster_options *opt,
		       struct chorus_cluster_stats *stats,
		       struct chorus_report *report, struct chorus_err *err);

/*
 * chorus_cluster_run(), then bring c (loaded before) up to date: its
 * articles' story_id and score, its stories' merged_into. c's stories are
 * not added to: reload to see new ones. *n_new_stories (may be NULL)
 * counts the stories founded.
 */
int chorus_cluster_assign(struct chorus_store *st, struct chorus_corpus *c,
			  const struct chorus_cluster_options *opt,
			  size_t *n_new_stories, struct chorus_report *report,
			  struct chorus_err *err);

/* Why one member is in its story. */
struct chorus_explain_member {
	const struct chorus_stored_article *article;
	double score;
	struct chorus_strlist
	    names; /* shared with other members, strongest first */
	struct chorus_strlist terms;
	char *copy_of; /* key of the member it copies, or NULL */
};

struct chorus_explain {
	const struct chorus_story *story;
	struct chorus_explain_member *members; /* by (published, key) */
	size_t n_members;
	struct chorus_strlist names; /* what drove the story: shared names */
	struct chorus_strlist terms; /* … and shared terms */
};

/*
 * Explain story s of corpus c: for each member, its score and the names
 * and terms it shares with the rest of the story, ranked by how many
 * members share them and how rare they are in the store.
 */
int chorus_cluster_explain(struct chorus_store *st,
			   const struct chorus_corpus *c,
			   const struct chorus_story *s,
			   struct chorus_explain *out, struct chorus_err *err);
void chorus_explain_release(struct chorus_explain *e);

/* One source's part in a story. */
struct chorus_story_member {
	const struct chorus_stored_article *article;
	const struct chorus_source *source;
	struct chorus_strlist only; /* up to 2 sentences no other source has */
};

/* What a reader sees of a story; borrows from the corpus it came from. */
struct chorus_story_view {
	const struct chorus_story *story;
	char *headline;
	struct chorus_strlist summary;	     /* 1-4 sentences */
	struct chorus_story_member *members; /* by (published, key) */
	size_t n_members;
	size_t n_sources;	     /* distinct outlets */
	int64_t first, last;	     /* first and last report times */
	struct chorus_strlist names; /* the names most members share */
};

/*
 * Compute the view of story s. Stories without members (merged away) give
 * a view with n_members == 0.
 */
int chorus_story_view_compute(const struct chorus_corpus *c,
			      const struct chorus_story *s,
			      struct chorus_story_view *out,
			      struct chorus_err *err);
void chorus_story_view_release(struct chorus_story_view *v);

/*
 * The display title of an article: its headline, else its first sentence
 * cut to about 90 bytes at a word boundary, with an ellipsis. Caller frees.
 */
char *chorus_article_display_title(const struct chorus_article *a);

#endif
