/*
 * The tuner behind the defaults in src/cluster.c: clusters the ECB+
 * development set (articles.jsonl, gold.tsv) with each combination of
 * weights and thresholds on a grid, in the fixed order and in a shuffled
 * one, and prints pairwise and B-cubed F1 for each (one line per
 * combination, tab-separated, for sort(1); the shuffled columns show the
 * worse of two shuffled orders, the second being the harness's). It calls the
 * library directly (a fresh store per run), the same code `chorus build` runs.
 *
 * usage: chorus_eval_tune [--dump PREFIX] [--shuffles N] [--builds N]
 *                         DATA_DIR [key=value,...]...
 * Each argument after DATA_DIR is one combination: the defaults with the
 * options it names changed (see set()).
 * With no combination given, the grid of the design comment. --dump writes
 * each run's clustering to PREFIX.N.tsv (N counts runs: fixed, shuffled,
 * other shuffled, then the next combination), for errors.py; --shuffles
 * adds the mean over N more shuffled orders, to tell a robust combination
 * from a lucky one; --builds clusters each order in N runs (N = the number
 * of articles: one per run), which must give what one run gives.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "chorus/cluster.h"

struct item {
	char *id, *url, *text;
	char *gold;
};

static struct item *items;
static size_t n_items;

static int load(const char *dir)
{
	char path[4096];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/articles.jsonl", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e), *u;
		struct item *it;

		if (!o)
			continue;
		items = realloc(items, (n_items + 1) * sizeof(*items));
		it = &items[n_items++];
		it->id = strdup(json_string_value(json_object_get(o, "id")));
		u = json_object_get(o, "url");
		it->url =
		    json_is_string(u) ? strdup(json_string_value(u)) : NULL;
		it->text =
		    strdup(json_string_value(json_object_get(o, "text")));
		it->gold = NULL;
		json_decref(o);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/gold.tsv", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab = strchr(line, '\t');
		size_t i;

		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		tab[strcspn(tab + 1, "\r\n") + 1] = '\0';
		for (i = 0; i < n_items; i++)
			if (!strcmp(items[i].id, line))
				items[i].gold = strdup(tab + 1);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Pairwise and B-cubed F1 of pred (story ids by item) against gold. */
static void scores(const int64_t *pred, double *pw, double *bc)
{
	double tp = 0, tg = 0, tpred = 0, bp = 0, br = 0, p, r;
	size_t i, j;

	for (i = 0; i < n_items; i++) {
		double same_both = 0, same_pred = 0, same_gold = 0;

		for (j = 0; j < n_items; j++) {
			int g = !strcmp(items[i].gold, items[j].gold);
			int q = pred[i] == pred[j];

			same_both += g && q;
			same_pred += q;
			same_gold += g;
			if (j > i) {
				tp += g && q;
				tg += g;
				tpred += q;
			}
		}
		bp += same_both / same_pred;
		br += same_both / same_gold;
	}
	p = tpred ? tp / tpred : 1;
	r = tg ? tp / tg : 1;
	*pw = p + r > 0 ? 2 * p * r / (p + r) : 0;
	bp /= (double)n_items;
	br /= (double)n_items;
	*bc = bp + br > 0 ? 2 * bp * br / (bp + br) : 0;
}

/* With --dump PREFIX, each run's clustering goes to PREFIX.N.tsv. */
static const char *dump_prefix;
static int dump_n;

static void dump(const int64_t *pred)
{
	char path[4096];
	FILE *f;
	size_t k;

	snprintf(path, sizeof(path), "%s.%d.tsv", dump_prefix, dump_n++);
	f = fopen(path, "w");
	if (!f)
		return;
	for (k = 0; k < n_items; k++)
		fprintf(f, "%s\t%lld\n", items[k].id, (long long)pred[k]);
	fclose(f);
}

static size_t n_builds = 1; /* --builds: runs the articles are split in */

