/*
 * Unit tests for the canonical view's sentence analysis (src/story.c): a
 * sentence that comes again in a story is analysed once, and what it gives
 * still counts for every member that carries it (its names for the shared
 * names, its terms for the summary), while a repeat within one member
 * still counts that member once; shared names are shown as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chorus/cluster.h"
#include "chorus/store.h"
#include "chorus/text.h"

#define SHARED                                                                 \
	"Maria Santos said the old bridge over the river will close on "       \
	"Monday for repairs."

/* A corpus of one story (id 7) whose members have these texts. */
static void make_corpus(struct chorus_corpus *c, const char *const *texts,
			size_t n)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->sources = calloc(n, sizeof(*c->sources));
	c->articles = calloc(n, sizeof(*c->articles));
	c->stories = calloc(1, sizeof(*c->stories));
	assert_non_null(c->sources);
	assert_non_null(c->articles);
	assert_non_null(c->stories);
	c->n_sources = n;
	c->n_articles = n;
	c->n_stories = 1;
	c->stories[0].id = 7;
	c->stories[0].uuid = chorus_strdup("urn:uuid:story-7");
	c->stories[0].slug = chorus_strdup("story-7");
	c->stories[0].founder_key = chorus_strdup("k0");
	for (i = 0; i < n; i++) {
		struct chorus_stored_article *sa = &c->articles[i];
		char name[64];

		snprintf(name, sizeof(name), "Outlet %zu", i);
		c->sources[i].id = (int64_t)i + 1;
		c->sources[i].name = chorus_strdup(name);
		snprintf(name, sizeof(name), "outlet-%zu", i);
		c->sources[i].slug = chorus_strdup(name);
		chorus_article_init(&sa->a);
		snprintf(name, sizeof(name), "k%zu", i);
		sa->id = (int64_t)i + 1;
		sa->source_id = (int64_t)i + 1;
		sa->story_id = 7;
		sa->score = 1.0;
		sa->a.key = chorus_strdup(name);
		snprintf(name, sizeof(name), "Outlet %zu", i);
		sa->a.source = chorus_strdup(name);
		snprintf(name, sizeof(name), "Bridge news number %zu", i);
		sa->a.title = chorus_strdup(name);
		sa->a.language = chorus_strdup("en");
		sa->a.text = chorus_strdup(texts[i]);
		sa->a.published = 1763510400 + (int64_t)i * 60;
		sa->a.date_known = 1;
		assert_non_null(sa->a.text);
	}
}

/* Is name among the view's shared names? */
static int shows_name(const struct chorus_story_view *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->names.n; i++)
		if (!strcmp(v->names.v[i], name))
			return 1;
	return 0;
}

static void view_of(const char *const *texts, size_t n,
		    struct chorus_story_view *v, struct chorus_corpus *c)
{
	make_corpus(c, texts, n);
	assert_int_equal(chorus_story_view_compute(c, &c->stories[0], v, NULL),
			 0);
	assert_int_equal(v->n_members, n);
}

/* The name of a sentence two members carry is shared by both. */
static void test_story_repeat_names_count_per_member(void **state)
{
	static const char *const texts[] = {
	    SHARED " The council met in the evening to talk about the cost "
		   "of the work.",
	    "Drivers were told to plan longer routes for the whole week "
	    "ahead. " SHARED,
	    "Ferries will run every ten minutes while the road stays shut "
	    "to traffic.",
	};
	struct chorus_story_view v;
	struct chorus_corpus c;

	(void)state;
	view_of(texts, 3, &v, &c);
	assert_true(shows_name(&v, "Maria Santos"));
	/* The shared sentence is what the sources agree on. */
	assert_true(v.summary.n >= 1);
	assert_string_equal(v.summary.v[0], SHARED);
	chorus_story_view_release(&v);
	chorus_corpus_release(&c);
}

/* A sentence said twice by one member counts that member once. */
static void test_story_repeat_in_one_member_counts_once(void **state)
{
	static const char *const texts[] = {
	    SHARED " The council met in the evening to talk about the cost "
		   "of the work. " SHARED,
	    "Drivers were told to plan longer routes for the whole week "
	    "ahead.",
	    "Ferries will run every ten minutes while the road stays shut "
	    "to traffic.",
	};
	struct chorus_story_view v;
	struct chorus_corpus c;

	(void)state;
	view_of(texts, 3, &v, &c);
	assert_false(shows_name(&v, "Maria Santos"));
	chorus_story_view_release(&v);
	chorus_corpus_release(&c);
}

/*
 * Shared names are counted folded ("JEAN-CLAUDE JUNCKER" is the same
 * name) and shown as the first member to write one spells it: capitals,
 * marks and the hyphen kept, a possessive left off.
 */
static void test_story_names_spelled_as_written(void **state)
{
	static const char *const texts[] = {
	    "Jean-Claude Juncker met Zoë Ångström in Brussels on Monday. "
	    "The talks went on for hours.",
	    "Reporters waited outside while JEAN-CLAUDE JUNCKER spoke. "
	    "Zoë Ångström’s aides said nothing.",
	    "Ferries will run every ten minutes while the road stays shut "
	    "to traffic.",
	};
	struct chorus_story_view v;
	struct chorus_corpus c;

	(void)state;
	view_of(texts, 3, &v, &c);
	assert_int_equal(v.names.n, 2);
	assert_true(shows_name(&v, "Jean-Claude Juncker"));
	assert_true(shows_name(&v, "Zoë Ångström"));
	chorus_story_view_release(&v);
	chorus_corpus_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_story_repeat_names_count_per_member),
	    cmocka_unit_test(test_story_repeat_in_one_member_counts_once),
	    cmocka_unit_test(test_story_names_spelled_as_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
