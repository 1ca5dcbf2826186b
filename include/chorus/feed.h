/*
 * Feeds: read RSS 0.90-0.94 and 2.0, RSS 1.0 (RDF), Atom 0.3 and 1.0 and
 * JSON Feed 1.0/1.1 documents into one shape, and turn their entries into
 * chorus articles.
 *
 * XML feeds are read as a stream (libxml2's SAX2 push parser; no document
 * tree is ever built), so a feed of any size is read in bounded memory
 * when the caller uses the streaming interface (chorus_feed_parser_*) with
 * an entry callback. JSON Feeds are read with jansson.
 *
 * Feed bytes are hostile. The parser never loads a DTD, never resolves an
 * external entity, never touches the network or a file, ignores entity
 * declarations (so "billion laughs" expands nothing and fails fast), and
 * refuses documents over a size cap. Broken documents are read as far as
 * they can be: what was repaired is listed in the feed's errors.
 *
 * Text: every string is valid UTF-8 (invalid bytes become U+FFFD). `title`
 * and `author` are plain text. `summary` and `content` are HTML: HTML from
 * the feed passes through chorus_feed_sanitize(), plain text from the feed
 * is escaped, so either can be put in a page as it is. Dates are seconds
 * since the epoch, UTC, with a flag telling whether the feed gave one.
 */
#ifndef CHORUS_FEED_H
#define CHORUS_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/article.h"
#include "chorus/buf.h"
#include "chorus/error.h"

enum chorus_feed_format {
	CHORUS_FEED_UNKNOWN = 0,
	CHORUS_FEED_RSS090, /* RSS 0.90 (RDF with the Netscape namespace) */
	CHORUS_FEED_RSS091, /* RSS 0.91 (Userland or Netscape) */
	CHORUS_FEED_RSS092,
	CHORUS_FEED_RSS093,
	CHORUS_FEED_RSS094,
	CHORUS_FEED_RSS20, /* RSS 2.0, and <rss> without a version */
	CHORUS_FEED_RSS10, /* RSS 1.0 (RDF) */
	CHORUS_FEED_ATOM03,
	CHORUS_FEED_ATOM10,
	CHORUS_FEED_JSON10, /* JSON Feed 1.0 */
	CHORUS_FEED_JSON11, /* JSON Feed 1.1 */
};

/* "rss2.0", "rss1.0", "rss0.91", "atom1.0", "jsonfeed1.1", ...; static. */
const char *chorus_feed_format_name(enum chorus_feed_format format);

struct chorus_feed_enclosure {
	char *url;	/* absolute when the feed gave a base to resolve it */
	char *type;	/* MIME type, or NULL */
	int64_t length; /* bytes, or -1 when unknown */
};

struct chorus_feed_entry {
	char *id;	/* guid, atom:id, rdf:about, JSON Feed id; or NULL */
	char *title;	/* plain text, or NULL */
	char *link;	/* the alternate link, resolved; or NULL */
	char *author;	/* "Name", or "Name (email)", or "email"; or NULL */
	char *summary;	/* sanitised HTML, or NULL */
	char *content;	/* sanitised HTML, or NULL */
	char *language; /* xml:lang / language in force, or NULL */
	int64_t published;
	int64_t updated;
	int has_published;
	int has_updated;
	char **categories;
	size_t ncategories;
	struct chorus_feed_enclosure *enclosures;
	size_t nenclosures;
};

/* One thing repaired or refused while reading; line is 0 when unknown. */
struct chorus_feed_error {
	long line;
	char *message;
};

struct chorus_feed {
	enum chorus_feed_format format;
	char *title; /* plain text */
	char *link;
	char *id;
	char *language;
	char *author;
	int64_t updated;
	int has_updated;
	struct chorus_feed_entry
	    *entries; /* empty when streamed to a callback */
	size_t nentries;
	struct chorus_feed_error *errors;
	size_t nerrors;
};

#define CHORUS_FEED_DEFAULT_MAX_SIZE ((size_t)32 << 20)

struct chorus_feed_options {
	size_t max_size; /* refuse documents over this many bytes; 0: 32 MB */
	/* The document's own URL, base of relative links; or NULL. */
	const char *base_url;
	/*
	 * The HTTP Content-Type the document was served with (for example
	 * "application/xml; charset=iso-8859-1"), or NULL for a local file.
	 * Its charset overrides the XML declaration as RFC 3023 says.
	 */
	const char *content_type;
	/*
	 * When non-zero, summary and content keep the feed's HTML as it came
	 * (not sanitised): for callers that sanitise later, and for timing
	 * parsing apart from sanitising. Everything else is unchanged.
	 */
	int raw_html;
};

