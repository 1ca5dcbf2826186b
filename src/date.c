/*
 * Dates (see include/chorus/date.h). Parsing is done by hand, without
 * strptime or the TZ database, so it behaves the same on every machine and
 * never depends on the locale.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chorus/date.h"
#include "chorus/error.h"

int64_t chorus_date_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void chorus_date_format(int64_t t, char out[CHORUS_DATE_RFC3339_LEN])
{
	int64_t days = t / 86400, secs = t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		y = y < 0 ? 0 : 9999;
	}
	snprintf(out, CHORUS_DATE_RFC3339_LEN, "%04d-%02u-%02uT%02d:%02d:%02dZ",
		 (int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
		 (int)(secs % 60));
}

/* Read exactly n digits. */
static int digits(const char **s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

/* Read 1 to max digits. */
static int number(const char **s, int max, int *out)
{
	int v = 0, i = 0;

	while (i < max && isdigit((unsigned char)**s)) {
		v = v * 10 + (**s - '0');
		(*s)++;
		i++;
	}
	if (!i)
		return -1;
	*out = v;
	return 0;
}

static int valid(int y, int mo, int d, int h, int mi, int se)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0)))
		return 0;
	return h >= 0 && h <= 24 && mi >= 0 && mi < 60 && se >= 0 && se <= 60;
}

static int64_t to_epoch(int y, int mo, int d, int h, int mi, int se)
{
	return chorus_date_days_from_civil(y, (unsigned)mo, (unsigned)d) *
		       86400 +
	       h * 3600 + mi * 60 + se;
}

/* "+hh:mm", "+hhmm", "Z": offset east of UTC, in seconds. */
static int numeric_zone(const char **s, int *off)
{
	int sign, hh, mm = 0;

	if (**s == 'Z' || **s == 'z') {
		(*s)++;
		*off = 0;
		return 0;
	}
	if (**s != '+' && **s != '-')
		return -1;
	sign = **s == '-' ? -1 : 1;
	(*s)++;
	if (digits(s, 2, &hh))
		return -1;
	if (**s == ':')
		(*s)++;
	if (isdigit((unsigned char)**s) && digits(s, 2, &mm))
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* RFC 3339 / ISO 8601 / W3CDTF: YYYY[-MM[-DD[Thh:mm[:ss[.f]][zone]]]]. */
static int parse_iso(const char *s, int64_t *out)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, se = 0, off = 0;

	if (digits(&s, 4, &y))
		return -1;
	if (*s == '-') {
		s++;
		if (digits(&s, 2, &mo))
			return -1;
		if (*s == '-') {
			s++;
			if (digits(&s, 2, &d))
				return -1;
		}
	}
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &se))
				return -1;
			if (*s == '.' || *s == ',') {
				s++;
				while (isdigit((unsigned char)*s))
					s++;
			}
		}
		while (*s == ' ')
			s++;
		if (*s && numeric_zone(&s, &off))
			return -1;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s || !valid(y, mo, d, h, mi, se))
		return -1;
	*out = to_epoch(y, mo, d, h, mi, se) - off;
	return 0;
}

static const char *const months[] = {"jan", "feb", "mar", "apr",
				     "may", "jun", "jul", "aug",
				     "sep", "oct", "nov", "dec"};

static const struct {
	const char *name;
	int hours;
} zones[] = {
	{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},	{"EST", -5},
	{"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6},
	{"PST", -8}, {"PDT", -7},
};

/* RFC 822/2822: [Day,] DD Mon YYYY hh:mm[:ss] zone. */
static int parse_rfc822(const char *s, int64_t *out)
{
	int d, mo = 0, y, h = 0, mi = 0, se = 0, off = 0;
	size_t i;

	while (isspace((unsigned char)*s))
		s++;
	if (isalpha((unsigned char)*s)) { /* day name, ignored */
		while (isalpha((unsigned char)*s))
			s++;
		if (*s == ',')
			s++;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (number(&s, 2, &d))
		return -1;
	while (*s == ' ' || *s == '-')
		s++;
	for (i = 0; i < 12; i++)
		if (!strncasecmp(s, months[i], 3))
			mo = (int)i + 1;
	if (!mo)
		return -1;
	while (isalpha((unsigned char)*s))
		s++;
	while (*s == ' ' || *s == '-' || *s == ',')
		s++;
	if (number(&s, 4, &y))
		return -1;
	if (y < 100)
		y += y < 50 ? 2000 : 1900;
	while (*s == ' ')
		s++;
	if (*s) {
		if (number(&s, 2, &h) || *s++ != ':' || number(&s, 2, &mi))
			return -1;
		if (*s == ':') {
			s++;
			if (number(&s, 2, &se))
				return -1;
		}
		while (*s == ' ')
			s++;
		if (*s == '+' || *s == '-') {
			if (numeric_zone(&s, &off))
				return -1;
		} else if (*s) {
			const char *z = s;

			while (isalpha((unsigned char)*s))
				s++;
			for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
				if (strlen(zones[i].name) == (size_t)(s - z) &&
				    !strncasecmp(z, zones[i].name,
						 (size_t)(s - z)))
					break;
			if (i == sizeof(zones) / sizeof(zones[0]))
				return -1;
			off = zones[i].hours * 3600;
		}
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s || !valid(y, mo, d, h, mi, se))
		return -1;
	*out = to_epoch(y, mo, d, h, mi, se) - off;
	return 0;
}

int chorus_date_parse(const char *s, int64_t *out)
{
	char tmp[128];
	size_t n;

	if (!s)
		return CHORUS_EPARSE;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || n >= sizeof(tmp))
		return CHORUS_EPARSE;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!parse_iso(tmp, out) || !parse_rfc822(tmp, out))
		return 0;
	return CHORUS_EPARSE;
}
