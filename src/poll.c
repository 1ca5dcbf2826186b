/*
 * The poll pipeline (see include/chorus/poll.h): pick the due feeds, fetch
 * them all at once (fetch.c), and as each transfer ends, store what it
 * brought and the feed's new state in one transaction. Everything a feed's
 * HTTP answer means for its schedule is decided in settle(); storing the
 * items of a 200 is poll_store_body(), the one place feed parsing meets
 * the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "chorus/feed.h"
#include "chorus/fetch.h"
#include "chorus/poll.h"
#include "chorus/text.h"

struct job {
	const struct chorus_feed_config *fc;
	struct chorus_feed_state state;
};

struct poll_run {
	const struct chorus_site *site;
	struct chorus_store *st;
	struct chorus_poll_stats *stats;
	struct chorus_report *report;
	struct chorus_err *err;
	int64_t now;
	long done, total;
};

/* Only URLs with a scheme are polled; a bare path is a local feed. */
static int is_remote(const char *url)
{
	return !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8) ||
	       strstr(url, "://");
}

/* A stable spread of a feed's polls: up to 5% of its wait, ≤ 15 min. */
static int64_t jitter(const char *url, int64_t now, int64_t wait)
{
	int64_t span = wait / 20;
	uint64_t h;

	if (span > 900)
		span = 900;
	if (span <= 0)
		return 0;
	h = XXH64(url, strlen(url), (uint64_t)now);
	return (int64_t)(h % (uint64_t)(span + 1));
}

static int64_t base_interval(const struct job *j)
{
	if (j->fc->interval > 0)
		return j->fc->interval;
	return j->state.etag || j->state.last_modified
		   ? CHORUS_POLL_DEFAULT_INTERVAL
		   : CHORUS_POLL_NO_VALIDATOR_INTERVAL;
}

static int set_str(char **slot, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = chorus_strdup(value)))
		return CHORUS_ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* The outlet's name: the [feed] name, else the feed's title, else URL. */
static const char *outlet_name(const struct job *j,
			       const struct chorus_feed *feed)
{
	if (j->fc->name && *j->fc->name)
		return j->fc->name;
	if (feed && feed->title && *feed->title)
		return feed->title;
	return j->fc->url;
}

/*
 * Parse a 200's body and store its entries as articles. An entry stored
 * before with the same contents is left alone, one whose contents changed
 * is updated (it keeps its story), and the same entry twice in the
 * document is one article. Fails with CHORUS_EPARSE when nothing could be
 * read as a feed; that stores nothing.
 */
static int poll_store_body(struct poll_run *r, struct job *j,
			   const struct chorus_fetch_result *res,
			   struct chorus_poll_hints *hints, long *n_new,
			   long *n_changed, struct chorus_err *err)
{
	struct chorus_feed_options fo;
	struct chorus_feed *feed = NULL;
	int64_t source_id = 0;
	size_t i;
	int rc;

	memset(&fo, 0, sizeof(fo));
	fo.max_size = r->site->poll.max_feed_bytes;
	fo.base_url = res->final_url;
	fo.content_type = res->content_type;
	rc = chorus_feed_parse(chorus_buf_cstr(&res->body), res->body.len, &fo,
			       &feed, err);
	if (rc)
		return rc;
	chorus_poll_hints_scan(res->body.data, res->body.len, hints);
	rc = set_str(&j->state.title, feed->title);
	if (!rc)
		rc = chorus_store_source_get(r->st, outlet_name(j, feed),
					     j->fc->url, &source_id, err);
	for (i = 0; !rc && i < feed->nentries; i++) {
		const struct chorus_feed_entry *e = &feed->entries[i];
		struct chorus_article a;
		struct chorus_err eerr = {0};
		enum chorus_put_result put;
		int64_t fallback = r->now, seen;
		int found = 0;
		const char *key = e->id ? e->id : e->link;

		/* An undated entry keeps the date it was first seen at. */
		if (!e->has_published && !e->has_updated && key) {
			rc = chorus_store_article_published(r->st, key, &seen,
							    &found, err);
			if (rc)
				break;
			if (found)
				fallback = seen;
		}
		chorus_article_init(&a);
		rc = chorus_feed_entry_to_article(feed, e, fallback, &a, &eerr);
		if (rc == CHORUS_EEMPTY) {
			/* Neither id nor link: nothing to key it by. */
			chorus_article_release(&a);
			rc = 0;
			continue;
		}
		if (!rc)
			rc = set_str(&a.source, outlet_name(j, feed));
		if (!rc)
			rc = chorus_store_article_put(r->st, &a, source_id,
						      &put, err);
		else if (rc != CHORUS_ENOMEM)
			chorus_err_set(err, rc, "%s", eerr.msg);
		if (!rc && put == CHORUS_PUT_NEW)
			(*n_new)++;
		else if (!rc && put == CHORUS_PUT_CHANGED)
			(*n_changed)++;
		chorus_article_release(&a);
	}
	if (rc == CHORUS_ENOMEM)
		chorus_err_set(err, rc, "out of memory");
	chorus_feed_free(feed);
	return rc;
}

