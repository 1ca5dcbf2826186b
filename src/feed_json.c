/*
 * The JSON Feed reader (versions 1.0 and 1.1) on jansson. A JSON Feed is
 * one object, so it is loaded whole (its size is capped by the parser's
 * max_size) and its items are handed on one by one as entries, exactly as
 * the XML reader does. Bytes that are not UTF-8 are repaired first, since
 * jansson refuses them and feeds in the wild carry them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed_int.h"

/* A copy of data with every invalid UTF-8 sequence replaced by U+FFFD. */
static char *repair_utf8(const char *data, size_t len, size_t *out_len)
{
	struct chorus_buf b;
	size_t i = 0;

	chorus_buf_init(&b, 0);
	while (i < len) {
		const unsigned char *p = (const unsigned char *)data + i;
		size_t k = 0;

		if (p[0] < 0x80)
			k = 1;
		else if (p[0] >= 0xc2 && p[0] <= 0xdf && i + 1 < len &&
			 (p[1] & 0xc0) == 0x80)
			k = 2;
		else if (p[0] >= 0xe0 && p[0] <= 0xef && i + 2 < len &&
			 (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
			 !(p[0] == 0xe0 && p[1] < 0xa0) &&
			 !(p[0] == 0xed && p[1] >= 0xa0))
			k = 3;
		else if (p[0] >= 0xf0 && p[0] <= 0xf4 && i + 3 < len &&
			 (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
			 (p[3] & 0xc0) == 0x80 &&
			 !(p[0] == 0xf0 && p[1] < 0x90) &&
			 !(p[0] == 0xf4 && p[1] >= 0x90))
			k = 4;
		if (k ? chorus_buf_add(&b, p, k)
		      : chorus_buf_adds(&b, "\xef\xbf\xbd")) {
			chorus_buf_release(&b);
			return NULL;
		}
		i += k ? k : 1;
	}
	return chorus_buf_detach(&b, out_len);
}

/* A member as a cleaned string (numbers too, for ids); NULL if absent. */
static char *get_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	char num[32];

	if (json_is_string(v))
		return feed_clean_text(json_string_value(v),
				       json_string_length(v), NULL);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(v));
		return chorus_strdup(num);
	}
	return NULL;
}

/* The first author's name: 1.1's authors[], else 1.0's author. */
static char *get_author(json_t *obj)
{
	json_t *authors = json_object_get(obj, "authors");
	json_t *a = json_is_array(authors) ? json_array_get(authors, 0)
					   : json_object_get(obj, "author");

	return json_is_object(a) ? get_str(a, "name") : NULL;
}

static void get_date(struct feed_builder *b, json_t *obj, const char *key,
		     int64_t *t, int *has)
{
	char *s = get_str(obj, key);

	if (s && !feed_parse_date(b, 0, s, t))
		*has = 1;
	free(s);
}

static int take_html(struct feed_builder *b, char **slot, char *s,
		     enum feed_text_type type, const char *base)
{
	if (!s)
		return 0;
	*slot = feed_make_html(b, s, type, base);
	free(s);
	return *slot ? 0 : CHORUS_ENOMEM;
}

