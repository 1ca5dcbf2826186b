/*
 * Unit tests for what the clusterer writes to the store: assignments and
 * feature blobs written many at a time (chorus_store_assign_many) give the
 * rows one call each gives, and the story slugs made without the Unicode
 * folding for ASCII titles are chorus_text_slug()'s.
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

/* Store n articles "a0".."a(n-1)"; ids[i] receives each one's id. */
static void put_articles(struct chorus_store *st, size_t n, int64_t *ids)
{
	int64_t src;
	size_t i;

	assert_int_equal(chorus_store_source_get(st, "wire", NULL, &src, NULL),
			 0);
	for (i = 0; i < n; i++) {
		struct chorus_article a;
		char key[32];
		int64_t story;

		chorus_article_init(&a);
		snprintf(key, sizeof(key), "a%zu", i);
		a.key = key;
		a.title = "A title";
		a.text = "Some words.";
		a.published = 1000 + (int64_t)i;
		a.updated = a.published;
		assert_int_equal(
		    chorus_store_article_put(st, &a, src, NULL, NULL), 0);
		assert_int_equal(
		    chorus_store_article_find(st, key, &ids[i], &story, NULL),
		    0);
		assert_int_equal(story, 0);
	}
}

/* Every article's (story_id, score) and feature row, as text. */
static char *dump(const char *path)
{
	static const char *const sql[] = {
	    "SELECT id, story_id, score FROM articles ORDER BY id",
	    "SELECT article_id, hash, hex(data) FROM article_features "
	    "ORDER BY article_id",
	};
	size_t cap = 1 << 16, len = 0, k;
	char *out = calloc(1, cap);
	sqlite3 *db;

	assert_non_null(out);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (k = 0; k < 2; k++) {
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_prepare_v2(db, sql[k], -1, &q, NULL),
				 SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW) {
			int c;

			for (c = 0; c < 3; c++) {
				const char *t =
				    (const char *)sqlite3_column_text(q, c);
				int w = snprintf(out + len, cap - len, "%s%c",
						 t ? t : "NULL",
						 c == 2 ? '\n' : ' ');

				assert_true(w > 0 && (size_t)w < cap - len);
				len += (size_t)w;
			}
		}
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return out;
}

static void test_cluster_store_assign_many_is_one_by_one(void **state)
{
	enum { N = 150 }; /* two full statements of 64 rows and the rest */
	struct chorus_store_assignment a[N];
	unsigned char blobs[N][5];
	int64_t ids[N], story[3];
	char *one, *many;
	size_t i;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		struct chorus_store *st;

		assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
		assert_int_equal(chorus_store_begin(st, NULL), 0);
		put_articles(st, N, ids);
		for (i = 0; i < 3; i++) {
			char uuid[32], key[16];

			snprintf(uuid, sizeof(uuid), "urn:uuid:s%zu", i);
			snprintf(key, sizeof(key), "a%zu", i);
			assert_int_equal(chorus_store_story_new(st, uuid, key,
								key, &story[i],
								NULL),
					 0);
		}
		for (i = 0; i < N; i++) {
			memset(blobs[i], (int)i, sizeof(blobs[i]));
			a[i].article_id = ids[i];
			a[i].story_id = story[i % 3];
			a[i].score = 0.25 + (double)i / 7;
			a[i].hash = (int64_t)(i * 1000003u);
			/* Every fifth one without features: assignment alone.
			 */
			a[i].features = i % 5 ? blobs[i] : NULL;
			a[i].n_features = i % 5 ? sizeof(blobs[i]) : 0;
		}
		if (round == 0) {
			for (i = 0; i < N; i++) {
				assert_int_equal(chorus_store_article_assign(
						     st, a[i].article_id,
						     a[i].story_id, a[i].score,
						     NULL),
						 0);
				if (a[i].features)
					assert_int_equal(
					    chorus_store_features_put(
						st, a[i].article_id, a[i].hash,
						a[i].features, a[i].n_features,
						NULL),
					    0);
			}
		} else {
			/* In pieces: a full statement, then odd sizes. */
			assert_int_equal(
			    chorus_store_assign_many(st, a, 64, NULL), 0);
			assert_int_equal(
			    chorus_store_assign_many(st, a + 64, 1, NULL), 0);
			assert_int_equal(
			    chorus_store_assign_many(st, a + 65, N - 65, NULL),
			    0);
		}
		assert_int_equal(chorus_store_commit(st, NULL), 0);
		chorus_store_close(st);
		if (round == 0)
			one = dump(db_path);
		else
			many = dump(db_path);
		teardown(NULL);
	}
	assert_string_equal(one, many);
	/* Something was written: the last article's row is there. */
	assert_non_null(strstr(one, " 0.25\n")); /* a[0]'s score */
	free(one);
	free(many);
}

/* A store's slug for base: chorus_text_slug()'s, maybe with "-N" after. */
static void assert_slug(const char *slug, const char *base)
{
	struct chorus_buf want = CHORUS_BUF_INIT;
	size_t n;

	assert_int_equal(chorus_text_slug(base, 60, &want), 0);
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

static void test_cluster_store_ascii_slugs_are_text_slugs(void **state)
{
	struct chorus_store *st;
	struct chorus_corpus c;
	char **bases;
	size_t n = 0, i, k;
	unsigned seed = 12345;
	int64_t id;

	(void)state;
	bases = calloc(400, sizeof(*bases));
	assert_non_null(bases);
	/* Every ASCII character between words, and alone. */
	for (i = 1; i < 128; i++) {
		bases[n] = malloc(8);
		assert_non_null(bases[n]);
		snprintf(bases[n++], 8, "Ab%ccD", (char)i);
		bases[n] = malloc(4);
		assert_non_null(bases[n]);
		snprintf(bases[n++], 4, "%c", (char)i);
	}
	/* Random ASCII titles, long ones cut at 60 (at a word, or not). */
	while (n < 390) {
		size_t len = (size_t)(n % 97);

		bases[n] = malloc(len + 1);
		assert_non_null(bases[n]);
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly letters and digits, some of anything. */
			bases[n][k] = (seed >> 16) % 4
					  ? "aBcDeF gH1 2iJ-"[(seed >> 8) % 15]
					  : (char)(1 + (seed >> 8) % 127);
		}
		bases[n++][len] = '\0';
	}
	/* Two of a kind: no longer ASCII, so chorus_text_slug() itself. */
	bases[n++] = strdup("Caf\xc3\xa9 Ol\xc3\xa9 in M\xc3\xbcnchen");
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
		size_t at = (size_t)strtoul(c.stories[i].uuid + 10, NULL, 10);

		assert_slug(c.stories[i].slug, bases[at]);
	}
	chorus_corpus_release(&c);
	chorus_store_close(st);
	for (i = 0; i < n; i++)
		free(bases[i]);
	free(bases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_assign_many_is_one_by_one, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cluster_store_ascii_slugs_are_text_slugs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
