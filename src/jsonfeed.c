/*
 * feed.json: JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of the same
 * stories as feed.atom, written with jansson.
 *
 * JSON Feed URLs must be absolute, so home_page_url, feed_url, icon and
 * each item's url are given only when [site] link is set (the build warns
 * when it is not); every item still has its stable id (the story's
 * urn:uuid, as in the Atom feed), its title, dates, tags and HTML content.
 */
#include <stdlib.h>
#include <string.h>

#include "chorus/date.h"
#include "render_int.h"

static int set(json_t *o, const char *key, json_t *v)
{
	return v && !json_object_set_new(o, key, v) ? 0 : CHORUS_ENOMEM;
}

static int set_str(json_t *o, const char *key, const char *s)
{
	return s ? set(o, key, json_string(s)) : 0;
}

/* An absolute URL for public/rel, or NULL when [site] link is unset. */
static char *abs_url(const struct chorus_site *site, const char *rel)
{
	if (!site->link || !*site->link)
		return NULL;
	if (strstr(rel, "://"))
		return chorus_strdup(rel);
	return render_abs_url(site, rel);
}

static int set_url(json_t *o, const struct chorus_site *site, const char *key,
		   const char *rel)
{
	char *url = abs_url(site, rel);
	int rc = url ? set_str(o, key, url) : 0;

	free(url);
	return rc;
}

static int set_date(json_t *o, const char *key, int64_t t)
{
	char iso[CHORUS_DATE_RFC3339_LEN];

	chorus_date_format(t, iso);
	return set_str(o, key, iso);
}

static json_t *item_json(struct render_ctx *ctx, const struct render_story *rs,
			 struct chorus_err *err)
{
	const struct chorus_story_view *v = &rs->view;
	struct chorus_buf html = CHORUS_BUF_INIT;
	char *summary = render_summary_text(v);
	json_t *o = json_object(), *tags = json_array();
	size_t i;
	int rc = !o || !tags || !summary ? CHORUS_ENOMEM : 0;

	if (!rc)
		rc = render_story_html(ctx, rs, "", &html, err);
	if (rc)
		goto out;
	for (i = 0; i < v->names.n && !rc; i++)
		rc = json_array_append_new(tags, json_string(v->names.v[i]))
			 ? CHORUS_ENOMEM
			 : 0;
	if (!rc)
		rc = set_str(o, "id", v->story->uuid);
	if (!rc)
		rc = set_url(o, ctx->site, "url", rs->page);
	if (!rc)
		rc = set_str(o, "title", v->headline);
	if (!rc)
		rc = set_str(o, "content_html", chorus_buf_cstr(&html));
	if (!rc)
		rc = set_str(o, "summary", summary);
	if (!rc)
		rc = set_date(o, "date_published", v->first);
	if (!rc)
		rc = set_date(o, "date_modified", v->last);
	if (!rc && v->names.n) {
		rc = set(o, "tags", tags);
		tags = NULL;
	}
out:
	json_decref(tags);
	free(summary);
	chorus_buf_release(&html);
	if (rc) {
		if (rc == CHORUS_ENOMEM)
			chorus_err_set(err, rc, "out of memory");
		json_decref(o);
		return NULL;
	}
	return o;
}

int render_jsonfeed(struct render_ctx *ctx,
		    const struct render_story *const *stories, size_t n,
		    struct chorus_buf *out, struct chorus_err *err)
{
	const struct chorus_site *site = ctx->site;
	json_t *feed = json_object(), *items = json_array();
	char *text = NULL;
	size_t i;
	int rc = !feed || !items ? CHORUS_ENOMEM : 0;

	if (!rc)
		rc = set_str(feed, "version",
			     "https://jsonfeed.org/version/1.1");
	if (!rc)
		rc = set_str(feed, "title", site->title);
	if (!rc)
		rc = set_url(feed, site, "home_page_url", "");
	if (!rc)
		rc = set_url(feed, site, "feed_url", "feed.json");
	if (!rc)
		rc = set_str(feed, "description", site->subtitle);
	if (!rc && site->icon && *site->icon)
		rc = set_url(feed, site, "icon", site->icon);
	if (!rc)
		rc = set(feed, "authors",
			 json_pack("[{s:s}]", "name",
				   site->author ? site->author : site->title));
	if (!rc)
		rc = set_str(feed, "language", site->language);
	for (i = 0; i < n && !rc; i++) {
		json_t *item = item_json(ctx, stories[i], err);

		if (!item)
			rc = err && err->code ? err->code : CHORUS_ENOMEM;
		else if (json_array_append_new(items, item))
			rc = CHORUS_ENOMEM;
	}
	if (!rc) {
		rc = set(feed, "items", items);
		items = NULL;
	}
	if (!rc)
		text = json_dumps(feed, JSON_INDENT(2));
	if (!rc &&
	    (!text || chorus_buf_adds(out, text) || chorus_buf_addc(out, '\n')))
		rc = CHORUS_ENOMEM;
	free(text);
	json_decref(items);
	json_decref(feed);
	if (rc == CHORUS_ENOMEM)
		return chorus_err_set(err, rc, "out of memory");
	return rc;
}
