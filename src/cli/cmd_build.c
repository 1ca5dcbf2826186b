/*
 * `chorus build`: ingest seeds/, cluster, render public/.
 */
#include <getopt.h>
#include <stdio.h>

#include "chorus/build.h"
#include "cli.h"

static const char usage[] = "chorus [-C DIR] [-c FILE] [-q] [-v] build";

static void help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Read the site's local sources (seeds/*.txt articles), store "
	       "new and changed\narticles in .chorus/state.db, group the "
	       "articles that tell the same story,\nand write public/: "
	       "index.html, stories/, sources/ (a page and an Atom feed\n"
	       "per outlet), feed.atom (with RFC 5005 archives in archive/), "
	       "feed.json,\nsources.opml and style.css.\n"
	       "\n"
	       "Only files that changed are read, and only pages whose bytes "
	       "change are\nrewritten. Articles without a Date take "
	       "SOURCE_DATE_EPOCH when it is set,\nelse the file's "
	       "modification time, so a build can be reproduced exactly.\n"
	       "\n"
	       "Prints one summary line (nothing with -q); each file that "
	       "could not be\nread is named on stderr and the build goes on "
	       "(exit status 1).\n",
	       usage);
}

int cmd_build(int argc, char **argv, struct cli_ctx *ctx)
{
	struct chorus_build_stats stats;
	struct chorus_err err = {0};
	int c, rc;

	while ((c = cli_getopt(argc, argv, "", NULL, ctx)) != -1) {
		if (c == 'h') {
			help();
			return EXIT_OK;
		}
		return cli_usage_error(usage);
	}
	if (optind < argc) {
		fprintf(stderr, "chorus: build takes no arguments ('%s')\n",
			argv[optind]);
		return cli_usage_error(usage);
	}
	rc = cli_open(ctx, 1);
	if (rc) {
		cli_close(ctx);
		return rc;
	}
	rc = chorus_build(&ctx->site, ctx->store, &stats, &ctx->report, &err);
	if (rc) {
		rc = cli_fail(ctx, &err);
		cli_close(ctx);
		return rc;
	}
	cli_clear_progress(ctx);
	if (!ctx->quiet)
		printf("chorus: %zu source files (%zu read, %zu failed), "
		       "%zu articles (%zu new, %zu changed), %zu stories "
		       "(%zu new); %s: %zu files written, %zu unchanged\n",
		       stats.files_seen, stats.files_read, stats.files_failed,
		       stats.articles_total, stats.articles_new,
		       stats.articles_changed, stats.render.stories,
		       stats.stories_new, ctx->site.public_dir,
		       stats.render.written, stats.render.unchanged);
	rc = ctx->report.failures ? EXIT_SOURCES_FAILED : EXIT_OK;
	cli_close(ctx);
	return rc;
}
