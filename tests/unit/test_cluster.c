/*
 * Unit tests for clustering: story ids, assignment of the seeds, an
 * unrelated article founding its own story, the canonical view, feature
 * blobs, dates and lead names, scoring of copies, id stability across runs,
 * merges, overrides, explanations and the split step.
 */
#include <math.h>
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
#include "chorus/file.h"
#include "cluster_int.h"

static void test_cluster_story_id_is_uuid_v5_and_stable(void **state)
{
	char a[CHORUS_STORY_ID_LEN], b[CHORUS_STORY_ID_LEN];

	(void)state;
	chorus_story_id("000_7fc3c141840a2b8f", a);
	chorus_story_id("000_7fc3c141840a2b8f", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 45);
	assert_memory_equal(a, "urn:uuid:", 9);
	assert_int_equal(a[9 + 14], '5'); /* version nibble */
	chorus_story_id("another", b);
	assert_string_not_equal(a, b);
}

static char db_path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/chorus-cluster-XXXXXX");
	fd = mkstemp(db_path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(db_path);
	return 0;
}

static int teardown(void **state)
{
	char side[80];

	(void)state;
	unlink(db_path);
	snprintf(side, sizeof(side), "%s-wal", db_path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db_path);
	unlink(side);
	return 0;
}

/* Store the seed files (from the project's seeds/) plus extra texts. */
static void store_texts(struct chorus_store *st, const char *const *extra,
			size_t n_extra)
{
	static const char *const seeds[] = {
	    "000_7fc3c141840a2b8f", "001_c58b7bd601761270",
	    "002_d00f49ccea1fcff8", "003_ea9675669bbb944e",
	    "004_c17af2bfe2ff09de",
	};
	size_t i;

	assert_int_equal(chorus_store_begin(st, NULL), 0);
	for (i = 0; i < 5 + n_extra; i++) {
		struct chorus_buf data = CHORUS_BUF_INIT;
		struct chorus_article a;
		char path[256];
		int64_t src;

		chorus_article_init(&a);
		if (i < 5) {
			snprintf(path, sizeof(path), "%s/seeds/%s.txt",
				 CHORUS_SOURCE_DIR, seeds[i]);
			assert_int_equal(chorus_file_read(path, 0, &data, NULL),
					 0);
			assert_int_equal(chorus_article_from_text(
					     &a, seeds[i], data.data, data.len,
					     1763510400, NULL, NULL, NULL),
					 0);
		} else {
			char key[32];

			snprintf(key, sizeof(key), "extra%zu", i);
			assert_int_equal(
			    chorus_article_from_text(
				&a, key, extra[i - 5], strlen(extra[i - 5]),
				1763510400 + 3600, NULL, NULL, NULL),
			    0);
		}
		assert_int_equal(
		    chorus_store_source_get(st, a.source, NULL, &src, NULL), 0);
		assert_int_equal(
		    chorus_store_article_put(st, &a, src, NULL, NULL), 0);
		chorus_article_release(&a);
		chorus_buf_release(&data);
	}
	assert_int_equal(chorus_store_commit(st, NULL), 0);
}

static const char *const flood =
    "Heavy Rain Floods Streets of Lisbon as Storm Batters Portugal\n\n"
    "Torrential rain swept across Lisbon on Tuesday, flooding streets in "
    "the Alfama district and forcing the closure of metro stations. The "
    "weather service IPMA issued a red warning for the coastal region.\n"
    "Firefighters rescued residents trapped in cars in Alges, and the "
    "city council opened emergency shelters in schools.\n";

static int64_t assign_all(struct chorus_store *st, struct chorus_corpus *c,
			  size_t *founded)
{
	struct chorus_cluster_options opt;

	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_load(st, c, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_cluster_assign(st, c, &opt, founded, NULL, NULL), 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_corpus_release(c);
	assert_int_equal(chorus_store_load(st, c, NULL), 0);
	return 0;
}

static void test_cluster_seeds_make_one_story_flood_another(void **state)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	size_t founded = 0, i;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	store_texts(st, &flood, 1);
	assign_all(st, &c, &founded);
	assert_int_equal(founded, 2);
	assert_int_equal(c.n_stories, 2);
	for (i = 0; i < c.n_articles; i++) {
		int is_flood = !strcmp(c.articles[i].a.key, "extra5");

		assert_int_equal(c.articles[i].story_id,
				 is_flood ? c.stories[1].id : c.stories[0].id);
		if (!is_flood)
			assert_true(c.articles[i].score >= 0.2);
	}
	{
		char id[CHORUS_STORY_ID_LEN];

		chorus_story_id("000_7fc3c141840a2b8f", id);
		assert_string_equal(c.stories[0].uuid, id);
	}
	chorus_corpus_release(&c);
	/* Assigning again founds nothing and changes no id. */
	assign_all(st, &c, &founded);
	assert_int_equal(founded, 0);
	assert_int_equal(c.n_stories, 2);
	chorus_corpus_release(&c);
	chorus_store_close(st);
}

