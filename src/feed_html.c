/*
 * HTML inside feeds: the plain text of a fragment (for titles that came as
 * HTML and for an article's body), and the one seam where feed HTML is
 * made safe before anything else sees it (chorus_feed_sanitize).
 *
 * Text extraction streams the fragment through libxml2's HTML parser with
 * SAX callbacks, so no tree is built; script and style contents are
 * dropped, block elements become paragraph breaks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "chorus/sanitize.h"
#include "feed_int.h"

enum brk {
	BRK_NONE,
	BRK_SPACE,
	BRK_LINE,
	BRK_PARA,
};

struct text_state {
	struct chorus_buf out;
	enum brk pending;
	int skip; /* depth inside script/style */
	int failed;
};

static int name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

static const char *const skipped[] = {"script", "style", "noscript", "template",
				      "head",	"title", NULL};
static const char *const blocks[] = {
    "p",	  "div",     "li",	   "ul",     "ol",    "dl",
    "dt",	  "dd",	     "h1",	   "h2",     "h3",    "h4",
    "h5",	  "h6",	     "blockquote", "pre",    "table", "tr",
    "section",	  "article", "header",	   "footer", "aside", "figure",
    "figcaption", "hr",	     "address",	   "nav",    "main",  "body",
    NULL};

static void want(struct text_state *t, enum brk b)
{
	if (b > t->pending)
		t->pending = b;
}

static void text_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	struct text_state *t = ctx;

	(void)attrs;
	if (t->skip || name_in((const char *)name, skipped)) {
		t->skip++;
		return;
	}
	if (!strcmp((const char *)name, "br"))
		want(t, BRK_LINE);
	else if (name_in((const char *)name, blocks))
		want(t, BRK_PARA);
}

static void text_end(void *ctx, const xmlChar *name)
{
	struct text_state *t = ctx;

	if (t->skip) {
		t->skip--;
		return;
	}
	if (name_in((const char *)name, blocks))
		want(t, BRK_PARA);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void text_chars(void *ctx, const xmlChar *ch, int len)
{
	struct text_state *t = ctx;
	int i = 0, start;

	if (t->skip || t->failed)
		return;
	while (i < len) {
		if (is_space(ch[i])) {
			want(t, BRK_SPACE);
			i++;
			continue;
		}
		if (t->pending && t->out.len) {
			const char *sep = t->pending == BRK_PARA   ? "\n\n"
					  : t->pending == BRK_LINE ? "\n"
								   : " ";

			if (chorus_buf_adds(&t->out, sep))
				t->failed = 1;
		}
		t->pending = BRK_NONE;
		/* a word at a time */
		for (start = i; i < len && !is_space(ch[i]); i++)
			;
		if (chorus_buf_add(&t->out, ch + start, (size_t)(i - start)))
			t->failed = 1;
	}
}

static void quiet(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

/* Fold white space of text that holds no markup. */
static char *fold_plain(const char *s, size_t len)
{
	struct text_state t;
	size_t i;

	/* Already folded (single spaces, none at the ends): a copy. */
	for (i = 0; i < len; i++)
		if ((is_space((unsigned char)s[i]) && s[i] != ' ') ||
		    (s[i] == ' ' &&
		     (i == 0 || i + 1 == len || s[i + 1] == ' ')))
			break;
	if (i == len)
		return chorus_strndup(s, len);
	memset(&t, 0, sizeof(t));
	chorus_buf_init(&t.out, 0);
	text_chars(&t, (const xmlChar *)s, (int)len);
	if (t.failed) {
		chorus_buf_release(&t.out);
		return NULL;
	}
	return chorus_buf_detach(&t.out, NULL);
}

char *chorus_feed_html_to_text(const char *html, size_t len)
{
	htmlSAXHandler sax;
	htmlParserCtxtPtr ctxt;
	struct text_state t;
	char *out;

	if (len > INT32_MAX)
		return NULL;
	if (!memchr(html, '<', len) && !memchr(html, '&', len))
		return fold_plain(html, len);
	memset(&t, 0, sizeof(t));
	chorus_buf_init(&t.out, 0);
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElement = text_start;
	sax.endElement = text_end;
	sax.characters = text_chars;
	sax.cdataBlock = text_chars;
	sax.serror = quiet;
	ctxt = htmlCreatePushParserCtxt(&sax, &t, NULL, 0, NULL,
					XML_CHAR_ENCODING_UTF8);
	if (!ctxt) {
		chorus_buf_release(&t.out);
		return NULL;
	}
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				     HTML_PARSE_NOWARNING);
	htmlParseChunk(ctxt, html, (int)len, 1);
	htmlFreeParserCtxt(ctxt);
	if (t.failed) {
		chorus_buf_release(&t.out);
		return NULL;
	}
	out = chorus_buf_detach(&t.out, NULL);
	if (!out)
		return NULL;
	return out;
}

char *chorus_feed_sanitize(const char *html, const char *base)
{
	struct chorus_buf out;
	struct chorus_err err;
	int rc;

	chorus_buf_init(&out, 0);
	rc = chorus_sanitize_html(html, strlen(html), base, &out, &err);
	if (rc == CHORUS_EPARSE) {
		/* Nothing libxml2 could read as HTML: keep it as text. */
		chorus_buf_reset(&out);
		rc = chorus_buf_add_escaped(&out, html, strlen(html),
					    CHORUS_ESCAPE_QUOTE);
	}
	if (rc) {
		chorus_buf_release(&out);
		return NULL;
	}
	return chorus_buf_detach(&out, NULL);
}

char *feed_make_html(const struct feed_builder *b, const char *s,
		     enum feed_text_type type, const char *base)
{
	struct chorus_buf out;

	if (type == FEED_TEXT_HTML)
		return b->opt.raw_html ? chorus_strdup(s)
				       : chorus_feed_sanitize(s, base);
	chorus_buf_init(&out, 0);
	if (chorus_buf_add_escaped(&out, s, strlen(s), CHORUS_ESCAPE_QUOTE)) {
		chorus_buf_release(&out);
		return NULL;
	}
	return chorus_buf_detach(&out, NULL);
}

char *feed_make_text(const char *s, enum feed_text_type type)
{
	if (type == FEED_TEXT_HTML)
		return chorus_feed_html_to_text(s, strlen(s));
	return chorus_strdup(s);
}
