/*
 * Text toolkit (see include/chorus/text.h).
 *
 * Words are found by Unicode category (utf8proc), so Cyrillic, Greek or
 * accented Latin text tokenises as well as ASCII. Folding maps every word to
 * NFKC + case fold + no marks before it is compared, stemmed or hashed, so
 * spelling differences of case and accents never split a story.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "chorus/text.h"
#include "text_int.h"

void chorus_strlist_init(struct chorus_strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void chorus_strlist_release(struct chorus_strlist *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	chorus_strlist_init(l);
}

int chorus_strlist_push(struct chorus_strlist *l, const char *s, size_t len)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return CHORUS_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	copy = chorus_strndup(s, len);
	if (!copy)
		return CHORUS_ENOMEM;
	l->v[l->n++] = copy;
	return 0;
}

int chorus_text_utf8_repair(const char *s, size_t len, struct chorus_buf *out,
			    size_t *n_bad, long *first_bad_line)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, bad = 0;
	long line = 1, first = 0;
	int rc = 0;

	while (i < len && !rc) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n;

		if (p[i] < 0x80) {
			uint8_t c = p[i++];

			if (c == '\n')
				line++;
			if (c == '\r' && i < len && p[i] == '\n')
				continue;
			if (c == '\r')
				c = '\n';
			if (c < 0x20 && c != '\n' && c != '\t')
				continue;
			if (c == 0x7f)
				continue;
			rc = chorus_buf_addc(out, (char)c);
			continue;
		}
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n < 0) {
			bad++;
			if (!first)
				first = line;
			rc = chorus_buf_add(out, "\xEF\xBF\xBD", 3);
			i++;
			continue;
		}
		/* C1 controls never belong in text. */
		if (cp >= 0x80 && cp < 0xa0) {
			i += (size_t)n;
			continue;
		}
		rc = chorus_buf_add(out, p + i, (size_t)n);
		i += (size_t)n;
	}
	if (n_bad)
		*n_bad = bad;
	if (first_bad_line)
		*first_bad_line = first;
	return rc;
}

