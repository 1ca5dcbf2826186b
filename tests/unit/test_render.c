/*
 * Unit tests for the render module: a small corpus rendered into a
 * temporary public/, a site template overriding a built-in one, and a
 * second render that rewrites nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chorus/cluster.h"
#include "chorus/config.h"
#include "chorus/file.h"
#include "chorus/render.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/chorus-render-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void add_article(struct chorus_store *st, const char *key,
			const char *text)
{
	struct chorus_article a;
	int64_t src;

	chorus_article_init(&a);
	assert_int_equal(chorus_article_from_text(&a, key, text, strlen(text),
						  1763510400, NULL, NULL, NULL),
			 0);
	assert_int_equal(
	    chorus_store_source_get(st, a.source, NULL, &src, NULL), 0);
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	chorus_article_release(&a);
}

static char *slurp(const char *rel)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	char *path;
	char *pub = chorus_path_join(dir, "public");

	path = chorus_path_join(pub, rel);
	assert_int_equal(chorus_file_read(path, 0, &b, NULL), 0);
	free(path);
	free(pub);
	return chorus_buf_detach(&b, NULL);
}

static void test_render_writes_site_and_skips_unchanged(void **state)
{
	struct chorus_cluster_options opt;
	struct chorus_render_stats stats;
	struct chorus_store *st;
	struct chorus_corpus c;
	struct chorus_site site;
	char *db = chorus_path_join(dir, "state.db");
	char *tdir, *page;

	(void)state;
	assert_int_equal(chorus_site_load(&site, dir, NULL, NULL), 0);
	site.source_date_epoch = 1763510400;
	assert_int_equal(chorus_store_open(&st, db, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	add_article(st, "a1",
		    "Title: Storm <Ophelia> hits \"Cork\" & Kerry\n"
		    "Source: Irish Desk\n\nStorm Ophelia brought winds of 150 "
		    "km/h to Cork and Kerry on Monday. Thousands of homes lost "
		    "power across Munster.\n");
	add_article(st, "a2",
		    "Title: Ophelia leaves Cork and Kerry without power\n"
		    "Source: Munster News\n\nWinds from Storm Ophelia left "
		    "thousands of homes in Cork and Kerry without power on "
		    "Monday. Crews from ESB Networks worked through the "
		    "night.\n");
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_cluster_assign(st, &c, &opt, NULL, NULL, NULL),
			 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_corpus_release(&c);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(c.n_stories, 1);

	assert_int_equal(chorus_render_site(&site, &c, &stats, NULL, NULL), 0);
	assert_int_equal(stats.stories, 1);
	/*
	 * style, story, 2 sources, about, index; feed.atom, feed.json, 2
	 * source feeds, sources.opml
	 */
	assert_int_equal(stats.written, 11);
	page = slurp("index.html");
	assert_non_null(strstr(page, "href=\"sources/irish-desk.html\""));
	free(page);
	page = slurp("sources/irish-desk.html");
	/* Article text is escaped, never markup. */
	assert_non_null(strstr(page,
			       "Storm &lt;Ophelia&gt; hits &quot;Cork&quot; "
			       "&amp; Kerry"));
	free(page);
	page = slurp("sources/munster-news.html");
	assert_non_null(strstr(page, "href=\"../stories/"));
	free(page);

	/* Nothing changed: nothing written. */
	assert_int_equal(chorus_render_site(&site, &c, &stats, NULL, NULL), 0);
	assert_int_equal(stats.written, 0);
	assert_int_equal(stats.unchanged, 11);

	/*
	 * The render cache skips pages whose inputs did not change, but not
	 * a page edited or deleted by hand: it is written again.
	 */
	{
		char *pub = chorus_path_join(dir, "public");
		char *p = chorus_path_join(pub, "sources/irish-desk.html");
		const char *junk = "edited by hand";

		assert_int_equal(
		    chorus_file_write_atomic(p, junk, strlen(junk), NULL, NULL),
		    0);
		assert_int_equal(
		    chorus_render_site(&site, &c, &stats, NULL, NULL), 0);
		assert_int_equal(stats.written, 1);
		page = slurp("sources/irish-desk.html");
		assert_null(strstr(page, junk));
		assert_non_null(strstr(page, "<!DOCTYPE html>"));
		free(page);
		assert_int_equal(unlink(p), 0);
		assert_int_equal(
		    chorus_render_site(&site, &c, &stats, NULL, NULL), 0);
		assert_int_equal(stats.written, 1);
		page = slurp("sources/irish-desk.html");
		free(page);
		free(p);
		free(pub);
	}

	/* A site template overrides the built-in one, file by file. */
	tdir = chorus_path_join(dir, "templates");
	assert_int_equal(chorus_file_mkdirs(tdir, NULL), 0);
	{
		char *t = chorus_path_join(tdir, "index.mustache");
		const char *src = "{{<layout}}{{$content}}<p id=\"mine\">"
				  "{{#stories}}{{headline}}{{/stories}}</p>"
				  "{{/content}}{{/layout}}";

		assert_int_equal(
		    chorus_file_write_atomic(t, src, strlen(src), NULL, NULL),
		    0);
		free(t);
	}
	assert_int_equal(chorus_render_site(&site, &c, &stats, NULL, NULL), 0);
	assert_int_equal(stats.written, 1);
	page = slurp("index.html");
	assert_non_null(strstr(page, "<p id=\"mine\">"));
	assert_non_null(strstr(page, "<!DOCTYPE html>")); /* built-in layout */
	free(page);

	/* A broken site template is an error naming the template. */
	{
		char *t = chorus_path_join(tdir, "story.mustache");
		struct chorus_err err = {0};
		const char *src = "{{#story}}unclosed";

		assert_int_equal(
		    chorus_file_write_atomic(t, src, strlen(src), NULL, NULL),
		    0);
		assert_int_not_equal(
		    chorus_render_site(&site, &c, &stats, NULL, &err), 0);
		assert_non_null(strstr(err.msg, "story.mustache"));
		free(t);
	}
	free(tdir);
	chorus_corpus_release(&c);
	chorus_store_close(st);
	chorus_site_release(&site);
	free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render_writes_site_and_skips_unchanged),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
