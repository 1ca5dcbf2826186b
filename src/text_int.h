/*
 * Shared inside the text module (text.c, text_analyse.c): what counts as
 * a letter of a word (inline: both files call it for every character),
 * the English stop words, and how proper names are gathered.
 */
#ifndef CHORUS_TEXT_INT_H
#define CHORUS_TEXT_INT_H

#include <stddef.h>

#include <utf8proc.h>

#include "chorus/text.h"

/* The English stop words of chorus_text_is_stopword(), sorted. */
extern const char *const chorus_text_stopword_list[];
extern const size_t chorus_text_stopword_count;

/* Letters, combining marks and digits of any script make words. */
static inline int text_is_word_cp(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* Only one or two spaces or hyphens between two words of one name. */
static inline int text_joined(const char *text, size_t from, size_t to)
{
	size_t i;

	if (to - from < 1 || to - from > 2)
		return 0;
	for (i = from; i < to; i++)
		if (text[i] != ' ' && text[i] != '-')
			return 0;
	return 1;
}

/*
 * A proper name being gathered, as chorus_text_names() and the
 * analyser's chorus_text_analyse_terms() find them: a run of capitalised
 * words, folded, joined by one space. A word goes on the run when it is
 * capitalised and only text_joined() stands between them; a stop word
 * cannot open a run ("The", "In"); a lone word opening a sentence is no
 * name. Per word of the text, in order: chorus_text_name_run_next(), then
 * for a capitalised word that text_name_run_takes(),
 * chorus_text_name_run_add(); at the end chorus_text_name_run_flush().
 */
struct text_name_run {
	struct chorus_buf text;
	size_t words;
	size_t last_end; /* where the run's last word ends in the text */
	int at_sentence_start;
};

/* The word at text[start] is next (capital: capitalised): the run ends
 * here, and goes to out if a name, unless the word can continue it. */
int chorus_text_name_run_next(struct text_name_run *r, const char *text,
			      size_t start, int capital,
			      struct chorus_strlist *out);

/* Does the run take a capitalised word (stop: a stop word)? */
static inline int text_name_run_takes(const struct text_name_run *r, int stop)
{
	return r->words || !stop;
}

/* Put the word ending at text[end], folded f[0..flen), on the run;
 * sentence_start: a sentence opens with it. */
int chorus_text_name_run_add(struct text_name_run *r, size_t end,
			     int sentence_start, const char *f, size_t flen);

/* End the run: into out if a name. */
int chorus_text_name_run_flush(struct text_name_run *r,
			       struct chorus_strlist *out);

/*
 * Sentences as spans of their text, without a copy each: pairs (start,
 * length) in v[2i], v[2i+1], offsets from the text's start, trimmed,
 * none empty. The summariser splits every member of every story (a
 * malloc and a free a sentence were a tenth of its work).
 */
struct text_spans {
	size_t *v;
	size_t n, cap; /* pairs */
};

/*
 * Append to out the sentences of text[from..from+len), exactly as
 * chorus_text_sentences() splits them (line by line); len must not reach
 * past a NUL.
 */
int text_sentence_spans(const char *text, size_t from, size_t len,
			struct text_spans *out);

void text_spans_release(struct text_spans *sp);

/*
 * chorus_text_analyse() for what the summariser reads of a member's
 * headline: out's lang, head, terms and names are as chorus_text_analyse()
 * gives them; its years, dates, text_hash and minhash are left as they
 * were (the fingerprint was a twentieth of a story's summarising).
 */
int text_analyse_head(struct chorus_text_analyser *an, const char *lang,
		      const char *title, const char *body,
		      struct chorus_text_analysis *out);

/*
 * Append the fold of the one character s[0..n) (n as utf8proc_iterate()
 * measures it) to out: ASCII and Latin-1 from the table chorus_text_slug()
 * folds with (each entry chorus_text_fold()'s own), the rest through
 * chorus_text_fold().
 */
int text_fold_char(const char *s, size_t n, struct chorus_buf *out);

#endif
