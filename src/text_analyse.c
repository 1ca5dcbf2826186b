/*
 * One-pass analysis of an article for the clusterer (see struct
 * chorus_text_analysis in include/chorus/text.h): content terms, name
 * keys, headline terms, a MinHash fingerprint and a text hash.
 *
 * Speed matters here: a benchmark corpus holds half a million articles of
 * some two hundred words. So each distinct word is folded, stop-checked
 * and stemmed (libstemmer) once, and what it gave is cached under a hash
 * of its raw bytes and the language; every later occurrence costs one
 * hash and one table probe. The text is scanned a byte class at a time
 * (ASCII letters eight bytes at a time, two-byte letters from a table),
 * a batch of words ahead of the lookups so that their cache misses
 * overlap; words of ASCII and two-byte letters are folded without
 * utf8proc. A text without a language tag is read once: its first words,
 * looked up as English to detect its language, are kept for its analysis.
 * Each step keeps the results bit-identical to the plain way of doing it
 * (tests/unit/test_text.c checks the shortcuts against utf8proc and
 * chorus_text_terms(); tests/bench/analyse dumps every result to compare).
 *
 * Names follow chorus_text_names(): runs of capitalised words, a run
 * needing two words or a start inside a sentence. Each word of a run gives
 * its chorus_text_name_key(), so "Steve Witkoff" and a later lone
 * "Witkopf" share the key of the surname.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
/* xxhash inlined: a word's hash is a few instructions for a short word,
 * less than the call into the shared library costs. Same hashes. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "chorus/date.h"
#include "chorus/text.h"
#include "text_int.h"

/* Common short words by language: detection, and stop words beyond
 * English (English uses chorus_text_is_stopword()). Each list sorted. */
static const char *const words_de[] = {
    "aber",  "als",   "auch", "auf",   "aus", "bei",   "bis", "das",  "dass",
    "dem",   "den",   "der",  "des",   "die", "durch", "ein", "eine", "einem",
    "einen", "einer", "es",   "für",   "hat", "ich",   "ist", "mit",  "nach",
    "nicht", "noch",  "oder", "sich",  "sie", "sind",  "und", "von",  "war",
    "wie",   "wir",   "wird", "wurde", "zu",  "zum",   "zur", "über",
};
static const char *const words_fr[] = {
    "au",   "aux", "avec", "ce",  "ces",  "cette", "dans", "de",  "des", "du",
    "elle", "en",  "est",  "et",  "il",	  "ils",   "la",   "le",  "les", "leur",
    "mais", "ne",  "nous", "par", "pas",  "plus",  "pour", "qu",  "que", "qui",
    "sa",   "se",  "ses",  "son", "sont", "sur",   "un",   "une",
};
static const char *const words_es[] = {
    "al",  "como", "con", "de",	 "del", "el",  "en",  "es",   "esta", "este",
    "fue", "ha",   "la",  "las", "lo",	"los", "más", "para", "pero", "por",
    "que", "se",   "sin", "su",	 "sus", "un",  "una", "y",
};
static const char *const words_it[] = {
    "al",  "alla", "che", "con", "da",	 "dal", "del", "della", "di",
    "e",   "gli",  "ha",  "il",	 "in",	 "la",	"le",  "nel",	"nella",
    "non", "per",  "più", "si",	 "sono", "su",	"un",  "una",
};
static const char *const words_pt[] = {
    "ao", "as",	  "com",  "como", "da",	 "das", "de", "do",  "dos",
    "e",  "em",	  "foi",  "mais", "na",	 "nas", "no", "nos", "não",
    "os", "para", "pela", "pelo", "por", "que", "se", "um",  "uma",
};
static const char *const words_nl[] = {
    "aan", "als",  "bij",   "dat", "de",   "die",   "een",
    "en",  "er",   "heeft", "het", "hij",  "in",    "is",
    "met", "niet", "nog",   "om",  "ook",  "op",    "over",
    "te",  "van",  "voor",  "was", "werd", "wordt", "zijn",
};
static const char *const words_ru[] = {
    "в",  "во",	 "все", "для", "до", "его", "же",  "за", "и",
    "из", "к",	 "как", "на",  "не", "но",  "о",   "он", "от",
    "по", "при", "с",	"так", "то", "что", "это",
};
static const char *const words_en[] = {
    "a",    "and",  "are", "as",  "at",	  "be",	   "by",   "for",  "from",
    "has",  "have", "he",  "in",  "is",	  "it",	   "of",   "on",   "said",
    "that", "the",  "to",  "was", "were", "which", "will", "with",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct lang {
	const char *code;
	const char *const *words;
	size_t n;
} langs[] = {
    {"en", words_en, N_OF(words_en)}, {"de", words_de, N_OF(words_de)},
    {"fr", words_fr, N_OF(words_fr)}, {"es", words_es, N_OF(words_es)},
    {"it", words_it, N_OF(words_it)}, {"pt", words_pt, N_OF(words_pt)},
    {"nl", words_nl, N_OF(words_nl)}, {"ru", words_ru, N_OF(words_ru)},
};

/* Languages the stemmer knows beyond those detected (index >= N_OF). */
static const char *const stem_only[] = {"ar", "da", "el", "fi", "hu",
					"no", "ro", "sv", "tr"};
#define N_LANG (N_OF(langs) + N_OF(stem_only))

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static int in_list(const struct lang *l, const char *w, size_t len)
{
	char tmp[32];

	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, w, len);
	tmp[len] = '\0';
	return bsearch(tmp, l->words, l->n, sizeof(l->words[0]), cmp_word) !=
	       NULL;
}

/* The index of language tag lang in langs/stem_only, or -1. */
static int lang_index(const char *lang)
{
	size_t i;

	if (!lang || !lang[0] || !lang[1] ||
	    (lang[2] && lang[2] != '-' && lang[2] != '_'))
		return -1;
	for (i = 0; i < N_LANG; i++) {
		const char *code = i < N_OF(langs) ? langs[i].code
						   : stem_only[i - N_OF(langs)];

		if ((lang[0] | 0x20) == code[0] && (lang[1] | 0x20) == code[1])
			return (int)i;
	}
	return -1;
}

static const char *lang_code(size_t i)
{
	return i < N_OF(langs) ? langs[i].code : stem_only[i - N_OF(langs)];
}

