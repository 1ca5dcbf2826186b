/*
 * The split step of the clusterer (src/cluster.c decides when it runs and
 * applies it): an online clusterer decides each article once, and the
 * first report of a second event often joins a story of the first while
 * that story is one or two reports old; later reports on each side show
 * two groups. This file keeps, for each story small enough to check, its
 * members' features and the similarity of every pair of members (worked
 * out once, when a member joins), and decides whether the members form two
 * well-separated groups: a 2-means bisection on the pair similarities,
 * split when the similarity between the groups is clearly below that
 * within each. Everything here is a function of the members and their
 * stored features, taken in (published, key) order, so a story rebuilt
 * from the store in a later run decides exactly as it did in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"

/* How alike two members are: words and names, weighed as in scoring. */
static float member_similarity(const struct chorus_cluster_options *o,
			       const struct article_features *a,
			       const struct article_features *b)
{
	double w = o->w_terms + o->w_names, s;

	if (w <= 0)
		return 0;
	s = o->w_terms * feat_dot(a->terms, a->n_terms, b->terms, b->n_terms) +
	    o->w_names * feat_dot(a->names, a->n_names, b->names, b->n_names);
	return (float)(s / w);
}

/* The similarity of members i and j (i != j) of ss. */
static float sim_at(const struct split_story *ss, uint32_t i, uint32_t j)
{
	if (i < j) {
		uint32_t t = i;

		i = j;
		j = t;
	}
	return ss->sim[(size_t)i * (i - 1) / 2 + j];
}

static void member_release(struct split_member *m)
{
	free(m->key);
	free(m->f);
}

void split_story_release(struct split_story *ss)
{
	uint32_t i;

	for (i = 0; i < ss->n; i++)
		member_release(&ss->m[i]);
	free(ss->m);
	free(ss->sim);
	memset(ss, 0, sizeof(*ss));
}

/* Stop keeping ss's members: it has grown past what is checked. */
static void split_story_drop(struct split_story *ss)
{
	split_story_release(ss);
	ss->off = 1;
}

static int member_before(const struct split_member *a,
			 const struct split_member *b)
{
	if (a->published != b->published)
		return a->published < b->published;
	return strcmp(a->key, b->key) < 0;
}

/*
 * Put member m (owned from now on, released on failure) into ss at its
 * place in (published, key) order, with its similarity to every other
 * member; the bisection reads the members in that order, so a story
 * rebuilt from the store decides as it did when it grew.
 */
static int push(struct split_story *ss, const struct chorus_cluster_options *o,
		struct split_member *m)
{
	float *sim, *row;
	uint32_t i, j, at = ss->n;

	if (ss->n == ss->cap) {
		uint32_t cap = ss->cap ? ss->cap * 2 : 4;
		struct split_member *v = realloc(ss->m, cap * sizeof(*v));

		if (!v)
			goto fail;
		ss->m = v;
		ss->cap = cap;
	}
	sim = malloc(((size_t)ss->n * (ss->n + 1) / 2 + 1) * sizeof(*sim));
	row = malloc((ss->n + 1) * sizeof(*row));
	if (!sim || !row) {
		free(sim);
		free(row);
		goto fail;
	}
	while (at > 0 && member_before(m, &ss->m[at - 1]))
		at--;
	for (i = 0; i < ss->n; i++)
		row[i] = member_similarity(o, m->f, ss->m[i].f);
	/* Row i of the new matrix; an old member's old index is i - (i > at).
	 */
	for (i = 1; i <= ss->n; i++)
		for (j = 0; j < i; j++) {
			float v;

			if (i == at)
				v = row[j];
			else if (j == at)
				v = row[i - 1];
			else
				v = sim_at(ss, i - (i > at), j - (j > at));
			sim[(size_t)i * (i - 1) / 2 + j] = v;
		}
	memmove(&ss->m[at + 1], &ss->m[at], (ss->n - at) * sizeof(*ss->m));
	ss->m[at] = *m;
	free(ss->sim);
	free(row);
	ss->sim = sim;
	ss->n++;
	return 0;
fail:
	member_release(m);
	return CHORUS_ENOMEM;
}

