/*
 * The HTML sanitiser: every piece of feed HTML passes through it before it
 * reaches a page or a feed, because that HTML is written by strangers.
 *
 * The input is parsed with libxml2's HTML parser (no network, no file
 * access) and written out again from the parsed tree, keeping only an
 * allow-list of elements and attributes (feedparser's, without <form>):
 *   - script, style, applet, svg, math, template, frames and the document
 *     head are dropped with their content; other unknown or unsafe
 *     elements (object, iframe, embed, blink, ...) are dropped but their
 *     content is kept;
 *   - event handlers and every attribute off the list are dropped;
 *   - URL attributes (href, src, cite, poster, ...) keep only http, https,
 *     mailto and relative URLs, relative ones resolved against base_url;
 *     javascript:, vbscript:, data: and the rest are dropped, however
 *     they are hidden with entities, whitespace or control characters;
 *   - style keeps only declarations from feedparser's CSS allow-list, with
 *     no url(), no expression() and nothing it cannot read;
 *   - comments, processing instructions and doctypes are dropped.
 * The output is a well-formed HTML fragment (every element closed, void
 * elements written as <br />, text and attribute values escaped), safe to
 * embed in a page or in Atom content of type "html".
 */
#ifndef CHORUS_SANITIZE_H
#define CHORUS_SANITIZE_H

#include <stddef.h>

#include "chorus/buf.h"
#include "chorus/error.h"

/*
 * Sanitise html (len bytes of UTF-8) and append the result to out.
 * base_url, which may be NULL, is what relative URLs are resolved against
 * (the article's or the feed's address); without it they stay relative.
 * Returns 0, CHORUS_ETOOBIG when out reaches its cap, CHORUS_ENOMEM, or
 * CHORUS_EPARSE when libxml2 cannot build a document at all (out is then
 * unchanged). Empty input gives empty output.
 */
int chorus_sanitize_html(const char *html, size_t len, const char *base_url,
			 struct chorus_buf *out, struct chorus_err *err);

enum chorus_sanitize_flags {
	/*
	 * For pages, which must make no request of their own: nothing in the
	 * output is fetched as the page loads. img, video, audio and source
	 * become a plain link to their address ('<a class="remote-media"
	 * href="URL">Image: ALT</a>', fetched only if a reader follows it;
	 * a video's fallback content is kept), and every other attribute that
	 * loads a resource (src, poster, background, lowsrc, dynsrc, datasrc,
	 * data, icon, vrml) is dropped. Feeds leave this off: a feed reader
	 * applies its own policy to media.
	 */
	CHORUS_SANITIZE_NO_REMOTE_MEDIA = 1,
};

/* chorus_sanitize_html() with flags from enum chorus_sanitize_flags. */
int chorus_sanitize_html_flags(const char *html, size_t len,
			       const char *base_url, unsigned flags,
			       struct chorus_buf *out, struct chorus_err *err);

#endif
