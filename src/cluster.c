/*
 * Clustering (see include/chorus/cluster.h).
 *
 * The method. Each article becomes a sparse vector over hashed features:
 * its stemmed content terms and its proper names (a name counts twice: two
 * reports naming "Kirill Dmitriev" share far more than two using "talks").
 * Weights are (1 + log tf) * idf over the whole corpus, and each vector is
 * normalised. A story's centroid is the sum of its members' vectors; an
 * article joins the story whose centroid it is most similar to (cosine),
 * when that similarity reaches the threshold, else it founds a story.
 *
 * Stories are never rebuilt: a stored assignment stands, so ids and pages
 * are stable however many times chorus runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>
#include <xxhash.h>

#include "chorus/cluster.h"

/* The chorus namespace for story ids (a fixed random UUID). */
static const char *const story_namespace = "3c1f4b7e-8a52-4d1e-9b0c-6f2d8e4a1c57";

void chorus_story_id(const char *founder_key, char out[CHORUS_STORY_ID_LEN])
{
	uuid_t ns, id;
	char text[37];

	uuid_parse(story_namespace, ns);
	uuid_generate_sha1(id, ns, founder_key, strlen(founder_key));
	uuid_unparse_lower(id, text);
	memcpy(out, "urn:uuid:", 9);
	memcpy(out + 9, text, 37);
}

void chorus_cluster_options_init(struct chorus_cluster_options *o)
{
	o->threshold = 0.2;
	o->window = 14 * 86400;
}

/* A sparse vector: features sorted by hash. */
struct feature {
	uint64_t h;
	double w;
};

struct vec {
	struct feature *f;
	size_t n;
	double norm;
};

static void vec_release(struct vec *v)
{
	free(v->f);
	v->f = NULL;
	v->n = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t feature_hash(const char *kind, const char *s)
{
	return XXH64(s, strlen(s), (uint64_t)(unsigned char)kind[0]);
}

/*
 * Raw counts of an article's features (weights are term frequencies,
 * names doubled); sorted by hash.
 */
static int article_counts(struct chorus_stemmer *stemmer,
			  const struct chorus_article *a, struct vec *out)
{
	struct chorus_strlist terms, names;
	struct chorus_buf all = CHORUS_BUF_INIT;
	uint64_t *hs = NULL;
	size_t n = 0, i, j;
	int rc;

	chorus_strlist_init(&terms);
	chorus_strlist_init(&names);
	memset(out, 0, sizeof(*out));
	rc = chorus_buf_printf(&all, "%s\n%s\n%s", a->title ? a->title : "",
			       a->subtitle ? a->subtitle : "",
			       a->text ? a->text : "");
	if (!rc)
		rc = chorus_text_terms(stemmer, all.data, &terms);
	if (!rc)
		rc = chorus_text_names(all.data, &names);
	if (rc)
		goto out;
	hs = malloc((terms.n + 2 * names.n + 1) * sizeof(*hs));
	if (!hs) {
		rc = CHORUS_ENOMEM;
		goto out;
	}
	for (i = 0; i < terms.n; i++)
		hs[n++] = feature_hash("t", terms.v[i]);
	for (i = 0; i < names.n; i++) {
		hs[n++] = feature_hash("n", names.v[i]);
		hs[n++] = feature_hash("n", names.v[i]);
	}
	qsort(hs, n, sizeof(*hs), cmp_u64);
	out->f = malloc((n + 1) * sizeof(*out->f));
	if (!out->f) {
		rc = CHORUS_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && hs[j] == hs[i]; j++)
			;
		out->f[out->n].h = hs[i];
		out->f[out->n].w = (double)(j - i);
		out->n++;
	}
out:
	free(hs);
	chorus_buf_release(&all);
	chorus_strlist_release(&terms);
	chorus_strlist_release(&names);
	return rc;
}

/* Document frequencies: a hash table from feature to count. */
struct df_table {
	uint64_t *keys;
	uint32_t *counts;
	size_t cap; /* power of two */
	size_t n;
	size_t docs;
};