int chorus_text_fold(const char *s, size_t len, struct chorus_buf *out)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n;
	int rc;

	n = utf8proc_map(
	    (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
	    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
		UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
	if (n < 0)
		return n == UTF8PROC_ERROR_NOMEM ? CHORUS_ENOMEM
						 : CHORUS_EPARSE;
	rc = chorus_buf_add(out, dst, (size_t)n);
	free(dst);
	return rc;
}

struct chorus_stemmer {
	struct sb_stemmer *sb;
};

/* ISO 639-1 codes to Snowball algorithm names. */
static const struct {
	const char *code;
	const char *algo;
} stem_langs[] = {
    {"ar", "arabic"},	  {"da", "danish"},   {"de", "german"},
    {"el", "greek"},	  {"en", "english"},  {"es", "spanish"},
    {"fi", "finnish"},	  {"fr", "french"},   {"hu", "hungarian"},
    {"it", "italian"},	  {"nl", "dutch"},    {"no", "norwegian"},
    {"pt", "portuguese"}, {"ro", "romanian"}, {"ru", "russian"},
    {"sv", "swedish"},	  {"tr", "turkish"},
};

int chorus_stemmer_new(struct chorus_stemmer **out, const char *lang)
{
	const char *algo = "english";
	struct chorus_stemmer *s;
	size_t i;

	*out = NULL;
	for (i = 0; lang && i < sizeof(stem_langs) / sizeof(stem_langs[0]); i++)
		if (!strncmp(lang, stem_langs[i].code, 2) &&
		    (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
			algo = stem_langs[i].algo;
	s = malloc(sizeof(*s));
	if (!s)
		return CHORUS_ENOMEM;
	s->sb = sb_stemmer_new(algo, "UTF_8");
	if (!s->sb) {
		free(s);
		return CHORUS_ENOMEM;
	}
	*out = s;
	return 0;
}

void chorus_stemmer_free(struct chorus_stemmer *s)
{
	if (!s)
		return;
	sb_stemmer_delete(s->sb);
	free(s);
}

const char *chorus_stemmer_stem(struct chorus_stemmer *s, const char *w,
				size_t len, size_t *out_len)
{
	const sb_symbol *stem =
	    sb_stemmer_stem(s->sb, (const sb_symbol *)w, (int)len);

	if (!stem)
		return NULL;
	*out_len = (size_t)sb_stemmer_length(s->sb);
	return (const char *)stem;
}

/* Sorted for bsearch; text_analyse.c reads it too (text_int.h). */
const char *const chorus_text_stopword_list[] = {
    "a",	"about",      "above",	"after",   "again",	"against",
    "all",	"also",	      "am",	"an",	   "and",	"any",
    "are",	"as",	      "at",	"be",	   "because",	"been",
    "before",	"being",      "below",	"between", "both",	"but",
    "by",	"can",	      "could",	"did",	   "do",	"does",
    "doing",	"down",	      "during", "each",	   "few",	"for",
    "from",	"further",    "had",	"has",	   "have",	"having",
    "he",	"her",	      "here",	"hers",	   "herself",	"him",
    "himself",	"his",	      "how",	"i",	   "if",	"in",
    "into",	"is",	      "it",	"its",	   "itself",	"just",
    "may",	"me",	      "might",	"more",	   "most",	"much",
    "must",	"my",	      "myself", "no",	   "nor",	"not",
    "now",	"of",	      "off",	"on",	   "once",	"only",
    "or",	"other",      "our",	"ours",	   "ourselves", "out",
    "over",	"own",	      "said",	"same",	   "says",	"she",
    "should",	"since",      "so",	"some",	   "such",	"than",
    "that",	"the",	      "their",	"theirs",  "them",	"themselves",
    "then",	"there",      "these",	"they",	   "this",	"those",
    "through",	"to",	      "too",	"under",   "until",	"up",
    "very",	"was",	      "we",	"were",	   "what",	"when",
    "where",	"which",      "while",	"who",	   "whom",	"why",
    "will",	"with",	      "would",	"you",	   "your",	"yours",
    "yourself", "yourselves",
};
const size_t chorus_text_stopword_count =
    sizeof(chorus_text_stopword_list) / sizeof(chorus_text_stopword_list[0]);

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int chorus_text_is_stopword(const char *w, size_t len)
{
	char tmp[32];

	if (len < 2)
		return 1;
	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, w, len);
	tmp[len] = '\0';
	return bsearch(tmp, chorus_text_stopword_list,
		       chorus_text_stopword_count,
		       sizeof(chorus_text_stopword_list[0]), cmp_word) != NULL;
}

static int is_upper_cp(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

static int is_apostrophe(utf8proc_int32_t cp)
{
	return cp == '\'' || cp == 0x2019;
}

/*
 * One word of running text: where it is, whether it starts with a capital,
 * and whether a sentence ended (or a line began) just before it.
 */
struct word {
	size_t start, len;
	int capital;
	int sentence_start;
};

/*
 * After an apostrophe ending at j, an "s" that ends the word is a
 * possessive: return where it ends, else `otherwise`.
 */
static size_t skip_possessive(const uint8_t *p, size_t len, size_t j,
			      size_t otherwise)
{
	utf8proc_int32_t cp = 0;

	if (j >= len || (p[j] != 's' && p[j] != 'S'))
		return otherwise;
	if (j + 1 < len &&
	    utf8proc_iterate(p + j + 1, (utf8proc_ssize_t)(len - j - 1), &cp) >
		0 &&
	    text_is_word_cp(cp))
		return otherwise;
	return j + 1;
}

/*
 * Call fn for every word of text. A possessive "'s" is not part of the
 * word; hyphens and other punctuation end words.
 */
static int each_word(const char *text,
		     int (*fn)(void *ctx, const char *text,
			       const struct word *w),
		     void *ctx)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t len = strlen(text), i = 0;
	int sentence_start = 1, rc = 0;

	while (i < len && !rc) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n =
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		struct word w;

		if (n < 0) {
			i++;
			continue;
		}
		if (!text_is_word_cp(cp)) {
			if (cp == '.' || cp == '!' || cp == '?' || cp == '\n' ||
			    cp == ':' || cp == ';')
				sentence_start = 1;
			i += (size_t)n;
			continue;
		}
		w.start = i;
		w.capital = is_upper_cp(cp);
		w.sentence_start = sentence_start;
		sentence_start = 0;
		while (i < len) {
			n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i),
					     &cp);
			if (n < 0)
				break;
			if (text_is_word_cp(cp)) {
				i += (size_t)n;
				continue;
			}
			break;
		}
		w.len = i - w.start;
		rc = fn(ctx, text, &w);
		/* Skip a possessive 's so "Trump's" gives "Trump". */
		if (i < len && n > 0 && is_apostrophe(cp))
			i = skip_possessive(p, len, i + (size_t)n, i);
	}
	return rc;
}

