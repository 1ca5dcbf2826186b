/*
 * The split step of the clusterer (src/cluster.c decides when it runs and
 * applies it). An online clusterer decides each article once, and the
 * first report of a second event often joins a story of the first while
 * that story is one or two reports old; later reports on each side show
 * two groups. This file keeps, for each story small enough to check, its
 * members packed small, and decides after each join whether they form two
 * well-separated groups: a 2-means bisection on the similarities of the
 * pairs of members, split when the similarity between the groups is
 * clearly below that within each and the groups date themselves apart.
 * The pair similarities are worked out only once a member names a date
 * (without one no split can happen) and then kept. Everything here is a
 * function of the members' stored features taken in (published, key)
 * order, so a story rebuilt from the store in a later run decides exactly
 * as it did in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"

/* The dot product of members a and b's words, then names. */
static float member_similarity(const struct chorus_cluster_options *o,
			       const struct split_member *a,
			       const struct split_member *b)
{
	double w = o->w_terms + o->w_names, s;

	if (w <= 0)
		return 0;
	s = o->w_terms * feat_dot(a->v, a->n_terms, b->v, b->n_terms) +
	    o->w_names * feat_dot(a->v + a->n_terms, a->n_names,
				  b->v + b->n_terms, b->n_names);
	return (float)(s / w);
}

/* The similarity of members i and j (i != j, both below n_sim) of ss. */
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
	free(m->v);
	m->v = NULL;
	m->key = NULL;
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

void split_member_features(const struct split_member *m,
			   struct article_features *f)
{
	uint32_t i;

	f->text_hash = m->text_hash;
	memcpy(f->minhash, m->minhash, sizeof(f->minhash));
	f->n_terms = m->n_terms;
	f->n_names = m->n_names;
	f->n_head = m->n_head;
	f->n_years = m->n_years;
	f->n_dates = m->n_dates;
	f->n_lead = 0;
	memcpy(f->terms, m->v, m->n_terms * sizeof(*m->v));
	memcpy(f->names, m->v + m->n_terms, m->n_names * sizeof(*m->v));
	for (i = 0; i < m->n_head; i++)
		f->head[i] = m->v[m->n_terms + m->n_names + i].h;
	memcpy(f->years, m->years, m->n_years * sizeof(*m->years));
	memcpy(f->dates, m->dates, m->n_dates * sizeof(*m->dates));
}

/*
 * Put member m (owned from now on, released on failure) into ss at its
 * place in (published, key) order; the similarities of the members from
 * there on are worked out again when next asked for.
 */
static int push(struct split_story *ss, struct split_member *m)
{
	uint32_t at = ss->n;

	if (ss->n == ss->cap) {
		uint32_t cap = ss->cap ? ss->cap * 2 : 4;
		struct split_member *v = realloc(ss->m, cap * sizeof(*v));

		if (!v) {
			member_release(m);
			return CHORUS_ENOMEM;
		}
		ss->m = v;
		ss->cap = cap;
	}
	while (at > 0 && member_before(m, &ss->m[at - 1]))
		at--;
	memmove(&ss->m[at + 1], &ss->m[at], (ss->n - at) * sizeof(*ss->m));
	ss->m[at] = *m;
	ss->n++;
	if (ss->n_sim > at)
		ss->n_sim = at;
	return 0;
}

