/*
 * Unit tests for what the clusterer writes to the store: a feature blob
 * stored again replaces the first, the story slugs chorus_text_slug()
 * makes without utf8proc for titles in ASCII and Latin-1 are those of the
 * titles folded by utf8proc, pages
 * spilled to the WAL before the commit are not committed by the spill, and
 * the store is written in bulk (foreign keys unchecked, deleted bytes left
 * as they were) only while the clustering's writer runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "chorus/cluster.h"
#include "chorus/store.h"
#include "chorus/text.h"

static char db_path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/chorus-cstore-XXXXXX");
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

/*
 * A store's slug for base: the slug of base folded whole by
 * chorus_text_fold() (utf8proc), maybe with "-N" after. Folding twice
 * changes nothing, so this is what chorus_text_slug(), which folds
 * Latin-1 a character at a time from a table, must give.
 */
static void assert_slug(const char *slug, const char *base)
{
	struct chorus_buf want = CHORUS_BUF_INIT, folded = CHORUS_BUF_INIT;
	size_t n;

	assert_int_equal(chorus_text_fold(base, strlen(base), &folded), 0);
	assert_int_equal(chorus_text_slug(chorus_buf_cstr(&folded), 60, &want),
			 0);
	chorus_buf_release(&folded);
	n = want.len;
	if (strcmp(slug, want.data)) {
		assert_memory_equal(slug, want.data, n);
		assert_int_equal(slug[n], '-');
		assert_true(slug[n + 1] >= '1' && slug[n + 1] <= '9');
		assert_int_equal(strspn(slug + n + 1, "0123456789"),
				 strlen(slug + n + 1));
	}
	chorus_buf_release(&want);
}

/* Append code point u (below U+0100) to s in UTF-8. */
static size_t put_latin1(char *s, unsigned u)
{
	if (u < 0x80) {
		s[0] = (char)u;
		return 1;
	}
	s[0] = (char)(0xc0 | (u >> 6));
	s[1] = (char)(0x80 | (u & 0x3f));
	return 2;
}

static void test_cluster_store_latin1_slugs_are_text_slugs(void **state)
{
	enum { MAX = 1200 };
	struct chorus_store *st;
	struct chorus_corpus c;
	char **bases;
	size_t n = 0, i, k, at;
	unsigned seed = 12345;
	int64_t id;

	(void)state;
	bases = calloc(MAX, sizeof(*bases));
	assert_non_null(bases);
	/* Every character up to U+00FF between words, and alone. */
	for (i = 1; i < 256; i++) {
		bases[n] = calloc(1, 16);
		assert_non_null(bases[n]);
		memcpy(bases[n], "Ab", 2);
		at = 2 + put_latin1(bases[n] + 2, (unsigned)i);
		memcpy(bases[n++] + at, "cD", 3);
		bases[n] = calloc(1, 4);
		assert_non_null(bases[n]);
		put_latin1(bases[n++], (unsigned)i);
	}
	/* Random titles, long ones cut at 60 (at a word, or not): mostly
	 * letters and digits, some of anything, some pure ASCII. */
	while (n < MAX - 2) {
		size_t len = n % 97;
		int ascii = n % 3 == 0;

		bases[n] = calloc(1, 2 * len + 1);
		assert_non_null(bases[n]);
		for (k = 0, at = 0; k < len; k++) {
			unsigned u;

			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 4)
				u = (unsigned char)"aBcDeF gH1 2iJ-"[(seed >>
								      8) %
								     15];
			else
				u = 1 + (seed >> 8) % (ascii ? 127 : 255);
			at += put_latin1(bases[n] + at, u);
		}
		n++;
	}
	/* Beyond Latin-1: chorus_text_slug() itself. */
	bases[n++] = strdup("Caf\xc3\xa9 \xe2\x80\x9cOl\xc3\xa9\xe2\x80\x9d in "
			    "M\xc3\xbcnchen");
	bases[n++] = strdup("\xef\xbc\xa1\xef\xbc\xa2 fullwidth");
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	for (i = 0; i < n; i++) {
		char uuid[32];

		snprintf(uuid, sizeof(uuid), "urn:uuid:t%zu", i);
		assert_int_equal(
		    chorus_store_story_new(st, uuid, bases[i], "k", &id, NULL),
		    0);
	}
	assert_int_equal(chorus_store_load(st, &c, NULL), 0);
	assert_int_equal(c.n_stories, n);
	for (i = 0; i < c.n_stories; i++) {
		at = (size_t)strtoul(c.stories[i].uuid + 10, NULL, 10);
		assert_slug(c.stories[i].slug, bases[at]);
	}
	chorus_corpus_release(&c);
	chorus_store_close(st);
	for (i = 0; i < n; i++)
		free(bases[i]);
	free(bases);
}

