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
 *
 * Terms and names come from the text analyser the clusterer uses
 * (chorus_text_analyse_terms(): its stemming and its word cache, one
 * analyser per thread), a sentence at a time, in the language of each
 * member; how many members hold each term is counted once per story, in
 * one table. A story of one report needs only its first full sentences.
 * A sentence that comes again in the story (syndicated copies share most
 * of theirs: a third of a large site's sentences) in the same language is
 * analysed once: its terms are shared and its names copied, since the
 * analysis is a pure function of the text and the language.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "story_int.h"
#include "text_int.h"

/* A sentence of a member, with its distinct term hashes (sorted). */
struct sentence {
	const char *text; /* borrowed from the member's sentence list */
	size_t len;
	size_t member;
	size_t position;
	uint64_t *terms; /* in the story's pool, from terms_at */
	size_t terms_at, n_terms;
	int shared;
	char lang[4]; /* the language it was analysed in */
	/*
	 * The names it gave its member: names_of's list, [names_from,
	 * names_to); a repeat's are its original's, not copied.
	 */
	size_t names_of, names_from, names_to;
	size_t words;
	int eligible; /* a full sentence of sensible length */
	double score;
	int chosen;
};

/*
 * 16 bytes, not 24: a story's table is zeroed for each story and is most
 * of what its summary allocates (a story has far fewer than 2^32 members).
 */
struct term_count {
	uint64_t h;
	uint32_t n;	 /* members holding h; 0: an empty slot */
	uint32_t member; /* the last member counted */
};

/*
 * A member's sentences: one copy of its text as far as its last sentence,
 * each sentence ended in place by a NUL (what follows a sentence is a
 * blank or the line's end, never another sentence's text).
 */
struct member_sentences {
	char *copy;
	char **v;
	size_t *len; /* of each, as strlen() */
	size_t n;
};

struct analysis {
	struct member_sentences *sentences; /* per member */
	struct chorus_strlist *names;	    /* per member, when two or more */
	struct sentence *s;
	size_t n_s;
	uint64_t **head_terms; /* per member: its headline's, sorted distinct */
	size_t *head_n;
	size_t n_members;
	/*
	 * The sentences' term sets end to end (one allocation a story, not
	 * one a sentence); a repeat's is its original's.
	 */
	uint64_t *pool;
	size_t n_pool, cap_pool;
	/* Every term of the story with how many members hold it (a table). */
	struct term_count *slots;
	size_t mask;
	/* Analysed sentences by text hash: index + 1 into s, 0 empty. */
	size_t *seen;
	uint64_t *seen_h;
	size_t seen_mask;
};

/*
 * Sort term hashes: insertion sort for short runs, else quicksort on the
 * median of three; no comparison callback (this sorts every sentence).
 */
static void sort_u64(uint64_t *v, size_t n)
{
	while (n > 16) {
		uint64_t a = v[0], b = v[n / 2], c = v[n - 1], pivot, t;
		size_t i = 0, j = n - 1;

		pivot = a < b ? (b < c ? b : (a < c ? c : a))
			      : (a < c ? a : (b < c ? c : b));
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i++] = v[j];
			v[j--] = t;
		}
		/* v[0..j] <= pivot <= v[j+1..n): recurse on the smaller. */
		if (j + 1 < n - j - 1) {
			sort_u64(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			sort_u64(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;

		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Is h in v, sorted? */
static int has(const uint64_t *v, size_t n, uint64_t h)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == h;
}

static size_t dedup(uint64_t *v, size_t n)
{
	size_t i, k = 0;

	sort_u64(v, n);
	for (i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

/* The distinct values of v[0..n), sorted, into a new array (NULL if n 0). */
static int distinct(const uint64_t *v, size_t n, uint64_t **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return CHORUS_ENOMEM;
	memcpy(*out, v, n * sizeof(**out));
	*n_out = dedup(*out, n);
	return 0;
}

/* 0x80 in each byte of v that is zero, 0 elsewhere (exact, no carries). */
static uint64_t zero_bytes(uint64_t v)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;

	return ~(((v & low7) + low7) | v | low7);
}

/*
 * Words of s[0..n): the places where a blank (space, tab, newline) is
 * followed by a non-blank, s[-1] counting as a blank. Eight bytes at a
 * time on a little-endian machine (a mask of the blanks, shifted by a byte
 * to give each byte its predecessor's), else a byte at a time: this reads
 * every sentence of every member of a story.
 */
static size_t count_words(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	size_t words = 0, i = 0;
	unsigned prev = 1;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		uint64_t x, blank, starts;

		memcpy(&x, s + i, 8);
		blank = (zero_bytes(x ^ (ones * ' ')) |
			 zero_bytes(x ^ (ones * '\t')) |
			 zero_bytes(x ^ (ones * '\n'))) >>
			7;
		starts = ((blank << 8) | prev) & ~blank & ones;
		words += (size_t)((starts * ones) >> 56);
		prev = (unsigned)(blank >> 56);
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned sp = (c == ' ') | (c == '\t') | (c == '\n');

		words += prev & (sp ^ 1u);
		prev = sp;
	}
	return words;
}

/* A sentence closes like one: . ! ? possibly followed by quotes. */
static int closes(const char *s, size_t n)
{
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

	for (i = 0; i < an->n_members; i++) {
		if (an->sentences) {
			free(an->sentences[i].copy);
			free(an->sentences[i].v);
			free(an->sentences[i].len);
		}
		if (an->names)
			chorus_strlist_release(&an->names[i]);
		if (an->head_terms)
			free(an->head_terms[i]);
	}
	free(an->sentences);
	free(an->names);
	free(an->s);
	free(an->pool);
	free(an->head_terms);
	free(an->head_n);
	free(an->slots);
	free(an->seen);
	free(an->seen_h);
}

/*
 * The language member a is stemmed in, and its headline's terms: its own
 * language tag when the analyser knows it, else the one its text shows.
 * Every sentence of a member is then read in that one language, so a
 * short sentence is never guessed into another.
 */
static int member_language(struct chorus_text_analyser *ta,
			   const struct chorus_article *a,
			   struct chorus_text_analysis *out, char lang[4])
{
	int rc = text_analyse_head(ta, a->language, a->title, NULL, out);

	if (!rc && !(a->language && (a->language[0] | 0x20) == out->lang[0] &&
		     (a->language[1] | 0x20) == out->lang[1] &&
		     (!a->language[2] || a->language[2] == '-' ||
		      a->language[2] == '_')))
		rc = text_analyse_head(ta, NULL, a->title,
				       a->text ? a->text : "", out);
	memcpy(lang, out->lang, 4);
	lang[3] = '\0';
	return rc;
}

/*
 * Every term the story's members hold, with how many members hold it: an
 * open-addressing table filled from the sentences' sets (a slot counts a
 * member once: sentences come member by member), so "how many others say
 * this" is one probe, not one search per member.
 */
static int count_terms(struct analysis *an)
{
	size_t i, k, total = 0, cap = 16;

	/*
	 * A repeat's terms are its original's: the sentences analysed hold
	 * every distinct term, and the table is sized (and zeroed) for them.
	 */
	for (i = 0; i < an->n_s; i++)
		total += an->s[i].shared ? 0 : an->s[i].n_terms;
	while (cap < total * 2)
		cap *= 2;
	an->slots = calloc(cap, sizeof(*an->slots));
	if (!an->slots)
		return CHORUS_ENOMEM;
	an->mask = cap - 1;
	for (i = 0; i < an->n_s; i++)
		for (k = 0; k < an->s[i].n_terms; k++) {
			uint64_t h = an->s[i].terms[k];
			size_t at = (size_t)h & an->mask;

			while (an->slots[at].n && an->slots[at].h != h)
				at = (at + 1) & an->mask;
			if (an->slots[at].n &&
			    an->slots[at].member == (uint32_t)an->s[i].member)
				continue;
			an->slots[at].h = h;
			an->slots[at].member = (uint32_t)an->s[i].member;
			an->slots[at].n++;
		}
	return 0;
}

/* Sentences of a lone report read for its summary (of 2, some alike). */
#define LONE_READ 6

/* A sentence to choose from: a full one of sensible length. */
static int eligible_n(const char *s, size_t n, size_t *words)
{
	*words = count_words(s, n);
	return closes(s, n) && *words >= 6 && *words <= 60;
}

/*
 * The sentences of a member's text into out, as chorus_text_sentences()
 * splits them. A lone report's (lone) as far as its LONE_READ-th eligible
 * one, the last that analyse() reads: its text is split a line at a time
 * and no further, so the rest of a long text is not split for nothing.
 * sp: the caller's scratch.
 */
static int member_sentences(const char *text, int lone,
			    struct member_sentences *out, struct text_spans *sp)
{
	size_t len = strlen(text), at = 0, found = 0, k, words, last;
	int rc = 0;

	sp->n = 0;
	if (!lone)
		rc = text_sentence_spans(text, 0, len, sp);
	while (lone && at < len && !rc && found < LONE_READ) {
		size_t n = strcspn(text + at, "\n"), before = sp->n;

		rc = text_sentence_spans(text, at, n, sp);
		for (k = before; !rc && k < sp->n; k++)
			found += eligible_n(text + sp->v[2 * k],
					    sp->v[2 * k + 1], &words) != 0;
		at += n;
		if (at < len)
			at++;
	}
	if (rc || !sp->n)
		return rc;
	last = sp->v[2 * (sp->n - 1)] + sp->v[2 * (sp->n - 1) + 1];
	out->copy = malloc(last + 1);
	out->v = malloc(sp->n * sizeof(*out->v));
	out->len = malloc(sp->n * sizeof(*out->len));
	if (!out->copy || !out->v || !out->len)
		return CHORUS_ENOMEM;
	memcpy(out->copy, text, last);
	for (k = 0; k < sp->n; k++) {
		out->copy[sp->v[2 * k] + sp->v[2 * k + 1]] = '\0';
		out->v[k] = out->copy + sp->v[2 * k];
		out->len[k] = sp->v[2 * k + 1];
	}
	out->n = sp->n;
	return 0;
}

/*
 * The terms (and the member's names) of sentence s, in language lang: from
 * the same text analysed before in the story in the same language when
 * there is one (its terms shared, its names copied to s's member), else
 * from the analyser. Unless `measured` (s->eligible and s->words set), s
 * is measured too: a repeat takes its original's measure.
 */
static int analyse_sentence(struct chorus_text_analyser *ta,
			    struct analysis *an, struct sentence *s,
			    const char lang[4],
			    struct chorus_text_analysis *one, int measured)
{
	struct chorus_strlist *names = an->names ? &an->names[s->member] : NULL;
	size_t len = s->len, at;
	uint64_t h =
	    XXH3_64bits_withSeed(s->text, len, 0) ^
	    ((uint64_t)(unsigned char)lang[0] << 16 |
	     (uint64_t)(unsigned char)lang[1] << 8 | (unsigned char)lang[2]);
	int rc = 0;

	memcpy(s->lang, lang, 4);
	for (at = (size_t)h & an->seen_mask; an->seen[at];
	     at = (at + 1) & an->seen_mask) {
		const struct sentence *o = &an->s[an->seen[at] - 1];

		if (an->seen_h[at] != h || memcmp(o->lang, lang, 4) ||
		    strcmp(o->text, s->text))
			continue;
		s->terms_at = o->terms_at;
		s->n_terms = o->n_terms;
		s->shared = 1;
		s->eligible = o->eligible;
		s->words = o->words;
		s->names_of = o->names_of;
		s->names_from = o->names_from;
		s->names_to = o->names_to;
		return 0;
	}
	if (!measured)
		s->eligible = eligible_n(s->text, s->len, &s->words);
	s->names_of = s->member;
	s->names_from = names ? names->n : 0;
	rc = chorus_text_analyse_terms(ta, lang, s->text, one, names);
	if (!rc && an->cap_pool - an->n_pool < one->n_terms) {
		size_t cap = an->cap_pool ? an->cap_pool : 256;
		uint64_t *p;

		while (cap - an->n_pool < one->n_terms)
			cap *= 2;
		if (!(p = realloc(an->pool, cap * sizeof(*p))))
			rc = CHORUS_ENOMEM;
		else {
			an->pool = p;
			an->cap_pool = cap;
		}
	}
	if (rc)
		return rc;
	s->terms_at = an->n_pool;
	if (one->n_terms) {
		memcpy(an->pool + an->n_pool, one->terms,
		       one->n_terms * sizeof(*one->terms));
		s->n_terms = dedup(an->pool + an->n_pool, one->n_terms);
		an->n_pool += s->n_terms;
	}
	s->names_to = names ? names->n : 0;
	an->seen[at] = (size_t)(s - an->s) + 1;
	an->seen_h[at] = h;
	return 0;
}

static int analyse(struct chorus_text_analyser *ta,
		   const struct chorus_story_view *v, struct analysis *an)
{
	size_t lone_read = 0;
	struct chorus_text_analysis one;
	struct text_spans sp = {NULL, 0, 0};
	size_t i, j, total = 0;
	int rc = 0;

	memset(an, 0, sizeof(*an));
	chorus_text_analysis_init(&one);
	an->n_members = v->n_members;
	an->sentences = calloc(v->n_members + 1, sizeof(*an->sentences));
	an->head_terms = calloc(v->n_members + 1, sizeof(*an->head_terms));
	an->head_n = calloc(v->n_members + 1, sizeof(*an->head_n));
	if (!an->sentences || !an->head_terms || !an->head_n)
		return CHORUS_ENOMEM;
	/* Names are shown when members share them: two members or more. */
	if (v->n_members > 1 &&
	    !(an->names = calloc(v->n_members + 1, sizeof(*an->names))))
		return CHORUS_ENOMEM;
	for (i = 0; an->names && i < v->n_members; i++)
		chorus_strlist_init(&an->names[i]);
	for (i = 0; !rc && i < v->n_members; i++) {
		const struct chorus_article *a = &v->members[i].article->a;

		rc = member_sentences(a->text ? a->text : "", v->n_members == 1,
				      &an->sentences[i], &sp);
		total += an->sentences[i].n;
	}
	text_spans_release(&sp);
	if (!rc && !(an->s = calloc(total + 1, sizeof(*an->s))))
		rc = CHORUS_ENOMEM;
	if (!rc) {
		size_t cap = 16;

		while (cap < total * 2)
			cap *= 2;
		an->seen = calloc(cap, sizeof(*an->seen));
		an->seen_h = malloc(cap * sizeof(*an->seen_h));
		an->seen_mask = cap - 1;
		if (!an->seen || !an->seen_h)
			rc = CHORUS_ENOMEM;
	}
	for (i = 0; !rc && i < v->n_members; i++) {
		const struct chorus_article *a = &v->members[i].article->a;
		char lang[4];

		rc = member_language(ta, a, &one, lang);
		if (!rc)
			rc = distinct(one.head, one.n_head, &an->head_terms[i],
				      &an->head_n[i]);
		for (j = 0; !rc && j < an->sentences[i].n; j++) {
			struct sentence *s;

			/*
			 * A lone report's first few eligible sentences are
			 * read: the rest would be neither read nor chosen,
			 * so they are not even looked at (counting the words
			 * of every sentence of 140,000 texts is a tenth of a
			 * large site's summarising).
			 */
			if (v->n_members == 1 && lone_read >= LONE_READ)
				break;
			s = &an->s[an->n_s++];

			s->text = an->sentences[i].v[j];
			s->len = an->sentences[i].len[j];
			s->member = i;
			s->position = j;
			if (v->n_members > 1) {
				rc = analyse_sentence(ta, an, s, lang, &one, 0);
				continue;
			}
			/*
			 * A lone report's summary is its first full
			 * sentences, and nothing else reads its terms: only
			 * the first few eligible ones are read.
			 */
			s->eligible = eligible_n(s->text, s->len, &s->words);
			if (!s->eligible || ++lone_read > LONE_READ)
				continue;
			rc = analyse_sentence(ta, an, s, lang, &one, 1);
		}
	}
	/* The pool is whole: its sets can be pointed at. */
	for (i = 0; !rc && i < an->n_s; i++)
		if (an->s[i].n_terms)
			an->s[i].terms = an->pool + an->s[i].terms_at;
	if (!rc)
		rc = count_terms(an);
	chorus_text_analysis_release(&one);
	return rc;
}

/*
 * How many members other than `except` hold term h; `except` holds it
 * (a term of one of its sentences), or is (size_t)-1 for none.
 */
static size_t holders(const struct analysis *an, uint64_t h, size_t except)
{
	size_t at = (size_t)h & an->mask, n;

	while (an->slots[at].n && an->slots[at].h != h)
		at = (at + 1) & an->mask;
	n = an->slots[at].n;

	return except == (size_t)-1 || !n ? n : n - 1;
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
	struct sentence *picked[3];
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
			/* Cheap test first: only a better one is compared. */
			if (best && s->score <= best->score)
				continue;
			for (k = 0; k < chosen && !similar; k++)
				similar = jaccard(s, picked[k]) >= 0.4;
			if (!similar)
				best = s;
		}
		if (!best)
			break;
		best->chosen = 1;
		picked[chosen++] = best;
		rc = chorus_strlist_push(&v->summary, best->text,
					 strlen(best->text));
	}
	return rc;
}

static int pick_only(struct chorus_story_view *v, struct analysis *an)
{
	size_t m, i, k, at = 0;
	int rc = 0;

	if (v->n_members < 2)
		return 0;
	for (m = 0; m < v->n_members && !rc; m++) {
		struct sentence *picks[2] = {NULL, NULL};

		/* Sentences come member by member: m's are one run. */
		while (at < an->n_s && an->s[at].member < m)
			at++;
		for (i = at; i < an->n_s && an->s[i].member == m; i++) {
			struct sentence *s = &an->s[i];
			size_t unique = 0;

			if (!s->eligible || s->chosen)
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
	double best_score = -1;
	const char *best = NULL;
	size_t m, k;

	for (m = 0; m < v->n_members; m++) {
		const struct chorus_article *a = &v->members[m].article->a;
		size_t n = an->head_n[m];
		double sum = 0, score;

		if (!a->title || !n)
			continue;
		for (k = 0; k < n; k++)
			sum += (double)holders(an, an->head_terms[m][k],
					       (size_t)-1);
		/* Mean coverage, mildly favouring informative headlines. */
		score = sum / (double)n / (double)v->n_members *
			log(2.0 + (double)n);
		if (score > best_score) {
			best_score = score;
			best = a->title;
		}
	}
	v->headline =
	    best ? chorus_strdup(best)
		 : chorus_article_display_title(&v->members[0].article->a);
	return v->headline ? 0 : CHORUS_ENOMEM;
}

struct name_count {
	const char *name;
	size_t count;
	size_t from, to; /* its mentions: uses[from, to) in pick_names() */
};

static int cmp_name_count(const void *a, const void *b)
{
	const struct name_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* A name some member mentions: equal names sort together, by member
 * and then sentence (the order the first spelling is looked for in). */
struct name_use {
	uint64_t h;
	const char *name;
	size_t member;
	size_t sentence; /* in the analysis */
};

static int cmp_name_use(const void *a, const void *b)
{
	const struct name_use *x = a, *y = b;
	int c;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	return x->sentence < y->sentence ? -1 : x->sentence > y->sentence;
}

static int word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/*
 * Where the folded name nm (its words joined by one space, as a
 * text_name_run gathers them) matches the folded text f from p on, a
 * space standing for what text_joined() lets stand between two words of
 * a name; the end of the match in f, or 0.
 */
static size_t name_match(const char *f, size_t n, size_t p, const char *nm)
{
	size_t j, q = p;

	for (j = 0; nm[j]; j++) {
		if (nm[j] == ' ') {
			size_t k = 0;

			while (k < 2 && q < n && (f[q] == ' ' || f[q] == '-'))
				k++, q++;
			if (!k)
				return 0;
		} else if (q < n && f[q] == nm[j]) {
			q++;
		} else {
			return 0;
		}
	}
	/* Ends a word: the text's end, a byte of no word, or a closing
	 * quote (U+2019: "Trump’s"). */
	if (q < n && word_byte((unsigned char)f[q]) &&
	    !(n - q >= 3 && !memcmp(f + q, "\xE2\x80\x99", 3)))
		return 0;
	return q;
}

/*
 * The name nm (folded) as the text spells it ("Kirill Dmitriev" for
 * "kirill dmitriev"), copied into out; CHORUS_ENOTFOUND when the text
 * does not hold it. The text is folded a character at a time, each
 * folded byte remembering where its character starts: a name only the
 * whole-string fold spells that way (a mark that composes with the
 * letter before it) is not found, and keeps its folded form.
 */
static int surface_name(const char *text, size_t len, const char *nm,
			struct chorus_buf *out)
{
	/* map: for each byte of f, where its character starts in text */
	struct chorus_buf f = CHORUS_BUF_INIT, map = CHORUS_BUF_INIT;
	const size_t *at;
	size_t i = 0, p, q, k;
	int rc = 0;

	while (!rc && i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate((const utf8proc_uint8_t *)text + i,
				     (utf8proc_ssize_t)(len - i), &cp);
		size_t from = f.len;

		if (n <= 0) { /* a byte of no character folds to nothing */
			i++;
			continue;
		}
		rc = text_fold_char(text + i, (size_t)n, &f);
		if (rc == CHORUS_EPARSE)
			rc = 0;
		for (k = from; !rc && k < f.len; k++)
			rc = chorus_buf_add(&map, &i, sizeof(i));
		i += (size_t)n;
	}
	at = (const size_t *)(const void *)map.data;
	rc = rc ? rc : CHORUS_ENOTFOUND;
	for (p = 0; rc == CHORUS_ENOTFOUND && p < f.len; p++) {
		if (p && word_byte((unsigned char)f.data[p - 1]))
			continue;
		q = name_match(f.data, f.len, p, nm);
		if (!q)
			continue;
		/* From the character the match starts in to the one after
		 * it ends in (q is the start of a character's fold: the
		 * match ends at a non-word byte or the end). */
		chorus_buf_reset(out);
		rc = chorus_buf_add(out, text + at[p],
				    (q < f.len ? at[q] : len) - at[p]);
	}
	chorus_buf_release(&f);
	chorus_buf_release(&map);
	return rc;
}

/*
 * Names of two words or more that at least half the members (and two or
 * more) mention; each member's names were found with its sentences'
 * terms. Every mention is sorted by name (its hash first) and member, so
 * that how many members hold a name is one pass, not a search a mention.
 */
static int pick_names(struct chorus_story_view *v, struct analysis *an)
{
	struct name_use *uses = NULL;
	struct name_count *counts = NULL;
	struct chorus_buf spelled = CHORUS_BUF_INIT;
	size_t n_uses = 0, n_counts = 0, i, k, need;
	int rc = 0;

	if (v->n_members < 2 || !an->names)
		return 0; /* a name needs two members */
	for (i = 0; i < an->n_s; i++)
		n_uses += an->s[i].names_to - an->s[i].names_from;
	if (!n_uses)
		return 0;
	uses = malloc(n_uses * sizeof(*uses));
	counts = malloc(n_uses * sizeof(*counts));
	if (!uses || !counts) {
		rc = CHORUS_ENOMEM;
		goto out;
	}
	n_uses = 0;
	for (i = 0; i < an->n_s; i++) {
		const struct sentence *s = &an->s[i];

		for (k = s->names_from; k < s->names_to; k++) {
			const char *nm = an->names[s->names_of].v[k];
			size_t len = strlen(nm);

			if (!memchr(nm, ' ', len))
				continue; /* one word: never shown */
			uses[n_uses].h = XXH3_64bits(nm, len);
			uses[n_uses].name = nm;
			uses[n_uses].sentence = i;
			uses[n_uses++].member = s->member;
		}
	}
	qsort(uses, n_uses, sizeof(*uses), cmp_name_use);
	for (i = 0; i < n_uses; i = k) {
		size_t members = 1;

		for (k = i + 1; k < n_uses && uses[k].h == uses[i].h &&
				!strcmp(uses[k].name, uses[i].name);
		     k++)
			members += uses[k].member != uses[k - 1].member;
		counts[n_counts].name = uses[i].name;
		counts[n_counts].from = i;
		counts[n_counts].to = k;
		counts[n_counts++].count = members;
	}
	need = v->n_members / 2 + v->n_members % 2;
	if (need < 2)
		need = 2;
	if (n_counts)
		qsort(counts, n_counts, sizeof(*counts), cmp_name_count);
	/* Shown as the first member to write it spells it (the folded
	 * form is what the counting needs: "White House" and "WHITE
	 * HOUSE" are one name). */
	for (k = 0; !rc && k < n_counts && v->names.n < 8; k++) {
		const char *shown = counts[k].name;
		size_t u;

		if (counts[k].count < need)
			continue;
		rc = CHORUS_ENOTFOUND;
		for (u = counts[k].from;
		     rc == CHORUS_ENOTFOUND && u < counts[k].to; u++) {
			const struct sentence *s = &an->s[uses[u].sentence];

			rc = surface_name(s->text, s->len, counts[k].name,
					  &spelled);
		}
		if (!rc)
			shown = chorus_buf_cstr(&spelled);
		if (!rc || rc == CHORUS_ENOTFOUND)
			rc = chorus_strlist_push(&v->names, shown,
						 strlen(shown));
	}
out:
	chorus_buf_release(&spelled);
	free(uses);
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
	struct chorus_text_analyser *ta = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (chorus_text_analyser_new(&ta))
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = story_view_compute(ta, c, s, out, err);
	chorus_text_analyser_free(ta);
	return rc;
}

int story_view_compute(struct chorus_text_analyser *ta,
		       const struct chorus_corpus *c,
		       const struct chorus_story *s,
		       struct chorus_story_view *out, struct chorus_err *err)
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
	rc = analyse(ta, out, &an);
	if (!rc)
		rc = pick_summary(out, &an);
	if (!rc)
		rc = pick_only(out, &an);
	if (!rc)
		rc = pick_headline(out, &an);
	if (!rc)
		rc = pick_names(out, &an);
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
