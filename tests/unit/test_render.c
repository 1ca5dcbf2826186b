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
#include <libxml/entities.h>

#include "chorus/cluster.h"
#include "chorus/config.h"
#include "chorus/file.h"
#include "chorus/render.h"
#include "chorus/text.h"

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

/* Cluster what st holds (default options) and load it into c. */
static void cluster_and_load(struct chorus_store *st, struct chorus_corpus *c)
{
	struct chorus_cluster_options opt;

	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_load(st, c, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_cluster_assign(st, c, &opt, NULL, NULL, NULL),
			 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_corpus_release(c);
	assert_int_equal(chorus_store_load(st, c, NULL), 0);
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
	cluster_and_load(st, &c);
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

/* A made-up word of 5 to 8 letters, different for each (n, k). */
static void word(unsigned n, unsigned k, char *out)
{
	static const char letters[] = "bcdfghklmnprstvz";
	static const char vowels[] = "aeiou";
	uint32_t x = n * 2654435761u ^ (k + 1) * 40503u;
	size_t len = 5 + x % 4, i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		out[i] =
		    i % 2 ? vowels[(x >> 16) % 5] : letters[(x >> 16) % 16];
	}
	out[0] = (char)(out[0] - 32); /* a name: capitalised */
	out[len] = '\0';
}

static char *file_of(const char *root, const char *rel)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	char *path = chorus_path_join(root, rel);

	assert_int_equal(chorus_file_read(path, 0, &b, NULL), 0);
	free(path);
	return chorus_buf_detach(&b, NULL);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/*
 * Enough stories that pages render on several threads: two sites built
 * from the same store are the same, byte for byte; an outlet's feed holds
 * its 20 newest stories as short entries (summary, link to the story
 * page); a render with nothing new writes nothing and leaves the render
 * cache as it was.
 */
static void test_render_many_stories(void **state)
{
	struct chorus_render_stats stats;
	struct chorus_store *st;
	struct chorus_corpus c;
	struct chorus_site a, b;
	char *db = chorus_path_join(dir, "many.db");
	char *site_a = chorus_path_join(dir, "a"),
	     *site_b = chorus_path_join(dir, "b");
	char *feed, *other, *cache1, *cache2;
	unsigned i, k;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	for (i = 0; i < 90; i++) {
		char key[16], w[6][12], text[512];

		for (k = 0; k < 6; k++)
			word(i, k, w[k]);
		snprintf(key, sizeof(key), "m%02u", i);
		snprintf(text, sizeof(text),
			 "Title: %s %s opens in %s\nSource: %s\n"
			 "Date: 2025-11-%02uT%02u:00:00Z\n\n"
			 "%s %s opened the %s hall in %s on Monday, "
			 "officials said. Visitors from %s queued for hours "
			 "to see the %s collection.\n",
			 w[0], w[1], w[2], i < 30 ? "Big Desk" : "Small Desk",
			 1 + i % 28, i % 24, w[0], w[1], w[3], w[2], w[4],
			 w[5]);
		add_article(st, key, text);
	}
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	cluster_and_load(st, &c);
	assert_true(c.n_stories >= 64);

	assert_int_equal(chorus_file_mkdirs(site_a, NULL), 0);
	assert_int_equal(chorus_file_mkdirs(site_b, NULL), 0);
	assert_int_equal(chorus_site_load(&a, site_a, NULL, NULL), 0);
	assert_int_equal(chorus_site_load(&b, site_b, NULL, NULL), 0);
	a.source_date_epoch = b.source_date_epoch = 1763510400;
	assert_int_equal(chorus_render_site(&a, &c, &stats, NULL, NULL), 0);
	assert_int_equal(stats.stories, c.n_stories);
	assert_int_equal(chorus_render_site(&b, &c, &stats, NULL, NULL), 0);

	/* The same files, whichever thread wrote what. */
	for (i = 0; i < c.n_stories; i++) {
		char rel[200];

		snprintf(rel, sizeof(rel), "public/stories/%s.html",
			 c.stories[i].slug);
		feed = file_of(site_a, rel);
		other = file_of(site_b, rel);
		assert_string_equal(feed, other);
		free(feed);
		free(other);
	}
	feed = file_of(site_a, "public/index.html");
	other = file_of(site_b, "public/index.html");
	assert_string_equal(feed, other);
	free(feed);
	free(other);
	feed = file_of(site_a, "public/page/1.html");
	free(feed);

	/* An outlet's feed: its 20 newest stories, short entries. */
	feed = file_of(site_a, "public/sources/big-desk.atom");
	other = file_of(site_b, "public/sources/big-desk.atom");
	assert_string_equal(feed, other);
	assert_int_equal(count(feed, "<entry>"), 20);
	assert_int_equal(count(feed, "rel=\"related\""), 0);
	assert_int_equal(count(feed, "the whole story"), 20);
	assert_int_equal(count(feed, "href=&quot;../stories/"), 20);
	free(feed);
	free(other);
	/* feed.atom keeps whole entries: a related link per outlet. */
	feed = file_of(site_a, "public/feed.atom");
	assert_true(count(feed, "rel=\"related\"") >= 50);
	assert_non_null(strstr(feed, "Sources:"));
	free(feed);

	/* Nothing new: nothing written, the cache kept as it was. */
	cache1 = file_of(site_a, ".chorus/render.cache");
	assert_int_equal(chorus_render_site(&a, &c, &stats, NULL, NULL), 0);
	assert_int_equal(stats.written, 0);
	cache2 = file_of(site_a, ".chorus/render.cache");
	assert_string_equal(cache1, cache2);
	free(cache1);
	free(cache2);

	chorus_corpus_release(&c);
	chorus_store_close(st);
	chorus_site_release(&a);
	chorus_site_release(&b);
	free(site_a);
	free(site_b);
	free(db);
}

/* An article put as given: NULL title allowed, published as said. */
static void put_raw(struct chorus_store *st, const char *key, const char *title,
		    const char *text, int64_t published)
{
	struct chorus_article a;
	int64_t src;

	chorus_article_init(&a);
	a.key = strdup(key);
	a.title = title ? strdup(title) : NULL;
	a.text = strdup(text);
	a.source = strdup(published % 7200 ? "Odd Desk" : "Even Desk");
	a.published = a.updated = published;
	a.date_known = 1;
	assert_int_equal(
	    chorus_store_source_get(st, a.source, NULL, &src, NULL), 0);
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	chorus_article_release(&a);
}

/*
 * A corpus loaded without its texts (as `chorus build` loads it) is the
 * same corpus, in the same order (articles stored out of date order),
 * but for the texts it leaves out: those of articles with a title; an
 * untitled one keeps its text (its display title comes from it). The
 * texts read back later are the stored ones, and a site rendered from it
 * (texts read by the render while it summarises, on several threads) is
 * the same as one rendered from the whole corpus; without the store to
 * read them from, the render refuses.
 */
static void test_render_lazy_corpus(void **state)
{
	struct chorus_cluster_options opt;
	struct chorus_render_stats stats;
	struct chorus_stored_article **texts;
	struct chorus_store *st;
	struct chorus_corpus whole, lazy;
	struct chorus_site a, b;
	struct chorus_err err = {0};
	char *db = chorus_path_join(dir, "lazy.db");
	char *site_a = chorus_path_join(dir, "la"),
	     *site_b = chorus_path_join(dir, "lb");
	static const char *const pages[] = {
	    "public/index.html", "public/about.html",
	    "public/sources/odd-desk.html", "public/sources/even-desk.html"};
	unsigned i;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	for (i = 0; i < 160; i++) {
		char key[16], w[4][12], title[80], text[400];

		word(i / 2, 0, w[0]);
		word(i / 2, 1, w[1]);
		word(i, 2, w[2]);
		word(i, 3, w[3]);
		snprintf(key, sizeof(key), "z%03u", 159 - i);
		snprintf(title, sizeof(title), "%s %s meets %s", w[0], w[1],
			 w[2]);
		snprintf(text, sizeof(text),
			 "%s %s met %s in %s on Monday, officials said. "
			 "The talks lasted for three hours in the old hall.\n"
			 "%s said more would follow after the weekend.",
			 w[0], w[1], w[2], w[3], w[2]);
		/* Stored newest first; every fifth without a title. */
		put_raw(st, key, i % 5 ? title : NULL, text,
			1763510400 - (int64_t)i * 3600);
	}
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_load(st, &whole, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_cluster_assign(st, &whole, &opt, NULL, NULL, NULL), 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_corpus_release(&whole);
	assert_int_equal(chorus_store_load(st, &whole, NULL), 0);
	assert_int_equal(chorus_store_load_lazy(st, &lazy, NULL), 0);
	assert_int_equal(whole.texts_lazy, 0);
	assert_int_equal(lazy.texts_lazy, 1);
	assert_int_equal(lazy.n_articles, 160);
	/* Enough stories to be summarised on several threads. */
	assert_true(lazy.n_stories >= 64);
	assert_int_equal(lazy.n_articles, whole.n_articles);
	assert_int_equal(lazy.n_stories, whole.n_stories);
	for (i = 0; i < lazy.n_articles; i++) {
		const struct chorus_stored_article *x = &whole.articles[i],
						   *y = &lazy.articles[i];

		assert_string_equal(x->a.key, y->a.key);
		assert_true(!i || x->a.published >=
				      whole.articles[i - 1].a.published);
		assert_int_equal(x->hash, y->hash);
		assert_int_equal(x->story_id, y->story_id);
		assert_string_equal(x->a.source, y->a.source);
		if (x->a.title)
			assert_null(y->a.text);
		else
			assert_string_equal(x->a.text, y->a.text);
	}
	/* Read back, as the render reads them. */
	{
		struct chorus_corpus again;

		assert_int_equal(chorus_store_load_lazy(st, &again, NULL), 0);
		texts = calloc(again.n_articles, sizeof(*texts));
		assert_non_null(texts);
		for (i = 0; i < again.n_articles; i++)
			texts[i] = &again.articles[i];
		assert_int_equal(
		    chorus_store_load_texts(st, texts, again.n_articles, NULL),
		    0);
		for (i = 0; i < again.n_articles; i++)
			assert_string_equal(again.articles[i].a.text,
					    whole.articles[i].a.text);
		free(texts);
		chorus_corpus_release(&again);
	}

	assert_int_equal(chorus_file_mkdirs(site_a, NULL), 0);
	assert_int_equal(chorus_file_mkdirs(site_b, NULL), 0);
	assert_int_equal(chorus_site_load(&a, site_a, NULL, NULL), 0);
	assert_int_equal(chorus_site_load(&b, site_b, NULL, NULL), 0);
	a.source_date_epoch = b.source_date_epoch = 1763510400;
	assert_int_equal(chorus_render_site(&b, &lazy, &stats, NULL, &err),
			 CHORUS_EINVAL);
	assert_int_equal(chorus_render_site(&a, &whole, &stats, NULL, NULL), 0);
	assert_int_equal(
	    chorus_render_site_archived(&b, st, &lazy, &stats, NULL, NULL), 0);
	assert_int_equal(stats.stories, whole.n_stories);
	/* The render gave back the texts it read. */
	for (i = 0; i < lazy.n_articles; i++)
		if (lazy.articles[i].a.title)
			assert_null(lazy.articles[i].a.text);
	for (i = 0; i < whole.n_stories; i++) {
		char rel[200];
		char *x, *y;

		snprintf(rel, sizeof(rel), "public/stories/%s.html",
			 whole.stories[i].slug);
		x = file_of(site_a, rel);
		y = file_of(site_b, rel);
		assert_string_equal(x, y);
		assert_non_null(strstr(x, "<p>"));
		free(x);
		free(y);
	}
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *x = file_of(site_a, pages[i]),
		     *y = file_of(site_b, pages[i]);

		assert_string_equal(x, y);
		free(x);
		free(y);
	}

	chorus_corpus_release(&whole);
	chorus_corpus_release(&lazy);
	chorus_store_close(st);
	chorus_site_release(&a);
	chorus_site_release(&b);
	free(site_a);
	free(site_b);
	free(db);
}

/*
 * An Atom element's text is escaped by chorus_buf_add_escaped() (see
 * src/atom.c), which must write the bytes libxml2's escaping would.
 */
static void test_render_atom_text_as_libxml2(void **state)
{
	static const char title[] = "Q&A: \"Tides\" <rise> at Cobh's quay";
	static const char lead[] = "The harbour master said \"tides & winds\" "
				   "<matter> at Cobh on Monday morning.";
	struct chorus_render_stats stats;
	struct chorus_store *st;
	struct chorus_corpus c;
	struct chorus_site site;
	struct chorus_buf text = CHORUS_BUF_INIT, feed = CHORUS_BUF_INIT,
			  want = CHORUS_BUF_INIT;
	char *sub = chorus_path_join(dir, "escaped");
	char *db = chorus_path_join(sub, "state.db");
	char *pub = chorus_path_join(sub, "public");
	char *path = chorus_path_join(pub, "feed.atom");
	xmlChar *enc_title = xmlEncodeSpecialChars(NULL, BAD_CAST title);
	xmlChar *enc_lead = xmlEncodeSpecialChars(NULL, BAD_CAST lead);

	(void)state;
	assert_non_null(enc_title);
	assert_non_null(enc_lead);
	assert_int_equal(chorus_file_mkdirs(sub, NULL), 0);
	assert_int_equal(chorus_site_load(&site, sub, NULL, NULL), 0);
	site.source_date_epoch = 1763510400;
	assert_int_equal(chorus_store_open(&st, db, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_buf_printf(&text,
					   "Title: %s\nSource: Cove Desk\n\n%s "
					   "Ferries to Spike Island ran an "
					   "hour late all afternoon.\n",
					   title, lead),
			 0);
	add_article(st, "e1", text.data);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	cluster_and_load(st, &c);
	assert_int_equal(c.n_stories, 1);
	assert_int_equal(chorus_render_site(&site, &c, &stats, NULL, NULL), 0);
	assert_int_equal(chorus_file_read(path, 0, &feed, NULL), 0);

	/* The headline, and the lead in the summary: as libxml2 has them. */
	assert_int_equal(chorus_buf_printf(&want,
					   "<title type=\"text\">%s</title>",
					   (const char *)enc_title),
			 0);
	assert_non_null(strstr(feed.data, want.data));
	assert_non_null(strstr(feed.data, "&lt;rise&gt; at Cobh's quay"));
	chorus_buf_reset(&want);
	assert_int_equal(chorus_buf_printf(&want, "<summary type=\"text\">%s",
					   (const char *)enc_lead),
			 0);
	assert_non_null(strstr(feed.data, want.data));
	/* The content is HTML, escaped once more: no raw markup in it. */
	assert_non_null(strstr(feed.data, "<content type=\"html\">&lt;p&gt;"));

	xmlFree(enc_title);
	xmlFree(enc_lead);
	chorus_buf_release(&text);
	chorus_buf_release(&feed);
	chorus_buf_release(&want);
	chorus_corpus_release(&c);
	chorus_store_close(st);
	chorus_site_release(&site);
	free(path);
	free(pub);
	free(db);
	free(sub);
}

/* The summariser's names (found with its terms) are chorus_text_names'. */
static void test_render_names_as_text_names(void **state)
{
	static const char *const texts[] = {
	    "The envoy Steve Witkoff met Kirill Dmitriev in Miami. In Kyiv, "
	    "President Volodymyr Zelensky said the plan of the White House "
	    "was a start; Steve Witkoff's team agreed.\nNew York: the "
	    "United Nations Security Council met on Monday.",
	    "Storm Ophelia brought winds to Cork and Kerry. ESB Networks "
	    "crews worked through the night in West Cork.",
	    "Le président Emmanuel Macron a reçu Olaf Scholz à l'Élysée.",
	};
	struct chorus_text_analyser *an;
	struct chorus_text_analysis out;
	size_t i, k;

	(void)state;
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	chorus_text_analysis_init(&out);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct chorus_strlist want, got;

		chorus_strlist_init(&want);
		chorus_strlist_init(&got);
		assert_int_equal(chorus_text_names(texts[i], &want), 0);
		assert_int_equal(
		    chorus_text_analyse_terms(an, "en", texts[i], &out, &got),
		    0);
		assert_true(out.n_terms > 5);
		assert_int_equal(got.n, want.n);
		for (k = 0; k < want.n; k++)
			assert_string_equal(got.v[k], want.v[k]);
		chorus_strlist_release(&want);
		chorus_strlist_release(&got);
	}
	chorus_text_analysis_release(&out);
	chorus_text_analyser_free(an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render_writes_site_and_skips_unchanged),
	    cmocka_unit_test(test_render_many_stories),
	    cmocka_unit_test(test_render_lazy_corpus),
	    cmocka_unit_test(test_render_names_as_text_names),
	    cmocka_unit_test(test_render_atom_text_as_libxml2),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
