/*
 * `chorus parse FILE|-`: read one feed document (a file, or standard input
 * for "-") and print it as the JSON of DESIGN.md: the feed's fields, its
 * entries and the repairs made while reading. A thin shell around
 * chorus_feed_parse() and chorus_feed_to_json().
 *
 * Options: --content-type TYPE (the HTTP Content-Type, whose charset
 * overrides the document's), --base URL (base of relative links),
 * --max-size BYTES (the size cap, default 32 MB).
 * Exit status: 0 when a feed was read (repairs or not), 1 when nothing
 * could be read as a feed, 2 on a usage error. The site options (-C, -c)
 * are accepted and ignored: parsing touches no site.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chorus/buf.h"
#include "chorus/feed.h"
#include "cli.h"

static const char usage[] = "chorus parse [--content-type TYPE] [--base URL] "
			    "[--max-size BYTES] FILE|-";

static void help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Read one feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON "
	       "Feed 1.0/1.1;\nthe format is found from the content) from "
	       "FILE, or standard input for -,\nand print it as JSON: the "
	       "feed's fields, its entries, and the errors that\nwere "
	       "repaired while reading. Dates are RFC 3339 UTC; summaries "
	       "and content\nare sanitised HTML.\n"
	       "\n"
	       "  --content-type TYPE  the HTTP Content-Type it was served "
	       "with (its charset\n                       overrides the XML "
	       "declaration)\n"
	       "  --base URL           the document's URL, base of relative "
	       "links\n"
	       "  --max-size BYTES     refuse larger documents (default 32 "
	       "MB)\n",
	       usage);
}
/* Standard input, read up to max bytes (more fails as too big). */
static int read_stdin(size_t max, struct chorus_buf *out,
		      struct chorus_err *err)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return chorus_err_set(err, CHORUS_EIO, "stdin: %s",
					      strerror(errno));
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > max)
			return chorus_err_set(
			    err, CHORUS_ETOOBIG,
			    "stdin: feed over the size cap of %zu bytes", max);
		if (chorus_buf_add(out, chunk, (size_t)n))
			return chorus_err_set(err, CHORUS_ENOMEM,
					      "out of memory");
	}
}

int cmd_parse(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option own[] = {
	    {"content-type", required_argument, NULL, 'T'},
	    {"base", required_argument, NULL, 'B'},
	    {"max-size", required_argument, NULL, 'M'},
	    {NULL, 0, NULL, 0},
	};
	struct chorus_feed_options opt;
	struct chorus_feed *feed = NULL;
	struct chorus_buf data, js;
	struct chorus_err err;
	const char *path;
	int c, rc, status = EXIT_SOURCES_FAILED;

	memset(&opt, 0, sizeof(opt));
	memset(&err, 0, sizeof(err));
	opt.max_size = CHORUS_FEED_DEFAULT_MAX_SIZE;
	while ((c = cli_getopt(argc, argv, "", own, ctx)) != -1) {
		char *end;
		unsigned long long v;

		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		case 'T':
			opt.content_type = optarg;
			break;
		case 'B':
			opt.base_url = optarg;
			break;
		case 'M':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || !v) {
				fprintf(stderr, "chorus: --max-size wants a "
						"number of bytes\n");
				return cli_usage_error(usage);
			}
			opt.max_size = (size_t)v;
			break;
		default:
			return cli_usage_error(usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(usage);
	path = argv[optind];

	chorus_buf_init(&data, 0);
	chorus_buf_init(&js, 0);
	if (!strcmp(path, "-")) {
		rc = read_stdin(opt.max_size, &data, &err);
		if (!rc)
			rc = chorus_feed_parse(data.data ? data.data : "",
					       data.len, &opt, &feed, &err);
	} else {
		/* Streamed from the file, as ingest reads feeds. */
		rc =
		    chorus_feed_parse_file(path, &opt, NULL, NULL, &feed, &err);
	}
	if (!rc)
		rc = chorus_feed_to_json(feed, &js, &err);
	if (rc) {
		fprintf(stderr, "chorus parse: %s\n", err.msg);
		goto out;
	}
	if (fwrite(js.data, 1, js.len, stdout) != js.len || fflush(stdout)) {
		fprintf(stderr, "chorus parse: cannot write: %s\n",
			strerror(errno));
		goto out;
	}
	status = EXIT_OK;
out:
	chorus_feed_free(feed);
	chorus_buf_release(&data);
	chorus_buf_release(&js);
	return status;
}