/* A second feature blob of an article replaces the first. */
static void test_cluster_store_features_put_replaces(void **state)
{
	struct chorus_store *st;
	struct chorus_article a;
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t src, id, story;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	chorus_article_init(&a);
	a.key = "k1";
	a.title = "A title";
	a.text = "Some words.";
	a.published = a.updated = 1000;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	assert_int_equal(chorus_store_article_find(st, "k1", &id, &story, NULL),
			 0);
	assert_int_equal(chorus_store_features_put(st, id, 7, "abc", 3, NULL),
			 0);
	assert_int_equal(chorus_store_features_put(st, id, 9, "wxyz", 4, NULL),
			 0);
	chorus_store_close(st);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT article_id, hash, data FROM "
			       "article_features",
			       -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), id);
	assert_int_equal(sqlite3_column_int64(q, 1), 9);
	assert_int_equal(sqlite3_column_bytes(q, 2), 4);
	assert_memory_equal(sqlite3_column_blob(q, 2), "wxyz", 4);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* The size of the store's WAL file now. */
static long long wal_size(void)
{
	char side[80];
	struct stat sb;

	snprintf(side, sizeof(side), "%s-wal", db_path);
	return stat(side, &sb) ? -1 : (long long)sb.st_size;
}

/* The hash and data of article id's feature blob, or hash -1: none. */
static void stored_features(int64_t id, int64_t *hash, char *data, size_t cap)
{
	sqlite3 *db;
	sqlite3_stmt *q;

	*hash = -1;
	data[0] = '\0';
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT hash, data FROM "
					    "article_features WHERE "
					    "article_id = ?",
					    -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(q, 1);

		assert_true(n < cap);
		*hash = sqlite3_column_int64(q, 0);
		memcpy(data, sqlite3_column_blob(q, 1), n);
		data[n] = '\0';
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/*
 * chorus_store_spill() writes the transaction's pages to the WAL but
 * commits nothing: a rollback after it leaves no row, a page changed again
 * after it is written again, and the commit keeps the last version.
 */
static void test_cluster_store_spill_is_not_a_commit(void **state)
{
	struct chorus_store *st;
	struct chorus_article a;
	int64_t src, id, story, hash;
	long long before;
	char data[16];

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	chorus_article_init(&a);
	a.key = "k1";
	a.title = "A title";
	a.text = "Some words.";
	a.published = a.updated = 1000;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	assert_int_equal(chorus_store_article_find(st, "k1", &id, &story, NULL),
			 0);

	/* Spilled, then rolled back: nothing stays. */
	before = wal_size();
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_features_put(st, id, 7, "abc", 3, NULL),
			 0);
	assert_int_equal(chorus_store_spill(st, NULL), 0);
	assert_true(wal_size() > before);
	stored_features(id, &hash, data, sizeof(data));
	assert_int_equal(hash, -1); /* another connection sees nothing */
	chorus_store_rollback(st);
	chorus_store_close(st);
	stored_features(id, &hash, data, sizeof(data));
	assert_int_equal(hash, -1);

	/* Spilled, changed again, spilled, committed: the last version. */
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_features_put(st, id, 7, "abc", 3, NULL),
			 0);
	assert_int_equal(chorus_store_spill(st, NULL), 0);
	assert_int_equal(chorus_store_features_put(st, id, 9, "wxyz", 4, NULL),
			 0);
	assert_int_equal(chorus_store_spill(st, NULL), 0);
	assert_int_equal(chorus_store_spill(st, NULL), 0); /* nothing new */
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	stored_features(id, &hash, data, sizeof(data));
	assert_int_equal(hash, 9);
	assert_string_equal(data, "wxyz");
	chorus_store_close(st);
	stored_features(id, &hash, data, sizeof(data));
	assert_int_equal(hash, 9);
	assert_string_equal(data, "wxyz");
}

/* Articles whose story is not a story, by PRAGMA foreign_key_check. */
static int dangling(void)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int n = 0;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA foreign_key_check(articles)", -1, &q,
			       NULL),
	    SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		n++;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/*
 * chorus_store_bulk_writes() turns foreign key checks off and on inside a
 * transaction; a clustering run (its writing thread writes in bulk) leaves
 * them on and its assignments name stories that are there.
 */
