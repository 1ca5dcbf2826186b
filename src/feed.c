/*
 * The feed module's front: the streaming parser object that sniffs a
 * document's format and hands its bytes to the XML reader (feed_xml.c) or
 * collects them for the JSON Feed reader (feed_json.c); the builder that
 * gathers fields, entries and errors; entry-to-article conversion; the
 * JSON that `chorus parse` prints; and the small text helpers the readers
 * share. See include/chorus/feed.h for the contract.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/uri.h>

#include "chorus/date.h"
#include "feed_int.h"

enum parser_mode {
	MODE_SNIFF, /* not yet seen the first significant byte */
	MODE_XML,
	MODE_JSON,
};

struct chorus_feed_parser {
	struct feed_builder b;
	enum parser_mode mode;
	struct chorus_buf
	    head; /* bytes held while sniffing; all of a JSON doc */
	struct feed_xml *xml;
	size_t total;
	int failed; /* sticky error code */
};

/* How many leading bytes may pass before the format must be decided. */
#define SNIFF_MAX 4096
/* How many are held (when the document is longer) before deciding. */
#define SNIFF_MIN 512

const char *chorus_feed_format_name(enum chorus_feed_format format)
{
	switch (format) {
	case CHORUS_FEED_RSS090:
		return "rss0.90";
	case CHORUS_FEED_RSS091:
		return "rss0.91";
	case CHORUS_FEED_RSS092:
		return "rss0.92";
	case CHORUS_FEED_RSS093:
		return "rss0.93";
	case CHORUS_FEED_RSS094:
		return "rss0.94";
	case CHORUS_FEED_RSS20:
		return "rss2.0";
	case CHORUS_FEED_RSS10:
		return "rss1.0";
	case CHORUS_FEED_ATOM03:
		return "atom0.3";
	case CHORUS_FEED_ATOM10:
		return "atom1.0";
	case CHORUS_FEED_JSON10:
		return "jsonfeed1.0";
	case CHORUS_FEED_JSON11:
		return "jsonfeed1.1";
	case CHORUS_FEED_UNKNOWN:
		break;
	}
	return "unknown";
}

/* ---- builder ---- */

