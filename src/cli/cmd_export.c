/*
 * `chorus export`: the subscriptions as an OPML 2.0 document on stdout,
 * for another feed reader (or another chorus site) to import.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "chorus/opml.h"
#include "cli.h"

static const char usage[] = "chorus [-C DIR] [-c FILE] [-q] [-v] export";

int cmd_export(int argc, char **argv, struct cli_ctx *ctx)
{
	struct chorus_opml_outline *o = NULL;
	struct chorus_feed_state *states = NULL;
	struct chorus_opml_head head;
	struct chorus_buf out = CHORUS_BUF_INIT;
	struct chorus_buf title = CHORUS_BUF_INIT;
	struct chorus_err err = {0};
	size_t i, n;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "", NULL, ctx)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n\nPrint the subscriptions of "
			       "chorus.ini "
			       "as an OPML 2.0 document, which\nfeed readers "
			       "(and 'chorus import') read.\n",
			       usage);
			return EXIT_OK;
		}
		return cli_usage_error(usage);
	}
	if (optind < argc)
		return cli_usage_error(usage);
	rc = cli_open(ctx, 1);
	if (rc)
		goto out;
	n = ctx->site.n_feeds;
	o = calloc(n ? n : 1, sizeof(*o));
	states = calloc(n ? n : 1, sizeof(*states));
	if (!o || !states ||
	    chorus_buf_printf(&title, "%s: subscriptions", ctx->site.title)) {
		rc = chorus_err_set(&err, CHORUS_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		const struct chorus_feed_config *fc = &ctx->site.feeds[i];
		int found;

		chorus_feed_state_init(&states[i]);
		rc = chorus_store_feed_get(ctx->store, fc->url, &states[i],
					   &found, &err);
		if (rc)
			goto fail;
		o[i].xml_url = fc->url;
		o[i].text = fc->name	      ? fc->name
			    : states[i].title ? states[i].title
					      : fc->url;
	}
	head.title = title.data;
	head.owner_name = ctx->site.author;
	head.date_modified = -1;
	rc = chorus_opml_write(&head, o, n, &out, &err);
	if (!rc && fwrite(out.data, 1, out.len, stdout) != out.len)
		rc = chorus_err_set(&err, CHORUS_EIO, "stdout: write failed");
fail:
	if (rc)
		rc = cli_fail(ctx, &err);
out:
	for (i = 0; states && i < ctx->site.n_feeds; i++)
		chorus_feed_state_release(&states[i]);
	free(states);
	free(o);
	chorus_buf_release(&out);
	chorus_buf_release(&title);
	cli_close(ctx);
	return rc;
}
