/*
 * Inside the cluster module: an article's weighted features as stored
 * between runs, the document-frequency table, and the scoring shared by
 * assignment (cluster.c) and explanations (cluster_explain.c).
 */
#ifndef CHORUS_CLUSTER_INT_H
#define CHORUS_CLUSTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/buf.h"
#include "chorus/cluster.h"
#include "chorus/text.h"

/* Kept per article: its strongest terms and names, its headline terms. */
#define FEAT_TERMS 128
#define FEAT_NAMES 32
#define FEAT_HEAD 16
#define FEAT_LEAD 8

/* One weighted feature: a 32-bit hash of a stem or name key. */
struct feat {
	uint32_t h;
	float w;
};

/*
 * An article as the clusterer sees it: unit-length tf-idf vectors of
 * terms and names (weights as of when it was clustered; only the
 * strongest kept, sorted by hash), its distinct headline terms (sorted),
 * the years and dates it names, the names of its title that its body
 * names too (who or what the report is about), its fingerprint and text
 * hash.
 */
struct article_features {
	uint64_t text_hash;
	uint32_t minhash[CHORUS_MINHASH_K];
	uint32_t n_terms, n_names, n_head, n_years;
	uint16_t years[CHORUS_YEARS_MAX]; /* named years, most named first */
	uint32_t n_dates;
	uint16_t dates[CHORUS_DATES_MAX]; /* named dates (text.h) */
	uint32_t n_lead;
	uint32_t lead[FEAT_LEAD]; /* title names the body names too */
	struct feat terms[FEAT_TERMS];
	struct feat names[FEAT_NAMES];
	uint32_t head[FEAT_HEAD];
};

int features_encode(const struct article_features *f, struct chorus_buf *out);
int features_decode(const void *data, size_t len, struct article_features *f);

/*
 * Document frequencies of 32-bit feature hashes, and the document count.
 * Weighing asks for ln(tf) and idf hundreds of times an article: ln of the
 * small term frequencies is kept, and so is the idf of the small document
 * frequencies for the document count it was worked out for (log() itself,
 * so the weights are the same to the last bit).
 */
#define DF_LOG_TF 64
#define DF_IDF_CACHE 1024
struct df_entry {
	uint32_t key; /* 0 marks an empty slot (hash 0 is stored as 1) */
	uint32_t count;
};

struct df_table {
	struct df_entry *slots; /* a hash and its count share a cache line */
	size_t cap, n;
	uint64_t docs;
	double log_tf[DF_LOG_TF];	 /* ln(i) */
	double idf[DF_IDF_CACHE];	 /* idf of document frequency i … */
	uint64_t idf_docs[DF_IDF_CACHE]; /* … as of this many documents */
};

int df_init(struct df_table *t, size_t expected);
void df_release(struct df_table *t);
int df_add(struct df_table *t, uint32_t h);
/* df_add() that also gives h's count after it (*count). */
int df_add_count(struct df_table *t, uint32_t h, uint32_t *count);
/* df_idf() of a hash whose count is known (its idf kept for the docs). */
double df_idf_of(struct df_table *t, uint32_t count);
uint32_t df_get(const struct df_table *t, uint32_t h);
double df_idf(const struct df_table *t, uint32_t h);
int df_encode(const struct df_table *t, struct chorus_buf *out);
int df_decode(struct df_table *t, const void *data, size_t len);

/*
 * Turn an analysis into weighted features: counts the article's distinct
 * terms and names into df first when count is set (an article is counted
 * once, when it is clustered), then weighs with df.
 */
int features_from_analysis(const struct chorus_text_analysis *an,
			   struct df_table *df, int count,
			   struct article_features *out);

/*
 * The same in two steps, the first needing no df (so it can run on another
 * thread): an analysis's term and name hashes folded to 32 bits and sorted,
 * repeats kept; then weighed. features_from_analysis() is both.
 */
struct feat_sorted {
	uint32_t *terms, *names, *tmp;
	size_t n_terms, n_names, cap_terms, cap_names, cap_tmp;
};

int features_sort(const struct chorus_text_analysis *an, struct feat_sorted *s);
void features_sorted_release(struct feat_sorted *s);
int features_from_sorted(const struct chorus_text_analysis *an,
			 const struct feat_sorted *sorted, struct df_table *df,
			 int count, struct article_features *out);

