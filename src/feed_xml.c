/*
 * The XML feed reader: RSS 0.90-2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 read
 * as a stream with libxml2's SAX2 push parser. No tree is built: elements
 * are classified by namespace and local name through sorted tables, the
 * reader keeps a stack of open elements (for xml:base, xml:lang and where
 * it is: channel, item, author, image...), and the text of the one field
 * being read at a time is gathered into a buffer. Entries are handed on
 * as soon as they close, so memory stays bounded by the largest entry.
 *
 * Hostile input: the parser runs with XML_PARSE_NONET and without
 * NOENT/DTDLOAD, the SAX handler has no external-subset or entity-resolver
 * callbacks, and entity declarations are ignored, so nothing is ever
 * fetched or expanded beyond the predefined and HTML named entities (the
 * latter are supplied by getEntity so feeds that use &nbsp; read right).
 * A bare '&' that starts no reference is escaped before libxml2 sees it,
 * as feed readers have always done, and listed as a repair.
 */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>

#include "feed_int.h"

/* Namespaces, as far as the reader cares. */
enum ns {
	NS_OTHER,
	NS_CORE, /* RSS, RDF-RSS and Atom elements */
	NS_RDF,
	NS_DC,
	NS_DCTERMS,
	NS_CONTENT,
	NS_XHTML,
	NS_ITUNES,
	NS_MEDIA,
};

/* Which vocabulary a core namespace says the document speaks. */
enum flavor {
	FL_NONE,
	FL_ATOM10,
	FL_ATOM03,
	FL_RSS10,
	FL_RSS090,
};

static const struct ns_def {
	const char *uri;
	enum ns ns;
	enum flavor flavor;
} ns_defs[] = {
    {"http://backend.userland.com/rss", NS_CORE, FL_NONE},
    {"http://backend.userland.com/rss2", NS_CORE, FL_NONE},
    {"http://blogs.law.harvard.edu/tech/rss", NS_CORE, FL_NONE},
    {"http://my.netscape.com/rdf/simple/0.9/", NS_CORE, FL_RSS090},
    {"http://purl.org/atom/ns#", NS_CORE, FL_ATOM03},
    {"http://purl.org/dc/elements/1.0/", NS_DC, FL_NONE},
    {"http://purl.org/dc/elements/1.1/", NS_DC, FL_NONE},
    {"http://purl.org/dc/terms/", NS_DCTERMS, FL_NONE},
    {"http://purl.org/rss/1.0/", NS_CORE, FL_RSS10},
    {"http://purl.org/rss/1.0/modules/content/", NS_CONTENT, FL_NONE},
    {"http://search.yahoo.com/mrss", NS_MEDIA, FL_NONE},
    {"http://search.yahoo.com/mrss/", NS_MEDIA, FL_NONE},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", NS_ITUNES, FL_NONE},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF, FL_NONE},
    {"http://www.w3.org/1999/xhtml", NS_XHTML, FL_NONE},
    {"http://www.w3.org/2005/Atom", NS_CORE, FL_ATOM10},
};

/* Prefixes used without a declaration, as feeds in the wild do. */
static const struct {
	const char *prefix;
	enum ns ns;
} prefix_defs[] = {
    {"atom", NS_CORE},	     {"content", NS_CONTENT}, {"dc", NS_DC},
    {"dcterms", NS_DCTERMS}, {"itunes", NS_ITUNES},   {"media", NS_MEDIA},
    {"rdf", NS_RDF},	     {"xhtml", NS_XHTML},
};

enum tag {
	T_NONE,
	/* containers */
	T_RSS,
	T_CHANNEL,
	T_ITEM,
	T_FEED,
	T_ENTRY,
	T_RDF,
	T_AUTHOR_BOX,  /* atom:author / contributor, when it has children */
	T_IGNORED_BOX, /* image, textinput, source: fields inside don't count */
	/* fields */
	T_TITLE,
	T_LINK,
	T_DESCRIPTION,
	T_GUID,
	T_PUBDATE,
	T_LASTBUILDDATE,
	T_AUTHOR,
	T_CONTRIBUTOR,
	T_MANAGINGEDITOR,
	T_LANGUAGE,
	T_CATEGORY,
	T_ENCLOSURE,
	T_ID,
	T_UPDATED,
	T_PUBLISHED,
	T_MODIFIED,
	T_ISSUED,
	T_CREATED,
	T_SUMMARY,
	T_CONTENT,
	T_NAME,
	T_EMAIL,
	T_URI,
	T_DC_CREATOR,
	T_DC_DATE,
	T_DC_SUBJECT,
	T_DC_DESCRIPTION,
	T_DC_LANGUAGE,
	T_DC_TITLE,
	T_DC_IDENTIFIER,
	T_DCT_MODIFIED,
	T_DCT_ISSUED,
	T_CONTENT_ENCODED,
	T_XHTML_BODY,
	T_ITUNES_AUTHOR,
	T_ITUNES_CATEGORY,
	T_ITUNES_SUMMARY,
	T_FULLITEM,
	T_MEDIA_CATEGORY,
	T_MEDIA_TITLE,
};

struct tag_def {
	const char *name;
	enum tag tag;
};

/* Sorted by name (strcmp) for bsearch. */
static const struct tag_def core_tags[] = {
    {"abstract", T_DC_DESCRIPTION},
    {"author", T_AUTHOR},
    {"body", T_XHTML_BODY},
    {"category", T_CATEGORY},
    {"channel", T_CHANNEL},
    {"content", T_CONTENT},
    {"contributor", T_CONTRIBUTOR},
    {"created", T_CREATED},
    {"description", T_DESCRIPTION},
    {"email", T_EMAIL},
    {"enclosure", T_ENCLOSURE},
    {"entry", T_ENTRY},
    {"feed", T_FEED},
    {"fullitem", T_FULLITEM},
    {"guid", T_GUID},
    {"id", T_ID},
    {"image", T_IGNORED_BOX},
    {"issued", T_ISSUED},
    {"item", T_ITEM},
    {"language", T_LANGUAGE},
    {"lastbuilddate", T_LASTBUILDDATE},
    {"link", T_LINK},
    {"managingeditor", T_MANAGINGEDITOR},
    {"modified", T_MODIFIED},
    {"name", T_NAME},
    {"pubdate", T_PUBDATE},
    {"published", T_PUBLISHED},
    {"rdf", T_RDF},
    {"rss", T_RSS},
    {"source", T_IGNORED_BOX},
    {"summary", T_SUMMARY},
    {"textinput", T_IGNORED_BOX},
    {"title", T_TITLE},
    {"updated", T_UPDATED},
    {"uri", T_URI},
    {"url", T_URI},
};

static const struct tag_def dc_tags[] = {
    {"author", T_DC_CREATOR},
    {"creator", T_DC_CREATOR},
    {"date", T_DC_DATE},
    {"description", T_DC_DESCRIPTION},
    {"identifier", T_DC_IDENTIFIER},
    {"language", T_DC_LANGUAGE},
    {"subject", T_DC_SUBJECT},
    {"title", T_DC_TITLE},
};

static const struct tag_def dcterms_tags[] = {
    {"issued", T_DCT_ISSUED},
    {"modified", T_DCT_MODIFIED},
};

static const struct tag_def media_tags[] = {
    {"category", T_MEDIA_CATEGORY},
    {"title", T_MEDIA_TITLE},
};

static const struct tag_def itunes_tags[] = {
    {"author", T_ITUNES_AUTHOR},
    {"category", T_ITUNES_CATEGORY},
    {"summary", T_ITUNES_SUMMARY},
};

/* Where a captured value goes. */
enum field {
	F_NONE,
	F_TITLE,
	F_LINK,
	F_ID,
	F_GUID,
	F_PUBLISHED,
	F_UPDATED,
	F_FEED_PUBDATE, /* a channel's pubDate: its updated when none else */
	F_AUTHOR,
	F_SUMMARY,
	F_CONTENT,
	F_LANGUAGE,
	F_CATEGORY,
	F_PERSON_NAME,
	F_PERSON_EMAIL,
	F_PERSON_URI,
	F_COUNT,
};

/* How the characters of a captured element are to be read. */
enum cap_mode {
	CAP_TEXT,   /* text; a child element turns it into XHTML */
	CAP_HTML,   /* escaped HTML: the characters are the markup */
	CAP_XHTML,  /* inline XHTML: children serialised as markup */
	CAP_BASE64, /* base64 of the value (Atom 0.3 mode="base64") */
};

struct frame {
	enum tag tag;
	enum ns ns;
	char *base; /* owned when own_base */
	char *lang; /* owned when own_lang */
	int own_base;
	int own_lang;
	int strip; /* the xhtml wrapper div: not serialised */
};

struct capture {
	enum field field;
	int depth; /* the captured element's depth */
	enum cap_mode mode;
	enum feed_text_type type; /* for TEXT mode: what the value is */
	int is_entry;		  /* target: the entry, else the feed */
	int rank;		  /* precedence of this source for the field */
	int rss_text;		  /* RSS-style text: test whether it is HTML */
	int had_children;
	int simple; /* a plain value: child elements are skipped */
	long line;
	struct chorus_buf buf;
};

struct person {
	char *name, *email, *uri;
};

/*
 * An entity made by the reader and handed to libxml2 by getEntity: an
 * HTML named entity, a simple one the document declared, or the literal
 * text of an undefined one. Each is marked "predefined" so libxml2 inlines
 * its text as characters and never parses or expands it further.
 */
struct made_ent {
	xmlEntity ent;
	char *name;
	char *content;
	int declared;
};

/* Bounds on what a document can make the reader hold. */
#define MAX_MADE_ENTS 1024
#define MAX_DECLARED_LEN 1024

struct ns_memo {
	const char *uri; /* libxml2's interned string, compared by address */
	enum ns ns;
	enum flavor flavor;
};

struct feed_xml {
	struct feed_builder *b;
	xmlParserCtxtPtr ctxt;
	xmlSAXHandler sax;
	struct frame *stack;
	size_t depth, stack_cap;
	int found; /* a feed root was seen */
	enum flavor flavor;
	int in_entry;	  /* depth of the open item/entry, 0 when none */
	int in_channel;	  /* depth of channel/feed */
	int ignored;	  /* depth of the outermost ignored box, 0 none */
	int person_depth; /* depth of the open author box */
	int person_entry;
	struct person person;
	struct chorus_feed_entry entry;
	int ranks[2][F_COUNT]; /* [is_entry][field]: rank of what is set */
	int guid_permalink;
	char *guid;
	struct capture cap;
	int capturing;
	char *core_alias; /* an unknown namespace read as the core one */
	struct ns_memo memo[4];
	unsigned memo_next;
	struct made_ent **ents;
	size_t nents;
	/* the bare-'&' filter */
	int filter;		/* the encoding is ASCII-compatible */
	int fstate;		/* enum fstate */
	char quote;		/* the quote open in a tag or declaration */
	int tag_end;		/* the tag being read is an end tag */
	int decl_depth;		/* '[' nesting in a DOCTYPE */
	int depth_in;		/* element depth as the filter counts it */
	int transform;		/* body text is decoded into CDATA */
	char last_byte;		/* the byte before the current push */
	struct chorus_buf obuf; /* a push's bytes once one was replaced */
	struct chorus_buf tbuf; /* body text decoded for on_chars() */
	int spliced;
	int cr_last; /* the last byte handed to libxml2 was a '\r' */
	int amp_reported;
	long lines_done; /* newlines in the bytes the filter has passed */
	/* per enum fstate, see filter_tables() */
	unsigned char (*stops)[256]; /* shared, never written */
	const int *nstops;
	int fix_utf8; /* the document is UTF-8: repair stray bytes */
	int utf8_reported;
	int ctl_reported;
	struct chorus_buf carry;
	long xml_errors;
	int failed;
};