static int read_item(struct feed_builder *b, json_t *item, const char *base)
{
	struct chorus_feed_entry e;
	json_t *tags, *atts, *v;
	size_t i;
	char *s;
	int rc = CHORUS_ENOMEM;

	memset(&e, 0, sizeof(e));
	e.id = get_str(item, "id");
	s = get_str(item, "url");
	if (!s)
		s = get_str(item, "external_url");
	if (s) {
		e.link = feed_resolve_url(base, s);
		free(s);
		if (!e.link)
			goto out;
	}
	s = get_str(item, "title");
	if (s && *s)
		e.title = s;
	else
		free(s);
	e.author = get_author(item);
	e.language = get_str(item, "language");
	if (take_html(b, &e.summary, get_str(item, "summary"), FEED_TEXT_PLAIN,
		      base))
		goto out;
	s = get_str(item, "content_html");
	if (s) {
		if (take_html(b, &e.content, s, FEED_TEXT_HTML, base))
			goto out;
	} else if (take_html(b, &e.content, get_str(item, "content_text"),
			     FEED_TEXT_PLAIN, base)) {
		goto out;
	}
	get_date(b, item, "date_published", &e.published, &e.has_published);
	get_date(b, item, "date_modified", &e.updated, &e.has_updated);
	tags = json_object_get(item, "tags");
	json_array_foreach(tags, i, v)
	{
		char **l;

		if (!json_is_string(v))
			continue;
		l = realloc(e.categories, (e.ncategories + 1) * sizeof(*l));
		if (!l)
			goto out;
		e.categories = l;
		l[e.ncategories] = feed_clean_text(json_string_value(v),
						   json_string_length(v), NULL);
		if (!l[e.ncategories])
			goto out;
		e.ncategories++;
	}
	atts = json_object_get(item, "attachments");
	json_array_foreach(atts, i, v)
	{
		struct chorus_feed_enclosure *n;
		json_t *size;
		char *url;

		if (!json_is_object(v) || !(url = get_str(v, "url")))
			continue;
		n = realloc(e.enclosures, (e.nenclosures + 1) * sizeof(*n));
		if (!n) {
			free(url);
			goto out;
		}
		e.enclosures = n;
		n += e.nenclosures++;
		n->url = url;
		n->type = get_str(v, "mime_type");
		size = json_object_get(v, "size_in_bytes");
		n->length =
		    json_is_integer(size) && json_integer_value(size) >= 0
			? (int64_t)json_integer_value(size)
			: -1;
	}
	return feed_emit_entry(b, &e);
out:
	chorus_feed_entry_release(&e);
	return rc;
}

int feed_json_parse(struct feed_builder *b, const char *data, size_t len,
		    struct chorus_err *err)
{
	struct chorus_feed *f = b->feed;
	json_error_t jerr;
	json_t *root, *items, *item;
	char *fixed = NULL, *home;
	const char *version;
	size_t i;
	int rc = 0;

	root = json_loadb(data, len, 0, &jerr);
	if (!root && json_error_code(&jerr) == json_error_invalid_utf8) {
		size_t n;

		fixed = repair_utf8(data, len, &n);
		if (!fixed)
			return chorus_err_set(err, CHORUS_ENOMEM,
					      "out of memory");
		feed_error(b, jerr.line, "invalid UTF-8 replaced");
		root = json_loadb(fixed, n, 0, &jerr);
	}
	if (!root) {
		rc = chorus_err_set(err, CHORUS_EPARSE, "JSON Feed:%d: %s",
				    jerr.line, jerr.text);
		goto out;
	}
	version = json_string_value(json_object_get(root, "version"));
	items = json_object_get(root, "items");
	if (!json_is_object(root) || (!version && !json_is_array(items)) ||
	    (version && !strstr(version, "jsonfeed.org/version/"))) {
		rc = chorus_err_set(err, CHORUS_EPARSE,
				    "JSON but not a JSON Feed");
		goto out;
	}
	f->format = version && strstr(version, "version/1.1")
			? CHORUS_FEED_JSON11
			: CHORUS_FEED_JSON10;
	f->title = get_str(root, "title");
	f->link = get_str(root, "home_page_url");
	f->language = get_str(root, "language");
	f->author = get_author(root);
	home = f->link		 ? f->link
	       : b->opt.base_url ? (char *)b->opt.base_url
				 : NULL;
	if (!json_is_array(items))
		feed_error(b, 0, "JSON Feed without items");
	json_array_foreach(items, i, item)
	{
		if (!json_is_object(item))
			continue;
		if ((rc = read_item(b, item, home))) {
			rc = chorus_err_set(err, rc, "JSON Feed item %zu: %s",
					    i, chorus_strerror(rc));
			goto out;
		}
	}
out:
	json_decref(root);
	free(fixed);
	return rc;
}
