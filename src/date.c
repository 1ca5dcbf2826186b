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

/* v as n decimal digits, zero-padded (v < 10^n). */
static void put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
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
	/* By hand, not snprintf(): a site's render formats every date. */
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, (unsigned)(secs / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned)(secs / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned)(secs % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
}
/*
 * Parsing. Two readers cover what feeds write: one for ISO 8601 and its
 * W3CDTF/RFC 3339 profiles (including the compact and two-digit-year
 * forms), one for RFC 822/2822 and its relatives (asctime, "Mon DD YYYY",
 * Perforce's YYYY/MM/DD, missing seconds or time, stray commas, named and
 * "GMT+hh:mm" zones). Greek, Hungarian and Korean month and day names
 * are translated to the ASCII forms first, as feedparser does. Anything
 * out of range or left over refuses the whole date: never a guess.
 */

static const char *const months[] = {
    "january", "february", "march",	"april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};
static const char *const wdays[] = {"mon", "tue", "wed", "thu",
				    "fri", "sat", "sun"};

/* Zones by name, in minutes east of UTC (feedparser's and common ones). */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
    {"a", -60},	    {"acdt", 630},  {"acst", 570},  {"adt", -180},
    {"aedt", 660},  {"aest", 600},  {"akdt", -480}, {"akst", -540},
    {"ast", -240},  {"at", -240},   {"awst", 480},  {"bst", 60},
    {"cat", 120},   {"cdt", -300},  {"cest", 120},  {"cet", 60},
    {"cst", -360},  {"ct", -360},   {"eat", 180},   {"edt", -240},
    {"eest", 180},  {"eet", 120},   {"est", -300},  {"et", -300},
    {"etc/gmt", 0}, {"etc/utc", 0}, {"gmt", 0},	    {"hkt", 480},
    {"hst", -600},  {"jst", 540},   {"kst", 540},   {"m", -720},
    {"mdt", -360},  {"mest", 120},  {"met", 60},    {"msk", 180},
    {"mst", -420},  {"mt", -420},   {"n", 60},	    {"nzdt", 780},
    {"nzst", 720},  {"pdt", -420},  {"pst", -480},  {"pt", -480},
    {"sgt", 480},   {"ut", 0},	    {"utc", 0},	    {"wat", 60},
    {"west", 60},   {"wet", 0},	    {"y", 720},	    {"z", 0},
};

/* Local names feeds use, replaced by what the readers understand. */
static const struct {
	const char *from;
	const char *to;
} translations[] = {
    /* Greek day and month names (feedparser's table) */
    {"\xce\x9a\xcf\x85\xcf\x81", "Sun"},
    {"\xce\x94\xce\xb5\xcf\x85", "Mon"},
    {"\xce\xa4\xcf\x81\xce\xb9", "Tue"},
    {"\xce\xa4\xce\xb5\xcf\x84", "Wed"},
    {"\xce\xa0\xce\xb5\xce\xbc", "Thu"},
    {"\xce\xa0\xce\xb1\xcf\x81", "Fri"},
    {"\xce\xa3\xce\xb1\xce\xb2", "Sat"},
    {"\xce\x99\xce\xb1\xce\xbd", "Jan"},
    {"\xce\xa6\xce\xb5\xce\xb2", "Feb"},
    {"\xce\x9c\xce\xac\xcf\x8e", "Mar"},
    {"\xce\x9c\xce\xb1\xcf\x8e", "Mar"},
    {"\xce\x91\xcf\x80\xcf\x81", "Apr"},
    {"\xce\x9c\xce\xac\xce\xb9", "May"},
    {"\xce\x9c\xce\xb1\xcf\x8a", "May"},
    {"\xce\x9c\xce\xb1\xce\xb9", "May"},
    {"\xce\x99\xce\xbf\xcf\x8d\xce\xbd", "Jun"},
    {"\xce\x99\xce\xbf\xce\xbd", "Jun"},
    {"\xce\x99\xce\xbf\xcf\x8d\xce\xbb", "Jul"},
    {"\xce\x99\xce\xbf\xce\xbb", "Jul"},
    {"\xce\x91\xcf\x8d\xce\xb3", "Aug"},
    {"\xce\x91\xcf\x85\xce\xb3", "Aug"},
    {"\xce\xa3\xce\xb5\xcf\x80", "Sep"},
    {"\xce\x9f\xce\xba\xcf\x84", "Oct"},
    {"\xce\x9d\xce\xbf\xce\xad", "Nov"},
    {"\xce\x9d\xce\xbf\xce\xb5", "Nov"},
    {"\xce\x94\xce\xb5\xce\xba", "Dec"},
    {"janu\xc3\xa1r", "01"},
    {"febru\xc3\xa1ri", "02"},
    {"m\xc3\xa1rcius", "03"},
    {"\xc3\xa1prilis", "04"},
    {"m\xc3\xa1ujus", "05"},
    {"j\xc3\xbanius", "06"},
    {"j\xc3\xbalius", "07"},
    {"augusztus", "08"},
    {"szeptember", "09"},
    {"okt\xc3\xb3"
     "ber",
     "10"},
    {"november", "11"},
    {"december", "12"},
};