/* "3h", "25m", "40s": a wait as a person reads it. */
static void span(int64_t s, char *out, size_t n)
{
	if (s >= 2 * 86400)
		snprintf(out, n, "%lldd", (long long)(s / 86400));
	else if (s >= 2 * 3600)
		snprintf(out, n, "%lldh", (long long)(s / 3600));
	else if (s >= 120)
		snprintf(out, n, "%lldm", (long long)(s / 60));
	else
		snprintf(out, n, "%llds", (long long)s);
}

/* A permanent move seen again: returns the new URL once it has held. */
static const char *note_move(struct job *j,
			     const struct chorus_fetch_result *res, int *oom)
{
	if (!res->permanent) {
		free(j->state.moved_to);
		j->state.moved_to = NULL;
		j->state.moved_count = 0;
		return NULL;
	}
	if (j->state.moved_to && !strcmp(j->state.moved_to, res->final_url)) {
		j->state.moved_count++;
	} else {
		if (set_str(&j->state.moved_to, res->final_url)) {
			*oom = 1;
			return NULL;
		}
		j->state.moved_count = 1;
	}
	return j->state.moved_count >= CHORUS_POLL_MOVE_POLLS
		   ? j->state.moved_to
		   : NULL;
}

/* Decide what the answer means, store it, and log the fetch. */
static int settle(struct poll_run *r, struct job *j,
		  struct chorus_fetch_result *res)
{
	struct chorus_fetch_record rec;
	struct chorus_poll_hints hints;
	struct chorus_err perr = {0};
	struct chorus_feed_state *s = &j->state;
	char *sent_etag = NULL, *sent_lm = NULL, *moved = NULL;
	char wait[32], problem[640] = "";
	long n_new = 0, n_changed = 0;
	int64_t next;
	int rc, ok = 0, oom = 0, retired = 0;
	const char *move_to = NULL;

