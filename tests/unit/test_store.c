/*
 * Unit tests for the SQLite store: schema version, the version 5
 * migration (articles_story without unassigned articles), the version 6
 * one (the texts in a table of their own), page size, article upserts
 * (both of an article's rows or neither), unique slugs, file records,
 * loading (texts lazily, one at a time or in one pass), reading
 * unassigned articles from a second thread, a large commit.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>

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

/* The SQL of index name, or "" when there is none. */
static void index_sql(const char *name, char *out, size_t cap)
{
	sqlite3 *db;
	sqlite3_stmt *q;

	out[0] = '\0';
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT sql FROM sqlite_schema "
					    "WHERE type = 'index' AND name = ?",
					    -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(out, cap, "%s",
			 (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* Run sql on the store's file, outside the store. */
static void raw_exec(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The integer the query sql gives on the store's file. */
static int64_t raw_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/*
 * Turn a closed version 6 store back into version 5 as that version made
 * it: the texts inline in articles (the column where version 1 put it),
 * no article_texts.
 */
static void back_to_version_5(void)
{
	raw_exec("BEGIN;"
		 "CREATE TABLE articles_v5("
		 "  id INTEGER PRIMARY KEY,"
		 "  key TEXT NOT NULL UNIQUE,"
		 "  source_id INTEGER NOT NULL REFERENCES sources(id),"
		 "  title TEXT, subtitle TEXT, link TEXT, author TEXT,"
		 "  language TEXT, summary TEXT, text TEXT NOT NULL,"
		 "  published INTEGER NOT NULL, updated INTEGER NOT NULL,"
		 "  date_known INTEGER NOT NULL DEFAULT 0,"
		 "  hash INTEGER NOT NULL,"
		 "  story_id INTEGER REFERENCES stories(id),"
		 "  score REAL NOT NULL DEFAULT 0);"
		 "INSERT INTO articles_v5 SELECT a.id, a.key, a.source_id,"
		 "  a.title, a.subtitle, a.link, a.author, a.language,"
		 "  a.summary, t.text, a.published, a.updated, a.date_known,"
		 "  a.hash, a.story_id, a.score"
		 "  FROM articles a JOIN article_texts t"
		 "  ON t.article_id = a.id;"
		 "DROP TABLE article_texts;"
		 "DROP TABLE articles;"
		 "ALTER TABLE articles_v5 RENAME TO articles;"
		 "CREATE INDEX articles_story ON articles(story_id)"
		 "  WHERE story_id IS NOT NULL;"
		 "CREATE INDEX articles_pending ON articles(published, key)"
		 "  WHERE story_id IS NULL;"
		 "PRAGMA user_version = 5;"
		 "COMMIT;");
	assert_int_equal(raw_int("SELECT count(*) FROM sqlite_schema"
				 " WHERE name = 'article_texts'"),
			 0);
}

/*
 * A version 4 state (articles_story over every article) is migrated to
 * version 5 (only the assigned ones) with its rows, and a story's
 * articles are still found through the index.
 */
static void test_store_migrates_articles_story(void **state)
{
	struct chorus_store *st;
	struct chorus_article a;
	int64_t src, story, id;
	char sql[256];
	sqlite3 *db;
	size_t n;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	assert_int_equal(
	    chorus_store_story_new(st, "urn:uuid:s", "S", "k1", &story, NULL),
	    0);
	chorus_article_init(&a);
	a.key = "k1";
	a.title = "One";
	a.text = "One text.";
	a.published = a.updated = 1000;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	a.key = "k2";
	a.published = a.updated = 1001;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	assert_int_equal(chorus_store_article_find(st, "k1", &id, &story, NULL),
			 0);
	chorus_store_close(st);
	index_sql("articles_story", sql, sizeof(sql));
	assert_non_null(strstr(sql, "WHERE story_id IS NOT NULL"));

	/* Back to version 4 as it was. */
	back_to_version_5();
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "DROP INDEX articles_story;"
			 "CREATE INDEX articles_story ON articles(story_id);"
			 "PRAGMA user_version = 4;",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	index_sql("articles_story", sql, sizeof(sql));
	assert_null(strstr(sql, "WHERE"));

	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	index_sql("articles_story", sql, sizeof(sql));
	assert_non_null(strstr(sql, "WHERE story_id IS NOT NULL"));
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_store_story_new(st, "urn:uuid:t", "T", "k1", &story, NULL),
	    0);
	assert_int_equal(chorus_store_article_assign(st, id, story, 0.5, NULL),
			 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_int_equal(chorus_store_story_size(st, story, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(chorus_store_story_size(st, story + 1, &n, NULL), 0);
	assert_int_equal(n, 0);
	chorus_store_close(st);
}

static int page_size_of(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int size;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	size = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return size;
}

static void test_store_page_size(void **state)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	int64_t src, story;
	sqlite3 *db;

	(void)state;
	/* A new store is made with pages of 16 KB. */
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	chorus_store_close(st);
	assert_int_equal(page_size_of(db_path), 16384);
	/* One made before (4 KB pages, schema version 0) keeps its pages,
	 * is migrated and works. */
	teardown(state);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA page_size=4096;"
				      "PRAGMA journal_mode=WAL;"
				      "CREATE TABLE t(x); DROP TABLE t;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(page_size_of(db_path), 4096);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "Old", NULL, &src, NULL),
			 0);
	assert_int_equal(
	    chorus_store_story_new(st, "urn:uuid:o", "Old", "ko", &story, NULL),
	    0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_store_close(st);
	assert_int_equal(page_size_of(db_path), 4096);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(c.n_sources, 1);
	assert_string_equal(c.sources[0].slug, "old");
	assert_int_equal(c.n_stories, 1);
	assert_string_equal(c.stories[0].slug, "old");
	chorus_corpus_release(&c);
	chorus_store_close(st);
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

/* The descriptors this process has open. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own */
}

static size_t story_count(const char *path)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	size_t n;

	assert_int_equal(chorus_store_open(&st, path, NULL), 0);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	n = c.n_stories;
	chorus_corpus_release(&c);
	chorus_store_close(st);
	return n;
}

/*
 * A large commit changes nothing a reader or a rollback sees: the
 * transaction commits (its flushing thread and all: a transaction said to write
 * 100,000 articles) or rolls back whole, and no descriptor outlives the store
 * (the writeback hints use SQLite's own, found by inode, and close none).
 */
static void test_store_large_commit(void **state)
{
	struct chorus_store *st;
	int64_t id;
	int fds = open_fds();
	size_t i;

	(void)state;
	assert_true(fds > 0);
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	chorus_store_expect_articles(st, 100000);
	for (i = 0; i < 200; i++) {
		char uuid[32];

		snprintf(uuid, sizeof(uuid), "urn:uuid:%zu", i);
		assert_int_equal(
		    chorus_store_story_new(st, uuid, uuid, uuid, &id, NULL), 0);
	}
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_story_new(st, "urn:uuid:gone", "Gone",
						"gone", &id, NULL),
			 0);
	chorus_store_expect_articles(st, 100000);
	chorus_store_rollback(st);
	/* The next commit after a rollback is an ordinary one again. */
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_story_new(st, "urn:uuid:kept", "Kept",
						"kept", &id, NULL),
			 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_true(open_fds() > fds); /* SQLite's */
	chorus_store_close(st);
	assert_int_equal(open_fds(), fds);
	assert_int_equal(story_count(db_path), 201);
	assert_int_equal(open_fds(), fds);
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

/* What the reading thread saw of each unassigned article. */
struct seen {
	struct chorus_store_reader *r;
	const int64_t *ids;
	size_t n;
	char keys[3][8], texts[3][16];
	int rc[3];
	size_t at;
};

static int copy_row(void *ctx, const struct chorus_store_row *row)
{
	struct seen *s = ctx;

	snprintf(s->keys[s->at], sizeof(s->keys[0]), "%s", row->key);
	snprintf(s->texts[s->at], sizeof(s->texts[0]), "%s", row->text);
	return row->features ? -100 : 0; /* pending rows carry none */
}

static void *read_all(void *arg)
{
	struct seen *s = arg;

	for (s->at = 0; s->at < s->n; s->at++)
		s->rc[s->at] =
		    chorus_store_reader_row(s->r, s->ids[s->at], copy_row, s);
	return NULL;
}

static void test_store_reader_reads_pending_on_another_thread(void **state)
{
	static const char *const keys[] = {"late", "early", "middle"};
	static const int64_t times[] = {300, 100, 200};
	struct chorus_store *st;
	struct seen seen;
	pthread_t th;
	int64_t src, *ids = NULL, story;
	size_t n = 0, i;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_store_source_get(st, "Outlet", NULL, &src, NULL), 0);
	/* Put in this (uncommitted) transaction: the reader sees them. */
	for (i = 0; i < 3; i++) {
		struct chorus_article a;
		char text[16];

		chorus_article_init(&a);
		snprintf(text, sizeof(text), "Text of %s.", keys[i]);
		a.key = (char *)keys[i];
		a.text = text;
		a.published = a.updated = times[i];
		assert_int_equal(
		    chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	}
	assert_int_equal(chorus_store_pending_ids(st, &ids, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(chorus_store_reader_new(st, &seen.r, NULL), 0);
	/* Debian's SQLite has its mutexes: the reader may go to a thread. */
	assert_true(chorus_store_reader_shareable(seen.r));
	seen.ids = ids;
	seen.n = n;
	assert_int_equal(pthread_create(&th, NULL, read_all, &seen), 0);
	/* Meanwhile this thread writes through the same store. */
	assert_int_equal(chorus_store_story_new(st, "urn:uuid:1", "Story",
						"early", &story, NULL),
			 0);
	for (i = 0; i < n; i++)
		assert_int_equal(
		    chorus_store_article_assign(st, ids[i], story, 1, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* In (published, key) order, whole. */
	for (i = 0; i < 3; i++)
		assert_int_equal(seen.rc[i], 0);
	assert_string_equal(seen.keys[0], "early");
	assert_string_equal(seen.keys[1], "middle");
	assert_string_equal(seen.keys[2], "late");
	assert_string_equal(seen.texts[0], "Text of early.");
	assert_string_equal(seen.texts[2], "Text of late.");
	/* An id that is not there. */
	seen.at = 0;
	assert_int_equal(
	    chorus_store_reader_row(seen.r, ids[2] + 1000, copy_row, &seen),
	    CHORUS_ENOTFOUND);
	chorus_store_reader_free(seen.r);
	free(ids);
	/* All assigned now: nothing is pending. */
	assert_int_equal(chorus_store_pending_ids(st, &ids, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(ids);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_store_close(st);
}

struct rows_seen {
	struct chorus_store *st;
	int64_t story;
	char keys[12][8];
	int64_t last; /* the article read before, assigned at the next */
	size_t fail_at;
	int calls;
};

/* Note each row by index; write between rows as the clustering's writer
 * does (the article read before is assigned), and fail where told. */
static int note_row(void *ctx, size_t i, const struct chorus_store_row *row)
{
	struct rows_seen *s = ctx;

	s->calls++;
	if (i == s->fail_at)
		return -100;
	assert_true(i < 12);
	snprintf(s->keys[i], sizeof(s->keys[0]), "%s", row->key);
	assert_string_equal(row->text, "Some text.");
	if (s->last)
		assert_int_equal(chorus_store_article_assign(s->st, s->last,
							     s->story, 1, NULL),
				 0);
	s->last = row->id;
	return 0;
}

static void test_store_reader_rows_in_runs(void **state)
{
	struct chorus_store *st;
	struct chorus_store_reader *r;
	struct rows_seen seen;
	int64_t src, *id = NULL, ids[12];
	size_t i, n = 0, done;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(
	    chorus_store_source_get(st, "Outlet", NULL, &src, NULL), 0);
	for (i = 0; i < 8; i++) {
		struct chorus_article a;
		char key[8];

		chorus_article_init(&a);
		snprintf(key, sizeof(key), "k%zu", i);
		a.key = key;
		a.text = "Some text.";
		a.published = a.updated = (int64_t)(100 + i);
		assert_int_equal(
		    chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	}
	/* A new store numbers them one after another. */
	assert_int_equal(chorus_store_pending_ids(st, &id, &n, NULL), 0);
	assert_int_equal(n, 8);
	for (i = 1; i < n; i++)
		assert_int_equal(id[i], id[i - 1] + 1);
	memset(&seen, 0, sizeof(seen));
	seen.st = st;
	seen.fail_at = SIZE_MAX;
	assert_int_equal(chorus_store_story_new(st, "urn:uuid:1", "Story", "k0",
						&seen.story, NULL),
			 0);
	/* A run, two backwards (each alone), a run after them, an absent
	 * one, and a run of absent ones. */
	ids[0] = id[0];
	ids[1] = id[1];
	ids[2] = id[2];
	ids[3] = id[4];
	ids[4] = id[3];
	ids[5] = id[5];
	ids[6] = id[6];
	ids[7] = id[7] + 1000;
	ids[8] = id[7] + 1;
	ids[9] = id[7] + 2;
	ids[10] = id[7] + 3;
	ids[11] = id[7] + 4;
	assert_int_equal(chorus_store_reader_new(st, &r, NULL), 0);
	assert_int_equal(
	    chorus_store_reader_rows(r, ids, 12, note_row, &seen, &done), 0);
	assert_int_equal(done, 12);
	assert_int_equal(seen.calls, 7);
	assert_string_equal(seen.keys[0], "k0");
	assert_string_equal(seen.keys[1], "k1");
	assert_string_equal(seen.keys[2], "k2");
	assert_string_equal(seen.keys[3], "k4");
	assert_string_equal(seen.keys[4], "k3");
	assert_string_equal(seen.keys[5], "k5");
	assert_string_equal(seen.keys[6], "k6");
	for (i = 7; i < 12; i++)
		assert_string_equal(seen.keys[i], "");
	/* id[7] with the absent ids after it: one run. */
	memset(&seen, 0, sizeof(seen));
	seen.st = st;
	seen.fail_at = SIZE_MAX;
	ids[7] = id[7];
	assert_int_equal(
	    chorus_store_reader_rows(r, ids + 7, 5, note_row, &seen, &done), 0);
	assert_int_equal(done, 5);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.keys[0], "k7");
	/* A failure inside a run: those before it are dealt with. */
	memset(&seen, 0, sizeof(seen));
	seen.st = st;
	seen.fail_at = 1;
	assert_int_equal(
	    chorus_store_reader_rows(r, ids, 12, note_row, &seen, &done), -100);
	assert_int_equal(done, 1);
	assert_string_equal(seen.keys[0], "k0");
	chorus_store_reader_free(r);
	free(id);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_store_close(st);
}

/* chorus_store_reader_rows()'s: each row's key and text, joined by '+'. */
static int note_text(void *ctx, size_t i, const struct chorus_store_row *row)
{
	char *out = ctx;
	size_t len = i ? strlen(out) : 0;

	snprintf(out + len, 64 - len, "%s%s|%s", i ? "+" : "", row->key,
		 row->text);
	return 0;
}

/* The stored article with key in c (NULL when none). */
static const struct chorus_stored_article *
article_of(const struct chorus_corpus *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n_articles; i++)
		if (!strcmp(c->articles[i].a.key, key))
			return &c->articles[i];
	return NULL;
}

/* A text longer than a page of the row's old neighbours would share. */
static char long_text[6000];

static int copy_text(void *ctx, const struct chorus_store_row *row)
{
	char *out = ctx;

	snprintf(out, 64, "%s|%s", row->key, row->text);
	return 0;
}

/*
 * A version 5 state (texts inline in articles) is migrated to version 6
 * (texts in article_texts, the column gone) with every row: the articles
 * load back the same, texts, summaries, stories and scores included,
 * whole or lazily; unassigned ones read back for the clusterer; their
 * hashes still tell an unchanged article from a changed one.
 */
static void test_store_migrates_texts(void **state)
{
	struct chorus_store *st;
	struct chorus_store_reader *r;
	struct chorus_article a;
	struct chorus_corpus c;
	const struct chorus_stored_article *k1, *k2, *k3;
	struct chorus_stored_article *all[3];
	enum chorus_put_result put;
	int64_t src, story, id1, id2, *ids = NULL;
	size_t i, n = 0;
	char seen[64] = "";

	(void)state;
	for (i = 0; i + 1 < sizeof(long_text); i++)
		long_text[i] = (char)('a' + i % 26);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	chorus_article_init(&a);
	a.key = "k1";
	a.title = "One";
	a.summary = "<p>The <b>summary</b>.</p>";
	a.text = long_text;
	a.published = a.updated = 1000;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	a.key = "k2";
	a.summary = NULL;
	a.text = "Second body.";
	a.published = a.updated = 1001;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	a.key = "k3";
	a.title = NULL; /* its display title comes from its text */
	a.text = "Untitled body.";
	a.published = a.updated = 1002;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	assert_int_equal(
	    chorus_store_story_new(st, "urn:uuid:s", "S", "k1", &story, NULL),
	    0);
	assert_int_equal(chorus_store_article_find(st, "k1", &id1, &id2, NULL),
			 0);
	assert_int_equal(
	    chorus_store_article_assign(st, id1, story, 0.75, NULL), 0);
	assert_int_equal(chorus_store_features_put(st, id1, 7, "blob", 4, NULL),
			 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_store_close(st);
	assert_int_equal(raw_int("SELECT count(*) FROM article_texts"), 3);
	assert_int_equal(raw_int("SELECT count(*) FROM pragma_table_info("
				 "'articles') WHERE name = 'text'"),
			 0);

	back_to_version_5();
	assert_int_equal(raw_int("SELECT length(text) FROM articles"
				 " WHERE key = 'k1'"),
			 (int64_t)strlen(long_text));
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(raw_int("PRAGMA user_version"), 6);
	/* The pages the texts left in articles are given back, not kept
	 * free in the file. */
	assert_int_equal(raw_int("PRAGMA freelist_count"), 0);
	assert_int_equal(raw_int("SELECT count(*) FROM pragma_table_info("
				 "'articles') WHERE name = 'text'"),
			 0);
	assert_int_equal(raw_int("SELECT count(*) FROM article_texts t"
				 " JOIN articles a ON a.id = t.article_id"),
			 3);
	assert_int_equal(
	    raw_int("SELECT count(*) FROM pragma_foreign_key_check"), 0);

	/* Whole. */
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(c.n_articles, 3);
	k1 = article_of(&c, "k1");
	k2 = article_of(&c, "k2");
	k3 = article_of(&c, "k3");
	assert_non_null(k1);
	assert_non_null(k2);
	assert_non_null(k3);
	assert_string_equal(k1->a.text, long_text);
	assert_string_equal(k1->a.summary, "<p>The <b>summary</b>.</p>");
	assert_string_equal(k1->a.title, "One");
	assert_int_equal(k1->story_id, story);
	assert_true(k1->score == 0.75);
	assert_string_equal(k2->a.text, "Second body.");
	assert_null(k2->a.summary);
	assert_int_equal(k2->story_id, 0);
	assert_string_equal(k3->a.text, "Untitled body.");
	id2 = k2->id;
	chorus_corpus_release(&c);

	/* Lazily: only the untitled one's text, the others on asking. */
	assert_int_equal(chorus_store_load_lazy(st, &c, NULL), 0);
	assert_int_equal(c.n_articles, 3);
	assert_null(article_of(&c, "k1")->a.text);
	assert_null(article_of(&c, "k2")->a.text);
	assert_string_equal(article_of(&c, "k3")->a.text, "Untitled body.");
	for (i = 0; i < 3; i++)
		all[i] = &c.articles[i];
	assert_int_equal(chorus_store_load_texts(st, all, 3, NULL), 0);
	assert_string_equal(article_of(&c, "k1")->a.text, long_text);
	assert_string_equal(article_of(&c, "k2")->a.text, "Second body.");
	assert_string_equal(article_of(&c, "k3")->a.text, "Untitled body.");
	chorus_corpus_release(&c);

	/* The unassigned ones, for the clusterer: one, then a run. */
	assert_int_equal(chorus_store_pending_ids(st, &ids, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], id2);
	assert_int_equal(chorus_store_reader_new(st, &r, NULL), 0);
	assert_int_equal(chorus_store_reader_row(r, ids[1], copy_text, seen),
			 0);
	assert_string_equal(seen, "k3|Untitled body.");
	assert_int_equal(
	    chorus_store_reader_rows(r, ids, n, note_text, seen, &i), 0);
	assert_int_equal(i, 2);
	assert_string_equal(seen, "k2|Second body.+k3|Untitled body.");
	chorus_store_reader_free(r);
	free(ids);

	/* The hash still covers the text: the same is the same, a text
	 * changed is a change, kept with the article's story. */
	a.key = "k1";
	a.title = "One";
	a.summary = "<p>The <b>summary</b>.</p>";
	a.text = long_text;
	a.published = a.updated = 1000;
	assert_int_equal(chorus_store_article_put(st, &a, src, &put, NULL), 0);
	assert_int_equal(put, CHORUS_PUT_SAME);
	a.text = "One body, corrected.";
	assert_int_equal(chorus_store_article_put(st, &a, src, &put, NULL), 0);
	assert_int_equal(put, CHORUS_PUT_CHANGED);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_string_equal(article_of(&c, "k1")->a.text,
			    "One body, corrected.");
	assert_int_equal(article_of(&c, "k1")->story_id, story);
	chorus_corpus_release(&c);
	chorus_store_close(st);
	assert_int_equal(raw_int("SELECT count(*) FROM article_texts"), 3);
}

/*
 * An article's two rows (its own, its text's) are written both or
 * neither, in a transaction of the caller's or on their own: a text row
 * refused (by a trigger standing for any failure) leaves no article.
 */
static void test_store_article_put_both_rows_or_neither(void **state)
{
	struct chorus_store *st;
	struct chorus_article a;
	struct chorus_corpus c;
	int64_t src;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	chorus_store_close(st);
	raw_exec("CREATE TRIGGER no_boom BEFORE INSERT ON article_texts"
		 " WHEN new.text = 'boom'"
		 " BEGIN SELECT RAISE(ABORT, 'boom refused'); END;"
		 "CREATE TRIGGER no_boom_update BEFORE UPDATE ON article_texts"
		 " WHEN new.text = 'boom'"
		 " BEGIN SELECT RAISE(ABORT, 'boom refused'); END;");
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	chorus_article_init(&a);
	a.title = "T";
	a.published = a.updated = 10;
	/* On its own (no transaction of the caller's). */
	a.key = "alone";
	a.text = "boom";
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL),
			 CHORUS_EDB);
	a.key = "alone-ok";
	a.text = "fine";
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	/* In the caller's transaction, which goes on. */
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	a.key = "inside";
	a.text = "boom";
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL),
			 CHORUS_EDB);
	a.key = "inside-ok";
	a.text = "also fine";
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	/* A change refused keeps the article as it was. */
	a.key = "alone-ok";
	a.title = "T2";
	a.text = "boom";
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL),
			 CHORUS_EDB);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(c.n_articles, 2);
	assert_non_null(article_of(&c, "alone-ok"));
	assert_string_equal(article_of(&c, "alone-ok")->a.text, "fine");
	assert_string_equal(article_of(&c, "alone-ok")->a.title, "T");
	assert_string_equal(article_of(&c, "inside-ok")->a.text, "also fine");
	chorus_corpus_release(&c);
	chorus_store_close(st);
	assert_int_equal(raw_int("SELECT count(*) FROM articles"), 2);
	assert_int_equal(raw_int("SELECT count(*) FROM article_texts"), 2);
}

/* chorus_store_load_texts_each()'s: counts the texts, checks each. */
static void count_text(void *arg, struct chorus_stored_article *a)
{
	size_t *n = arg;
	char want[32];

	snprintf(want, sizeof(want), "Body of %s.", a->a.key);
	assert_string_equal(a->a.text, want);
	(*n)++;
}

/*
 * Past 2,048 texts asked for, they are read in one pass of article_texts
 * rather than one lookup each: every article gets its own text, and one
 * whose text is there already is left as it is.
 */
static void test_store_load_texts_in_one_pass(void **state)
{
	enum { N = 2100 };
	struct chorus_store *st;
	struct chorus_corpus c;
	struct chorus_stored_article **all;
	int64_t src;
	size_t i, seen = 0;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	for (i = 0; i < N; i++) {
		struct chorus_article a;
		char key[16], text[32];

		chorus_article_init(&a);
		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(text, sizeof(text), "Body of %s.", key);
		a.key = key;
		a.title = "Titled";
		a.text = text;
		a.published = a.updated = (int64_t)(1000 + i);
		assert_int_equal(
		    chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	}
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	assert_int_equal(chorus_store_load_lazy(st, &c, NULL), 0);
	assert_int_equal(c.n_articles, N);
	all = calloc(N, sizeof(*all));
	assert_non_null(all);
	/* Asked for in reverse, one already loaded. */
	for (i = 0; i < N; i++) {
		assert_null(c.articles[i].a.text);
		all[i] = &c.articles[N - 1 - i];
	}
	c.articles[5].a.text = strdup("Mine.");
	assert_int_equal(
	    chorus_store_load_texts_each(st, all, N, count_text, &seen, NULL),
	    0);
	assert_int_equal(seen, N - 1);
	assert_string_equal(c.articles[5].a.text, "Mine.");
	assert_string_equal(c.articles[N - 1].a.text, "Body of k2099.");
	free(all);
	chorus_corpus_release(&c);
	chorus_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_store_schema_has_version,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_reader_rows_in_runs,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_migrates_articles_story,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_migrates_texts, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_store_article_put_both_rows_or_neither, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_load_texts_in_one_pass,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_page_size, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_store_article_put_detects_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_slugs_stay_unique, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_store_file_records, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_store_large_commit, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_store_reader_reads_pending_on_another_thread, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