static int valid(int y, int mo, int d, int h, int mi, int se)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0)))
		return 0;
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 59;
}

static int64_t to_epoch(int y, int mo, int d, int h, int mi, int se)
{
	return chorus_date_days_from_civil(y, (unsigned)mo, (unsigned)d) *
		   86400 +
	       h * 3600 + mi * 60 + se;
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
	if (!i || isdigit((unsigned char)**s))
		return -1;
	*out = v;
	return 0;
}

static int count_digits(const char *s)
{
	int n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* "Z", "+hh:mm", "+hhmm", "+hh": minutes east of UTC. */
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
	if (**s == ':') {
		(*s)++;
		if (digits(s, 2, &mm))
			return -1;
	} else if (isdigit((unsigned char)**s) && digits(s, 2, &mm)) {
		return -1;
	}
	if (hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 60 + mm);
	return 0;
}

/* Day of year to month and day. */
static int from_ordinal(int y, int yday, int *mo, int *d)
{
	int m;

	if (yday < 1 || yday > 366)
		return -1;
	for (m = 1; m <= 12; m++) {
		int64_t first = chorus_date_days_from_civil(y, (unsigned)m, 1);
		int64_t next =
		    m == 12
			? chorus_date_days_from_civil(y + 1, 1, 1)
			: chorus_date_days_from_civil(y, (unsigned)m + 1, 1);
		int64_t jan1 = chorus_date_days_from_civil(y, 1, 1);

		if (jan1 + yday - 1 < next) {
			*mo = m;
			*d = (int)(jan1 + yday - 1 - first + 1);
			return 0;
		}
	}
	return -1;
}

/*
 * ISO 8601 dates: YYYY[-MM[-DD]], YYYY-0MM-DD, YYYY-DDD, YYYYMMDD,
 * YY-MM-DD, YYMMDD, YYDDD, -YYMM, -YY-MM; then optionally a time
 * ("T" or a space, hh:mm[:ss[.f]]) and a zone. zone_min is the zone of
 * a date that names none (0 except for translated Korean dates).
 */
