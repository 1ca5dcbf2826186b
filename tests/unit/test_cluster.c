/*
 * Unit tests for clustering: story ids, assignment of the seeds, an
 * unrelated article founding its own story, and the canonical view.
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
#include "chorus/file.h"

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
						 &a, seeds[i], data.data,
						 data.len, 1763510400, NULL,
						 NULL, NULL),
					 0);
		} else {
			char key[32];

			snprintf(key, sizeof(key), "extra%zu", i);
			assert_int_equal(chorus_article_from_text(
						 &a, key, extra[i - 5],
						 strlen(extra[i - 5]),
						 1763510400 + 3600, NULL, NULL,
						 NULL),
					 0);
		}
		assert_int_equal(chorus_store_source_get(st, a.source, NULL,
							 &src, NULL),
				 0);
		assert_int_equal(chorus_store_article_put(st, &a, src, NULL,
							  NULL),
				 0);
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
	assert_int_equal(chorus_cluster_assign(st, c, &opt, founded, NULL,
					       NULL),
			 0);
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
			found |= v.members[i].article->a.title &&
				 !strcmp(v.members[i].article->a.title,
					 v.headline);
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
			witkoff |= !strcmp(v.names.v[i], "steve witkoff");
			dmitriev |= !strcmp(v.names.v[i], "kirill dmitriev");
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
