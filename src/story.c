/*
 * The canonical view of a story (see chorus_story_view_compute in
 * include/chorus/cluster.h): headline, summary, what each source adds.
 *
 * Everything is decided by term coverage: the share of the story's members
 * whose text holds a stemmed term. The headline is the member headline
 * whose terms are most covered; the summary takes the sentences whose terms
 * the *other* members cover most (what the sources agree on), avoiding
 * near-repeats; "only in X" takes a member's sentences with the most terms
 * no other member has. An exact copy of a member (same link or same text)
 * is one article with it and is shown once. All of it is a pure function of the
 * members, so two builds of the same state write the same pages.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "chorus/cluster.h"

/* A sentence of a member, with its distinct term hashes (sorted). */
struct sentence {
	const char *text; /* borrowed from the member's sentence list */
	size_t member;
	size_t position;
	uint64_t *terms;
	size_t n_terms;
	size_t words;
	int eligible; /* a full sentence of sensible length */
	double score;
	int chosen;
};

struct analysis {
	struct chorus_strlist *sentences; /* per member */
	struct sentence *s;
	size_t n_s;
	uint64_t **member_terms; /* per member, sorted distinct */
	size_t *member_n;
	size_t n_members;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t dedup(uint64_t *v, size_t n)
{
	size_t i, k = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static int has(const uint64_t *v, size_t n, uint64_t h)
{
	return bsearch(&h, v, n, sizeof(*v), cmp_u64) != NULL;
}

/* Distinct stemmed term hashes of text, into a new array. */
static int term_set(struct chorus_stemmer *stemmer, const char *text,
		    uint64_t **out, size_t *n)
{
	struct chorus_strlist terms;
	size_t i;
	int rc;

	chorus_strlist_init(&terms);
	*out = NULL;
	*n = 0;
	rc = chorus_text_terms(stemmer, text, &terms);
	if (!rc) {
		*out = malloc((terms.n + 1) * sizeof(**out));
		if (!*out)
			rc = CHORUS_ENOMEM;
	}
	for (i = 0; !rc && i < terms.n; i++)
		(*out)[i] = XXH64(terms.v[i], strlen(terms.v[i]), 0);
	if (!rc)
		*n = dedup(*out, terms.n);
	chorus_strlist_release(&terms);
	return rc;
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		int sp = *s == ' ' || *s == '\t' || *s == '\n';

		n += !sp && !in;
		in = !sp;
	}
	return n;
}

/* A sentence closes like one: . ! ? possibly followed by quotes. */
static int closes(const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ')' ||
		     (n >= 3 && (unsigned char)s[n - 3] == 0xE2 &&
		      (unsigned char)s[n - 2] == 0x80 &&
		      ((unsigned char)s[n - 1] == 0x9D ||
		       (unsigned char)s[n - 1] == 0x99)))) {
		if (s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ')')
			n--;
		else
			n -= 3;
	}
	return n && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?');
}

static void analysis_release(struct analysis *an)
{
	size_t i;

	for (i = 0; i < an->n_s; i++)
		free(an->s[i].terms);
	for (i = 0; i < an->n_members; i++) {
		if (an->sentences)
			chorus_strlist_release(&an->sentences[i]);
		if (an->member_terms)
			free(an->member_terms[i]);
	}
	free(an->sentences);
	free(an->s);
	free(an->member_terms);
	free(an->member_n);
}