void feed_error(struct feed_builder *b, long line, const char *fmt, ...)
{
	struct chorus_feed *f = b->feed;
	struct chorus_feed_error *e;
	char msg[300];
	va_list ap;

	if (f->nerrors >= FEED_MAX_ERRORS) {
		b->errors_dropped++;
		return;
	}
	if (f->nerrors == b->errors_cap) {
		size_t cap = b->errors_cap ? b->errors_cap * 2 : 4;

		e = realloc(f->errors, cap * sizeof(*e));
		if (!e)
			return;
		f->errors = e;
		b->errors_cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = &f->errors[f->nerrors];
	e->message = feed_clean_text(msg, strlen(msg), NULL);
	if (!e->message)
		return;
	e->line = line;
	f->nerrors++;
}

int feed_emit_entry(struct feed_builder *b, struct chorus_feed_entry *e)
{
	struct chorus_feed *f = b->feed;
	int rc = 0;

	if (b->stopped) {
		chorus_feed_entry_release(e);
		return b->stopped;
	}
	if (b->cb) {
		rc = b->cb(b->ctx, f, e);
		chorus_feed_entry_release(e);
		if (rc)
			b->stopped = rc;
		return rc;
	}
	if (f->nentries == b->entries_cap) {
		size_t cap = b->entries_cap ? b->entries_cap * 2 : 8;
		struct chorus_feed_entry *n;

		n = realloc(f->entries, cap * sizeof(*n));
		if (!n) {
			chorus_feed_entry_release(e);
			b->stopped = CHORUS_ENOMEM;
			return CHORUS_ENOMEM;
		}
		f->entries = n;
		b->entries_cap = cap;
	}
	f->entries[f->nentries++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

/* ---- text helpers ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t feed_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0) /* surrogates */
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* Windows-1252's characters at 0x80-0x9f (0: undefined there). */
const unsigned short feed_cp1252[32] = {
    0x20ac, 0,	    0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,	    0x017d, 0,
    0,	    0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,	    0x017e, 0x0178,
};

/* Bytes that pass through clean text as they are: printable, \t, \n. */
static const unsigned char plain_ascii[256] = {
    ['\t'] = 1, ['\n'] = 1, [0x20] = 1, [0x21] = 1, [0x22] = 1, [0x23] = 1,
    [0x24] = 1, [0x25] = 1, [0x26] = 1, [0x27] = 1, [0x28] = 1, [0x29] = 1,
    [0x2a] = 1, [0x2b] = 1, [0x2c] = 1, [0x2d] = 1, [0x2e] = 1, [0x2f] = 1,
    [0x30] = 1, [0x31] = 1, [0x32] = 1, [0x33] = 1, [0x34] = 1, [0x35] = 1,
    [0x36] = 1, [0x37] = 1, [0x38] = 1, [0x39] = 1, [0x3a] = 1, [0x3b] = 1,
    [0x3c] = 1, [0x3d] = 1, [0x3e] = 1, [0x3f] = 1, [0x40] = 1, [0x41] = 1,
    [0x42] = 1, [0x43] = 1, [0x44] = 1, [0x45] = 1, [0x46] = 1, [0x47] = 1,
    [0x48] = 1, [0x49] = 1, [0x4a] = 1, [0x4b] = 1, [0x4c] = 1, [0x4d] = 1,
    [0x4e] = 1, [0x4f] = 1, [0x50] = 1, [0x51] = 1, [0x52] = 1, [0x53] = 1,
    [0x54] = 1, [0x55] = 1, [0x56] = 1, [0x57] = 1, [0x58] = 1, [0x59] = 1,
    [0x5a] = 1, [0x5b] = 1, [0x5c] = 1, [0x5d] = 1, [0x5e] = 1, [0x5f] = 1,
    [0x60] = 1, [0x61] = 1, [0x62] = 1, [0x63] = 1, [0x64] = 1, [0x65] = 1,
    [0x66] = 1, [0x67] = 1, [0x68] = 1, [0x69] = 1, [0x6a] = 1, [0x6b] = 1,
    [0x6c] = 1, [0x6d] = 1, [0x6e] = 1, [0x6f] = 1, [0x70] = 1, [0x71] = 1,
    [0x72] = 1, [0x73] = 1, [0x74] = 1, [0x75] = 1, [0x76] = 1, [0x77] = 1,
    [0x78] = 1, [0x79] = 1, [0x7a] = 1, [0x7b] = 1, [0x7c] = 1, [0x7d] = 1,
    [0x7e] = 1,
};

/*
 * Does s[0..n) need no repair? No control characters but tab and newline,
 * no DEL, no C1 control (U+0080-U+009F, which starts with 0xC2), and
 * valid UTF-8. Eight bytes at a time where a word is plain ASCII.
 */
static int is_clean(const unsigned char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	size_t i = 0, k;

	while (i < n) {
		if (n - i >= 8) {
			uint64_t w, d;

			memcpy(&w, s + i, 8);
			d = w ^ (ones * 0x7f);
			/* any byte < 0x20, >= 0x80, or equal to 0x7f */
			if (!(((w - ones * 0x20) | w | ((d - ones) & ~d)) &
			      highs)) {
				i += 8;
				continue;
			}
		}
		if (plain_ascii[s[i]]) {
			i++;
		} else if (s[i] >= 0xc3 && s[i] <= 0xdf && i + 1 < n &&
			   (s[i + 1] & 0xc0) == 0x80) {
			i += 2;
		} else if (s[i] >= 0x80 && s[i] != 0xc2 &&
			   (k = feed_utf8_seq(s + i, n - i)) > 1) {
			i += k;
		} else if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0xa0 &&
			   s[i + 1] <= 0xbf) {
			i += 2;
		} else {
			return 0;
		}
	}
	return 1;
}

/*
 * Like is_clean() for text libxml2 delivered: that is valid UTF-8 already
 * (decoded by libxml2, or repaired by the reader's filter before it) and
 * holds no C0 control (XML has none but tab, newline and return, and the
 * filter drops the rest), so only DEL, carriage returns and C1 controls
 * (0xC2 0x80-0x9F) are looked for, with memchr, which is fast.
 */
static int is_clean_decoded(const unsigned char *s, size_t n)
{
	const unsigned char *p = s, *end = s + n;

	if (memchr(s, 0x7f, n) || memchr(s, '\r', n))
		return 0;
	while ((p = memchr(p, 0xc2, (size_t)(end - p)))) {
		if (p + 1 >= end || p[1] < 0xa0)
			return 0;
		p += 2;
	}
	return 1;
}

char *feed_clean_decoded(const char *s, size_t n, int *repaired)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, end = n;
	char *c;

	while (i < end && isspace(p[i]))
		i++;
	while (end > i && isspace(p[end - 1]))
		end--;
	if (!is_clean_decoded(p + i, end - i))
		return feed_clean_text(s, n, repaired);
	if (repaired)
		*repaired = 0;
	c = malloc(end - i + 1);
	if (!c)
		return NULL;
	memcpy(c, p + i, end - i);
	c[end - i] = '\0';
	return c;
}

char *feed_clean_text(const char *s, size_t n, int *repaired)
{
	const unsigned char *p = (const unsigned char *)s;
	struct chorus_buf out;
	size_t i = 0, end = n, k;

	if (repaired)
		*repaired = 0;
	while (i < end && isspace(p[i]))
		i++;
	while (end > i && isspace(p[end - 1]))
		end--;
	if (is_clean(p + i, end - i)) {
		/* The usual case: one allocation, one copy. */
		char *c = malloc(end - i + 1);

		if (!c)
			return NULL;
		memcpy(c, p + i, end - i);
		c[end - i] = '\0';
		return c;
	}
	chorus_buf_init(&out, 0);
	while (i < end) {
		size_t start = i;

		/* Copy the longest clean run in one go: printable ASCII,
		 * tabs, newlines and UTF-8 other than C1 controls. */
		while (i < end) {
			unsigned char c = p[i];

			if (plain_ascii[c]) {
				i++;
				while (i < end && plain_ascii[p[i]])
					i++;
			} else if (c >= 0xc3 && c <= 0xdf && i + 1 < end &&
				   (p[i + 1] & 0xc0) == 0x80) {
				i += 2;
			} else if (c >= 0x80 && c != 0xc2 &&
				   (k = feed_utf8_seq(p + i, end - i)) > 1) {
				i += k;
			} else if (c == 0xc2 && i + 1 < end &&
				   p[i + 1] >= 0xa0 && p[i + 1] <= 0xbf) {
				i += 2;
			} else {
				break;
			}
		}
		if (i > start && chorus_buf_add(&out, p + start, i - start))
			goto fail;
		if (i >= end)
			break;
		if (p[i] < 0x20 || p[i] == 0x7f) {
			if (p[i] == '\t' || p[i] == '\n') {
				if (chorus_buf_addc(&out, (char)p[i]))
					goto fail;
			} else if (p[i] == '\r') {
				if (i + 1 < end && p[i + 1] == '\n')
					;
				else if (chorus_buf_addc(&out, '\n'))
					goto fail;
			} else if (repaired) {
				*repaired = 1;
			}
			i++;
			continue;
		}
		k = feed_utf8_seq(p + i, end - i);
		if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0 &&
		    feed_cp1252[p[i + 1] - 0x80]) {
			/* A C1 control is a windows-1252 character mislabelled
			 * as ISO-8859-1: what the writer meant. */
			unsigned u = feed_cp1252[p[i + 1] - 0x80];
			char enc[3] = {(char)(0xe0 | (u >> 12)),
				       (char)(0x80 | ((u >> 6) & 0x3f)),
				       (char)(0x80 | (u & 0x3f))};

			if (u < 0x800) {
				enc[0] = (char)(0xc0 | (u >> 6));
				enc[1] = (char)(0x80 | (u & 0x3f));
			}
			if (chorus_buf_add(&out, enc, u < 0x800 ? 2 : 3))
				goto fail;
			i += 2;
			continue;
		}
		if (k) {
			if (chorus_buf_add(&out, p + i, k))
				goto fail;
			i += k;
		} else {
			if (chorus_buf_adds(&out, "\xef\xbf\xbd"))
				goto fail;
			if (repaired)
				*repaired = 1;
			i++;
		}
	}
	return chorus_buf_detach(&out, NULL);
fail:
	chorus_buf_release(&out);
	return NULL;
}

