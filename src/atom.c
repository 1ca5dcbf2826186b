/*
 * Atom documents (RFC 4287), written with libxml2's xmlwriter so that
 * every piece of text is escaped by a library, never by hand: by libxml2,
 * or (an element's text: titles, summaries, the content HTML, most of a
 * feed's bytes) by chorus_buf_add_escaped(), chorus's one escaper, which
 * writes what libxml2 would (see write_escaped()) at a fraction of the
 * cost. One writer
 * serves feed.atom, its RFC 5005 archive pages (src/atom_archive.c) and
 * the per-outlet feeds sources/SLUG.atom.
 *
 * One entry per story: the story's stable urn:uuid id, published = its
 * first report, updated = its last (it moves only when a source joins),
 * the story page as rel="alternate", each member article as rel="related"
 * titled with its outlet, the story's names as categories, a text summary
 * and HTML content (summary, what each outlet adds, the sources) rendered
 * from the atom-content.mustache template.
 *
 * An outlet's feed (sources/SLUG.atom) holds its 20 newest stories (fewer
 * with a smaller feed_size) as short entries: the summary and a link to
 * the story page (atom-outlet-content.mustache), no related link per
 * outlet. A story is in the feed of each of its outlets: its entry is
 * written once and its bytes copied into each.
 *
 * Links are absolute when [site] link is set. Without it they are relative
 * to the document that holds them, which RFC 4287 allows (resolved against
 * the document's own URL) but some readers do not follow; the build warns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "chorus/date.h"
#include "render_int.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define FH_NS "http://purl.org/syndication/history/1.0"

/* Wraps xmlwriter calls: any negative result is a failure. */
#define W(call)                                                                \
	do {                                                                   \
		if ((call) < 0)                                                \
			goto fail;                                             \
	} while (0)

char *render_doc_dir(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return chorus_strndup(rel, slash ? (size_t)(slash - rel) + 1 : 0);
}

char *render_feed_url(const struct chorus_site *site, const char *from_dir,
		      const char *rel)
{
	if (site->link && *site->link)
		return render_abs_url(site, rel);
	return render_href(from_dir, rel);
}

char *render_feed_id(const struct chorus_site *site, const char *suffix)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	char id[CHORUS_STORY_ID_LEN];

	/* Stable for the site: from its link, else its title. */
	if (chorus_buf_adds(&b, site->link && *site->link ? site->link
							  : site->title) ||
	    (suffix && chorus_buf_adds(&b, suffix))) {
		chorus_buf_release(&b);
		return NULL;
	}
	chorus_story_id(chorus_buf_cstr(&b), id);
	chorus_buf_release(&b);
	return chorus_strdup(id);
}

static int write_date(xmlTextWriterPtr w, const char *name, int64_t t)
{
	char iso[CHORUS_DATE_RFC3339_LEN];

	chorus_date_format(t, iso);
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST iso);
}