/*
 * Called for each entry as soon as it has been read. The entry is
 * borrowed: it is freed when the callback returns unless the callback
 * takes fields it wants (setting them to NULL). `feed` holds the feed-level
 * fields read so far (in most feeds all of them, since they come first).
 * Returning non-zero stops the parse with that value.
 */
typedef int (*chorus_feed_entry_cb)(void *ctx, const struct chorus_feed *feed,
				    struct chorus_feed_entry *entry);

/* The streaming reader: push bytes in as they arrive. */
struct chorus_feed_parser;

/*
 * Start reading a document. opt may be NULL for the defaults. When cb is
 * NULL the entries are collected into the feed; otherwise each goes to cb
 * and the feed returned by _finish holds none.
 */
int chorus_feed_parser_new(const struct chorus_feed_options *opt,
			   chorus_feed_entry_cb cb, void *ctx,
			   struct chorus_feed_parser **out,
			   struct chorus_err *err);

/* Read the next len bytes of the document. */
int chorus_feed_parser_push(struct chorus_feed_parser *p, const char *data,
			    size_t len, struct chorus_err *err);

/*
 * The document is complete: hand the feed to the caller (who frees it with
 * chorus_feed_free). Fails with CHORUS_EPARSE when nothing in the document
 * is a feed, CHORUS_ETOOBIG when it exceeded the size cap.
 */
int chorus_feed_parser_finish(struct chorus_feed_parser *p,
			      struct chorus_feed **out, struct chorus_err *err);

void chorus_feed_parser_free(struct chorus_feed_parser *p);

/*
 * Parse a whole document held in memory, format found from the content.
 * *out (the caller frees it with chorus_feed_free) receives the feed with
 * all its entries. Fails with CHORUS_ETOOBIG over the size cap,
 * CHORUS_EPARSE when nothing could be read as a feed.
 */
int chorus_feed_parse(const char *data, size_t len,
		      const struct chorus_feed_options *opt,
		      struct chorus_feed **out, struct chorus_err *err);

/*
 * Read the file at path in chunks through the streaming parser, calling
 * cb for each entry (the path ingest uses: memory stays bounded whatever
 * the file's size). cb may be NULL to collect the entries.
 */
int chorus_feed_parse_file(const char *path,
			   const struct chorus_feed_options *opt,
			   chorus_feed_entry_cb cb, void *ctx,
			   struct chorus_feed **out, struct chorus_err *err);

/* Does data look like a feed document (XML feed root or JSON Feed)? */
int chorus_feed_sniff(const char *data, size_t len);

void chorus_feed_free(struct chorus_feed *feed);
void chorus_feed_entry_release(struct chorus_feed_entry *e);

/*
 * Fill a (initialised by the caller) from entry: key = the entry's id,
 * else its link; source = the feed's title (else its link); title, link,
 * author, language and summary copied; text = the plain text of the
 * content, else of the summary; dates from published, else updated, else
 * fallback_date (date_known says which). Fails with CHORUS_EEMPTY when
 * the entry has neither id nor link to key it by.
 */
int chorus_feed_entry_to_article(const struct chorus_feed *feed,
				 const struct chorus_feed_entry *entry,
				 int64_t fallback_date,
				 struct chorus_article *a,
				 struct chorus_err *err);

/*
 * Append feed as the JSON that `chorus parse` prints (DESIGN.md), one
 * object and a newline, to out.
 */
int chorus_feed_to_json(const struct chorus_feed *feed, struct chorus_buf *out,
			struct chorus_err *err);

/*
 * The seam where feed HTML meets the sanitiser: returns a new string (the
 * caller frees it) of html made safe to put in a page, with relative URLs
 * resolved against base (may be NULL). NULL on allocation failure.
 */
char *chorus_feed_sanitize(const char *html, const char *base);

/*
 * The plain text of an HTML fragment: tags dropped, entities decoded,
 * block elements become paragraph breaks ("\n\n"), runs of white space
 * folded. Returns a new string the caller frees, or NULL on allocation
 * failure.
 */
char *chorus_feed_html_to_text(const char *html, size_t len);

#endif