static int ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* What a byte is to the word scanner: ASCII classes (B_END: a sentence
 * or line ends), a lead byte, or the NUL that ends the text. */
enum byte_class { B_OTHER, B_WORD, B_END, B_HIGH, B_NUL };

/* clang-format off */
#define O_ B_OTHER
#define W_ B_WORD
#define E_ B_END
#define H_ B_HIGH
#define N_ B_NUL
static const uint8_t byte_class[256] = {
	N_, O_, O_, O_, O_, O_, O_, O_, O_, O_, E_, O_, O_, O_, O_, O_,
	O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
	O_, E_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, E_, O_,
	W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, E_, E_, O_, O_, O_, E_,
	O_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_,
	W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, O_, O_, O_, O_, O_,
	O_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_,
	W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, O_, O_, O_, O_, O_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
};
#undef O_
#undef N_
#undef W_
#undef E_
#undef H_
/* clang-format on */

/* Code points U+0080-U+07FF (two UTF-8 bytes: accented Latin, Greek,
 * Cyrillic, Hebrew, Arabic) that make words, one bit each. */
#define WORD2_BITS 0x800

/*
 * Does the non-ASCII character at p[i] make a word? Returns its length in
 * bytes, or -1 where the bytes are no valid UTF-8 (as utf8proc_iterate()
 * decides). word2 (may be NULL) answers for two-byte characters without
 * asking utf8proc.
 */
static int high_char(const uint8_t *p, size_t len, size_t i,
		     const uint8_t *word2, int *is_word)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	if (word2 && p[i] >= 0xC2 && p[i] <= 0xDF && i + 1 < len &&
	    (p[i + 1] & 0xC0) == 0x80) {
		unsigned v = ((unsigned)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);

		*is_word = (word2[v >> 3] >> (v & 7)) & 1;
		return 2;
	}
	n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
	if (n < 0)
		return -1;
	*is_word = text_is_word_cp(cp);
	return (int)n;
}

#define BYTES(x) ((uint64_t)(x)*0x0101010101010101ULL)

/*
 * Where the run of ASCII letters and digits from p[i] ends. Eight bytes
 * at a time where the text allows (a word is read in one step, not one
 * table look-up a letter): each byte's high bit says whether it is a
 * letter or digit, by adding to the bytes (high bits cleared, so no carry
 * crosses a byte) the distance of each range's ends from 0x80.
 */
static inline size_t ascii_word_end(const uint8_t *p, size_t len, size_t i)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (i + 8 <= len) {
		uint64_t x, y, l, digit, alpha, stop;

		memcpy(&x, p + i, 8);
		y = x & BYTES(0x7F);
		l = y | BYTES(0x20);
		digit = (y + BYTES(0x80 - '0')) & ~(y + BYTES(0x80 - '9' - 1));
		alpha = (l + BYTES(0x80 - 'a')) & ~(l + BYTES(0x80 - 'z' - 1));
		stop = ~((digit | alpha) & ~x) & BYTES(0x80);
		if (stop)
			return i + ((size_t)__builtin_ctzll(stop) >> 3);
		i += 8;
	}
#endif
	while (byte_class[p[i]] == B_WORD)
		i++;
	return i;
}

/*
 * The next word of p[*io..len): sets *start and *wlen and returns 1, or 0
 * at the end. *boundary receives 1 when a sentence (or line) ended
 * between the previous word and this one. word2: see high_char(). p is a
 * C string of length len: its NUL, and only that, stops the scanning.
 */
static inline int next_word(const uint8_t *p, size_t len, size_t *io,
			    size_t *start, size_t *wlen, int *boundary,
			    const uint8_t *word2)
{
	size_t i = *io;
	int b = 0, n, w;
	uint8_t cls;

	for (;;) {
		cls = byte_class[p[i]];
		if (cls == B_WORD)
			break;
		if (cls < B_HIGH) {
			b |= cls == B_END;
			i++;
			continue;
		}
		if (cls == B_NUL) {
			*io = i;
			*boundary = b;
			return 0;
		}
		n = high_char(p, len, i, word2, &w);
		if (n < 0) {
			i++;
			continue;
		}
		if (w)
			break;
		i += (size_t)n;
	}
	*boundary = b;
	*start = i;
	for (;;) {
		i = ascii_word_end(p, len, i);
		if (byte_class[p[i]] != B_HIGH)
			break;
		n = high_char(p, len, i, word2, &w);
		if (n < 0 || !w)
			break;
		i += (size_t)n;
	}
	*wlen = i - *start;
	*io = i;
	/* A possessive 's is not part of the word: "Trump's" is "Trump". */
	if ((p[i] == '\'' || p[i] == 0xE2) && i + 1 < len) {
		size_t j = i + (p[i] == '\'' ? 1 : 3);

		if (p[i] == 0xE2 &&
		    !(i + 2 < len && p[i + 1] == 0x80 && p[i + 2] == 0x99))
			return 1;
		if (j < len && (p[j] == 's' || p[j] == 'S') &&
		    (j + 1 >= len ||
		     (p[j + 1] < 0x80 && !ascii_word(p[j + 1]))))
			*io = j + 1;
	}
	return 1;
}

/* Fold one word: ASCII by hand, the rest through utf8proc. */
static int fold_word(const char *w, size_t len, struct chorus_buf *out)
{
	size_t k;
	int rc;

	chorus_buf_reset(out);
	for (k = 0; k < len && (unsigned char)w[k] < 0x80; k++)
		;
	if (k < len)
		return chorus_text_fold(w, len, out);
	rc = chorus_buf_add(out, w, len);
	for (k = 0; !rc && k < len; k++)
		if (out->data[k] >= 'A' && out->data[k] <= 'Z')
			out->data[k] = (char)(out->data[k] + 32);
	return rc;
}

static int is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}

/* The consonant class of c, for the skeleton. */
static char consonant_class(char c)
{
	switch (c) {
	case 'c':
	case 'q':
		return 'k';
	case 'v':
	case 'w':
		return 'f';
	case 'z':
		return 's';
	default:
		return c;
	}
}

