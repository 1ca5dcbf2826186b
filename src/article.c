/*
 * Articles, and reading plain-text articles (see include/chorus/article.h).
 *
 * A text file is read in three steps: repair the bytes into valid UTF-8,
 * take the `Key: value` header block if the file opens with one, then find
 * a headline (and a standfirst under it) when the header gave no Title.
 * An outlet named in a headline suffix ("… | The Independent") is taken as
 * the source when no Source header says otherwise.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chorus/article.h"
#include "chorus/buf.h"
#include "chorus/date.h"
#include "chorus/text.h"

void chorus_article_init(struct chorus_article *a)
{
	memset(a, 0, sizeof(*a));
}

void chorus_article_release(struct chorus_article *a)
{
	if (!a)
		return;
	free(a->key);
	free(a->source);
	free(a->title);
	free(a->subtitle);
	free(a->link);
	free(a->author);
	free(a->language);
	free(a->summary);
	free(a->text);
	chorus_article_init(a);
}

/* A line of the text being read: [start, start+len) without the '\n'. */
struct line {
	const char *start;
	size_t len;
};

static int next_line(const char **p, const char *end, struct line *l)
{
	const char *nl;

	if (*p >= end)
		return 0;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	l->start = *p;
	l->len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p = nl ? nl + 1 : end;
	return 1;
}

static int blank(const struct line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (!isspace((unsigned char)l->start[i]))
			return 0;
	return 1;
}

static char *trimmed_dup(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return chorus_strndup(s, len);
}

/* The header keys DESIGN.md defines, and where each one goes. */
enum header_key { H_TITLE, H_SOURCE, H_LINK, H_DATE, H_LANGUAGE, H_AUTHOR };

static const char *const header_names[] = {
    "Title", "Source", "Link", "Date", "Language", "Author",
};

/* Is l "Key: value" for a known key? Returns the key or -1. */
static int header_key(const struct line *l, const char **value,
		      size_t *value_len)
{
	const char *colon = memchr(l->start, ':', l->len);
	size_t klen, i;

	if (!colon)
		return -1;
	klen = (size_t)(colon - l->start);
	for (i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++) {
		if (strlen(header_names[i]) != klen ||
		    strncasecmp(l->start, header_names[i], klen))
			continue;
		*value = colon + 1;
		*value_len = l->len - klen - 1;
		return (int)i;
	}
	return -1;
}

/*
 * Take the header block at *p if the text opens with one: known keys only,
 * ended by a blank line (or the end of the text). On success *p moves past
 * it; otherwise nothing changes.
 */
static int read_header(struct chorus_article *a, const char **p,
		       const char *end, char **date)
{
	char **slots[] = {&a->title, &a->source,   &a->link,
			  date,	     &a->language, &a->author};
	const char *q = *p, *value;
	struct line l;
	size_t vlen, n = 0;
	int key;

	while (next_line(&q, end, &l) && !blank(&l)) {
		if (header_key(&l, &value, &vlen) < 0)
			return 0;
		n++;
	}
	if (!n)
		return 0;
	q = *p;
	while (next_line(&q, end, &l) && !blank(&l)) {
		key = header_key(&l, &value, &vlen);
		free(*slots[key]);
		*slots[key] = trimmed_dup(value, vlen);
		if (!*slots[key])
			return CHORUS_ENOMEM;
	}
	*p = q;
	return 0;
}

/*
 * "Headline | Outlet" or "Headline - Outlet": when the part after the last
 * separator is a short capitalised name, cut it off and return it.
 */
static char *cut_outlet_suffix(char *title)
{
	static const char *const seps[] = {" | ", " \xE2\x80\x94 ", " - "};
	size_t i;

	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		char *hit = title, *last = NULL, *name, *s, *copy;
		size_t words = 1;

		while ((hit = strstr(hit, seps[i]))) {
			last = hit;
			hit += strlen(seps[i]);
		}
		if (!last)
			continue;
		name = last + strlen(seps[i]);
		for (s = name; *s; s++)
			words += *s == ' ';
		if (!isupper((unsigned char)*name) || words > 5 ||
		    strlen(name) > 60)
			continue;
		copy = chorus_strdup(name);
		if (copy)
			*last = '\0';
		return copy;
	}
	return NULL;
}

/*
 * Copy the body from p to end: lines trimmed at their right, runs of blank
 * lines collapsed to one, no blank lines at either end.
 */