int split_story_add(struct split_story *ss,
		    const struct chorus_cluster_options *o, int64_t article_id,
		    const char *key, int64_t published, double score,
		    uint64_t link_key, const struct article_features *f)
{
	struct split_member m;

	if (ss->off)
		return 0;
	if (ss->n >= o->split_max) {
		split_story_drop(ss);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.key = strdup(key);
	m.f = malloc(sizeof(*m.f));
	if (!m.key || !m.f) {
		member_release(&m);
		return CHORUS_ENOMEM;
	}
	*m.f = *f;
	m.article_id = article_id;
	m.published = published;
	m.score = score;
	m.link_key = link_key;
	return push(ss, o, &m);
}

int split_story_merge(struct split_story *into, struct split_story *from,
		      const struct chorus_cluster_options *o)
{
	uint32_t i;
	int rc = 0;

	if (into->off || from->off || into->n + from->n > o->split_max) {
		split_story_drop(into);
		split_story_drop(from);
		return 0;
	}
	for (i = 0; i < from->n && !rc; i++)
		rc = push(into, o, &from->m[i]);
	/* The members moved (or a failed push released one): free the rest. */
	for (; i < from->n; i++)
		member_release(&from->m[i]);
	from->n = 0;
	split_story_drop(from);
	return rc;
}

int split_story_divide(struct split_story *ss, const uint8_t *side,
		       struct split_story *out)
{
	struct split_story keep;
	struct split_story *to[2];
	uint32_t i, j, k[2] = {0, 0}, *at;
	int rc = CHORUS_ENOMEM;

	memset(&keep, 0, sizeof(keep));
	memset(out, 0, sizeof(*out));
	to[0] = &keep;
	to[1] = out;
	at = malloc((ss->n + 1) * sizeof(*at));
	if (!at)
		return rc;
	for (i = 0; i < ss->n; i++)
		at[i] = k[side[i]]++;
	for (j = 0; j < 2; j++) {
		to[j]->cap = k[j] ? k[j] : 1;
		to[j]->m = malloc(to[j]->cap * sizeof(*to[j]->m));
		to[j]->sim = malloc(((size_t)k[j] * (k[j] + 1) / 2 + 1) *
				    sizeof(*to[j]->sim));
		if (!to[j]->m || !to[j]->sim)
			goto out;
	}
	for (i = 0; i < ss->n; i++) {
		struct split_story *t = to[side[i]];

		t->m[t->n++] = ss->m[i];
		for (j = 0; j < i; j++)
			if (side[j] == side[i])
				t->sim[(size_t)at[i] * (at[i] - 1) / 2 +
				       at[j]] = sim_at(ss, i, j);
	}
	free(ss->m);
	free(ss->sim);
	*ss = keep;
	rc = 0;
out:
	if (rc) {
		free(keep.m);
		free(keep.sim);
		free(out->m);
		free(out->sim);
		memset(out, 0, sizeof(*out));
	}
	free(at);
	return rc;
}

uint32_t split_story_first(const struct split_story *ss)
{
	uint32_t i, first = 0;

	for (i = 1; i < ss->n; i++)
		if (member_before(&ss->m[i], &ss->m[first]))
			first = i;
	return first;
}

/*
 * Does moving the members with side[i] set apart separate two articles a
 * [story] merge override holds together?
 */
static int splits_override(const struct split_story *ss, const uint8_t *side,
			   const struct chorus_cluster_options *o)
{
	size_t k;
	uint32_t i;

	for (k = 0; k < o->n_overrides; k++) {
		const struct chorus_story_override *ov = &o->overrides[k];
		int a = -1, b = -1;

		if (ov->kind != CHORUS_STORY_MERGE)
			continue;
		for (i = 0; i < ss->n; i++) {
			if (!strcmp(ss->m[i].key, ov->key))
				a = side[i];
			if (ov->other && !strcmp(ss->m[i].key, ov->other))
				b = side[i];
		}
		if (a >= 0 && b >= 0 && a != b)
			return 1;
	}
	return 0;
}

/*
 * Mean similarities of the bisection side[]: within side 0, within side 1
 * and between them.
 */
static void cohesion(const struct split_story *ss, const uint8_t *side,
		     double *in0, double *in1, double *between)
{
	double sum[3] = {0, 0, 0};
	size_t cnt[3] = {0, 0, 0};
	uint32_t i, j;

	for (i = 1; i < ss->n; i++)
		for (j = 0; j < i; j++) {
			int k = side[i] != side[j] ? 2 : side[i];

			sum[k] += ss->sim[(size_t)i * (i - 1) / 2 + j];
			cnt[k]++;
		}
	*in0 = cnt[0] ? sum[0] / (double)cnt[0] : 1;
	*in1 = cnt[1] ? sum[1] / (double)cnt[1] : 1;
	*between = cnt[2] ? sum[2] / (double)cnt[2] : 0;
}

/* The distinct years or dates (year * 16 + month) one side names. */
struct when {
	uint16_t v[32];
	size_t n;
};

static void when_add(struct when *w, const uint16_t *v, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < w->n && w->v[k] != v[i]; k++)
			;
		if (k == w->n && w->n < sizeof(w->v) / sizeof(w->v[0]))
			w->v[w->n++] = v[i];
	}
}

