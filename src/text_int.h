/*
 * Shared inside the text module (text.c, text_analyse.c): what counts as
 * a letter of a word. Inline: both files call it for every character.
 */
#ifndef CHORUS_TEXT_INT_H
#define CHORUS_TEXT_INT_H

#include <stddef.h>

#include <utf8proc.h>

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

#endif