static int parse_iso(const char *s, int zone_min, int64_t *out)
{
	int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0, off = zone_min;
	int n = count_digits(s);

	if (*s == '-') {
		/* -YYMM or -YY-MM: two-digit year, then month */
		s++;
		if (count_digits(s) == 4) {
			if (digits(&s, 2, &y) || digits(&s, 2, &mo))
				return -1;
		} else {
			if (count_digits(s) != 2 || digits(&s, 2, &y) ||
			    *s++ != '-' || count_digits(s) != 2 ||
			    digits(&s, 2, &mo))
				return -1;
		}
		y += 2000;
	} else if (n == 4) {
		digits(&s, 4, &y);
		if (*s == '-') {
			int m = count_digits(++s);

			if (m == 3 && s[0] != '0') { /* YYYY-DDD */
				int yday = 0;

				digits(&s, 3, &yday);
				if (from_ordinal(y, yday, &mo, &d))
					return -1;
			} else if (m == 2 || (m == 3 && s[0] == '0')) {
				if (m == 3)
					s++; /* YYYY-0MM */
				digits(&s, 2, &mo);
				if (*s == '-') {
					s++;
					if (count_digits(s) != 2)
						return -1;
					digits(&s, 2, &d);
				}
			} else {
				return -1;
			}
		}
	} else if (n == 8) { /* YYYYMMDD */
		digits(&s, 4, &y);
		digits(&s, 2, &mo);
		digits(&s, 2, &d);
	} else if (n == 6) { /* YYMMDD */
		digits(&s, 2, &y);
		digits(&s, 2, &mo);
		digits(&s, 2, &d);
		y += 2000;
	} else if (n == 5 && s[0] == '0') {
		/*
		 * YYDDD. Five digits that do not start with 0 could as well
		 * be a five-digit year, which W3CDTF refuses: not guessed.
		 */
		int yday = 0;

		digits(&s, 2, &y);
		digits(&s, 3, &yday);
		y += 2000;
		if (from_ordinal(y, yday, &mo, &d))
			return -1;
	} else if (n == 2 && s[2] == '-') { /* YY-MM-DD */
		digits(&s, 2, &y);
		s++;
		if (count_digits(s) != 2 || digits(&s, 2, &mo) || *s++ != '-' ||
		    count_digits(s) != 2 || digits(&s, 2, &d))
			return -1;
		y += 2000;
	} else {
		return -1;
	}
	if (*s == 'T' || *s == 't' ||
	    (*s == ' ' && isdigit((unsigned char)s[1]))) {
		s++;
		if (number(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &se))
				return -1;
			if (*s == '.' || *s == ',') {
				s++;
				if (!isdigit((unsigned char)*s))
					return -1;
				while (isdigit((unsigned char)*s))
					s++;
			}
		}
		while (*s == ' ')
			s++;
		if (*s && numeric_zone(&s, &off))
			return -1;
	}
	if (*s || !valid(y, mo, d, h, mi, se))
		return -1;
	*out = to_epoch(y, mo, d, h, mi, se) - (int64_t)off * 60;
	return 0;
}

/* ---- RFC 822 and relatives ---- */

enum tok_kind {
	TK_WORD, /* letters (and '/', for "Etc/GMT") */
	TK_NUM,
	TK_TIME,  /* h:m[:s] */
	TK_ZONE,  /* +hhmm, -hh:mm */
	TK_SLASH, /* YYYY/MM/DD */
};

struct tok {
	enum tok_kind kind;
	const char *s;
	int len;
};

#define MAX_TOKS 10

static int tokenize(const char *s, struct tok *t, int *n)
{
	*n = 0;
	for (;;) {
		const char *b;

		while (*s == ' ' || *s == ',' || *s == '\t')
			s++;
		if (!*s)
			return 0;
		if (*n == MAX_TOKS)
			return -1;
		b = s;
		if (isalpha((unsigned char)*s)) {
			while (isalpha((unsigned char)*s) || *s == '/')
				s++;
			t[*n].kind = TK_WORD;
		} else if (*s == '+' || *s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			while (isdigit((unsigned char)*s) || *s == ':')
				s++;
			t[*n].kind = TK_ZONE;
		} else if (isdigit((unsigned char)*s)) {
			int colons = 0, slashes = 0;

			while (isdigit((unsigned char)*s) || *s == ':' ||
			       *s == '/') {
				colons += *s == ':';
				slashes += *s == '/';
				s++;
			}
			if (colons && slashes)
				return -1;
			t[*n].kind = colons    ? TK_TIME
				     : slashes ? TK_SLASH
					       : TK_NUM;
		} else {
			return -1;
		}
		t[*n].s = b;
		t[*n].len = (int)(s - b);
		(*n)++;
	}
}

static int tok_is(const struct tok *t, const char *word)
{
	return t->kind == TK_WORD && (int)strlen(word) == t->len &&
	       !strncasecmp(t->s, word, (size_t)t->len);
}

