/*
 * A growable byte buffer with a size cap: the one string builder of chorus
 * (after curl's dynbuf and git's strbuf).
 *
 * `data` is NUL-terminated whenever it is not NULL, so a buffer of text can
 * be used as a C string; chorus_buf_cstr() never returns NULL. The cap
 * bounds how much hostile input can make the buffer grow: an append past it
 * fails with CHORUS_ETOOBIG and leaves the buffer as it was.
 */
#ifndef CHORUS_BUF_H
#define CHORUS_BUF_H

#include <stddef.h>

struct chorus_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 means CHORUS_BUF_DEFAULT_MAX */
};

#define CHORUS_BUF_DEFAULT_MAX ((size_t)1 << 30)
#define CHORUS_BUF_INIT                                                        \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

void chorus_buf_init(struct chorus_buf *b, size_t max);
void chorus_buf_release(struct chorus_buf *b);
void chorus_buf_reset(struct chorus_buf *b); /* len = 0, keeps memory */

int chorus_buf_add(struct chorus_buf *b, const void *p, size_t n);
int chorus_buf_adds(struct chorus_buf *b, const char *s);
int chorus_buf_addc(struct chorus_buf *b, char c);
int chorus_buf_printf(struct chorus_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Append s[0..n) escaped for HTML and XML text: & < > always, '"' with
 * CHORUS_ESCAPE_QUOTE and '\'' (as &#39;) with CHORUS_ESCAPE_APOS. Bytes
 * are copied as they are otherwise (callers that must repair UTF-8 do so
 * first). The one escaper of chorus's text paths: feed text becoming HTML
 * and Mustache's {{ }} interpolation.
 */
#define CHORUS_ESCAPE_QUOTE 1u
#define CHORUS_ESCAPE_APOS 2u
int chorus_buf_add_escaped(struct chorus_buf *b, const char *s, size_t n,
			   unsigned flags);

/* The contents as a C string ("" when empty); borrowed. */
const char *chorus_buf_cstr(const struct chorus_buf *b);

/*
 * Hand the contents to the caller, who frees them with free(); the buffer
 * is left empty. Returns an empty allocated string for an empty buffer, or
 * NULL only when that allocation fails.
 */
char *chorus_buf_detach(struct chorus_buf *b, size_t *len);

/* strdup/strndup that return NULL on NULL input. */
char *chorus_strdup(const char *s);
char *chorus_strndup(const char *s, size_t n);

/*
 * A zeroed table of n entries of size bytes, freed with free(); NULL when
 * out of memory. For big hash tables whose probes land anywhere in them
 * (the clusterer's, the text analyser's word cache): from 2 MB up the
 * table is asked for in huge pages (madvise: a hint), where one TLB entry
 * covers what 512 of 4 KB would.
 */
void *chorus_table_calloc(size_t n, size_t size);

#endif
