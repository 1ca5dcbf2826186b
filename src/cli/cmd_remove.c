/*
 * `chorus remove URL`: unsubscribe, by removing the [feed "URL"] section
 * from chorus.ini and forgetting the feed's polling state. Its articles
 * stay in the store and on the site.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] = "chorus [-C DIR] [-c FILE] [-q] [-v] remove URL";

int cmd_remove(int argc, char **argv, struct cli_ctx *ctx)
{
	struct chorus_err err = {0};
	const char *url;
	char *path;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "", NULL, ctx)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n\nUnsubscribe from the feed at URL: "
			       "remove its [feed \"URL\"] section\nfrom "
			       "chorus.ini (other lines stay as they were) and "
			       "forget its polling\nstate. The articles it "
			       "brought stay.\n",
			       usage);
			return EXIT_OK;
		}
		return cli_usage_error(usage);
	}
	if (optind + 1 != argc)
		return cli_usage_error(usage);
	url = argv[optind];
	rc = cli_open(ctx, 1);
	if (rc) {
		cli_close(ctx);
		return rc;
	}
	path = cli_config_path(ctx);
	if (!path)
		rc = chorus_err_set(&err, CHORUS_ENOMEM, "out of memory");
	else
		rc = chorus_config_feed_remove(path, url, &err);
	if (!rc)
		rc = chorus_store_feed_forget(ctx->store, url, &err);
	if (rc)
		rc = cli_fail(ctx, &err);
	else if (!ctx->quiet)
		printf("chorus: unsubscribed from %s (its articles stay)\n",
		       url);
	free(path);
	cli_close(ctx);
	return rc;
}