static void test_cluster_store_bulk_foreign_keys(void **state)
{
	static const char *const texts[] = {
	    "Harbour bridge closed after ship strikes pier in storm",
	    "Ship strikes harbour bridge pier, bridge closed in storm",
	    "Council approves new budget for city libraries and parks",
	};
	struct chorus_cluster_options opt;
	struct chorus_cluster_stats stats;
	struct chorus_store *st;
	struct chorus_article a;
	int64_t src, id[3], story;
	char key[8], text[80];
	size_t i;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	for (i = 0; i < 3; i++) {
		chorus_article_init(&a);
		snprintf(key, sizeof(key), "k%zu", i);
		a.key = key;
		snprintf(text, sizeof(text), "%s", texts[i]);
		a.title = text;
		a.text = text;
		a.published = a.updated = 1000 + (int64_t)i;
		assert_int_equal(
		    chorus_store_article_put(st, &a, src, NULL, NULL), 0);
		assert_int_equal(
		    chorus_store_article_find(st, key, &id[i], &story, NULL),
		    0);
	}

	/* Off: an assignment to no story is written; on: refused. */
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_bulk_writes(st, 1, NULL), 0);
	assert_int_equal(chorus_store_article_assign(st, id[0], 999, 1, NULL),
			 0);
	assert_int_equal(chorus_store_bulk_writes(st, 0, NULL), 0);
	assert_int_equal(chorus_store_article_assign(st, id[1], 998, 1, NULL),
			 CHORUS_EDB);
	chorus_store_rollback(st);
	assert_int_equal(dangling(), 0);

	/* A clustering run: checked again once it is done. */
	chorus_cluster_options_init(&opt);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_cluster_run(st, &opt, &stats, NULL, NULL), 0);
	assert_int_equal(stats.articles, 3);
	assert_int_equal(chorus_store_article_assign(st, id[2], 997, 1, NULL),
			 CHORUS_EDB);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_store_close(st);
	assert_int_equal(dangling(), 0);
}

/* Whether the store's file holds the bytes s. */
static int file_holds(const char *s)
{
	FILE *f = fopen(db_path, "rb");
	size_t n = strlen(s), len;
	char *data;
	long size;
	int found = 0;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	data = malloc((size_t)size);
	assert_non_null(data);
	len = fread(data, 1, (size_t)size, f);
	fclose(f);
	for (size_t i = 0; !found && i + n <= len; i++)
		found = !memcmp(data + i, s, n);
	free(data);
	return found;
}

/* Store article key with text, in a transaction of its own or in bulk. */
static void put_text(const char *key, const char *text, int bulk)
{
	struct chorus_store *st;
	struct chorus_article a;
	char buf[600];
	int64_t src;

	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	if (bulk)
		assert_int_equal(chorus_store_bulk_writes(st, 1, NULL), 0);
	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	snprintf(buf, sizeof(buf), "%s", text);
	chorus_article_init(&a);
	a.key = (char *)key;
	a.title = buf;
	a.text = buf;
	a.published = a.updated = 1000;
	assert_int_equal(chorus_store_article_put(st, &a, src, NULL, NULL), 0);
	if (bulk)
		assert_int_equal(chorus_store_bulk_writes(st, 0, NULL), 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);
	chorus_store_close(st); /* checkpointed into the file */
}

/*
 * Outside bulk writes, a rewritten article's old text is overwritten with
 * zeros (Debian's SQLite deletes securely); in bulk, it is left in the
 * page's free space; back from bulk, deletes are secure again.
 */
static void test_cluster_store_bulk_keeps_deleted_bytes(void **state)
{
	char text[600];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "MARKER-ONE", 10);
	put_text("k1", text, 0);
	assert_true(file_holds("MARKER-ONE"));
	put_text("k1", "short", 0);
	assert_false(file_holds("MARKER-ONE"));

	memcpy(text, "MARKER-TWO", 10);
	put_text("k2", text, 0);
	put_text("k2", "short", 1);
	assert_true(file_holds("MARKER-TWO"));

	memcpy(text, "MARKER-SIX", 10);
	put_text("k3", text, 1);
	put_text("k3", "short", 0);
	assert_false(file_holds("MARKER-SIX"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_features_put_replaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_latin1_slugs_are_text_slugs, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_spill_is_not_a_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_bulk_foreign_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_bulk_keeps_deleted_bytes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
