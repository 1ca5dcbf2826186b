/*
 * The text-analysis microbenchmark: chorus_text_analyse() alone, on the
 * clustering benchmark's corpus (items_N.tsv of ../shared/bench/
 * gen_corpus.py --text-only: guid, story, title, text), the way the
 * clustering's analysis thread calls it (no language tag: detected).
 *
 *   chorus_bench_analyse ITEMS.tsv [REPEAT [DUMP]]
 *
 * Loads every item, then analyses them all REPEAT times (default 3) with
 * one analyser (its word cache warm after the first pass, as in a long
 * run), and prints the CPU microseconds per article of each pass. With
 * DUMP, writes every article's analysis (terms, names, headline terms,
 * fingerprint, text hash, language, years, dates) of the first pass, and
 * the terms and names chorus_text_analyse_terms() gives for each of its
 * sentences, one line each, so that a change can be proved to leave the
 * results bit-identical with a diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "chorus/text.h"

struct item {
	char *title, *text;
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void dump_u64(FILE *f, const char *what, const uint64_t *v, size_t n)
{
	size_t i;

	fprintf(f, " %s", what);
	for (i = 0; i < n; i++)
		fprintf(f, " %016llx", (unsigned long long)v[i]);
}

static void dump(FILE *f, size_t k, const struct chorus_text_analysis *a)
{
	size_t i;

	fprintf(f, "%zu %s hash %016llx tn %zu", k, a->lang,
		(unsigned long long)a->text_hash, a->n_title_names);
	dump_u64(f, "terms", a->terms, a->n_terms);
	dump_u64(f, "names", a->names, a->n_names);
	dump_u64(f, "head", a->head, a->n_head);
	fprintf(f, " mh");
	for (i = 0; i < CHORUS_MINHASH_K; i++)
		fprintf(f, " %08x", a->minhash[i]);
	fprintf(f, " years");
	for (i = 0; i < a->n_years; i++)
		fprintf(f, " %u:%u", a->years[i], a->year_counts[i]);
	fprintf(f, " dates");
	for (i = 0; i < a->n_dates; i++)
		fprintf(f, " %u", a->dates[i]);
	fputc('\n', f);
}

/* chorus_text_analyse_terms() sentence by sentence, as the summariser. */
static int dump_terms(FILE *f, struct chorus_text_analyser *an, size_t k,
		      const struct item *it)
{
	struct chorus_strlist sent, names;
	struct chorus_text_analysis one;
	size_t s, i;
	int rc;

	chorus_strlist_init(&sent);
	chorus_text_analysis_init(&one);
	rc = chorus_text_sentences(it->text, &sent);
	for (s = 0; !rc && s < sent.n; s++) {
		chorus_strlist_init(&names);
		rc = chorus_text_analyse_terms(an, s % 2 ? "en" : NULL,
					       sent.v[s], &one, &names);
		if (!rc) {
			fprintf(f, "%zu.%zu", k, s);
			dump_u64(f, "terms", one.terms, one.n_terms);
			fprintf(f, " names");
			for (i = 0; i < names.n; i++)
				fprintf(f, " [%s]", names.v[i]);
			fputc('\n', f);
		}
		chorus_strlist_release(&names);
	}
	chorus_text_analysis_release(&one);
	chorus_strlist_release(&sent);
	return rc;
}

static int load(const char *path, struct item **out, size_t *n_out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, icap = 0;
	ssize_t len;
	struct item *v = NULL;

	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *story, *title, *text;

		line[strcspn(line, "\n")] = '\0';
		story = strchr(line, '\t');
		title = story ? strchr(story + 1, '\t') : NULL;
		text = title ? strchr(title + 1, '\t') : NULL;
		if (!text)
			continue;
		*title++ = *text++ = '\0';
		if (n == icap) {
			struct item *p;

			icap = icap ? icap * 2 : 1024;
			p = realloc(v, icap * sizeof(*v));
			if (!p)
				break;
			v = p;
		}
		v[n].title = strdup(title);
		v[n].text = strdup(text);
		if (!v[n].title || !v[n].text)
			break;
		n++;
	}
	free(line);
	fclose(f);
	*out = v;
	*n_out = n;
	return 0;
}

int main(int argc, char **argv)
{
	struct chorus_text_analyser *an = NULL;
	struct chorus_text_analysis a;
	struct item *items = NULL;
	size_t n = 0, k;
	int repeat = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3, r, rc = 0;
	FILE *d = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: %s ITEMS.tsv [REPEAT [DUMP]]\n",
			argv[0]);
		return 2;
	}
	if (load(argv[1], &items, &n) || !n) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	if (argc > 3 && !(d = fopen(argv[3], "w"))) {
		perror(argv[3]);
		return 1;
	}
	if (chorus_text_analyser_new(&an))
		return 1;
	chorus_text_analysis_init(&a);
	for (r = 0; r < repeat && !rc; r++) {
		double t0 = thread_cpu();

		for (k = 0; k < n && !rc; k++) {
			rc = chorus_text_analyse(an, NULL, items[k].title,
						 items[k].text, &a);
			if (!rc && d && r == 0)
				dump(d, k, &a);
		}
		printf("pass %d: %zu articles, %.2f us/article CPU\n", r + 1, n,
		       (thread_cpu() - t0) * 1e6 / (double)n);
	}
	for (k = 0; d && k < n && !rc; k++)
		rc = dump_terms(d, an, k, &items[k]);
	chorus_text_analysis_release(&a);
	chorus_text_analyser_free(an);
	for (k = 0; k < n; k++) {
		free(items[k].title);
		free(items[k].text);
	}
	free(items);
	if (d)
		fclose(d);
	if (rc)
		fprintf(stderr, "analysis failed: %d\n", rc);
	return rc ? 1 : 0;
}
