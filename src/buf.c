/*
 * The capped growable buffer (see include/chorus/buf.h).
 */
#define _DEFAULT_SOURCE /* madvise(), posix_memalign() */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "chorus/buf.h"
#include "chorus/error.h"

void chorus_buf_init(struct chorus_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void chorus_buf_release(struct chorus_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void chorus_buf_reset(struct chorus_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminating NUL. */
static int grow(struct chorus_buf *b, size_t n)
{
	size_t max = b->max ? b->max : CHORUS_BUF_DEFAULT_MAX;
	size_t need, cap;
	char *p;

	if (n > max || b->len > max - n)
		return CHORUS_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return CHORUS_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int chorus_buf_add(struct chorus_buf *b, const void *p, size_t n)
{
	int rc = grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int chorus_buf_adds(struct chorus_buf *b, const char *s)
{
	return chorus_buf_add(b, s, strlen(s));
}

int chorus_buf_addc(struct chorus_buf *b, char c)
{
	return chorus_buf_add(b, &c, 1);
}

int chorus_buf_printf(struct chorus_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CHORUS_EINVAL;
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *chorus_buf_cstr(const struct chorus_buf *b)
{
	return b->data ? b->data : "";
}

char *chorus_buf_detach(struct chorus_buf *b, size_t *len)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

char *chorus_strdup(const char *s)
{
	return s ? chorus_strndup(s, strlen(s)) : NULL;
}

char *chorus_strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * The bytes of the word to escape, each marked by its high bit: the
 * classic "has a zero byte" test on w XOR each byte repeated, eight bytes
 * per step where text has nothing to escape, which is most of it. The
 * lowest mark is exact (the test may also mark bytes after a real one).
 */
static uint64_t word_escapes(uint64_t w, unsigned flags)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t a = w ^ (ones * '&'), b = w ^ (ones * '<'),
		 c = w ^ (ones * '>');
	uint64_t hit =
	    ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c);

	if (flags & CHORUS_ESCAPE_QUOTE) {
		uint64_t d = w ^ (ones * '"');

		hit |= (d - ones) & ~d;
	}
	if (flags & CHORUS_ESCAPE_APOS) {
		uint64_t e = w ^ (ones * '\'');

		hit |= (e - ones) & ~e;
	}
	return hit & highs;
}

int chorus_buf_add_escaped(struct chorus_buf *b, const char *s, size_t n,
			   unsigned flags)
{
	size_t i = 0, start = 0;
	int rc;

	while (i < n) {
		const char *rep;
		size_t rep_len;
		uint64_t w;

		if (n - i >= 8) {
			uint64_t marks;

			memcpy(&w, s + i, 8);
			marks = word_escapes(w, flags);
			if (!marks) {
				i += 8;
				continue;
			}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/*
			 * Straight to the first byte to escape, the lowest
			 * mark (the first byte in memory is the low one):
			 * markup-dense text (a feed's HTML content) escapes
			 * a byte in ten.
			 */
			i += (size_t)__builtin_ctzll(marks) / 8;
#endif
		}
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			rep_len = 5;
			break;
		case '<':
			rep = "&lt;";
			rep_len = 4;
			break;
		case '>':
			rep = "&gt;";
			rep_len = 4;
			break;
		case '"':
			rep = flags & CHORUS_ESCAPE_QUOTE ? "&quot;" : NULL;
			rep_len = 6;
			break;
		case '\'':
			rep = flags & CHORUS_ESCAPE_APOS ? "&#39;" : NULL;
			rep_len = 5;
			break;
		default:
			rep = NULL;
			rep_len = 0;
			break;
		}
		if (!rep) {
			i++;
			continue;
		}
		if ((rc = chorus_buf_add(b, s + start, i - start)) ||
		    (rc = chorus_buf_add(b, rep, rep_len)))
			return rc;
		start = ++i;
	}
	return chorus_buf_add(b, s + start, n - start);
}

#define HUGE_PAGE ((size_t)2 << 20)

void *chorus_table_calloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes < HUGE_PAGE)
		return calloc(n ? n : 1, size ? size : 1);
	if (posix_memalign(&p, HUGE_PAGE, bytes))
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: no matter if refused */
#endif
	memset(p, 0, bytes);
	return p;
}
