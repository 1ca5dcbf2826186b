/*
 * Writing OPML 2.0 (http://opml.org/spec2.opml): a list of subscriptions a
 * feed reader can import. This is a small self-contained writer used by
 * the render module for public/sources.opml; reading OPML (chorus import)
 * belongs to the config module.
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

#endif