int feed_looks_like_html(const char *s)
{
	const char *p;

	/* A tag: '<' then a letter or '/' and a letter, closed by '>'. */
	for (p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		const char *q = p + 1;

		if (*q == '/')
			q++;
		if (isalpha((unsigned char)*q) && strchr(q, '>'))
			return 1;
	}
	/* An entity: &name; or &#123; or &#x1f; */
	for (p = strchr(s, '&'); p; p = strchr(p + 1, '&')) {
		const char *q = p + 1;

		if (*q == '#')
			q++;
		if (!isalnum((unsigned char)*q))
			continue;
		while (isalnum((unsigned char)*q))
			q++;
		if (*q == ';')
			return 1;
	}
	return 0;
}

char *feed_resolve_url(const char *base, const char *rel)
{
	xmlChar *r;
	char *out;

	if (!rel)
		return NULL;
	if (!base || !*base)
		return chorus_strdup(rel);
	r = xmlBuildURI((const xmlChar *)rel, (const xmlChar *)base);
	if (!r)
		return chorus_strdup(rel);
	out = chorus_strdup((const char *)r);
	xmlFree(r);
	return out;
}

int feed_parse_date(struct feed_builder *b, long line, const char *s,
		    int64_t *out)
{
	if (!s || !*s)
		return -1;
	if (chorus_date_parse(s, out)) {
		feed_error(b, line, "date: cannot read \"%.80s\"", s);
		return -1;
	}
	return 0;
}