/* Does one of the dates fall in one of the years? */
static int dated_in(const struct when *dates, const struct when *years)
{
	size_t i, k;

	for (i = 0; i < dates->n; i++)
		for (k = 0; k < years->n; k++)
			if (dates->v[i] / 16 == years->v[k])
				return 1;
	return 0;
}

/*
 * Do the two sides date themselves apart? One names dates (the time of its
 * event) and the other years, none of them the year of one of those dates:
 * the conflict that scoring counts against an article joining a story
 * (src/cluster.c), here between the two groups.
 */
static int dated_apart(const struct split_story *ss, const uint8_t *side)
{
	struct when y[2], d[2];
	uint32_t i;

	memset(y, 0, sizeof(y));
	memset(d, 0, sizeof(d));
	for (i = 0; i < ss->n; i++) {
		when_add(&y[side[i]], ss->m[i].f->years, ss->m[i].f->n_years);
		when_add(&d[side[i]], ss->m[i].f->dates, ss->m[i].f->n_dates);
	}
	return (d[0].n && y[1].n && !dated_in(&d[0], &y[1])) ||
	       (d[1].n && y[0].n && !dated_in(&d[1], &y[0]));
}

uint32_t split_story_decide(const struct split_story *ss,
			    const struct chorus_cluster_options *o,
			    uint8_t *side)
{
	uint32_t i, j, a = 0, b = 1, n0 = 0, n1 = 0, first, iter;
	double in0, in1, between;
	float low = 2;

	if (ss->off || o->split_ratio <= 0 || o->split_min_side < 1 ||
	    ss->n < 2 * o->split_min_side)
		return 0;
	/* Without a date named, no two groups can date themselves apart. */
	for (i = 0; i < ss->n && !ss->m[i].f->n_dates; i++)
		;
	if (i == ss->n)
		return 0;
	/* Seeds: the least alike pair. */
	for (i = 1; i < ss->n; i++)
		for (j = 0; j < i; j++)
			if (sim_at(ss, i, j) < low) {
				low = sim_at(ss, i, j);
				a = j;
				b = i;
			}
	for (i = 0; i < ss->n; i++)
		side[i] = i == a ? 0
			  : i == b
			      ? 1
			      : (uint8_t)(sim_at(ss, i, b) > sim_at(ss, i, a));
	/* 2-means on similarities: each to the side it is likest on average
	 * (a member alone on its side stays, so neither side empties). */
	for (iter = 0; iter < 16; iter++) {
		int moved = 0;

		for (i = 0; i < ss->n; i++) {
			double s[2] = {0, 0};
			size_t c[2] = {0, 0};
			uint8_t to;

			for (j = 0; j < ss->n; j++)
				if (j != i) {
					s[side[j]] += sim_at(ss, i, j);
					c[side[j]]++;
				}
			if (!c[0] || !c[1])
				continue;
			to = (uint8_t)(s[1] / (double)c[1] >
				       s[0] / (double)c[0]);
			if (to != side[i]) {
				side[i] = to;
				moved = 1;
			}
		}
		if (!moved)
			break;
	}
	for (i = 0; i < ss->n; i++)
		side[i] ? n1++ : n0++;
	if (n0 < o->split_min_side || n1 < o->split_min_side)
		return 0;
	cohesion(ss, side, &in0, &in1, &between);
	if (between >= o->split_ratio * (in0 < in1 ? in0 : in1))
		return 0;
	/* Words alone split the reports of one event as often as two events
	 * (tests/eval/): the groups must also date themselves apart. */
	if (!dated_apart(ss, side))
		return 0;
	/* The founder's side keeps the story: side 1 is the one that goes. */
	first = split_story_first(ss);
	if (side[first])
		for (i = 0; i < ss->n; i++)
			side[i] = (uint8_t)!side[i];
	if (splits_override(ss, side, o))
		return 0;
	for (i = 0, n1 = 0; i < ss->n; i++)
		n1 += side[i];
	return n1;
}
