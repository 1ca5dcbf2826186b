/*
 * Unit tests for the text module: UTF-8 repair, folding, terms, names,
 * sentences, headlines and slugs, and the analyser (text_analyse.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "chorus/date.h"
#include "chorus/text.h"
#include "text_int.h"

static void test_text_utf8_repair_replaces_and_counts(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	size_t bad = 0;
	long line = 0;
	const char *in = "ok\r\nline2 \xff\xfe end\x01";

	(void)state;
	assert_int_equal(
	    chorus_text_utf8_repair(in, strlen(in), &out, &bad, &line), 0);
	assert_string_equal(out.data, "ok\nline2 \xEF\xBF\xBD\xEF\xBF\xBD end");
	assert_int_equal(bad, 2);
	assert_int_equal(line, 2);
	chorus_buf_release(&out);
}

static void test_text_fold_case_and_marks(void **state)
{
	struct chorus_buf out = CHORUS_BUF_INIT;

	(void)state;
	assert_int_equal(
	    chorus_text_fold("Türkiye ÉTÉ", strlen("Türkiye ÉTÉ"), &out), 0);
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
	assert_int_equal(chorus_text_terms(st,
					   "The envoys were negotiating "
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

/*
 * text_sentence_spans() (the summariser's) splits as chorus_text_sentences()
 * does: the same sentences, as spans of the text, trimmed, none empty.
 */
static void test_text_sentence_spans_match_sentences(void **state)
{
	static const char *const texts[] = {
	    "U.S. officials met Gen. Randy George. He said \xE2\x80\x9Cyes."
	    "\xE2\x80\x9D Then left!\nA Heading\nLast one.",
	    "  Lead in.\t \n\n\t\nTwo? Three! (Four.) 'Five.' x\n",
	    "No end at all",
	    "",
	    "\n\n",
	    "Mr. Smith vs. J. Doe. End. ",
	    "A.B. c. d.e! f?g. \"h.\" i"};
	size_t t, k;

	(void)state;
	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct chorus_strlist want;
		struct text_spans sp = {NULL, 0, 0};
		size_t len = strlen(texts[t]);

		chorus_strlist_init(&want);
		assert_int_equal(chorus_text_sentences(texts[t], &want), 0);
		assert_int_equal(text_sentence_spans(texts[t], 0, len, &sp), 0);
		assert_int_equal(sp.n, want.n);
		for (k = 0; k < sp.n; k++) {
			assert_int_equal(sp.v[2 * k + 1], strlen(want.v[k]));
			assert_memory_equal(texts[t] + sp.v[2 * k], want.v[k],
					    sp.v[2 * k + 1]);
		}
		chorus_strlist_release(&want);
		text_spans_release(&sp);
	}
}

