/*
 * Site rendering (see include/chorus/render.h): computes the view of every
 * story, orders them newest first, turns each page into JSON data and
 * renders it with its Mustache template. Story pages come first and the
 * index and feed last, so a run killed halfway never publishes an index
 * that links to pages not yet written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chorus/date.h"
#include "chorus/file.h"
#include "chorus/text.h"
#include "render_int.h"

int render_write(struct render_ctx *ctx, const char *rel, const char *data,
		 size_t len, struct chorus_err *err)
{
	char *path = chorus_path_join(ctx->site->public_dir, rel);
	char *slash;
	int rc, changed = 0;

	if (!path)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rc = chorus_file_mkdirs(path, err);
		*slash = '/';
		if (rc)
			goto out;
	}
	rc = chorus_file_write_atomic(path, data, len, &changed, err);
	if (!rc) {
		if (changed)
			ctx->stats->written++;
		else
			ctx->stats->unchanged++;
	}
out:
	free(path);
	return rc;
}

char *render_href(const char *from_dir, const char *rel)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	const char *p;
	int rc = 0;

	for (p = from_dir; *p && !rc; p++)
		if (*p == '/')
			rc = chorus_buf_adds(&b, "../");
	if (!rc)
		rc = chorus_buf_adds(&b, rel);
	if (rc) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

char *render_abs_url(const struct chorus_site *site, const char *rel)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	size_t n;

	if (!site->link || !*site->link)
		return chorus_strdup(rel);
	n = strlen(site->link);
	if (chorus_buf_adds(&b, site->link) ||
	    (site->link[n - 1] != '/' && chorus_buf_addc(&b, '/')) ||
	    chorus_buf_adds(&b, rel)) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

const struct chorus_source *render_source(const struct chorus_corpus *c,
					  int64_t id)
{
	size_t i;

	for (i = 0; i < c->n_sources; i++)
		if (c->sources[i].id == id)
			return &c->sources[i];
	return NULL;
}

char *render_source_page(const struct chorus_source *s)
{
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (chorus_buf_printf(&b, "sources/%s.html", s->slug)) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

char *render_article_anchor(const char *key)
{
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (chorus_buf_adds(&b, "a-") || chorus_text_slug(key, 80, &b)) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

char *render_article_url(const struct chorus_site *site,
			 const struct chorus_stored_article *a,
			 const struct chorus_source *src, const char *from_dir)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	char *page, *anchor, *url = NULL;

	if (a->a.link && *a->a.link)
		return chorus_strdup(a->a.link);
	page = render_source_page(src);
	anchor = render_article_anchor(a->a.key);
	if (page && anchor && !chorus_buf_printf(&b, "%s#%s", page, anchor))
		url = site->link ? render_abs_url(site, b.data)
				 : render_href(from_dir, b.data);
	chorus_buf_release(&b);
	free(page);
	free(anchor);
	return url;
}

json_t *render_date_json(int64_t t)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	char iso[CHORUS_DATE_RFC3339_LEN], human[40];
	int y, mo, d, h, mi;

	chorus_date_format(t, iso);
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 ||
	    mo < 1 || mo > 12)
		return NULL;
	snprintf(human, sizeof(human), "%d %s %d, %02d:%02d UTC", d,
		 months[mo - 1], y, h, mi);
	return json_pack("{s:s, s:s}", "iso", iso, "human", human);
}

/* Append to an array, taking the reference; fails on NULL. */
static int push(json_t *arr, json_t *v)
{
	return v && !json_array_append_new(arr, v) ? 0 : CHORUS_ENOMEM;
}

