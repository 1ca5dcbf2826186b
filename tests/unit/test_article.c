/*
 * Unit tests for reading plain-text articles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chorus/article.h"

static int read_text(struct chorus_article *a, const char *text,
		     unsigned *repairs)
{
	chorus_article_init(a);
	return chorus_article_from_text(a, "key1", text, strlen(text), 1000,
					repairs, NULL, NULL);
}

static void test_article_header_block(void **state)
{
	struct chorus_article a;
	unsigned repairs;

	(void)state;
	assert_int_equal(read_text(&a,
				   "Title: Talks in Miami\nSource: Axios\n"
				   "Link: https://example.org/a\n"
				   "Date: 2025-11-19T10:00:00Z\nLanguage: en\n"
				   "Author: Jane Doe\n\nBody line one.\n\n\n"
				   "Body line two.\n",
				   &repairs),
			 0);
	assert_string_equal(a.title, "Talks in Miami");
	assert_string_equal(a.source, "Axios");
	assert_string_equal(a.link, "https://example.org/a");
	assert_string_equal(a.language, "en");
	assert_string_equal(a.author, "Jane Doe");
	assert_int_equal(a.published, 1763546400);
	assert_int_equal(a.date_known, 1);
	assert_string_equal(a.text, "Body line one.\n\nBody line two.");
	assert_int_equal(repairs, 0);
	chorus_article_release(&a);
}

static void test_article_first_line_headline_and_outlet(void **state)
{
	struct chorus_article a;

	(void)state;
	assert_int_equal(read_text(&a,
				   "Trump Pushes New Peace Plan\n\n"
				   "Administration ‘working with Russia’ | The "
				   "Independent\n\nU.S. officials met. Talks "
				   "went on.\n",
				   NULL),
			 0);
	assert_string_equal(a.title, "Trump Pushes New Peace Plan");
	assert_string_equal(a.subtitle, "Administration ‘working with Russia’");
	assert_string_equal(a.source, "The Independent");
	assert_string_equal(a.text, "U.S. officials met. Talks went on.");
	assert_int_equal(a.published, 1000);
	assert_int_equal(a.date_known, 0);
	chorus_article_release(&a);
}

static void test_article_sentence_first_line_is_no_headline(void **state)
{
	struct chorus_article a;

	(void)state;
	assert_int_equal(read_text(&a,
				   "The administration has been engaged in "
				   "talks.\nMore text here.\n",
				   NULL),
			 0);
	assert_null(a.title);
	assert_string_equal(a.source, "key1");
	assert_string_equal(a.text, "The administration has been engaged in "
				    "talks.\nMore text here.");
	chorus_article_release(&a);
}

static void test_article_rejects_empty_and_binary(void **state)
{
	struct chorus_article a;
	struct chorus_err err = {0};

	(void)state;
	assert_int_equal(read_text(&a, " \n\t\n", NULL), CHORUS_EEMPTY);
	chorus_article_release(&a);
	chorus_article_init(&a);
	assert_int_equal(
	    chorus_article_from_text(&a, "k", "ab\0cd", 5, 0, NULL, NULL, &err),
	    CHORUS_EBINARY);
	assert_non_null(strstr(err.msg, "offset 2"));
	chorus_article_release(&a);
}

static void test_article_repairs_utf8_and_bad_date(void **state)
{
	struct chorus_article a;
	unsigned repairs = 0;
	long line = 0;
	const char *text = "Date: someday\n\nCaf\xe9 opens in town today.\n";

	(void)state;
	chorus_article_init(&a);
	assert_int_equal(chorus_article_from_text(&a, "k", text, strlen(text),
						  77, &repairs, &line, NULL),
			 0);
	assert_true(repairs & CHORUS_ARTICLE_REPAIRED_UTF8);
	assert_true(repairs & CHORUS_ARTICLE_BAD_DATE);
	assert_int_equal(line, 3);
	assert_int_equal(a.published, 77);
	assert_string_equal(a.text, "Caf\xEF\xBF\xBD opens in town today.");
	chorus_article_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_article_header_block),
	    cmocka_unit_test(test_article_first_line_headline_and_outlet),
	    cmocka_unit_test(test_article_sentence_first_line_is_no_headline),
	    cmocka_unit_test(test_article_rejects_empty_and_binary),
	    cmocka_unit_test(test_article_repairs_utf8_and_bad_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
