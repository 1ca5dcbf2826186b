/*
 * `chorus poll`: fetch the site's subscriptions that are due, store their
 * new and changed items as articles, and keep each feed's state (the
 * validators of its last 200, when it may be polled next, its failures
 * and its fetch log) in the store. The caller holds the site's lock.
 *
 * When a feed is due: never sooner than its interval (the [feed] section's
 * `interval`, else 1 hour when the server gave a validator, 1 day when it
 * gave neither), later when the server (Cache-Control max-age, Expires) or
 * the feed itself (RSS ttl, sy:updatePeriod/updateFrequency) asks for
 * longer, moved out of the feed's skipHours/skipDays, plus a little jitter
 * so that a site's feeds spread out. A failure backs off exponentially
 * (the interval, then twice that, … up to a day); 429 and 503 wait what
 * Retry-After says. A 410 retires the feed: it is never polled again, and
 * its articles stay. A feed that answered with permanent redirects (301,
 * 308) to the same new URL on 3 polls in a row is moved: chorus.ini's
 * section is renamed and its state follows.
 *
 * Each feed's results are stored in one transaction, so a run killed at any
 * moment keeps every feed stored before, and a failed fetch or parse never
 * deletes an article.
 */
#ifndef CHORUS_POLL_H
#define CHORUS_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/config.h"
#include "chorus/error.h"
#include "chorus/store.h"

#define CHORUS_POLL_MOVE_POLLS 3	  /* permanent redirects to move */
#define CHORUS_POLL_DEFAULT_INTERVAL 3600 /* with validators */
#define CHORUS_POLL_NO_VALIDATOR_INTERVAL 86400
#define CHORUS_POLL_MAX_BACKOFF 86400
#define CHORUS_POLL_MAX_HINT (7 * 86400) /* longest wait a server can ask */

struct chorus_poll_options {
	int force;   /* poll every feed now, due or not (retired ones stay) */
	int64_t now; /* the time of this run; 0: the clock */
};

struct chorus_poll_stats {
	size_t feeds;	     /* subscriptions */
	size_t due;	     /* … polled this run */
	size_t retired;	     /* … retired (410) before or now */
	size_t ok;	     /* answered 200 */
	size_t not_modified; /* answered 304 */
	size_t failed;	     /* failed (network, HTTP error, parse) */
	size_t moved;	     /* chorus.ini rewritten for a moved feed */
	size_t articles_new;
	size_t articles_changed;
	int64_t bytes;
};

/* Poll the site's due feeds into st. */
int chorus_poll(const struct chorus_site *site, struct chorus_store *st,
		const struct chorus_poll_options *opt,
		struct chorus_poll_stats *stats, struct chorus_report *report,
		struct chorus_err *err);

/* What a feed document asks of its readers' schedule. */
struct chorus_poll_hints {
	int64_t interval;    /* ttl or sy:update*, seconds; 0: nothing */
	uint32_t skip_hours; /* bit h set: skip hour h, UTC */
	unsigned skip_days;  /* bit d set: skip day d (0 = Sunday) */
};

/*
 * Read the hints from an RSS document's channel (the part before its
 * first item and after its last): ttl, sy:updatePeriod and
 * sy:updateFrequency, skipHours and skipDays. Other formats give none.
 */
void chorus_poll_hints_scan(const char *data, size_t len,
			    struct chorus_poll_hints *out);

/*
 * The earliest time to poll again after a success at now: interval
 * (seconds) stretched by max_age (-1: none) and the hints (both capped at
 * CHORUS_POLL_MAX_HINT), plus jitter (seconds, added as given), then moved
 * out of skipped hours and days.
 */
int64_t chorus_poll_next(int64_t now, int64_t interval, int64_t max_age,
			 const struct chorus_poll_hints *hints, int64_t jitter);

/*
 * The wait after the failures-th failure in a row of a feed polled every
 * interval seconds: interval × 2^(failures−1), capped at
 * CHORUS_POLL_MAX_BACKOFF (or at interval when that is longer).
 */
int64_t chorus_poll_backoff(int64_t interval, long failures);

#endif
