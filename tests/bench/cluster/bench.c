/*
 * The clustering benchmark driver: the library called directly, the way
 * `chorus build` calls it, on a corpus from ../shared/bench/gen_corpus.py
 * --text-only N (items_N.tsv: guid, story, title, text).
 *
 *   chorus_bench_cluster ingest DB ITEMS.tsv [N]   store every item
 *       (outlet = the feed part of the guid; dates one second apart in
 *       file order), N per transaction (default 50,000; `chorus build`
 *       stores all it reads in one)
 *   chorus_bench_cluster cluster DB            chorus_cluster_run() in one
 *       transaction; prints articles, stories, seconds, articles/s, and
 *       the CPU seconds of all threads and of the calling one (the
 *       clustering proper; text analysis runs on a second thread)
 *
 * run.sh runs both under /usr/bin/time -v and scores the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "chorus/cluster.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this thread, or of the whole process. */
static double cpu(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int ingest(struct chorus_store *st, const char *path, size_t per_txn)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	double t0 = now();
	int rc = 0;

	if (!f)
		return -1;
	rc = chorus_store_begin(st, NULL);
	while (!rc && (len = getline(&line, &cap, f)) > 0) {
		char *guid = line, *story, *title, *text, *dash;
		struct chorus_article a;
		int64_t src;

		line[strcspn(line, "\n")] = '\0';
		story = strchr(guid, '\t');
		title = story ? strchr(story + 1, '\t') : NULL;
		text = title ? strchr(title + 1, '\t') : NULL;
		if (!text)
			continue;
		*story++ = *title++ = *text++ = '\0';
		chorus_article_init(&a);
		a.key = guid;
		a.title = title;
		a.text = text;
		a.published = 1735689600 + (int64_t)n;
		a.updated = a.published;
		a.date_known = 1;
		dash = strchr(guid, '-');
		a.source = dash ? strndup(guid, (size_t)(dash - guid)) : NULL;
		rc = chorus_store_source_get(st, a.source ? a.source : "bench",
					     NULL, &src, NULL);
		if (!rc)
			rc = chorus_store_article_put(st, &a, src, NULL, NULL);
		free(a.source);
		if (!rc && ++n % per_txn == 0) {
			rc = chorus_store_commit(st, NULL);
			if (!rc)
				rc = chorus_store_begin(st, NULL);
		}
	}
	if (!rc)
		rc = chorus_store_commit(st, NULL);
	free(line);
	fclose(f);
	printf("ingest: %zu articles in %.2f s\n", n, now() - t0);
	return rc;
}

int main(int argc, char **argv)
{
	struct chorus_cluster_options opt;
	struct chorus_cluster_stats stats;
	struct chorus_err err = {0};
	struct chorus_store *st;
	double t0, c0, m0, m1 = 0, w1;
	int rc;

	if (argc < 3 ||
	    (strcmp(argv[1], "ingest") && strcmp(argv[1], "cluster")) ||
	    (!strcmp(argv[1], "ingest") && argc < 4)) {
		fprintf(stderr, "usage: %s ingest DB ITEMS.tsv | cluster DB\n",
			argv[0]);
		return 2;
	}
	if (chorus_store_open(&st, argv[2], &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if (!strcmp(argv[1], "ingest")) {
		rc = ingest(st, argv[3],
			    argc > 4 ? strtoul(argv[4], NULL, 10) : 50000);
		chorus_store_close(st);
		return rc ? 1 : 0;
	}
	chorus_cluster_options_init(&opt);
	t0 = now();
	c0 = cpu(RUSAGE_SELF);
	m0 = cpu(RUSAGE_THREAD);
	rc = chorus_store_begin(st, &err);
	if (!rc)
		rc = chorus_cluster_run(st, &opt, &stats, NULL, &err);
	/* The commit writes the transaction out: its share apart. */
	m1 = cpu(RUSAGE_THREAD);
	w1 = now();
	if (!rc)
		rc = chorus_store_commit(st, &err);
	w1 = now() - w1;
	if (rc) {
		fprintf(stderr, "cluster: %s\n", err.msg);
		chorus_store_close(st);
		return 1;
	}
	t0 = now() - t0;
	printf("cluster: %zu articles, %zu stories, %zu merges, %zu copies in "
	       "%.2f s: %.0f articles/s; CPU %.2f s (calling thread %.2f s, "
	       "commit %.2f s CPU, %.2f s wall)\n",
	       stats.articles, stats.stories_new, stats.merges, stats.copies,
	       t0, (double)stats.articles / t0, cpu(RUSAGE_SELF) - c0,
	       cpu(RUSAGE_THREAD) - m0, cpu(RUSAGE_THREAD) - m1, w1);
	chorus_store_close(st);
	return 0;
}