/* ---- entries and feeds ---- */

void chorus_feed_entry_release(struct chorus_feed_entry *e)
{
	size_t i;

	if (!e)
		return;
	free(e->id);
	free(e->title);
	free(e->link);
	free(e->author);
	free(e->summary);
	free(e->content);
	free(e->language);
	for (i = 0; i < e->ncategories; i++)
		free(e->categories[i]);
	free(e->categories);
	for (i = 0; i < e->nenclosures; i++) {
		free(e->enclosures[i].url);
		free(e->enclosures[i].type);
	}
	free(e->enclosures);
	memset(e, 0, sizeof(*e));
}

void chorus_feed_free(struct chorus_feed *feed)
{
	size_t i;

	if (!feed)
		return;
	free(feed->title);
	free(feed->link);
	free(feed->id);
	free(feed->language);
	free(feed->author);
	for (i = 0; i < feed->nentries; i++)
		chorus_feed_entry_release(&feed->entries[i]);
	free(feed->entries);
	for (i = 0; i < feed->nerrors; i++)
		free(feed->errors[i].message);
	free(feed->errors);
	free(feed);
}

/* ---- the parser ---- */

int chorus_feed_parser_new(const struct chorus_feed_options *opt,
			   chorus_feed_entry_cb cb, void *ctx,
			   struct chorus_feed_parser **out,
			   struct chorus_err *err)
{
	struct chorus_feed_parser *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	p->b.feed = calloc(1, sizeof(*p->b.feed));
	if (!p->b.feed) {
		free(p);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	if (opt)
		p->b.opt = *opt;
	if (!p->b.opt.max_size)
		p->b.opt.max_size = CHORUS_FEED_DEFAULT_MAX_SIZE;
	p->b.cb = cb;
	p->b.ctx = ctx;
	chorus_buf_init(&p->head, p->b.opt.max_size);
	*out = p;
	return 0;
}

void chorus_feed_parser_free(struct chorus_feed_parser *p)
{
	if (!p)
		return;
	feed_xml_free(p->xml);
	chorus_buf_release(&p->head);
	chorus_feed_free(p->b.feed);
	free(p);
}

/*
 * The format from the first significant byte: '{' is JSON, anything else
 * is given to the XML reader. A UTF-8 BOM is skipped; UTF-16 and UTF-32
 * documents (NUL bytes or their BOMs) are XML, which libxml2 decodes.
 * Returns the mode, or MODE_SNIFF when more bytes are needed.
 */
static enum parser_mode sniff(const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		i = 3;
	for (; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			continue;
		return s[i] == '{' ? MODE_JSON : MODE_XML;
	}
	return n >= SNIFF_MAX ? MODE_XML : MODE_SNIFF;
}

int chorus_feed_sniff(const char *data, size_t len)
{
	size_t i, n = len < SNIFF_MAX ? len : SNIFF_MAX;
	enum parser_mode m = sniff((const unsigned char *)data, n);

	if (m == MODE_JSON) {
		/* A JSON Feed names its version near the top. */
		for (i = 0; i + 20 <= n; i++)
			if (!memcmp(data + i, "jsonfeed.org/version", 20))
				return 1;
		return 0;
	}
	if (m != MODE_XML)
		return 0;
	/* An XML feed's root: <rss, <feed, <rdf:RDF, <RDF, <channel. */
	for (i = 0; i + 4 < n; i++) {
		const char *q = data + i;

		if (*q != '<')
			continue;
		q++;
		if (*q == '?' || *q == '!')
			continue;
		if (!strncmp(q, "rss", 3) || !strncmp(q, "feed", 4) ||
		    !strncmp(q, "channel", 7) ||
		    (n - i > 8 &&
		     (!strncmp(q, "rdf:RDF", 7) || !strncmp(q, "RDF", 3))))
			return 1;
		/* Atom or RSS 1.0 with a prefix: <atom:feed, <x:RDF */
		while (q < data + n &&
		       (isalnum((unsigned char)*q) || *q == '_' || *q == '-'))
			q++;
		if (q < data + n - 5 && *q == ':' &&
		    (!strncmp(q + 1, "feed", 4) || !strncmp(q + 1, "RDF", 3)))
			return 1;
		return 0;
	}
	return 0;
}

static int start_mode(struct chorus_feed_parser *p, enum parser_mode m)
{
	int rc;

	p->mode = m;
	if (m == MODE_XML) {
		rc = feed_xml_new(&p->b, p->head.data, p->head.len, &p->xml);
		chorus_buf_release(&p->head);
		chorus_buf_init(&p->head, p->b.opt.max_size);
		return rc;
	}
	return 0;
}

int chorus_feed_parser_push(struct chorus_feed_parser *p, const char *data,
			    size_t len, struct chorus_err *err)
{
	int rc;

	if (p->failed)
		return p->failed;
	if (len > p->b.opt.max_size || p->total > p->b.opt.max_size - len) {
		p->failed = CHORUS_ETOOBIG;
		return chorus_err_set(err, CHORUS_ETOOBIG,
				      "feed over the size cap of %zu bytes",
				      p->b.opt.max_size);
	}
	p->total += len;
	if (p->mode == MODE_SNIFF) {
		enum parser_mode m;

		if ((rc = chorus_buf_add(&p->head, data, len)))
			goto fail;
		/* Enough to read an XML declaration before deciding. */
		if (p->head.len < SNIFF_MIN)
			return 0;
		m = sniff((const unsigned char *)p->head.data, p->head.len);
		if (m == MODE_SNIFF)
			return 0;
		return (rc = start_mode(p, m)) ? (p->failed = rc) : 0;
	}
	if (p->mode == MODE_JSON) {
		if ((rc = chorus_buf_add(&p->head, data, len)))
			goto fail;
		return 0;
	}
	rc = feed_xml_push(p->xml, data, len, 0);
	if (rc)
		goto fail;
	return p->b.stopped;
fail:
	p->failed = rc;
	return chorus_err_set(err, rc, "feed: %s", chorus_strerror(rc));
}

static int error_cmp(const void *a, const void *b)
{
	const struct chorus_feed_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->message, y->message);
}

