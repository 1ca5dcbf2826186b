/*
 * Writing OPML 2.0 (http://opml.org/spec2.opml): a list of subscriptions a
 * feed reader can import. This is a small self-contained writer used by
 * the render module for public/sources.opml and by `chorus export`;
 * reading OPML (`chorus import`) is chorus_opml_read() below (src/opml.c).
 */
#ifndef CHORUS_OPML_H
#define CHORUS_OPML_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/buf.h"
#include "chorus/error.h"

/*
 * One outline. With xml_url it is a subscription (type="rss", as OPML 2.0
 * names every feed outline, Atom included); without, a folder of children.
 * Strings are borrowed; only text is required.
 */
struct chorus_opml_outline {
	const char *text;
	const char *xml_url;
	const char *html_url; /* may be NULL */
	const struct chorus_opml_outline *children;
	size_t n_children;
};

struct chorus_opml_head {
	const char *title;
	const char *owner_name; /* may be NULL */
	int64_t date_modified;	/* seconds since the epoch; < 0 for none */
};

/*
 * Append the OPML document of outlines to out. Fails with CHORUS_EINVAL
 * when an outline has no text, CHORUS_ENOMEM when memory runs out.
 */
int chorus_opml_write(const struct chorus_opml_head *head,
		      const struct chorus_opml_outline *outlines, size_t n,
		      struct chorus_buf *out, struct chorus_err *err);

/* One subscription read from an OPML file. */
struct chorus_opml_feed {
	char *xml_url;
	char *title; /* title, else text; NULL when neither */
};

struct chorus_opml_list {
	struct chorus_opml_feed *v;
	size_t n;
};

/*
 * Read every outline with an xmlUrl from an OPML document (any version,
 * folders of any depth), in document order. The document is hostile
 * bytes: no DTD is loaded, no entity is expanded, no network is touched.
 * Fails with CHORUS_EPARSE when data is not OPML ("file:line: why" for
 * XML errors, with the name given for the file).
 */
int chorus_opml_read(const char *data, size_t len, const char *name,
		     struct chorus_opml_list *out, struct chorus_err *err);
void chorus_opml_list_release(struct chorus_opml_list *l);

#endif