static int write_link(xmlTextWriterPtr w, const char *rel, const char *href,
		      const char *type, const char *title)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "link") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST rel) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST href) < 0)
		return -1;
	if (type &&
	    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST type) < 0)
		return -1;
	if (title && xmlTextWriterWriteAttribute(w, BAD_CAST "title",
						 BAD_CAST title) < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

/* A link to public/REL as seen from the document in from_dir. */
static int write_rel_link(const struct chorus_site *site, xmlTextWriterPtr w,
			  const char *from_dir, const char *rel,
			  const char *target, const char *type)
{
	char *href = render_feed_url(site, from_dir, target);
	int rc = href ? write_link(w, rel, href, type, NULL) : -1;

	free(href);
	return rc;
}

/*
 * xmlTextWriterWriteString() of an element's text: libxml2 escapes it with
 * xmlEncodeSpecialChars() (& < > " as entities, '\r' as &#13;, every other
 * byte as it is) and writes the result raw. chorus_buf_add_escaped() with
 * CHORUS_ESCAPE_QUOTE writes the same entities for the same bytes, a word
 * at a time; it has no case for '\r', so text holding one goes to libxml2.
 * (tests/unit/test_render.c compares the two.)
 */
static int write_escaped(struct template_set *ts, xmlTextWriterPtr w,
			 const char *text)
{
	/* The thread's buffer, grown once: no allocation per text. */
	struct chorus_buf *b = template_set_escape_buf(ts);
	size_t n = strlen(text);

	if (memchr(text, '\r', n))
		return xmlTextWriterWriteString(w, BAD_CAST text);
	if (chorus_buf_add_escaped(b, text, n, CHORUS_ESCAPE_QUOTE))
		return -1;
	return xmlTextWriterWriteRawLen(w, BAD_CAST chorus_buf_cstr(b),
					(int)b->len);
}

/* An element of text; ts is the calling thread's template set. */
static int write_text(struct template_set *ts, xmlTextWriterPtr w,
		      const char *name, const char *type, const char *text)
{
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0 ||
	    (type && xmlTextWriterWriteAttribute(w, BAD_CAST "type",
						 BAD_CAST type) < 0) ||
	    write_escaped(ts, w, text) < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

char *render_summary_text(const struct chorus_story_view *v)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	size_t i;

	for (i = 0; i < v->summary.n; i++)
		if ((i && chorus_buf_addc(&b, ' ')) ||
		    chorus_buf_adds(&b, v->summary.v[i])) {
			chorus_buf_release(&b);
			return NULL;
		}
	return chorus_buf_detach(&b, NULL);
}

/*
 * The story's content HTML is the same in every document of one folder
 * (an outlet's feed, sources/SLUG.atom, holds the stories of each of its
 * outlets): the last one rendered for each story is kept, by folder.
 */
static struct render_html_memo *memo_of(struct render_ctx *ctx,
					const struct render_story *rs)
{
	uintptr_t p = (uintptr_t)rs, a = (uintptr_t)ctx->stories;

	if (!ctx->html_memo || p < a || p >= a + ctx->n_stories * sizeof(*rs))
		return NULL;
	return &ctx->html_memo[(p - a) / sizeof(*rs)];
}

/*
 * render_story_html() with the templates ts of the calling thread; the
 * memo is read and kept only when keep is set (an archive page's entry is
 * written once: keeping its HTML would be a copy for nothing).
 */
static int story_html(struct render_ctx *ctx, struct template_set *ts,
		      const struct render_story *rs, const char *from_dir,
		      int keep, struct chorus_buf *out, struct chorus_err *err)
{
	struct render_html_memo *m = keep ? memo_of(ctx, rs) : NULL;
	size_t before = out->len;
	json_t *data;
	int rc;

	if (m && m->dir && !strcmp(m->dir, from_dir))
		return chorus_buf_add(out, m->html, m->len)
			   ? chorus_err_set(err, CHORUS_ENOMEM, "out of memory")
			   : 0;
	data = json_pack("{s:o}", "story",
			 render_story_json_memo(ctx, rs, from_dir));
	if (!data)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = template_set_render(ts, "atom-content.mustache", data, out, err);
	json_decref(data);
	if (!rc && m) {
		char *dir = chorus_strdup(from_dir);
		char *html =
		    chorus_strndup(out->data + before, out->len - before);

		free(m->dir);
		free(m->html);
		m->dir = dir;
		m->html = html;
		m->len = out->len - before;
		if (!dir || !html) { /* a memo is only an optimisation */
			free(m->dir);
			free(m->html);
			memset(m, 0, sizeof(*m));
		}
	}
	return rc;
}

int render_story_html(struct render_ctx *ctx, const struct render_story *rs,
		      const char *from_dir, struct chorus_buf *out,
		      struct chorus_err *err)
{
	return story_html(ctx, ctx->templates, rs, from_dir, 1, out, err);
}

/*
 * An outlet's feed entry carries the summary and a link to the story page
 * (atom-outlet-content.mustache), not the whole story nor a related link
 * per outlet: a story is in the feed of each of its outlets, and the story
 * page, one click away, has all of it.
 */
static int outlet_html(struct render_ctx *ctx, struct template_set *ts,
		       const struct render_story *rs, const char *from_dir,
		       struct chorus_buf *out, struct chorus_err *err)
{
	const struct chorus_story_view *v = &rs->view;
	char *url = render_feed_url(ctx->site, from_dir, rs->page);
	json_t *summary = json_array(), *data = NULL;
	size_t i;
	int rc = url && summary ? 0 : CHORUS_ENOMEM;

	for (i = 0; !rc && i < v->summary.n; i++)
		if (json_array_append_new(
			summary, json_pack("{s:s}", "text", v->summary.v[i])))
			rc = CHORUS_ENOMEM;
	if (!rc)
		data = json_pack(
		    "{s:{s:O, s:s, s:s, s:I, s:b}}", "story", "summary",
		    summary, "headline", v->headline, "url", url, "n_sources",
		    (json_int_t)v->n_sources, "many_sources", v->n_sources > 1);
	json_decref(summary);
	free(url);
	if (!data)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = template_set_render(ts, "atom-outlet-content.mustache", data, out,
				 err);
	json_decref(data);
	return rc;
}

static int write_entry(struct render_ctx *ctx, struct template_set *ts,
		       xmlTextWriterPtr w, const char *from_dir,
		       const struct render_story *rs, int outlet,
		       struct chorus_err *err)
{
	const struct chorus_story_view *v = &rs->view;
	struct chorus_buf content = CHORUS_BUF_INIT;
	char *summary = NULL;
	size_t i;
	int rc;

	/* Links in the content must work from wherever it is read. */
	rc = outlet
		 ? outlet_html(ctx, ts, rs, from_dir, &content, err)
		 : story_html(ctx, ts, rs, from_dir,
			      strcmp(from_dir, "archive/") != 0, &content, err);
	if (rc)
		goto out;
	summary = render_summary_text(v);
	if (!summary) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	W(xmlTextWriterStartElement(w, BAD_CAST "entry"));
	W(xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST v->story->uuid));
	W(write_text(ts, w, "title", "text", v->headline));
	W(write_date(w, "published", v->first));
	W(write_date(w, "updated", v->last));
	W(write_rel_link(ctx->site, w, from_dir, "alternate", rs->page,
			 "text/html"));
	/* An outlet's entry links the story page only, which lists all. */
	for (i = 0; !outlet && i < v->n_members; i++) {
		const struct chorus_story_member *m = &v->members[i];
		char *url = m->source ? render_article_url(ctx, m->article,
							   m->source, from_dir)
				      : NULL;
		int bad = !url || write_link(w, "related", url, NULL,
					     m->source->name) < 0;

		free(url);
		if (bad)
			goto fail;
	}
	for (i = 0; i < v->names.n; i++) {
		W(xmlTextWriterStartElement(w, BAD_CAST "category"));
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "term",
					      BAD_CAST v->names.v[i]));
		W(xmlTextWriterEndElement(w));
	}
	W(write_text(ts, w, "summary", "text", summary));
	W(write_text(ts, w, "content", "html", chorus_buf_cstr(&content)));
	W(xmlTextWriterEndElement(w));
	rc = 0;
	goto out;