/*
 * Errors in document order, each once. The XML reader's repairs and
 * libxml2's reports arrive in an order that depends on how the bytes
 * were pushed; the list must not.
 */
static void sort_errors(struct chorus_feed *f)
{
	size_t i, o = 0;

	if (f->nerrors < 2)
		return;
	qsort(f->errors, f->nerrors, sizeof(*f->errors), error_cmp);
	for (i = 0; i < f->nerrors; i++) {
		if (o && !error_cmp(&f->errors[o - 1], &f->errors[i])) {
			free(f->errors[i].message);
			continue;
		}
		f->errors[o++] = f->errors[i];
	}
	f->nerrors = o;
}

int chorus_feed_parser_finish(struct chorus_feed_parser *p,
			      struct chorus_feed **out, struct chorus_err *err)
{
	enum parser_mode m;
	int rc = 0;

	*out = NULL;
	if (p->failed) {
		rc = p->failed;
		if (rc == CHORUS_ETOOBIG)
			return chorus_err_set(
			    err, rc, "feed over the size cap of %zu bytes",
			    p->b.opt.max_size);
		return chorus_err_set(err, rc, "feed: %s", chorus_strerror(rc));
	}
	if (p->mode == MODE_SNIFF) {
		if (!p->head.len)
			return chorus_err_set(err, CHORUS_EEMPTY,
					      "feed: the document is empty");
		m = sniff((const unsigned char *)p->head.data, p->head.len);
		if (m == MODE_SNIFF)
			return chorus_err_set(err, CHORUS_EEMPTY,
					      "feed: the document is blank");
		if ((rc = start_mode(p, m)))
			return chorus_err_set(err, rc, "feed: %s",
					      chorus_strerror(rc));
	}
	if (p->mode == MODE_JSON) {
		rc = feed_json_parse(&p->b, p->head.data, p->head.len, err);
		if (rc)
			return rc;
	} else {
		rc = feed_xml_push(p->xml, NULL, 0, 1);
		if (rc)
			return chorus_err_set(err, rc, "feed: %s",
					      chorus_strerror(rc));
		if (p->b.stopped)
			return chorus_err_set(err, p->b.stopped,
					      "feed: stopped by the caller");
		if (!feed_xml_found_feed(p->xml)) {
			const char *why = p->b.feed->nerrors
					      ? p->b.feed->errors[0].message
					      : "no feed element";

			return chorus_err_set(
			    err, CHORUS_EPARSE,
			    "feed: not an RSS or Atom document (%s)", why);
		}
	}
	sort_errors(p->b.feed);
	if (p->b.errors_dropped)
		/* The cap leaves room for one summary line. */
		p->b.feed->nerrors >= FEED_MAX_ERRORS
		    ? (void)0
		    : feed_error(&p->b, 0, "%ld more errors",
				 p->b.errors_dropped);
	*out = p->b.feed;
	p->b.feed = NULL;
	return 0;
}