static int df_init(struct df_table *t, size_t expected)
{
	t->cap = 1024;
	while (t->cap < expected * 2)
		t->cap *= 2;
	t->keys = calloc(t->cap, sizeof(*t->keys));
	t->counts = calloc(t->cap, sizeof(*t->counts));
	t->n = 0;
	t->docs = 0;
	return t->keys && t->counts ? 0 : CHORUS_ENOMEM;
}

static void df_release(struct df_table *t)
{
	free(t->keys);
	free(t->counts);
}

/* Slot of h (0 is never a key: a zero hash is stored as 1). */
static size_t df_slot(const struct df_table *t, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->keys[i] && t->keys[i] != h)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int df_add(struct df_table *t, uint64_t h)
{
	size_t i;

	h = h ? h : 1;
	if ((t->n + 1) * 2 > t->cap) {
		struct df_table bigger;
		size_t k;

		if (df_init(&bigger, t->cap))
			return CHORUS_ENOMEM;
		for (k = 0; k < t->cap; k++) {
			size_t s;

			if (!t->keys[k])
				continue;
			s = df_slot(&bigger, t->keys[k]);
			bigger.keys[s] = t->keys[k];
			bigger.counts[s] = t->counts[k];
		}
		bigger.n = t->n;
		bigger.docs = t->docs;
		df_release(t);
		*t = bigger;
	}
	i = df_slot(t, h);
	if (!t->keys[i]) {
		t->keys[i] = h;
		t->n++;
	}
	t->counts[i]++;
	return 0;
}

/*
 * Smoothed idf. A small corpus (the five seeds) would otherwise give the
 * words every report shares, which are exactly the evidence that they tell
 * one story, a weight near zero; BACKGROUND_DOCS pretends the corpus also
 * holds that many unrelated documents without the term. On a large corpus
 * the real counts dominate and this is plain idf.
 */
#define BACKGROUND_DOCS 100.0

static double idf(const struct df_table *t, uint64_t h)
{
	size_t i = df_slot(t, h ? h : 1);
	double df = t->keys[i] ? t->counts[i] : 0;

	return log(1.0 + ((double)t->docs + BACKGROUND_DOCS) / (df + 1.0));
}

/* Turn counts into normalised tf-idf weights. */
static void weigh(struct vec *v, const struct df_table *df)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < v->n; i++) {
		double w = (1 + log(v->f[i].w)) * idf(df, v->f[i].h);

		v->f[i].w = w > 0 ? w : 0;
		sum += v->f[i].w * v->f[i].w;
	}
	v->norm = sqrt(sum);
	for (i = 0; i < v->n && v->norm > 0; i++)
		v->f[i].w /= v->norm;
	v->norm = v->norm > 0 ? 1 : 0;
}

static double dot(const struct vec *a, const struct vec *b)
{
	size_t i = 0, j = 0;
	double s = 0;

	while (i < a->n && j < b->n) {
		if (a->f[i].h < b->f[j].h)
			i++;
		else if (a->f[i].h > b->f[j].h)
			j++;
		else
			s += a->f[i++].w * b->f[j++].w;
	}
	return s;
}

/* c += v, keeping c sorted; recomputes c's norm. */
static int vec_add(struct vec *c, const struct vec *v)
{
	struct feature *f = malloc((c->n + v->n + 1) * sizeof(*f));
	size_t i = 0, j = 0, n = 0;
	double sum = 0;

	if (!f)
		return CHORUS_ENOMEM;
	while (i < c->n || j < v->n) {
		if (j == v->n || (i < c->n && c->f[i].h < v->f[j].h))
			f[n] = c->f[i++];
		else if (i == c->n || v->f[j].h < c->f[i].h)
			f[n] = v->f[j++];
		else {
			f[n].h = c->f[i].h;
			f[n].w = c->f[i++].w + v->f[j++].w;
		}
		sum += f[n].w * f[n].w;
		n++;
	}
	free(c->f);
	c->f = f;
	c->n = n;
	c->norm = sqrt(sum);
	return 0;
}

struct centroid {
	int64_t story_id;
	int64_t last; /* newest member's time */
	struct vec v;
};

