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
 * could be read as a feed, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chorus/buf.h"
#include "chorus/feed.h"
#include "chorus/file.h"

int cmd_parse(int argc, char **argv);

static int usage(void)
{
	fprintf(stderr, "usage: chorus parse [--content-type TYPE] "
			"[--base URL] [--max-size BYTES] FILE|-\n");
	return 2;
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

int cmd_parse(int argc, char **argv)
{
	struct chorus_feed_options opt;
	struct chorus_feed *feed = NULL;
	struct chorus_buf data, js;
	struct chorus_err err;
	const char *path = NULL;
	int i, rc, status = 1;

	memset(&opt, 0, sizeof(opt));
	memset(&err, 0, sizeof(err));
	opt.max_size = CHORUS_FEED_DEFAULT_MAX_SIZE;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--content-type") && i + 1 < argc) {
			opt.content_type = argv[++i];
		} else if (!strcmp(a, "--base") && i + 1 < argc) {
			opt.base_url = argv[++i];
		} else if (!strcmp(a, "--max-size") && i + 1 < argc) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(argv[++i], &end, 10);
			if (errno || *end || !v)
				return usage();
			opt.max_size = (size_t)v;
		} else if ((a[0] == '-' && a[1]) || path) {
			return usage();
		} else {
			path = a;
		}
	}
	if (!path)
		return usage();
	chorus_buf_init(&data, 0);
	chorus_buf_init(&js, 0);
	if (!strcmp(path, "-"))
		rc = read_stdin(opt.max_size, &data, &err);
	else
		rc = chorus_file_read(path, opt.max_size, &data, &err);
	if (!rc)
		rc = chorus_feed_parse(data.data ? data.data : "", data.len,
				       &opt, &feed, &err);
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
	status = 0;
out:
	chorus_feed_free(feed);
	chorus_buf_release(&data);
	chorus_buf_release(&js);
	return status;
}