int chorus_feed_parse(const char *data, size_t len,
		      const struct chorus_feed_options *opt,
		      struct chorus_feed **out, struct chorus_err *err)
{
	struct chorus_feed_parser *p;
	size_t off = 0;
	int rc;

	*out = NULL;
	if ((rc = chorus_feed_parser_new(opt, NULL, NULL, &p, err)))
		return rc;
	/* Pushed in slices so libxml2's buffer stays small. */
	while (!rc && off < len) {
		size_t n = len - off > 65536 ? 65536 : len - off;

		rc = chorus_feed_parser_push(p, data + off, n, err);
		off += n;
	}
	if (!rc)
		rc = chorus_feed_parser_finish(p, out, err);
	chorus_feed_parser_free(p);
	return rc;
}

int chorus_feed_parse_file(const char *path,
			   const struct chorus_feed_options *opt,
			   chorus_feed_entry_cb cb, void *ctx,
			   struct chorus_feed **out, struct chorus_err *err)
{
	struct chorus_feed_parser *p = NULL;
	char *chunk = NULL;
	int fd = -1, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return chorus_err_set(
		    err, errno == ENOENT ? CHORUS_ENOTFOUND : CHORUS_EIO,
		    "%s: %s", path, strerror(errno));
	chunk = malloc(65536);
	if (!chunk) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = chorus_feed_parser_new(opt, cb, ctx, &p, err)))
		goto out;
	for (;;) {
		ssize_t n = read(fd, chunk, 65536);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
					    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = chorus_feed_parser_push(p, chunk, (size_t)n, err)))
			goto out;
	}
	rc = chorus_feed_parser_finish(p, out, err);
