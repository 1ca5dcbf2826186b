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

#endif
