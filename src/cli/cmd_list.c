/*
 * `chorus list`: every subscription with its health, one row each, from
 * the polling state (when it was last fetched and what came back, when it
 * is due, its failures in a row, the articles it brought, what went wrong).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "chorus/date.h"
#include "cli.h"

static const char usage[] = "chorus [-C DIR] [-c FILE] [-q] [-v] list";

/* "2026-11-21 11:50" in UTC, or "-" for never. */
static void when(int64_t t, char out[CHORUS_DATE_RFC3339_LEN])
{
	if (t <= 0) {
		snprintf(out, CHORUS_DATE_RFC3339_LEN, "-");
		return;
	}
	chorus_date_format(t, out);
	out[10] = ' ';
	out[16] = '\0';
}

static const char *health(const struct chorus_feed_state *s, int found)
{
	if (!found || !s->last_poll)
		return "new";
	if (s->retired)
		return "retired";
	if (s->failures)
		return "failing";
	if (s->moved_to)
		return "moving";
	return "ok";
}

int cmd_list(int argc, char **argv, struct cli_ctx *ctx)
{
	struct chorus_feed_state s;
	struct chorus_err err = {0};
	size_t i;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "", NULL, ctx)) != -1) {
		if (c == 'h') {
			printf(
			    "usage: %s\n\nList the subscriptions of chorus.ini "
			    "with the health of each: new (not\npolled "
			    "yet), ok, failing (with the last error), moving "
			    "(answering with a\npermanent redirect), or "
			    "retired (410 Gone); when each was last "
			    "polled,\nwhat it answered and how many bytes, "
			    "when it is due, its failures in a\nrow and the "
			    "articles it brought. Times are UTC; each fetch "
			    "is kept in\nthe state's fetch log (the last 100 "
			    "of each feed).\n",
			    usage);
			return EXIT_OK;
		}
		return cli_usage_error(usage);
	}
	if (optind < argc)
		return cli_usage_error(usage);
	rc = cli_open(ctx, 1);
	if (rc) {
		cli_close(ctx);
		return rc;
	}
	chorus_feed_state_init(&s);
	printf("%-8s %-16s %4s %9s %-16s %5s %8s  %s\n", "HEALTH", "LAST POLL",
	       "HTTP", "BYTES", "NEXT POLL", "FAILS", "ARTICLES", "FEED");
	for (i = 0; !rc && i < ctx->site.n_feeds; i++) {
		const struct chorus_feed_config *fc = &ctx->site.feeds[i];
		char last[CHORUS_DATE_RFC3339_LEN],
		    next[CHORUS_DATE_RFC3339_LEN];
		char status[8];
		int found = 0;

		rc = chorus_store_feed_get(ctx->store, fc->url, &s, &found,
					   &err);
		if (rc)
			break;
		when(s.last_poll, last);
		when(s.retired ? 0 : s.next_poll, next);
		if (!found || !s.last_poll)
			snprintf(status, sizeof(status), "-");
		else if (s.last_status)
			snprintf(status, sizeof(status), "%d", s.last_status);
		else
			snprintf(status, sizeof(status), "net");
		printf("%-8s %-16s %4s %9lld %-16s %5ld %8lld  %s",
		       health(&s, found), last, status, (long long)s.last_bytes,
		       next, s.failures, (long long)s.items, fc->url);
		if (fc->name || s.title)
			printf(" (%s)", fc->name ? fc->name : s.title);
		if (s.last_error && !s.retired)
			printf(": %s", s.last_error);
		if (s.moved_to)
			printf(": moved to %s (%ld of 3 polls)", s.moved_to,
			       s.moved_count);
		putchar('\n');
	}
	chorus_feed_state_release(&s);
	if (rc)
		rc = cli_fail(ctx, &err);
	cli_close(ctx);
	return rc;
}
