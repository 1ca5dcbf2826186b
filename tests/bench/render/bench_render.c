/*
 * The render benchmark (issue 6): N stories from gen_corpus.py's text-only
 * corpus (items_M.tsv: guid, story id, title, text), stored with their
 * true story assignments through the library (clustering is measured by
 * its own benchmark), then rendered into public/:
 *   1. a full render into an empty public/;
 *   2. the same render again, nothing changed;
 *   3. one new article joining an existing story, then rendered;
 *   4. one new article founding a new story, then rendered;
 *   5. (with LAYOUT) a changed layout: every page rendered again, every
 *      view from the cache.
 * Each step is timed as `chorus build` runs it: the corpus loaded without
 * its texts (chorus_store_load_lazy()), then rendered, which reads the
 * texts of the stories it summarises; it prints the render's time, the
 * whole step's (load and render) and the files written. Exit status 1
 * when a target is missed: a full render over 10 s, or an incremental
 * build (load and render) over 1 s or writing 20 files or more.
 * With CHORUS_BENCH_FULL_ONLY=1 it stops after step 1 (for profilers:
 * valgrind --tool=callgrind, perf record).
 * With CHORUS_BENCH_LIMIT_BY=cpu (run.sh --smoke, in ctest) the time
 * targets are checked on the CPU time instead: the smoke test runs beside
 * other tests on a shared machine, where the wall time of a 400-story
 * render says more about the load (and syncfs() waiting on other jobs'
 * writes) than about the render.
 * Usage: bench_render ITEMS.tsv SITE_DIR N_STORIES [LAYOUT.mustache]
 *        bench_render --again SITE_DIR   (render a built site twice)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chorus/cluster.h"
#include "chorus/config.h"
#include "chorus/file.h"
#include "chorus/render.h"
#include "chorus/store.h"
#include "chorus/text.h"

#define EPOCH 1763510400
/*
 * Seconds between two articles: 143k articles over about two and a half
 * years, so older stories settle and their feed archive pages close, as
 * on a site that has run that long.
 */
#define SPACING 540

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of the process, every thread: what a busy machine hides. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

struct truth {
	char *key;
	long sid;
};

static int cmp_truth(const void *a, const void *b)
{
	return strcmp(((const struct truth *)a)->key,
		      ((const struct truth *)b)->key);
}

static struct truth *truth;
static size_t n_truth, cap_truth;

static void die(const char *what, const struct chorus_err *err)
{
	fprintf(stderr, "bench_render: %s: %s\n", what, err ? err->msg : "");
	exit(2);
}

/* One article of outlet `source`: key, headline, text, date. */
static void put(struct chorus_store *st, const char *key, const char *source,
		const char *title, const char *text, int64_t published)
{
	struct chorus_err err = {0};
	struct chorus_article a;
	int64_t source_id;

	chorus_article_init(&a);
	a.key = chorus_strdup(key);
	a.source = chorus_strdup(source);
	a.title = chorus_strdup(title);
	a.text = chorus_strdup(text);
	a.language = chorus_strdup("en");
	a.published = a.updated = published;
	a.date_known = 1;
	if (!a.key || !a.source || !a.title || !a.text)
		die("out of memory", NULL);
	if (chorus_store_source_get(st, source, NULL, &source_id, &err) ||
	    chorus_store_article_put(st, &a, source_id, NULL, &err))
		die("store", &err);
	chorus_article_release(&a);
}

