/*
 * An article: one outlet's report, from a plain-text file in seeds/ or an
 * item of a feed. It is what the store keeps and the clusterer groups.
 *
 * Plain-text articles (DESIGN.md): an optional header block of
 * `Key: value` lines (Title, Source, Link, Date, Language, Author) ended by
 * a blank line; without one, the first line is the headline when it looks
 * like one. The article's key is the file name without its extension.
 */
#ifndef CHORUS_ARTICLE_H
#define CHORUS_ARTICLE_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/error.h"

struct chorus_article {
	char *key;	/* unique: file name stem, feed item id, else link */
	char *source;	/* the outlet's name as people know it */
	char *title;	/* headline; may be NULL when the text has none */
	char *subtitle; /* a standfirst line under the headline, or NULL */
	char *link;	/* the outlet's page for the article, or NULL */
	char *author;
	char *language; /* BCP 47 tag, or NULL when unknown */
	char *summary;	/* sanitised HTML from a feed, or NULL */
	char *text;	/* the body as plain text, paragraphs split by "\n\n" */
	int64_t published; /* seconds since the epoch, UTC */
	int64_t updated;
	int date_known; /* 0 when published came from a fallback */
};

void chorus_article_init(struct chorus_article *a);
void chorus_article_release(struct chorus_article *a);

/* Flags for what chorus_article_from_text() repaired. */
enum chorus_article_repair {
	CHORUS_ARTICLE_REPAIRED_UTF8 = 1, /* invalid bytes became U+FFFD */
	CHORUS_ARTICLE_BAD_DATE = 2, /* the Date header could not be read */
};

/*
 * Read a plain-text article from data (any bytes: invalid UTF-8 is
 * repaired) into a, which the caller has initialised. key names the
 * article; fallback_date is used when the text has no readable Date.
 * *repairs (may be NULL) receives enum chorus_article_repair flags and
 * *repair_line the first line concerned. Fails with CHORUS_EEMPTY when the
 * text holds nothing, CHORUS_EBINARY when it holds NUL bytes.
 */
int chorus_article_from_text(struct chorus_article *a, const char *key,
			     const char *data, size_t len,
			     int64_t fallback_date, unsigned *repairs,
			     long *repair_line, struct chorus_err *err);

#endif