static int analyse(const struct chorus_story_view *v, struct analysis *an)
{
	struct chorus_stemmer *stemmer = NULL;
	size_t i, j, total = 0, cap = 0;
	int rc;

	memset(an, 0, sizeof(*an));
	an->n_members = v->n_members;
	an->sentences = calloc(v->n_members + 1, sizeof(*an->sentences));
	an->member_terms = calloc(v->n_members + 1, sizeof(*an->member_terms));
	an->member_n = calloc(v->n_members + 1, sizeof(*an->member_n));
	if (!an->sentences || !an->member_terms || !an->member_n)
		return CHORUS_ENOMEM;
	rc = chorus_stemmer_new(&stemmer, NULL);
	for (i = 0; !rc && i < v->n_members; i++) {
		const struct chorus_article *a = &v->members[i].article->a;

		chorus_strlist_init(&an->sentences[i]);
		rc = chorus_text_sentences(a->text ? a->text : "",
					   &an->sentences[i]);
		total += an->sentences[i].n;
	}
	if (!rc && !(an->s = calloc(total + 1, sizeof(*an->s))))
		rc = CHORUS_ENOMEM;
	for (i = 0; !rc && i < v->n_members; i++) {
		uint64_t *all = NULL;
		size_t n_all = 0;

		for (j = 0; !rc && j < an->sentences[i].n; j++) {
			struct sentence *s = &an->s[an->n_s++];

			s->text = an->sentences[i].v[j];
			s->member = i;
			s->position = j;
			s->words = count_words(s->text);
			s->eligible =
			    closes(s->text) && s->words >= 6 && s->words <= 60;
			rc = term_set(stemmer, s->text, &s->terms, &s->n_terms);
			if (!rc && n_all + s->n_terms > cap) {
				uint64_t *p;

				cap = (n_all + s->n_terms) * 2;
				p = realloc(all, cap * sizeof(*p));
				if (!p)
					rc = CHORUS_ENOMEM;
				else
					all = p;
			}
			if (!rc && s->n_terms) {
				memcpy(all + n_all, s->terms,
				       s->n_terms * sizeof(*all));
				n_all += s->n_terms;
			}
		}
		cap = 0;
		an->member_terms[i] = all;
		an->member_n[i] = all ? dedup(all, n_all) : 0;
	}
	chorus_stemmer_free(stemmer);
	return rc;
}

/* How many members other than `except` hold term h. */
static size_t holders(const struct analysis *an, uint64_t h, size_t except)
{
	size_t i, n = 0;

	for (i = 0; i < an->n_members; i++)
		if (i != except && has(an->member_terms[i], an->member_n[i], h))
			n++;
	return n;
}

static double jaccard(const struct sentence *a, const struct sentence *b)
{
	size_t i, common = 0;

	for (i = 0; i < a->n_terms; i++)
		common += has(b->terms, b->n_terms, a->terms[i]);
	if (!a->n_terms || !b->n_terms)
		return 0;
	return (double)common / (double)(a->n_terms + b->n_terms - common);
}

static int pick_summary(struct chorus_story_view *v, struct analysis *an)
{
	size_t i, k, chosen = 0, want = v->n_members > 1 ? 3 : 2;
	int rc = 0;

	for (i = 0; i < an->n_s; i++) {
		struct sentence *s = &an->s[i];
		double sum = 0;

		if (!s->eligible || !s->n_terms)
			continue;
		if (v->n_members == 1) {
			/* One report: its lead is its summary. */
			s->score = 1.0 / (double)(1 + s->position);
			continue;
		}
		for (k = 0; k < s->n_terms; k++)
			sum += (double)holders(an, s->terms[k], s->member) /
			       (double)(v->n_members - 1);
		s->score = sum / sqrt((double)s->n_terms);
	}
	while (chosen < want && !rc) {
		struct sentence *best = NULL;

		for (i = 0; i < an->n_s; i++) {
			struct sentence *s = &an->s[i];
			int similar = 0;

			if (!s->eligible || s->chosen || s->score <= 0)
				continue;
			for (k = 0; k < an->n_s && !similar; k++)
				similar = an->s[k].chosen &&
					  jaccard(s, &an->s[k]) >= 0.4;
			if (similar)
				continue;
			if (!best || s->score > best->score)
				best = s;
		}
		if (!best)
			break;
		best->chosen = 1;
		chosen++;
		rc = chorus_strlist_push(&v->summary, best->text,
					 strlen(best->text));
	}
	return rc;
}