static int run(const struct chorus_cluster_options *opt, const size_t *order,
	       double *pw, double *bc)
{
	char db[] = "/tmp/chorus-tune-XXXXXX";
	struct chorus_store *st;
	struct chorus_corpus c;
	int64_t *pred = calloc(n_items, sizeof(*pred));
	size_t i, k;
	int fd = mkstemp(db), rc;

	if (fd < 0 || !pred)
		return -1;
	close(fd);
	unlink(db);
	rc = chorus_store_open(&st, db, NULL);
	if (!rc)
		rc = chorus_store_begin(st, NULL);
	for (k = 0; k < n_items && !rc; k++) {
		const struct item *it = &items[order[k]];
		struct chorus_buf t = CHORUS_BUF_INIT;
		struct chorus_article a;
		int64_t src;

		/* --builds: cluster what is stored so far, as a build would. */
		if (k && k % ((n_items + n_builds - 1) / n_builds) == 0) {
			rc = chorus_cluster_run(st, opt, NULL, NULL, NULL);
			if (!rc)
				rc = chorus_store_commit(st, NULL);
			if (!rc)
				rc = chorus_store_begin(st, NULL);
			if (rc)
				break;
		}
		chorus_article_init(&a);
		chorus_buf_printf(&t, "Date: @%zu\n%s%s%s\n\n%s\n", k,
				  it->url ? "Link: " : "",
				  it->url ? it->url : "", it->url ? "\n" : "",
				  it->text);
		rc = chorus_article_from_text(&a, it->id, t.data, t.len,
					      1577836800 + 60 * (int64_t)k,
					      NULL, NULL, NULL);
		a.published = 1577836800 + 60 * (int64_t)k;
		if (!rc)
			rc = chorus_store_source_get(st, "ECB+", NULL, &src,
						     NULL);
		if (!rc)
			rc = chorus_store_article_put(st, &a, src, NULL, NULL);
		chorus_article_release(&a);
		chorus_buf_release(&t);
	}
	if (!rc)
		rc = chorus_cluster_run(st, opt, NULL, NULL, NULL);
	if (!rc)
		rc = chorus_store_commit(st, NULL);
	if (!rc)
		rc = chorus_store_load(st, &c, NULL);
	if (!rc) {
		for (i = 0; i < c.n_articles; i++)
			for (k = 0; k < n_items; k++)
				if (!strcmp(items[k].id, c.articles[i].a.key))
					pred[k] = c.articles[i].story_id;
		chorus_corpus_release(&c);
		scores(pred, pw, bc);
		if (dump_prefix)
			dump(pred);
	}
	chorus_store_close(st);
	unlink(db);
	{
		char side[64];

		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}
	free(pred);
	return rc;
}

static size_t *other; /* a second shuffled order, to check robustness */

/* The combination being run, as given. */
static const char *spec_now;

/* With --shuffles N, N more shuffled orders (seeds 1001..1000+N) are averaged.
 */
static int n_more;