/* chorus_text_name_key() of a word already folded (f[0..flen)). */
static int name_key_folded(const char *f, size_t flen, struct chorus_buf *out)
{
	size_t start = out->len, i;
	char last = 0;
	int rc;

	for (i = 0; i < flen; i++)
		if (!(f[i] >= 'a' && f[i] <= 'z'))
			break;
	if (i < flen || flen < 5)
		return chorus_buf_add(out, f, flen);
	rc = chorus_buf_addc(out, f[0]);
	last = consonant_class(f[0]);
	for (i = 1; !rc && i < flen; i++) {
		char c = f[i], k;

		if (is_vowel(c))
			continue;
		/* "ph" and "pf" sound f: take the p as the f. */
		if (c == 'p' && i + 1 < flen &&
		    (f[i + 1] == 'h' || f[i + 1] == 'f')) {
			c = 'f';
			i++;
		}
		/* An h after a consonant only colours it ("kh", "sh"). */
		if (c == 'h' && i > 0 && !is_vowel(f[i - 1]))
			continue;
		k = consonant_class(c);
		if (k == last)
			continue;
		last = k;
		rc = chorus_buf_addc(out, k);
	}
	if (rc)
		out->len = start;
	return rc;
}

int chorus_text_name_key(const char *word, size_t len, struct chorus_buf *out)
{
	struct chorus_buf f = CHORUS_BUF_INIT;
	int rc = fold_word(word, len, &f);

	if (!rc)
		rc = name_key_folded(f.data, f.len, out);
	chorus_buf_release(&f);
	return rc;
}

/* Words read to guess a language: enough for function words to show. */
#define DETECT_WORDS 150

const char *chorus_text_detect_language(const char *text)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t len = strlen(text), i = 0, start, wlen, words = 0, l;
	size_t hits[N_OF(langs)] = {0};
	struct chorus_buf f = CHORUS_BUF_INIT;
	int boundary;
	size_t best = 0;

	while (words < DETECT_WORDS &&
	       next_word(p, len, &i, &start, &wlen, &boundary, NULL)) {
		words++;
		if (wlen > 12 || fold_word(text + start, wlen, &f))
			continue;
		for (l = 0; l < N_OF(langs); l++)
			hits[l] += in_list(&langs[l], f.data, f.len);
	}
	chorus_buf_release(&f);
	for (l = 1; l < N_OF(langs); l++)
		if (hits[l] > hits[best])
			best = l;
	/* Too few function words to tell: let the caller default. */
	if (hits[best] < 3 || hits[best] * 20 < words)
		return NULL;
	return langs[best].code;
}

uint64_t chorus_text_term_hash(const char *stem, size_t len)
{
	return XXH3_64bits_withSeed(stem, len, 0x74); /* 't' */
}

uint64_t chorus_text_name_hash(const char *key, size_t len)
{
	return XXH3_64bits_withSeed(key, len, 0x6e); /* 'n' */
}

/*
 * The short words of every list (langs[], and English stop words) in one
 * open-addressing table: one probe tells which lists hold a folded word,
 * where a binary search per list took a dozen strcmp() calls.
 */
#define FW_SLOTS 1024 /* a power of two, more than twice the words */
#define FW_STOP_EN (1u << N_OF(langs)) /* chorus_text_stopword_list */

struct function_word {
	const char *w; /* in its list */
	size_t len;
	unsigned mask; /* lists holding it: bit l for langs[l]; 0: free */
};

static size_t fw_slot(const char *w, size_t len)
{
	return (size_t)XXH3_64bits(w, len) & (FW_SLOTS - 1);
}

/* The lists holding folded word w. */
static unsigned fw_mask(const struct function_word *fw, const char *w,
			size_t len)
{
	size_t s;

	for (s = fw_slot(w, len); fw[s].mask; s = (s + 1) & (FW_SLOTS - 1))
		if (fw[s].len == len && !memcmp(fw[s].w, w, len))
			return fw[s].mask;
	return 0;
}

static void fw_add(struct function_word *fw, const char *w, unsigned bit)
{
	size_t len = strlen(w), s;

	for (s = fw_slot(w, len); fw[s].mask; s = (s + 1) & (FW_SLOTS - 1))
		if (fw[s].len == len && !memcmp(fw[s].w, w, len))
			break;
	fw[s].mask |= bit;
	fw[s].len = len;
	fw[s].w = w;
}

static void fw_build(struct function_word *fw)
{
	size_t l, k;

	for (l = 0; l < N_OF(langs); l++)
		for (k = 0; k < langs[l].n; k++)
			fw_add(fw, langs[l].words[k], 1u << l);
	for (k = 0; k < chorus_text_stopword_count; k++)
		fw_add(fw, chorus_text_stopword_list[k], FW_STOP_EN);
}

/*
 * What a two-byte character folds to on its own, worked out on first
 * use. Folding (NFKC, case fold, marks stripped) acts on each character
 * apart but for composition, and once marks are stripped nothing in this
 * range composes with its neighbour (only Hangul jamo, three bytes, do),
 * so a word of ASCII and two-byte characters folds to the foldings of its
 * characters end to end, without a call into utf8proc.
 */
#define FOLD2_MAX 7
#define FOLD2_UNKNOWN 0 /* len: not worked out yet */
#define FOLD2_SLOW 0xFF /* len: longer than FOLD2_MAX, or no letter */

struct fold2 {
	uint8_t len; /* FOLD2_UNKNOWN, FOLD2_SLOW, or 1 + bytes in b */
	char b[FOLD2_MAX];
};

/* What one distinct word (raw bytes, in one language) gave. */
struct word_info {
	uint64_t key;  /* hash of the raw bytes and language; 0: empty slot */
	uint64_t term; /* its stem's hash, 0 for a stop word */
	uint64_t name; /* its name key's hash */
	uint8_t capital;
	uint8_t stop;
	uint8_t has_langs; /* langs worked out (English entries only) */
	uint16_t langs;	   /* the detection lists holding the word */
};

/* At most this many cached words (32 bytes each): beyond, no caching. */
#define CACHE_MAX ((size_t)1 << 22)

/*
 * Words are read a batch at a time: the batch's cache slots are all
 * asked of memory before the first is looked at, so in a big vocabulary
 * their misses overlap instead of following one another.
 */
#define BATCH 32

/* A word found in the text, and its cache key. */
struct token {
	size_t start, len;
	uint64_t key;
	int boundary;
};