/* ---- tables ---- */

static int tag_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tag_def *)elem)->name);
}

static enum tag lookup_tag(const struct tag_def *t, size_t n, const char *name)
{
	const struct tag_def *d = bsearch(name, t, n, sizeof(*t), tag_cmp);

	return d ? d->tag : T_NONE;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static enum ns classify_ns_uncached(const char *uri, const char *prefix,
				    enum flavor *flavor);

/*
 * libxml2 hands namespace URIs interned in its dictionary, so the same
 * URI comes as the same pointer: a few remembered pointers spare most
 * lookups.
 */
static enum ns classify_ns(struct feed_xml *x, const char *uri,
			   const char *prefix, enum flavor *flavor)
{
	struct ns_memo *m;
	size_t i;
	enum ns ns;

	if (!uri)
		return classify_ns_uncached(uri, prefix, flavor);
	for (i = 0; i < COUNT(x->memo); i++) {
		m = &x->memo[i];
		if (m->uri == uri) {
			*flavor = m->flavor;
			return m->ns;
		}
	}
	ns = classify_ns_uncached(uri, prefix, flavor);
	m = &x->memo[x->memo_next++ % COUNT(x->memo)];
	m->uri = uri;
	m->ns = ns;
	m->flavor = *flavor;
	return ns;
}

static enum ns classify_ns_uncached(const char *uri, const char *prefix,
				    enum flavor *flavor)
{
	size_t i;

	*flavor = FL_NONE;
	if (!uri) {
		if (!prefix)
			return NS_CORE;
		for (i = 0; i < COUNT(prefix_defs); i++)
			if (!strcmp(prefix, prefix_defs[i].prefix))
				return prefix_defs[i].ns;
		return NS_OTHER;
	}
	for (i = 0; i < COUNT(ns_defs); i++)
		if (!strcmp(uri, ns_defs[i].uri)) {
			*flavor = ns_defs[i].flavor;
			return ns_defs[i].ns;
		}
	if (!*uri)
		return NS_CORE;
	if (!strcasecmp(uri, "http://www.itunes.com/dtds/podcast-1.0.dtd"))
		return NS_ITUNES;
	/* Some write the Dublin Core or RSS URIs without the final '/'. */
	if (!strncmp(uri, "http://purl.org/dc/elements/", 28))
		return NS_DC;
	if (!strncmp(uri, "http://purl.org/rss/1.0", 23))
		return NS_CORE;
	return NS_OTHER;
}

static enum tag classify(enum ns ns, const char *name)
{
	switch (ns) {
	case NS_CORE:
		return lookup_tag(core_tags, COUNT(core_tags), name);
	case NS_RDF:
		return strcmp(name, "rdf") ? T_NONE : T_RDF;
	case NS_DC:
		return lookup_tag(dc_tags, COUNT(dc_tags), name);
	case NS_DCTERMS:
		return lookup_tag(dcterms_tags, COUNT(dcterms_tags), name);
	case NS_CONTENT:
		return strcmp(name, "encoded") ? T_NONE : T_CONTENT_ENCODED;
	case NS_XHTML:
		return strcmp(name, "body") ? T_NONE : T_XHTML_BODY;
	case NS_ITUNES:
		return lookup_tag(itunes_tags, COUNT(itunes_tags), name);
	case NS_MEDIA:
		return lookup_tag(media_tags, COUNT(media_tags), name);
	case NS_OTHER:
		break;
	}
	return T_NONE;
}

/* ---- attributes ---- */

/* SAX2 attributes come as (localname, prefix, URI, value, end) 5-tuples. */
static const xmlChar **find_attr(int n, const xmlChar **attrs, const char *name,
				 const char *uri)
{
	int i;

	for (i = 0; i < n; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (strcmp((const char *)a[0], name))
			continue;
		if (uri ? (a[2] && !strcmp((const char *)a[2], uri)) : !a[2])
			return a;
	}
	return NULL;
}

/* An attribute without a namespace, its name in any case (CDF). */
static char *attr_dup_ci(int n, const xmlChar **attrs, const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (!a[2] && !strcasecmp((const char *)a[0], name))
			return feed_clean_text((const char *)a[3],
					       (size_t)(a[4] - a[3]), NULL);
	}
	return NULL;
}

/* An attribute's value into a small buffer, cut to fit. */
static void attr_copy(const xmlChar **a, char *out, size_t cap)
{
	size_t n = (size_t)(a[4] - a[3]);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, a[3], n);
	out[n] = '\0';
}

/* A copy of an attribute's value, cleaned; NULL when absent. */
static char *attr_dup(int n, const xmlChar **attrs, const char *name,
		      const char *uri)
{
	const xmlChar **a = find_attr(n, attrs, name, uri);

	char *v, *r, *w;

	if (!a)
		return NULL;
	v = feed_clean_text((const char *)a[3], (size_t)(a[4] - a[3]), NULL);
	/* Without entity substitution libxml2 leaves "&#38;" for a '&'
	 * written as a character reference in an attribute. */
	if (v && (r = strstr(v, "&#38;"))) {
		for (w = r; *r;) {
			if (!strncmp(r, "&#38;", 5)) {
				*w++ = '&';
				r += 5;
			} else {
				*w++ = *r++;
			}
		}
		*w = '\0';
	}
	return v;
}

static int attr_is(int n, const xmlChar **attrs, const char *name,
		   const char *value)
{
	const xmlChar **a = find_attr(n, attrs, name, NULL);
	size_t len;

	if (!a)
		return 0;
	len = (size_t)(a[4] - a[3]);
	return strlen(value) == len &&
	       !strncasecmp((const char *)a[3], value, len);
}

/* ---- state helpers ---- */

static long line_now(struct feed_xml *x)
{
	return (long)xmlSAX2GetLineNumber(x->ctxt);
}

static void fail(struct feed_xml *x, int rc)
{
	if (!x->failed)
		x->failed = rc;
	xmlStopParser(x->ctxt);
}

static struct frame *top(struct feed_xml *x)
{
	return x->depth ? &x->stack[x->depth - 1] : NULL;
}

static const char *cur_base(struct feed_xml *x)
{
	struct frame *f = top(x);

	return f ? f->base : x->b->opt.base_url;
}

static const char *cur_lang(struct feed_xml *x)
{
	struct frame *f = top(x);

	return f ? f->lang : NULL;
}

/* Replace *slot with v (owned) when rank beats what is there. */
static void set_field(struct feed_xml *x, int is_entry, enum field f, int rank,
		      char **slot, char *v)
{
	if (!v)
		return;
	if (*slot && x->ranks[is_entry][f] > rank) {
		free(v);
		return;
	}
	free(*slot);
	*slot = v;
	x->ranks[is_entry][f] = rank;
}

static void set_date(struct feed_xml *x, int is_entry, enum field f, int rank,
		     const char *s, long line)
{
	struct chorus_feed *feed = x->b->feed;
	struct chorus_feed_entry *e = &x->entry;
	int64_t t;
	int64_t *slot;
	int *has;

	if (feed_parse_date(x->b, line, s, &t))
		return;
	if (is_entry) {
		slot = f == F_PUBLISHED ? &e->published : &e->updated;
		has = f == F_PUBLISHED ? &e->has_published : &e->has_updated;
	} else {
		if (f == F_PUBLISHED)
			return; /* a feed has no published of its own */
		slot = &feed->updated;
		has = &feed->has_updated;
	}
	if (*has && x->ranks[is_entry][f] > rank)
		return;
	*slot = t;
	*has = 1;
	x->ranks[is_entry][f] = rank;
}

static int add_string(char ***list, size_t *n, char *s)
{
	char **l;

	if (!s)
		return CHORUS_ENOMEM;
	if (!*s) {
		free(s);
		return 0;
	}
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l) {
		free(s);
		return CHORUS_ENOMEM;
	}
	l[(*n)++] = s;
	*list = l;
	return 0;
}

static void add_enclosure(struct feed_xml *x, char *url, char *type,
			  const char *length)
{
	struct chorus_feed_entry *e = &x->entry;
	struct chorus_feed_enclosure *n;
	int64_t len = -1;

	if (!url || !*url) {
		free(url);
		free(type);
		return;
	}
	if (length) {
		const char *p = length;
		int64_t v = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (isdigit((unsigned char)*p)) {
			while (isdigit((unsigned char)*p) &&
			       v < INT64_MAX / 10 - 10)
				v = v * 10 + (*p++ - '0');
			len = v;
		}
	}
	n = realloc(e->enclosures, (e->nenclosures + 1) * sizeof(*n));
	if (!n) {
		free(url);
		free(type);
		fail(x, CHORUS_ENOMEM);
		return;
	}
	e->enclosures = n;
	n[e->nenclosures].url = url;
	n[e->nenclosures].type = type && *type ? type : NULL;
	if (type && !*type)
		free(type);
	n[e->nenclosures].length = len;
	e->nenclosures++;
}

/* ---- entries ---- */

static void person_clear(struct person *p)
{
	free(p->name);
	free(p->email);
	free(p->uri);
	memset(p, 0, sizeof(*p));
}

/* feedparser's rendering of a person: "Name (email)", "Name", "email". */
static char *person_string(const struct person *p)
{
	struct chorus_buf b;

	if (p->name && *p->name && p->email && *p->email) {
		chorus_buf_init(&b, 0);
		if (chorus_buf_printf(&b, "%s (%s)", p->name, p->email)) {
			chorus_buf_release(&b);
			return NULL;
		}
		return chorus_buf_detach(&b, NULL);
	}
	if (p->name && *p->name)
		return chorus_strdup(p->name);
	if (p->email && *p->email)
		return chorus_strdup(p->email);
	return NULL;
}

static void entry_begin(struct feed_xml *x)
{
	chorus_feed_entry_release(&x->entry);
	memset(x->ranks[1], 0, sizeof(x->ranks[1]));
	free(x->guid);
	x->guid = NULL;
	x->guid_permalink = 0;
	x->in_entry = (int)x->depth;
}

static void entry_end(struct feed_xml *x)
{
	struct chorus_feed_entry *e = &x->entry;

	/* An RSS guid that is a permalink stands for the link. */
	if (x->guid && !e->id)
		e->id = chorus_strdup(x->guid);
	if (x->guid && !e->link && x->guid_permalink &&
	    (!strncmp(x->guid, "http://", 7) ||
	     !strncmp(x->guid, "https://", 8)))
		e->link = chorus_strdup(x->guid);
	if (!e->language && cur_lang(x))
		e->language = chorus_strdup(cur_lang(x));
	x->in_entry = 0;
	if (feed_emit_entry(x->b, e))
		xmlStopParser(x->ctxt);
	free(x->guid);
	x->guid = NULL;
}

/* ---- capture ---- */

static void cap_start(struct feed_xml *x, enum field f, int is_entry, int rank,
		      enum cap_mode mode, enum feed_text_type type)
{
	struct capture *c = &x->cap;

