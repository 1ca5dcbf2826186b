/*
 * Why a story's members are together (chorus_cluster_explain in
 * include/chorus/cluster.h), for `chorus stories --explain`.
 *
 * The clusterer keeps hashes, not words, so the explanation re-reads the
 * members' texts: each word is folded and stemmed, and each word of a
 * proper name keyed as the clusterer keys it (chorus_text_name_key), so a
 * member writing "Witkopf" is shown sharing the name with members writing
 * "Witkoff". What members share is ranked by how many of them share it
 * times its idf in the store (the document frequencies the clusterer
 * kept), the evidence the score itself weighs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"

/* One distinct word of a member: its key hash and how it was written. */
struct word {
	uint32_t h;
	uint32_t count; /* occurrences in the member */
	char *shown;
};

struct member_words {
	struct word *v;
	size_t n, cap;
};

static int cmp_word_h(const void *a, const void *b)
{
	const struct word *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

static void words_release(struct member_words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].shown);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int words_add(struct member_words *w, uint32_t h, const char *shown,
		     size_t len)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].h == h) {
			w->v[i].count++;
			/* Show the shortest spelling: "plan" over "plans". */
			if (strlen(w->v[i].shown) > len) {
				char *s = chorus_strndup(shown, len);

				if (!s)
					return CHORUS_ENOMEM;
				free(w->v[i].shown);
				w->v[i].shown = s;
			}
			return 0;
		}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct word *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return CHORUS_ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].h = h;
	w->v[w->n].count = 1;
	w->v[w->n].shown = chorus_strndup(shown, len);
	if (!w->v[w->n].shown)
		return CHORUS_ENOMEM;
	w->n++;
	return 0;
}

static uint32_t fold32(uint64_t h)
{
	uint32_t v = (uint32_t)(h ^ (h >> 32));

	return v ? v : 1;
}

/* Split text into words at anything but letters, digits and UTF-8. */
static int is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

/* Typographic punctuation (U+2000..U+206F) is encoded E2 80..81 xx. */
static size_t punct_len(const unsigned char *p)
{
	return p[0] == 0xE2 && (p[1] == 0x80 || p[1] == 0x81) && p[2] ? 3 : 0;
}

static int member_terms(struct chorus_stemmer *stemmer, const char *text,
			struct member_words *out)
{
	const unsigned char *p = (const unsigned char *)text;
	struct chorus_buf f = CHORUS_BUF_INIT;
	int rc = 0;

	while (*p && !rc) {
		const unsigned char *s;
		const char *stem;
		size_t slen;

		while (*p && (!is_word_byte(*p) || punct_len(p)))
			p += punct_len(p) ? 3 : 1;
		s = p;
		while (*p && is_word_byte(*p) && !punct_len(p))
			p++;
		if (p == s)
			continue;
		chorus_buf_reset(&f);
		rc = chorus_text_fold((const char *)s, (size_t)(p - s), &f);
		if (rc || chorus_text_is_stopword(f.data, f.len))
			continue;
		stem = chorus_stemmer_stem(stemmer, f.data, f.len, &slen);
		if (!stem) {
			rc = CHORUS_ENOMEM;
			break;
		}
		rc = words_add(out, fold32(chorus_text_term_hash(stem, slen)),
			       f.data, f.len);
	}
	chorus_buf_release(&f);
	return rc;
}

/* Each word of each name, keyed; shown capitalised as written. */
static int member_names(const char *text, struct member_words *out)
{
	struct chorus_strlist names;
	struct chorus_buf key = CHORUS_BUF_INIT;
	size_t i;
	int rc;

	chorus_strlist_init(&names);
	rc = chorus_text_names(text, &names);
	for (i = 0; !rc && i < names.n; i++) {
		char *w = names.v[i];

		while (*w && !rc) {
			size_t len = strcspn(w, " ");

			chorus_buf_reset(&key);
			rc = chorus_text_name_key(w, len, &key);
			if (!rc && len >= 3) {
				if (*w >= 'a' && *w <= 'z')
					*w = (char)(*w - 32);
				rc = words_add(out,
					       fold32(chorus_text_name_hash(
						   key.data, key.len)),
					       w, len);
			}
			w += len;
			while (*w == ' ')
				w++;
		}
	}
	chorus_buf_release(&key);
	chorus_strlist_release(&names);
	return rc;
}

static const struct word *lookup(const struct member_words *w, uint32_t h)
{
	struct word key = {h, 0, NULL};

	return bsearch(&key, w->v, w->n, sizeof(*w->v), cmp_word_h);
}

struct ranked {
	const char *shown;
	double weight;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->shown, y->shown);
}

/*
 * The words of member m (or, with m == n, of any member) shared with
 * other members, strongest first, at most max, into out.
 */