/* The least MinHash values of shingle hashes: see minhash_mins(). */
typedef void minhash_fn(const uint64_t *a, const uint64_t *b, const uint64_t *h,
			size_t n, uint32_t *mins);
static minhash_fn *minhash_pick(void);

struct chorus_text_analyser {
	struct chorus_stemmer *stemmers[N_LANG];
	struct word_info *cache;
	size_t cap, n; /* cap a power of two */
	struct chorus_buf fold, key;
	uint64_t mh_a[CHORUS_MINHASH_K], mh_b[CHORUS_MINHASH_K];
	minhash_fn *mh_mins; /* minhash_mins() or its copy for the processor */
	uint8_t word2[WORD2_BITS / 8]; /* see high_char() */
	struct fold2 fold2[WORD2_BITS - 0x80];
	struct function_word fw[FW_SLOTS];
	/* The body's first words, read (and looked up in English) to detect
	 * its language, kept for its analysis. */
	struct token det[DETECT_WORDS];
	struct word_info det_wi[DETECT_WORDS];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int chorus_text_analyser_new(struct chorus_text_analyser **out)
{
	struct chorus_text_analyser *an = calloc(1, sizeof(*an));
	uint64_t seed = 0x63686f727573ULL; /* "chorus": fixed, so stable */
	size_t k;

	*out = NULL;
	if (!an)
		return CHORUS_ENOMEM;
	an->cap = 1 << 14;
	an->cache = calloc(an->cap, sizeof(*an->cache));
	if (!an->cache) {
		free(an);
		return CHORUS_ENOMEM;
	}
	chorus_buf_init(&an->fold, 0);
	chorus_buf_init(&an->key, 0);
	for (k = 0; k < CHORUS_MINHASH_K; k++) {
		an->mh_a[k] = splitmix64(&seed) | 1;
		an->mh_b[k] = splitmix64(&seed);
	}
	an->mh_mins = minhash_pick();
	fw_build(an->fw);
	for (k = 0x80; k < WORD2_BITS; k++)
		if (text_is_word_cp((utf8proc_int32_t)k))
			an->word2[k >> 3] |= (uint8_t)(1u << (k & 7));
	*out = an;
	return 0;
}

void chorus_text_analyser_free(struct chorus_text_analyser *an)
{
	size_t i;

	if (!an)
		return;
	for (i = 0; i < N_LANG; i++)
		chorus_stemmer_free(an->stemmers[i]);
	free(an->cache);
	chorus_buf_release(&an->fold);
	chorus_buf_release(&an->key);
	free(an);
}

static int cache_grow(struct chorus_text_analyser *an)
{
	size_t cap = an->cap * 2, i;
	/* Probes land anywhere in a cache of some megabytes: in 4 KB pages
	 * most of them miss the TLB too (measured: 4% of the analysis in the
	 * 50k benchmark), hence a table in huge pages. */
	struct word_info *c = chorus_table_calloc(cap, sizeof(*c));

	if (!c)
		return CHORUS_ENOMEM;
	for (i = 0; i < an->cap; i++) {
		size_t s;

		if (!an->cache[i].key)
			continue;
		s = (size_t)an->cache[i].key & (cap - 1);
		while (c[s].key)
			s = (s + 1) & (cap - 1);
		c[s] = an->cache[i];
	}
	free(an->cache);
	an->cache = c;
	an->cap = cap;
	return 0;
}

/* The folding of two-byte character p[0..2) (a letter), or NULL. */
static const struct fold2 *fold2_of(struct chorus_text_analyser *an,
				    const uint8_t *p)
{
	unsigned cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
	struct fold2 *e = &an->fold2[cp - 0x80];

	if (e->len == FOLD2_UNKNOWN) {
		struct chorus_buf f = CHORUS_BUF_INIT;

		e->len = FOLD2_SLOW;
		if (!chorus_text_fold((const char *)p, 2, &f) &&
		    f.len <= FOLD2_MAX) {
			memcpy(e->b, f.data, f.len);
			e->len = (uint8_t)(f.len + 1);
		}
		chorus_buf_release(&f);
	}
	return e->len == FOLD2_SLOW ? NULL : e;
}

/* Words of at most this many bytes are folded through an->fold2. */
#define FOLD_FAST_MAX 32

/* fold_word(), through the foldings of two-byte characters the
 * analyser keeps: utf8proc only for longer or rarer words. */
static int fold_fast(struct chorus_text_analyser *an, const char *w, size_t len,
		     struct chorus_buf *out)
{
	const uint8_t *p = (const uint8_t *)w;
	char tmp[FOLD_FAST_MAX * FOLD2_MAX];
	size_t k = 0, n = 0;

