/*
 * The feed-parsing benchmark driver: reads each feed file named on the
 * command line the way ingest does (chorus_feed_parse_file: streamed in
 * 64 KB reads, entries handed to a callback one by one, every field read)
 * and prints one line: files, bytes, entries, seconds, MB/s, entries/s.
 *
 *   bench_parse [--mode parse|articles] FILE...
 *
 * parse:    bytes to entries, HTML kept raw (raw_html), no text extraction
 * articles: the same plus sanitising and each entry turned into an article
 *           (plain text extracted), so the difference is what those cost.
 * Single thread; the size cap is lifted for the 100 MB feeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chorus/feed.h"

struct counts {
	long entries;
	long articles;
	size_t text_bytes;
	int articles_mode;
};

static int on_entry(void *ctx, const struct chorus_feed *feed,
		    struct chorus_feed_entry *e)
{
	struct counts *c = ctx;
	struct chorus_article a;
	struct chorus_err err;

	c->entries++;
	if (!c->articles_mode)
		return 0;
	memset(&a, 0, sizeof(a));
	if (chorus_feed_entry_to_article(feed, e, 0, &a, &err))
		return 0;
	c->articles++;
	c->text_bytes += a.text ? strlen(a.text) : 0;
	free(a.key);
	free(a.source);
	free(a.title);
	free(a.link);
	free(a.author);
	free(a.language);
	free(a.summary);
	free(a.text);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct chorus_feed_options opt;
	struct counts c;
	size_t bytes = 0;
	long files = 0, failed = 0;
	double t0, secs;
	int i = 1;

	memset(&c, 0, sizeof(c));
	memset(&opt, 0, sizeof(opt));
	opt.max_size = (size_t)1 << 30;
	opt.raw_html = 1;
	if (argc > 2 && !strcmp(argv[1], "--mode")) {
		c.articles_mode = !strcmp(argv[2], "articles");
		opt.raw_html = !c.articles_mode;
		i = 3;
	}
	t0 = now();
	for (; i < argc; i++) {
		struct chorus_feed *f = NULL;
		struct chorus_err err;
		struct stat st;

		if (!stat(argv[i], &st))
			bytes += (size_t)st.st_size;
		files++;
		if (chorus_feed_parse_file(argv[i], &opt, on_entry, &c, &f,
					   &err)) {
			fprintf(stderr, "bench_parse: %s\n", err.msg);
			failed++;
		}
		chorus_feed_free(f);
	}
	secs = now() - t0;
	printf("files %ld failed %ld bytes %zu entries %ld articles %ld "
	       "seconds %.3f MB/s %.1f entries/s %.0f\n",
	       files, failed, bytes, c.entries, c.articles, secs,
	       (double)bytes / 1e6 / secs, (double)c.entries / secs);
	return failed ? 1 : 0;
}