fail:
	rc = chorus_err_set(err, CHORUS_EIO, "cannot write the entry of %s",
			    v->story->uuid);
out:
	free(summary);
	chorus_buf_release(&content);
	return rc;
}

int64_t render_newest(const struct render_story *const *stories, size_t n,
		      int64_t otherwise)
{
	int64_t t = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (!i || stories[i]->view.last > t)
			t = stories[i]->view.last;
	return n ? t : otherwise;
}

/* The feed's metadata, before its entries. */
static int write_head(struct render_ctx *ctx, xmlTextWriterPtr w,
		      const struct atom_doc *d, const char *from_dir)
{
	struct template_set *ts = d->ts ? d->ts : ctx->templates;
	const struct chorus_site *site = ctx->site;
	char *icon = NULL;
	int rc = -1;

	W(xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST d->id));
	W(write_text(ts, w, "title", "text", d->title));
	if (d->subtitle)
		W(write_text(ts, w, "subtitle", "text", d->subtitle));
	W(write_date(w, "updated",
		     render_newest(d->stories, d->n_stories, d->updated)));
	W(xmlTextWriterStartElement(w, BAD_CAST "author"));
	W(xmlTextWriterWriteElement(
	    w, BAD_CAST "name",
	    BAD_CAST(site->author ? site->author : site->title)));
	W(xmlTextWriterEndElement(w));
	W(write_rel_link(site, w, from_dir, "self", d->rel,
			 "application/atom+xml"));
	W(write_rel_link(site, w, from_dir, "alternate", d->alternate,
			 "text/html"));
	if (d->current)
		W(write_rel_link(site, w, from_dir, "current", d->current,
				 "application/atom+xml"));
	if (d->prev_archive)
		W(write_rel_link(site, w, from_dir, "prev-archive",
				 d->prev_archive, "application/atom+xml"));
	if (d->next_archive)
		W(write_rel_link(site, w, from_dir, "next-archive",
				 d->next_archive, "application/atom+xml"));
	W(xmlTextWriterStartElement(w, BAD_CAST "generator"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "version",
				      BAD_CAST CHORUS_VERSION));
	W(xmlTextWriterWriteString(w, BAD_CAST "chorus"));
	W(xmlTextWriterEndElement(w));
	if (site->icon && *site->icon) {
		icon = strstr(site->icon, "://")
			   ? chorus_strdup(site->icon)
			   : render_feed_url(site, from_dir, site->icon);
		if (!icon)
			goto fail;
		W(xmlTextWriterWriteElement(w, BAD_CAST "icon", BAD_CAST icon));
	}
	if (d->archive)
		W(xmlTextWriterStartElementNS(w, BAD_CAST "fh",
					      BAD_CAST "archive", NULL) < 0
		      ? -1
		      : xmlTextWriterEndElement(w));
	rc = 0;