	if (len > FOLD_FAST_MAX)
		return fold_word(w, len, out);
	while (k < len) {
		const struct fold2 *e;

		if (p[k] < 0x80) {
			tmp[n++] = (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32
								     : p[k]);
			k++;
			continue;
		}
		if (!(p[k] >= 0xC2 && p[k] <= 0xDF && k + 1 < len &&
		      (p[k + 1] & 0xC0) == 0x80) ||
		    !(e = fold2_of(an, p + k)))
			return fold_word(w, len, out);
		memcpy(tmp + n, e->b, (size_t)e->len - 1);
		n += (size_t)e->len - 1;
		k += 2;
	}
	chorus_buf_reset(out);
	return chorus_buf_add(out, tmp, n);
}

/* The lists holding word w (raw length len, folded in an->fold). */
static unsigned word_lists(const struct chorus_text_analyser *an)
{
	return fw_mask(an->fw, an->fold.data, an->fold.len);
}

/* The detection lists (langs[]) of w, from its lists: short words only. */
static uint16_t word_langs(unsigned lists, size_t len)
{
	return len <= 12 ? (uint16_t)(lists & ((1u << N_OF(langs)) - 1)) : 0;
}

/* Is w (folded length flen, lists its lists) a stop word of language li?
 * English, and the languages only stemmed, take the English stop words. */
static int stop_of(size_t li, unsigned lists, size_t flen)
{
	if (flen < 2)
		return 1;
	if (li == 0 || li >= N_OF(langs))
		return (lists & FW_STOP_EN) != 0;
	return (lists >> li) & 1;
}

/* The cache key of word w in language li (never 0: 0 marks free). */
static uint64_t word_key(size_t li, const char *w, size_t len)
{
	uint64_t key = XXH3_64bits_withSeed(w, len, (uint64_t)li + 1);

	return key ? key : 1;
}

/* The cache entry under key when it sits in its first slot (as most
 * do), or NULL: then word_lookup_key(). Valid until the next lookup. */
static inline const struct word_info *
cache_hit(const struct chorus_text_analyser *an, uint64_t key)
{
	const struct word_info *e = &an->cache[(size_t)key & (an->cap - 1)];

	return e->key == key ? e : NULL;
}

/* The cache entry under key, or NULL. */
static const struct word_info *cache_find(const struct chorus_text_analyser *an,
					  uint64_t key)
{
	size_t mask = an->cap - 1, s = (size_t)key & mask;

	for (; an->cache[s].key; s = (s + 1) & mask)
		if (an->cache[s].key == key)
			return &an->cache[s];
	return NULL;
}

/*
 * For an ASCII word w with capitals, folded in an->fold (its lower case),
 * the cached entry of that lower-case word in language li, if any: its
 * stem is this word's too.
 */
static const struct word_info *
lower_variant(const struct chorus_text_analyser *an, size_t li, const char *w,
	      size_t len)
{
	size_t k;

	if (an->fold.len != len || !memcmp(an->fold.data, w, len))
		return NULL;
	for (k = 0; k < len; k++)
		if ((unsigned char)w[k] >= 0x80)
			return NULL;
	return cache_find(an, word_key(li, an->fold.data, an->fold.len));
}

/* Fold, stop-check, stem and name-key one word into *wi; with want_langs
 * (English only), also the detection lists holding it. */
static int compute_word(struct chorus_text_analyser *an, size_t li,
			const char *w, size_t len, int want_langs,
			struct word_info *wi)
{
	utf8proc_int32_t cp = 0;
	const struct word_info *low;
	const char *stem;
	size_t slen;
	unsigned lists;
	int rc;

	utf8proc_iterate((const uint8_t *)w, (utf8proc_ssize_t)len, &cp);
	wi->capital = utf8proc_category(cp) == UTF8PROC_CATEGORY_LU ||
		      utf8proc_category(cp) == UTF8PROC_CATEGORY_LT;
	rc = fold_fast(an, w, len, &an->fold);
	if (rc)
		return rc;
	lists = word_lists(an);
	wi->has_langs = (uint8_t)want_langs;
	wi->langs = want_langs ? word_langs(lists, len) : 0;
	wi->stop = (uint8_t)stop_of(li, lists, an->fold.len);
	wi->term = 0;
	/* "Talks" opening a sentence stems as "talks" did: take its term. */
	if (!wi->stop && (low = lower_variant(an, li, w, len)))
		wi->term = low->term;
	else if (!wi->stop) {
		if (!an->stemmers[li]) {
			rc = chorus_stemmer_new(&an->stemmers[li],
						lang_code(li));
			if (rc)
				return rc;
		}
		stem = chorus_stemmer_stem(an->stemmers[li], an->fold.data,
					   an->fold.len, &slen);
		if (!stem)
			return CHORUS_ENOMEM;
		wi->term = chorus_text_term_hash(stem, slen);
	}
	wi->name = 0;
	if (wi->capital) {
		chorus_buf_reset(&an->key);
		rc = name_key_folded(an->fold.data, an->fold.len, &an->key);
		if (rc)
			return rc;
		wi->name = chorus_text_name_hash(an->key.data, an->key.len);
	}
	return 0;
}

/*
 * What word w (cache key key, in language li) gives, from the cache or
 * worked out; with want_langs, with its detection lists too.
 */
static int word_lookup_key(struct chorus_text_analyser *an, size_t li,
			   const char *w, size_t len, uint64_t key,
			   int want_langs, struct word_info *out)
{
	size_t mask = an->cap - 1, s = (size_t)key & mask;
	int rc;

	while (an->cache[s].key) {
		if (an->cache[s].key == key) {
			if (want_langs && !an->cache[s].has_langs) {
				rc = fold_fast(an, w, len, &an->fold);
				if (rc)
					return rc;
				an->cache[s].langs =
				    word_langs(word_lists(an), len);
				an->cache[s].has_langs = 1;
			}
			*out = an->cache[s];
			return 0;
		}
		s = (s + 1) & mask;
	}
	out->key = key;
	rc = compute_word(an, li, w, len, want_langs, out);
	if (rc || an->n >= CACHE_MAX)
		return rc;
	if ((an->n + 1) * 2 > an->cap) {
		if (cache_grow(an))
			return 0; /* no caching, still correct */
		s = (size_t)key & (an->cap - 1);
		while (an->cache[s].key)
			s = (s + 1) & (an->cap - 1);
	}
	an->cache[s] = *out;
	an->n++;
	return 0;
}

/*
 * Up to max words of p[*i..len) into t, their cache keys in language li,
 * and their cache slots fetched. Returns how many.
 */
static size_t read_words(const struct chorus_text_analyser *an, size_t li,
			 const uint8_t *p, size_t len, size_t *i,
			 struct token *t, size_t max)
{
	size_t k;

