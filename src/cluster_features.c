/*
 * An article's clustering features (see src/cluster_int.h): weighing an
 * analysis into unit tf-idf vectors, the document-frequency table, and the
 * blob format both are kept in between runs.
 *
 * Blobs are little-endian on every machine chorus has run on; they carry
 * a magic number and are rebuilt (the article re-analysed) when it does
 * not match, so a state from a machine of the other byte order only costs
 * time.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cluster_int.h"

#define FEATURES_MAGIC 0x33464843u    /* "CHF3" */
#define FEATURES_MAGIC_V2 0x32464843u /* "CHF2": no dates */

#define DF_MAGIC 0x31464443u /* "CDF1" */

static uint32_t fold32(uint64_t h)
{
	uint32_t v = (uint32_t)(h ^ (h >> 32));

	return v ? v : 1;
}

int df_init(struct df_table *t, size_t expected)
{
	size_t i;

	t->log_tf[0] = 0;
	for (i = 1; i < DF_LOG_TF; i++)
		t->log_tf[i] = log((double)i);
	/* No document count is UINT64_MAX: nothing kept yet. */
	memset(t->idf_docs, 0xff, sizeof(t->idf_docs));
	t->cap = 1024;
	while (t->cap < expected * 2)
		t->cap *= 2;
	t->slots = chorus_table_calloc(t->cap, sizeof(*t->slots));
	t->n = 0;
	t->docs = 0;
	if (t->slots)
		return 0;
	df_release(t);
	return CHORUS_ENOMEM;
}

