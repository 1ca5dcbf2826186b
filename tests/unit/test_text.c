/*
 * Unit tests for the text module: UTF-8 repair, folding, terms, names,
 * sentences, headlines and slugs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chorus/text.h"

static void test_text_utf8_repair_replaces_and_counts(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	size_t bad = 0;
	long line = 0;
	const char *in = "ok\r\nline2 \xff\xfe end\x01";

	(void)state;
	assert_int_equal(chorus_text_utf8_repair(in, strlen(in), &out, &bad,
						 &line),
			 0);
	assert_string_equal(out.data,
			    "ok\nline2 \xEF\xBF\xBD\xEF\xBF\xBD end");
	assert_int_equal(bad, 2);
	assert_int_equal(line, 2);
	chorus_buf_release(&out);
}

static void test_text_fold_case_and_marks(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;

	(void)state;
	assert_int_equal(chorus_text_fold("Türkiye ÉTÉ", strlen("Türkiye ÉTÉ"), &out), 0);
	assert_string_equal(out.data, "turkiye ete");
	chorus_buf_release(&out);
}

static void test_text_terms_stem_and_drop_stopwords(void **state)
{
	struct chorus_stemmer *st;
	struct chorus_strlist t;

	(void)state;
	chorus_strlist_init(&t);
	assert_int_equal(chorus_stemmer_new(&st, "en"), 0);
	assert_int_equal(chorus_text_terms(st, "The envoys were negotiating "
					       "Trump's peace plans in 2025.",
					   &t),
			 0);
	assert_int_equal(t.n, 6);
	assert_string_equal(t.v[0], "envoy");
	assert_string_equal(t.v[1], "negoti");
	assert_string_equal(t.v[2], "trump");
	assert_string_equal(t.v[3], "peac");
	assert_string_equal(t.v[4], "plan");
	assert_string_equal(t.v[5], "2025");
	chorus_strlist_release(&t);
	chorus_stemmer_free(st);
}

static void test_text_names_finds_multiword_names(void **state)
{
	struct chorus_strlist n;

	(void)state;
	chorus_strlist_init(&n);
	assert_int_equal(
		chorus_text_names("The envoy Steve Witkoff met Kirill Dmitriev "
				  "in Miami. Talks went well.",
				  &n),
		0);
	assert_int_equal(n.n, 3);
	assert_string_equal(n.v[0], "steve witkoff");
	assert_string_equal(n.v[1], "kirill dmitriev");
	assert_string_equal(n.v[2], "miami");
	chorus_strlist_release(&n);
}

static void test_text_sentences_respect_abbreviations(void **state)
{
	struct chorus_strlist s;

	(void)state;
	chorus_strlist_init(&s);
	assert_int_equal(chorus_text_sentences(
				 "U.S. officials met Gen. Randy George. He "
				 "said “yes.” Then left!\nA Heading\nLast one.",
				 &s),
			 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.v[0], "U.S. officials met Gen. Randy George.");
	assert_string_equal(s.v[1], "He said “yes.”");
	assert_string_equal(s.v[2], "Then left!");
	assert_string_equal(s.v[3], "A Heading");
	assert_string_equal(s.v[4], "Last one.");
	chorus_strlist_release(&s);
}

static void test_text_headline_shape(void **state)
{
	const char *h = "Trump in Secret Ukraine Peace Talks with Putin Envoy";
	const char *s = "The Trump administration has been engaged in talks.";

	(void)state;
	assert_true(chorus_text_is_headline(h, strlen(h)));
	assert_false(chorus_text_is_headline(s, strlen(s)));
	assert_false(chorus_text_is_headline("Share", 5));
	assert_false(chorus_text_is_headline("", 0));
}

static void test_text_slug_is_ascii_and_capped(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;

	(void)state;
	assert_int_equal(chorus_text_slug("Zelenskyy in Türkiye: talks “on” "
					  "hold",
					  60, &out),
			 0);
	assert_string_equal(out.data, "zelenskyy-in-turkiye-talks-on-hold");
	chorus_buf_reset(&out);
	assert_int_equal(chorus_text_slug("Secret Consultations Between Moscow "
					  "and Washington",
					  20, &out),
			 0);
	assert_string_equal(out.data, "secret-consultations");
	chorus_buf_reset(&out);
	assert_int_equal(chorus_text_slug("!!!", 20, &out), 0);
	assert_string_equal(out.data, "story");
	chorus_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_utf8_repair_replaces_and_counts),
		cmocka_unit_test(test_text_fold_case_and_marks),
		cmocka_unit_test(test_text_terms_stem_and_drop_stopwords),
		cmocka_unit_test(test_text_names_finds_multiword_names),
		cmocka_unit_test(test_text_sentences_respect_abbreviations),
		cmocka_unit_test(test_text_headline_shape),
		cmocka_unit_test(test_text_slug_is_ascii_and_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