out:
	if (rc)
		chorus_err_prefix(err, path);
	chorus_feed_parser_free(p);
	free(chunk);
	close(fd);
	return rc;
}

/* ---- to an article ---- */

/* Undo a half-filled conversion (the fields this module set). */
static void article_unfill(struct chorus_article *a)
{
	free(a->key);
	free(a->source);
	free(a->title);
	free(a->link);
	free(a->author);
	free(a->language);
	free(a->summary);
	free(a->text);
	a->key = a->source = a->title = a->link = a->author = NULL;
	a->language = a->summary = a->text = NULL;
}

int chorus_feed_entry_to_article(const struct chorus_feed *feed,
				 const struct chorus_feed_entry *entry,
				 int64_t fallback_date,
				 struct chorus_article *a,
				 struct chorus_err *err)
{
	const char *key = entry->id && *entry->id ? entry->id : entry->link;
	const char *body = entry->content ? entry->content : entry->summary;
	const char *source =
	    feed->title && *feed->title ? feed->title : feed->link;

	if (!key || !*key)
		return chorus_err_set(err, CHORUS_EEMPTY,
				      "feed entry has neither id nor link");
	a->key = chorus_strdup(key);
	a->source = chorus_strdup(source);
	a->title = chorus_strdup(entry->title);
	a->link = chorus_strdup(entry->link);
	a->author = chorus_strdup(entry->author);
	a->language =
	    chorus_strdup(entry->language ? entry->language : feed->language);
	a->summary = chorus_strdup(entry->summary);
	a->text = body ? chorus_feed_html_to_text(body, strlen(body))
		       : chorus_strdup("");
	if (!a->key || (source && !a->source) || (entry->title && !a->title) ||
	    (entry->link && !a->link) || (entry->author && !a->author) ||
	    !a->text || (entry->summary && !a->summary) ||
	    ((entry->language || feed->language) && !a->language)) {
		article_unfill(a);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	a->date_known = 1;
	if (entry->has_published) {
		a->published = entry->published;
	} else if (entry->has_updated) {
		a->published = entry->updated;
	} else {
		a->published = fallback_date;
		a->date_known = 0;
	}
	a->updated = entry->has_updated ? entry->updated : a->published;
	return 0;
}

/* ---- JSON ---- */

static int set_str(json_t *obj, const char *key, const char *val)
{
	json_t *s;

	if (!val)
		return 0;
	s = json_string(val);
	if (!s)
		return CHORUS_ENOMEM;
	return json_object_set_new(obj, key, s) ? CHORUS_ENOMEM : 0;
}

static int set_date(json_t *obj, const char *key, int has, int64_t t)
{
	char buf[CHORUS_DATE_RFC3339_LEN];

	if (!has)
		return 0;
	chorus_date_format(t, buf);
	return set_str(obj, key, buf);
}

static json_t *entry_json(const struct chorus_feed_entry *e)
{
	json_t *o = json_object(), *cats = json_array(), *encs = json_array();
	size_t i;

	if (!o || !cats || !encs)
		goto fail;
	if (set_str(o, "id", e->id) || set_str(o, "title", e->title) ||
	    set_str(o, "link", e->link) ||
	    set_date(o, "published", e->has_published, e->published) ||
	    set_date(o, "updated", e->has_updated, e->updated) ||
	    set_str(o, "author", e->author) ||
	    set_str(o, "summary", e->summary) ||
	    set_str(o, "content", e->content))
		goto fail;
	for (i = 0; i < e->ncategories; i++)
		if (json_array_append_new(cats, json_string(e->categories[i])))
			goto fail;
	for (i = 0; i < e->nenclosures; i++) {
		const struct chorus_feed_enclosure *en = &e->enclosures[i];
		json_t *x = json_object();

		if (!x || json_array_append_new(encs, x) ||
		    set_str(x, "url", en->url) || set_str(x, "type", en->type))
			goto fail;
		if (en->length >= 0 &&
		    json_object_set_new(x, "length",
					json_integer((json_int_t)en->length)))
			goto fail;
	}
	if (json_object_set_new(o, "categories", cats) ||
	    json_object_set_new(o, "enclosures", encs)) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	json_decref(o);
	json_decref(cats);
	json_decref(encs);
	return NULL;
}

int chorus_feed_to_json(const struct chorus_feed *feed, struct chorus_buf *out,
			struct chorus_err *err)
{
	json_t *root = json_object(), *entries = json_array(),
	       *errors = json_array();
	char *s = NULL;
	size_t i;
	int rc = CHORUS_ENOMEM;