	for (k = 0; k < max; k++) {
		if (!next_word(p, len, i, &t[k].start, &t[k].len,
			       &t[k].boundary, an->word2))
			break;
		t[k].key = word_key(li, (const char *)p + t[k].start, t[k].len);
		__builtin_prefetch(
		    &an->cache[(size_t)t[k].key & (an->cap - 1)]);
	}
	return k;
}

static int push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		uint64_t *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return CHORUS_ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

void chorus_text_analysis_init(struct chorus_text_analysis *a)
{
	memset(a, 0, sizeof(*a));
}

void chorus_text_analysis_release(struct chorus_text_analysis *a)
{
	if (!a)
		return;
	free(a->terms);
	free(a->names);
	free(a->head);
	chorus_text_analysis_init(a);
}

/* A name run being gathered: its words' keys wait until it qualifies. */
struct run {
	uint64_t keys[16];
	size_t n;
	int at_sentence_start;
	size_t last_end;
};

static int flush_run(struct run *r, struct chorus_text_analysis *out)
{
	size_t k;
	int rc = 0;

	if (r->n >= 2 || (r->n == 1 && !r->at_sentence_start))
		for (k = 0; k < r->n && !rc; k++)
			rc = push(&out->names, &out->n_names, &out->cap_names,
				  r->keys[k]);
	r->n = 0;
	return rc;
}

/* Counts of the years 1900-2099 a text names, indexed by year - 1900. */
struct year_counts {
	uint16_t n[200];
	uint8_t named[200]; /* the years with a count, as year - 1900 */
	size_t k;
};

static void note_year(const char *w, struct year_counts *y)
{
	int v = 0, k;

	for (k = 0; k < 4; k++) {
		if (w[k] < '0' || w[k] > '9')
			return;
		v = v * 10 + (w[k] - '0');
	}
	if (v < 1900 || v >= 2100 || y->n[v - 1900] == UINT16_MAX)
		return;
	if (!y->n[v - 1900]++)
		y->named[y->k++] = (uint8_t)(v - 1900);
}

/*
 * Dates: a year is part of one when a month name or a day and month in
 * digits stand right before it ("May 3, 2013", "Sunday 23 Dec 2012",
 * "27 / 09 / 2013", "September 2010") or a month and day in digits right
 * after it ("2013-09-26"). A date names the time of an event; a lone year
 * ("her 1999 film", "the 2008 season") as often names the background.
 */
struct date_counts {
	uint16_t v[16]; /* year * 16 + month */
	uint16_t n[16];
	size_t k;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Up to two numbers (1-31) before text[end], with only spaces and the
 * separators in seps between them and after the last; the nearest into
 * v[0]. Returns how many, and in *from where the first begins.
 */
static size_t numbers_before(const char *text, size_t end, const char *seps,
			     int v[2], size_t *from)
{
	size_t i = end, n = 0;

	while (n < 2) {
		size_t j = i, d;
		int x = 0, sep = 0;

		while (j > 0 && (text[j - 1] == ' ' ||
				 (text[j - 1] && strchr(seps, text[j - 1])))) {
			sep |= text[j - 1] != ' ';
			j--;
		}
		if (n && !sep)
			break;
		/* Ordinal suffixes: 3rd, 21st. */
		if (j >= 3 && is_alpha(text[j - 1]) && is_alpha(text[j - 2]) &&
		    is_digit(text[j - 3]))
			j -= 2;
		for (d = j; d > 0 && is_digit(text[d - 1]) && j - d < 2; d--)
			;
		if (d == j ||
		    (d > 0 && (is_digit(text[d - 1]) || is_alpha(text[d - 1]))))
			break;
		for (i = d; i < j; i++)
			x = x * 10 + (text[i] - '0');
		if (x < 1 || x > 31)
			break;
		v[n++] = x;
		i = d;
	}
	*from = i;
	return n;
}

/* The date (year * 16 + month) the year at text[start..start+4) is in. */
static int date_of_year(const char *text, size_t len, size_t start, int year)
{
	int v[2] = {0, 0}, m;
	size_t from, n, j, w;

	/* A month name before it, maybe with a day between. */
	n = numbers_before(text, start, ",.", v, &from);
	j = from;
	while (j > 0 &&
	       (text[j - 1] == ' ' || text[j - 1] == '.' || text[j - 1] == ','))
		j--;
	for (w = j; w > 0 && is_alpha(text[w - 1]); w--)
		;
	if (j > w && n <= 1 && (m = chorus_date_month(text + w, j - w, 1)))
		return year * 16 + m;
	/* Day and month in digits before it: "27 / 09 / 2013". */
	if (numbers_before(text, start, "/.-", v, &from) == 2) {
		if (v[1] <= 12 && v[0] > 12)
			return year * 16 + v[1];
		if (v[0] <= 12 && v[1] > 12)
			return year * 16 + v[0];
		return year * 16;
	}
	/* Month and day in digits after it: "2013-09-26", "2012. 08. 08". */
	j = start + 4;
	while (j < len && (text[j] == ' ' || text[j] == '-' || text[j] == '.'))
		j++;
	if (j > start + 4 && j + 1 < len && is_digit(text[j]) &&
	    is_digit(text[j + 1])) {
		m = (text[j] - '0') * 10 + (text[j + 1] - '0');
		j += 2;
		while (j < len &&
		       (text[j] == ' ' || text[j] == '-' || text[j] == '.'))
			j++;
		if (m >= 1 && m <= 12 && j < len && is_digit(text[j]))
			return year * 16 + m;
	}
	return 0;
}

static void note_date(const char *text, size_t len, size_t start,
		      struct date_counts *d)
{
	int y = 0, v, k;
	size_t i;

	for (k = 0; k < 4; k++)
		y = y * 10 + (text[start + k] - '0');
	if (y < 1900 || y >= 2100 || !(v = date_of_year(text, len, start, y)))
		return;
	for (i = 0; i < d->k && d->v[i] != v; i++)
		;
	if (i == d->k) {
		if (d->k == N_OF(d->v))
			return;
		d->v[d->k] = (uint16_t)v;
		d->n[d->k++] = 0;
	}
	if (d->n[i] < UINT16_MAX)
		d->n[i]++;
}

/* The most named dates (ties: the first named), into out. */
static void keep_dates(const struct date_counts *d,
		       struct chorus_text_analysis *out)
{
	uint16_t taken[N_OF(d->v)] = {0};
	size_t k, i;

	out->n_dates = 0;
	for (k = 0; k < CHORUS_DATES_MAX; k++) {
		size_t best = d->k;

		for (i = 0; i < d->k; i++)
			if (!taken[i] && (best == d->k || d->n[i] > d->n[best]))
				best = i;
		if (best == d->k)
			break;
		taken[best] = 1;
		out->dates[out->n_dates++] = d->v[best];
	}
}

/* The most named years (ties: the later year), into out. */
static void keep_years(const struct year_counts *y,
		       struct chorus_text_analysis *out)
{
	uint8_t named[N_OF(y->named)];
	size_t n = y->k, k, i;

