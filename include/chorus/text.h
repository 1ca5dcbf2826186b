/*
 * Text: the plain-text toolkit the clusterer and the renderer share.
 * UTF-8 repair, Unicode folding (utf8proc), words, stop words, stemming
 * (libstemmer), proper names, sentences and URL slugs.
 *
 * Every function takes UTF-8 and returns UTF-8; "folded" text is NFKC,
 * case-folded and stripped of combining marks, so "Türkiye" and "TURKIYE"
 * fold to the same "turkiye".
 */
#ifndef CHORUS_TEXT_H
#define CHORUS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/buf.h"
#include "chorus/error.h"

/* A growable list of owned NUL-terminated strings. */
struct chorus_strlist {
	char **v;
	size_t n;
	size_t cap;
};

void chorus_strlist_init(struct chorus_strlist *l);
void chorus_strlist_release(struct chorus_strlist *l);
int chorus_strlist_push(struct chorus_strlist *l, const char *s, size_t len);

/*
 * Copy s to out with every invalid UTF-8 sequence replaced by U+FFFD and
 * every C0 control other than tab and newline dropped ("\r\n" becomes
 * "\n"). *n_bad counts the replaced sequences; *first_bad_line (may be
 * NULL) is the 1-based line of the first.
 */
int chorus_text_utf8_repair(const char *s, size_t len, struct chorus_buf *out,
			    size_t *n_bad, long *first_bad_line);

/* Fold s (NFKC, case fold, strip marks) into out (appending). */
int chorus_text_fold(const char *s, size_t len, struct chorus_buf *out);

/* A stemmer for one language (ISO 639-1 code; NULL or unknown: English). */
struct chorus_stemmer;
int chorus_stemmer_new(struct chorus_stemmer **out, const char *lang);
void chorus_stemmer_free(struct chorus_stemmer *s);

/*
 * The stem of folded word w: borrowed, valid until the next call on s;
 * *out_len receives its length. NULL when out of memory.
 */
const char *chorus_stemmer_stem(struct chorus_stemmer *s, const char *w,
				size_t len, size_t *out_len);

/* Is folded word w an English stop word (or too short to mean much)? */
int chorus_text_is_stopword(const char *w, size_t len);

/*
 * The content terms of text: folded words minus stop words, stemmed, in
 * order of appearance (repeats kept). Numbers are kept as terms.
 */
int chorus_text_terms(struct chorus_stemmer *stemmer, const char *text,
		      struct chorus_strlist *out);

/*
 * Proper names in text: runs of capitalised words that are not at the start
 * of a sentence or that run two words or more ("Steve Witkoff",
 * "Kirill Dmitriev", "Miami"), folded, words joined by one space.
 */
int chorus_text_names(const char *text, struct chorus_strlist *out);

/*
 * Split text into sentences (a line without closing punctuation, such as a
 * subheading, is its own sentence). Abbreviations such as "U.S." and
 * "Gen." do not end a sentence.
 */
int chorus_text_sentences(const char *text, struct chorus_strlist *out);

/* Does a line look like a heading: short, not ending like a sentence? */
int chorus_text_is_headline(const char *line, size_t len);

/*
 * A URL slug of s: folded ASCII letters and digits joined by '-', at most
 * max bytes, cut at a word boundary; "story" when nothing is left.
 */
int chorus_text_slug(const char *s, size_t max, struct chorus_buf *out);

/*
 * The key under which spellings of one proper-name word meet: folded,
 * then, for Latin words of five letters or more, a consonant skeleton
 * (first letter kept, later vowels dropped, c/k/q, f/v/w/ph/pf and s/z
 * made one, repeats collapsed), so "Witkoff", "Witkopf" and "Witkov" all
 * give "wtkf" and "Umerov", "Umarov" and "Umierov" give "umrf". Shorter
 * or non-Latin words are their folded selves. word is UTF-8, any case.
 */
int chorus_text_name_key(const char *word, size_t len, struct chorus_buf *out);