static void test_cluster_view_has_headline_summary_and_only(void **state)
{
	struct chorus_story_view v;
	struct chorus_store *st;
	struct chorus_corpus c;
	size_t founded, i, with_only = 0;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	store_texts(st, NULL, 0);
	assign_all(st, &c, &founded);
	assert_int_equal(chorus_story_view_compute(&c, &c.stories[0], &v, NULL),
			 0);
	assert_int_equal(v.n_members, 5);
	assert_int_equal(v.n_sources, 5);
	/* The headline is one of the seeds' own headlines. */
	{
		int found = 0;

		for (i = 0; i < v.n_members; i++)
			found |=
			    v.members[i].article->a.title &&
			    !strcmp(v.members[i].article->a.title, v.headline);
		assert_true(found);
	}
	assert_true(v.summary.n >= 2 && v.summary.n <= 4);
	for (i = 0; i < v.n_members; i++) {
		with_only += v.members[i].only.n > 0;
		assert_true(v.members[i].only.n <= 2);
	}
	assert_true(with_only >= 2);
	{
		int witkoff = 0, dmitriev = 0;

		for (i = 0; i < v.names.n; i++) {
			witkoff |= !strcmp(v.names.v[i], "Steve Witkoff");
			dmitriev |= !strcmp(v.names.v[i], "Kirill Dmitriev");
		}
		assert_true(witkoff && dmitriev);
	}
	chorus_story_view_release(&v);
	chorus_corpus_release(&c);
	chorus_store_close(st);
}

static void test_cluster_display_title_cuts_long_sentences(void **state)
{
	struct chorus_article a;
	char *t;

	(void)state;
	chorus_article_init(&a);
	a.text = "The Trump administration has been engaged in confidential "
		 "discussions with Russian officials to develop a plan.\nMore.";
	t = chorus_article_display_title(&a);
	assert_string_equal(t, "The Trump administration has been engaged in "
			       "confidential discussions with Russian…");
	free(t);
	a.text = "Short first sentence. Second one.";
	t = chorus_article_display_title(&a);
	assert_string_equal(t, "Short first sentence");
	free(t);
}