	c->field = f;
	c->depth = (int)x->depth;
	c->mode = mode;
	c->type = type;
	c->is_entry = is_entry;
	c->rank = rank;
	c->rss_text = 0;
	c->had_children = 0;
	c->simple = f != F_TITLE && f != F_SUMMARY && f != F_CONTENT;
	c->line = line_now(x);
	chorus_buf_reset(&c->buf);
	x->capturing = 1;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 in place; invalid characters are skipped. */
static void base64_decode(struct chorus_buf *b)
{
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0;

	for (i = 0; i < b->len; i++) {
		int v = b64val((unsigned char)b->data[i]);

		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b->data[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	b->len = o;
	if (b->data)
		b->data[o] = '\0';
}

/* Hand over *v (the caller owns it now). */
static char *take(char **v)
{
	char *s = *v;

	*v = NULL;
	return s;
}

static void cap_end(struct feed_xml *x)
{
	struct capture *c = &x->cap;
	struct chorus_feed *feed = x->b->feed;
	struct chorus_feed_entry *e = &x->entry;
	enum feed_text_type type;
	int repaired = 0, ie = c->is_entry;
	char *v, *out = NULL;

	x->capturing = 0;
	if (c->mode == CAP_BASE64)
		base64_decode(&c->buf);
	/*
	 * Base64 and UTF-16/32 documents were not checked by the filter;
	 * and once libxml2 has had to recover, what it hands on is checked
	 * again rather than trusted.
	 */
	v = c->mode == CAP_BASE64 || !x->fix_utf8 || x->xml_errors
		? feed_clean_text(c->buf.data ? c->buf.data : "", c->buf.len,
				  &repaired)
		: feed_clean_decoded(c->buf.data ? c->buf.data : "", c->buf.len,
				     &repaired);
	if (!v) {
		fail(x, CHORUS_ENOMEM);
		return;
	}
	if (repaired)
		feed_error(x->b, c->line, "invalid characters replaced");
	type = c->mode == CAP_TEXT ? c->type : FEED_TEXT_HTML;
	if (c->mode == CAP_BASE64)
		type = c->type;
	if (type == FEED_TEXT_PLAIN && c->rss_text && feed_looks_like_html(v))
		type = FEED_TEXT_HTML;
	switch (c->field) {
	case F_TITLE:
		out = type == FEED_TEXT_PLAIN ? take(&v)
					      : feed_make_text(v, type);
		if (out && !*out) {
			free(out);
			out = NULL;
		}
		set_field(x, ie, F_TITLE, c->rank,
			  ie ? &e->title : &feed->title, out);
		break;
	case F_LINK:
		if (*v) {
			out = feed_resolve_url(cur_base(x), v);
			set_field(x, ie, F_LINK, c->rank,
				  ie ? &e->link : &feed->link, out);
		}
		break;
	case F_ID:
		/* An id written as a path is relative to the document. */
		if (*v)
			set_field(x, ie, F_ID, c->rank, ie ? &e->id : &feed->id,
				  v[0] == '/' && cur_base(x)
				      ? feed_resolve_url(cur_base(x), v)
				      : take(&v));
		break;
	case F_GUID:
		if (*v && !x->guid) {
			x->guid = chorus_strdup(v);
			set_field(x, 1, F_ID, c->rank, &e->id, take(&v));
		}
		break;
	case F_PUBLISHED:
	case F_UPDATED:
		set_date(x, ie, c->field, c->rank, v, c->line);
		break;
	case F_FEED_PUBDATE:
		set_date(x, 0, F_UPDATED, 1, v, c->line);
		break;
	case F_AUTHOR:
		if (*v)
			set_field(x, ie, F_AUTHOR, c->rank,
				  ie ? &e->author : &feed->author, take(&v));
		break;
	case F_SUMMARY:
	case F_CONTENT:
		if (ie && (*v || c->field == F_CONTENT)) {
			out = type == FEED_TEXT_HTML && x->b->opt.raw_html
				  ? take(&v)
				  : feed_make_html(x->b, v, type, cur_base(x));
			set_field(x, 1, c->field, c->rank,
				  c->field == F_SUMMARY ? &e->summary
							: &e->content,
				  out);
		}
		break;
	case F_LANGUAGE:
		for (out = v; *out; out++)
			if (*out == '_')
				*out = '-'; /* en_US is en-US */
		out = NULL;
		if (*v)
			set_field(x, ie, F_LANGUAGE, c->rank,
				  ie ? &e->language : &feed->language,
				  take(&v));
		break;
	case F_CATEGORY:
		if (ie && add_string(&e->categories, &e->ncategories, take(&v)))
			fail(x, CHORUS_ENOMEM);
		break;
	case F_PERSON_NAME:
		if (!x->person.name)
			x->person.name = take(&v);
		break;
	case F_PERSON_EMAIL:
		if (!x->person.email)
			x->person.email = take(&v);
		break;
	case F_PERSON_URI:
		if (!x->person.uri)
			x->person.uri = take(&v);
		break;
	case F_NONE:
	case F_COUNT:
		break;
	}
	free(v);
}

/* The mode an Atom text construct's type/mode attributes ask for. */
static enum cap_mode atom_mode(int n, const xmlChar **attrs,
			       enum feed_text_type *type, int atom03)
{
	const xmlChar **t = find_attr(n, attrs, "type", NULL);
	const xmlChar **m = find_attr(n, attrs, "mode", NULL);
	char tv[64] = "", mv[16] = "";

	if (t)
		attr_copy(t, tv, sizeof(tv));
	if (m)
		attr_copy(m, mv, sizeof(mv));
	*type = FEED_TEXT_PLAIN;
	if (strstr(tv, "xhtml") || (atom03 && !*tv && !strcmp(mv, "xml")))
		*type = FEED_TEXT_HTML;
	else if (strstr(tv, "html"))
		*type = FEED_TEXT_HTML;
	if (!strcmp(mv, "base64"))
		return CAP_BASE64;
	/* Atom 1.0: a MIME type that is neither text nor XML is base64. */
	if (*tv && strcmp(tv, "text") && strcmp(tv, "html") &&
	    strcmp(tv, "xhtml") && strncmp(tv, "text/", 5) &&
	    !strstr(tv, "xml"))
		return CAP_BASE64;
	if (!strcmp(mv, "escaped"))
		return *type == FEED_TEXT_HTML ? CAP_HTML : CAP_TEXT;
	if (strstr(tv, "xhtml"))
		return CAP_XHTML;
	if (*type == FEED_TEXT_HTML)
		return CAP_HTML;
	return CAP_TEXT;
}

/* ---- serialising inline markup ---- */

static void ser_start(struct feed_xml *x, const xmlChar *name, int nattr,
		      const xmlChar **attrs)
{
	struct chorus_buf *b = &x->cap.buf;
	int i, rc;

	rc = chorus_buf_addc(b, '<');
	rc = rc ? rc : chorus_buf_adds(b, (const char *)name);
	for (i = 0; !rc && i < nattr; i++) {
		const xmlChar **a = attrs + 5 * i;

		rc = chorus_buf_addc(b, ' ');
		if (!rc && a[1]) {
			rc = chorus_buf_adds(b, (const char *)a[1]);
			rc = rc ? rc : chorus_buf_addc(b, ':');
		}
		rc = rc ? rc : chorus_buf_adds(b, (const char *)a[0]);
		rc = rc ? rc : chorus_buf_adds(b, "=\"");
		if (!rc) {
			/* libxml2's recovery can leave bytes that are not
			 * UTF-8 in attribute values (found by fuzzing). */
			char *v = feed_clean_text((const char *)a[3],
						  (size_t)(a[4] - a[3]), NULL);

			rc = v ? chorus_buf_add_escaped(b, v, strlen(v),
							CHORUS_ESCAPE_QUOTE)
			       : CHORUS_ENOMEM;
			free(v);
		}
		rc = rc ? rc : chorus_buf_addc(b, '"');
	}
	rc = rc ? rc : chorus_buf_addc(b, '>');
	if (rc)
		fail(x, rc);
}

/* CDF puts a channel's or item's link and date in attributes. */
static void cdf_attrs(struct feed_xml *x, int ie, int n, const xmlChar **attrs)
{
	char *href = attr_dup_ci(n, attrs, "href");
	char *lastmod = attr_dup_ci(n, attrs, "lastmod");

	if (href && *href)
		set_field(x, ie, F_LINK, 0,
			  ie ? &x->entry.link : &x->b->feed->link,
			  feed_resolve_url(cur_base(x), href));
	if (lastmod)
		set_date(x, ie, F_UPDATED, 0, lastmod, line_now(x));
	free(href);
	free(lastmod);
}

/* ---- SAX callbacks ---- */

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_ns, const xmlChar **namespaces,
		     int nb_attr, int nb_def, const xmlChar **attrs)
{
	struct feed_xml *x = ctx;
	struct frame *f, *parent;
	const char *name = (const char *)localname;
	char lname[64];
	enum flavor flavor;
	enum ns ns;
	enum tag tag;
	const xmlChar **a;
	int ie;

	(void)nb_ns;
	(void)namespaces;
	(void)nb_def;
	/*
	 * libxml2 (2.9) stops delivering entity references once a document
	 * is known not to be well-formed; the error has been recorded, and
	 * the reader goes on reading as feed readers do.
	 */
	x->ctxt->wellFormed = 1;
	if (x->failed)
		return;
	if (x->depth == x->stack_cap) {
		size_t cap = x->stack_cap ? x->stack_cap * 2 : 32;
		struct frame *s = realloc(x->stack, cap * sizeof(*s));

		if (!s) {
			fail(x, CHORUS_ENOMEM);
			return;
		}
		x->stack = s;
		x->stack_cap = cap;
	}
	parent = top(x); /* after the stack may have moved */
	f = &x->stack[x->depth];
	memset(f, 0, sizeof(*f));
	f->base = parent ? parent->base : (char *)x->b->opt.base_url;
	f->lang = parent ? parent->lang : NULL;
	a = find_attr(nb_attr, attrs, "base", (const char *)XML_XML_NAMESPACE);
	if (a) {
		char *v = feed_clean_text((const char *)a[3],
					  (size_t)(a[4] - a[3]), NULL);

		if (v) {
			f->base = feed_resolve_url(f->base, v);
			f->own_base = f->base != NULL;
			free(v);
		}
	}
	a = find_attr(nb_attr, attrs, "lang", (const char *)XML_XML_NAMESPACE);
	if (a) {
		f->lang = feed_clean_text((const char *)a[3],
					  (size_t)(a[4] - a[3]), NULL);
		f->own_lang = f->lang != NULL;
		for (char *q = f->lang; q && *q; q++)
			if (*q == '_')
				*q = '-';
		if (f->lang && !*f->lang) {
			free(f->lang);
			f->lang = NULL;
			f->own_lang = 0;
		}
	}
	x->depth++;

	/* Inside a captured element: markup to keep, or to ignore. */
	if (x->capturing && x->person_depth && x->cap.field == F_AUTHOR &&
	    x->cap.depth == x->person_depth) {
		/* An author with child elements is an Atom person box. */
		x->capturing = 0;
		chorus_buf_reset(&x->cap.buf);
	}
	if (x->capturing) {
		struct capture *c = &x->cap;

		if (c->simple)
			return;
		if (c->mode == CAP_TEXT) {
			/* Text with child elements is really markup. */
			struct chorus_buf esc;

			chorus_buf_init(&esc, 0);
			if (chorus_buf_add_escaped(
				&esc, c->buf.data ? c->buf.data : "",
				c->buf.len, CHORUS_ESCAPE_QUOTE)) {
				fail(x, CHORUS_ENOMEM);
				return;
			}
			chorus_buf_release(&c->buf);
			c->buf = esc;
			c->mode = CAP_XHTML;
		}
		if (c->mode == CAP_BASE64)
			return;
		c->had_children = 1;
		if ((int)x->depth == c->depth + 1 && !c->buf.len &&
		    !strcmp(name, "div") && uri &&
		    !strcmp((const char *)uri,
			    "http://www.w3.org/1999/xhtml")) {
			f->strip = 1; /* Atom's xhtml wrapper */
			return;
		}
		ser_start(x, localname, nb_attr, attrs);
		return;
	}

	/* Element names are read without regard to case, as feedparser
	 * does (CDF writes them in capitals, some RSS too). */
	{
		size_t i;

		for (i = 0; name[i] && i + 1 < sizeof(lname); i++)
			lname[i] = (char)tolower((unsigned char)name[i]);
		lname[i] = '\0';
		if (name[i])
			lname[0] = '\0';
		name = lname;
	}
	ns = classify_ns(x, (const char *)uri, (const char *)prefix, &flavor);
	if (ns == NS_OTHER && uri) {
		/*
		 * A feed root in an unknown namespace (a draft Atom URI, a
		 * vendor's own): read that namespace as the core vocabulary.
		 */
		if (x->core_alias && !strcmp((const char *)uri, x->core_alias))
			ns = NS_CORE;
		else if (!x->found && x->depth == 1 &&
			 (!strcmp(name, "feed") || !strcmp(name, "rss") ||
			  !strcmp(name, "channel"))) {
			free(x->core_alias);
			x->core_alias = chorus_strdup((const char *)uri);
			ns = NS_CORE;
		}
	}
	tag = classify(ns, name);
	f->tag = tag;
	f->ns = ns;
	if (tag == T_NONE)
		return;

	/* Containers and the format. */
	switch (tag) {
	case T_RSS:
	case T_RDF:
	case T_FEED:
		if (x->depth == 1 || !x->found) {
			struct chorus_feed *feed = x->b->feed;

			x->found = 1;
			if (tag == T_FEED) {
				x->flavor = flavor == FL_ATOM03 ||
						    attr_is(nb_attr, attrs,
							    "version", "0.3")
						? FL_ATOM03
						: FL_ATOM10;
				feed->format = x->flavor == FL_ATOM03
						   ? CHORUS_FEED_ATOM03
						   : CHORUS_FEED_ATOM10;
				x->in_channel = (int)x->depth;
			} else if (tag == T_RDF) {
				feed->format = CHORUS_FEED_RSS10;
			} else {
				static const struct {
					const char *v;
					enum chorus_feed_format f;
				} versions[] = {
				    {"0.90", CHORUS_FEED_RSS090},
				    {"0.91", CHORUS_FEED_RSS091},
				    {"0.92", CHORUS_FEED_RSS092},
				    {"0.93", CHORUS_FEED_RSS093},
				    {"0.94", CHORUS_FEED_RSS094},
				};
				size_t i;

				feed->format = CHORUS_FEED_RSS20;
				for (i = 0; i < COUNT(versions); i++)
					if (attr_is(nb_attr, attrs, "version",
						    versions[i].v))
						feed->format = versions[i].f;
			}
			if (f->lang && !feed->language)
				feed->language = chorus_strdup(f->lang);
		}
		return;
	case T_CHANNEL:
		if (!x->found) {
			x->found = 1;
			x->b->feed->format = CHORUS_FEED_RSS20;
		}
		if (x->b->feed->format == CHORUS_FEED_RSS10 &&
		    flavor == FL_RSS090)
			x->b->feed->format = CHORUS_FEED_RSS090;
		x->in_channel = (int)x->depth;
		if (f->lang && !x->b->feed->language)
			x->b->feed->language = chorus_strdup(f->lang);
		cdf_attrs(x, 0, nb_attr, attrs);
		return;
	case T_ITEM:
	case T_ENTRY:
		if (!x->found || x->in_entry || x->ignored)
			return;
		if (x->b->feed->format == CHORUS_FEED_RSS10 &&
		    flavor == FL_RSS090)
			x->b->feed->format = CHORUS_FEED_RSS090;
		entry_begin(x);
		{
			char *about = attr_dup(nb_attr, attrs, "about",
					       "http://www.w3.org/1999/"
					       "02/22-rdf-syntax-ns#");

			if (about && *about)
				set_field(x, 1, F_ID, 1, &x->entry.id, about);
			else
				free(about);
		}
		cdf_attrs(x, 1, nb_attr, attrs);
		return;
	case T_IGNORED_BOX:
		if (!x->ignored)
			x->ignored = (int)x->depth;
		return;
	default:
		break;
	}
	if (!x->found || x->ignored)
		return;
	ie = x->in_entry != 0;
	if (!ie && !x->in_channel && x->b->feed->format != CHORUS_FEED_RSS10)
		return;

	/* Fields inside an Atom author/contributor box. */
	if (x->person_depth) {
		if ((int)x->depth != x->person_depth + 1)
			return;
		if (tag == T_NAME)
			cap_start(x, F_PERSON_NAME, ie, 1, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		else if (tag == T_EMAIL)
			cap_start(x, F_PERSON_EMAIL, ie, 1, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		else if (tag == T_URI)
			cap_start(x, F_PERSON_URI, ie, 1, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		return;
	}

	switch (tag) {
	case T_SUMMARY:
		if (ie &&
		    !(x->flavor == FL_ATOM10 || x->flavor == FL_ATOM03 ||
		      flavor == FL_ATOM10 || flavor == FL_ATOM03) &&
		    x->entry.summary) {
			/* RSS with both description and summary: the
			 * second is the content. */
			cap_start(x, F_CONTENT, 1, 0, CAP_HTML, FEED_TEXT_HTML);
			return;
		}
		/* fall through */
	case T_TITLE:
	case T_CONTENT: {
		enum feed_text_type type;
		enum cap_mode mode;
		int atom = x->flavor == FL_ATOM10 || x->flavor == FL_ATOM03 ||
			   flavor == FL_ATOM10 || flavor == FL_ATOM03;
		enum field fld = tag == T_TITLE	    ? F_TITLE
				 : tag == T_SUMMARY ? F_SUMMARY
						    : F_CONTENT;

		if (tag == T_CONTENT && find_attr(nb_attr, attrs, "src", NULL))
			return;
		mode = atom_mode(nb_attr, attrs, &type,
				 x->flavor == FL_ATOM03 || flavor == FL_ATOM03);
		cap_start(x, fld, ie, 3, mode, type);
		x->cap.rss_text = !atom;
		return;
	}
	case T_DESCRIPTION:
		/* RSS description is HTML; in a channel it is the tagline. */
		if (ie && x->entry.summary && x->ranks[1][F_SUMMARY] >= 3)
			cap_start(x, F_CONTENT, 1, 0, CAP_HTML, FEED_TEXT_HTML);
		else if (ie)
			cap_start(x, F_SUMMARY, 1, 2, CAP_HTML, FEED_TEXT_HTML);
		return;
	case T_FULLITEM:
		if (ie)
			cap_start(x, F_CONTENT, 1, 1, CAP_HTML, FEED_TEXT_HTML);
		return;
	case T_MEDIA_TITLE:
		cap_start(x, F_TITLE, ie, 0, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_MEDIA_CATEGORY:
		if (ie)
			cap_start(x, F_CATEGORY, 1, 1, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		return;
	case T_DC_DESCRIPTION:
		if (ie)
			cap_start(x, F_SUMMARY, 1, 1, CAP_HTML, FEED_TEXT_HTML);
		return;
	case T_ITUNES_SUMMARY:
		if (ie)
			cap_start(x, F_SUMMARY, 1, 0, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		return;
	case T_CONTENT_ENCODED:
		if (ie)
			cap_start(x, F_CONTENT, 1, 2, CAP_HTML, FEED_TEXT_HTML);
		return;
	case T_XHTML_BODY:
		if (ie) {
			cap_start(x, F_CONTENT, 1, 1, CAP_XHTML,
				  FEED_TEXT_HTML);
			x->cap.had_children = 1;
		}
		return;
	case T_DC_TITLE:
		cap_start(x, F_TITLE, ie, 1, CAP_TEXT, FEED_TEXT_PLAIN);
		x->cap.rss_text = 1;
		return;
	case T_LINK: {
		char *href = attr_dup(nb_attr, attrs, "href", NULL);
		const xmlChar **rel;
		char relv[32] = "alternate";

		rel = find_attr(nb_attr, attrs, "rel", NULL);
		if (rel)
			attr_copy(rel, relv, sizeof(relv));
		if (!href) {
			/* RSS: the link is the element's text. */
			if (!strcmp(relv, "alternate"))
				cap_start(x, F_LINK, ie, 2, CAP_TEXT,
					  FEED_TEXT_PLAIN);
			return;
		}
		if (!strcmp(relv, "alternate")) {
			char *abs = feed_resolve_url(f->base, href);

			/* Atom: the first alternate link is the link. */
			set_field(x, ie, F_LINK, 1,
				  ie ? &x->entry.link : &x->b->feed->link, abs);
		} else if (!strcmp(relv, "enclosure") && ie) {
			char *len = attr_dup(nb_attr, attrs, "length", NULL);

			add_enclosure(x, feed_resolve_url(f->base, href),
				      attr_dup(nb_attr, attrs, "type", NULL),
				      len);
			free(len);
		}
		free(href);
		return;
	}
	case T_GUID:
		if (ie) {
			x->guid_permalink =
			    !attr_is(nb_attr, attrs, "isPermaLink", "false");
			cap_start(x, F_GUID, 1, 3, CAP_TEXT, FEED_TEXT_PLAIN);
		}
		return;
	case T_ID:
		cap_start(x, F_ID, ie, 3, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_DC_IDENTIFIER:
		cap_start(x, F_ID, ie, 0, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_PUBLISHED:
		cap_start(x, F_PUBLISHED, ie, 3, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_ISSUED:
		cap_start(x, F_PUBLISHED, ie, 2, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_PUBDATE:
		if (ie)
			cap_start(x, F_PUBLISHED, 1, 2, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		else
			cap_start(x, F_FEED_PUBDATE, 0, 1, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		return;
	case T_DCT_ISSUED:
		cap_start(x, F_PUBLISHED, ie, 1, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_CREATED:
		cap_start(x, F_PUBLISHED, ie, 0, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_UPDATED:
		cap_start(x, F_UPDATED, ie, 4, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_MODIFIED:
		cap_start(x, F_UPDATED, ie, 3, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_LASTBUILDDATE:
		cap_start(x, F_UPDATED, ie, 2, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_DC_DATE:
		cap_start(x, F_UPDATED, ie, 2, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_DCT_MODIFIED:
		cap_start(x, F_UPDATED, ie, 1, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_AUTHOR:
	case T_CONTRIBUTOR:
		/* Atom: a box of name/email/uri; RSS: text. */
		if (tag == T_CONTRIBUTOR && !(ie || x->in_channel))
			return;
		x->person_depth = (int)x->depth;
		x->person_entry = ie;
		person_clear(&x->person);
		if (tag == T_AUTHOR)
			cap_start(x, F_AUTHOR, ie, 3, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		else
			f->tag = T_CONTRIBUTOR;
		return;
	case T_DC_CREATOR:
		cap_start(x, F_AUTHOR, ie, 2, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_MANAGINGEDITOR:
		if (!ie)
			cap_start(x, F_AUTHOR, 0, 1, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_ITUNES_AUTHOR:
		cap_start(x, F_AUTHOR, ie, 0, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_LANGUAGE:
		cap_start(x, F_LANGUAGE, ie, 2, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_DC_LANGUAGE:
		cap_start(x, F_LANGUAGE, ie, 1, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_CATEGORY:
		if (!ie)
			return;
		{
			char *term = attr_dup(nb_attr, attrs, "term", NULL);

			if (term) { /* Atom */
				if (add_string(&x->entry.categories,
					       &x->entry.ncategories, term))
					fail(x, CHORUS_ENOMEM);
				return;
			}
		}
		cap_start(x, F_CATEGORY, 1, 1, CAP_TEXT, FEED_TEXT_PLAIN);
		return;
	case T_DC_SUBJECT:
		if (ie)
			cap_start(x, F_CATEGORY, 1, 1, CAP_TEXT,
				  FEED_TEXT_PLAIN);
		return;
	case T_ITUNES_CATEGORY:
		if (ie) {
			char *text = attr_dup(nb_attr, attrs, "text", NULL);

			if (text && add_string(&x->entry.categories,
					       &x->entry.ncategories, text))
				fail(x, CHORUS_ENOMEM);
		}
		return;
	case T_ENCLOSURE:
		if (ie) {
			char *url = attr_dup(nb_attr, attrs, "url", NULL);
			char *len = attr_dup(nb_attr, attrs, "length", NULL);

			add_enclosure(
			    x, url ? feed_resolve_url(f->base, url) : NULL,
			    attr_dup(nb_attr, attrs, "type", NULL), len);
			free(url);
			free(len);
		}
		return;
	default:
		return;
	}
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct feed_xml *x = ctx;
	struct frame *f = top(x);

	(void)prefix;
	(void)uri;
	x->ctxt->wellFormed = 1;
	if (!f || x->failed)
		return;
	if (x->capturing) {
		struct capture *c = &x->cap;

		if ((int)x->depth == c->depth) {
			cap_end(x);
		} else if (!f->strip && !c->simple && c->mode != CAP_BASE64) {
			int rc = chorus_buf_adds(&c->buf, "</");

			rc = rc ? rc
				: chorus_buf_adds(&c->buf,
						  (const char *)localname);
			rc = rc ? rc : chorus_buf_addc(&c->buf, '>');
			if (rc)
				fail(x, rc);
		}
	}
	if ((int)x->depth == x->person_depth) {
		/* An Atom person box closes: its name (email) is the author. */
		if (f->tag == T_AUTHOR && (x->person.name || x->person.email)) {
			char *s = person_string(&x->person);

			if (s)
				set_field(x, x->person_entry, F_AUTHOR, 4,
					  x->person_entry ? &x->entry.author
							  : &x->b->feed->author,
					  s);
		}
		person_clear(&x->person);
		x->person_depth = 0;
	}
	if ((int)x->depth == x->ignored)
		x->ignored = 0;
	if ((int)x->depth == x->in_entry)
		entry_end(x);
	if ((int)x->depth == x->in_channel)
		x->in_channel = 0;
	if (f->own_base)
		free(f->base);
	if (f->own_lang)
		free(f->lang);
	x->depth--;
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct feed_xml *x = ctx;
	struct capture *c = &x->cap;
	int rc;

	x->ctxt->wellFormed = 1;
	if (!x->capturing || x->failed)
		return;
	if (c->simple && (int)x->depth != c->depth)
		return;
	if (c->mode == CAP_XHTML)
		rc = chorus_buf_add_escaped(&c->buf, (const char *)ch,
					    (size_t)len, CHORUS_ESCAPE_QUOTE);
	else
		rc = chorus_buf_add(&c->buf, ch, (size_t)len);
	if (rc == CHORUS_ETOOBIG) {
		feed_error(x->b, line_now(x), "a field over the size cap");
		x->capturing = 0;
	} else if (rc) {
		fail(x, rc);
	}
}

static struct made_ent *find_made(struct feed_xml *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->nents; i++)
		if (!strcmp(x->ents[i]->name, name))
			return x->ents[i];
	return NULL;
}

static struct made_ent *make_ent(struct feed_xml *x, const char *name,
				 const char *content, size_t len)
{
	struct made_ent *m, **l;

	if (x->nents >= MAX_MADE_ENTS)
		return NULL;
	l = realloc(x->ents, (x->nents + 1) * sizeof(*l));
	if (!l)
		return NULL;
	x->ents = l;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->name = chorus_strdup(name);
	m->content = chorus_strndup(content, len);
	if (!m->name || !m->content) {
		free(m->name);
		free(m->content);
		free(m);
		return NULL;
	}
	m->ent.type = XML_ENTITY_DECL;
	m->ent.name = (const xmlChar *)m->name;
	m->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
	m->ent.content = (xmlChar *)m->content;
	m->ent.orig = (xmlChar *)m->content;
	m->ent.length = (int)len;
	x->ents[x->nents++] = m;
	return m;
}

/*
 * Entity declarations: a general entity whose value is plain text (no
 * references, no markup, short) is kept and read as that text; anything
 * else (external, nested like "billion laughs", parameter entities) is
 * never expanded.
 */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
			   const xmlChar *public_id, const xmlChar *system_id,
			   xmlChar *content)
{
	struct feed_xml *x = ctx;
	struct made_ent *m;
	size_t len;

	(void)public_id;
	if (type == XML_INTERNAL_PARAMETER_ENTITY ||
	    type == XML_EXTERNAL_PARAMETER_ENTITY)
		return;
	if (type != XML_INTERNAL_GENERAL_ENTITY || !content || system_id) {
		feed_error(x->b, line_now(x),
			   "external entity &%.40s; not loaded",
			   (const char *)name);
		return;
	}
	len = strlen((const char *)content);
	if (len > MAX_DECLARED_LEN || strchr((const char *)content, '&') ||
	    strchr((const char *)content, '<')) {
		feed_error(x->b, line_now(x),
			   "entity &%.40s; not expanded: it holds references "
			   "or markup",
			   (const char *)name);
		return;
	}
	if (find_made(x, (const char *)name))
		return; /* the first declaration binds (XML 1.0, 4.2) */
	m = make_ent(x, (const char *)name, (const char *)content, len);
	if (m)
		m->declared = 1;
}

/*
 * How many bytes of s to keep of at most max: fewer where the cut would
 * fall inside a UTF-8 sequence, which is then left out whole (a message
 * or text cut there would not be UTF-8).
 */
static int utf8_cut(const char *s, int max)
{
	int n = (int)strnlen(s, (size_t)max);

	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	struct feed_xml *x = ctx;
	xmlEntityPtr e = xmlGetPredefinedEntity(name);
	const htmlEntityDesc *d;
	struct made_ent *m;
	char utf8[8], lit[48];
	unsigned c;
	size_t n = 0;
	int cut;

	if (e)
		return e;
	m = find_made(x, (const char *)name);
	if (m)
		return &m->ent;
	d = htmlEntityLookup(name);
	if (d) {
		c = d->value;
		if (c < 0x80) {
			utf8[n++] = (char)c;
		} else if (c < 0x800) {
			utf8[n++] = (char)(0xc0 | (c >> 6));
			utf8[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			utf8[n++] = (char)(0xe0 | (c >> 12));
			utf8[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			utf8[n++] = (char)(0x80 | (c & 0x3f));
		}
		m = make_ent(x, (const char *)name, utf8, n);
		return m ? &m->ent : NULL;
	}
	/* Undefined: keep it as the text it was, as browsers do (a long
	 * name cut, between characters). */
	cut = utf8_cut((const char *)name, 40);
	feed_error(x->b, line_now(x), "undefined entity &%.*s;", cut,
		   (const char *)name);
	snprintf(lit, sizeof(lit), "&%.*s;", cut, (const char *)name);
	m = make_ent(x, (const char *)name, lit, strlen(lit));
	return m ? &m->ent : NULL;
}

static xmlParserInputPtr on_resolve(void *ctx, const xmlChar *public_id,
				    const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	return NULL; /* never load anything */
}

static void on_error(void *ctx, xmlErrorPtr error)
{
	struct feed_xml *x = ctx;
	char msg[200];
	size_t n;

	if (!error || error->level < XML_ERR_ERROR)
		return;
	/* Undefined entities were reported by on_get_entity. */
	if (error->code == XML_ERR_UNDECLARED_ENTITY ||
	    error->code == XML_WAR_UNDECLARED_ENTITY)
		return;
	x->xml_errors++;
	if (x->xml_errors > 10000) {
		/* Not a feed but noise: stop rather than churn. */
		xmlStopParser(x->ctxt);
		return;
	}
	snprintf(msg, sizeof(msg), "%s", error->message ? error->message : "");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	feed_error(x->b, error->line, "not well-formed: %s", msg);
}

/* ---- the input filter ---- */

/*
 * Every byte goes through a small state machine before libxml2 sees it.
 * It repairs what feeds get wrong (a bare '&', "&#X41;", control
 * characters, bytes that are not UTF-8 in a UTF-8 document) and, in the
 * body of a UTF-8 document, hands text that holds references or non-ASCII
 * characters to libxml2 as CDATA with the references already decoded:
 * libxml2 2.9 reads such text one character at a time through a slow
 * path, but passes CDATA through in blocks, which makes the parse about
 * twice as fast on real feeds. Documents that declare entities keep
 * libxml2's own reading of text.
 */
enum fstate {
	FS_TEXT,    /* character data (or the prolog) */
	FS_TAG,	    /* inside <...> of a start or end tag */
	FS_CDATA,   /* inside <![CDATA[ ... ]]> */
	FS_COMMENT, /* inside <!-- ... --> */
	FS_PI,	    /* inside <? ... ?> */
	FS_DECL,    /* inside <!DOCTYPE ...> and its internal subset */
	FS_BODY,    /* character data inside the root, being decoded */
	FS_INNER,   /* (scanning inside one piece of body text) */
	FS_COUNT,
};

/* Where each state may end, and the bytes each must stop at. */
static const char *const fs_close[FS_COUNT] = {
    [FS_CDATA] = "]]>", [FS_COMMENT] = "-->", [FS_PI] = "?>"};
static const char fs_stop_chars[FS_COUNT][8] = {
    [FS_TEXT] = "&<",	[FS_TAG] = "&>\"'", [FS_CDATA] = "]",
    [FS_COMMENT] = "-", [FS_PI] = "?",	    [FS_DECL] = "<>[]\"'",
    [FS_BODY] = "&<",	[FS_INNER] = "&]",
};

/* Does s[0..n) (starting after '&') begin a reference? -1: need more. */
static int starts_reference(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '#') {
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			i++;
			while (i < n && i < 12 && isxdigit((unsigned char)s[i]))
				i++;
		} else {
			while (i < n && i < 12 && isdigit((unsigned char)s[i]))
				i++;
		}
		if (i == n && n < 12)
			return -1;
		return i < n && s[i] == ';' && i > 1 &&
		       !(i == 2 && (s[1] == 'x' || s[1] == 'X'));
	}
	while (i < n && i < 40 &&
	       (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' ||
		s[i] == '.' || s[i] == ':' || (unsigned char)s[i] >= 0x80))
		i++;
	if (i == n && n < 40)
		return -1;
	return i < n && s[i] == ';' && i > 0 && !isdigit((unsigned char)s[0]);
}

static int parse(struct feed_xml *x, const char *data, size_t len, int end)
{
	if (len > INT32_MAX)
		return CHORUS_ETOOBIG;
	if (len)
		x->cr_last = data[len - 1] == '\r';
	xmlParseChunk(x->ctxt, data, (int)len, end);
	return x->failed;
}

/* The stop tables for documents that are UTF-8 ([1]) and not ([0]). */
static unsigned char stop_tables[2][FS_COUNT][256];
static int stop_counts[FS_COUNT];
/* A control character XML does not allow, which the filter drops. */
static int dropped_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* each state's stop bytes broadcast to words, for skip_plain() */
static uint64_t stop_words[FS_COUNT][6];
static pthread_once_t stop_tables_once = PTHREAD_ONCE_INIT;

static void build_stop_tables(void)
{
	int u, s, c;
	const char *k;

	for (u = 0; u < 2; u++)
		for (s = 0; s < FS_COUNT; s++) {
			unsigned char *t = stop_tables[u][s];

			for (c = 0; c < 256; c++)
				t[c] = dropped_control((unsigned char)c) ||
				       (c >= 0x80 && u);
			for (k = fs_stop_chars[s]; *k; k++)
				t[(unsigned char)*k] = 1;
			stop_counts[s] = (int)strlen(fs_stop_chars[s]);
			for (c = 0; c < stop_counts[s]; c++)
				stop_words[s][c] =
				    0x0101010101010101ULL *
				    (unsigned char)fs_stop_chars[s][c];
			if (stop_counts[s] < 2)
				stop_words[s][1] = stop_words[s][0];
		}
}

static void filter_tables(struct feed_xml *x)
{
	pthread_once(&stop_tables_once, build_stop_tables);
	x->stops = stop_tables[x->fix_utf8 ? 1 : 0];
	x->nstops = stop_counts;
}

static long count_lines(const char *s, size_t n)
{
	const char *end = s + n;
	long lines = 0;

	if (!n)
		return 0;
	while ((s = memchr(s, '\n', (size_t)(end - s)))) {
		lines++;
		s++;
	}
	return lines;
}

/*
 * The line of p, counted by the filter itself: libxml2's own count lags
 * by however much it has buffered, which depends on how the bytes came.
 */
static long filter_line(struct feed_xml *x, const char *data, const char *p)
{
	return 1 + x->lines_done + count_lines(data, (size_t)(p - data));
}

/* The UTF-8 of the character a stray byte stands for in windows-1252. */
static size_t cp1252_utf8(unsigned char c, char out[4])
{
	unsigned u = c >= 0xa0 ? c : feed_cp1252[c - 0x80];

	if (!u)
		u = 0xfffd;
	if (u < 0x800) {
		out[0] = (char)(0xc0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (u >> 12));
	out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

static size_t utf8_encode(unsigned u, char out[4])
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xe0 | (u >> 12));
		out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		out[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (u >> 18));
	out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

/* Could s[0..n) be the start of a valid UTF-8 sequence cut short? */
static int utf8_prefix(const unsigned char *s, size_t n)
{
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n >= need)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/*
 * Advance p past bytes the state lets through: eight bytes at a time
 * while a word holds none that could matter, then byte by byte. Valid
 * UTF-8 passes without leaving the loop.
 */
static const char *skip_plain(const struct feed_xml *x, int st, const char *p,
			      const char *stop)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	const unsigned char *t = x->stops[st];
	const uint64_t *c = stop_words[st];
	int i, nc = x->nstops[st], high = t[0x80];

	for (;;) {
		unsigned char b;
		size_t n;

		while (stop - p >= 8) {
			uint64_t w, m, d0, d1;

			memcpy(&w, p, 8);
			m = high ? (w - ones * 0x20) | w
				 : (w - ones * 0x20) & ~w;
			/* unrolled for the usual one or two stop bytes */
			d0 = w ^ c[0];
			d1 = w ^ c[1];
			m |= ((d0 - ones) & ~d0) | ((d1 - ones) & ~d1);
			for (i = 2; i < nc; i++) {
				uint64_t d = w ^ c[i];

				m |= (d - ones) & ~d;
			}
			if (m & highs)
				break;
			p += 8;
		}
		while (p < stop && !t[(unsigned char)*p])
			p++;
		if (p == stop)
			return p;
		b = (unsigned char)*p;
		/* In the body every non-ASCII byte is a reason to decode. */
		if (b < 0xc2 || !high || st == FS_BODY)
			return p;
		if (b <= 0xdf && stop - p > 1 &&
		    ((unsigned char)p[1] & 0xc0) == 0x80) {
			p += 2; /* the common case, inline */
			continue;
		}
		n = feed_utf8_seq((const unsigned char *)p, (size_t)(stop - p));
		if (!n)
			return p;
		p += n;
	}
}

/*
 * Replace the bytes [p, p+skip) by rep. What the filter passes on is
 * gathered in x->obuf once anything has been replaced, and handed to
 * libxml2 in one call per push: each xmlParseChunk() call costs a scan
 * of libxml2's buffer, so one per replacement would be quadratic.
 */
static int splice(struct feed_xml *x, const char **run, const char *p,
		  size_t skip, const char *rep, size_t replen)
{
	int rc;

	if ((rc = chorus_buf_add(&x->obuf, *run, (size_t)(p - *run))) ||
	    (replen && (rc = chorus_buf_add(&x->obuf, rep, replen))))
		return rc;
	x->spliced = 1;
	*run = p + skip;
	return 0;
}

/* Hand libxml2 what the filter passed: [run, upto) after x->obuf. */
static int pass_on(struct feed_xml *x, const char *run, const char *upto,
		   int end)
{
	int rc;

	if (!x->spliced)
		return parse(x, run, (size_t)(upto - run), end);
	if ((rc = chorus_buf_add(&x->obuf, run, (size_t)(upto - run))))
		return rc;
	rc = parse(x, x->obuf.data, x->obuf.len, end);
	chorus_buf_reset(&x->obuf);
	x->spliced = 0;
	return rc;
}

static void report_once(struct feed_xml *x, int *flag, long line,
			const char *what)
{
	if (*flag)
		return;
	*flag = 1;
	feed_error(x->b, line, "%s", what);
}

/*
 * Where body text [p, q) begins to be decoded: past a '\n' that ends
 * the line of a '\r' just before it, which libxml2 reads (it holds a
 * '\r' that ends a push for the next byte, and makes a lone one a line
 * end), with the control characters between them, which are dropped:
 * "\r", controls, "\n" is one line end however the pushes fall.
 */
static const char *after_cr(struct feed_xml *x, const char *data, const char *p,
			    const char *q)
{
	const char *s = p;

	if (!(x->spliced && x->obuf.len ? x->obuf.data[x->obuf.len - 1] == '\r'
					: x->cr_last))
		return p;
	while (s < q && dropped_control((unsigned char)*s))
		s++;
	if (s == q || *s != '\n')
		return p;
	if (s > p)
		report_once(x, &x->ctl_reported, filter_line(x, data, p),
			    "control characters dropped");
	return s + 1;
}

/* XML's five entities, looked up without a string compare each. */
static xmlEntityPtr predefined(const char *name, size_t len)
{
	if ((len == 2 && (name[0] == 'l' || name[0] == 'g') &&
	     name[1] == 't') ||
	    (len == 3 && !memcmp(name, "amp", 3)) ||
	    (len == 4 &&
	     (!memcmp(name, "quot", 4) || !memcmp(name, "apos", 4))))
		return xmlGetPredefinedEntity((const xmlChar *)name);
	return NULL;
}

/*
 * Append to an uncapped buffer (the filter's output): in place while it
 * has room, which is nearly always, so the many small pieces of decoded
 * text cost no call.
 */
static int put(struct chorus_buf *b, const char *p, size_t n)
{
	if (b->data && b->cap - b->len > n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return chorus_buf_add(b, p, n);
}

/*
 * An undefined reference &s[0..len); kept as it stands, but with bytes of
 * its name that are not UTF-8 read as windows-1252 like any others: the
 * text may go straight to on_chars(), past libxml2's own check.
 */
static int undefined_ref(struct feed_xml *x, const char *data, const char *s,
			 size_t len, struct chorus_buf *out)
{
	const char *e = s + len;
	int rc;

	if ((rc = chorus_buf_addc(out, '&')))
		return rc;
	while (s < e) {
		size_t k =
		    feed_utf8_seq((const unsigned char *)s, (size_t)(e - s));
		char rep[4];

		if (k) {
			if ((rc = chorus_buf_add(out, s, k)))
				return rc;
			s += k;
			continue;
		}
		report_once(x, &x->utf8_reported, filter_line(x, data, s),
			    "bytes that are not UTF-8 read as windows-1252");
		if ((rc = chorus_buf_add(out, rep,
					 cp1252_utf8((unsigned char)*s, rep))))
			return rc;
		s++;
	}
	return chorus_buf_addc(out, ';');
}

/*
 * Decode the reference at s (just after '&', n bytes left) into out.
 * Returns how many bytes after the '&' it used, 0 for a bare '&' (out is
 * "&"), -2 when out of memory.
 */
static int decode_reference(struct feed_xml *x, const char *s, size_t n,
			    const char *data, struct chorus_buf *out)
{
	int r;
	char name[48], utf8[4];
	size_t len;

	/* the five of XML, as escaped HTML is full of them */
	if (n >= 3 && s[2] == ';' && s[1] == 't' &&
	    (s[0] == 'l' || s[0] == 'g'))
		return put(out, s[0] == 'l' ? "<" : ">", 1) ? -2 : 3;
	if (n >= 4 && !memcmp(s, "amp;", 4))
		return put(out, "&", 1) ? -2 : 4;
	if (n >= 5 && (!memcmp(s, "quot;", 5) || !memcmp(s, "apos;", 5)))
		return put(out, s[0] == 'q' ? "\"" : "'", 1) ? -2 : 5;
	r = starts_reference(s, n);
	if (r <= 0) { /* the piece is whole: an unfinished one is bare */
		report_once(x, &x->amp_reported, filter_line(x, data, s - 1),
			    "bare '&' read as \"&amp;\"");
		return chorus_buf_addc(out, '&') ? -2 : 0;
	}
	len = (size_t)((const char *)memchr(s, ';', n) - s);
	if (s[0] == '#') {
		unsigned long v = s[1] == 'x' || s[1] == 'X'
				      ? strtoul(s + 2, NULL, 16)
				      : strtoul(s + 1, NULL, 10);

		if (!(v == 0x9 || v == 0xa || v == 0xd ||
		      (v >= 0x20 && v <= 0xd7ff) ||
		      (v >= 0xe000 && v <= 0xfffd) ||
		      (v >= 0x10000 && v <= 0x10ffff))) {
			feed_error(x->b, filter_line(x, data, s - 1),
				   "not well-formed: invalid "
				   "character reference");
			v = 0xfffd;
		}
		if (chorus_buf_add(out, utf8, utf8_encode((unsigned)v, utf8)))
			return -2;
		return (int)len + 1;
	}
	if (len >= sizeof(name))
		len = sizeof(name) - 1; /* starts_reference() allows 40 */
	memcpy(name, s, len);
	name[len] = '\0';
	{
		xmlEntityPtr e = predefined(name, len);
		const htmlEntityDesc *d;

		if (e) {
			if (chorus_buf_add(out, e->content, (size_t)e->length))
				return -2;
		} else if ((d = htmlEntityLookup((const xmlChar *)name))) {
			if (chorus_buf_add(out, utf8,
					   utf8_encode(d->value, utf8)))
				return -2;
		} else {
			feed_error(x->b, filter_line(x, data, s - 1),
				   "undefined entity &%.*s;",
				   utf8_cut(name, 40), name);
			if (undefined_ref(x, data, s, len, out))
				return -2;
		}
	}
	return (int)len + 1;
}

/*
 * skip_plain() for body text being decoded: eight bytes at a time while
 * a word is plain ASCII with no '&', ']' or control in it, then byte by
 * byte with a class table for the next eight, valid two- and three-byte
 * UTF-8 taken in line, and back to words.
 */
static const char *scan_inner(const struct feed_xml *x, const char *p,
			      const char *q)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	const uint64_t amp = ones * '&', rsq = ones * ']';
	const unsigned char *t = x->stops[FS_INNER];
	const char *words = p; /* where to try words again */

	while (p < q) {
		unsigned char b;

		if (p >= words) {
			while (q - p >= 8) {
				uint64_t w, m, d0, d1;

				memcpy(&w, p, 8);
				d0 = w ^ amp;
				d1 = w ^ rsq;
				m = ((w - ones * 0x20) | w) |
				    ((d0 - ones) & ~d0) | ((d1 - ones) & ~d1);
				if (m & highs)
					break;
				p += 8;
			}
			words = p + 8;
			if (p == q)
				break;
		}
		b = (unsigned char)*p;

		if (b < 0x80) {
			if (t[b])
				return p;
			p++;
		} else if (b >= 0xc2 && b <= 0xdf && q - p > 1 &&
			   ((unsigned char)p[1] & 0xc0) == 0x80) {
			p += 2;
		} else if (b >= 0xe1 && b <= 0xec && q - p > 2 &&
			   ((unsigned char)p[1] & 0xc0) == 0x80 &&
			   ((unsigned char)p[2] & 0xc0) == 0x80) {
			p += 3;
		} else {
			size_t n = feed_utf8_seq((const unsigned char *)p,
						 (size_t)(q - p));

			if (!n)
				return p;
			p += n;
		}
	}
	return p;
}

/*
 * XML's end-of-line handling (XML 1.0, 2.11) on s[0..n), in place, as
 * libxml2 does it on what it reads: "\r\n" and a lone '\r' become '\n'.
 * Returns the new length.
 */
static size_t line_ends(char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\r') {
			s[k++] = s[i];
			continue;
		}
		s[k++] = '\n';
		if (i + 1 < n && s[i + 1] == '\n')
			i++;
	}
	return k;
}

/*
 * Text of the body [p, q), references decoded, line ends made '\n',
 * controls dropped, stray bytes mapped, onto o: as a CDATA section with
 * "]]>" split when cdata is set, else as the bare text.
 */
static int body_text(struct feed_xml *x, const char *data, const char *p,
		     const char *q, struct chorus_buf *o, int cdata)
{
	size_t from;
	int rc;

	if (cdata && (rc = chorus_buf_adds(o, "<![CDATA[")))
		return rc;
	from = o->len;
	while (p < q) {
		const char *r = scan_inner(x, p, q);
		unsigned char c;

		if (r > p && (rc = put(o, p, (size_t)(r - p))))
			return rc;
		p = r;
		if (p == q)
			break;
		c = (unsigned char)*p;
		if (c == '&') {
			int n = decode_reference(x, p + 1, (size_t)(q - p - 1),
						 data, o);

			if (n == -2)
				return CHORUS_ENOMEM;
			/* The caller cut q so that a reference is whole. */
			p += 1 + n;
		} else if (c == ']') {
			if (cdata && q - p >= 3 && p[1] == ']' && p[2] == '>') {
				if ((rc =
					 chorus_buf_adds(o, "]]]]><![CDATA[>")))
					return rc;
				p += 3;
			} else {
				if ((rc = put(o, "]", 1)))
					return rc;
				p++;
			}
		} else if (c < 0x20) {
			report_once(x, &x->ctl_reported,
				    filter_line(x, data, p),
				    "control characters dropped");
			p++;
		} else {
			/* a byte that is not UTF-8 */
			char rep[4];

			report_once(x, &x->utf8_reported,
				    filter_line(x, data, p),
				    "bytes that are not UTF-8 read as "
				    "windows-1252");
			if ((rc = chorus_buf_add(o, rep, cp1252_utf8(c, rep))))
				return rc;
			p++;
		}
	}
	/* The text was character data, whose line ends XML makes '\n'
	 * whichever way it goes on: straight to on_chars() (body_direct())
	 * or as a CDATA section, whose '\r' libxml2 hands on as it is (a '\r'
	 * that ended one section, a push's text cut before the next push's
	 * '\r' by safe_cut(), was read further on with the line end after
	 * it as one, "\r\n"). */
	if (o->len > from && memchr(o->data + from, '\r', o->len - from))
		o->len = from + line_ends(o->data + from, o->len - from);
	if (cdata && o->len == from) {
		/* Nothing to hand on (controls, all dropped): no section
		 * either, which would come between a '\r' and the '\n'
		 * that the next bytes may bring. */
		o->len = from - 9;
		o->data[o->len] = '\0';
		return 0;
	}
	return cdata ? chorus_buf_adds(o, "]]>") : 0;
}

/*
 * Body text [p, q) handed to on_chars() directly rather than to libxml2
 * as CDATA: libxml2 2.9 checks CDATA's UTF-8 and looks for "]]>" byte by
 * byte, about a quarter of the whole parse on Atom feeds, for text the
 * filter has just read and decoded. Only when libxml2 has read every
 * byte before p and waits in element content, so that the text lands
 * where it would have; otherwise 0 and nothing is done. Returns 1 when
 * the text was delivered, 0 when not, a negative enum chorus_error.
 */
static int body_direct(struct feed_xml *x, const char *data, const char **run,
		       const char *p, const char *q)
{
	xmlParserCtxtPtr ctxt = x->ctxt;
	xmlParserInputPtr in;
	int rc;

	if (p > *run || x->spliced) {
		if ((rc = pass_on(x, *run, p, 0)))
			return rc;
		*run = p;
	}
	in = ctxt->input;
	if (ctxt->instate != XML_PARSER_CONTENT || ctxt->inputNr != 1 ||
	    ctxt->disableSAX || !in || in->cur != in->end || q - p > INT_MAX)
		return 0;
	chorus_buf_reset(&x->tbuf);
	if ((rc = body_text(x, data, p, q, &x->tbuf, 0)))
		return rc;
	if (x->tbuf.len)
		on_chars(x, (const xmlChar *)x->tbuf.data, (int)x->tbuf.len);
	/* libxml2 counts the lines of what it reads; keep its count right */
	in->line += (int)count_lines(p, (size_t)(q - p));
	*run = q;
	return x->failed ? x->failed : 1;
}

/*
 * Where a piece of body text that runs to the end of the pushed bytes
 * can be cut now: before a reference, a UTF-8 sequence or a line end that the
 * next bytes complete.
 */
static const char *safe_cut(const char *p, const char *stop)
{
	const char *s, *from = stop - p > 48 ? stop - 48 : p;

	/* A '\r' waits for the next bytes: "\r\n" is one line end, also
	 * with control characters between them, which are dropped. */
	for (s = stop; s > p && dropped_control((unsigned char)s[-1]); s--)
		;
	if (s > p && s[-1] == '\r')
		return s - 1;

	for (s = stop; s > from;) {
		s--;
		if (*s == '&' &&
		    starts_reference(s + 1, (size_t)(stop - s - 1)) < 0)
			return s;
		if (*s == ';' || *s == ' ')
			break;
	}
	for (s = stop; s > p && stop - s < 4;) {
		s--;
		if (((unsigned char)*s & 0xc0) != 0x80) {
			if (utf8_prefix((const unsigned char *)s,
					(size_t)(stop - s)))
				return s;
			break;
		}
	}
	return stop;
}

/*
 * A CDATA section of the body opening at p, handed to on_chars()
 * directly for the same reason and on the same terms as body_direct():
 * only when the whole section is in this push and is plain UTF-8 with
 * no control characters (else libxml2 reads it, and reports what is
 * wrong). Returns 1 and sets *next past the section when it was
 * delivered, 0 when not, a negative enum chorus_error.
 */
static int cdata_direct(struct feed_xml *x, const char **run, const char *p,
			const char *stop, const char **next)
{
	xmlParserCtxtPtr ctxt = x->ctxt;
	xmlParserInputPtr in;
	const char *s = p + 9, *e = s;
	int rc;

	for (;;) {
		e = skip_plain(x, FS_CDATA, e, stop);
		if (e == stop || *e != ']')
			return 0; /* cut short, a control, or not UTF-8 */
		if (stop - e >= 3 && e[1] == ']' && e[2] == '>')
			break;
		e++;
	}
	if (e - s > INT_MAX)
		return 0;
	if (p > *run || x->spliced) {
		if ((rc = pass_on(x, *run, p, 0)))
			return rc;
		*run = p;
	}
	in = ctxt->input;
	if (ctxt->instate != XML_PARSER_CONTENT || ctxt->inputNr != 1 ||
	    ctxt->disableSAX || !in || in->cur != in->end)
		return 0;
	if (e > s)
		on_chars(x, (const xmlChar *)s, (int)(e - s));
	in->line += (int)count_lines(p, (size_t)(e - p));
	*run = *next = e + 3;
	return x->failed ? x->failed : 1;
}

/* The state a '<' at p opens; 0 when it cannot be told yet. */
static int open_markup(struct feed_xml *x, const char *p, const char *stop,
		       int end, const char **next)
{
	static const struct {
		const char *open;
		enum fstate st;
	} opens[] = {
	    {"<![CDATA[", FS_CDATA},
	    {"<!--", FS_COMMENT},
	    {"<!", FS_DECL},
	    {"<?", FS_PI},
	};
	size_t i, left = (size_t)(stop - p);

	/* The usual case, a start or end tag, without the table. */
	if (left >= 2 && p[1] != '!' && p[1] != '?') {
		x->fstate = FS_TAG;
		x->quote = 0;
		x->tag_end = p[1] == '/';
		*next = p + 1;
		return 1;
	}
	for (i = 0; i < COUNT(opens); i++) {
		size_t ol = strlen(opens[i].open);

		if (left >= ol && !memcmp(p, opens[i].open, ol)) {
			x->fstate = opens[i].st;
			*next = p + ol;
			x->decl_depth = 0;
			x->quote = 0;
			return 1;
		}
		if (left < ol && !memcmp(p, opens[i].open, left) && !end)
			return 0;
	}
	if (left < 2 && !end)
		return 0;
	x->fstate = FS_TAG;
	x->quote = 0;
	x->tag_end = left >= 2 && p[1] == '/';
	*next = p + 1;
	return 1;
}

static int filter_push(struct feed_xml *x, const char *data, size_t len,
		       int end)
{
	const char *p = data, *stop = data + len, *run = data;
	const char *text = NULL; /* where the body text at p began */
	int rc;

	while (p < stop) {
		int st = x->fstate == FS_TEXT && x->depth_in > 0 && x->transform
			     ? FS_BODY
			     : (int)x->fstate;
		unsigned char c;

		p = skip_plain(x, st, p, stop);
		if (p == stop)
			break;
		c = (unsigned char)*p;
		if (st == FS_BODY && c != '<') {
			/* Text to decode: up to the next tag. */
			const char *q = memchr(p, '<', (size_t)(stop - p));
			const char *cut = q	? q
					  : end ? stop
						: safe_cut(p, stop);

			/*
			 * Straight to on_chars() from where the text began
			 * (what lies before p is plain ASCII), else the run
			 * so far, then the CDATA, into x->obuf.
			 */
			rc = text && cut > text
				 ? body_direct(x, data, &run, text, cut)
				 : 0;
			if (rc < 0)
				return rc;
			if (!rc &&
			    ((rc = splice(x, &run, p, (size_t)(cut - p), NULL,
					  0)) ||
			     (rc = body_text(x, data, after_cr(x, data, p, cut),
					     cut, &x->obuf, 1))))
				return rc;
			text = NULL;
			p = cut;
			if (!q && cut < stop) {
				/* A '\r' held back with control characters
				 * after it (safe_cut()): they are dropped now,
				 * so that only the '\r' is carried. */
				if (*cut == '\r' && stop - cut > 1) {
					report_once(
					    x, &x->ctl_reported,
					    filter_line(x, data, cut + 1),
					    "control characters dropped");
					stop = cut + 1;
				}
				goto keep;
			}
			continue;
		}
		if (c >= 0x80) {
			/* Not UTF-8 (skip_plain passes valid sequences). */
			char rep[4];
			size_t k;

			if (!end && utf8_prefix((const unsigned char *)p,
						(size_t)(stop - p)))
				goto keep;
			report_once(x, &x->utf8_reported,
				    filter_line(x, data, p),
				    "bytes that are not UTF-8 read as "
				    "windows-1252");
			k = cp1252_utf8(c, rep);
			if ((rc = splice(x, &run, p, 1, rep, k)))
				return rc;
			p++;
			continue;
		}
		if (c < 0x20) {
			/* Control characters are not XML: dropped. */
			report_once(x, &x->ctl_reported,
				    filter_line(x, data, p),
				    "control characters dropped");
			if ((rc = splice(x, &run, p, 1, NULL, 0)))
				return rc;
			p++;
			continue;
		}
		switch (x->fstate) {
		case FS_TEXT:
		case FS_BODY:
			if (c == '<') {
				const char *next = NULL;

				text = NULL;
				if (st == FS_BODY && stop - p >= 9 &&
				    !memcmp(p, "<![CDATA[", 9)) {
					rc = cdata_direct(x, &run, p, stop,
							  &next);
					if (rc < 0)
						return rc;
					if (rc) {
						p = text = next;
						continue;
					}
				}
				if (!open_markup(x, p, stop, end, &next))
					goto keep;
				p = next;
				continue;
			}
			break; /* '&' outside the body: below */
		case FS_CDATA:
		case FS_COMMENT:
		case FS_PI: {
			const char *close = fs_close[x->fstate];
			size_t cl = strlen(close);

			if ((size_t)(stop - p) < cl) {
				if (!end)
					goto keep;
				p++;
			} else if (!memcmp(p, close, cl)) {
				x->fstate = FS_TEXT;
				p += cl;
			} else {
				p++;
			}
			continue;
		}
		case FS_DECL:
			if (x->quote) {
				if (c == x->quote)
					x->quote = 0;
			} else if (c == '"') {
				x->quote = (char)c;
			} else if (c == '[') {
				x->decl_depth++;
			} else if (c == ']') {
				x->decl_depth--;
			} else if (c == '>' && x->decl_depth <= 0) {
				x->fstate = FS_TEXT;
			} else if (c == '<') {
				/* Declared entities: libxml2 reads the text. */
				if ((size_t)(stop - p) < 8 && !end)
					goto keep;
				if ((size_t)(stop - p) >= 8 &&
				    !memcmp(p, "<!ENTITY", 8))
					x->transform = 0;
			}
			p++;
			continue;
		case FS_TAG:
			if (c == '"' || c == '\'') {
				if (!x->quote)
					x->quote = (char)c;
				else if (x->quote == (char)c)
					x->quote = 0;
				p++;
				continue;
			}
			if (c == '>') {
				if (!x->quote) {
					char prev =
					    p > data ? p[-1] : x->last_byte;

					if (x->tag_end)
						x->depth_in -= x->depth_in > 0;
					else if (prev != '/')
						x->depth_in++;
					x->fstate = FS_TEXT;
					text = p + 1;
				}
				p++;
				continue;
			}
			break; /* '&' in an attribute value: below */
		case FS_COUNT:
			p++;
			continue;
		}
		/* '&' where libxml2 reads references itself. */
		{
			int r = starts_reference(p + 1, (size_t)(stop - p - 1));

			if (r < 0 && !end)
				goto keep;
			if (r > 0 && stop - p > 2 && p[1] == '#' &&
			    p[2] == 'X') {
				/* "&#X41;": XML wants a lower-case x. */
				if ((rc = splice(x, &run, p + 2, 1, "x", 1)))
					return rc;
				p += 3;
				continue;
			}
			if (r > 0) {
				p++;
				continue;
			}
			report_once(x, &x->amp_reported,
				    filter_line(x, data, p),
				    "bare '&' read as \"&amp;\"");
			if ((rc = splice(x, &run, p, 1, "&amp;", 5)))
				return rc;
			p++;
		}
	}
	x->lines_done += count_lines(data, (size_t)(stop - data));
	if (stop > data)
		x->last_byte = stop[-1];
	return pass_on(x, run, stop, end);
keep:
	x->lines_done += count_lines(data, (size_t)(p - data));
	if (p > data)
		x->last_byte = p[-1];
	if ((rc = pass_on(x, run, p, 0)))
		return rc;
	/* Only a short tail is ever kept, so the carry stays small. */
	return chorus_buf_add(&x->carry, p, (size_t)(stop - p));
}

/* A document that ends inside an entry: keep what was read of it. */
static void close_open(struct feed_xml *x)
{
	if (x->failed || x->b->stopped)
		return;
	if (x->capturing && x->in_entry && x->cap.depth > x->in_entry)
		cap_end(x);
	x->capturing = 0;
	if (x->in_entry) {
		feed_error(x->b, line_now(x),
			   "the document ends inside an entry");
		entry_end(x);
	}
}

int feed_xml_push(struct feed_xml *x, const char *data, size_t len,
		  int terminate)
{
	int rc;

	if (x->failed)
		return x->failed;
	if (!data)
		data = ""; /* the final call brings no bytes */
	if (!x->filter) {
		/*
		 * UTF-16/32 documents are rare and libxml2 decodes them badly
		 * when they arrive in small pieces: hold them (the size cap
		 * bounds this) and parse them in one go.
		 */
		rc = len ? chorus_buf_add(&x->carry, data, len) : 0;
		if (!rc && terminate)
			rc = parse(x, x->carry.data, x->carry.len, 1);
	} else if (x->carry.len) {
		/* The kept tail goes first, joined to the new bytes. */
		struct chorus_buf joined;

		chorus_buf_init(&joined, 0);
		if ((rc = chorus_buf_add(&joined, x->carry.data,
					 x->carry.len)) ||
		    (len && (rc = chorus_buf_add(&joined, data, len)))) {
			chorus_buf_release(&joined);
			return rc;
		}
		chorus_buf_reset(&x->carry);
		rc = filter_push(x, joined.data, joined.len, terminate);
		chorus_buf_release(&joined);
	} else {
		rc = filter_push(x, data, len, terminate);
	}
	if (!rc && terminate)
		close_open(x);
	return rc ? rc : x->failed;
}

/* ---- lifecycle ---- */

/* UTF-16/32 and EBCDIC documents cannot be filtered byte-wise. */
static int ascii_compatible(const unsigned char *s, size_t n)
{
	if (n >= 2 &&
	    ((s[0] == 0xfe && s[1] == 0xff) || (s[0] == 0xff && s[1] == 0xfe)))
		return 0;
	if (n >= 2 && (s[0] == 0 || s[1] == 0))
		return 0;
	if (n >= 4 && s[0] == 0x4c && s[1] == 0x6f && s[2] == 0xa7 &&
	    s[3] == 0x94)
		return 0;
	return 1;
}

/*
 * The encoding the HTTP Content-Type imposes (RFC 3023, as feedparser
 * reads it), written into enc; "" when the document decides.
 */
static void http_encoding(struct feed_builder *b, char *enc, size_t n)
{
	const char *ct = b->opt.content_type, *cs;
	char mime[128];
	size_t i = 0;

	enc[0] = '\0';
	if (!ct)
		return;
	while (ct[i] && ct[i] != ';' && i + 1 < sizeof(mime)) {
		mime[i] = (char)tolower((unsigned char)ct[i]);
		i++;
	}
	mime[i] = '\0';
	while (i && isspace((unsigned char)mime[i - 1]))
		mime[--i] = '\0';
	for (cs = ct; *cs && strncasecmp(cs, "charset=", 8); cs++)
		;
	if (!*cs)
		cs = NULL;
	if (cs) {
		cs += 8;
		if (*cs == '"' || *cs == '\'')
			cs++;
		for (i = 0;
		     i + 1 < n && cs[i] && cs[i] != '"' && cs[i] != '\'' &&
		     cs[i] != ';' && !isspace((unsigned char)cs[i]);
		     i++)
			enc[i] = cs[i];
		enc[i] = '\0';
	}
	if (!strncmp(mime, "text/", 5)) {
		int xml = !strcmp(mime, "text/xml") ||
			  !strcmp(mime, "text/xml-external-parsed-entity") ||
			  (strlen(mime) > 4 &&
			   !strcmp(mime + strlen(mime) - 4, "+xml"));

		if (!xml)
			feed_error(b, 0, "served as %s, not as XML", mime);
		else if (!enc[0]) {
			/* RFC 3023: text/xml without charset is us-ascii. */
			snprintf(enc, n, "us-ascii");
			feed_error(b, 0,
				   "served as %s without a charset: "
				   "us-ascii assumed",
				   mime);
		}
	} else if (strncmp(mime, "application/", 12) || !strstr(mime, "xml")) {
		if (*mime)
			feed_error(b, 0, "served as %s, not as XML", mime);
	}
}

/*
 * Is the document UTF-8: forced so by HTTP, or declared (or, without a
 * declaration, defaulted) so by its XML declaration?
 */
static int declares_utf8(const char *head, size_t n, const char *forced)
{
	const char *end, *e;
	char val[32];
	size_t i = 0;

	if (forced[0])
		return !strcasecmp(forced, "utf-8") ||
		       !strcasecmp(forced, "utf8");
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3))
		head += 3, n -= 3;
	if (n < 5 || memcmp(head, "<?xml", 5))
		return 1;
	end = memchr(head, '>', n);
	if (!end)
		return 0;
	for (e = head; e + 9 < end; e++)
		if (!memcmp(e, "encoding", 8))
			break;
	if (e + 9 >= end)
		return 1;
	e += 8;
	while (e < end && (*e == ' ' || *e == '='))
		e++;
	if (e < end && (*e == '"' || *e == '\''))
		e++;
	while (e < end && i + 1 < sizeof(val) && *e != '"' && *e != '\'')
		val[i++] = *e++;
	val[i] = '\0';
	return !strcasecmp(val, "utf-8") || !strcasecmp(val, "utf8");
}

static void quiet_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

int feed_xml_new(struct feed_builder *b, const char *head, size_t n,
		 struct feed_xml **out)
{
	struct feed_xml *x;
	char enc[64];
	int rc;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return CHORUS_ENOMEM;
	x->b = b;
	/*
	 * The library never prints: libxml2 reports encoder errors outside
	 * any parser context through its (per-thread) generic handlers.
	 */
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	chorus_buf_init(&x->cap.buf, b->opt.max_size);
	chorus_buf_init(&x->carry, 0);
	chorus_buf_init(&x->obuf, 0);
	chorus_buf_init(&x->tbuf, 0);
	memset(&x->sax, 0, sizeof(x->sax));
	x->sax.initialized = XML_SAX2_MAGIC;
	x->sax.startElementNs = on_start;
	x->sax.endElementNs = on_end;
	x->sax.characters = on_chars;
	x->sax.cdataBlock = on_chars;
	x->sax.entityDecl = on_entity_decl;
	x->sax.getEntity = on_get_entity;
	x->sax.getParameterEntity = NULL;
	x->sax.resolveEntity = on_resolve;
	x->sax.serror = on_error;
	x->ctxt = xmlCreatePushParserCtxt(&x->sax, x, NULL, 0, b->opt.base_url);
	if (!x->ctxt) {
		free(x);
		return CHORUS_ENOMEM;
	}
	http_encoding(b, enc, sizeof(enc));
	if (enc[0]) {
		xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(enc);

		if (h) {
			xmlSwitchToEncoding(x->ctxt, h);
		} else {
			feed_error(b, 0, "unknown charset %s", enc);
			enc[0] = '\0';
		}
	}
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_RECOVER |
				       (enc[0] ? XML_PARSE_IGNORE_ENC : 0));
	x->filter = ascii_compatible((const unsigned char *)head, n);
	x->fix_utf8 = x->filter && declares_utf8(head, n, enc);
	x->transform = x->fix_utf8;
	filter_tables(x);
	*out = x;
	if (n && (rc = feed_xml_push(x, head, n, 0)))
		return rc;
	return 0;
}

int feed_xml_found_feed(const struct feed_xml *x)
{
	return x->found;
}

void feed_xml_free(struct feed_xml *x)
{
	size_t i;

	if (!x)
		return;
	if (x->ctxt) {
		/* libxml2 may have made a document for a DTD's declarations;
		 * the context does not free it. */
		if (x->ctxt->myDoc)
			xmlFreeDoc(x->ctxt->myDoc);
		xmlFreeParserCtxt(x->ctxt);
	}
	for (i = 0; i < x->depth; i++) {
		if (x->stack[i].own_base)
			free(x->stack[i].base);
		if (x->stack[i].own_lang)
			free(x->stack[i].lang);
	}
	free(x->stack);
	chorus_feed_entry_release(&x->entry);
	person_clear(&x->person);
	free(x->guid);
	for (i = 0; i < x->nents; i++) {
		free(x->ents[i]->name);
		free(x->ents[i]->content);
		free(x->ents[i]);
	}
	free(x->ents);
	free(x->core_alias);
	chorus_buf_release(&x->cap.buf);
	chorus_buf_release(&x->carry);
	chorus_buf_release(&x->obuf);
	chorus_buf_release(&x->tbuf);
	free(x);
}