static int shared(const struct member_words *w, size_t n, size_t m,
		  const struct df_table *df, size_t max,
		  struct chorus_strlist *out)
{
	struct ranked *r = NULL;
	size_t nr = 0, cap = 0, i, j, k;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (m < n && i != m)
			continue;
		for (j = 0; j < w[i].n; j++) {
			size_t holders = 0, seen = 0, count = w[i].v[j].count;

			for (k = 0; k < n; k++) {
				const struct word *o;

				if (k == i || !(o = lookup(&w[k], w[i].v[j].h)))
					continue;
				holders++;
				count += o->count;
				seen |= m == n && k < i;
			}
			/* Over the whole story, count each word once. */
			if (!holders || seen)
				continue;
			if (nr == cap) {
				struct ranked *p;

				cap = cap ? cap * 2 : 64;
				p = realloc(r, cap * sizeof(*p));
				if (!p) {
					free(r);
					return CHORUS_ENOMEM;
				}
				r = p;
			}
			r[nr].shown = w[i].v[j].shown;
			/* Shared by many, rare in the store, said often. */
			r[nr++].weight = (double)holders *
					 df_idf(df, w[i].v[j].h) *
					 (1.0 + 0.5 * log((double)count));
		}
	}
	if (nr)
		qsort(r, nr, sizeof(*r), cmp_ranked);
	for (i = 0; i < nr && out->n < max && !rc; i++)
		rc = chorus_strlist_push(out, r[i].shown, strlen(r[i].shown));
	free(r);
	return rc;
}

int chorus_cluster_explain(struct chorus_store *st,
			   const struct chorus_corpus *c,
			   const struct chorus_story *s,
			   struct chorus_explain *out, struct chorus_err *err)
{
	struct member_words *terms = NULL, *names = NULL;
	struct chorus_stemmer *stemmer = NULL;
	struct chorus_buf blob = CHORUS_BUF_INIT, all = CHORUS_BUF_INIT;
	struct df_table df = {0};
	size_t i, k, n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->story = s;
	chorus_strlist_init(&out->names);
	chorus_strlist_init(&out->terms);
	for (i = 0; i < c->n_articles; i++)
		n += c->articles[i].story_id == s->id;
	rc = chorus_store_state_get(st, "df", &blob, err);
	if (rc)
		goto out;
	out->members = calloc(n + 1, sizeof(*out->members));
	terms = calloc(n + 1, sizeof(*terms));
	names = calloc(n + 1, sizeof(*names));
	if (!out->members || !terms || !names ||
	    df_decode(&df, blob.data, blob.len)) {
		rc = CHORUS_ENOMEM;
		goto out;
	}
	for (i = 0; i < c->n_articles && !rc; i++) {
		const struct chorus_stored_article *sa = &c->articles[i];
		struct chorus_explain_member *m;
		const char *lang;

		if (sa->story_id != s->id)
			continue;
		m = &out->members[out->n_members];
		m->article = sa;
		m->score = sa->score;
		chorus_strlist_init(&m->names);
		chorus_strlist_init(&m->terms);
		chorus_buf_reset(&all);
		rc = chorus_buf_printf(&all, "%s\n%s\n%s",
				       sa->a.title ? sa->a.title : "",
				       sa->a.subtitle ? sa->a.subtitle : "",
				       sa->a.text ? sa->a.text : "");
		lang = sa->a.language ? sa->a.language
				      : chorus_text_detect_language(all.data);
		chorus_stemmer_free(stemmer);
		stemmer = NULL;
		if (!rc)
			rc = chorus_stemmer_new(&stemmer, lang);
		if (!rc)
			rc = member_terms(stemmer, all.data,
					  &terms[out->n_members]);
		if (!rc)
			rc = member_names(all.data, &names[out->n_members]);
		if (rc)
			break;
		qsort(terms[out->n_members].v, terms[out->n_members].n,
		      sizeof(struct word), cmp_word_h);
		qsort(names[out->n_members].v, names[out->n_members].n,
		      sizeof(struct word), cmp_word_h);
		/* An exact copy of an earlier member says so. */
		for (k = 0; k < out->n_members && !m->copy_of; k++) {
			const struct chorus_article *o =
			    &out->members[k].article->a;

			if ((o->link && sa->a.link &&
			     !strcmp(o->link, sa->a.link)) ||
			    (o->text && sa->a.text &&
			     !strcmp(o->text, sa->a.text))) {
				m->copy_of = chorus_strdup(o->key);
				if (!m->copy_of)
					rc = CHORUS_ENOMEM;
			}
		}
		out->n_members++;
	}
	for (i = 0; i < out->n_members && !rc; i++) {
		rc = shared(names, out->n_members, i, &df, 8,
			    &out->members[i].names);
		if (!rc)
			rc = shared(terms, out->n_members, i, &df, 10,
				    &out->members[i].terms);
	}
	if (!rc)
		rc = shared(names, out->n_members, out->n_members, &df, 12,
			    &out->names);
	if (!rc)
		rc = shared(terms, out->n_members, out->n_members, &df, 12,
			    &out->terms);
out:
	for (i = 0; i < n; i++) {
		if (terms)
			words_release(&terms[i]);
		if (names)
			words_release(&names[i]);
	}
	free(terms);
	free(names);
	df_release(&df);
	chorus_stemmer_free(stemmer);
	chorus_buf_release(&blob);
	chorus_buf_release(&all);
	if (rc) {
		chorus_explain_release(out);
		if (rc == CHORUS_ENOMEM)
			chorus_err_set(err, rc, "out of memory");
	}
	return rc;
}

void chorus_explain_release(struct chorus_explain *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->n_members; i++) {
		chorus_strlist_release(&e->members[i].names);
		chorus_strlist_release(&e->members[i].terms);
		free(e->members[i].copy_of);
	}
	free(e->members);
	chorus_strlist_release(&e->names);
	chorus_strlist_release(&e->terms);
	memset(e, 0, sizeof(*e));
}