/* A range from the middle: its offsets count from the text's start. */
static void test_text_sentence_spans_of_a_range(void **state)
{
	const char *text = "Skip this. Line two. Its end!\nNot read.";
	struct text_spans sp = {NULL, 0, 0};

	(void)state;
	assert_int_equal(text_sentence_spans(text, 11, 18, &sp), 0);
	assert_int_equal(sp.n, 2);
	assert_int_equal(sp.v[0], 11);
	assert_int_equal(sp.v[1], 9);
	assert_int_equal(sp.v[2], 21);
	assert_int_equal(sp.v[3], 8);
	text_spans_release(&sp);
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

static void key_is(const char *word, const char *want)
{
	struct chorus_buf k = CHORUS_BUF_INIT;

	assert_int_equal(chorus_text_name_key(word, strlen(word), &k), 0);
	assert_string_equal(k.data, want);
	chorus_buf_release(&k);
}

static void test_text_name_key_matches_spelling_variants(void **state)
{
	(void)state;
	key_is("Witkoff", "wtkf");
	key_is("Witkopf", "wtkf");
	key_is("Witkov", "wtkf");
	key_is("Umerov", "umrf");
	key_is("Umarov", "umrf");
	key_is("Umierov", "umrf");
	key_is("Zelensky", "zlnsk");
	key_is("Zelenskyy", "zlnsk");
	key_is("Dmitriev", "dmtrf");
	/* Different names stay apart; short words are their folded selves. */
	key_is("Dmitri", "dmtr");
	key_is("Putin", "ptn");
	key_is("Kyiv", "kyiv");
	key_is("Türkiye", "trk");
}

static void test_text_fold_and_stem_by_language(void **state)
{
	struct chorus_stemmer *st;
	const char *stem;
	size_t len;

	(void)state;
	assert_int_equal(chorus_stemmer_new(&st, "de-DE"), 0);
	stem = chorus_stemmer_stem(st, "verhandlungen", 13, &len);
	assert_non_null(stem);
	assert_int_equal(len, strlen("verhandl"));
	assert_memory_equal(stem, "verhandl", len);
	chorus_stemmer_free(st);
	assert_int_equal(chorus_stemmer_new(&st, "fr"), 0);
	stem = chorus_stemmer_stem(st, "negociations", 12, &len);
	assert_memory_equal(stem, "negoci", len);
	chorus_stemmer_free(st);
}

static void test_text_detects_language(void **state)
{
	(void)state;
	assert_string_equal(
	    chorus_text_detect_language(
		"Die Regierung hat am Mittwoch mit den Gesprächen "
		"begonnen, und die Delegation ist nach Ankara gereist, "
		"wo sie mit der Ukraine über einen Plan spricht."),
	    "de");
	assert_string_equal(
	    chorus_text_detect_language(
		"Le président a rencontré les envoyés de la Russie "
		"pour discuter du plan de paix et des garanties de "
		"sécurité pour l'Ukraine."),
	    "fr");
	assert_string_equal(
	    chorus_text_detect_language(
		"The envoy met the delegation in Miami and said that "
		"the plan was ready for the talks with the president."),
	    "en");
	assert_null(chorus_text_detect_language("Witkoff Dmitriev Miami"));
}

static int has_hash(const uint64_t *v, size_t n, uint64_t h)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == h)
			return 1;
	return 0;
}

static void test_text_analyse_terms_names_and_fingerprints(void **state)
{
	static const char *const body =
	    "Trump's envoy Steve Witkoff met Russian envoy Kirill "
	    "Dmitriev in Miami to draft a 28-point peace plan. The plan "
	    "covers security guarantees for Ukraine and Europe, and the "
	    "envoys met for three days. Then Witkopf briefed Umerov.";
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a, b;

	(void)state;
	chorus_text_analysis_init(&a);
	chorus_text_analysis_init(&b);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(
	    chorus_text_analyse(an, NULL, "Envoys draft a plan", body, &a), 0);
	assert_string_equal(a.lang, "en");
	/* Title terms lead, stemmed; stop words are gone. */
	assert_int_equal(a.n_head, 3);
	assert_true(a.head[0] == chorus_text_term_hash("envoy", 5));
	assert_true(a.head[1] == chorus_text_term_hash("draft", 5));
	assert_true(a.head[2] == chorus_text_term_hash("plan", 4));
	assert_true(
	    has_hash(a.terms, a.n_terms, chorus_text_term_hash("guarante", 8)));
	assert_false(
	    has_hash(a.terms, a.n_terms, chorus_text_term_hash("the", 3)));
	/* Both spellings of the surname under one key, counted twice. */
	{
		uint64_t w = chorus_text_name_hash("wtkf", 4);
		size_t i, n = 0;

		for (i = 0; i < a.n_names; i++)
			n += a.names[i] == w;
		assert_int_equal(n, 2);
		assert_true(has_hash(a.names, a.n_names,
				     chorus_text_name_hash("umrf", 4)));
		/* "The" opens a sentence: not a name. */
		assert_false(has_hash(a.names, a.n_names,
				      chorus_text_name_hash("the", 3)));
	}
	/* The same words, other spacing and punctuation: same text hash and
	 * fingerprint; another text: different. */
	assert_int_equal(
	    chorus_text_analyse(an, "en", "Envoys draft a plan!", body, &b), 0);
	assert_true(a.text_hash == b.text_hash);
	assert_true(chorus_text_minhash_similarity(a.minhash, b.minhash) ==
		    1.0);
	assert_int_equal(chorus_text_analyse(an, "en", "Floods in Lisbon",
					     "Torrential rain swept across "
					     "Lisbon on Tuesday, flooding the "
					     "streets of the Alfama district.",
					     &b),
			 0);
	assert_true(a.text_hash != b.text_hash);
	assert_true(chorus_text_minhash_similarity(a.minhash, b.minhash) < 0.2);
	chorus_text_analysis_release(&a);
	chorus_text_analysis_release(&b);
	chorus_text_analyser_free(an);
}