static json_t *strings_json(const struct chorus_strlist *l)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < l->n; i++)
		if (push(arr, json_pack("{s:s}", "text", l->v[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/*
 * Mark each element of an array of objects with "is_last", true on the
 * last one only. Every element gets the key: Mustache looks a missing name
 * up in the enclosing contexts, so a key on some elements only would leak.
 */
static void mark_last(json_t *arr)
{
	size_t n = json_array_size(arr), i;

	for (i = 0; i < n; i++)
		json_object_set_new(json_array_get(arr, i), "is_last",
				    json_boolean(i + 1 == n));
}

static json_t *member_json(struct render_ctx *ctx,
			   const struct chorus_story_member *m,
			   const char *from_dir)
{
	const struct chorus_article *a = &m->article->a;
	char *title = chorus_article_display_title(a);
	char *page = m->source ? render_source_page(m->source) : NULL;
	char *href = page ? render_href(from_dir, page) : NULL;
	char *link = m->source ? render_article_url(ctx->site, m->article,
						    m->source, from_dir)
			       : NULL;
	json_t *o = NULL;

	if (title && href && link)
		o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:b}",
			      "source", m->source->name, "source_url", href,
			      "title", title, "link", link, "author", a->author,
			      "subtitle", a->subtitle, "date",
			      render_date_json(a->published), "only",
			      strings_json(&m->only), "has_only",
			      m->only.n > 0);
	free(title);
	free(page);
	free(href);
	free(link);
	return o;
}

json_t *render_story_json(struct render_ctx *ctx,
			  const struct render_story *rs, const char *from_dir)
{
	const struct chorus_story_view *v = &rs->view;
	char *url = render_href(from_dir, rs->page);
	json_t *o = NULL, *members = json_array(), *sources = json_array();
	json_t *names = json_array();
	size_t i, k;

	if (!url || !members || !sources || !names)
		goto fail;
	for (i = 0; i < v->n_members; i++) {
		const struct chorus_story_member *m = &v->members[i];
		int seen = 0;

		if (push(members, member_json(ctx, m, from_dir)))
			goto fail;
		for (k = 0; k < i && !seen; k++)
			seen = v->members[k].source == m->source;
		if (!seen && m->source) {
			char *page = render_source_page(m->source);
			char *href = page ? render_href(from_dir, page) : NULL;
			int rc = push(sources,
				      href ? json_pack("{s:s, s:s}", "name",
						       m->source->name, "url",
						       href)
					   : NULL);

			free(page);
			free(href);
			if (rc)
				goto fail;
		}
	}
	mark_last(sources);
	for (i = 0; i < v->names.n; i++)
		if (push(names, json_pack("{s:s}", "name", v->names.v[i])))
			goto fail;
	mark_last(names);
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:O, s:O, s:O, s:o, s:o, "
		      "s:I, s:I, s:b, s:b, s:s?, s:b}",
		      "headline", v->headline, "id", v->story->uuid, "slug",
		      v->story->slug, "url", url, "summary",
		      strings_json(&v->summary), "members", members, "sources",
		      sources, "names", names, "first",
		      render_date_json(v->first), "last",
		      render_date_json(v->last), "n_sources",
		      (json_int_t)v->n_sources, "n_articles",
		      (json_int_t)v->n_members, "many_sources",
		      v->n_sources > 1, "same_day",
		      v->last - v->first < 86400, "lead",
		      v->summary.n ? v->summary.v[0] : NULL, "has_names",
		      v->names.n > 0);
fail:
	free(url);
	json_decref(members);
	json_decref(sources);
	json_decref(names);
	return o;
}

/* Data every page shares: the site, the way back to the top, the feed. */
static json_t *page_json(struct render_ctx *ctx, const char *from_dir,
			 const char *title, const char *description)
{
	const struct chorus_site *s = ctx->site;
	char *root = render_href(from_dir, "");
	char *feed = render_href(from_dir, "feed.atom");
	char *css = render_href(from_dir, "style.css");
	char *index = render_href(from_dir, "index.html");
	/* Feeds (issue 7): JSON Feed autodiscovery, the OPML list. */
	char *json_feed = render_href(from_dir, "feed.json");
	char *opml = render_href(from_dir, "sources.opml");
	json_t *o = NULL;

	if (root && feed && css && index && json_feed && opml)
		o = json_pack("{s:{s:s, s:s?, s:s, s:s?}, s:s, s:s, s:s, "
			      "s:s, s:s?, s:s?, s:s, s:s, s:s}",
			      "site", "title", s->title, "subtitle",
			      s->subtitle, "language", s->language, "link",
			      s->link, "root", root, "feed_url", feed,
			      "style_url", css, "index_url", index,
			      "page_title", title, "description", description,
			      "generator", "chorus " CHORUS_VERSION,
			      "json_feed_url", json_feed, "opml_url", opml);
	free(json_feed);
	free(opml);
	free(root);
	free(feed);
	free(css);
	free(index);
	return o;
}

static int render_page(struct render_ctx *ctx, const char *template,
		       const char *rel, json_t *data, struct chorus_err *err)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	int rc;

	if (!data)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = template_set_render(ctx->templates, template, data, &out, err);
	if (!rc)
		rc = render_write(ctx, rel, chorus_buf_cstr(&out), out.len, err);
	chorus_buf_release(&out);
	json_decref(data);
	return rc;
}