/* Read the corpus until n_stories distinct stories; returns articles. */
static size_t load_tsv(struct chorus_store *st, const char *path,
		       long n_stories)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	long *seen = calloc((size_t)n_stories * 64 + 1024, sizeof(long));
	long distinct = 0;
	ssize_t len;

	if (!f || !seen)
		die(path, NULL);
	while ((len = getline(&line, &cap, f)) > 0) {
		char *guid = line, *sid, *title, *text, *bar, *source;
		char feed[32];
		long id;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		sid = strchr(guid, '\t');
		title = sid ? strchr(sid + 1, '\t') : NULL;
		text = title ? strchr(title + 1, '\t') : NULL;
		if (!text)
			continue;
		*sid++ = *title++ = *text++ = '\0';
		id = strtol(sid, NULL, 10);
		if (id < 0 || id >= n_stories * 64 + 1024)
			continue;
		if (!seen[id]) {
			if (distinct == n_stories)
				continue; /* only stories already begun */
			seen[id] = 1;
			distinct++;
		}
		/* "Headline | The Outlet": the outlet, else the feed. */
		bar = strstr(title, " | ");
		if (bar) {
			*bar = '\0';
			source = bar + 3;
		} else {
			snprintf(feed, sizeof(feed), "%.*s",
				 (int)strcspn(guid, "-"), guid);
			source = feed;
		}
		put(st, guid, source, title, text,
		    EPOCH + (int64_t)n * SPACING);
		if (n_truth == cap_truth) {
			cap_truth = cap_truth ? cap_truth * 2 : 4096;
			truth = realloc(truth, cap_truth * sizeof(*truth));
			if (!truth)
				die("out of memory", NULL);
		}
		truth[n_truth].key = chorus_strdup(guid);
		truth[n_truth++].sid = id;
		n++;
	}
	free(line);
	free(seen);
	fclose(f);
	qsort(truth, n_truth, sizeof(*truth), cmp_truth);
	return n;
}

/* Give every unassigned article of c its true story. */
static void assign(struct chorus_store *st, struct chorus_corpus *c)
{
	struct chorus_err err = {0};
	long max = 0;
	int64_t *story_of;
	size_t i, k;

	for (i = 0; i < n_truth; i++)
		if (truth[i].sid > max)
			max = truth[i].sid;
	story_of = calloc((size_t)max + 1, sizeof(*story_of));
	if (!story_of)
		die("out of memory", NULL);
	/* Stories given before: from their founders' keys. */
	for (i = 0; i < c->n_articles; i++) {
		struct truth key = {c->articles[i].a.key, 0}, *t;

		if (!c->articles[i].story_id)
			continue;
		t = bsearch(&key, truth, n_truth, sizeof(*truth), cmp_truth);
		if (t)
			story_of[t->sid] = c->articles[i].story_id;
	}
	if (chorus_store_begin(st, &err))
		die("begin", &err);
	for (i = 0; i < c->n_articles; i++) {
		struct chorus_stored_article *a = &c->articles[i];
		struct truth key = {a->a.key, 0}, *t;

		if (a->story_id)
			continue;
		t = bsearch(&key, truth, n_truth, sizeof(*truth), cmp_truth);
		if (!t)
			continue;
		if (!story_of[t->sid]) {
			char id[CHORUS_STORY_ID_LEN];
			struct chorus_buf slug = CHORUS_BUF_INIT;

			chorus_story_id(a->a.key, id);
			if (chorus_text_slug(a->a.title, 60, &slug) ||
			    chorus_store_story_new(
				st, id, chorus_buf_cstr(&slug), a->a.key,
				&story_of[t->sid], &err))
				die("story", &err);
			chorus_buf_release(&slug);
		}
		if (chorus_store_article_assign(st, a->id, story_of[t->sid],
						1.0, &err))
			die("assign", &err);
		a->story_id = story_of[t->sid];
	}
	if (chorus_store_commit(st, &err))
		die("commit", &err);
	(void)k;
	free(story_of);
}

static void reload(struct chorus_store *st, struct chorus_corpus *c)
{
	struct chorus_err err = {0};
	double t0 = now();

	chorus_corpus_release(c);
	if (chorus_store_load_lazy(st, c, &err))
		die("load", &err);
	printf("  corpus load: %.2f s (%zu articles, %zu stories)\n",
	       now() - t0, c->n_articles, c->n_stories);
}

/*
 * One build's render step as `chorus build` runs it: the corpus loaded
 * without its texts (chorus_store_load_lazy()), then rendered (reading
 * the texts of the stories it summarises). Each part is timed; `whole`
 * says whether the target is on both (an incremental build) or on the
 * render alone (the full render of issue 6).
 */
/* Whether the time targets are checked on the CPU time (see the top). */
static int limit_by_cpu;

