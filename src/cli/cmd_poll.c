/*
 * `chorus poll` and `chorus refresh` (poll, then build): fetch the
 * subscriptions that are due and store their items; refresh then groups
 * and publishes, the one line a site puts in its crontab.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chorus/build.h"
#include "chorus/poll.h"
#include "cli.h"

static const char poll_usage[] =
    "chorus [-C DIR] [-c FILE] [-q] [-v] poll [--force]";
static const char refresh_usage[] =
    "chorus [-C DIR] [-c FILE] [-q] [-v] refresh [--force]";

static void help(int refresh)
{
	printf("usage: %s\n\n", refresh ? refresh_usage : poll_usage);
	if (refresh)
		printf("Poll the subscriptions that are due (as 'chorus poll' "
		       "does), then build\nthe site (as 'chorus build' "
		       "does): the command to run from cron.\n\n");
	printf("Fetch every [feed \"URL\"] of chorus.ini that is due, many "
	       "at once but at\nmost [poll] per_host (2) at a time from one "
	       "host, sending back the ETag\nand Last-Modified of the last "
	       "answer, and store new and changed items as\narticles. A feed "
	       "is due after its interval: the [feed] interval, else 1 hour\n"
	       "(1 day when the server gives no validator), longer when the "
	       "server or the\nfeed asks (Cache-Control, Expires, RSS ttl, "
	       "sy:updatePeriod, skipHours,\nskipDays). Failures back off up "
	       "to a day; 429/503 wait for Retry-After;\n410 retires a feed; "
	       "a feed moved permanently (301/308) for 3 polls has its\nURL "
	       "rewritten in chorus.ini. 'chorus list' shows each feed's "
	       "health.\n\n"
	       "  --force   poll every feed now, due or not\n\n"
	       "Prints one summary line (nothing with -q); each feed that "
	       "failed is named on\nstderr and the exit status is 1.\n");
}

static void poll_line(const struct chorus_poll_stats *s, char *out, size_t n)
{
	snprintf(out, n,
		 "polled %zu of %zu feeds (%zu new bodies, %zu not modified, "
		 "%zu failed), %zu articles new, %zu changed",
		 s->due, s->feeds, s->ok, s->not_modified, s->failed,
		 s->articles_new, s->articles_changed);
}

static int run(int argc, char **argv, struct cli_ctx *ctx, int refresh)
{
	static const struct option longs[] = {
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	const char *usage = refresh ? refresh_usage : poll_usage;
	struct chorus_poll_options opt;
	struct chorus_poll_stats stats;
	struct chorus_build_stats bstats;
	struct chorus_err err = {0};
	char line[256];
	int c, rc;

	memset(&opt, 0, sizeof(opt));
	while ((c = cli_getopt(argc, argv, "", longs, ctx)) != -1) {
		if (c == 'h') {
			help(refresh);
			return EXIT_OK;
		}
		if (c == 'f') {
			opt.force = 1;
			continue;
		}
		return cli_usage_error(usage);
	}
	if (optind < argc) {
		fprintf(stderr, "chorus: %s takes no arguments ('%s')\n",
			argv[0], argv[optind]);
		return cli_usage_error(usage);
	}
	rc = cli_open(ctx, 1);
	if (rc) {
		cli_close(ctx);
		return rc;
	}
	rc = chorus_poll(&ctx->site, ctx->store, &opt, &stats, &ctx->report,
			 &err);
	if (!rc && refresh) {
		memset(&bstats, 0, sizeof(bstats));
		/* A site of feeds alone has no seeds/ to read. */
		if (!access(ctx->site.seeds_dir, F_OK))
			rc = chorus_build_ingest(&ctx->site, ctx->store,
						 &bstats, &ctx->report, &err);
		if (!rc)
			rc = chorus_build_publish(&ctx->site, ctx->store,
						  &bstats, &ctx->report, &err);
	}
	if (rc) {
		rc = cli_fail(ctx, &err);
		cli_close(ctx);
		return rc;
	}
	cli_clear_progress(ctx);
	poll_line(&stats, line, sizeof(line));
	if (!ctx->quiet && refresh)
		printf("chorus: %s; %zu stories (%zu new), %zu files written\n",
		       line, bstats.render.stories, bstats.stories_new,
		       bstats.render.written);
	else if (!ctx->quiet)
		printf("chorus: %s\n", line);
	rc = ctx->report.failures ? EXIT_SOURCES_FAILED : EXIT_OK;
	cli_close(ctx);
	return rc;
}

int cmd_poll(int argc, char **argv, struct cli_ctx *ctx)
{
	return run(argc, argv, ctx, 0);
}

int cmd_refresh(int argc, char **argv, struct cli_ctx *ctx)
{
	return run(argc, argv, ctx, 1);
}