fail:
	free(icon);
	return rc;
}

/* Room for a document of these entries and its head. */
static size_t doc_size(const struct atom_doc *d)
{
	size_t n = 8192, i;

	for (i = 0; d->entries && i < d->n_stories; i++)
		n += d->entries[i].len;
	return n;
}

int render_atom_doc(struct render_ctx *ctx, const struct atom_doc *d,
		    struct chorus_buf *out, struct chorus_err *err)
{
	/* Sized once: an archive page's 60 kB would grow by copies. */
	xmlBufferPtr xb = xmlBufferCreateSize(doc_size(d));
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	char *from_dir = render_doc_dir(d->rel);
	size_t i;
	int rc = 0;

	if (!w || !from_dir) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	W(xmlTextWriterSetIndent(w, 1));
	W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "feed"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST ATOM_NS));
	if (d->archive)
		W(xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:fh",
					      BAD_CAST FH_NS));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang",
				      BAD_CAST ctx->site->language));
	W(write_head(ctx, w, d, from_dir));
	for (i = 0; i < d->n_stories && !rc; i++)
		if (d->entries)
			W(xmlTextWriterWriteRawLen(w,
						   BAD_CAST d->entries[i].data,
						   (int)d->entries[i].len));
		else
			rc = write_entry(ctx, d->ts ? d->ts : ctx->templates, w,
					 from_dir, d->stories[i], 0, err);
	if (rc) {
		chorus_err_prefix(err, d->rel);
		goto out;
	}
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	if (chorus_buf_add(out, xmlBufferContent(xb),
			   (size_t)xmlBufferLength(xb)))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	goto out;