	if (!root || !entries || !errors)
		goto out;
	if (set_str(root, "format", chorus_feed_format_name(feed->format)) ||
	    set_str(root, "title", feed->title) ||
	    set_str(root, "link", feed->link) ||
	    set_str(root, "id", feed->id) ||
	    set_date(root, "updated", feed->has_updated, feed->updated) ||
	    set_str(root, "language", feed->language) ||
	    set_str(root, "author", feed->author))
		goto out;
	for (i = 0; i < feed->nentries; i++) {
		json_t *e = entry_json(&feed->entries[i]);

		if (!e || json_array_append_new(entries, e))
			goto out;
	}
	for (i = 0; i < feed->nerrors; i++) {
		json_t *e = json_object();

		if (!e || json_array_append_new(errors, e) ||
		    json_object_set_new(e, "line",
					json_integer(feed->errors[i].line)) ||
		    set_str(e, "message", feed->errors[i].message))
			goto out;
	}
	if (json_object_set(root, "entries", entries) ||
	    json_object_set(root, "errors", errors))
		goto out;
	s = json_dumps(root, JSON_PRESERVE_ORDER);
	if (!s)
		goto out;
	rc = chorus_buf_adds(out, s);
	if (!rc)
		rc = chorus_buf_addc(out, '\n');
out:
	free(s);
	json_decref(root);
	json_decref(entries);
	json_decref(errors);
	if (rc)
		return chorus_err_set(err, rc, "feed to JSON: %s",
				      chorus_strerror(rc));
	return 0;
}