	memcpy(named, y->named, n);
	out->n_years = 0;
	for (k = 0; k < CHORUS_YEARS_MAX && n; k++) {
		size_t best = 0;

		for (i = 1; i < n; i++)
			if (y->n[named[i]] > y->n[named[best]] ||
			    (y->n[named[i]] == y->n[named[best]] &&
			     named[i] > named[best]))
				best = i;
		out->years[out->n_years] = (uint16_t)(1900 + named[best]);
		out->year_counts[out->n_years++] = y->n[named[best]];
		named[best] = named[--n];
	}
}

/* What one text (title or body) is being read into. */
struct reading {
	const char *text;
	size_t len;
	int is_head;
	int sentence_start;
	struct run r;
	struct chorus_text_analysis *out;
	uint64_t acc;
	struct year_counts years;
	struct date_counts dates;
};

/* Take one word of the text, and what the cache says of it. */
static inline int take_word(struct reading *rd, const struct token *t,
			    const struct word_info *wi)
{
	struct chorus_text_analysis *out = rd->out;
	struct run *r = &rd->r;
	int rc = 0;

	rd->sentence_start |= t->boundary;
	rd->acc = (rd->acc ^ wi->key) * 0x100000001b3ULL;
	if (t->len == 4) {
		note_year(rd->text + t->start, &rd->years);
		if (is_digit(rd->text[t->start]))
			note_date(rd->text, rd->len, t->start, &rd->dates);
	}
	if (wi->term) {
		rc =
		    push(&out->terms, &out->n_terms, &out->cap_terms, wi->term);
		if (!rc && rd->is_head)
			rc = push(&out->head, &out->n_head, &out->cap_head,
				  wi->term);
	}
	if (!rc && r->n &&
	    (!wi->capital || !text_joined(rd->text, r->last_end, t->start)))
		rc = flush_run(r, out);
	/* "The", "In" open sentences, not names. */
	if (!rc && wi->capital && (r->n || !wi->stop) && r->n < N_OF(r->keys)) {
		if (!r->n)
			r->at_sentence_start = rd->sentence_start;
		r->keys[r->n++] = wi->name;
		r->last_end = t->start + t->len;
	}
	rd->sentence_start = 0;
	return rc;
}

/* Start reading text (title when is_head) into rd->out. */
static void reading_start(struct reading *rd, const char *text, int is_head)
{
	rd->text = text;
	rd->len = strlen(text);
	rd->is_head = is_head;
	rd->sentence_start = 1;
	rd->r.n = 0;
	rd->r.at_sentence_start = 0;
	rd->r.last_end = 0;
}

/* Read the words of rd's text from byte *i on, a batch at a time. */
static int read_rest(struct chorus_text_analyser *an, size_t li,
		     struct reading *rd, size_t i)
{
	const uint8_t *p = (const uint8_t *)rd->text;
	struct token t[BATCH];
	size_t n, k;
	int rc = 0;

	do {
		n = read_words(an, li, p, rd->len, &i, t, BATCH);
		for (k = 0; k < n && !rc; k++) {
			const struct word_info *h = cache_hit(an, t[k].key);
			struct word_info wi;

			if (!h) {
				rc = word_lookup_key(
				    an, li, rd->text + t[k].start, t[k].len,
				    t[k].key, 0, &wi);
				h = &wi;
			}
			if (!rc)
				rc = take_word(rd, &t[k], h);
		}
	} while (!rc && n == BATCH);
	if (!rc)
		rc = flush_run(&rd->r, rd->out);
	return rc;
}

/* Shingles hashed at a time before the MinHash values are taken. */
#define SHINGLES 64

/*
 * The least MinHash value of each of the K functions over n shingle
 * hashes, into mins: the one loop, inlined into each copy below, which
 * the compiler vectorises for that copy's instructions.
 */
static inline __attribute__((always_inline)) void
minhash_loop(const uint64_t *a, const uint64_t *b, const uint64_t *h, size_t n,
	     uint32_t *mins)
{
	uint32_t m[CHORUS_MINHASH_K];
	size_t i, k;

	memcpy(m, mins, sizeof(m));
	for (i = 0; i < n; i++)
		for (k = 0; k < CHORUS_MINHASH_K; k++) {
			uint32_t v = (uint32_t)((a[k] * h[i] + b[k]) >> 32);

			m[k] = v < m[k] ? v : m[k];
		}
	memcpy(mins, m, sizeof(m));
}

/* minhash_loop(); where the processor has AVX2, a copy built for it runs. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
minhash_mins(const uint64_t *a, const uint64_t *b, const uint64_t *h, size_t n,
	     uint32_t *mins)
{
	minhash_loop(a, b, h, n, mins);
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define MINHASH_DQ 1
/*
 * minhash_mins() where the processor has AVX-512DQ and VL: the 64-bit
 * products are one instruction (vpmullq) instead of three 32-bit ones and
 * their shifts, the same values. In 256-bit registers, as the AVX2 copy:
 * 512-bit multiplications would slow the clock of the whole core on some
 * Xeons, the clustering thread's beside it too.
 */
__attribute__((
    target("avx512f,avx512dq,avx512vl,prefer-vector-width=256"))) static void
minhash_mins_dq(const uint64_t *a, const uint64_t *b, const uint64_t *h,
		size_t n, uint32_t *mins)
{
	minhash_loop(a, b, h, n, mins);
}
#endif

static minhash_fn *minhash_pick(void)
{
#ifdef MINHASH_DQ
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl"))
		return minhash_mins_dq;
#endif
	return minhash_mins;
}

static void fingerprint(const struct chorus_text_analyser *an,
			struct chorus_text_analysis *out)
{
	size_t i, k, n = out->n_terms, m = 0;
	uint64_t h[SHINGLES];

