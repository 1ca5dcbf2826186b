/*
 * Unit tests for the publishing side: the OPML 2.0 writer and the store of
 * closed feed archives (the Atom documents themselves are checked end to
 * end by tests/e2e/test_publish.sh and tests/publish/).
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

#include "chorus/opml.h"
#include "chorus/store.h"

static char db_path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(db_path, sizeof(db_path), "/tmp/chorus-atom-XXXXXX");
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

static void test_atom_opml_nested_and_escaped(void **state)
{
	const struct chorus_opml_outline feeds[] = {
	    {"Fish & Chips <Daily>", "https://a.example/feed?x=1&y=2",
	     "https://a.example/", NULL, 0},
	    {"Plain", "https://b.example/rss", NULL, NULL, 0},
	};
	const struct chorus_opml_outline top[] = {
	    {"Subscriptions", NULL, NULL, feeds, 2},
	};
	const struct chorus_opml_head head = {"World \"Desk\"", "Editors",
					      1763510400};
	struct chorus_buf out = CHORUS_BUF_INIT;

	(void)state;
	assert_int_equal(chorus_opml_write(&head, top, 1, &out, NULL), 0);
	assert_string_equal(
	    chorus_buf_cstr(&out),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<opml version=\"2.0\">\n"
	    "  <head>\n"
	    "    <title>World &quot;Desk&quot;</title>\n"
	    "    <dateModified>Wed, 19 Nov 2025 00:00:00 GMT"
	    "</dateModified>\n"
	    "    <ownerName>Editors</ownerName>\n"
	    "    <docs>http://opml.org/spec2.opml</docs>\n"
	    "  </head>\n"
	    "  <body>\n"
	    "    <outline text=\"Subscriptions\">\n"
	    "      <outline text=\"Fish &amp; Chips &lt;Daily&gt;\" "
	    "type=\"rss\" title=\"Fish &amp; Chips &lt;Daily&gt;\" "
	    "xmlUrl=\"https://a.example/feed?x=1&amp;y=2\" "
	    "htmlUrl=\"https://a.example/\"/>\n"
	    "      <outline text=\"Plain\" type=\"rss\" title=\"Plain\" "
	    "xmlUrl=\"https://b.example/rss\"/>\n"
	    "    </outline>\n"
	    "  </body>\n"
	    "</opml>\n");
	chorus_buf_release(&out);
}

static void test_atom_opml_dates_and_errors(void **state)
{
	const struct chorus_opml_outline nameless[] = {
	    {NULL, "https://a.example/feed", NULL, NULL, 0},
	};
	struct chorus_opml_head head = {"t", NULL, 0};
	struct chorus_buf out = CHORUS_BUF_INIT;
	struct chorus_err err = {0};

	(void)state;
	/* The epoch was a Thursday; 2000-02-29 a Tuesday. */
	assert_int_equal(chorus_opml_write(&head, NULL, 0, &out, NULL), 0);
	assert_non_null(strstr(chorus_buf_cstr(&out),
			       "<dateModified>Thu, 01 Jan 1970 00:00:00 GMT"));
	assert_null(strstr(chorus_buf_cstr(&out), "ownerName"));
	chorus_buf_reset(&out);
	head.date_modified = 951827696;
	assert_int_equal(chorus_opml_write(&head, NULL, 0, &out, NULL), 0);
	assert_non_null(strstr(chorus_buf_cstr(&out),
			       "<dateModified>Tue, 29 Feb 2000 12:34:56 GMT"));
	chorus_buf_reset(&out);
	head.date_modified = -1;
	assert_int_equal(chorus_opml_write(&head, NULL, 0, &out, NULL), 0);
	assert_null(strstr(chorus_buf_cstr(&out), "dateModified"));
	chorus_buf_reset(&out);
	assert_int_equal(chorus_opml_write(&head, nameless, 1, &out, &err),
			 CHORUS_EINVAL);
	assert_string_equal(err.msg, "OPML: an outline has no text");
	assert_int_equal(out.len, 0);
	chorus_buf_release(&out);
}

static void test_atom_archive_pages_are_kept_for_good(void **state)
{
	struct chorus_store *st;
	struct chorus_archive_page *pages = NULL;
	int64_t ids[3], page1[2], page2[2];
	char body[] = "<feed>page one</feed>";
	struct chorus_archive_page p = {
	    1, 1763510400, body, sizeof(body) - 1, page1, 2};
	size_t n = 0;
	int i;

	(void)state;
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	for (i = 0; i < 3; i++) {
		char uuid[32], slug[16];

		snprintf(uuid, sizeof(uuid), "urn:uuid:%d", i);
		snprintf(slug, sizeof(slug), "story-%d", i);
		assert_int_equal(
		    chorus_store_story_new(st, uuid, slug, slug, &ids[i], NULL),
		    0);
	}
	page1[0] = ids[0];
	page1[1] = ids[2];
	assert_int_equal(chorus_store_archive_close(st, &p, NULL), 0);
	assert_int_equal(chorus_store_commit(st, NULL), 0);

	/* A page closes once; a story is archived once. */
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_archive_close(st, &p, NULL), CHORUS_EDB);
	chorus_store_rollback(st);
	page2[0] = ids[1];
	page2[1] = ids[2];
	p.page = 2;
	p.story_ids = page2;
	assert_int_equal(chorus_store_begin(st, NULL), 0);
	assert_int_equal(chorus_store_archive_close(st, &p, NULL), CHORUS_EDB);
	chorus_store_rollback(st);
	chorus_store_close(st);

	/* What was stored comes back, exactly, after a reopen. */
	assert_int_equal(chorus_store_open(&st, db_path, NULL), 0);
	assert_int_equal(chorus_store_archive_load(st, &pages, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pages[0].page, 1);
	assert_int_equal(pages[0].closed, 1763510400);
	assert_int_equal(pages[0].len, sizeof(body) - 1);
	assert_memory_equal(pages[0].body, body, sizeof(body) - 1);
	assert_int_equal(pages[0].n_story_ids, 2);
	assert_int_equal(pages[0].story_ids[0], ids[0]);
	assert_int_equal(pages[0].story_ids[1], ids[2]);
	chorus_archive_pages_free(pages, n);
	chorus_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_atom_opml_nested_and_escaped),
	    cmocka_unit_test(test_atom_opml_dates_and_errors),
	    cmocka_unit_test_setup_teardown(
		test_atom_archive_pages_are_kept_for_good, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