static void test_cluster_features_round_trip(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;
	struct article_features f, g;
	struct chorus_buf blob = CHORUS_BUF_INIT;
	struct df_table df;

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(df_init(&df, 16), 0);
	assert_int_equal(chorus_text_analyse(an, "en", "Envoys meet in 2025",
					     "Steve Witkoff met Kirill "
					     "Dmitriev in Miami in November "
					     "2025 to draft a peace plan for "
					     "Ukraine; the plan has 28 points.",
					     &a),
			 0);
	assert_int_equal(features_from_analysis(&a, &df, 1, &f), 0);
	assert_int_equal(df.docs, 1);
	assert_true(f.n_terms > 8 && f.n_names >= 4 && f.n_head == 3);
	assert_int_equal(f.n_years, 1);
	assert_int_equal(f.years[0], 2025);
	assert_int_equal(f.n_dates, 1);
	assert_int_equal(f.dates[0], 2025 * 16 + 11);
	/* Unit length, sorted by hash. */
	{
		double sum = 0;
		size_t i;

		for (i = 0; i < f.n_terms; i++) {
			sum += (double)f.terms[i].w * f.terms[i].w;
			if (i)
				assert_true(f.terms[i - 1].h < f.terms[i].h);
		}
		assert_true(sum > 0.999 && sum < 1.001);
		assert_true(feat_dot(f.terms, f.n_terms, f.terms, f.n_terms) >
			    0.999);
	}
	assert_int_equal(features_encode(&f, &blob), 0);
	assert_int_equal(features_decode(blob.data, blob.len, &g), 0);
	assert_memory_equal(&f, &g, sizeof(f));
	/* A cut blob is refused, not misread. */
	assert_int_equal(features_decode(blob.data, blob.len - 2, &g),
			 CHORUS_EPARSE);
	{
		struct chorus_buf d = CHORUS_BUF_INIT;
		struct df_table df2;

		assert_int_equal(df_encode(&df, &d), 0);
		assert_int_equal(df_decode(&df2, d.data, d.len), 0);
		assert_int_equal(df2.docs, 1);
		assert_int_equal(df2.n, df.n);
		assert_int_equal(df_get(&df2, f.terms[0].h), 1);
		df_release(&df2);
		chorus_buf_release(&d);
	}
	chorus_buf_release(&blob);
	df_release(&df);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

/*
 * Dates: a year with a month name, or with day and month in digits, in
 * the common orders; a lone year ("her 1999 film") is no date. Lead
 * names: the title's names that the body names too.
 */
static void test_cluster_dates_and_lead_names(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;
	struct article_features f, g;
	struct chorus_buf blob = CHORUS_BUF_INIT;
	struct df_table df;
	uint32_t magic = 0x32464843u; /* "CHF2", before dates */

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(
	    chorus_text_analyse(an, "en", "Lohan checks into rehab",
				"Posted May 3, 2013. The 2011-12 season and "
				"her 1999 film aside, a hearing on 27 / 09 / "
				"2013 follows those of 2012-08-08 and 23 Dec "
				"2012.",
				&a),
	    0);
	assert_int_equal(a.n_dates, 4);
	assert_int_equal(a.dates[0], 2013 * 16 + 5);
	assert_int_equal(a.dates[1], 2013 * 16 + 9);
	assert_int_equal(a.dates[2], 2012 * 16 + 8);
	assert_int_equal(a.dates[3], 2012 * 16 + 12);
	/* The most named first; a day and month that could be either way
	 * round leave the month open. */
	assert_int_equal(chorus_text_analyse(an, "en", NULL,
					     "She left in September 2010 and "
					     "on Sept. 4th, 2011; the filing "
					     "of 05/03/2013 (05/03/2013 in "
					     "the court's own hand).",
					     &a),
			 0);
	assert_int_equal(a.n_dates, 3);
	assert_int_equal(a.dates[0], 2013 * 16);
	assert_int_equal(a.dates[1], 2010 * 16 + 9);
	assert_int_equal(a.dates[2], 2011 * 16 + 9);
	assert_int_equal(chorus_text_analyse(an, "en", NULL,
					     "Scores of 2008: the 1999 film, "
					     "a 2006 arrest and March 2-3.",
					     &a),
			 0);
	assert_int_equal(a.n_dates, 0);
	assert_int_equal(a.n_years, 3);
	/* A blob from before dates still reads, with none. */
	assert_int_equal(
	    chorus_text_analyse(an, "en", NULL,
				"Filed on 27 / 09 / 2013 in Ashgabat.", &a),
	    0);
	assert_int_equal(df_init(&df, 16), 0);
	assert_int_equal(features_from_analysis(&a, &df, 1, &f), 0);
	assert_int_equal(f.n_dates, 1);
	assert_int_equal(features_encode(&f, &blob), 0);
	memcpy(blob.data, &magic, 4);
	assert_int_equal(f.n_lead, 0);
	assert_int_equal(features_decode(blob.data, blob.len - 4, &g), 0);
	assert_int_equal(g.n_dates, 0);
	assert_int_equal(g.n_terms, f.n_terms);
	assert_int_equal(g.years[0], 2013);
	assert_int_equal(features_decode(blob.data, blob.len, &g),
			 CHORUS_EPARSE);
	/* Lead names: of a Title Case title, the words the body names. */
	assert_int_equal(
	    chorus_text_analyse(an, "en",
				"Saints Place Pierre Thomas On Injured Reserve",
				"The New Orleans Saints placed running back "
				"Pierre Thomas on injured reserve on "
				"Wednesday, the team said.",
				&a),
	    0);
	assert_int_equal(a.n_title_names, 7);
	assert_int_equal(features_from_analysis(&a, &df, 1, &f), 0);
	assert_int_equal(f.n_lead, 3);
	{
		uint32_t want[3];
		size_t i, k;

		for (i = 0; i < 3; i++) {
			const char *w[] = {"Saints", "Pierre", "Thomas"};
			struct chorus_buf key = CHORUS_BUF_INIT;
			uint64_t h;

			assert_int_equal(
			    chorus_text_name_key(w[i], strlen(w[i]), &key), 0);
			h = chorus_text_name_hash(key.data, key.len);
			want[i] = (uint32_t)(h ^ (h >> 32));
			chorus_buf_release(&key);
		}
		for (i = 0; i < 3; i++) {
			for (k = 0; k < f.n_lead && f.lead[k] != want[i]; k++)
				;
			assert_true(k < f.n_lead);
		}
	}
	assert_int_equal(features_encode(&f, &blob), 0);
	assert_int_equal(features_decode(blob.data, blob.len, &g), 0);
	assert_memory_equal(&f, &g, sizeof(f));
	chorus_buf_release(&blob);
	df_release(&df);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

/* Put one article (key, title, text, link, published) into st. */
static void put(struct chorus_store *st, const char *key, const char *title,
		const char *text, const char *link, int64_t published)
{
	struct chorus_article a;
	int64_t src;

	chorus_article_init(&a);
	a.key = (char *)key;
	a.title = (char *)title;
	a.text = (char *)text;
	a.link = (char *)link;
	a.source = (char *)key;
	a.published = a.updated = published;
	assert_int_equal(chorus_store_source_get(st, key, NULL, &src, NULL), 0);
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
}

static void run(struct chorus_store *st,
		const struct chorus_cluster_options *opt,
		struct chorus_cluster_stats *stats)
{
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_cluster_run(st, opt, stats, NULL, NULL), 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
}

static int64_t story_of(struct chorus_store *st, const char *key)
{
	int64_t id, story;

	assert_int_equal(chorus_store_article_find(st, key, &id, &story, NULL),
			 0);
	return story;
}

static const char *const lisbon =
    "Torrential rain swept across Lisbon on Tuesday, flooding streets in "
    "the Alfama district and forcing the closure of metro stations. The "
    "weather service IPMA issued a red warning for the coastal region. "
    "Firefighters rescued residents trapped in cars in Alges, and the "
    "city council opened emergency shelters in schools.";
static const char *const lisbon_copy =
    "Torrential rain swept across Lisbon on Tuesday, flooding streets in "
    "the Alfama district and forcing the closure of metro stations. The "
    "weather service IPMA issued a red warning for the coastal region. "
    "Firefighters rescued residents trapped in cars in Alges, and the "
    "city council opened emergency shelters in schools. Copyright AP.";
static const char *const harbour =
    "Dock workers in Rotterdam began a strike over automation of the "
    "container terminals, halting cranes at the Maasvlakte. The union FNV "
    "said talks with port operators had failed after six weeks, and "
    "shipping lines diverted vessels to Antwerp and Hamburg.";

static void test_cluster_copies_join_and_strangers_do_not(void **state)
{
	struct chorus_cluster_options opt;
	struct chorus_cluster_stats stats;
	struct chorus_store *st;

	(void)state;
	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	put(st, "a", "Floods in Lisbon", lisbon, "https://x.example/1", 1000);
	put(st, "b", "Lisbon under water", lisbon_copy, NULL, 1060);
	put(st, "c", "Other headline", "Short text.", "https://x.example/1",
	    1120);
	put(st, "d", "Rotterdam dock strike", harbour, NULL, 1180);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	run(st, &opt, &stats);
	assert_int_equal(stats.articles, 4);
	assert_int_equal(stats.stories_new, 2);
	/* A near copy (one sentence added) and a same-link copy join. */
	assert_true(story_of(st, "b") == story_of(st, "a"));
	assert_true(story_of(st, "c") == story_of(st, "a"));
	assert_true(story_of(st, "d") != story_of(st, "a"));
	assert_true(stats.copies >= 2);
	/* The same-link copy is one article with its original: shown once. */
	{
		struct chorus_story_view v;
		struct chorus_corpus c;
		size_t i;

		assert_int_equal(chorus_store_load(st, &c, NULL), 0);
		for (i = 0; i < c.n_stories; i++)
			if (c.stories[i].id == story_of(st, "a"))
				break;
		assert_int_equal(
		    chorus_story_view_compute(&c, &c.stories[i], &v, NULL), 0);
		assert_int_equal(v.n_members, 2);
		assert_string_equal(v.members[0].article->a.key, "a");
		assert_string_equal(v.members[1].article->a.key, "b");
		chorus_story_view_release(&v);
		chorus_corpus_release(&c);
	}
	/* Nothing new: nothing moves. */
	run(st, &opt, &stats);
	assert_int_equal(stats.articles, 0);
	assert_int_equal(stats.stories_new, 0);
	chorus_store_close(st);
}

static const char *const dui_first =
    "Posted January 13, 2009. San Diego Chargers wide receiver Vincent "
    "Jackson was arrested on suspicion of drunken driving early Tuesday on "
    "state Route 52, the California Highway Patrol said. Jackson was "
    "booked into county jail and released on bail. The Chargers play the "
    "Pittsburgh Steelers on Sunday.";

/*
 * Cluster dui_first, then (title, text): *same is whether the second
 * joined the first's story, and *score what it joined with.
 */
static void second_report(const struct chorus_cluster_options *opt,
			  const char *title, const char *text, int *same,
			  double *score)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	size_t i;

	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	put(st, "a", "Chargers receiver Vincent Jackson arrested on DUI charge",
	    dui_first, NULL, 1000);
	put(st, "b", title, text, NULL, 1060);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	run(st, opt, NULL);
	*same = story_of(st, "a") == story_of(st, "b");
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	for (i = 0; i < c.n_articles; i++)
		if (!strcmp(c.articles[i].a.key, "b"))
			*score = c.articles[i].score;
	chorus_corpus_release(&c);
	chorus_store_close(st);
	teardown(NULL);
}

/*
 * A title name the story never names (another player) and a date in a
 * year the story never names each count against joining, by their
 * weights; a report of the same arrest is not touched.
 */
static void test_cluster_dates_and_lead_names_count_against(void **state)
{
	static const char *const other_player =
	    "San Diego Chargers lineman Jamal Williams was arrested on "
	    "suspicion of drunken driving on state Route 94, the California "
	    "Highway Patrol said early Sunday. Williams was booked into county "
	    "jail and later released on bail.";
	static const char *const same_arrest =
	    "San Diego Chargers receiver Vincent Jackson was arrested on "
	    "suspicion of drunken driving on state Route 52, the California "
	    "Highway Patrol said early Tuesday. Jackson was booked into county "
	    "jail and later released on bail before the playoff game against "
	    "Pittsburgh.";
	static const char *const two_years_on =
	    "Posted February 3, 2011. San Diego Chargers receiver Vincent "
	    "Jackson was arrested on suspicion of drunken driving on state "
	    "Route 52, the California Highway Patrol said early Tuesday. "
	    "Jackson was booked into county jail and later released on bail "
	    "before the playoff game against Pittsburgh.";
	const char *lead_title =
	    "Chargers lineman Jamal Williams arrested on DUI charge";
	const char *same_title = "Vincent Jackson arrested on suspicion of DUI";
	struct chorus_cluster_options opt;
	double s0, s1;
	int same;

	(void)state;
	chorus_cluster_options_init(&opt);
	opt.w_lead = opt.w_date = opt.w_year = 0;
	second_report(&opt, lead_title, other_player, &same, &s0);
	assert_true(same);
	opt.w_lead = 0.05;
	second_report(&opt, lead_title, other_player, &same, &s1);
	assert_true(same);
	assert_true(fabs(s0 - 0.05 - s1) < 1e-6);
	opt.w_lead = 1;
	second_report(&opt, lead_title, other_player, &same, &s1);
	assert_false(same);
	second_report(&opt, same_title, same_arrest, &same, &s1);
	assert_true(same);
	opt.w_lead = 0;
	second_report(&opt, same_title, two_years_on, &same, &s0);
	assert_true(same);
	opt.w_date = 0.05;
	second_report(&opt, same_title, two_years_on, &same, &s1);
	assert_true(same);
	assert_true(fabs(s0 - 0.05 - s1) < 1e-6);
	opt.w_date = 1;
	second_report(&opt, same_title, two_years_on, &same, &s1);
	assert_false(same);
	second_report(&opt, same_title, same_arrest, &same, &s1);
	assert_true(same);
}

/* The seeds fed one per run give the stories and scores of one run. */
static void test_cluster_ids_stable_one_run_or_many(void **state)
{
	static const char *const keys[] = {"x1", "x2", "x3", "x4"};
	static const char *const *texts[] = {&lisbon, &harbour, &lisbon_copy,
					     &harbour};
	struct chorus_cluster_options opt;
	struct chorus_corpus one, many;
	struct chorus_store *st;
	size_t i;

	(void)state;
	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	store_texts(st, NULL, 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	for (i = 0; i < 4; i++)
		put(st, keys[i], NULL, *texts[i], NULL, 1763510400 + 60);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	run(st, &opt, NULL);
	assert_int_equal(chorus_store_load(st, &one, NULL), 0);
	chorus_store_close(st);
	teardown(NULL);
	setup(NULL);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	store_texts(st, NULL, 0);
	/* Remove and re-add: the same articles, one run each. */
	for (i = 0; i < 4; i++) {
		assert_int_equal(chorus_store_begin(st, NULL), 0);
		put(st, keys[i], NULL, *texts[i], NULL, 1763510400 + 60);
		assert_int_equal(chorus_store_commit(st, NULL), 0);
		run(st, &opt, NULL);
	}
	assert_int_equal(chorus_store_load(st, &many, NULL), 0);
	assert_int_equal(one.n_stories, many.n_stories);
	assert_int_equal(one.n_stories, 3);
	for (i = 0; i < one.n_stories; i++)
		assert_string_equal(one.stories[i].uuid, many.stories[i].uuid);
	for (i = 0; i < one.n_articles; i++) {
		assert_string_equal(one.articles[i].a.key,
				    many.articles[i].a.key);
		assert_true(one.articles[i].story_id ==
			    many.articles[i].story_id);
		assert_true(fabs(one.articles[i].score -
				 many.articles[i].score) < 1e-9);
	}
	chorus_corpus_release(&one);
	chorus_corpus_release(&many);
	chorus_store_close(st);
}

/* A made-up word: three syllables drawn by x (a linear congruence). */
static void word(uint32_t *x, int capital, struct chorus_buf *out)
{
	static const char *const syl[] = {
	    "ka",  "lo",  "mi",	 "ne",	"ru",  "ta",  "vo",  "zi",  "bre",
	    "dra", "fli", "gro", "plu", "sku", "tre", "wen", "yor", "xa",
	};
	size_t k;

	for (k = 0; k < 3; k++) {
		const char *sy;

		*x = *x * 1103515245u + 12345u;
		sy = syl[(*x >> 16) % (sizeof(syl) / sizeof(syl[0]))];
		assert_int_equal(chorus_buf_addc(out, capital && !k
							  ? (char)(sy[0] - 32)
							  : sy[0]),
				 0);
		assert_int_equal(chorus_buf_adds(out, sy + 1), 0);
	}
}

/*
 * Article k of made-up story s: the story's own words and name in an
 * order of the article's, among words every story uses.
 */
static void synthetic(size_t s, size_t k, struct chorus_buf *title,
		      struct chorus_buf *text)
{
	static const char *const filler[] = {"officials", "report",
					     "morning",	  "council",
					     "announced", "residents"};
	struct chorus_buf own[10];
	uint32_t x = (uint32_t)s * 7919u + 17u, y = (uint32_t)(s * 4 + k);
	size_t i;

	for (i = 0; i < 10; i++) {
		chorus_buf_init(&own[i], 0);
		word(&x, i >= 8, &own[i]);
	}
	chorus_buf_reset(title);
	chorus_buf_reset(text);
	assert_int_equal(chorus_buf_printf(title, "%s %s in %s %s", own[0].data,
					   own[1].data, own[8].data,
					   own[9].data),
			 0);
	for (i = 0; i < 40; i++) {
		y = y * 1103515245u + 12345u;
		if (i % 8 == 3)
			assert_int_equal(chorus_buf_printf(text, "%s %s said. ",
							   own[8].data,
							   own[9].data),
					 0);
		else if ((y >> 16) % 3)
			assert_int_equal(
			    chorus_buf_printf(text, "%s ",
					      own[(y >> 8) % 8].data),
			    0);
		else
			assert_int_equal(chorus_buf_printf(
					     text, "%s ", filler[(y >> 8) % 6]),
					 0);
	}
	for (i = 0; i < 10; i++)
		chorus_buf_release(&own[i]);
}

/*
 * More articles than the pipeline's batches hold (4,000: sixteen batches
 * of 256, more than its ring of twelve, read, analysed and weighed by two
 * workers) give in one run what they give fed in seven: the same story
 * for each, the same score (which the document counts, and so the order
 * the batches were weighed in, enter).
 */
static void test_cluster_batches_one_run_or_many(void **state)
{
	enum { STORIES = 250, EACH = 16, RUNS = 7 };
	struct chorus_cluster_options opt;
	struct chorus_corpus one, many;
	struct chorus_buf title = CHORUS_BUF_INIT, text = CHORUS_BUF_INIT;
	struct chorus_store *st;
	char key[32];
	size_t i, n = STORIES * EACH, r, shared = 0;

	(void)state;
	chorus_cluster_options_init(&opt);
	for (r = 0; r < 2; r++) {
		size_t runs = r ? RUNS : 1, done = 0, k;

		if (r) {
			teardown(NULL);
			setup(NULL);
		}
		assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
		for (k = 0; k < runs; k++) {
			size_t upto = n * (k + 1) / runs;

			assert_int_equal(chorus_store_begin(st, NULL), 0);
			/* Story by story, interleaved: i-th article of all. */
			for (i = done; i < upto; i++) {
				snprintf(key, sizeof(key), "a%04zu", i);
				synthetic(i % STORIES, i / STORIES, &title,
					  &text);
				put(st, key, title.data, text.data, NULL,
				    1763510400 + (int64_t)i * 60);
			}
			assert_int_equal(chorus_store_commit(st, NULL), 0);
			run(st, &opt, NULL);
			done = upto;
		}
		assert_int_equal(chorus_store_load(st, r ? &many : &one, NULL),
				 0);
		chorus_store_close(st);
	}
	assert_int_equal(one.n_articles, n);
	assert_int_equal(many.n_articles, n);
	assert_int_equal(one.n_stories, many.n_stories);
	for (i = 0; i < n; i++) {
		assert_string_equal(one.articles[i].a.key,
				    many.articles[i].a.key);
		assert_true(one.articles[i].story_id ==
			    many.articles[i].story_id);
		assert_true(fabs(one.articles[i].score -
				 many.articles[i].score) < 1e-9);
	}
	/* And the clustering found the made-up stories: a%04d and the article
	 * STORIES later tell the same one; 249 stories, as stories 12 and 56
	 * share their surname (Yoryorka), and little else tells them apart
	 * in such short texts. */
	assert_int_equal(one.n_stories, 249);
	for (i = 0; i + STORIES < n; i++)
		shared += one.articles[i].story_id ==
			  one.articles[i + STORIES].story_id;
	assert_int_equal(shared, n - STORIES);
	chorus_corpus_release(&one);
	chorus_corpus_release(&many);
	chorus_buf_release(&title);
	chorus_buf_release(&text);
}

static void test_cluster_overrides_beat_the_algorithm(void **state)
{
	struct chorus_story_override ov[2];
	struct chorus_cluster_options opt;
	struct chorus_cluster_stats stats;
	struct chorus_corpus c;
	struct chorus_store *st;
	int64_t seeds, flooded;
	size_t i;

	(void)state;
	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	store_texts(st, &flood, 1);
	/* split: the article founds a story of its own, and stays alone. */
	ov[0].kind = CHORUS_STORY_SPLIT;
	ov[0].key = "002_d00f49ccea1fcff8";
	ov[0].other = NULL;
	opt.overrides = ov;
	opt.n_overrides = 1;
	run(st, &opt, &stats);
	seeds = story_of(st, "000_7fc3c141840a2b8f");
	assert_true(story_of(st, "002_d00f49ccea1fcff8") != seeds);
	assert_true(story_of(st, "001_c58b7bd601761270") == seeds);
	flooded = story_of(st, "extra5");
	assert_true(flooded != seeds);
	run(st, &opt, &stats);
	assert_int_equal(stats.stories_new, 0);
	/* merge: two stories become one; the older (seeds) lives on. */
	ov[1].kind = CHORUS_STORY_MERGE;
	ov[1].key = "extra5";
	ov[1].other = "001_c58b7bd601761270";
	opt.overrides = &ov[1];
	opt.n_overrides = 1;
	run(st, &opt, &stats);
	assert_int_equal(stats.merges, 1);
	assert_true(story_of(st, "extra5") == seeds);
	assert_true(story_of(st, "004_c17af2bfe2ff09de") == seeds);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	for (i = 0; i < c.n_stories; i++)
		if (c.stories[i].id == flooded)
			assert_true(c.stories[i].merged_into == seeds);
	chorus_corpus_release(&c);
	chorus_store_close(st);
}

/* A synthetic member: terms base..base+7 (equal weights), one date. */
static void member_features(struct article_features *f, uint32_t base,
			    uint16_t date)
{
	uint32_t i;

	memset(f, 0, sizeof(*f));
	f->n_terms = 8;
	for (i = 0; i < 8; i++) {
		f->terms[i].h = base + i;
		f->terms[i].w = (float)(1 / sqrt(8.0));
	}
	f->n_dates = 1;
	f->dates[0] = date;
	f->n_years = 1;
	f->years[0] = (uint16_t)(date / 16);
}

/*
 * The split step's own rules, on members made by hand: members are kept in
 * (published, key) order whatever order they come in, two groups of three
 * that share no words and date themselves five years apart split with the
 * earliest member's group staying, and a story past split_max is no longer
 * kept.
 */
static void test_cluster_split_story_rules(void **state)
{
	static const char *const keys[] = {"k4", "k1", "k6", "k3", "k2", "k5"};
	static const int64_t when[] = {400, 100, 600, 300, 200, 500};
	struct chorus_cluster_options opt;
	struct split_story ss, out;
	struct article_features f;
	uint8_t side[8];
	uint32_t i;

	(void)state;
	chorus_cluster_options_init(&opt);
	memset(&ss, 0, sizeof(ss));
	/* k1-k3 one event (December 2008), k4-k6 another (September 2013). */
	for (i = 0; i < 6; i++) {
		int other = keys[i][1] >= '4';

		member_features(
		    &f, other ? 1000 : 2000,
		    (uint16_t)(other ? 2013 * 16 + 9 : 2008 * 16 + 12));
		assert_int_equal(split_story_add(&ss, &opt, (int64_t)i + 1,
						 keys[i], when[i], 0.5, 0, &f),
				 0);
	}
	assert_int_equal(ss.n, 6);
	for (i = 0; i < 6; i++)
		assert_true(ss.m[i].published == 100 * ((int64_t)i + 1));
	assert_int_equal(split_story_first(&ss), 0);
	assert_string_equal(ss.m[0].key, "k1");
	/* The same groups dated the same month are one event told twice. */
	{
		struct split_story same;

		memset(&same, 0, sizeof(same));
		for (i = 0; i < 6; i++) {
			member_features(&f, i < 3 ? 2000 : 1000,
					(uint16_t)(2008 * 16 + 12));
			assert_int_equal(split_story_add(&same, &opt, 1,
							 keys[i], when[i], 0.5,
							 0, &f),
					 0);
		}
		assert_int_equal(split_story_decide(&same, &opt, side), 0);
		split_story_release(&same);
	}
	assert_int_equal(split_story_decide(&ss, &opt, side), 3);
	for (i = 0; i < 6; i++)
		assert_int_equal(side[i], i >= 3);
	assert_int_equal(split_story_divide(&ss, side, &out), 0);
	assert_int_equal(ss.n, 3);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.m[split_story_first(&out)].key, "k4");
	split_member_features(&out.m[0], &f);
	assert_int_equal(f.n_terms, 8);
	assert_int_equal(f.terms[0].h, 1000);
	/* Merged back, then grown past split_max: no longer kept. */
	assert_int_equal(split_story_merge(&ss, &out, &opt), 0);
	assert_int_equal(ss.n, 6);
	assert_true(out.off);
	opt.split_max = 6;
	member_features(&f, 3000, (uint16_t)(2020 * 16 + 1));
	assert_int_equal(split_story_add(&ss, &opt, 7, "k7", 700, 0.5, 0, &f),
			 0);
	assert_true(ss.off);
	assert_int_equal(ss.n, 0);
	assert_int_equal(split_story_decide(&ss, &opt, side), 0);
	split_story_release(&ss);
	split_story_release(&out);
}

/* Two emergency patches of one browser, five years apart (as in ECB+). */
static const char *const patch_keys[] = {"a1", "a2", "a3", "b1", "b2", "b3"};
static const char *const patch_titles[] = {
    "Microsoft rushes out emergency Internet Explorer patch",
    "Emergency fix for Internet Explorer password flaw",
    "Internet Explorer patched after attacks on gamers",
    "Microsoft issues emergency Internet Explorer fix",
    "Internet Explorer zero-day fixed after Japan attacks",
    "Emergency Internet Explorer patch for targeted attacks",
};
static const char *const patch_texts[] = {
    "December 17, 2008. Microsoft released an emergency patch for "
    "Internet Explorer on Wednesday to fix a data binding flaw that "
    "hackers used to steal passwords from online gamers. The XML bug let "
    "malicious sites install password stealers on Windows computers.",
    "December 17, 2008. Microsoft shipped an out of band update for "
    "Internet Explorer fixing the data binding vulnerability. Criminals "
    "had exploited the XML flaw on thousands of hacked sites to steal "
    "gaming passwords from Windows users.",
    "December 17, 2008. An emergency Internet Explorer update from "
    "Microsoft closes the data binding hole behind the password stealing "
    "attacks. Hacked Chinese sites had used the XML flaw to plant "
    "password stealers aimed at online game players.",
    "September 17, 2013. Microsoft released an emergency Fix it tool for "
    "Internet Explorer after targeted attacks in Japan exploited a zero "
    "day memory corruption flaw. The attackers lured government and "
    "technology companies to booby trapped websites.",
    "September 17, 2013. Microsoft warned of a zero day memory "
    "corruption vulnerability in Internet Explorer used in targeted "
    "attacks against Japanese organisations, and published a Fix it "
    "workaround until a full security update ships.",
    "September 17, 2013. A zero day flaw in Internet Explorer was "
    "exploited in targeted attacks in Japan, Microsoft said, releasing "
    "an emergency Fix it that blocks the memory corruption attack on "
    "government and technology companies.",
};

/* Join anything: the split step alone keeps the two patches apart. */
static void patch_options(struct chorus_cluster_options *opt)
{
	chorus_cluster_options_init(opt);
	opt->threshold = 0.01;
	opt->min_terms = 0.01;
	opt->w_year = opt->w_date = opt->w_lead = opt->w_time = 0;
}

static void put_patches(struct chorus_store *st, size_t from, size_t to)
{
	size_t i;

	assert_int_equal(chorus_store_begin(st, NULL), 0);
	for (i = from; i < to; i++)
		put(st, patch_keys[i], patch_titles[i], patch_texts[i], NULL,
		    1000 + 60 * (int64_t)i);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
}

static const char *uuid_of(const struct chorus_corpus *c, int64_t story)
{
	size_t i;

	for (i = 0; i < c->n_stories; i++)
		if (c->stories[i].id == story)
			return c->stories[i].uuid;
	return "";
}

/*
 * The second patch's first reports join the first patch's story (nothing
 * keeps them out here); once each side has three reports the story splits:
 * the founder's side keeps it, the other side gets its own founder's id,
 * and running again, or one article per run, changes nothing.
 */
static void test_cluster_split_two_events(void **state)
{
	struct chorus_cluster_options opt;
	struct chorus_cluster_stats stats;
	struct chorus_corpus one, many;
	struct chorus_store *st;
	char a1[CHORUS_STORY_ID_LEN], b1[CHORUS_STORY_ID_LEN];
	size_t i;

	(void)state;
	patch_options(&opt);
	chorus_story_id("a1", a1);
	chorus_story_id("b1", b1);
	/* Without the split step, the six are one story. */
	opt.split_ratio = 0;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	put_patches(st, 0, 6);
	run(st, &opt, &stats);
	for (i = 1; i < 6; i++)
		assert_true(story_of(st, patch_keys[i]) == story_of(st, "a1"));
	chorus_store_close(st);
	teardown(NULL);

	patch_options(&opt);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	put_patches(st, 0, 6);
	run(st, &opt, &stats);
	assert_int_equal(stats.articles, 6);
	assert_int_equal(stats.stories_new, 2);
	assert_true(story_of(st, "a2") == story_of(st, "a1"));
	assert_true(story_of(st, "a3") == story_of(st, "a1"));
	assert_true(story_of(st, "b2") == story_of(st, "b1"));
	assert_true(story_of(st, "b3") == story_of(st, "b1"));
	assert_true(story_of(st, "b1") != story_of(st, "a1"));
	assert_int_equal(chorus_store_load(st, &one, NULL), 0);
	assert_string_equal(uuid_of(&one, story_of(st, "a1")), a1);
	assert_string_equal(uuid_of(&one, story_of(st, "b1")), b1);
	/* Nothing new: nothing moves. */
	run(st, &opt, &stats);
	assert_int_equal(stats.articles, 0);
	assert_int_equal(stats.stories_new, 0);
	chorus_store_close(st);
	teardown(NULL);

	/* One article per run: the same stories, the same ids. */
	setup(NULL);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	for (i = 0; i < 6; i++) {
		put_patches(st, i, i + 1);
		run(st, &opt, NULL);
	}
	assert_int_equal(chorus_store_load(st, &many, NULL), 0);
	assert_int_equal(one.n_stories, many.n_stories);
	for (i = 0; i < one.n_stories; i++)
		assert_string_equal(one.stories[i].uuid, many.stories[i].uuid);
	for (i = 0; i < one.n_articles; i++) {
		assert_string_equal(one.articles[i].a.key,
				    many.articles[i].a.key);
		assert_true(one.articles[i].story_id ==
			    many.articles[i].story_id);
		assert_true(fabs(one.articles[i].score -
				 many.articles[i].score) < 1e-9);
	}
	chorus_corpus_release(&one);
	chorus_corpus_release(&many);
	chorus_store_close(st);
}

/* A [story] merge override holding a1 and b2 together is never split. */
static void test_cluster_split_respects_merge_override(void **state)
{
	struct chorus_story_override ov = {CHORUS_STORY_MERGE, (char *)"a1",
					   (char *)"b2"};
	struct chorus_cluster_options opt;
	struct chorus_store *st;
	size_t i;

	(void)state;
	patch_options(&opt);
	opt.overrides = &ov;
	opt.n_overrides = 1;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	put_patches(st, 0, 6);
	run(st, &opt, NULL);
	for (i = 1; i < 6; i++)
		assert_true(story_of(st, patch_keys[i]) == story_of(st, "a1"));
	chorus_store_close(st);
}

static void test_cluster_explain_names_what_drove_the_merge(void **state)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	struct chorus_explain e;
	size_t founded, i;
	int witkoff = 0, dmitriev = 0, variant = 0;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	store_texts(st, NULL, 0);
	assign_all(st, &c, &founded);
	assert_int_equal(
	    chorus_cluster_explain(st, &c, &c.stories[0], &e, NULL), 0);
	assert_int_equal(e.n_members, 5);
	for (i = 0; i < e.names.n; i++) {
		witkoff |= !strcmp(e.names.v[i], "Witkoff");
		dmitriev |= !strcmp(e.names.v[i], "Dmitriev");
	}
	assert_true(witkoff && dmitriev);
	/* The member writing "Witkov" shares the name under its spelling. */
	for (i = 0; i < e.n_members; i++) {
		size_t k;

		for (k = 0; k < e.members[i].names.n; k++)
			variant |= !strcmp(e.members[i].names.v[k], "Witkov");
		assert_true(e.members[i].score > 0.2);
	}
	assert_true(variant);
	chorus_explain_release(&e);
	chorus_corpus_release(&c);
	chorus_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_story_id_is_uuid_v5_and_stable),
	    cmocka_unit_test_setup_teardown(
		test_cluster_seeds_make_one_story_flood_another, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_view_has_headline_summary_and_only, setup,
		teardown),
	    cmocka_unit_test(test_cluster_display_title_cuts_long_sentences),
	    cmocka_unit_test(test_cluster_features_round_trip),
	    cmocka_unit_test(test_cluster_dates_and_lead_names),
	    cmocka_unit_test_setup_teardown(
		test_cluster_copies_join_and_strangers_do_not, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_dates_and_lead_names_count_against, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_ids_stable_one_run_or_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_batches_one_run_or_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_overrides_beat_the_algorithm, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_explain_names_what_drove_the_merge, setup,
		teardown),
	    cmocka_unit_test(test_cluster_split_story_rules),
	    cmocka_unit_test_setup_teardown(test_cluster_split_two_events,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_split_respects_merge_override, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
