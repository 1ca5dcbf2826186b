/*
 * Unit tests for the SQLite store: schema version, article upserts,
 * unique slugs, file records, loading.
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
#include <sqlite3.h>

#include "chorus/store.h"

static char db_path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/chorus-store-XXXXXX");
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

static void test_store_schema_has_version(void **state)
{
	struct chorus_store *st;
	sqlite3 *db;
	sqlite3_stmt *q;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	chorus_store_close(st);
	/* Reopening an up-to-date state migrates nothing and works. */
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	chorus_store_close(st);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), CHORUS_STORE_SCHEMA_VERSION);
	sqlite3_finalize(q);
	/* A state from a newer chorus is refused, not damaged. */
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	{
		struct chorus_err err = {0};

		assert_int_equal(chorus_store_open(&st, db_path, &err),
				 CHORUS_EDB);
		assert_non_null(strstr(err.msg, "newer"));
	}
}

static void test_store_article_put_detects_changes(void **state)
{
	struct chorus_store *st;
	struct chorus_article a;
	struct chorus_corpus c;
	enum chorus_put_result r;
	int64_t src, src2, story;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_store_source_get(st, "The Outlet", NULL, &src, NULL), 0);
	assert_int_equal(
	    chorus_store_source_get(st, "The Outlet", NULL, &src2, NULL), 0);
	assert_int_equal(src, src2);
	chorus_article_init(&a);
	a.key = strdup("k1");
	a.text = strdup("Body.");
	a.title = strdup("Title");
	a.published = a.updated = 100;
	assert_int_equal(chorus_store_article_put(st, &a, src, &r, NULL), 0);
	assert_int_equal(r, CHORUS_PUT_NEW);
	assert_int_equal(chorus_store_article_put(st, &a, src, &r, NULL), 0);
	assert_int_equal(r, CHORUS_PUT_SAME);
	free(a.text);
	a.text = strdup("Body, corrected.");
	assert_int_equal(chorus_store_article_put(st, &a, src, &r, NULL), 0);
	assert_int_equal(r, CHORUS_PUT_CHANGED);
	assert_int_equal(chorus_store_story_new(st, "urn:uuid:1", "Title", "k1",
						&story, NULL),
			 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(c.n_articles, 1);
	assert_string_equal(c.articles[0].a.text, "Body, corrected.");
	assert_string_equal(c.articles[0].a.source, "The Outlet");
	assert_int_equal(c.n_sources, 1);
	assert_string_equal(c.sources[0].slug, "the-outlet");
	assert_int_equal(c.n_stories, 1);
	assert_string_equal(c.stories[0].slug, "title");
	chorus_corpus_release(&c);
	chorus_article_release(&a);
	chorus_store_close(st);
}

static void test_store_slugs_stay_unique(void **state)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	int64_t a, b, s1, s2;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_store_source_get(st, "BBC News", NULL, &a, NULL), 0);
	assert_int_equal(
	    chorus_store_source_get(st, "bbc news!", NULL, &b, NULL), 0);
	assert_true(a != b);
	assert_int_equal(
	    chorus_store_story_new(st, "urn:uuid:a", "Same", "ka", &s1, NULL),
	    0);
	assert_int_equal(
	    chorus_store_story_new(st, "urn:uuid:b", "Same", "kb", &s2, NULL),
	    0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_string_equal(c.sources[0].slug, "bbc-news");
	assert_string_equal(c.sources[1].slug, "bbc-news-2");
	assert_string_equal(c.stories[0].slug, "same");
	assert_string_equal(c.stories[1].slug, "same-2");
	chorus_corpus_release(&c);
	chorus_store_close(st);
}

static void test_store_file_records(void **state)
{
	struct chorus_store *st;
	int same = -1;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(
	    chorus_store_file_unchanged(st, "a.txt", 5, 10, &same, NULL), 0);
	assert_int_equal(same, 0);
	assert_int_equal(chorus_store_file_record(st, "a.txt", 5, 10, NULL), 0);
	assert_int_equal(
	    chorus_store_file_unchanged(st, "a.txt", 5, 10, &same, NULL), 0);
	assert_int_equal(same, 1);
	assert_int_equal(
	    chorus_store_file_unchanged(st, "a.txt", 6, 10, &same, NULL), 0);
	assert_int_equal(same, 0);
	chorus_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_store_schema_has_version,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_store_article_put_detects_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_slugs_stay_unique, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_store_file_records, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
