/*
 * Unit tests for the clusterer's feature arithmetic: the prepared dot
 * product (feat_set_dot) gives feat_dot()'s double to the last bit however
 * the hashes fall in its buckets, feat_keep_heaviest() keeps exactly the
 * heaviest, hashes are sorted whatever their number, and the
 * document-frequency table's kept logarithms give df_idf()'s values.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster_int.h"

static uint32_t next(uint32_t *seed)
{
	*seed = *seed * 1664525u + 1013904223u;
	return *seed ^ (*seed >> 15);
}

static int cmp_feat(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

/* n features with distinct hashes, sorted; share: drawn from pool. */
static size_t make(struct feat *v, size_t n, const uint32_t *pool,
		   size_t n_pool, uint32_t *seed)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		uint32_t h =
		    next(seed) % 3 ? pool[next(seed) % n_pool] : next(seed);
		size_t j;

		for (j = 0; j < k && v[j].h != h; j++)
			;
		if (j < k)
			continue;
		v[k].h = h;
		v[k].w = (float)(next(seed) % 10000) / 7919.0f;
		k++;
	}
	qsort(v, k, sizeof(*v), cmp_feat);
	return k;
}

static void test_cluster_features_set_dot_is_feat_dot(void **state)
{
	struct feat a[FEAT_TERMS], b[512];
	uint32_t hb[512], pool[300];
	float wb[512];
	struct feat_set s;
	uint32_t seed = 7;
	size_t i, round, na, nb;

	(void)state;
	/* Hashes sharing their low 12 bits (one bucket) with others, and
	 * hashes of the bucket that are not there. */
	for (i = 0; i < 300; i++)
		pool[i] = i < 100   ? (next(&seed) << 12) | (i % 7)
			  : i < 200 ? (next(&seed) << 12) | 4095u
				    : next(&seed);
	for (round = 0; round < 400; round++) {
		double want, got;

		na = make(a, round % 2 ? FEAT_TERMS : round % FEAT_TERMS, pool,
			  300, &seed);
		nb = make(b, 256 + round % 256, pool, 300, &seed);
		for (i = 0; i < nb; i++) {
			hb[i] = b[i].h;
			wb[i] = b[i].w;
		}
		feat_set_init(&s, a, na);
		want = feat_dot(a, na, b, nb);
		got = feat_set_dot(&s, hb, wb, nb);
		assert_memory_equal(&want, &got, sizeof(want));
		assert_true(round % 2 == 0 || want > 0);
	}
	/* An empty side. */
	feat_set_init(&s, a, 0);
	assert_true(feat_set_dot(&s, hb, wb, nb) == 0);
}

/* Heaviest first, then the lower hash: the order feat_keep_heaviest keeps. */
static int cmp_heavy(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;

	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;
}

static void test_cluster_features_keep_heaviest_keeps_the_top(void **state)
{
	struct feat v[700], want[700];
	uint32_t pool[1], seed = 11;
	size_t round, n, max, k, i;

	(void)state;
	pool[0] = 1;
	for (round = 0; round < 600; round++) {
		n = make(v, 1 + round % 700, pool, 1, &seed);
		/* Many equal weights: ties go to the lower hash. */
		for (i = 0; i < n; i++)
			if (round % 3 == 0)
				v[i].w = (float)(next(&seed) % 5);
			else if (round % 3 == 1 && i % 4 == 0)
				v[i].w = 0;
		max = 1 + next(&seed) % (n + 20);
		memcpy(want, v, n * sizeof(*v));
		qsort(want, n, sizeof(*want), cmp_heavy);
		k = n < max ? n : max;
		qsort(want, k, sizeof(*want), cmp_feat);
		assert_int_equal(feat_keep_heaviest(v, n, max), k);
		assert_memory_equal(v, want, k * sizeof(*v));
	}
	/* Weights that do not order as their bits: compared the long way. */
	n = make(v, 600, pool, 1, &seed);
	for (i = 0; i < n; i++)
		v[i].w = i % 2 ? -v[i].w : v[i].w;
	memcpy(want, v, n * sizeof(*v));
	qsort(want, n, sizeof(*want), cmp_heavy);
	qsort(want, n / 2, sizeof(*want), cmp_feat);
	assert_int_equal(feat_keep_heaviest(v, n, n / 2), n / 2);
	assert_memory_equal(v, want, n / 2 * sizeof(*v));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Hashes folded to 32 bits and sorted, repeats kept, short and long. */
static void test_cluster_features_sort_sorts(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 90, 255, 4096, 4097, 20000};
	struct chorus_text_analysis an;
	struct feat_sorted fs;
	uint32_t seed = 3, *want;
	size_t i, k;

	(void)state;
	memset(&fs, 0, sizeof(fs));
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];

		chorus_text_analysis_init(&an);
		an.terms = calloc(n + 1, sizeof(*an.terms));
		an.names = calloc(n + 1, sizeof(*an.names));
		want = calloc(n + 1, sizeof(*want));
		assert_non_null(an.terms);
		assert_non_null(an.names);
		assert_non_null(want);
		for (i = 0; i < n; i++) {
			/* Repeats, and hashes sharing their top byte. */
			uint64_t h =
			    i % 5 == 4 ? an.terms[i - 1]
			    : i % 7 == 6
				? (uint64_t)(next(&seed) & 0xffffff)
				: (uint64_t)next(&seed) << 32 | next(&seed);

			an.terms[i] = an.names[n - 1 - i] = h;
			want[i] = (uint32_t)(h ^ (h >> 32));
			want[i] = want[i] ? want[i] : 1;
		}
		an.n_terms = an.n_names = n;
		qsort(want, n, sizeof(*want), cmp_u32);
		assert_int_equal(features_sort(&an, &fs), 0);
		assert_int_equal(fs.n_terms, n);
		assert_int_equal(fs.n_names, n);
		if (n) {
			assert_memory_equal(fs.terms, want, n * sizeof(*want));
			assert_memory_equal(fs.names, want, n * sizeof(*want));
		}
		free(want);
		chorus_text_analysis_release(&an);
	}
	features_sorted_release(&fs);
}

static void test_cluster_features_idf_kept_is_idf(void **state)
{
	struct df_table t;
	uint32_t h, c;
	size_t i;

	(void)state;
	assert_int_equal(df_init(&t, 16), 0);
	for (i = 0; i < 3000; i++) {
		/* Hash i % 97 + 1 counted once per document. */
		t.docs++;
		assert_int_equal(df_add_count(&t, (uint32_t)(i % 97) + 1, &c),
				 0);
		assert_int_equal(c, df_get(&t, (uint32_t)(i % 97) + 1));
		for (h = 1; h <= 97; h += 12) {
			double want = df_idf(&t, h), got;

			got = df_idf_of(&t, df_get(&t, h));
			assert_memory_equal(&want, &got, sizeof(want));
		}
	}
	for (i = 1; i < DF_LOG_TF; i++) {
		double want = log((double)i);

		assert_memory_equal(&t.log_tf[i], &want, sizeof(want));
	}
	/* Counts past the kept ones are worked out as they come. */
	assert_true(
	    df_idf_of(&t, DF_IDF_CACHE + 5) ==
	    log(1.0 + ((double)t.docs + 100.0) / ((double)DF_IDF_CACHE + 6.0)));
	df_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cluster_features_set_dot_is_feat_dot),
	    cmocka_unit_test(test_cluster_features_keep_heaviest_keeps_the_top),
	    cmocka_unit_test(test_cluster_features_sort_sorts),
	    cmocka_unit_test(test_cluster_features_idf_kept_is_idf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
