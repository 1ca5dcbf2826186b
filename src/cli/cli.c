/*
 * Helpers shared by the commands (see src/cli/cli.h): option parsing,
 * opening a site, and turning library reports into lines on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void say(void *vctx, enum chorus_report_level level, const char *line)
{
	struct cli_ctx *ctx = vctx;

	if (level == CHORUS_REPORT_INFO && !ctx->verbose)
		return;
	if (level == CHORUS_REPORT_WARN && ctx->quiet)
		return;
	cli_clear_progress(ctx);
	fprintf(stderr, "chorus: %s%s\n",
		level == CHORUS_REPORT_WARN ? "warning: " : "", line);
}

static void progress(void *vctx, const char *what, long done, long total)
{
	struct cli_ctx *ctx = vctx;
	const int width = 30;
	int filled;

	if (!ctx->progress || total <= 0)
		return;
	/* Redraw at most ~100 times per task. */
	if (done != total && total > 100 && done % (total / 100) != 0)
		return;
	filled = (int)((long long)width * done / total);
	fprintf(stderr, "\r%-18s [%.*s%*s] %ld/%ld", what, filled,
		"##############################", width - filled, "", done,
		total);
	ctx->progress_shown = 1;
}

void cli_clear_progress(struct cli_ctx *ctx)
{
	if (ctx->progress_shown) {
		fputs("\r\033[K", stderr);
		ctx->progress_shown = 0;
	}
}

int cli_usage_error(const char *usage)
{
	fprintf(stderr, "usage: %s\nTry 'chorus --help' for more.\n", usage);
	return EXIT_USAGE;
}

int cli_getopt(int argc, char **argv, const char *own_short,
	       const struct option *own_long, struct cli_ctx *ctx)
{
	static struct option all[32];
	static char shorts[64];
	static const struct option common[] = {
	    {"directory", required_argument, NULL, 'C'},
	    {"config", required_argument, NULL, 'c'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	};
	size_t n = 0, i;
	int c;

	/* Rebuilt on every call: each command brings its own options. */
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		all[n++] = common[i];
	for (i = 0; own_long && own_long[i].name && n < 31; i++)
		all[n++] = own_long[i];
	memset(&all[n], 0, sizeof(all[n]));
	snprintf(shorts, sizeof(shorts), "+:C:c:qvh%s",
		 own_short ? own_short : "");
	for (;;) {
		c = getopt_long(argc, argv, shorts, all, NULL);
		switch (c) {
		case 'C':
			ctx->dir = optarg;
			continue;
		case 'c':
			ctx->config = optarg;
			continue;
		case 'q':
			ctx->quiet = 1;
			ctx->progress = 0;
			continue;
		case 'v':
			ctx->verbose = 1;
			continue;
		case ':':
			fprintf(stderr, "chorus: option %s needs a value\n",
				argv[optind - 1]);
			return '?';
		case '?':
			if (optopt)
				fprintf(stderr, "chorus: unknown option -%c\n",
					optopt);
			else
				fprintf(stderr, "chorus: unknown option %s\n",
					argv[optind - 1]);
			return '?';
		default:
			return c;
		}
	}
}

int cli_fail(struct cli_ctx *ctx, const struct chorus_err *err)
{
	cli_clear_progress(ctx);
	fprintf(stderr, "chorus: %s\n",
		err->msg[0] ? err->msg : chorus_strerror(err->code));
	switch (err->code) {
	case CHORUS_ELOCKED:
		return EXIT_LOCKED;
	case CHORUS_ECONFIG:
	case CHORUS_ENOTFOUND:
	case CHORUS_EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_SOURCES_FAILED;
	}
}

int cli_open(struct cli_ctx *ctx, int need_store)
{
	struct chorus_err err = {0};
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	char *lock_path = NULL, *db_path = NULL;
	int rc;

	ctx->report.message = say;
	ctx->report.progress = progress;
	ctx->report.ctx = ctx;
	rc = chorus_site_load(&ctx->site, ctx->dir ? ctx->dir : ".",
			      ctx->config, &err);
	if (rc)
		return cli_fail(ctx, &err);
	if (epoch && *epoch) {
		char *end;
		long long v = strtoll(epoch, &end, 10);

		if (*end || v < 0) {
			fprintf(stderr,
				"chorus: SOURCE_DATE_EPOCH must be a number "
				"of seconds, not \"%s\"\n",
				epoch);
			return EXIT_USAGE;
		}
		ctx->site.source_date_epoch = v;
	}
	if (!need_store)
		return 0;
	rc = chorus_file_mkdirs(ctx->site.state_dir, &err);
	lock_path = chorus_path_join(ctx->site.state_dir, "lock");
	db_path = chorus_path_join(ctx->site.state_dir, "state.db");
	if (!rc && (!lock_path || !db_path))
		rc = chorus_err_set(&err, CHORUS_ENOMEM, "out of memory");
	if (!rc)
		rc = chorus_lock_acquire(lock_path, &ctx->lock, &err);
	if (!rc)
		rc = chorus_store_open(&ctx->store, db_path, &err);
	free(lock_path);
	free(db_path);
	return rc ? cli_fail(ctx, &err) : 0;
}

void cli_close(struct cli_ctx *ctx)
{
	cli_clear_progress(ctx);
	chorus_store_close(ctx->store);
	ctx->store = NULL;
	chorus_lock_release(ctx->lock);
	ctx->lock = NULL;
	chorus_site_release(&ctx->site);
}

char *cli_config_path(struct cli_ctx *ctx)
{
	if (ctx->site.config_path)
		return chorus_strdup(ctx->site.config_path);
	return chorus_path_join(ctx->dir ? ctx->dir : ".", "chorus.ini");
}