/* The term chorus_text_terms() gives word w (one word), hashed; 0 if none. */
static uint64_t slow_term(struct chorus_stemmer *st, const char *w)
{
	struct chorus_strlist l;
	uint64_t h = 0;

	chorus_strlist_init(&l);
	assert_int_equal(chorus_text_terms(st, w, &l), 0);
	assert_true(l.n <= 1);
	if (l.n)
		h = chorus_text_term_hash(l.v[0], strlen(l.v[0]));
	chorus_strlist_release(&l);
	return h;
}

/*
 * Words of two-byte letters (accents, Greek, Cyrillic, marks) are folded
 * by the analyser from each letter's folding: every letter, at the start,
 * inside and doubled, must give the terms and name keys that folding the
 * whole word through utf8proc gives.
 */
static void test_text_analyse_folds_two_byte_letters_whole(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;
	struct chorus_stemmer *st;
	struct chorus_buf key = CHORUS_BUF_INIT;
	utf8proc_int32_t cp;
	size_t checked = 0;

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(chorus_stemmer_new(&st, "en"), 0);
	for (cp = 0x80; cp < 0x800; cp++) {
		char c[3] = {(char)(0xC0 | (cp >> 6)),
			     (char)(0x80 | (cp & 0x3F)), 0};
		char words[3][32], text[4 + sizeof(words)];
		size_t k;

		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
		case UTF8PROC_CATEGORY_MN:
		case UTF8PROC_CATEGORY_MC:
		case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
		case UTF8PROC_CATEGORY_ND:
			break;
		default:
			continue;
		}
		snprintf(words[0], sizeof(words[0]), "Kar%sova%s", c, c);
		snprintf(words[1], sizeof(words[1]), "%s%sBerg", c, c);
		snprintf(words[2], sizeof(words[2]), "Zé%sÅ%s", c, c);
		for (k = 0; k < 3; k++) {
			uint64_t want = slow_term(st, words[k]);

			assert_int_equal(chorus_text_analyse_terms(
					     an, "en", words[k], &a, NULL),
					 0);
			assert_int_equal(a.n_terms, want != 0);
			if (want && a.terms[0] != want)
				fail_msg("U+%04X in \"%s\": term differs",
					 (unsigned)cp, words[k]);
			/* Not opening a sentence: a name, keyed. */
			snprintf(text, sizeof(text), "met %s", words[k]);
			assert_int_equal(
			    chorus_text_analyse(an, "en", NULL, text, &a), 0);
			if (a.n_names) {
				chorus_buf_reset(&key);
				assert_int_equal(
				    chorus_text_name_key(
					words[k], strlen(words[k]), &key),
				    0);
				assert_true(
				    a.names[0] ==
				    chorus_text_name_hash(key.data, key.len));
			}
			checked++;
		}
	}
	assert_true(checked > 3 * 1000);
	chorus_buf_release(&key);
	chorus_stemmer_free(st);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

/* The analyser's word scanner agrees with chorus_text_terms() on text in
 * many scripts, with marks, symbols, emoji and broken UTF-8. */
static void test_text_analyse_terms_as_text_terms(void **state)
{
	static const char *const texts[] = {
	    "Привет, мир! Ελληνικά κείμενα; Café naïve Zürich 東京タワー "
	    "😀 x\xF0\x9F\x98\x80y e\xCC\x81t\xC3\xA9 ½ x×y Straße İstanbul "
	    "ǅemal\n2013-09-26 — ‘quoted’ words…",
	    "Broken \xC3 bytes \xE2\x82 here \xFF\xFE and \xED\xA0\x80 "
	    "surrogates, overlong \xC0\xAF and \xF4\x90\x80\x80 too. "
	    "Tab\tseparated, under_score and hy-phen-ated.",
	    "Trump’s envoy’s plans; the O'Neill's dog; Marc's cat's toy.",
	};
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;
	struct chorus_stemmer *st;
	size_t t, i;

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(chorus_stemmer_new(&st, "en"), 0);
	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct chorus_strlist want;

		chorus_strlist_init(&want);
		assert_int_equal(chorus_text_terms(st, texts[t], &want), 0);
		assert_int_equal(
		    chorus_text_analyse_terms(an, "en", texts[t], &a, NULL), 0);
		assert_int_equal(a.n_terms, want.n);
		for (i = 0; i < want.n; i++)
			assert_true(a.terms[i] ==
				    chorus_text_term_hash(want.v[i],
							  strlen(want.v[i])));
		chorus_strlist_release(&want);
	}
	chorus_stemmer_free(st);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