struct terms_ctx {
	struct chorus_stemmer *stemmer;
	struct chorus_strlist *out;
	struct chorus_buf fold;
};

static int add_term(void *vctx, const char *text, const struct word *w)
{
	struct terms_ctx *ctx = vctx;
	const sb_symbol *stem;
	int rc;

	chorus_buf_reset(&ctx->fold);
	rc = chorus_text_fold(text + w->start, w->len, &ctx->fold);
	if (rc)
		return rc;
	if (chorus_text_is_stopword(chorus_buf_cstr(&ctx->fold), ctx->fold.len))
		return 0;
	stem = sb_stemmer_stem(ctx->stemmer->sb,
			       (const sb_symbol *)chorus_buf_cstr(&ctx->fold),
			       (int)ctx->fold.len);
	if (!stem)
		return CHORUS_ENOMEM;
	return chorus_strlist_push(ctx->out, (const char *)stem,
				   (size_t)sb_stemmer_length(ctx->stemmer->sb));
}

int chorus_text_terms(struct chorus_stemmer *stemmer, const char *text,
		      struct chorus_strlist *out)
{
	struct terms_ctx ctx = {stemmer, out, CHORUS_BUF_INIT};
	int rc = each_word(text, add_term, &ctx);

	chorus_buf_release(&ctx.fold);
	return rc;
}

int chorus_text_name_run_flush(struct text_name_run *r,
			       struct chorus_strlist *out)
{
	int rc = 0;

	/* A lone capitalised word opening a sentence may be any word. */
	if (r->words >= 2 || (r->words == 1 && !r->at_sentence_start))
		rc = chorus_strlist_push(out, chorus_buf_cstr(&r->text),
					 r->text.len);
	chorus_buf_reset(&r->text);
	r->words = 0;
	return rc;
}

int chorus_text_name_run_next(struct text_name_run *r, const char *text,
			      size_t start, int capital,
			      struct chorus_strlist *out)
{
	if (r->words && (!capital || !text_joined(text, r->last_end, start)))
		return chorus_text_name_run_flush(r, out);
	return 0;
}

int chorus_text_name_run_add(struct text_name_run *r, size_t end,
			     int sentence_start, const char *f, size_t flen)
{
	int rc = 0;

	if (!r->words)
		r->at_sentence_start = sentence_start;
	else
		rc = chorus_buf_addc(&r->text, ' ');
	if (!rc)
		rc = chorus_buf_add(&r->text, f, flen);
	r->words++;
	r->last_end = end;
	return rc;
}

struct names_ctx {
	struct chorus_strlist *out;
	struct text_name_run run;
	struct chorus_buf fold;
};