static int copy_body(const char *p, const char *end, char **out)
{
	struct chorus_buf body = CHORUS_BUF_INIT;
	int pending_blank = 0, rc = 0;
	struct line l;

	while (!rc && next_line(&p, end, &l)) {
		size_t len = l.len;

		while (len && isspace((unsigned char)l.start[len - 1]))
			len--;
		if (!len) {
			pending_blank = body.len > 0;
			continue;
		}
		if (body.len)
			rc = chorus_buf_adds(&body,
					     pending_blank ? "\n\n" : "\n");
		if (!rc)
			rc = chorus_buf_add(&body, l.start, len);
		pending_blank = 0;
	}
	if (rc) {
		chorus_buf_release(&body);
		return rc;
	}
	*out = chorus_buf_detach(&body, NULL);
	return *out ? 0 : CHORUS_ENOMEM;
}

/* Skip blank lines; return the next line without consuming it. */
static int peek_nonblank(const char **p, const char *end, struct line *l)
{
	const char *q;

	for (;;) {
		q = *p;
		if (!next_line(&q, end, l))
			return 0;
		if (!blank(l))
			return 1;
		*p = q;
	}
}

static int find_headline(struct chorus_article *a, const char **p,
			 const char *end)
{
	const char *q;
	struct line l;

	if (!peek_nonblank(p, end, &l) ||
	    !chorus_text_is_headline(l.start, l.len))
		return 0;
	q = *p;
	next_line(&q, end, &l);
	/* A headline needs a body under it. */
	{
		const char *r = q;
		struct line body;

		if (!peek_nonblank(&r, end, &body))
			return 0;
	}
	a->title = trimmed_dup(l.start, l.len);
	if (!a->title)
		return CHORUS_ENOMEM;
	*p = q;
	/* A second headline-like line with more text under it: standfirst. */
	if (peek_nonblank(p, end, &l) &&
	    chorus_text_is_headline(l.start, l.len)) {
		const char *r = *p;
		struct line body;

		next_line(&r, end, &l);
		if (peek_nonblank(&r, end, &body) &&
		    !chorus_text_is_headline(body.start, body.len)) {
			a->subtitle = trimmed_dup(l.start, l.len);
			if (!a->subtitle)
				return CHORUS_ENOMEM;
			*p = r;
		}
	}
	return 0;
}

int chorus_article_from_text(struct chorus_article *a, const char *key,
			     const char *data, size_t len,
			     int64_t fallback_date, unsigned *repairs,
			     long *repair_line, struct chorus_err *err)
{
	struct chorus_buf clean = CHORUS_BUF_INIT;
	const char *p, *end;
	char *date = NULL, *outlet = NULL;
	size_t bad = 0, i;
	long bad_line = 0;
	int rc;

	if (repairs)
		*repairs = 0;
	if (repair_line)
		*repair_line = 0;
	if (memchr(data, '\0', len))
		return chorus_err_set(
		    err, CHORUS_EBINARY, "binary file (NUL byte at offset %zu)",
		    (size_t)((const char *)memchr(data, '\0', len) - data));
	rc = chorus_text_utf8_repair(data, len, &clean, &bad, &bad_line);
	if (rc)
		goto fail;
	for (i = 0; i < clean.len && isspace((unsigned char)clean.data[i]); i++)
		;
	if (i == clean.len) {
		rc = chorus_err_set(err, CHORUS_EEMPTY, "empty file");
		goto out;
	}
	if (bad) {
		if (repairs)
			*repairs |= CHORUS_ARTICLE_REPAIRED_UTF8;
		if (repair_line)
			*repair_line = bad_line;
	}
	a->key = chorus_strdup(key);
	if (!a->key)
		goto nomem;
	p = clean.data;
	end = clean.data + clean.len;
	rc = read_header(a, &p, end, &date);
	if (!rc && !a->title)
		rc = find_headline(a, &p, end);
	if (rc)
		goto fail;
	rc = copy_body(p, end, &a->text);
	if (rc)
		goto fail;
	if (a->title && !(outlet = cut_outlet_suffix(a->title)) && a->subtitle)
		outlet = cut_outlet_suffix(a->subtitle);
	if (!a->source) {
		a->source = outlet ? outlet : chorus_strdup(key);
		outlet = NULL;
		if (!a->source)
			goto nomem;
	}
	a->published = fallback_date;
	if (date && *date) {
		if (chorus_date_parse(date, &a->published) == 0) {
			a->date_known = 1;
		} else if (repairs) {
			*repairs |= CHORUS_ARTICLE_BAD_DATE;
			a->published = fallback_date;
		}
	}
	a->updated = a->published;
	rc = 0;
	goto out;
nomem:
	rc = CHORUS_ENOMEM;
fail:
	chorus_err_set(err, rc, "%s", chorus_strerror(rc));
out:
	free(date);
	free(outlet);
	chorus_buf_release(&clean);
	return rc;
}
