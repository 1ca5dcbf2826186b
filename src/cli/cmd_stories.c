/*
 * `chorus stories`: what the clusterer made of the store. Lists each story
 * with its members; --tsv prints `article_key<TAB>story_id` (the story's
 * Atom id, following merges to the story that lives on); --explain ID
 * shows why each member is in story ID (its score, the names and terms it
 * shares with the rest).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "chorus/cluster.h"
#include "cli.h"

static const char usage[] =
    "chorus [-C DIR] [-c FILE] [-q] [-v] stories [--tsv] [--explain ID]";

static void help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "List the site's stories, each with its id, headline and "
	       "members (article key,\nsource, how strongly it joined). "
	       "Reads the state only; run 'chorus build'\nfirst.\n"
	       "\n"
	       "  --tsv         print article_key<TAB>story_id for every "
	       "article instead\n"
	       "  --explain ID  why the members of story ID (its urn:uuid "
	       "id, the UUID alone,\n"
	       "                its slug, or the key of one of its articles) "
	       "are together\n",
	       usage);
}

/* The story that lives on: follow merged_into. */
static const struct chorus_story *survivor(const struct chorus_corpus *c,
					   int64_t id)
{
	size_t hops;

	for (hops = 0; hops < 64; hops++) {
		size_t lo = 0, hi = c->n_stories;
		const struct chorus_story *s = NULL;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (c->stories[mid].id == id) {
				s = &c->stories[mid];
				break;
			}
			if (c->stories[mid].id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!s || !s->merged_into)
			return s;
		id = s->merged_into;
	}
	return NULL;
}

static const char *source_name(const struct chorus_corpus *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n_sources; i++)
		if (c->sources[i].id == id)
			return c->sources[i].name;
	return "?";
}

static void print_tsv(const struct chorus_corpus *c)
{
	size_t i;

	for (i = 0; i < c->n_articles; i++) {
		const struct chorus_story *s =
		    survivor(c, c->articles[i].story_id);

		if (s)
			printf("%s\t%s\n", c->articles[i].a.key, s->uuid);
	}
}

static int print_list(struct cli_ctx *ctx, const struct chorus_corpus *c)
{
	struct chorus_err err = {0};
	size_t i, k;

	for (i = 0; i < c->n_stories; i++) {
		struct chorus_story_view v;

		if (c->stories[i].merged_into)
			continue;
		if (chorus_story_view_compute(c, &c->stories[i], &v, &err))
			return cli_fail(ctx, &err);
		if (v.n_members) {
			printf("%s  %s  (%zu articles, %zu sources)\n  %s\n",
			       c->stories[i].uuid, c->stories[i].slug,
			       v.n_members, v.n_sources, v.headline);
			for (k = 0; k < v.n_members; k++)
				printf("    %-28s %-24s %.3f\n",
				       v.members[k].article->a.key,
				       v.members[k].source
					   ? v.members[k].source->name
					   : "?",
				       v.members[k].article->score);
		}
		chorus_story_view_release(&v);
	}
	return EXIT_OK;
}

/* The story named by id: uuid (with or without urn:uuid:), slug, key. */
static const struct chorus_story *find_story(const struct chorus_corpus *c,
					     const char *id)
{
	size_t i;

	for (i = 0; i < c->n_stories; i++) {
		const char *u = c->stories[i].uuid;

		if (!strcmp(u, id) || !strcmp(u + 9, id) ||
		    !strcmp(c->stories[i].slug, id))
			return survivor(c, c->stories[i].id);
	}
	for (i = 0; i < c->n_articles; i++)
		if (!strcmp(c->articles[i].a.key, id))
			return survivor(c, c->articles[i].story_id);
	return NULL;
}

static void print_list_line(const char *label, const struct chorus_strlist *l)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < l->n; i++)
		printf("%s%s", i ? ", " : "", l->v[i]);
	printf("%s\n", l->n ? "" : "-");
}

static int print_explain(struct cli_ctx *ctx, const struct chorus_corpus *c,
			 const char *id)
{
	const struct chorus_story *s = find_story(c, id);
	struct chorus_err err = {0};
	struct chorus_explain e;
	size_t i;

	if (!s) {
		fprintf(stderr,
			"chorus: no story '%s' (see 'chorus stories')\n", id);
		return EXIT_USAGE;
	}
	if (chorus_cluster_explain(ctx->store, c, s, &e, &err))
		return cli_fail(ctx, &err);
	printf("%s  %s  (%zu articles)\n", s->uuid, s->slug, e.n_members);
	print_list_line("  shared names: ", &e.names);
	print_list_line("  shared terms: ", &e.terms);
	for (i = 0; i < e.n_members; i++) {
		const struct chorus_explain_member *m = &e.members[i];

		printf("\n  %s (%s)  score %.3f%s\n", m->article->a.key,
		       source_name(c, m->article->source_id), m->score,
		       i == 0 ? "  founded the story" : "");
		if (m->copy_of)
			printf("    a copy of %s\n", m->copy_of);
		print_list_line("    names: ", &m->names);
		print_list_line("    terms: ", &m->terms);
	}
	chorus_explain_release(&e);
	return EXIT_OK;
}

int cmd_stories(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option longs[] = {
	    {"tsv", no_argument, NULL, 't'},
	    {"explain", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	const char *explain = NULL;
	struct chorus_err err = {0};
	struct chorus_corpus c;
	int opt, tsv = 0, rc;

	while ((opt = cli_getopt(argc, argv, "", longs, ctx)) != -1) {
		switch (opt) {
		case 'h':
			help();
			return EXIT_OK;
		case 't':
			tsv = 1;
			break;
		case 'e':
			explain = optarg;
			break;
		default:
			return cli_usage_error(usage);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "chorus: stories takes no arguments ('%s')\n",
			argv[optind]);
		return cli_usage_error(usage);
	}
	rc = cli_open(ctx, 1);
	if (rc) {
		cli_close(ctx);
		return rc;
	}
	if (chorus_store_load(ctx->store, &c, &err)) {
		rc = cli_fail(ctx, &err);
		cli_close(ctx);
		return rc;
	}
	if (explain)
		rc = print_explain(ctx, &c, explain);
	else if (tsv)
		print_tsv(&c);
	else
		rc = print_list(ctx, &c);
	chorus_corpus_release(&c);
	cli_close(ctx);
	return rc;
}