static int add_name_word(void *vctx, const char *text, const struct word *w)
{
	struct names_ctx *ctx = vctx;
	int rc = chorus_text_name_run_next(&ctx->run, text, w->start,
					   w->capital, ctx->out);

	if (rc || !w->capital)
		return rc;
	chorus_buf_reset(&ctx->fold);
	rc = chorus_text_fold(text + w->start, w->len, &ctx->fold);
	if (rc)
		return rc;
	/* "The", "In", "A" open sentences, not names. */
	if (!text_name_run_takes(
		&ctx->run, !ctx->run.words &&
			       chorus_text_is_stopword(
				   chorus_buf_cstr(&ctx->fold), ctx->fold.len)))
		return 0;
	return chorus_text_name_run_add(&ctx->run, w->start + w->len,
					w->sentence_start, ctx->fold.data,
					ctx->fold.len);
}

int chorus_text_names(const char *text, struct chorus_strlist *out)
{
	struct names_ctx ctx = {
	    out, {CHORUS_BUF_INIT, 0, 0, 0}, CHORUS_BUF_INIT};
	int rc = each_word(text, add_name_word, &ctx);

	if (!rc)
		rc = chorus_text_name_run_flush(&ctx.run, out);
	chorus_buf_release(&ctx.run.text);
	chorus_buf_release(&ctx.fold);
	return rc;
}

/* Sorted; compared case-sensitively against the word before a period. */
static const char *const abbreviations[] = {
    "Adm", "Capt", "Cmdr", "Co",  "Col", "Corp", "Dr",	"Gen", "Gov",  "Inc",
    "Jr",  "Lt",   "Ltd",  "Maj", "Mr",	 "Mrs",	 "Ms",	"No",  "Prof", "Rep",
    "Rev", "Sen",  "Sgt",  "Sr",  "St",	 "Sup",	 "etc", "vs",
};

/* Does the word ending at text[end] (exclusive) forbid a sentence end? */
static int abbreviation_before(const char *text, size_t start, size_t end)
{
	size_t b = end;
	char tmp[8];

	while (b > start && ((text[b - 1] >= 'a' && text[b - 1] <= 'z') ||
			     (text[b - 1] >= 'A' && text[b - 1] <= 'Z') ||
			     text[b - 1] == '.'))
		b--;
	if (end - b == 1 && text[b] >= 'A' && text[b] <= 'Z')
		return 1; /* an initial: "J. Smith" */
	if (memchr(text + b, '.', end - b))
		return 1; /* "U.S." */
	if (end - b >= sizeof(tmp))
		return 0;
	memcpy(tmp, text + b, end - b);
	tmp[end - b] = '\0';
	return bsearch(tmp, abbreviations,
		       sizeof(abbreviations) / sizeof(abbreviations[0]),
		       sizeof(abbreviations[0]), cmp_word) != NULL;
}

/* Where split_line() puts each sentence: s[0..len), trimmed, not empty. */
struct sentence_sink {
	int (*put)(struct sentence_sink *k, const char *s, size_t len);
	struct chorus_strlist *list; /* chorus_text_sentences() */
	const char *base;	     /* text_sentence_spans(): offsets from */
	struct text_spans *spans;
};

static int push_trimmed(struct sentence_sink *k, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len ? k->put(k, s, len) : 0;
}

static int is_closer(char c)
{
	return c == '"' || c == '\'' || c == ')' || c == ']';
}

/*
 * Where the first . ! or ? of line[i..len) is, or len: eight bytes at a
 * time on a little-endian machine (a byte is zero in x ^ '.' where x holds
 * a '.'; found exactly, no carries), else a byte at a time. The summariser
 * splits every member of every story: most bytes end no sentence.
 */
static size_t next_stop(const char *line, size_t i, size_t len)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, d, e, q, m;

		memcpy(&x, line + i, 8);
		d = x ^ (ones * '.');
		e = x ^ (ones * '!');
		q = x ^ (ones * '?');
		m = ~(((d & low7) + low7) | d | low7) |
		    ~(((e & low7) + low7) | e | low7) |
		    ~(((q & low7) + low7) | q | low7);
		if (m)
			return i + ((size_t)__builtin_ctzll(m) >> 3);
	}
#endif
	while (i < len && line[i] != '.' && line[i] != '!' && line[i] != '?')
		i++;
	return i;
}

