/*
 * What the feed module's files share (feed.c, feed_xml.c, feed_json.c,
 * feed_html.c): the builder that collects a feed's fields, entries and
 * errors and hands finished entries to the caller, and the small text
 * helpers every format needs (UTF-8 repair, escaping, URL resolution).
 */
#ifndef CHORUS_FEED_INT_H
#define CHORUS_FEED_INT_H

#include <stddef.h>

#include "chorus/feed.h"

/* At most this many errors are kept per document; the rest are counted. */
#define FEED_MAX_ERRORS 64

struct feed_builder {
	struct chorus_feed_options opt;
	struct chorus_feed *feed;
	chorus_feed_entry_cb cb;
	void *ctx;
	size_t entries_cap;
	size_t errors_cap;
	long errors_dropped;
	int stopped; /* the callback's non-zero return, or an internal error */
};

/* Record a repair; never fails the parse (a failed allocation is dropped). */
void feed_error(struct feed_builder *b, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Hand a finished entry on: to the callback, or into the feed. Takes the
 * entry's contents in every case (e is released). Returns 0, or the
 * callback's return / CHORUS_ENOMEM, which also sets b->stopped.
 */
int feed_emit_entry(struct feed_builder *b, struct chorus_feed_entry *e);

/* Kinds of text a feed element can carry. */
enum feed_text_type {
	FEED_TEXT_PLAIN,
	FEED_TEXT_HTML,
};

/*
 * Store text of the given type as the entry's summary or content (HTML):
 * plain text is escaped, HTML sanitised (or kept with opt.raw_html).
 * Returns a new string or NULL on allocation failure.
 */
char *feed_make_html(const struct feed_builder *b, const char *s,
		     enum feed_text_type type, const char *base);

/* Plain text of a title-like value; HTML is reduced to its text. */
char *feed_make_text(const char *s, enum feed_text_type type);

/* feedparser's test for text that is really HTML: a tag or an entity. */
int feed_looks_like_html(const char *s);

/*
 * A copy of s[0..n) that is valid UTF-8 without C0 controls other than
 * tab and newline, leading and trailing white space trimmed. *repaired
 * (may be NULL) is set when bytes had to be replaced.
 */
char *feed_clean_text(const char *s, size_t n, int *repaired);

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t feed_utf8_seq(const unsigned char *s, size_t n);

/* Windows-1252's characters for bytes 0x80-0x9f (0 where undefined). */
extern const unsigned short feed_cp1252[32];

/*
 * feed_clean_text() for text the XML reader got from libxml2, which is
 * valid UTF-8 already: faster, same result.
 */
char *feed_clean_decoded(const char *s, size_t n, int *repaired);

/* rel resolved against base; a copy of rel when base is NULL or rel is
 * absolute; NULL on allocation failure. */
char *feed_resolve_url(const char *base, const char *rel);

/* Parse a date for a field; on failure record an error and return -1. */
int feed_parse_date(struct feed_builder *b, long line, const char *s,
		    int64_t *out);

/* Format-specific readers (feed_xml.c, feed_json.c). */
struct feed_xml;
int feed_xml_new(struct feed_builder *b, const char *head, size_t n,
		 struct feed_xml **out);
int feed_xml_push(struct feed_xml *x, const char *data, size_t len,
		  int terminate);
int feed_xml_found_feed(const struct feed_xml *x);
void feed_xml_free(struct feed_xml *x);

int feed_json_parse(struct feed_builder *b, const char *data, size_t len,
		    struct chorus_err *err);

#endif
