/*
 * Dates: read the many shapes feeds and articles write them in, emit
 * RFC 3339 in UTC. Times are seconds since the Unix epoch, UTC.
 */
#ifndef CHORUS_DATE_H
#define CHORUS_DATE_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SSZ" plus NUL. */
#define CHORUS_DATE_RFC3339_LEN 21

/*
 * Parse s (RFC 822/2822 and its common mistakes, RFC 3339, ISO 8601,
 * W3CDTF and other forms feeds use) into *out. Returns 0, or
 * CHORUS_EPARSE when the date cannot be read: a date is never guessed.
 */
int chorus_date_parse(const char *s, int64_t *out);

/* Write t as RFC 3339 UTC into out, which holds CHORUS_DATE_RFC3339_LEN. */
void chorus_date_format(int64_t t, char out[CHORUS_DATE_RFC3339_LEN]);

/*
 * The month (1-12) that w[0..len), any case, names in English, or 0:
 * loosely (strict 0), any three letters or more of a month's name
 * ("Sep", "Septem"), as dates in feeds write them; strictly, only a full
 * name, a three-letter abbreviation or "Sept", as in running text, where
 * "Marc" or "Mar" followed by more letters is a word of its own.
 */
int chorus_date_month(const char *w, size_t len, int strict);

/* Days since 1970-01-01 for a proleptic Gregorian date (no libc, no TZ). */
int64_t chorus_date_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