static int split_line(const char *line, size_t len, struct sentence_sink *k)
{
	size_t i, start = 0;
	int rc = 0;

	for (i = next_stop(line, 0, len); i < len && !rc;
	     i = next_stop(line, i + 1, len)) {
		size_t end;
		char c = line[i];

		end = i + 1;
		/* closing quotes: ASCII and the UTF-8 ’ ” */
		for (;;) {
			if (end < len && is_closer(line[end])) {
				end++;
				continue;
			}
			if (end + 2 < len + 0 && (uint8_t)line[end] == 0xE2 &&
			    (uint8_t)line[end + 1] == 0x80 &&
			    ((uint8_t)line[end + 2] == 0x99 ||
			     (uint8_t)line[end + 2] == 0x9D)) {
				end += 3;
				continue;
			}
			break;
		}
		if (end < len && line[end] != ' ')
			continue;
		if (c == '.' && abbreviation_before(line, start, i))
			continue;
		rc = push_trimmed(k, line + start, end - start);
		start = end;
		i = end;
	}
	if (!rc && start < len)
		rc = push_trimmed(k, line + start, len - start);
	return rc;
}

static int put_copy(struct sentence_sink *k, const char *s, size_t len)
{
	return chorus_strlist_push(k->list, s, len);
}

int chorus_text_sentences(const char *text, struct chorus_strlist *out)
{
	struct sentence_sink k = {put_copy, out, NULL, NULL};
	const char *p = text;
	int rc = 0;

	while (*p && !rc) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		rc = split_line(p, len, &k);
		p += len;
		if (*p == '\n')
			p++;
	}
	return rc;
}

static int put_span(struct sentence_sink *k, const char *s, size_t len)
{
	struct text_spans *sp = k->spans;

	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 32;
		size_t *v = realloc(sp->v, cap * 2 * sizeof(*v));

		if (!v)
			return CHORUS_ENOMEM;
		sp->v = v;
		sp->cap = cap;
	}
	sp->v[2 * sp->n] = (size_t)(s - k->base);
	sp->v[2 * sp->n + 1] = len;
	sp->n++;
	return 0;
}

int text_sentence_spans(const char *text, size_t from, size_t len,
			struct text_spans *out)
{
	struct sentence_sink k = {put_span, NULL, text, out};
	const char *p = text + from, *end = p + len;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		rc = split_line(p, n, &k);
		p += n;
		if (p < end)
			p++; /* the newline */
	}
	return rc;
}

void text_spans_release(struct text_spans *sp)
{
	free(sp->v);
	memset(sp, 0, sizeof(*sp));
}

int chorus_text_is_headline(const char *line, size_t len)
{
	size_t i, words = 0;
	int in_word = 0;
	char last;

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (!len || len > 200)
		return 0;
	for (i = 0; i < len; i++) {
		int space = line[i] == ' ' || line[i] == '\t';

		if (!space && !in_word)
			words++;
		in_word = !space;
	}
	last = line[len - 1];
	if (last == '.' || last == ',' || last == ';' || last == ':')
		return 0;
	return words >= 2 && words <= 30;
}

/*
 * Slugs without the Unicode machinery, for the titles most feeds have.
 * Folding (chorus_text_fold(): compatibility forms, case, marks,
 * ignorables) cost the clusterer more than writing the story, a story for
 * every third article. Text in ASCII and the Latin-1 letters (U+0080 to
 * U+00FF) folds character by character: none of those decomposes into
 * anything that composes with a neighbour once the marks are stripped. So
 * each character is replaced by its own fold, worked out once by
 * chorus_text_fold() itself; anything else goes through chorus_text_fold()
 * whole. tests/unit/test_cluster_store.c holds the slugs of every
 * Latin-1 character, alone and between letters, and of random titles, to
 * those of the text chorus_text_fold() folded whole.
 */
static struct {
	char s[8]; /* the fold of U+0000 + i */
	uint8_t n;
} latin1_folds[256];
static int latin1_ok;
static pthread_once_t latin1_once = PTHREAD_ONCE_INIT;