static int story_pages(struct render_ctx *ctx, struct chorus_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < ctx->n_stories && !rc; i++) {
		const struct render_story *rs = &ctx->stories[i];
		json_t *data = page_json(ctx, "stories/", rs->view.headline,
					 rs->view.summary.n
						 ? rs->view.summary.v[0]
						 : NULL);

		if (data && json_object_set_new(
				    data, "story",
				    render_story_json(ctx, rs, "stories/"))) {
			json_decref(data);
			data = NULL;
		}
		rc = render_page(ctx, "story.mustache", rs->page, data, err);
		chorus_report_progress(ctx->report, "rendering stories",
				       (long)i + 1, (long)ctx->n_stories);
	}
	return rc;
}

/* The published story an article belongs to, or NULL. */
static const struct render_story *story_of(struct render_ctx *ctx,
					   int64_t story_id)
{
	size_t i;

	for (i = 0; i < ctx->n_stories; i++)
		if (ctx->stories[i].view.story->id == story_id)
			return &ctx->stories[i];
	return NULL;
}

static json_t *source_articles_json(struct render_ctx *ctx,
				    const struct chorus_source *src)
{
	json_t *arr = json_array();
	size_t i;

	/* Newest first, as on the index. */
	for (i = ctx->corpus->n_articles; arr && i-- > 0;) {
		const struct chorus_stored_article *a = &ctx->corpus->articles[i];
		const struct render_story *rs;
		char *title, *anchor, *story_url;
		json_t *o = NULL;

		if (a->source_id != src->id)
			continue;
		rs = story_of(ctx, a->story_id);
		title = chorus_article_display_title(&a->a);
		anchor = render_article_anchor(a->a.key);
		story_url = rs ? render_href("sources/", rs->page) : NULL;
		if (title && anchor && (story_url || !rs))
			o = json_pack("{s:s, s:s, s:s?, s:o, s:s?, s:s?}",
				      "title", title, "anchor", anchor, "link",
				      a->a.link, "date",
				      render_date_json(a->a.published),
				      "story_url", story_url, "story_headline",
				      rs ? rs->view.headline : NULL);
		free(title);
		free(anchor);
		free(story_url);
		if (push(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int source_pages(struct render_ctx *ctx, struct chorus_err *err)
{
	const struct chorus_corpus *c = ctx->corpus;
	size_t i;
	int rc = 0;

	for (i = 0; i < c->n_sources && !rc; i++) {
		const struct chorus_source *src = &c->sources[i];
		char *page = render_source_page(src);
		json_t *data = page ? page_json(ctx, "sources/", src->name,
						NULL)
				    : NULL;

		if (data &&
		    (json_object_set_new(data, "source",
					 json_pack("{s:s, s:s?, s:s+}", "name",
						   src->name, "url",
						   src->url, "feed_url",
						   src->slug, ".atom")) ||
		     json_object_set_new(data, "articles",
					 source_articles_json(ctx, src)))) {
			json_decref(data);
			data = NULL;
		}
		rc = page ? render_page(ctx, "source.mustache", page, data, err)
			  : chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		free(page);
	}
	return rc;
}

static int index_pages(struct render_ctx *ctx, struct chorus_err *err)
{
	size_t per = ctx->site->index_page_size ? ctx->site->index_page_size
						 : 30;
	size_t pages = ctx->n_stories ? (ctx->n_stories + per - 1) / per : 1;
	size_t p, i;
	int rc = 0;

	for (p = 1; p <= pages && !rc; p++) {
		const char *dir = p == 1 ? "" : "page/";
		struct chorus_buf rel = CHORUS_BUF_INIT, prev = CHORUS_BUF_INIT,
				  next = CHORUS_BUF_INIT;
		json_t *data = page_json(ctx, dir, NULL, ctx->site->subtitle);
		json_t *stories = json_array();

		for (i = (p - 1) * per; data && stories && i < ctx->n_stories &&
					i < p * per;
		     i++)
			if (push(stories, render_story_json(
						  ctx, &ctx->stories[i], dir)))
				break;
		if (p == 1)
			rc = chorus_buf_adds(&rel, "index.html");
		else
			rc = chorus_buf_printf(&rel, "page/%zu.html", p);
		if (!rc && p > 1)
			rc = p == 2 ? chorus_buf_adds(&prev, "../index.html")
				    : chorus_buf_printf(&prev, "%zu.html",
							p - 1);
		if (!rc && p < pages)
			rc = chorus_buf_printf(&next, p == 1 ? "page/%zu.html"
							     : "%zu.html",
					       p + 1);
		if (rc || !data || !stories ||
		    json_array_size(stories) !=
			    (p * per < ctx->n_stories ? per
						      : ctx->n_stories -
								(p - 1) * per)) {
			json_decref(stories);
			json_decref(data);
			data = NULL;
		} else if (json_object_set_new(data, "stories", stories) ||
		    json_object_set_new(
			    data, "pager",
			    json_pack("{s:I, s:I, s:s?, s:s?, s:b}", "page",
				      (json_int_t)p, "pages",
				      (json_int_t)pages, "prev",
				      prev.data, "next", next.data,
				      "several", pages > 1))) {
			json_decref(data);
			data = NULL;
		}
		stories = NULL;
		rc = render_page(ctx, "index.mustache", rel.data, data, err);
		chorus_buf_release(&rel);
		chorus_buf_release(&prev);
		chorus_buf_release(&next);
	}
	return rc;
}

static int static_files(struct render_ctx *ctx, struct chorus_err *err)
{
	const char *css;
	size_t len;

	css = template_set_source(ctx->templates, "style.css", &len, err);
	if (!css)
		return err && err->code ? err->code
					: chorus_err_set(err, CHORUS_ENOTFOUND,
							 "template style.css "
							 "not found");
	return render_write(ctx, "style.css", css, len, err);
}

static int cmp_story(const void *a, const void *b)
{
	const struct render_story *x = a, *y = b;

	if (x->view.last != y->view.last)
		return x->view.last > y->view.last ? -1 : 1;
	if (x->view.first != y->view.first)
		return x->view.first > y->view.first ? -1 : 1;
	return strcmp(x->view.story->slug, y->view.story->slug);
}

int chorus_render_site(const struct chorus_site *site,
		       const struct chorus_corpus *c,
		       struct chorus_render_stats *stats,
		       struct chorus_report *report, struct chorus_err *err)
{
	return chorus_render_site_archived(site, NULL, c, stats, report, err);
}

int chorus_render_site_archived(const struct chorus_site *site,
				struct chorus_store *st,
				const struct chorus_corpus *c,
				struct chorus_render_stats *stats,
				struct chorus_report *report,
				struct chorus_err *err)
{
	struct render_ctx ctx = {site, c, NULL, 0, NULL, stats, report, st, 0};
	size_t i;
	int rc;

	memset(stats, 0, sizeof(*stats));
	rc = template_set_new(&ctx.templates, site->templates_dir, err);
	if (rc)
		return rc;
	ctx.stories = calloc(c->n_stories + 1, sizeof(*ctx.stories));
	if (!ctx.stories) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c->n_stories && !rc; i++) {
		struct render_story *rs = &ctx.stories[ctx.n_stories];
		struct chorus_buf page = CHORUS_BUF_INIT;

		if (c->stories[i].merged_into)
			continue;
		rc = chorus_story_view_compute(c, &c->stories[i], &rs->view,
					       err);
		if (rc)
			break;
		if (!rs->view.n_members) {
			chorus_story_view_release(&rs->view);
			continue;
		}
		ctx.n_stories++;
		if (chorus_buf_printf(&page, "stories/%s.html",
				      c->stories[i].slug)) {
			rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
			break;
		}
		rs->page = chorus_buf_detach(&page, NULL);
		chorus_report_progress(report, "summarising", (long)i + 1,
				       (long)c->n_stories);
	}
	if (rc)
		goto out;
	qsort(ctx.stories, ctx.n_stories, sizeof(*ctx.stories), cmp_story);
	stats->stories = ctx.n_stories;
	rc = static_files(&ctx, err);
	if (!rc)
		rc = story_pages(&ctx, err);
	if (!rc)
		rc = source_pages(&ctx, err);
	if (!rc)
		rc = index_pages(&ctx, err);
	if (!rc)
		rc = render_feeds(&ctx, err); /* src/atom_feeds.c */
out:
	for (i = 0; ctx.stories && i < ctx.n_stories; i++) {
		chorus_story_view_release(&ctx.stories[i].view);
		free(ctx.stories[i].page);
	}
	free(ctx.stories);
	template_set_free(ctx.templates);
	return rc;
}
