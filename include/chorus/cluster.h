/*
 * Clustering: which articles tell the same story, and what the story says.
 *
 * Assignment is online: articles are taken in (published, key) order and
 * each one not yet assigned joins the most similar story above a threshold
 * or founds a new one. An assignment, once stored, is never revisited, so
 * story ids stay stable across runs; see src/cluster.c for the scoring.
 *
 * The view of a story (canonical headline, summary, what each source adds)
 * is computed from its members at render time, so it is a pure function of
 * what the store holds.
 */
#ifndef CHORUS_CLUSTER_H
#define CHORUS_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

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

struct chorus_cluster_options {
	double threshold; /* minimum similarity to join a story */
	int64_t window;   /* seconds: a story older than this takes no one */
};

void chorus_cluster_options_init(struct chorus_cluster_options *o);

/*
 * Assign every unassigned article of c, founding stories in st as needed
 * (inside the caller's transaction). c's articles are updated in memory
 * too (story_id, score); c's stories are not: reload to see new ones.
 * *n_new_stories (may be NULL) counts the stories founded.
 */
int chorus_cluster_assign(struct chorus_store *st, struct chorus_corpus *c,
			  const struct chorus_cluster_options *opt,
			  size_t *n_new_stories, struct chorus_report *report,
			  struct chorus_err *err);

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
	struct chorus_strlist summary;       /* 1-4 sentences */
	struct chorus_story_member *members; /* by (published, key) */
	size_t n_members;
	size_t n_sources;   /* distinct outlets */
	int64_t first, last; /* first and last report times */
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