static void latin1_init(void)
{
	struct chorus_buf f = CHORUS_BUF_INIT;
	unsigned i;

	for (i = 1; i < 256; i++) {
		char c[2] = {(char)i, 0};

		if (i >= 0x80) {
			c[0] = (char)(0xc0 | (i >> 6));
			c[1] = (char)(0x80 | (i & 0x3f));
		}
		chorus_buf_reset(&f);
		if (chorus_text_fold(c, i >= 0x80 ? 2 : 1, &f) ||
		    f.len >= sizeof(latin1_folds[i].s))
			goto out;
		memcpy(latin1_folds[i].s, f.data, f.len);
		latin1_folds[i].n = (uint8_t)f.len;
	}
	latin1_ok = 1;
out:
	chorus_buf_release(&f);
}

int text_fold_char(const char *s, size_t n, struct chorus_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;

	pthread_once(&latin1_once, latin1_init);
	if (latin1_ok && n == 1 && p[0] < 0x80)
		return chorus_buf_add(out, latin1_folds[p[0]].s,
				      latin1_folds[p[0]].n);
	if (latin1_ok && n == 2 && (p[0] == 0xc2 || p[0] == 0xc3)) {
		unsigned i = ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);

		return chorus_buf_add(out, latin1_folds[i].s,
				      latin1_folds[i].n);
	}
	return chorus_text_fold(s, n, out);
}

/* Is s ASCII and Latin-1 only (UTF-8), with the table made? */
static int latin1_only(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	pthread_once(&latin1_once, latin1_init);
	if (!latin1_ok)
		return 0;
	for (; *p; p++)
		if (*p >= 0x80) {
			if ((*p != 0xc2 && *p != 0xc3) || (p[1] & 0xc0) != 0x80)
				return 0;
			p++;
		}
	return 1;
}

/*
 * A slug being made from folded bytes, one at a time, into o (room for
 * max bytes): done once it can take no more, so that a long title is
 * folded only as far as its slug reaches.
 */
struct slugger {
	char *o;
	size_t len, max, last_cut;
	int dash, done;
};

static void slug_byte(struct slugger *g, char c)
{
	if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
		g->dash = g->len > 0;
		return;
	}
	if (g->dash) {
		if (g->len + 1 >= g->max) {
			g->done = 1;
			return;
		}
		g->last_cut = g->len;
		g->o[g->len++] = '-';
		g->dash = 0;
	}
	if (g->len >= g->max) {
		if (g->last_cut > 0)
			g->len = g->last_cut;
		g->done = 1;
		return;
	}
	g->o[g->len++] = c;
}

/*
 * ASCII and Latin-1 titles (the most) are folded a character at a time
 * from the table straight into the slug, and no further than it reaches;
 * others are folded whole by chorus_text_fold() first.
 */
int chorus_text_slug(const char *s, size_t max, struct chorus_buf *out)
{
	struct chorus_buf fold = CHORUS_BUF_INIT;
	char local[128];
	struct slugger g = {local, 0, max, 0, 0, 0};
	size_t i, k;
	int rc = 0;

	if (max > sizeof(local) && !(g.o = malloc(max)))
		return CHORUS_ENOMEM;
	if (latin1_only(s)) {
		const unsigned char *p = (const unsigned char *)s;

		while (*p && !g.done) {
			unsigned c = *p++;

			if (c >= 0x80)
				c = (c & 0x1f) << 6 | (*p++ & 0x3f);
			for (k = 0; k < latin1_folds[c].n && !g.done; k++)
				slug_byte(&g, latin1_folds[c].s[k]);
		}
	} else {
		rc = chorus_text_fold(s, strlen(s), &fold);
		for (i = 0; !rc && i < fold.len && !g.done; i++)
			slug_byte(&g, fold.data[i]);
	}
	if (!rc)
		rc = g.len ? chorus_buf_add(out, g.o, g.len)
			   : chorus_buf_adds(out, "story");
	if (g.o != local)
		free(g.o);
	chorus_buf_release(&fold);
	return rc;
}
