/*
 * Unit tests for what the clusterer writes to the store: the story slugs
 * made without the Unicode folding for ASCII titles are chorus_text_slug()'s.
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
		test_cluster_store_ascii_slugs_are_text_slugs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