/*
 * The language of text, guessed from its commonest short words: an ISO
 * 639-1 code ("en", "de", "fr", "es", "it", "pt", "nl", "ru"), or NULL when
 * no language is clear (callers then take English).
 */
const char *chorus_text_detect_language(const char *text);

/* Distinct years kept per analysis (see struct chorus_text_analysis). */
#define CHORUS_YEARS_MAX 4

/* Distinct dates kept per analysis (see struct chorus_text_analysis). */
#define CHORUS_DATES_MAX 4

/* MinHash values per fingerprint (see struct chorus_text_analysis). */
#define CHORUS_MINHASH_K 16

/*
 * What the clusterer needs of an article, read in one pass: hashes of its
 * stemmed content terms and of its name keys (repeats kept, in order), of
 * its headline's terms, a MinHash fingerprint over 3-term shingles, a hash
 * of its folded text (equal texts, equal hashes), the years it names and
 * the language used.
 * Terms and names are 64-bit xxhash values; two articles share a hash
 * when they share the (stemmed, or name-keyed) word.
 */
struct chorus_text_analysis {
	uint64_t *terms;
	size_t n_terms, cap_terms;
	uint64_t *names;
	size_t n_names, cap_names;
	uint64_t *head;
	size_t n_head, cap_head;
	uint32_t minhash[CHORUS_MINHASH_K];
	uint64_t text_hash;
	char lang[4]; /* the language stemmed in: "en", "de"… */
	/* Years the text names (1900-2099), most named first, with counts. */
	uint16_t years[CHORUS_YEARS_MAX];
	uint16_t year_counts[CHORUS_YEARS_MAX];
	size_t n_years;
	/*
	 * Dates the text names, a year with a month or day ("May 3, 2013",
	 * "27/09/2013", "2013-09-26", "September 2010"), as year * 16 +
	 * month (1-12, 0 when the form leaves it open), most named first.
	 */
	uint16_t dates[CHORUS_DATES_MAX];
	size_t n_dates;
	/* The first n_title_names of names come from the title. */
	size_t n_title_names;
};

void chorus_text_analysis_init(struct chorus_text_analysis *a);
void chorus_text_analysis_release(struct chorus_text_analysis *a);

/*
 * An analyser: stemmers by language and a cache of what each distinct
 * word gave, so the stemmer and the Unicode folding run once per word of
 * the vocabulary, not once per occurrence. Not thread-safe; one per thread.
 */
struct chorus_text_analyser;
int chorus_text_analyser_new(struct chorus_text_analyser **out);
void chorus_text_analyser_free(struct chorus_text_analyser *an);

/*
 * Analyse one article into out (its arrays are reused). lang is the
 * article's language tag (may be NULL: detected, else English); title may
 * be NULL. The hash of a term is chorus_text_term_hash() of its stem.
 */
int chorus_text_analyse(struct chorus_text_analyser *an, const char *lang,
			const char *title, const char *body,
			struct chorus_text_analysis *out);

/*
 * Only the terms of text (out->terms, n_terms; the rest of out is left as
 * it was), as chorus_text_analyse() gives them, in language lang (NULL or
 * unknown: English): for a caller that reads a text piece by piece, such
 * as the summariser sentence by sentence. With names, also the proper
 * names of text as chorus_text_names() finds them (folded runs of
 * capitalised words), appended, through the analyser's word cache.
 */
int chorus_text_analyse_terms(struct chorus_text_analyser *an, const char *lang,
			      const char *text,
			      struct chorus_text_analysis *out,
			      struct chorus_strlist *names);

/* The hash the analyser gives the stem s (for tests and explanations). */
uint64_t chorus_text_term_hash(const char *stem, size_t len);
/* The hash the analyser gives the name key k. */
uint64_t chorus_text_name_hash(const char *key, size_t len);

/*
 * The estimated Jaccard similarity of two fingerprints' shingle sets: the
 * share of equal MinHash values.
 */
double chorus_text_minhash_similarity(const uint32_t *a, const uint32_t *b);

#endif
