/*
 * `chorus import FILE.opml`: subscribe to every feed an OPML file lists
 * (folders of any depth), skipping those already subscribed, in one
 * rewrite of chorus.ini.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chorus/opml.h"
#include "cli.h"

static const char usage[] =
    "chorus [-C DIR] [-c FILE] [-q] [-v] import FILE.opml";

int cmd_import(int argc, char **argv, struct cli_ctx *ctx)
{
	struct chorus_buf data = CHORUS_BUF_INIT;
	struct chorus_opml_list list;
	struct chorus_feed_config *add = NULL;
	struct chorus_err err = {0};
	size_t i, k, n = 0, known = 0, bad = 0;
	char *path = NULL;
	int c, rc;

	memset(&list, 0, sizeof(list));
	while ((c = cli_getopt(argc, argv, "", NULL, ctx)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n\nSubscribe to every feed (outline "
			       "with an xmlUrl) of an OPML file:\neach becomes "
			       "a [feed \"URL\"] section of chorus.ini named "
			       "after the\noutline's title. Feeds already "
			       "subscribed are left as they are; URLs\nthat "
			       "are not http:// or https:// are named and "
			       "skipped.\n",
			       usage);
			return EXIT_OK;
		}
		return cli_usage_error(usage);
	}
	if (optind + 1 != argc)
		return cli_usage_error(usage);
	rc = cli_open(ctx, 1);
	if (rc)
		goto out;
	rc = chorus_file_read(argv[optind], 64u << 20, &data, &err);
	if (!rc)
		rc = chorus_opml_read(chorus_buf_cstr(&data), data.len,
				      argv[optind], &list, &err);
	if (!rc && !(add = calloc(list.n ? list.n : 1, sizeof(*add))))
		rc = chorus_err_set(&err, CHORUS_ENOMEM, "out of memory");
	for (i = 0; !rc && i < list.n; i++) {
		const char *url = list.v[i].xml_url;
		struct chorus_err uerr = {0};
		int dup = chorus_site_feed(&ctx->site, url) != NULL;

		for (k = 0; !dup && k < n; k++)
			dup = !strcmp(add[k].url, url);
		if (dup) {
			known++;
			continue;
		}
		if (chorus_config_url_check(url, &uerr)) {
			chorus_report_say(&ctx->report, CHORUS_REPORT_WARN,
					  "%s: %s, skipped", argv[optind],
					  uerr.msg);
			bad++;
			continue;
		}
		add[n].url = list.v[i].xml_url;
		/* A title that chorus.ini cannot hold is left out. */
		add[n].name =
		    list.v[i].title && !strpbrk(list.v[i].title, "\n\r;#")
			? list.v[i].title
			: NULL;
		n++;
	}
	if (!rc && n) {
		path = cli_config_path(ctx);
		rc = path
			 ? chorus_config_feeds_add(path, add, n, &err)
			 : chorus_err_set(&err, CHORUS_ENOMEM, "out of memory");
	}
	if (rc) {
		rc = cli_fail(ctx, &err);
		goto out;
	}
	if (!ctx->quiet)
		printf("chorus: %zu feeds subscribed, %zu already were, %zu "
		       "skipped\n",
		       n, known, bad);
out:
	free(add);
	free(path);
	chorus_opml_list_release(&list);
	chorus_buf_release(&data);
	cli_close(ctx);
	return rc;
}