static int pick_only(struct chorus_story_view *v, struct analysis *an)
{
	size_t m, i, k;
	int rc = 0;

	if (v->n_members < 2)
		return 0;
	for (m = 0; m < v->n_members && !rc; m++) {
		struct sentence *picks[2] = {NULL, NULL};

		for (i = 0; i < an->n_s; i++) {
			struct sentence *s = &an->s[i];
			size_t unique = 0;

			if (s->member != m || !s->eligible || s->chosen)
				continue;
			for (k = 0; k < s->n_terms; k++)
				unique += holders(an, s->terms[k], m) == 0;
			if (unique < 3 || unique * 10 < s->n_terms * 4)
				continue;
			s->score = (double)unique;
			if (!picks[0] || s->score > picks[0]->score) {
				picks[1] = picks[0];
				picks[0] = s;
			} else if (!picks[1] || s->score > picks[1]->score) {
				picks[1] = s;
			}
		}
		/* In the order the source wrote them. */
		if (picks[0] && picks[1] &&
		    picks[1]->position < picks[0]->position) {
			struct sentence *t = picks[0];

			picks[0] = picks[1];
			picks[1] = t;
		}
		for (k = 0; k < 2 && !rc; k++)
			if (picks[k])
				rc = chorus_strlist_push(
				    &v->members[m].only, picks[k]->text,
				    strlen(picks[k]->text));
	}
	return rc;
}

static int pick_headline(struct chorus_story_view *v, struct analysis *an)
{
	struct chorus_stemmer *stemmer = NULL;
	double best_score = -1;
	const char *best = NULL;
	size_t m, k;
	int rc = chorus_stemmer_new(&stemmer, NULL);

	for (m = 0; m < v->n_members && !rc; m++) {
		const struct chorus_article *a = &v->members[m].article->a;
		uint64_t *terms = NULL;
		size_t n = 0;
		double sum = 0, score;

		if (!a->title)
			continue;
		rc = term_set(stemmer, a->title, &terms, &n);
		for (k = 0; !rc && k < n; k++)
			sum += (double)(holders(an, terms[k], (size_t)-1));
		free(terms);
		if (rc || !n)
			continue;
		/* Mean coverage, mildly favouring informative headlines. */
		score = sum / (double)n / (double)v->n_members *
			log(2.0 + (double)n);
		if (score > best_score) {
			best_score = score;
			best = a->title;
		}
	}
	chorus_stemmer_free(stemmer);
	if (rc)
		return rc;
	v->headline =
	    best ? chorus_strdup(best)
		 : chorus_article_display_title(&v->members[0].article->a);
	return v->headline ? 0 : CHORUS_ENOMEM;
}

struct name_count {
	const char *name;
	size_t count;
};

