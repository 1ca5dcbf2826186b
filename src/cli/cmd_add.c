/*
 * `chorus add URL [--name NAME]`: subscribe, by appending a [feed "URL"]
 * section to chorus.ini (every other line stays as it was).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] =
    "chorus [-C DIR] [-c FILE] [-q] [-v] add URL [--name NAME]";

int cmd_add(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option longs[] = {
	    {"name", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct chorus_err err = {0};
	const char *name = NULL, *url = NULL;
	char *path;
	int c, rc;

	/* The URL may come before or after --name. */
	for (;;) {
		c = cli_getopt(argc, argv, "", longs, ctx);
		if (c == -1) {
			if (optind >= argc)
				break;
			if (url)
				return cli_usage_error(usage);
			url = argv[optind++];
			continue;
		}
		if (c == 'h') {
			printf(
			    "usage: %s\n\nSubscribe to the feed at URL "
			    "(http:// "
			    "or https://): append a [feed \"URL\"]\nsection "
			    "to chorus.ini, with name = NAME when given (else "
			    "the feed's own\ntitle names the outlet). The next "
			    "'chorus poll' fetches it.\n",
			    usage);
			return EXIT_OK;
		}
		if (c == 'n') {
			name = optarg;
			continue;
		}
		return cli_usage_error(usage);
	}
	if (!url)
		return cli_usage_error(usage);
	rc = cli_open(ctx, 1);
	if (rc) {
		cli_close(ctx);
		return rc;
	}
	path = cli_config_path(ctx);
	if (!path)
		rc = chorus_err_set(&err, CHORUS_ENOMEM, "out of memory");
	else
		rc = chorus_config_feed_add(path, url, name, &err);
	if (rc)
		rc = cli_fail(ctx, &err);
	else if (!ctx->quiet)
		printf("chorus: subscribed to %s (in %s)\n", url, path);
	free(path);
	cli_close(ctx);
	return rc;
}