fail:
	rc = chorus_err_set(err, CHORUS_EIO, "%s: cannot write the feed",
			    d->rel);
out:
	if (w)
		xmlFreeTextWriter(w);
	if (xb)
		xmlBufferFree(xb);
	free(from_dir);
	return rc;
}

/*
 * The stories of each outlet, newest first, at most max each: lists[i]
 * for c->sources[i] (one pass over the stories, not one per outlet).
 */
static int source_story_lists(struct render_ctx *ctx, size_t max,
			      const struct render_story ***lists,
			      size_t *counts)
{
	const struct chorus_corpus *c = ctx->corpus;
	size_t k, m, j;

	for (k = 0; k < ctx->n_stories; k++) {
		const struct chorus_story_view *v = &ctx->stories[k].view;

		for (m = 0; m < v->n_members; m++) {
			const struct chorus_source *src = v->members[m].source;
			size_t i;

			if (!src)
				continue;
			for (j = 0; j < m && v->members[j].source != src; j++)
				;
			if (j < m)
				continue; /* the outlet is listed already */
			i = (size_t)(src - c->sources);
			if (i >= c->n_sources || counts[i] >= max)
				continue;
			if (!lists[i] &&
			    !(lists[i] = calloc(max + 1, sizeof(*lists[i]))))
				return CHORUS_ENOMEM;
			lists[i][counts[i]++] = &ctx->stories[k];
		}
	}
	return 0;
}

/*
 * The bytes of rs's entry as they stand in a document (indented inside
 * <feed>): written by a writer of its own at the same depth, so that they
 * can be copied into a document (an outlet's entry into each of its
 * outlets' feeds) or written on another thread than the document.
 */
int render_atom_entry(struct render_ctx *ctx, struct template_set *ts,
		      const struct render_story *rs, const char *from_dir,
		      int outlet, struct chorus_buf *out,
		      struct chorus_err *err)
{
	/* Room for the largest entries: libxml2 grows a buffer by copies. */
	xmlBufferPtr xb = xmlBufferCreateSize(16384);
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	const char *p, *start, *end;
	int rc = 0;

	if (!w) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	W(xmlTextWriterSetIndent(w, 1));
	W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	/*
	 * A story's entry goes into a document that declares its encoding,
	 * where libxml2 writes attributes in UTF-8 (without a declaration it
	 * writes character references): the same declaration here, so that
	 * the bytes are the document's own. An outlet's entry has always
	 * been written without one, and its feeds stay as they were.
	 */
	if (!outlet)
		W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "feed"));
	rc = write_entry(ctx, ts, w, from_dir, rs, outlet, err);
	if (rc)
		goto out;
	W(xmlTextWriterEndElement(w));
	xmlFreeTextWriter(w);
	w = NULL;
	/* [declaration] "<feed>\n" ENTRY "</feed>\n": keep ENTRY. */
	p = (const char *)xmlBufferContent(xb);
	start = strstr(p, "<feed>\n");
	end = p + xmlBufferLength(xb);
	if (start)
		start += 6; /* at its newline */
	if (!start || end - start < 9 || memcmp(end - 8, "</feed>\n", 8))
		goto fail;
	if (chorus_buf_add(out, start + 1, (size_t)(end - 8 - start - 1)))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	goto out;
fail:
	rc = chorus_err_set(err, CHORUS_EIO, "cannot write the entry of %s",
			    rs->view.story->uuid);
out:
	if (w)
		xmlFreeTextWriter(w);
	if (xb)
		xmlBufferFree(xb);
	return rc;
}

/* An outlet's feed holds at most this many stories (or feed_size). */
#define OUTLET_FEED_MAX 20