static struct centroid *find_centroid(struct centroid *cs, size_t n,
				      int64_t story_id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cs[i].story_id == story_id)
			return &cs[i];
	return NULL;
}

int chorus_cluster_assign(struct chorus_store *st, struct chorus_corpus *c,
			  const struct chorus_cluster_options *opt,
			  size_t *n_new_stories, struct chorus_report *report,
			  struct chorus_err *err)
{
	struct chorus_stemmer *stemmer = NULL;
	struct centroid *cs = NULL;
	struct vec *vecs = NULL;
	struct df_table df = {0};
	size_t n_cs = 0, i, k, founded = 0, pending = 0, done = 0;
	int rc;

	if (n_new_stories)
		*n_new_stories = 0;
	for (i = 0; i < c->n_articles; i++)
		pending += c->articles[i].story_id == 0;
	if (!pending)
		return 0;
	rc = chorus_stemmer_new(&stemmer, NULL);
	if (!rc)
		rc = df_init(&df, 4096);
	vecs = calloc(c->n_articles + 1, sizeof(*vecs));
	cs = calloc(c->n_articles + 1, sizeof(*cs));
	if (rc || !vecs || !cs) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c->n_articles && !rc; i++) {
		rc = article_counts(stemmer, &c->articles[i].a, &vecs[i]);
		for (k = 0; !rc && k < vecs[i].n; k++)
			rc = df_add(&df, vecs[i].f[k].h);
		df.docs++;
	}
	for (i = 0; i < c->n_articles; i++)
		weigh(&vecs[i], &df);
	/* Centroids of the stories that exist. */
	for (i = 0; i < c->n_articles && !rc; i++) {
		struct chorus_stored_article *sa = &c->articles[i];
		struct centroid *ce;

		if (!sa->story_id)
			continue;
		ce = find_centroid(cs, n_cs, sa->story_id);
		if (!ce) {
			ce = &cs[n_cs++];
			ce->story_id = sa->story_id;
		}
		rc = vec_add(&ce->v, &vecs[i]);
		if (sa->a.published > ce->last)
			ce->last = sa->a.published;
	}
	for (i = 0; i < c->n_articles && !rc; i++) {
		struct chorus_stored_article *sa = &c->articles[i];
		struct centroid *best = NULL;
		double best_sim = 0;
		char id[CHORUS_STORY_ID_LEN];

		if (sa->story_id)
			continue;
		for (k = 0; k < n_cs; k++) {
			double sim;

			if (!cs[k].v.norm ||
			    sa->a.published - cs[k].last > opt->window)
				continue;
			sim = dot(&vecs[i], &cs[k].v) / cs[k].v.norm;
			if (sim > best_sim) {
				best_sim = sim;
				best = &cs[k];
			}
		}
		if (!best || best_sim < opt->threshold) {
			char *title = chorus_article_display_title(&sa->a);

			if (!title) {
				rc = chorus_err_set(err, CHORUS_ENOMEM,
						    "out of memory");
				break;
			}
			chorus_story_id(sa->a.key, id);
			best = &cs[n_cs++];
			rc = chorus_store_story_new(st, id, title, sa->a.key,
						    &best->story_id, err);
			free(title);
			best_sim = 1;
			founded++;
		}
		if (!rc)
			rc = chorus_store_article_assign(st, sa->id,
							 best->story_id,
							 best_sim, err);
		if (!rc)
			rc = vec_add(&best->v, &vecs[i]);
		if (sa->a.published > best->last)
			best->last = sa->a.published;
		sa->story_id = best->story_id;
		sa->score = best_sim;
		chorus_report_progress(report, "clustering", (long)++done,
				       (long)pending);
	}
	if (rc == CHORUS_ENOMEM)
		chorus_err_set(err, rc, "out of memory");
out:
	if (n_new_stories)
		*n_new_stories = founded;
	for (i = 0; vecs && i < c->n_articles; i++)
		vec_release(&vecs[i]);
	for (i = 0; cs && i < n_cs; i++)
		vec_release(&cs[i].v);
	free(vecs);
	free(cs);
	df_release(&df);
	chorus_stemmer_free(stemmer);
	return rc;
}