static void shuffle(size_t *v, uint64_t x)
{
	size_t i;

	for (i = 0; i < n_items; i++)
		v[i] = i;
	for (i = n_items - 1; i > 0; i--) {
		size_t j, t;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (size_t)(x >> 33) % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void one(struct chorus_cluster_options *opt, const size_t *fixed,
		const size_t *shuffled)
{
	double pw1 = 0, bc1 = 0, pw2 = 0, bc2 = 0, pw3 = 0, bc3 = 0;
	double sum_pw = 0, sum_bc = 0, harness_pw, harness_bc, third_pw,
	       third_bc, lo = 1, hi = 0;
	int k;

	opt->w_terms = 1.0 - opt->w_names - opt->w_head;
	if (run(opt, fixed, &pw1, &bc1) || run(opt, shuffled, &pw2, &bc2) ||
	    run(opt, other, &pw3, &bc3)) {
		fprintf(stderr, "run failed\n");
		exit(1);
	}
	for (k = 1; k <= n_more; k++) {
		size_t *v = malloc(n_items * sizeof(*v));
		double pw, bc;

		if (!v) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		shuffle(v, 1000 + (uint64_t)k);
		if (run(opt, v, &pw, &bc)) {
			fprintf(stderr, "run failed\n");
			exit(1);
		}
		free(v);
		if (k == 1 || pw < lo)
			lo = pw;
		if (k == 1 || pw > hi)
			hi = pw;
		sum_pw += pw;
		sum_bc += bc;
	}
	/* The worse shuffled order is shown, and the harness's apart. */
	harness_pw = pw2;
	harness_bc = bc2;
	third_pw = pw3;
	third_bc = bc3;
	if (pw3 < pw2) {
		pw2 = pw3;
		bc2 = bc3;
	}
	printf("%.4f\t%.4f\t%.4f\t%.4f\t%.4f\tnames=%.2f,head=%.2f,"
	       "threshold=%.2f,merge=%.2f,year=%.2f,date=%.2f,lead=%.2f,"
	       "min_terms=%.2f",
	       pw1 < pw2 ? pw1 : pw2, pw1, bc1, pw2, bc2, opt->w_names,
	       opt->w_head, opt->threshold, opt->merge_threshold, opt->w_year,
	       opt->w_date, opt->w_lead, opt->min_terms);
	printf("\tharness shuffle: pw %.4f bc %.4f", harness_pw, harness_bc);
	printf("\tthird: pw %.4f bc %.4f", third_pw, third_bc);
	if (n_more) {
		lo = lo < pw1 ? lo : pw1;
		lo = lo < harness_pw ? lo : harness_pw;
		lo = lo < third_pw ? lo : third_pw;
		hi = hi > pw1 ? hi : pw1;
		hi = hi > harness_pw ? hi : harness_pw;
		hi = hi > third_pw ? hi : third_pw;
		printf("\tmean of %d more: pw %.4f bc %.4f", n_more,
		       sum_pw / n_more, sum_bc / n_more);
		printf("\tall %d: mean pw %.4f bc %.4f, pw %.4f-%.4f",
		       n_more + 3,
		       (sum_pw + pw1 + harness_pw + third_pw) / (n_more + 3),
		       (sum_bc + bc1 + harness_bc + third_bc) / (n_more + 3),
		       lo, hi);
	}
	if (spec_now)
		printf("\t%s", spec_now);
	printf("\n");
	fflush(stdout);
}

/*
 * Set the options named in spec, "key=value,key=value" with the keys
 * names, head, threshold, merge, year, date, lead, min_terms (w_terms is what
 * names and head leave); 0, or -1 on an unknown key.
 */
static int set(struct chorus_cluster_options *o, const char *spec)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
	    {"names", offsetof(struct chorus_cluster_options, w_names)},
	    {"head", offsetof(struct chorus_cluster_options, w_head)},
	    {"threshold", offsetof(struct chorus_cluster_options, threshold)},
	    {"merge", offsetof(struct chorus_cluster_options, merge_threshold)},
	    {"year", offsetof(struct chorus_cluster_options, w_year)},
	    {"date", offsetof(struct chorus_cluster_options, w_date)},
	    {"lead", offsetof(struct chorus_cluster_options, w_lead)},
	    {"min_terms", offsetof(struct chorus_cluster_options, min_terms)},
	    {"split", offsetof(struct chorus_cluster_options, split_ratio)},
	};
	/* The split step's sizes are counts. */
	static const struct {
		const char *key;
		size_t off;
	} counts[] = {
	    {"split_min",
	     offsetof(struct chorus_cluster_options, split_min_side)},
	    {"split_max", offsetof(struct chorus_cluster_options, split_max)},
	};
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, "="), k;

		for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
			if (strlen(counts[k].key) == len &&
			    !strncmp(counts[k].key, p, len) && p[len] == '=') {
				*(uint32_t *)((char *)o + counts[k].off) =
				    (uint32_t)strtoul(p + len + 1, NULL, 10);
				break;
			}
		if (k < sizeof(counts) / sizeof(counts[0])) {
			p += len + 1;
			p += strcspn(p, ",");
			if (*p == ',')
				p++;
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strlen(keys[k].key) == len &&
			    !strncmp(keys[k].key, p, len))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) || p[len] != '=')
			return -1;
		*(double *)((char *)o + keys[k].off) =
		    strtod(p + len + 1, NULL);
		p += len + 1;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct chorus_cluster_options opt;
	size_t *fixed, *shuffled, i;
	int a;

	while (argc > 3 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--dump"))
			dump_prefix = argv[2];
		else if (!strcmp(argv[1], "--shuffles"))
			n_more = (int)strtol(argv[2], NULL, 10);
		else if (!strcmp(argv[1], "--builds")) {
			n_builds = (size_t)strtoul(argv[2], NULL, 10);
			n_builds = n_builds ? n_builds : 1;
		} else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || load(argv[1]) || !n_items) {
		fprintf(stderr,
			"usage: %s [--dump PREFIX] [--shuffles N] [--builds N] "
			"DATA_DIR "
			"[key=value,...]...\n",
			argv[0]);
		return 2;
	}
	fixed = malloc(n_items * sizeof(*fixed));
	shuffled = malloc(n_items * sizeof(*shuffled));
	other = malloc(n_items * sizeof(*other));
	for (i = 0; i < n_items; i++)
		fixed[i] = i;
	shuffle(other, 7);
	shuffle(shuffled, 20251119);
	chorus_cluster_options_init(&opt);
	printf(
	    "min_pw\tpw_fixed\tbc_fixed\tpw_shuffled\tbc_shuffled\tparams\n");
	if (argc > 2) {
		for (a = 2; a < argc; a++) {
			chorus_cluster_options_init(&opt);
			if (set(&opt, argv[a])) {
				fprintf(stderr, "bad combination: %s\n",
					argv[a]);
				return 2;
			}
			spec_now = argv[a];
			one(&opt, fixed, shuffled);
		}
		return 0;
	}
	/* Steps as integers, so the grid is exact. */
	{
		int n, h, t, m, y;

		for (n = 2; n <= 5; n++)
			for (h = 1; h <= 3; h++)
				for (t = 3; t <= 6; t++)
					for (m = 5; m <= 9; m += 2)
						for (y = 0; y <= 2; y++) {
							opt.w_names = n / 10.0;
							opt.w_head = h / 10.0;
							opt.threshold =
							    t / 20.0;
							opt.merge_threshold =
							    m / 10.0;
							opt.w_year = y / 10.0;
							one(&opt, fixed,
							    shuffled);
						}
	}
	return 0;
}