static int render(const char *what, const struct chorus_site *site,
		  struct chorus_store *st, struct chorus_corpus *c,
		  double max_s, size_t max_written, int whole)
{
	struct chorus_render_stats stats;
	struct chorus_err err = {0};
	double t0 = now(), c0 = cpu(), t1, c1, dt, dc;
	int ok;

	chorus_corpus_release(c);
	if (chorus_store_load_lazy(st, c, &err))
		die("load", &err);
	t1 = now();
	c1 = cpu();
	if (chorus_render_site_archived(site, st, c, &stats, NULL, &err))
		die("render", &err);
	dt = now() - t1;
	dc = cpu() - c1;
	if (limit_by_cpu)
		ok = (whole ? cpu() - c0 : dc) < max_s;
	else
		ok = (whole ? now() - t0 : dt) < max_s;
	ok = ok && stats.written < max_written;
	printf("%s: %.2f s (cpu %.2f s), %zu files written, %zu unchanged, "
	       "%zu stories; with the corpus load %.2f s (cpu %.2f s)%s\n",
	       what, dt, dc, stats.written, stats.unchanged, stats.stories,
	       now() - t0, cpu() - c0, ok ? "" : "  <-- over target");
	fflush(stdout);
	return ok;
}

int main(int argc, char **argv)
{
	struct chorus_err err = {0};
	struct chorus_store *st = NULL;
	struct chorus_corpus c;
	struct chorus_site site;
	char *state, *db;
	size_t n, i;
	long n_stories;
	int ok = 1;
	const struct chorus_stored_article *donor = NULL;
	const char *layout, *limit = getenv("CHORUS_BENCH_LIMIT_BY");

	limit_by_cpu = limit && !strcmp(limit, "cpu");
	if (argc == 3 && !strcmp(argv[1], "--again")) {
		/* Render a site built by an earlier run, twice (profiling). */
		if (chorus_site_load(&site, argv[2], NULL, &err))
			die("site", &err);
		site.source_date_epoch = EPOCH;
		db = chorus_path_join(site.state_dir, "state.db");
		memset(&c, 0, sizeof(c));
		if (!db || chorus_store_open(&st, db, &err))
			die("store", &err);
		ok &= render("render again", &site, st, &c, 1.0, 1, 1);
		ok &= render("render again", &site, st, &c, 1.0, 1, 1);
		chorus_corpus_release(&c);
		chorus_store_close(st);
		free(db);
		chorus_site_release(&site);
		return ok ? 0 : 1;
	}
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: bench_render ITEMS.tsv SITE N_STORIES "
				"[LAYOUT.mustache]\n"
				"       bench_render --again SITE\n");
		return 2;
	}
	layout = argc == 5 ? argv[4] : NULL;
	n_stories = strtol(argv[3], NULL, 10);
	memset(&c, 0, sizeof(c));
	if (chorus_site_load(&site, argv[2], NULL, &err))
		die("site", &err);
	site.source_date_epoch = EPOCH;
	state = site.state_dir;
	db = chorus_path_join(state, "state.db");
	if (!db || chorus_file_mkdirs(state, &err) ||
	    chorus_file_mkdirs(site.public_dir, &err) ||
	    chorus_store_open(&st, db, &err) || chorus_store_begin(st, &err))
		die("store", &err);
	n = load_tsv(st, argv[1], n_stories);
	if (chorus_store_commit(st, &err))
		die("commit", &err);
	reload(st, &c);
	assign(st, &c);
	reload(st, &c);
	printf("corpus: %zu articles in %zu stories from %zu outlets\n", n,
	       c.n_stories, c.n_sources);

	ok &= render("full render", &site, st, &c, 10.0, (size_t)-1, 0);
	if (getenv("CHORUS_BENCH_FULL_ONLY"))
		goto out;
	ok &= render("render again, nothing new", &site, st, &c, 1.0, 1, 1);

	/*
	 * A new article, by a new outlet, for a typical story that more than
	 * one outlet told: one of two members, from the newer half.
	 */
	{
		int64_t max_id = 0;
		size_t *members;

		for (i = 0; i < c.n_articles; i++)
			if (c.articles[i].story_id > max_id)
				max_id = c.articles[i].story_id;
		members = calloc((size_t)max_id + 1, sizeof(*members));
		if (!members)
			die("out of memory", NULL);
		for (i = 0; i < c.n_articles; i++)
			members[c.articles[i].story_id]++;
		for (i = c.n_articles / 2; i < c.n_articles && !donor; i++)
			if (c.articles[i].story_id &&
			    members[c.articles[i].story_id] == 2)
				donor = &c.articles[i];
		free(members);
	}
	if (!donor)
		die("no story to join", NULL);
	{
		/* Its text, which the lazily loaded corpus does not hold. */
		struct chorus_stored_article *d =
		    &c.articles[donor - c.articles];

		if (chorus_store_load_texts(st, &d, 1, &err) || !d->a.text)
			die("donor text", &err);
	}
	{
		struct truth key = {donor->a.key, 0}, *t;
		char *k = chorus_strdup("bench-new-1");
		long sid;

		t = bsearch(&key, truth, n_truth, sizeof(*truth), cmp_truth);
		sid = t ? t->sid : 0;
		if (chorus_store_begin(st, &err))
			die("begin", &err);
		/* Its own report, not a copy (copies are shown once). */
		struct chorus_buf text = CHORUS_BUF_INIT;

		if (chorus_buf_printf(&text,
				      "%s A spokesperson told The Bench "
				      "Gazette that more details would follow "
				      "on Monday.",
				      donor->a.text))
			die("out of memory", NULL);
		put(st, k, "The Bench Gazette", donor->a.title, text.data,
		    EPOCH + (int64_t)n * SPACING + 60);
		chorus_buf_release(&text);
		if (chorus_store_commit(st, &err))
			die("commit", &err);
		truth = realloc(truth, (n_truth + 2) * sizeof(*truth));
		if (!truth)
			die("out of memory", NULL);
		truth[n_truth].key = k;
		truth[n_truth++].sid = sid;
		qsort(truth, n_truth, sizeof(*truth), cmp_truth);
	}
	reload(st, &c);
	assign(st, &c);
	ok &= render("incremental: one article joins a story", &site, st, &c,
		     1.0, 20, 1);

	/* A new article that founds a story of its own. */
	if (chorus_store_begin(st, &err))
		die("begin", &err);
	put(st, "bench-new-2", "The Bench Gazette",
	    "Lighthouse keepers vote to strike on the Aran Islands",
	    "Keepers of three lighthouses on the Aran Islands voted to strike "
	    "on Friday over pay. The Commissioners of Irish Lights said talks "
	    "would resume next week.",
	    EPOCH + (int64_t)n * SPACING + 120);
	if (chorus_store_commit(st, &err))
		die("commit", &err);
	truth = realloc(truth, (n_truth + 1) * sizeof(*truth));
	if (!truth)
		die("out of memory", NULL);
	truth[n_truth].key = chorus_strdup("bench-new-2");
	truth[n_truth++].sid = n_stories * 64 + 1000;
	qsort(truth, n_truth, sizeof(*truth), cmp_truth);
	reload(st, &c);
	assign(st, &c);
	ok &= render("incremental: one article founds a story", &site, st, &c,
		     1.0, 20, 1);

	/*
	 * A site owner restyles the layout: every page changes, while every
	 * story's view comes from the cache.
	 */
	if (layout) {
		struct chorus_buf b = CHORUS_BUF_INIT;
		char *tdir = chorus_path_join(argv[2], "templates");
		char *t =
		    tdir ? chorus_path_join(tdir, "layout.mustache") : NULL;

		if (!t || chorus_file_read(layout, 0, &b, &err) ||
		    chorus_buf_adds(&b, "<!-- restyled -->\n") ||
		    chorus_file_mkdirs(tdir, &err) ||
		    chorus_file_write_atomic(t, b.data, b.len, NULL, &err))
			die("layout", &err);
		free(site.templates_dir);
		site.templates_dir = tdir;
		ok &= render("full render after a layout change (views cached)",
			     &site, st, &c, 10.0, (size_t)-1, 0);
		chorus_buf_release(&b);
		free(t);
	}

out:
	chorus_corpus_release(&c);
	chorus_store_close(st);
	for (i = 0; i < n_truth; i++)
		free(truth[i].key);
	free(truth);
	free(db);
	chorus_site_release(&site);
	return ok ? 0 : 1;
}