/*
 * Keep the max heaviest of the n hash-sorted features fs (ties: the lower
 * hash), in place and still sorted by hash; returns how many are kept.
 * Linear time: a selection, not a sort.
 */
size_t feat_keep_heaviest(struct feat *fs, size_t n, size_t max);

/*
 * The k-th largest (k from 1) of the keys v[0..n) (n >= k), moving them
 * about: a quickselect whose partition is a comparison of integers.
 */
uint64_t feat_kth_largest(uint64_t *v, size_t n, size_t k);

/* The sparse dot product of two hash-sorted feature arrays. */
double feat_dot(const struct feat *a, size_t na, const struct feat *b,
		size_t nb);

/* feat_dot() of arrays kept as hashes and weights apart (h[i], w[i]). */
double feat_dot_split(const uint32_t *ah, const float *aw, size_t na,
		      const uint32_t *bh, const float *bw, size_t nb);

/*
 * One feature array made ready to be multiplied with many: a table of one
 * byte per 12-bit hash bucket tells where the feature of that bucket is,
 * so most of the other side's features are turned away with one load and
 * the rest found without a search (a bucket of several is searched).
 * feat_set_dot(s, b's hashes, b's weights) is feat_dot(s's array, b), to
 * the last bit.
 */
#define FEAT_SET_SLOTS 4096 /* for at most 254 features (FEAT_TERMS) */
#define FEAT_SET_MANY 255   /* a bucket of several features */
_Static_assert(FEAT_TERMS < FEAT_SET_MANY, "feat_set slots hold an index");
struct feat_set {
	/* 0: none; i + 1: v[i]; or MANY; then 3 bytes of padding (read four
	 * bytes at a time by the vector loop) */
	uint8_t slot[FEAT_SET_SLOTS + 3];
	const struct feat *v; /* borrowed */
	size_t n;
};

void feat_set_init(struct feat_set *s, const struct feat *v, size_t n);
double feat_set_dot(const struct feat_set *s, const uint32_t *bh,
		    const float *bw, size_t nb);

/*
 * The split step (src/cluster_split.c): the members of a story while it
 * has at most split_max (options), each packed to what the split reads
 * (words, names, years, dates) and what rebuilding a story from it needs,
 * and, once a split is worth asking about, the similarity of every pair.
 */
struct split_member {
	int64_t article_id, published;
	double score;	   /* its score when it was assigned */
	uint64_t link_key; /* of its link for the copy table; 0: none */
	uint64_t text_hash;
	char *key;	/* in mem, after the vectors */
	struct feat *v; /* n_terms terms, n_names names, then head terms */
	uint32_t minhash[CHORUS_MINHASH_K];
	uint8_t n_terms, n_names, n_head, n_years, n_dates;
	uint16_t years[CHORUS_YEARS_MAX], dates[CHORUS_DATES_MAX];
};

struct split_story {
	struct split_member *m; /* in (published, key) order */
	float *sim; /* pair (i, j), j < i < n_sim, at i * (i - 1) / 2 + j */
	uint32_t n, cap, n_sim;
	uint8_t off; /* grew past split_max: no longer kept or checked */
};

void split_story_release(struct split_story *ss);
/* Add a member (a copy of key and f) in its place; past split_max, drops. */
int split_story_add(struct split_story *ss,
		    const struct chorus_cluster_options *o, int64_t article_id,
		    const char *key, int64_t published, double score,
		    uint64_t link_key, const struct article_features *f);
/* Move from's members into into (from is left empty and off). */
int split_story_merge(struct split_story *into, struct split_story *from,
		      const struct chorus_cluster_options *o);
/*
 * Should the story split? side[] (ss->n entries) receives 1 for the
 * members of the group that leaves (never the founder's, the earliest
 * member's); returns how many leave, 0 for no split.
 */
uint32_t split_story_decide(struct split_story *ss,
			    const struct chorus_cluster_options *o,
			    uint8_t *side);
/* Move the members with side[i] set into out, in order. */
int split_story_divide(struct split_story *ss, const uint8_t *side,
		       struct split_story *out);
/* The index of the earliest member (by published, then key). */
uint32_t split_story_first(const struct split_story *ss);
/* Member m's features as far as a story keeps them (no lead names). */
void split_member_features(const struct split_member *m,
			   struct article_features *f);

#endif
