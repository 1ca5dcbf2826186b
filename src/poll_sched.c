/*
 * When to poll a feed again (see include/chorus/poll.h): the schedule
 * after a success, the backoff after failures, and the hints an RSS
 * channel gives about its own schedule. Pure functions of their inputs,
 * so that the schedule is tested without a clock.
 *
 * The hints are read from the channel's own elements, which sit before
 * the first <item> (or, in some feeds, after the last one): a few hundred
 * bytes, never the items themselves.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chorus/poll.h"

/* The text of the first <*NAME>…</ element in [p, end), or NULL. */
static const char *element(const char *p, const char *end, const char *name,
			   size_t *len)
{
	size_t n = strlen(name);

	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		const char *nm, *gt, *close;

		if (!lt)
			return NULL;
		p = lt + 1;
		gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			return NULL;
		/* Any namespace prefix: <sy:updatePeriod>, <ttl>. */
		nm = memchr(p, ':', (size_t)(gt - p));
		nm = nm ? nm + 1 : p;
		if ((size_t)(gt - nm) < n || strncmp(nm, name, n) ||
		    (nm[n] != '>' && nm[n] != ' ' && nm[n] != '/'))
			continue;
		if (gt[-1] == '/')
			return NULL; /* <ttl/> */
		close = gt + 1;
		while (close < end && *close != '<')
			close++;
		*len = (size_t)(close - gt - 1);
		return gt + 1;
	}
	return NULL;
}

static long number(const char *s, size_t len)
{
	char buf[24];
	char *e;
	long v;

	while (len && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
		s++;
		len--;
	}
	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtol(buf, &e, 10);
	while (*e == ' ' || *e == '\n' || *e == '\t' || *e == '\r')
		e++;
	return e == buf || *e || v < 0 ? -1 : v;
}

static int word_is(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	while (len && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' ||
		       s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	return len == n && !strncasecmp(s, w, n);
}

/* Every <tag> value inside the first <outer>…</outer> of [p, end). */
static void list_values(const char *p, const char *end, const char *outer,
			const char *tag,
			void (*each)(void *, const char *, size_t), void *ctx)
{
	size_t len;
	const char *in = element(p, end, outer, &len);
	const char *stop, *v;

	if (!in)
		return;
	/* The list holds child elements: read up to its closing tag. */
	stop = in;
	while (stop < end && !(stop[0] == '<' && stop[1] == '/' &&
			       (size_t)(end - stop) > strlen(outer) + 2 &&
			       !strncmp(stop + 2, outer, strlen(outer))))
		stop++;
	while (in < stop && (v = element(in, stop, tag, &len))) {
		each(ctx, v, len);
		in = v + len;
	}
}

static void add_hour(void *ctx, const char *v, size_t len)
{
	struct chorus_poll_hints *h = ctx;
	long n = number(v, len);

	/* RSS says 0-23; some feeds write 24 for midnight. */
	if (n == 24)
		n = 0;
	if (n >= 0 && n < 24)
		h->skip_hours |= (uint32_t)1 << n;
}

static void add_day(void *ctx, const char *v, size_t len)
{
	static const char *const days[] = {"Sunday",	"Monday",   "Tuesday",
					   "Wednesday", "Thursday", "Friday",
					   "Saturday"};
	struct chorus_poll_hints *h = ctx;
	unsigned d;

	for (d = 0; d < 7; d++)
		if (word_is(v, len, days[d]))
			h->skip_days |= 1u << d;
}

static void scan_part(const char *p, const char *end,
		      struct chorus_poll_hints *out)
{
	const char *v;
	size_t len;
	long n;

	if ((v = element(p, end, "ttl", &len)) && (n = number(v, len)) > 0 &&
	    n < 100000)
		out->interval = (int64_t)n * 60;
	if ((v = element(p, end, "updatePeriod", &len))) {
		static const struct {
			const char *word;
			int64_t seconds;
		} periods[] = {
		    {"hourly", 3600},	     {"daily", 86400},
		    {"weekly", 7 * 86400},   {"monthly", 30 * 86400},
		    {"yearly", 365 * 86400},
		};
		int64_t period = 0;
		long freq = 1;
		size_t i, flen;
		const char *f = element(p, end, "updateFrequency", &flen);

		for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
			if (word_is(v, len, periods[i].word))
				period = periods[i].seconds;
		if (f && (n = number(f, flen)) > 0)
			freq = n;
		if (period && period / freq > out->interval)
			out->interval = period / freq;
	}
	list_values(p, end, "skipHours", "hour", add_hour, out);
	list_values(p, end, "skipDays", "day", add_day, out);
}

/* The first occurrence of needle in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	while (p + n <= end) {
		const char *lt = memchr(p, needle[0], (size_t)(end - p));

		if (!lt || lt + n > end)
			return NULL;
		if (!memcmp(lt, needle, n))
			return lt;
		p = lt + 1;
	}
	return NULL;
}

void chorus_poll_hints_scan(const char *data, size_t len,
			    struct chorus_poll_hints *out)
{
	const char *end = data + len, *first, *last = NULL, *p;

	memset(out, 0, sizeof(*out));
	if (!data || !len)
		return;
	first = find(data, end, "<item");
	if (!first) {
		scan_part(data, end, out);
		return;
	}
	scan_part(data, first, out);
	/* The channel's elements after its last item. */
	for (p = first; (p = find(p + 1, end, "</item>"));)
		last = p;
	if (last)
		scan_part(last, end, out);
}

int64_t chorus_poll_next(int64_t now, int64_t interval, int64_t max_age,
			 const struct chorus_poll_hints *hints, int64_t jitter)
{
	int64_t wait = interval, t;
	int step;

	if (max_age > wait)
		wait = max_age < CHORUS_POLL_MAX_HINT ? max_age
						      : CHORUS_POLL_MAX_HINT;
	if (hints && hints->interval > wait)
		wait = hints->interval < CHORUS_POLL_MAX_HINT
			   ? hints->interval
			   : CHORUS_POLL_MAX_HINT;
	t = now + wait + (jitter > 0 ? jitter : 0);
	if (!hints || (!hints->skip_hours && !hints->skip_days))
		return t;
	/* Move to the start of the next allowed hour, a week at most. */
	for (step = 0; step < 24 * 8; step++) {
		int hour = (int)((t / 3600) % 24);
		/* 1970-01-01 was a Thursday (4). */
		int day = (int)((t / 86400 + 4) % 7);

		if (!(hints->skip_hours & ((uint32_t)1 << hour)) &&
		    !(hints->skip_days & (1u << day)))
			return t;
		t = (t / 3600 + 1) * 3600;
	}
	return now + wait;
}

int64_t chorus_poll_backoff(int64_t interval, long failures)
{
	int64_t cap = interval > CHORUS_POLL_MAX_BACKOFF
			  ? interval
			  : CHORUS_POLL_MAX_BACKOFF;
	int64_t wait = interval > 0 ? interval : 1;
	long i;

	for (i = 1; i < failures && wait < cap; i++)
		wait *= 2;
	return wait < cap ? wait : cap;
}