	memset(&rec, 0, sizeof(rec));
	hints.interval = s->doc_interval;
	hints.skip_hours = s->skip_hours;
	hints.skip_days = s->skip_days;
	/* What was sent, before the state takes what came back. */
	if (set_str(&sent_etag, s->etag) ||
	    set_str(&sent_lm, s->last_modified)) {
		rc = chorus_err_set(r->err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	rc = chorus_store_begin(r->st, r->err);
	if (rc)
		goto out;
	s->last_poll = res->started;
	s->last_status = res->status;
	s->last_bytes = res->bytes;
	r->stats->bytes += res->bytes;
	if (res->error) {
		snprintf(problem, sizeof(problem), "%s", res->message);
	} else if (res->status == 200) {
		/* The validators of every 200, even an unchanged body. */
		if (set_str(&s->etag, res->etag) ||
		    set_str(&s->last_modified, res->last_modified))
			oom = 1;
		rc = poll_store_body(r, j, res, &hints, &n_new, &n_changed,
				     &perr);
		if (rc == CHORUS_ENOMEM || rc == CHORUS_EDB) {
			chorus_err_set(r->err, rc, "%s", perr.msg);
			chorus_store_rollback(r->st);
			goto out;
		}
		if (rc) {
			snprintf(problem, sizeof(problem), "not a feed (%s)",
				 perr.msg);
			rc = 0;
		} else {
			ok = 1;
			s->doc_interval = hints.interval;
			s->skip_hours = hints.skip_hours;
			s->skip_days = hints.skip_days;
		}
	} else if (res->status == 304) {
		ok = 1;
	} else if (res->status == 410) {
		retired = 1;
	} else {
		snprintf(problem, sizeof(problem), "HTTP %d", res->status);
	}
	if (ok) {
		r->stats->ok += res->status == 200;
		r->stats->not_modified += res->status == 304;
		s->failures = 0;
		s->last_ok = res->started;
		free(s->last_error);
		s->last_error = NULL;
		next = chorus_poll_next(r->now, base_interval(j), res->max_age,
					&hints, 0);
		next += jitter(j->fc->url, r->now, next - r->now);
		move_to = note_move(j, res, &oom);
	} else if (retired) {
		s->retired = 1;
		s->failures = 0;
		next = INT64_MAX / 2;
		if (set_str(&s->last_error, "410 Gone: retired"))
			oom = 1;
		r->stats->retired++;
		chorus_report_say(r->report, CHORUS_REPORT_WARN,
				  "%s: 410 Gone: the feed is retired and no "
				  "longer polled (its %lld articles stay)",
				  j->fc->url, (long long)s->items);
	} else {
		s->failures++;
		if ((res->status == 429 || res->status == 503) &&
		    res->retry_after >= 0) {
			int64_t after = res->retry_after < CHORUS_POLL_MAX_HINT
					    ? res->retry_after
					    : CHORUS_POLL_MAX_HINT;

			next = r->now + (after > 0 ? after : 1);
			span(next - r->now, wait, sizeof(wait));
			snprintf(problem + strlen(problem),
				 sizeof(problem) - strlen(problem),
				 " (Retry-After: next poll in %s)", wait);
		} else {
			next = r->now + chorus_poll_backoff(base_interval(j),
							    s->failures);
			span(next - r->now, wait, sizeof(wait));
			snprintf(problem + strlen(problem),
				 sizeof(problem) - strlen(problem),
				 "; failure %ld in a row, next try in %s",
				 s->failures, wait);
		}
		if (set_str(&s->last_error, problem))
			oom = 1;
		r->stats->failed++;
		chorus_report_say(r->report, CHORUS_REPORT_FAIL, "%s: %s",
				  j->fc->url, problem);
	}
	s->next_poll = next;
	s->items += n_new;
	r->stats->articles_new += (size_t)n_new;
	r->stats->articles_changed += (size_t)n_changed;
	if (oom) {
		chorus_store_rollback(r->st);
		rc = chorus_err_set(r->err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	rec.url = j->fc->url;
	rec.final_url = res->final_url;
	rec.time = res->started;
	rec.ms = res->ms;
	rec.status = res->status;
	rec.bytes = res->bytes;
	rec.sent_etag = sent_etag;
	rec.sent_last_modified = sent_lm;
	rec.etag = res->etag;
	rec.last_modified = res->last_modified;
	rec.next_poll = next;
	rec.error = s->last_error;
	rec.items_new = n_new;
	rec.items_changed = n_changed;
	rc = chorus_store_feed_put(r->st, s, r->err);
	if (!rc)
		rc = chorus_store_fetch_log(r->st, &rec, r->err);
	if (!rc && move_to && r->site->config_path) {
		struct chorus_err cerr = {0};

		if (!(moved = chorus_strdup(move_to))) {
			rc = chorus_err_set(r->err, CHORUS_ENOMEM,
					    "out of memory");
		} else if (chorus_config_feed_rename(r->site->config_path,
						     j->fc->url, moved,
						     &cerr)) {
			chorus_report_say(r->report, CHORUS_REPORT_FAIL,
					  "%s moved to %s, but chorus.ini "
					  "could not be changed: %s",
					  j->fc->url, moved, cerr.msg);
			r->stats->failed++;
		} else {
			rc = chorus_store_feed_rename(r->st, j->fc->url, moved,
						      r->err);
			if (!rc) {
				r->stats->moved++;
				chorus_report_say(
				    r->report, CHORUS_REPORT_WARN,
				    "%s moved permanently to %s (%d "
				    "polls in a row): %s now subscribes "
				    "to the new URL",
				    j->fc->url, moved, CHORUS_POLL_MOVE_POLLS,
				    r->site->config_path);
			}
		}
	}
	if (!rc)
		rc = chorus_store_commit(r->st, r->err);
	else
		chorus_store_rollback(r->st);
out:
	free(sent_etag);
	free(sent_lm);
	free(moved);
	return rc;
}

static int on_done(void *ctx, const struct chorus_fetch_request *req,
		   struct chorus_fetch_result *res)
{
	struct poll_run *r = ctx;
	int rc = settle(r, req->user, res);

	r->done++;
	chorus_report_progress(r->report, "polling", r->done, r->total);
	return rc;
}

int chorus_poll(const struct chorus_site *site, struct chorus_store *st,
		const struct chorus_poll_options *opt,
		struct chorus_poll_stats *stats, struct chorus_report *report,
		struct chorus_err *err)
{
	struct chorus_fetch_options fo;
	struct chorus_fetch_request *reqs = NULL;
	struct chorus_buf ua = CHORUS_BUF_INIT;
	struct job *jobs = NULL;
	struct poll_run r;
	size_t i, n = 0;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	memset(&r, 0, sizeof(r));
	r.site = site;
	r.st = st;
	r.stats = stats;
	r.report = report;
	r.err = err;
	r.now = opt && opt->now ? opt->now : (int64_t)time(NULL);
	jobs = calloc(site->n_feeds ? site->n_feeds : 1, sizeof(*jobs));
	reqs = calloc(site->n_feeds ? site->n_feeds : 1, sizeof(*reqs));
	if (!jobs || !reqs) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < site->n_feeds; i++) {
		const struct chorus_feed_config *fc = &site->feeds[i];
		struct job *j = &jobs[n];
		int found;

		if (!is_remote(fc->url))
			continue;
		stats->feeds++;
		chorus_feed_state_init(&j->state);
		j->fc = fc;
		rc = chorus_store_feed_get(st, fc->url, &j->state, &found, err);
		if (rc) {
			chorus_feed_state_release(&j->state);
			goto out;
		}
		if (j->state.retired) {
			stats->retired++;
		} else if ((opt && opt->force) || j->state.next_poll <= r.now) {
			reqs[n].url = fc->url;
			reqs[n].etag = j->state.etag;
			reqs[n].last_modified = j->state.last_modified;
			reqs[n].user = j;
			n++;
			continue;
		}
		chorus_feed_state_release(&j->state);
	}
	stats->due = n;
	r.total = (long)n;
	if (!n)
		goto out;
	memset(&fo, 0, sizeof(fo));
	fo.per_host = site->poll.per_host;
	fo.parallel = site->poll.parallel;
	fo.connect_timeout = site->poll.connect_timeout;
	fo.timeout = site->poll.timeout;
	fo.max_bytes = site->poll.max_feed_bytes;
	rc = site->link ? chorus_buf_printf(&ua, "chorus/%s (+%s)",
					    CHORUS_VERSION, site->link)
			: chorus_buf_printf(&ua, "chorus/%s", CHORUS_VERSION);
	if (rc) {
		rc = chorus_err_set(err, rc, "out of memory");
		goto out;
	}
	fo.user_agent = ua.data;
	rc = chorus_fetch_run(&fo, reqs, n, on_done, &r, err);
out:
	for (i = 0; jobs && i < n; i++)
		chorus_feed_state_release(&jobs[i].state);
	chorus_buf_release(&ua);
	free(jobs);
	free(reqs);
	return rc;
}
