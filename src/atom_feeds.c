/*
 * Every feed chorus publishes, in one place and in a safe order: the Atom
 * feed with its archives (src/atom_archive.c), feed.json of the same
 * stories (src/jsonfeed.c), one Atom feed per outlet (sources/SLUG.atom,
 * src/atom.c) and sources.opml, the list of subscriptions (the [feed]
 * sections of chorus.ini, then the per-outlet feeds), written with
 * chorus_opml_write().
 *
 * Feed readers need absolute links; without [site] link they stay
 * relative, and the build says so once (a warning, not a failure).
 */
#include <stdlib.h>
#include <string.h>

#include "chorus/opml.h"
#include "render_int.h"

/* The build's time: the newest article's date (data, not the clock). */
static int64_t build_time(const struct render_ctx *ctx)
{
	const struct chorus_corpus *c = ctx->corpus;
	int64_t t = -1;
	size_t i;

	for (i = 0; i < c->n_articles; i++)
		if (c->articles[i].a.published > t)
			t = c->articles[i].a.published;
	if (t < 0)
		t = ctx->site->source_date_epoch >= 0
			? ctx->site->source_date_epoch
			: 0;
	return t;
}

/* sources.opml: the remote subscriptions, then each outlet's own feed. */
static int write_opml(struct render_ctx *ctx, struct chorus_err *err)
{
	const struct chorus_site *site = ctx->site;
	const struct chorus_corpus *c = ctx->corpus;
	struct chorus_opml_outline groups[2], *subs, *outlets;
	struct chorus_opml_head head = {site->title, site->author, ctx->now};
	struct chorus_buf out = CHORUS_BUF_INIT;
	char **urls;
	size_t i, n_groups = 0, n_urls = 0;
	int rc = 0;

	memset(groups, 0, sizeof(groups));
	subs = calloc(site->n_feeds + 1, sizeof(*subs));
	outlets = calloc(c->n_sources + 1, sizeof(*outlets));
	urls = calloc(2 * c->n_sources + 1, sizeof(*urls));
	if (!subs || !outlets || !urls) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < site->n_feeds; i++) {
		subs[i].text = site->feeds[i].name ? site->feeds[i].name
						   : site->feeds[i].url;
		subs[i].xml_url = site->feeds[i].url;
	}
	for (i = 0; i < c->n_sources && !rc; i++) {
		struct chorus_buf rel = CHORUS_BUF_INIT;
		char *page = render_source_page(&c->sources[i]);

		if (page && !chorus_buf_printf(&rel, "sources/%s.atom",
					       c->sources[i].slug)) {
			urls[n_urls++] = render_feed_url(site, "", rel.data);
			urls[n_urls++] = render_feed_url(site, "", page);
		}
		if (!page || n_urls != 2 * (i + 1) || !urls[n_urls - 1] ||
		    !urls[n_urls - 2])
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		outlets[i].text = c->sources[i].name;
		outlets[i].xml_url = n_urls ? urls[n_urls - 2] : NULL;
		outlets[i].html_url = n_urls ? urls[n_urls - 1] : NULL;
		chorus_buf_release(&rel);
		free(page);
	}
	if (rc)
		goto out;
	if (site->n_feeds)
		groups[n_groups++] = (struct chorus_opml_outline){
		    "Subscriptions", NULL, NULL, subs, site->n_feeds};
	if (c->n_sources)
		groups[n_groups++] = (struct chorus_opml_outline){
		    "Outlets on this site", NULL, NULL, outlets, c->n_sources};
	rc = chorus_opml_write(&head, groups, n_groups, &out, err);
	if (!rc)
		rc = render_write(ctx, "sources.opml", chorus_buf_cstr(&out),
				  out.len, err);
out:
	for (i = 0; urls && i < n_urls; i++)
		free(urls[i]);
	free(urls);
	free(subs);
	free(outlets);
	chorus_buf_release(&out);
	return rc;
}

void render_feeds_prepare(struct render_ctx *ctx)
{
	ctx->now = build_time(ctx);
	if (!ctx->site->link || !*ctx->site->link)
		chorus_report_say(ctx->report, CHORUS_REPORT_WARN,
				  "feed links are relative until [site] link "
				  "is set in chorus.ini");
}

int render_feeds(struct render_ctx *ctx, struct chorus_err *err)
{
	const struct render_story **current = NULL;
	struct chorus_buf json = CHORUS_BUF_INIT;
	size_t n_current = 0;
	int rc;

	/* The subscription feeds last: what they link to exists by then. */
	rc = write_opml(ctx, err);
	if (!rc)
		rc = render_atom_archived(ctx, &current, &n_current, err);
	if (!rc)
		rc = render_jsonfeed(
		    ctx, (const struct render_story *const *)current, n_current,
		    &json, err);
	if (!rc)
		rc = render_write(ctx, "feed.json", chorus_buf_cstr(&json),
				  json.len, err);
	free(current);
	chorus_buf_release(&json);
	return rc;
}