int chorus_date_month(const char *w, size_t len, int strict)
{
	size_t i, m;

	if (len < 3 || len > 9)
		return 0;
	for (m = 0; m < 12; m++) {
		size_t n = strlen(months[m]);

		if (len > n)
			continue;
		for (i = 0; i < len; i++) {
			char c = w[i] >= 'A' && w[i] <= 'Z' ? (char)(w[i] + 32)
							    : w[i];

			if (c != months[m][i])
				break;
		}
		if (i < len)
			continue;
		/* Strictly, "Marc" is a name, not March: only the full
		 * name, its three letters, or "Sept". */
		if (!strict || len == 3 || len == n || (m == 8 && len == 4))
			return (int)m + 1;
	}
	return 0;
}

/* A month name: three letters or more of its English name. */
static int tok_month(const struct tok *t)
{
	if (t->kind != TK_WORD)
		return 0;
	return chorus_date_month(t->s, (size_t)t->len, 0);
}

static int tok_wday(const struct tok *t)
{
	size_t i;

	if (t->kind != TK_WORD || t->len < 3)
		return 0;
	for (i = 0; i < 7; i++)
		if (!strncasecmp(t->s, wdays[i], 3))
			return 1;
	return 0;
}

static int tok_num(const struct tok *t, int maxlen, int *out)
{
	const char *s = t->s;

	if (t->kind != TK_NUM || t->len > maxlen)
		return -1;
	return number(&s, t->len, out);
}

/* A year: four digits, or two (50-99 are 1900s, 00-49 2000s). */
static int tok_year(const struct tok *t, int *y)
{
	if (t->kind != TK_NUM || (t->len != 4 && t->len != 2))
		return -1;
	tok_num(t, 4, y);
	if (t->len == 2)
		*y += *y < 50 ? 2000 : 1900;
	return 0;
}

static int tok_time(const struct tok *t, int *h, int *mi, int *se)
{
	const char *s = t->s, *end = t->s + t->len;

	if (t->kind != TK_TIME || number(&s, 2, h) || *s++ != ':' ||
	    number(&s, 2, mi))
		return -1;
	*se = 0;
	if (s < end && (*s++ != ':' || number(&s, 2, se)))
		return -1;
	return s == end ? 0 : -1;
}

static int tok_zone_name(const struct tok *t, int *off)
{
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (tok_is(t, zones[i].name)) {
			*off = zones[i].minutes;
			return 0;
		}
	return -1;
}

static int tok_zone_num(const struct tok *t, int *off)
{
	char buf[16];
	const char *s = buf;

	if (t->kind != TK_ZONE || t->len >= (int)sizeof(buf))
		return -1;
	memcpy(buf, t->s, (size_t)t->len);
	buf[t->len] = '\0';
	if (numeric_zone(&s, off) || *s)
		return -1;
	return 0;
}

static int parse_rfc822(const char *str, int64_t *out)
{
	struct tok t[MAX_TOKS];
	int n, i = 0, y = -1, mo = 0, d = 0, h = 0, mi = 0, se = 0, off = 0;

	if (tokenize(str, t, &n) || !n)
		return -1;
	if (tok_wday(&t[i]) && !tok_month(&t[i]))
		i++;
	if (i < n && t[i].kind == TK_SLASH) { /* Perforce: YYYY/MM/DD */
		const char *s = t[i].s;

		if (digits(&s, 4, &y) || *s++ != '/' || number(&s, 2, &mo) ||
		    *s++ != '/' || number(&s, 2, &d) || s != t[i].s + t[i].len)
			return -1;
		i++;
	} else if (i + 1 < n && t[i].kind == TK_NUM &&
		   tok_month(&t[i + 1])) { /* DD Mon YYYY */
		if (tok_num(&t[i], 2, &d) || i + 2 >= n ||
		    tok_year(&t[i + 2], &y))
			return -1;
		mo = tok_month(&t[i + 1]);
		i += 3;
	} else if (i + 1 < n && tok_month(&t[i])) { /* Mon DD [YYYY] */
		mo = tok_month(&t[i]);
		if (tok_num(&t[i + 1], 2, &d))
			return -1;
		i += 2;
		if (i < n && t[i].kind == TK_NUM && !tok_year(&t[i], &y))
			i++;
	} else {
		return -1;
	}
	if (i < n && t[i].kind == TK_TIME) {
		if (tok_time(&t[i], &h, &mi, &se))
			return -1;
		i++;
	}
	if (i < n && t[i].kind == TK_WORD) {
		if (tok_zone_name(&t[i], &off))
			return -1;
		i++;
		if (i < n && t[i].kind == TK_ZONE) { /* GMT-01:01 */
			int more;

			if (tok_zone_num(&t[i], &more))
				return -1;
			off += more;
			i++;
		}
	} else if (i < n && t[i].kind == TK_ZONE) {
		if (tok_zone_num(&t[i], &off))
			return -1;
		i++;
	}
	if (y < 0) { /* asctime: the year comes last */
		if (i >= n || tok_year(&t[i], &y))
			return -1;
		i++;
	}
	if (i != n || !valid(y, mo, d, h, mi, se))
		return -1;
	*out = to_epoch(y, mo, d, h, mi, se) - (int64_t)off * 60;
	return 0;
}