void df_release(struct df_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

static size_t df_home(const struct df_table *t, uint32_t h)
{
	return (size_t)(h * 0x9e3779b1u) & (t->cap - 1);
}

/* Ask for the slot of h (a hint, before df_slot() reads it). */
static void df_prefetch(const struct df_table *t, uint32_t h)
{
	if (t->cap)
		__builtin_prefetch(&t->slots[df_home(t, h ? h : 1)]);
}

static size_t df_slot(const struct df_table *t, uint32_t h)
{
	size_t i = df_home(t, h);

	while (t->slots[i].key && t->slots[i].key != h)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int df_grow(struct df_table *t)
{
	struct df_table bigger;
	size_t k;

	if (df_init(&bigger, t->cap))
		return CHORUS_ENOMEM;
	for (k = 0; k < t->cap; k++) {
		size_t s;

		if (!t->slots[k].key)
			continue;
		s = df_slot(&bigger, t->slots[k].key);
		bigger.slots[s] = t->slots[k];
	}
	bigger.n = t->n;
	bigger.docs = t->docs;
	df_release(t);
	*t = bigger;
	return 0;
}

int df_add_count(struct df_table *t, uint32_t h, uint32_t *count)
{
	size_t i;

	h = h ? h : 1;
	if ((t->n + 1) * 2 > t->cap && df_grow(t))
		return CHORUS_ENOMEM;
	i = df_slot(t, h);
	if (!t->slots[i].key) {
		t->slots[i].key = h;
		t->n++;
	}
	*count = ++t->slots[i].count;
	return 0;
}

int df_add(struct df_table *t, uint32_t h)
{
	uint32_t count;

	return df_add_count(t, h, &count);
}

uint32_t df_get(const struct df_table *t, uint32_t h)
{
	size_t i = df_slot(t, h ? h : 1);

	return t->slots[i].key ? t->slots[i].count : 0;
}

/*
 * Smoothed idf. A small corpus (the five seeds) would otherwise give the
 * words every report shares, which are exactly the evidence that they tell
 * one story, a weight near zero; BACKGROUND_DOCS pretends the corpus also
 * holds that many unrelated documents without the term. On a large corpus
 * the real counts dominate and this is plain idf.
 */
#define BACKGROUND_DOCS 100.0

static double idf_of(uint64_t docs, uint32_t count)
{
	return log(1.0 +
		   ((double)docs + BACKGROUND_DOCS) / ((double)count + 1.0));
}

double df_idf(const struct df_table *t, uint32_t h)
{
	return idf_of(t->docs, df_get(t, h));
}

double df_idf_of(struct df_table *t, uint32_t count)
{
	if (count >= DF_IDF_CACHE)
		return idf_of(t->docs, count);
	if (t->idf_docs[count] != t->docs) {
		t->idf[count] = idf_of(t->docs, count);
		t->idf_docs[count] = t->docs;
	}
	return t->idf[count];
}

static void put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

int df_encode(const struct df_table *t, struct chorus_buf *out)
{
	unsigned char head[16];
	size_t i;
	int rc;

	chorus_buf_reset(out);
	put_u32(head, DF_MAGIC);
	put_u32(head + 4, (uint32_t)t->n);
	memcpy(head + 8, &t->docs, 8);
	rc = chorus_buf_add(out, head, sizeof(head));
	for (i = 0; i < t->cap && !rc; i++) {
		unsigned char kv[8];

		if (!t->slots[i].key)
			continue;
		put_u32(kv, t->slots[i].key);
		put_u32(kv + 4, t->slots[i].count);
		rc = chorus_buf_add(out, kv, sizeof(kv));
	}
	return rc;
}

int df_decode(struct df_table *t, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t n, i;
	int rc;

	if (len < 16 || get_u32(p) != DF_MAGIC)
		return df_init(t, 4096);
	n = get_u32(p + 4);
	if (len != 16 + (size_t)n * 8)
		return df_init(t, 4096);
	rc = df_init(t, (size_t)n + 1024);
	if (rc)
		return rc;
	memcpy(&t->docs, p + 8, 8);
	for (i = 0; i < n; i++) {
		const unsigned char *kv = p + 16 + (size_t)i * 8;
		size_t s = df_slot(t, get_u32(kv));

		t->slots[s].key = get_u32(kv);
		t->slots[s].count = get_u32(kv + 4);
	}
	t->n = n;
	return 0;
}

static int cmp_feat_h(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

/* Heaviest first; equal weights by hash, so the order is total. */
static int cmp_feat_w(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;

	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;
}

/*
 * Sort v[0..n) with tmp[0..n) as room: LSD radix, a byte per pass, the
 * four bytes counted in one read of v; a pass whose byte all share moves
 * nothing and is skipped, and the others take turns between v and tmp.
 */
static void radix_u32(uint32_t *v, uint32_t *tmp, size_t n)
{
	uint32_t count[4][256], *sorted = v;
	unsigned b;
	size_t i;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		uint32_t x = v[i];

		count[0][x & 0xff]++;
		count[1][(x >> 8) & 0xff]++;
		count[2][(x >> 16) & 0xff]++;
		count[3][x >> 24]++;
	}
	for (b = 0; b < 4 && n; b++) {
		uint32_t *c = count[b], at = 0, k;
		unsigned shift = 8 * b;
		uint32_t *t;

		if (c[(v[0] >> shift) & 0xff] == n)
			continue;
		for (i = 0; i < 256; i++) {
			k = c[i];
			c[i] = at;
			at += k;
		}
		for (i = 0; i < n; i++)
			tmp[c[(v[i] >> shift) & 0xff]++] = v[i];
		t = v;
		v = tmp;
		tmp = t;
	}
	/* After an odd number of passes the sorted copy is the room. */
	if (v != sorted)
		memcpy(sorted, v, n * sizeof(*v));
}

/*
 * Sort v[0..n) with tmp[0..n) as room. An article has a few hundred
 * hashes, too few for four passes of 256 buckets each: they are spread by
 * their top bits (uniform hashes: a bucket holds one or none) and the
 * nearly sorted result finished by insertion. The buckets are at least
 * twice as many as the hashes, up to 256: the names of an article (a few
 * dozen) do not pay for clearing and summing 256 counts (measured: 10-15%
 * off an article's two sorts). Many go to radix_u32().
 */
#define SORT_SPREAD_MAX 4096
static void sort_u32(uint32_t *v, uint32_t *tmp, size_t n)
{
	uint32_t count[256], at = 0, k;
	unsigned bits = 4, shift;
	size_t i, j, nb;

	if (!n)
		return;
	if (n > SORT_SPREAD_MAX) {
		radix_u32(v, tmp, n);
		return;
	}
	while (bits < 8 && ((size_t)1 << bits) < 2 * n)
		bits++;
	shift = 32 - bits;
	nb = (size_t)1 << bits;
	memset(count, 0, nb * sizeof(*count));
	for (i = 0; i < n; i++)
		count[v[i] >> shift]++;
	for (i = 0; i < nb; i++) {
		k = count[i];
		count[i] = at;
		at += k;
	}
	for (i = 0; i < n; i++)
		tmp[count[v[i] >> shift]++] = v[i];
	/* Mostly in place already: one comparison each, the moving loop
	 * entered only for one out of place. */
	v[0] = tmp[0];
	for (i = 1; i < n; i++) {
		uint32_t x = tmp[i];

		j = i;
		if (v[j - 1] > x)
			do {
				v[j] = v[j - 1];
				j--;
			} while (j > 0 && v[j - 1] > x);
		v[j] = x;
	}
}

/* Does a outweigh b (heavier, or as heavy with a lower hash)? */
static int outweighs(const struct feat *a, const struct feat *b)
{
	return a->w > b->w || (a->w == b->w && a->h < b->h);
}

/* Room for the copy on the stack: story vectors are at most 256 + 128. */
#define N_LOCAL 512

/* feat_keep_heaviest() by comparing the features themselves (any weights). */
static size_t keep_heaviest_cmp(struct feat *fs, size_t n, size_t max)
{
	struct feat local[N_LOCAL], *w, pivot;
	size_t lo = 0, hi, k = max, i, j, kept;

	/* Quickselect the max-th heaviest (by outweighs) on a copy. */
	w = n <= N_LOCAL ? local : malloc(n * sizeof(*w));
	if (!w) {
		/* No room: fall back to sorting in place. */
		qsort(fs, n, sizeof(*fs), cmp_feat_w);
		qsort(fs, max, sizeof(*fs), cmp_feat_h);
		return max;
	}
	memcpy(w, fs, n * sizeof(*w));
	hi = n;
	for (;;) {
		struct feat t;
		size_t store = lo;

		pivot = w[lo + (hi - lo) / 2];
		/* Partition: those outweighing the pivot first. */
		for (i = lo; i < hi; i++)
			if (outweighs(&w[i], &pivot)) {
				t = w[i];
				w[i] = w[store];
				w[store++] = t;
			}
		if (store - lo >= k) {
			hi = store;
			continue;
		}
		k -= store - lo;
		if (k == 1)
			break; /* the pivot is the max-th */
		/* Drop the pivot itself, then go on among the rest. */
		for (i = store; i < hi; i++)
			if (w[i].h == pivot.h) {
				w[i] = w[store];
				w[store] = pivot;
				break;
			}
		lo = store + 1;
		k--;
	}
	if (w != local)
		free(w);
	/* Keep what does not fall below the pivot, in hash order. */
	for (i = 0, j = 0, kept = 0; i < n; i++)
		if (!outweighs(&pivot, &fs[i])) {
			fs[j++] = fs[i];
			kept++;
		}
	return kept;
}

/*
 * The k-th largest (k from 1) of the distinct keys v[0..n), n >= k: a
 * quickselect whose partition is a comparison of integers.
 */
uint64_t feat_kth_largest(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	for (;;) {
		uint64_t pivot = v[lo + (hi - lo) / 2], t;
		size_t i, store = lo;

		/* Those above the pivot first, without a branch to guess: a
		 * key not above it is swapped into the place after them,
		 * which the next one takes. */
		for (i = lo; i < hi; i++) {
			t = v[i];
			v[i] = v[store];
			v[store] = t;
			store += t > pivot;
		}
		if (store - lo >= k) {
			hi = store;
			continue;
		}
		k -= store - lo;
		if (k == 1)
			return pivot;
		for (i = store; v[i] != pivot; i++)
			;
		v[i] = v[store];
		v[store] = pivot;
		lo = store + 1;
		k--;
	}
}

size_t feat_keep_heaviest(struct feat *fs, size_t n, size_t max)
{
	uint64_t local[N_LOCAL], *key, pivot;
	size_t i, j;

	if (n <= max)
		return n;
	if (!max)
		return 0;
	key = n <= N_LOCAL ? local : malloc(n * sizeof(*key));
	if (!key)
		return keep_heaviest_cmp(fs, n, max);
	/*
	 * A weight of at least +0 orders as its bits do: the weight's bits
	 * over the hash's complement order the features as outweighs()
	 * does, heaviest (then lowest hash) largest. Weights are sums of
	 * positive tf-idf; anything else is compared the long way.
	 */
	for (i = 0; i < n; i++) {
		uint32_t w;

		memcpy(&w, &fs[i].w, sizeof(w));
		if (w >= 0x7f800000u) { /* negative, infinite or NaN */
			if (key != local)
				free(key);
			return keep_heaviest_cmp(fs, n, max);
		}
		key[i] = (uint64_t)w << 32 | (uint32_t)~fs[i].h;
	}
	pivot = feat_kth_largest(key, n, max);
	/* Keep those from the pivot up, in their (hash) order (the keys
	 * were moved by the selection: made again). */
	for (i = 0, j = 0; i < n; i++) {
		uint32_t w;

		memcpy(&w, &fs[i].w, sizeof(w));
		fs[j] = fs[i];
		j += ((uint64_t)w << 32 | (uint32_t)~fs[i].h) >= pivot;
	}
	if (key != local)
		free(key);
	return j;
}

/*
 * Weigh the hashes hs[0..n) (any order, repeats counted) into at most max
 * unit-normalised features, sorted by hash, into out; counts each distinct
 * hash into df when count is set. scratch holds 2n entries.
 */
/* Fold hs[0..n) to 32 bits into *v (grown as needed) and sort it. */
static int fold_sort(const uint64_t *hs, size_t n, uint32_t **v, size_t *cap,
		     uint32_t **tmp, size_t *tmp_cap)
{
	size_t i;

	if (!n)
		return 0;
	if (n > *cap) {
		/* Room to spare: each of the pipeline's hundreds of jobs
		 * would otherwise grow its arrays a few hashes at a time,
		 * a realloc (and copy) for most of its first articles. */
		size_t c = n < 2 * *cap ? 2 * *cap : n < 256 ? 256 : n;
		uint32_t *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return CHORUS_ENOMEM;
		*v = p;
		*cap = c;
	}
	if (n > *tmp_cap) {
		size_t c = n < 2 * *tmp_cap ? 2 * *tmp_cap : n < 256 ? 256 : n;
		uint32_t *p = realloc(*tmp, c * sizeof(*p));

		if (!p)
			return CHORUS_ENOMEM;
		*tmp = p;
		*tmp_cap = c;
	}
	for (i = 0; i < n; i++)
		(*v)[i] = fold32(hs[i]);
	sort_u32(*v, *tmp, n);
	return 0;
}

int features_sort(const struct chorus_text_analysis *an, struct feat_sorted *s)
{
	int rc = fold_sort(an->terms, an->n_terms, &s->terms, &s->cap_terms,
			   &s->tmp, &s->cap_tmp);

	if (!rc)
		rc = fold_sort(an->names, an->n_names, &s->names, &s->cap_names,
			       &s->tmp, &s->cap_tmp);
	s->n_terms = rc ? 0 : an->n_terms;
	s->n_names = rc ? 0 : an->n_names;
	return rc;
}

void features_sorted_release(struct feat_sorted *s)
{
	free(s->terms);
	free(s->names);
	free(s->tmp);
	memset(s, 0, sizeof(*s));
}

/* Distinct features weighed on the stack up to this many, else malloc. */
#define WEIGH_LOCAL 1024
/*
 * How far ahead of the distinct hash being weighed its df slot is asked
 * for. One at a time, spread over the loop: all of an article's slots
 * asked for at once, an article ahead (some 200 lines), filled the
 * core's line-fill buffers and stalled on them; this way weighing went
 * from 9.1% to 6.3% of the 150k benchmark's samples.
 */
#define WEIGH_AHEAD 16

/*
 * Weigh the sorted hashes hs[0..n) (repeats counted) into at most max
 * unit-normalised features, sorted by hash, into out; counts each distinct
 * hash into df when count is set.
 */
static int weigh(const uint32_t *hs, size_t n, struct df_table *df, int count,
		 struct feat *out, size_t max, uint32_t *n_out)
{
	struct feat local[WEIGH_LOCAL], *fs = local;
	uint32_t local_tf[WEIGH_LOCAL], *tf = local_tf;
	size_t i, d, k = 0;
	double sum = 0, norm;

	*n_out = 0;
	if (n > WEIGH_LOCAL) {
		fs = malloc(n * (sizeof(*fs) + sizeof(*tf)));
		if (!fs)
			return CHORUS_ENOMEM;
		tf = (uint32_t *)(void *)(fs + n);
	}
	/* The distinct hashes (hs is sorted) and how often each comes, in
	 * one pass. */
	for (i = 0; i < n; i++) {
		if (k && hs[i] == fs[k - 1].h) {
			tf[k - 1]++;
			continue;
		}
		fs[k].h = hs[i];
		tf[k++] = 1;
	}
	for (d = 0; d < k && d < WEIGH_AHEAD; d++)
		df_prefetch(df, fs[d].h);
	for (d = 0; d < k; d++) {
		uint32_t c;

		/* Each slot is a miss in a table of megabytes: the one
		 * WEIGH_AHEAD on is asked for as this one is worked. */
		if (d + WEIGH_AHEAD < k)
			df_prefetch(df, fs[d + WEIGH_AHEAD].h);
		if (!count)
			c = df_get(df, fs[d].h);
		else if (df_add_count(df, fs[d].h, &c)) {
			if (fs != local)
				free(fs);
			return CHORUS_ENOMEM;
		}
		fs[d].w =
		    (float)((1.0 + (tf[d] < DF_LOG_TF ? df->log_tf[tf[d]]
						      : log((double)tf[d]))) *
			    df_idf_of(df, c));
		sum += (double)fs[d].w * fs[d].w;
	}
	if (k) {
		norm = sqrt(sum);
		for (i = 0; i < k; i++)
			fs[i].w = (float)(fs[i].w / norm);
		k = feat_keep_heaviest(fs, k, max);
		memcpy(out, fs, k * sizeof(*fs));
		*n_out = (uint32_t)k;
	}
	if (fs != local)
		free(fs);
	return 0;
}

/*
 * The lead names: the title's name keys that the body names too. A title
 * in Title Case makes every word a name; the body tells which are.
 */
static void lead_names(const struct chorus_text_analysis *an,
		       struct article_features *out)
{
	size_t i, j, k;

	out->n_lead = 0;
	for (i = 0; i < an->n_title_names && out->n_lead < FEAT_LEAD; i++) {
		uint32_t h = fold32(an->names[i]);

		for (k = 0; k < out->n_lead && out->lead[k] != h; k++)
			;
		if (k < out->n_lead)
			continue;
		for (j = an->n_title_names; j < an->n_names; j++)
			if (an->names[j] == an->names[i]) {
				out->lead[out->n_lead++] = h;
				break;
			}
	}
}

int features_from_sorted(const struct chorus_text_analysis *an,
			 const struct feat_sorted *sorted, struct df_table *df,
			 int count, struct article_features *out)
{
	size_t i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	out->text_hash = an->text_hash;
	out->n_years = (uint32_t)an->n_years;
	memcpy(out->years, an->years, an->n_years * sizeof(out->years[0]));
	out->n_dates = (uint32_t)an->n_dates;
	memcpy(out->dates, an->dates, an->n_dates * sizeof(out->dates[0]));
	memcpy(out->minhash, an->minhash, sizeof(out->minhash));
	/* Every article counts as a document, even one without words. */
	if (count)
		df->docs++;
	rc = weigh(sorted->terms, sorted->n_terms, df, count, out->terms,
		   FEAT_TERMS, &out->n_terms);
	if (!rc)
		rc = weigh(sorted->names, sorted->n_names, df, count,
			   out->names, FEAT_NAMES, &out->n_names);
	for (i = 0; !rc && i < an->n_head; i++) {
		uint32_t h = fold32(an->head[i]);

		for (k = 0; k < out->n_head && out->head[k] != h; k++)
			;
		if (k == out->n_head && out->n_head < FEAT_HEAD)
			out->head[out->n_head++] = h;
	}
	/* A few distinct hashes: an insertion sort. */
	for (i = 1; i < out->n_head; i++) {
		uint32_t x = out->head[i];

		for (k = i; k > 0 && out->head[k - 1] > x; k--)
			out->head[k] = out->head[k - 1];
		out->head[k] = x;
	}
	lead_names(an, out);
	return rc;
}

int features_from_analysis(const struct chorus_text_analysis *an,
			   struct df_table *df, int count,
			   struct article_features *out)
{
	struct feat_sorted sorted;
	int rc;

	memset(&sorted, 0, sizeof(sorted));
	rc = features_sort(an, &sorted);
	if (!rc)
		rc = features_from_sorted(an, &sorted, df, count, out);
	else
		memset(out, 0, sizeof(*out));
	features_sorted_release(&sorted);
	return rc;
}

double feat_dot(const struct feat *a, size_t na, const struct feat *b,
		size_t nb)
{
	size_t i = 0, j = 0;
	double s = 0;

	/* Branch-free steps: which side moves is data, not a jump the CPU
	 * must guess (scoring runs this some 4,000 times an article). The
	 * products are summed in hash order, as before. */
	while (i < na && j < nb) {
		uint32_t x = a[i].h, y = b[j].h;

		if (x == y)
			s += (double)a[i].w * b[j].w;
		i += x <= y;
		j += y <= x;
	}
	return s;
}

void feat_set_init(struct feat_set *s, const struct feat *v, size_t n)
{
	size_t i;

	memset(s->slot, 0, sizeof(s->slot));
	for (i = 0; i < n; i++) {
		uint8_t *t = &s->slot[v[i].h % FEAT_SET_SLOTS];

		*t = *t ? FEAT_SET_MANY : (uint8_t)(i + 1);
	}
	s->v = v;
	s->n = n;
}

/* b's feature j (hash h, weight w) against the set whose slot for h is t
 * (not 0): its product added to *sum when the set has h. */
static inline void set_one(const struct feat_set *s, uint32_t h, float w,
			   unsigned t, double *sum)
{
	size_t lo = 0, hi = s->n;

	if (t != FEAT_SET_MANY) {
		if (s->v[t - 1].h == h)
			*sum += (double)s->v[t - 1].w * w;
		return;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->v[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->v[lo].h == h)
		*sum += (double)s->v[lo].w * w;
}

static double set_dot_plain(const struct feat_set *s, const uint32_t *bh,
			    const float *bw, size_t nb)
{
	double sum = 0;
	size_t j;

	/* In b's (hash) order, as feat_dot() sums: the same double. */
	for (j = 0; j < nb; j++) {
		unsigned t = s->slot[bh[j] % FEAT_SET_SLOTS];

		if (t)
			set_one(s, bh[j], bw[j], t, &sum);
	}
	return sum;
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * The same, eight of b's hashes at a time: their slots gathered in one
 * instruction and the empty ones (most: a story's terms are not the
 * article's) passed over together; the rest are added one by one in b's
 * order, as set_dot_plain() adds them (no FMA: the same double).
 */
__attribute__((target("avx2"))) static double
set_dot_avx2(const struct feat_set *s, const uint32_t *bh, const float *bw,
	     size_t nb)
{
	const __m256i low = _mm256_set1_epi32(FEAT_SET_SLOTS - 1);
	const __m256i byte = _mm256_set1_epi32(0xff);
	double sum = 0;
	size_t j = 0;

	for (; j + 8 <= nb; j += 8) {
		__m256i h = _mm256_loadu_si256((const __m256i *)(bh + j));
		__m256i t = _mm256_and_si256(
		    _mm256_i32gather_epi32((const int *)(const void *)s->slot,
					   _mm256_and_si256(h, low), 1),
		    byte);
		unsigned m = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(
		    _mm256_cmpgt_epi32(t, _mm256_setzero_si256())));

		while (m) {
			unsigned k = (unsigned)__builtin_ctz(m);
			uint32_t x = bh[j + k];

			m &= m - 1;
			set_one(s, x, bw[j + k], s->slot[x % FEAT_SET_SLOTS],
				&sum);
		}
	}
	for (; j < nb; j++) {
		unsigned t = s->slot[bh[j] % FEAT_SET_SLOTS];

		if (t)
			set_one(s, bh[j], bw[j], t, &sum);
	}
	return sum;
}
#endif

double feat_set_dot(const struct feat_set *s, const uint32_t *bh,
		    const float *bw, size_t nb)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx2"))
		return set_dot_avx2(s, bh, bw, nb);
#endif
	return set_dot_plain(s, bh, bw, nb);
}

double feat_dot_split(const uint32_t *ah, const float *aw, size_t na,
		      const uint32_t *bh, const float *bw, size_t nb)
{
	size_t i = 0, j = 0;
	double s = 0;

	while (i < na && j < nb) {
		uint32_t x = ah[i], y = bh[j];

		if (x == y)
			s += (double)aw[i] * bw[j];
		i += x <= y;
		j += y <= x;
	}
	return s;
}

/* Layout: magic, text_hash, minhash[K], n_terms, n_names, n_head, n_years
 * (one byte each), then terms and names as (hash, weight) pairs, the
 * headline hashes and the years; then n_dates (one byte) and the dates,
 * n_lead (one byte) and the lead names. A "CHF2" blob (before dates) ends
 * after the years. */
int features_encode(const struct article_features *f, struct chorus_buf *out)
{
	unsigned char head[4 + 8 + 4 * CHORUS_MINHASH_K + 4];
	size_t i;
	int rc;

	chorus_buf_reset(out);
	put_u32(head, FEATURES_MAGIC);
	memcpy(head + 4, &f->text_hash, 8);
	for (i = 0; i < CHORUS_MINHASH_K; i++)
		put_u32(head + 12 + 4 * i, f->minhash[i]);
	head[12 + 4 * CHORUS_MINHASH_K] = (unsigned char)f->n_terms;
	head[13 + 4 * CHORUS_MINHASH_K] = (unsigned char)f->n_names;
	head[14 + 4 * CHORUS_MINHASH_K] = (unsigned char)f->n_head;
	head[15 + 4 * CHORUS_MINHASH_K] = (unsigned char)f->n_years;
	rc = chorus_buf_add(out, head, sizeof(head));
	if (!rc)
		rc = chorus_buf_add(out, f->terms,
				    f->n_terms * sizeof(f->terms[0]));
	if (!rc)
		rc = chorus_buf_add(out, f->names,
				    f->n_names * sizeof(f->names[0]));
	if (!rc)
		rc = chorus_buf_add(out, f->head,
				    f->n_head * sizeof(f->head[0]));
	if (!rc)
		rc = chorus_buf_add(out, f->years,
				    f->n_years * sizeof(f->years[0]));
	if (!rc) {
		unsigned char n = (unsigned char)f->n_dates;

		rc = chorus_buf_add(out, &n, 1);
	}
	if (!rc)
		rc = chorus_buf_add(out, f->dates,
				    f->n_dates * sizeof(f->dates[0]));
	if (!rc) {
		unsigned char n = (unsigned char)f->n_lead;

		rc = chorus_buf_add(out, &n, 1);
	}
	if (!rc)
		rc = chorus_buf_add(out, f->lead,
				    f->n_lead * sizeof(f->lead[0]));
	return rc;
}

int features_decode(const void *data, size_t len, struct article_features *f)
{
	const unsigned char *p = data;
	size_t hl = 4 + 8 + 4 * CHORUS_MINHASH_K + 4, i, need;
	int v2;

	memset(f, 0, sizeof(*f));
	if (!p || len < hl ||
	    (get_u32(p) != FEATURES_MAGIC && get_u32(p) != FEATURES_MAGIC_V2))
		return CHORUS_EPARSE;
	v2 = get_u32(p) == FEATURES_MAGIC_V2;
	memcpy(&f->text_hash, p + 4, 8);
	for (i = 0; i < CHORUS_MINHASH_K; i++)
		f->minhash[i] = get_u32(p + 12 + 4 * i);
	f->n_terms = p[12 + 4 * CHORUS_MINHASH_K];
	f->n_names = p[13 + 4 * CHORUS_MINHASH_K];
	f->n_head = p[14 + 4 * CHORUS_MINHASH_K];
	f->n_years = p[15 + 4 * CHORUS_MINHASH_K];
	need = hl + f->n_terms * sizeof(f->terms[0]) +
	       f->n_names * sizeof(f->names[0]) +
	       f->n_head * sizeof(f->head[0]) +
	       f->n_years * sizeof(f->years[0]);
	if (!v2 && len > need) {
		f->n_dates = p[need];
		need += 1 + f->n_dates * sizeof(f->dates[0]);
	} else if (!v2) {
		need++; /* the count of dates is missing */
	}
	if (!v2 && len > need) {
		f->n_lead = p[need];
		need += 1 + f->n_lead * sizeof(f->lead[0]);
	} else if (!v2) {
		need++; /* the count of lead names is missing */
	}
	if (f->n_terms > FEAT_TERMS || f->n_names > FEAT_NAMES ||
	    f->n_head > FEAT_HEAD || f->n_years > CHORUS_YEARS_MAX ||
	    f->n_dates > CHORUS_DATES_MAX || f->n_lead > FEAT_LEAD ||
	    len != need) {
		memset(f, 0, sizeof(*f));
		return CHORUS_EPARSE;
	}
	p += hl;
	memcpy(f->terms, p, f->n_terms * sizeof(f->terms[0]));
	p += f->n_terms * sizeof(f->terms[0]);
	memcpy(f->names, p, f->n_names * sizeof(f->names[0]));
	p += f->n_names * sizeof(f->names[0]);
	memcpy(f->head, p, f->n_head * sizeof(f->head[0]));
	p += f->n_head * sizeof(f->head[0]);
	memcpy(f->years, p, f->n_years * sizeof(f->years[0]));
	p += f->n_years * sizeof(f->years[0]);
	if (!v2) {
		memcpy(f->dates, p + 1, f->n_dates * sizeof(f->dates[0]));
		p += 1 + f->n_dates * sizeof(f->dates[0]);
		memcpy(f->lead, p + 1, f->n_lead * sizeof(f->lead[0]));
	}
	return 0;
}
