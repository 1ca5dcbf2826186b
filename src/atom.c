/*
 * feed.atom (RFC 4287), written with libxml2's xmlwriter so that every
 * piece of text is escaped by the library, never by hand.
 *
 * One entry per story: the story's stable urn:uuid id, published = its
 * first report, updated = its last (it moves only when a source joins),
 * the story page as rel="alternate", each member article as rel="related"
 * titled with its outlet, a text summary, and HTML content rendered from
 * the atom-content.mustache template.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "chorus/date.h"
#include "render_int.h"

/* Wraps xmlwriter calls: any negative result is a failure. */
#define W(call)                                                                \
	do {                                                                   \
		if ((call) < 0)                                                \
			goto fail;                                             \
	} while (0)

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
	if (type && xmlTextWriterWriteAttribute(w, BAD_CAST "type",
						BAD_CAST type) < 0)
		return -1;
	if (title && xmlTextWriterWriteAttribute(w, BAD_CAST "title",
						 BAD_CAST title) < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

/* The summary sentences as one paragraph of plain text. */
static char *summary_text(const struct chorus_story_view *v)
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

static int write_entry(struct render_ctx *ctx, xmlTextWriterPtr w,
		       const struct render_story *rs, struct chorus_err *err)
{
	const struct chorus_story_view *v = &rs->view;
	struct chorus_buf content = CHORUS_BUF_INIT;
	char *page = render_abs_url(ctx->site, rs->page), *summary = NULL;
	json_t *data = NULL;
	size_t i;
	int rc = CHORUS_ENOMEM;

	if (!page)
		goto out;
	/* Links in the content must work from wherever it is read. */
	data = json_pack("{s:o}", "story",
			 render_story_json(ctx, rs, ""));
	if (!data)
		goto out;
	rc = template_set_render(ctx->templates, "atom-content.mustache", data,
				 &content, err);
	if (rc)
		goto out;
	rc = CHORUS_ENOMEM;
	summary = summary_text(v);
	if (!summary)
		goto out;
	W(xmlTextWriterStartElement(w, BAD_CAST "entry"));
	W(xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST v->story->uuid));
	W(xmlTextWriterStartElement(w, BAD_CAST "title"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "text"));
	W(xmlTextWriterWriteString(w, BAD_CAST v->headline));
	W(xmlTextWriterEndElement(w));
	W(write_date(w, "published", v->first));
	W(write_date(w, "updated", v->last));
	W(write_link(w, "alternate", page, "text/html", NULL));
	for (i = 0; i < v->n_members; i++) {
		const struct chorus_story_member *m = &v->members[i];
		char *url = m->source ? render_article_url(ctx->site, m->article,
							   m->source, "")
				      : NULL;
		int bad = !url ||
			  write_link(w, "related", url, NULL,
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
	W(xmlTextWriterStartElement(w, BAD_CAST "summary"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "text"));
	W(xmlTextWriterWriteString(w, BAD_CAST summary));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "content"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "html"));
	W(xmlTextWriterWriteString(w, BAD_CAST chorus_buf_cstr(&content)));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndElement(w));
	rc = 0;
	goto out;
fail:
	rc = chorus_err_set(err, CHORUS_EIO, "feed.atom: cannot write entry %s",
			    v->story->uuid);
out:
	free(page);
	free(summary);
	json_decref(data);
	chorus_buf_release(&content);
	if (rc == CHORUS_ENOMEM)
		chorus_err_set(err, rc, "out of memory");
	return rc;
}

int render_atom(struct render_ctx *ctx, struct chorus_buf *out,
		struct chorus_err *err)
{
	const struct chorus_site *site = ctx->site;
	size_t max = site->feed_page_size ? site->feed_page_size : 50;
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	char id[CHORUS_STORY_ID_LEN];
	char *self = render_abs_url(site, "feed.atom");
	char *home = render_abs_url(site, "index.html");
	int64_t updated = 0;
	size_t i;
	int rc = 0;

	if (!w || !self || !home) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ctx->n_stories; i++)
		if (ctx->stories[i].view.last > updated)
			updated = ctx->stories[i].view.last;
	if (!ctx->n_stories)
		updated = site->source_date_epoch >= 0 ? site->source_date_epoch
						       : 0;
	/* The feed's id: stable for the site, from its link or title. */
	chorus_story_id(site->link ? site->link : site->title, id);
	W(xmlTextWriterSetIndent(w, 1));
	W(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "feed"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
				      BAD_CAST "http://www.w3.org/2005/Atom"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang",
				      BAD_CAST site->language));
	W(xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST id));
	W(xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST site->title));
	if (site->subtitle)
		W(xmlTextWriterWriteElement(w, BAD_CAST "subtitle",
					    BAD_CAST site->subtitle));
	W(write_date(w, "updated", updated));
	W(xmlTextWriterStartElement(w, BAD_CAST "author"));
	W(xmlTextWriterWriteElement(w, BAD_CAST "name",
				    BAD_CAST(site->author ? site->author
							  : site->title)));
	W(xmlTextWriterEndElement(w));
	W(write_link(w, "self", self, "application/atom+xml", NULL));
	W(write_link(w, "alternate", home, "text/html", NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "generator"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "version",
				      BAD_CAST CHORUS_VERSION));
	W(xmlTextWriterWriteString(w, BAD_CAST "chorus"));
	W(xmlTextWriterEndElement(w));
	for (i = 0; i < ctx->n_stories && i < max && !rc; i++)
		rc = write_entry(ctx, w, &ctx->stories[i], err);
	if (rc)
		goto out;
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	if (chorus_buf_add(out, xmlBufferContent(xb),
			   (size_t)xmlBufferLength(xb)))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	goto out;
fail:
	rc = chorus_err_set(err, CHORUS_EIO, "feed.atom: cannot write the feed");
out:
	if (w)
		xmlFreeTextWriter(w);
	if (xb)
		xmlBufferFree(xb);
	free(self);
	free(home);
	return rc;
}