static int cmp_name_count(const void *a, const void *b)
{
	const struct name_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Names that at least half the members (and two or more) mention. */
static int pick_names(struct chorus_story_view *v)
{
	struct chorus_strlist *per = calloc(v->n_members + 1, sizeof(*per));
	struct name_count *counts = NULL;
	size_t n_counts = 0, cap = 0, m, i, k, need;
	int rc = per ? 0 : CHORUS_ENOMEM;

	for (m = 0; !rc && m < v->n_members; m++) {
		const struct chorus_article *a = &v->members[m].article->a;

		chorus_strlist_init(&per[m]);
		rc = chorus_text_names(a->text ? a->text : "", &per[m]);
		for (i = 0; !rc && i < per[m].n; i++) {
			int seen = 0;

			for (k = 0; k < i && !seen; k++)
				seen = !strcmp(per[m].v[k], per[m].v[i]);
			if (seen)
				continue;
			for (k = 0; k < n_counts; k++)
				if (!strcmp(counts[k].name, per[m].v[i]))
					break;
			if (k == n_counts) {
				if (n_counts == cap) {
					struct name_count *p;

					cap = cap ? cap * 2 : 32;
					p = realloc(counts, cap * sizeof(*p));
					if (!p) {
						rc = CHORUS_ENOMEM;
						break;
					}
					counts = p;
				}
				counts[n_counts].name = per[m].v[i];
				counts[n_counts++].count = 0;
			}
			counts[k].count++;
		}
	}
	need = v->n_members / 2 + v->n_members % 2;
	if (need < 2)
		need = 2;
	if (!rc && n_counts)
		qsort(counts, n_counts, sizeof(*counts), cmp_name_count);
	for (k = 0; !rc && k < n_counts && v->names.n < 8; k++)
		if (counts[k].count >= need && strchr(counts[k].name, ' '))
			rc = chorus_strlist_push(&v->names, counts[k].name,
						 strlen(counts[k].name));
	for (m = 0; per && m < v->n_members; m++)
		chorus_strlist_release(&per[m]);
	free(per);
	free(counts);
	return rc;
}

/*
 * Is sa an exact copy of a member already in v (the same link, or the
 * same text)? A copy is one article: it is shown once.
 */
static int copies_member(const struct chorus_story_view *v,
			 const struct chorus_stored_article *sa)
{
	size_t k;

	for (k = 0; k < v->n_members; k++) {
		const struct chorus_article *o = &v->members[k].article->a;

		if ((o->link && sa->a.link && !strcmp(o->link, sa->a.link)) ||
		    (o->text && sa->a.text && *sa->a.text &&
		     !strcmp(o->text, sa->a.text)))
			return 1;
	}
	return 0;
}

int chorus_story_view_compute(const struct chorus_corpus *c,
			      const struct chorus_story *s,
			      struct chorus_story_view *out,
			      struct chorus_err *err)
{
	struct analysis an;
	size_t i, k, n = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&an, 0, sizeof(an));
	out->story = s;
	chorus_strlist_init(&out->summary);
	chorus_strlist_init(&out->names);
	for (i = 0; i < c->n_articles; i++)
		n += c->articles[i].story_id == s->id;
	if (!n)
		return 0;
	out->members = calloc(n, sizeof(*out->members));
	if (!out->members)
		goto nomem;
	for (i = 0; i < c->n_articles; i++) {
		const struct chorus_stored_article *sa = &c->articles[i];
		struct chorus_story_member *m;

		if (sa->story_id != s->id || copies_member(out, sa))
			continue;
		m = &out->members[out->n_members++];
		m->article = sa;
		m->source = chorus_corpus_source(c, sa->source_id);
		chorus_strlist_init(&m->only);
		if (out->n_members == 1 || sa->a.published < out->first)
			out->first = sa->a.published;
		if (sa->a.published > out->last)
			out->last = sa->a.published;
	}
	for (i = 0; i < out->n_members; i++) {
		int seen = 0;

		for (k = 0; k < i && !seen; k++)
			seen = out->members[k].article->source_id ==
			       out->members[i].article->source_id;
		out->n_sources += !seen;
	}
	rc = analyse(out, &an);
	if (!rc)
		rc = pick_summary(out, &an);
	if (!rc)
		rc = pick_only(out, &an);
	if (!rc)
		rc = pick_headline(out, &an);
	if (!rc)
		rc = pick_names(out);
	analysis_release(&an);
	if (!rc)
		return 0;
nomem:
	chorus_story_view_release(out);
	return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
}

void chorus_story_view_release(struct chorus_story_view *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n_members; i++)
		chorus_strlist_release(&v->members[i].only);
	free(v->members);
	free(v->headline);
	chorus_strlist_release(&v->summary);
	chorus_strlist_release(&v->names);
	memset(v, 0, sizeof(*v));
}

char *chorus_article_display_title(const struct chorus_article *a)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	const char *t = a->text ? a->text : "";
	size_t len, cut;

	if (a->title && *a->title)
		return chorus_strdup(a->title);
	len = strcspn(t, "\n");
	{
		/* The first sentence, if the first line holds more than one. */
		struct chorus_strlist first;

		chorus_strlist_init(&first);
		if (!chorus_text_sentences(t, &first) && first.n &&
		    strlen(first.v[0]) < len)
			len = strlen(first.v[0]);
		chorus_strlist_release(&first);
	}
	if (len <= 90) {
		if (chorus_buf_add(&b, t, len))
			goto fail;
		if (b.len && b.data[b.len - 1] == '.') {
			b.data[--b.len] = '\0';
		}
		return chorus_buf_detach(&b, NULL);
	}
	cut = 90;
	while (cut > 40 && t[cut] != ' ')
		cut--;
	/* Never cut inside a UTF-8 sequence. */
	while (cut && ((unsigned char)t[cut] & 0xC0) == 0x80)
		cut--;
	while (cut && (t[cut - 1] == ',' || t[cut - 1] == ' '))
		cut--;
	if (chorus_buf_add(&b, t, cut) || chorus_buf_adds(&b, "\xE2\x80\xA6"))
		goto fail;
	return chorus_buf_detach(&b, NULL);
fail:
	chorus_buf_release(&b);
	return NULL;
}