int render_source_feeds(struct render_ctx *ctx, struct template_set *ts,
			struct chorus_err *err)
{
	const struct chorus_corpus *c = ctx->corpus;
	size_t max = ctx->site->feed_page_size ? ctx->site->feed_page_size : 50;
	const struct render_story ***lists;
	struct chorus_buf *entries = NULL; /* by story, made when needed */
	struct atom_entry *doc_entries = NULL;
	size_t *counts;
	size_t i, k, n;
	int rc = 0;

	if (max > OUTLET_FEED_MAX)
		max = OUTLET_FEED_MAX;
	lists = calloc(c->n_sources + 1, sizeof(*lists));
	counts = calloc(c->n_sources + 1, sizeof(*counts));
	entries = calloc(ctx->n_stories + 1, sizeof(*entries));
	doc_entries = calloc(max + 1, sizeof(*doc_entries));
	if (!lists || !counts || !entries || !doc_entries ||
	    source_story_lists(ctx, max, lists, counts)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c->n_sources && !rc; i++) {
		const struct chorus_source *src = &c->sources[i];
		struct chorus_buf rel = CHORUS_BUF_INIT,
				  title = CHORUS_BUF_INIT,
				  suffix = CHORUS_BUF_INIT,
				  body = CHORUS_BUF_INIT;
		char *id = NULL, *page = render_source_page(src);
		struct atom_doc d = {0};
		struct render_hasher h;
		uint64_t hash = 0;
		int same = 0;

		n = counts[i];
		if (!page ||
		    chorus_buf_printf(&rel, "sources/%s.atom", src->slug) ||
		    chorus_buf_printf(&title, "%s: %s", ctx->site->title,
				      src->name) ||
		    chorus_buf_printf(&suffix, "#sources/%s", src->slug) ||
		    !(id = render_feed_id(ctx->site, suffix.data)) ||
		    render_hasher_init(&h, ctx->config_hash))
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		/* Unchanged inputs, unchanged file: not rendered again. */
		if (!rc) {
			render_hasher_str(&h, rel.data);
			render_hasher_str(&h, title.data);
			render_hasher_str(&h, id);
			render_hasher_i64(&h, n ? 0 : ctx->now);
			for (k = 0; k < n; k++)
				render_hasher_i64(&h,
						  (int64_t)lists[i][k]->hash);
			hash = render_hasher_done(&h);
			rc = render_page_unchanged(ctx, rel.data, hash, &same);
		}
		d.rel = rel.data;
		d.id = id;
		d.title = title.data;
		d.stories = lists[i];
		d.n_stories = n;
		d.updated = ctx->now;
		d.alternate = page;
		d.entries = doc_entries;
		d.ts = ts;
		for (k = 0; !rc && !same && k < n; k++) {
			size_t at = (size_t)(lists[i][k] - ctx->stories);
			struct chorus_buf *e = &entries[at];

			if (!e->len)
				rc = render_atom_entry(ctx, ts, lists[i][k],
						       "sources/", 1, e, err);
			doc_entries[k].data = chorus_buf_cstr(e);
			doc_entries[k].len = e->len;
		}
		if (!rc && !same)
			rc = render_atom_doc(ctx, &d, &body, err);
		if (!rc && !same)
			rc = render_write(ctx, rel.data, chorus_buf_cstr(&body),
					  body.len, err);
		if (!rc && !same)
			rc = render_page_done(ctx, rel.data, hash);
		chorus_buf_release(&rel);
		chorus_buf_release(&title);
		chorus_buf_release(&suffix);
		chorus_buf_release(&body);
		free(id);
		free(page);
	}
out:
	for (i = 0; lists && i < c->n_sources; i++)
		free(lists[i]);
	for (i = 0; entries && i < ctx->n_stories; i++)
		chorus_buf_release(&entries[i]);
	free(entries);
	free(doc_entries);
	free(lists);
	free(counts);
	return rc;
}