/* Years: the most named first, ties to the later year; dates likewise,
 * ties to the first named. */
static void test_text_analyse_years_and_dates_order(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(
	    chorus_text_analyse(an, "en", "In 2003",
				"Between 1999 and 2001, then 2001 again and "
				"1999 again; 2010, 2005 and 1850 once. On "
				"May 3, 2013 and 27/09/2012 and 2011-08-07, "
				"and in September 2010.",
				&a),
	    0);
	assert_int_equal(a.n_years, 4);
	assert_int_equal(a.years[0], 2010);
	assert_int_equal(a.year_counts[0], 2);
	assert_int_equal(a.years[1], 2001);
	assert_int_equal(a.year_counts[1], 2);
	assert_int_equal(a.years[2], 1999);
	assert_int_equal(a.year_counts[2], 2);
	assert_int_equal(a.years[3], 2013);
	assert_int_equal(a.year_counts[3], 1);
	assert_int_equal(a.n_dates, 4);
	assert_int_equal(a.dates[0], 2013 * 16 + 5);
	assert_int_equal(a.dates[1], 2012 * 16 + 9);
	assert_int_equal(a.dates[2], 2011 * 16 + 8);
	assert_int_equal(a.dates[3], 2010 * 16 + 9);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

/* Month names: loosely any three letters or more (feed dates), strictly
 * a full name or three letters (running text: "Marc" is a name). */
static void test_text_month_names_loose_and_strict(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;

	(void)state;
	assert_int_equal(chorus_date_month("March", 5, 1), 3);
	assert_int_equal(chorus_date_month("MAR", 3, 1), 3);
	assert_int_equal(chorus_date_month("Sept", 4, 1), 9);
	assert_int_equal(chorus_date_month("Marc", 4, 1), 0);
	assert_int_equal(chorus_date_month("Marc", 4, 0), 3);
	assert_int_equal(chorus_date_month("Septem", 6, 0), 9);
	assert_int_equal(chorus_date_month("Septem", 6, 1), 0);
	assert_int_equal(chorus_date_month("december", 8, 1), 12);
	assert_int_equal(chorus_date_month("Ju", 2, 0), 0);
	assert_int_equal(chorus_date_month("Marchx", 6, 0), 0);
	assert_int_equal(chorus_date_month("Mayor", 5, 0), 0);
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(chorus_text_analyse(an, "en", NULL,
					     "Marc 2012 met Sept 2011 and "
					     "Dec. 4, 2010.",
					     &a),
			 0);
	assert_int_equal(a.n_dates, 2);
	assert_int_equal(a.dates[0], 2011 * 16 + 9);
	assert_int_equal(a.dates[1], 2010 * 16 + 12);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

/* A capitalised word's term is its lower-case form's, whichever the
 * analyser met first. */
static void test_text_analyse_case_variants_share_terms(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;
	uint64_t talk = chorus_text_term_hash("talk", 4);
	size_t i;

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	assert_int_equal(chorus_text_analyse(an, "en", "Talks",
					     "talks. Talks TALKS tAlks talks",
					     &a),
			 0);
	assert_int_equal(a.n_terms, 6);
	for (i = 0; i < a.n_terms; i++)
		assert_true(a.terms[i] == talk);
	assert_int_equal(chorus_text_analyse(an, "en", NULL, "The Talks", &a),
			 0);
	assert_int_equal(a.n_terms, 1);
	assert_true(a.terms[0] == talk);
	assert_int_equal(a.n_names, 1);
	assert_true(a.names[0] == chorus_text_name_hash("tlks", 4));
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

static void test_text_minhash_near_copy_is_close(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a, b;
	struct chorus_buf t1 = CHORUS_BUF_INIT, t2 = CHORUS_BUF_INIT;
	int i;

	(void)state;
	chorus_text_analysis_init(&a);
	chorus_text_analysis_init(&b);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	for (i = 0; i < 40; i++) {
		assert_int_equal(chorus_buf_printf(&t1,
						   "Sentence %d tells "
						   "about harbour cranes "
						   "number %d. ",
						   i, i * 7),
				 0);
		/* The copy drops one sentence of forty. */
		if (i != 20)
			assert_int_equal(
			    chorus_buf_printf(&t2,
					      "Sentence %d tells about "
					      "harbour cranes number "
					      "%d. ",
					      i, i * 7),
			    0);
	}
	assert_int_equal(chorus_text_analyse(an, "en", NULL, t1.data, &a), 0);
	assert_int_equal(chorus_text_analyse(an, "en", NULL, t2.data, &b), 0);
	assert_true(a.text_hash != b.text_hash);
	assert_true(chorus_text_minhash_similarity(a.minhash, b.minhash) >=
		    0.75);
	chorus_buf_release(&t1);
	chorus_buf_release(&t2);
	chorus_text_analysis_release(&a);
	chorus_text_analysis_release(&b);
	chorus_text_analyser_free(an);
}

/* splitmix64, as the analyser draws its MinHash functions. */
static uint64_t mix_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The fingerprint is what its definition says, whichever vectorised copy
 * of the MinHash loop this processor runs (AVX-512DQ, AVX2 or plain): for
 * each of the K functions (a, b from splitmix64 seeded "chorus"), the
 * least high half of a * h + b over the XXH3 hashes h of every three
 * consecutive terms. 200 terms: more than one block of 64 shingles, and a
 * part block.
 */
static void test_text_minhash_matches_its_definition(void **state)
{
	struct chorus_text_analyser *an;
	struct chorus_text_analysis a;
	struct chorus_buf t = CHORUS_BUF_INIT;
	uint64_t seed = 0x63686f727573ULL, fa[CHORUS_MINHASH_K],
		 fb[CHORUS_MINHASH_K];
	uint32_t want[CHORUS_MINHASH_K];
	size_t i, k;

	(void)state;
	chorus_text_analysis_init(&a);
	assert_int_equal(chorus_text_analyser_new(&an), 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(chorus_buf_printf(&t,
						   "Harbour crane %zu lifted "
						   "container %zu quickly. ",
						   i, i * 31 + 7),
				 0);
	assert_int_equal(chorus_text_analyse(an, "en", NULL, t.data, &a), 0);
	assert_true(a.n_terms >= 150);
	for (k = 0; k < CHORUS_MINHASH_K; k++) {
		fa[k] = mix_next(&seed) | 1;
		fb[k] = mix_next(&seed);
		want[k] = UINT32_MAX;
	}
	for (i = 0; i + 3 <= a.n_terms; i++) {
		uint64_t sh[3] = {a.terms[i], a.terms[i + 1], a.terms[i + 2]};
		uint64_t h = XXH3_64bits(sh, sizeof(sh));

		for (k = 0; k < CHORUS_MINHASH_K; k++) {
			uint32_t v = (uint32_t)((fa[k] * h + fb[k]) >> 32);

			if (v < want[k])
				want[k] = v;
		}
	}
	for (k = 0; k < CHORUS_MINHASH_K; k++)
		assert_int_equal(a.minhash[k], want[k]);
	chorus_buf_release(&t);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_utf8_repair_replaces_and_counts),
	    cmocka_unit_test(test_text_fold_case_and_marks),
	    cmocka_unit_test(test_text_terms_stem_and_drop_stopwords),
	    cmocka_unit_test(test_text_names_finds_multiword_names),
	    cmocka_unit_test(test_text_name_key_matches_spelling_variants),
	    cmocka_unit_test(test_text_fold_and_stem_by_language),
	    cmocka_unit_test(test_text_detects_language),
	    cmocka_unit_test(test_text_analyse_terms_names_and_fingerprints),
	    cmocka_unit_test(test_text_minhash_near_copy_is_close),
	    cmocka_unit_test(test_text_minhash_matches_its_definition),
	    cmocka_unit_test(test_text_analyse_folds_two_byte_letters_whole),
	    cmocka_unit_test(test_text_analyse_terms_as_text_terms),
	    cmocka_unit_test(test_text_analyse_years_and_dates_order),
	    cmocka_unit_test(test_text_month_names_loose_and_strict),
	    cmocka_unit_test(test_text_analyse_case_variants_share_terms),
	    cmocka_unit_test(test_text_sentences_respect_abbreviations),
	    cmocka_unit_test(test_text_sentence_spans_match_sentences),
	    cmocka_unit_test(test_text_sentence_spans_of_a_range),
	    cmocka_unit_test(test_text_headline_shape),
	    cmocka_unit_test(test_text_slug_is_ascii_and_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