	for (k = 0; k < CHORUS_MINHASH_K; k++)
		out->minhash[k] = UINT32_MAX;
	for (i = 0; i + 3 <= n || (i == 0 && n > 0); i++) {
		uint64_t sh[3] = {out->terms[i],
				  i + 1 < n ? out->terms[i + 1] : 0,
				  i + 2 < n ? out->terms[i + 2] : 0};

		h[m++] = XXH3_64bits(sh, sizeof(sh));
		if (m == SHINGLES) {
			an->mh_mins(an->mh_a, an->mh_b, h, m, out->minhash);
			m = 0;
		}
	}
	if (m)
		an->mh_mins(an->mh_a, an->mh_b, h, m, out->minhash);
}

_Static_assert(DETECT_WORDS < 256 && N_OF(langs) == 8,
	       "detection counts are packed a byte each");

/* The four bits of a nibble spread to the low bits of four bytes. */
static const uint64_t nibble_bytes[16] = {
    0x00000000, 0x00000001, 0x00000100, 0x00000101, 0x00010000, 0x00010001,
    0x00010100, 0x00010101, 0x01000000, 0x01000001, 0x01000100, 0x01000101,
    0x01010000, 0x01010001, 0x01010100, 0x01010101,
};

/*
 * chorus_text_detect_language() through the word cache, on the first
 * words of body: they are looked up as English words (the language most
 * texts turn out to be in), their entries telling the lists holding them
 * too, and are kept in an->det for the body's analysis. Sets *li, *n_det
 * and *resume (where reading the body goes on after them).
 */
static int detect_cached(struct chorus_text_analyser *an, const char *body,
			 int *li, size_t *n_det, size_t *resume)
{
	const uint8_t *p = (const uint8_t *)body;
	size_t len = strlen(body), i = 0, words, k, l, best = 0;
	size_t hits[N_OF(langs)];
	uint64_t packed = 0;
	int rc = 0;

	words = read_words(an, 0, p, len, &i, an->det, DETECT_WORDS);
	for (k = 0; k < words && !rc; k++) {
		struct word_info *wi = &an->det_wi[k];

		rc = word_lookup_key(an, 0, body + an->det[k].start,
				     an->det[k].len, an->det[k].key, 1, wi);
		/* Eight counts of at most DETECT_WORDS, a byte each: list l's
		 * bit goes to byte l. */
		packed += nibble_bytes[wi->langs & 0xF] |
			  nibble_bytes[(wi->langs >> 4) & 0xF] << 32;
	}
	for (l = 0; l < N_OF(langs); l++)
		hits[l] = (size_t)(packed >> (8 * l)) & 0xFF;
	for (l = 1; l < N_OF(langs); l++)
		if (hits[l] > hits[best])
			best = l;
	*li = hits[best] < 3 || hits[best] * 20 < words ? 0 : (int)best;
	*n_det = words;
	*resume = i;
	return rc;
}

/*
 * chorus_text_analyse(); unless full, only what text_analyse_head()
 * promises (no years, dates, text hash or fingerprint).
 */
static int analyse(struct chorus_text_analyser *an, const char *lang,
		   const char *title, const char *body,
		   struct chorus_text_analysis *out, int full)
{
	int li = lang_index(lang), rc = 0;
	struct reading rd;
	size_t n_det = 0, resume = 0, k;

	memset(&rd.years, 0, sizeof(rd.years));
	memset(&rd.dates, 0, sizeof(rd.dates));
	rd.out = out;
	rd.acc = 0xcbf29ce484222325ULL;
	out->n_terms = out->n_names = out->n_head = 0;
	out->n_title_names = 0;
	if (li < 0 &&
	    (rc = detect_cached(an, body ? body : "", &li, &n_det, &resume)))
		return rc;
	memcpy(out->lang, lang_code((size_t)li), 3);
	if (title) {
		reading_start(&rd, title, 1);
		rc = read_rest(an, (size_t)li, &rd, 0);
	}
	out->n_title_names = out->n_names;
	if (!rc && body) {
		reading_start(&rd, body, 0);
		/* The words detection read: in English, already looked up. */
		for (k = 0; k < n_det && !rc; k++) {
			struct token *t = &an->det[k];
			struct word_info wi;

			if (li == 0) {
				rc = take_word(&rd, t, &an->det_wi[k]);
				continue;
			}
			t->key = word_key((size_t)li, body + t->start, t->len);
			rc = word_lookup_key(an, (size_t)li, body + t->start,
					     t->len, t->key, 0, &wi);
			if (!rc)
				rc = take_word(&rd, t, &wi);
		}
		if (!rc)
			rc = read_rest(an, (size_t)li, &rd, resume);
	}
	if (rc || !full)
		return rc;
	keep_years(&rd.years, out);
	keep_dates(&rd.dates, out);
	out->text_hash = XXH3_64bits(&rd.acc, sizeof(rd.acc));
	fingerprint(an, out);
	return 0;
}

int chorus_text_analyse(struct chorus_text_analyser *an, const char *lang,
			const char *title, const char *body,
			struct chorus_text_analysis *out)
{
	return analyse(an, lang, title, body, out, 1);
}

int text_analyse_head(struct chorus_text_analyser *an, const char *lang,
		      const char *title, const char *body,
		      struct chorus_text_analysis *out)
{
	return analyse(an, lang, title, body, out, 0);
}

double chorus_text_minhash_similarity(const uint32_t *a, const uint32_t *b)
{
	size_t k, same = 0;

	for (k = 0; k < CHORUS_MINHASH_K; k++)
		same += a[k] == b[k];
	return (double)same / CHORUS_MINHASH_K;
}

int chorus_text_analyse_terms(struct chorus_text_analyser *an, const char *lang,
			      const char *text,
			      struct chorus_text_analysis *out,
			      struct chorus_strlist *names)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t len = strlen(text), i = 0, n, k;
	struct text_name_run r = {CHORUS_BUF_INIT, 0, 0, 0};
	int li = lang_index(lang), sentence_start = 1, rc = 0;
	struct token t[BATCH];

	if (li < 0)
		li = 0;
	out->n_terms = 0;
	do {
		n = read_words(an, (size_t)li, p, len, &i, t, BATCH);
		for (k = 0; k < n && !rc; k++) {
			struct word_info wi;

			sentence_start |= t[k].boundary;
			rc = word_lookup_key(an, (size_t)li, text + t[k].start,
					     t[k].len, t[k].key, 0, &wi);
			if (!rc && wi.term)
				rc = push(&out->terms, &out->n_terms,
					  &out->cap_terms, wi.term);
			/* Names as chorus_text_names() finds them. */
			if (!rc && names)
				rc = chorus_text_name_run_next(
				    &r, text, t[k].start, wi.capital, names);
			if (!rc && names && wi.capital &&
			    text_name_run_takes(&r, wi.stop)) {
				rc = fold_fast(an, text + t[k].start, t[k].len,
					       &an->fold);
				if (!rc)
					rc = chorus_text_name_run_add(
					    &r, t[k].start + t[k].len,
					    sentence_start, an->fold.data,
					    an->fold.len);
			}
			sentence_start = 0;
		}
	} while (!rc && n == BATCH);
	if (!rc && names)
		rc = chorus_text_name_run_flush(&r, names);
	chorus_buf_release(&r.text);
	return rc;
}