int split_story_add(struct split_story *ss,
		    const struct chorus_cluster_options *o, int64_t article_id,
		    const char *key, int64_t published, double score,
		    uint64_t link_key, const struct article_features *f)
{
	struct split_member m;
	size_t nv, klen = strlen(key), i;

	if (ss->off)
		return 0;
	if (ss->n >= o->split_max) {
		split_story_drop(ss);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	nv = f->n_terms + f->n_names + f->n_head;
	m.v = malloc(nv * sizeof(*m.v) + klen + 1);
	if (!m.v)
		return CHORUS_ENOMEM;
	memcpy(m.v, f->terms, f->n_terms * sizeof(*m.v));
	memcpy(m.v + f->n_terms, f->names, f->n_names * sizeof(*m.v));
	for (i = 0; i < f->n_head; i++) {
		m.v[f->n_terms + f->n_names + i].h = f->head[i];
		m.v[f->n_terms + f->n_names + i].w = 1;
	}
	m.key = (char *)(m.v + nv);
	memcpy(m.key, key, klen + 1);
	m.n_terms = (uint8_t)f->n_terms;
	m.n_names = (uint8_t)f->n_names;
	m.n_head = (uint8_t)f->n_head;
	m.n_years = (uint8_t)f->n_years;
	m.n_dates = (uint8_t)f->n_dates;
	memcpy(m.years, f->years, sizeof(m.years));
	memcpy(m.dates, f->dates, sizeof(m.dates));
	memcpy(m.minhash, f->minhash, sizeof(m.minhash));
	m.text_hash = f->text_hash;
	m.article_id = article_id;
	m.published = published;
	m.score = score;
	m.link_key = link_key;
	return push(ss, &m);
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
		rc = push(into, &from->m[i]);
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
	uint32_t i, k = 0;

	memset(out, 0, sizeof(*out));
	out->cap = ss->n;
	out->m = malloc(out->cap * sizeof(*out->m));
	if (!out->m)
		return CHORUS_ENOMEM;
	for (i = 0; i < ss->n; i++)
		if (side[i])
			out->m[out->n++] = ss->m[i];
		else
			ss->m[k++] = ss->m[i];
	ss->n = k;
	ss->n_sim = 0;
	return 0;
}

/* Work out the similarities of the pairs not known yet. */
static int fill_sims(struct split_story *ss,
		     const struct chorus_cluster_options *o)
{
	float *sim;
	uint32_t i, j;

	if (ss->n_sim == ss->n)
		return 0;
	sim = realloc(ss->sim,
		      ((size_t)ss->n * (ss->n - 1) / 2 + 1) * sizeof(*sim));
	if (!sim)
		return CHORUS_ENOMEM;
	ss->sim = sim;
	for (i = ss->n_sim ? ss->n_sim : 1; i < ss->n; i++)
		for (j = 0; j < i; j++)
			sim[(size_t)i * (i - 1) / 2 + j] =
			    member_similarity(o, &ss->m[i], &ss->m[j]);
	ss->n_sim = ss->n;
	return 0;
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

/* Are two dates (year * 16 + month, month 0 when open) within two months? */
static int dates_near(uint16_t a, uint16_t b)
{
	int ma = a % 16, mb = b % 16;

	if (!ma || !mb)
		return a / 16 == b / 16;
	return abs((a / 16 * 12 + ma) - (b / 16 * 12 + mb)) <= 2;
}

/* Is one of a's dates within two months of one of b's? */
static int dates_meet(const struct when *a, const struct when *b)
{
	size_t i, k;

	for (i = 0; i < a->n; i++)
		for (k = 0; k < b->n; k++)
			if (dates_near(a->v[i], b->v[k]))
				return 1;
	return 0;
}

/*
 * Do the two sides date themselves apart? Both name dates and none of one
 * side's is within two months of one of the other's, or one names dates (the
 * time of its event) and the other years, none of them the year of one of
 * those dates: the conflict that scoring counts against an article joining
 * a story (src/cluster.c), here between the two groups.
 */
static int dated_apart(const struct split_story *ss, const uint8_t *side)
{
	struct when y[2], d[2];
	uint32_t i;

	memset(y, 0, sizeof(y));
	memset(d, 0, sizeof(d));
	for (i = 0; i < ss->n; i++) {
		when_add(&y[side[i]], ss->m[i].years, ss->m[i].n_years);
		when_add(&d[side[i]], ss->m[i].dates, ss->m[i].n_dates);
	}
	return (d[0].n && d[1].n && !dates_meet(&d[0], &d[1])) ||
	       (d[0].n && y[1].n && !dated_in(&d[0], &y[1])) ||
	       (d[1].n && y[0].n && !dated_in(&d[1], &y[0]));
}

uint32_t split_story_decide(struct split_story *ss,
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
	for (i = 0; i < ss->n && !ss->m[i].n_dates; i++)
		;
	if (i == ss->n || fill_sims(ss, o))
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