/* ---- localised forms ---- */

/*
 * Korean dates (feedparser's OnBlog and Nate forms) are read in Korean
 * time: "2004년 05월 28일 01:31:15" and "2004-05-25 오후 11:23:17".
 */
static int parse_korean(const char *s, int64_t *out)
{
	static const char year[] = "\xeb\x85\x84", month[] = "\xec\x9b\x94",
			  day[] = "\xec\x9d\xbc",
			  am[] = "\xec\x98\xa4\xec\xa0\x84",
			  pm[] = "\xec\x98\xa4\xed\x9b\x84";
	char buf[64];
	int y, mo, d, h, mi, se, n;
	const char *p = s;

	if (strstr(s, year)) {
		if (digits(&p, 4, &y) || strncmp(p, year, 3))
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		if (digits(&p, 2, &mo) || strncmp(p, month, 3))
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		if (digits(&p, 2, &d) || strncmp(p, day, 3))
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%s", y, mo, d,
			     p);
		return n < (int)sizeof(buf) ? parse_iso(buf, 540, out) : -1;
	}
	if (strstr(s, am) || strstr(s, pm)) {
		int is_pm = strstr(s, pm) != NULL;

		if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
		    *p++ != '-' || digits(&p, 2, &d))
			return -1;
		while (*p == ' ')
			p++;
		if (strncmp(p, is_pm ? pm : am, 6))
			return -1;
		p += 6;
		while (*p == ' ')
			p++;
		if (number(&p, 2, &h) || *p++ != ':' || number(&p, 2, &mi) ||
		    *p++ != ':' || number(&p, 2, &se) || *p)
			return -1;
		if (is_pm)
			h += 12;
		n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d",
			     y, mo, d, h, mi, se);
		return n < (int)sizeof(buf) ? parse_iso(buf, 540, out) : -1;
	}
	return -1;
}

/* Replace the local names of translations[] in s, into out. */
static int translate(const char *s, char *out, size_t cap)
{
	size_t o = 0, i;
	int changed = 0;

	while (*s) {
		for (i = 0; i < sizeof(translations) / sizeof(translations[0]);
		     i++) {
			size_t fl = strlen(translations[i].from);

			if (!strncmp(s, translations[i].from, fl))
				break;
		}
		if (i < sizeof(translations) / sizeof(translations[0])) {
			size_t tl = strlen(translations[i].to);

			if (o + tl >= cap)
				return -1;
			memcpy(out + o, translations[i].to, tl);
			o += tl;
			s += strlen(translations[i].from);
			changed = 1;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *s++;
	}
	out[o] = '\0';
	return changed;
}

int chorus_date_parse(const char *s, int64_t *out)
{
	char tmp[128], tr[160];
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
	if (!parse_iso(tmp, 0, out) || !parse_rfc822(tmp, out) ||
	    !parse_korean(tmp, out))
		return 0;
	if (translate(tmp, tr, sizeof(tr)) > 0 &&
	    (!parse_iso(tr, 0, out) || !parse_rfc822(tr, out)))
		return 0;
	return CHORUS_EPARSE;
}
