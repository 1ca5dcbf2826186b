/*
 * The poll pipeline (see include/chorus/poll.h): pick the due feeds, fetch
 * them all at once (fetch.c), and as each transfer ends, store what it
 * brought and the feed's new state (feeds are grouped in transactions of a
 * quarter second). Everything a feed's HTTP answer means for its schedule
 * is decided in settle(); a 200's body is parsed into articles by
 * parse_body() on worker threads, one per core (parsing is most of a first
 * poll's work), then stored by store_parsed() on the thread that owns the
 * store: the one place feed parsing meets the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
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
	/* now less the clock when the run began: a run given its time
	 * (chorus_poll_options.now) keeps its answers' times in that clock */
	int64_t clock_shift;
	long done, total;
	int in_tx;	  /* a transaction is open */
	int64_t tx_start; /* when it began (ms, monotonic) */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Feeds are stored in transactions of up to a quarter second: each feed's
 * results go in whole or not at all, a kill loses at most that quarter
 * second of work, and a thousand feeds do not pay a thousand commits.
 */
static int tx_begin(struct poll_run *r)
{
	int rc;

	if (r->in_tx)
		return 0;
	rc = chorus_store_begin(r->st, r->err);
	if (!rc) {
		r->in_tx = 1;
		r->tx_start = now_ms();
	}
	return rc;
}

static int tx_commit(struct poll_run *r, int now)
{
	if (!r->in_tx || (!now && now_ms() - r->tx_start < 250))
		return 0;
	r->in_tx = 0;
	return chorus_store_commit(r->st, r->err);
}

static void tx_rollback(struct poll_run *r)
{
	if (r->in_tx)
		chorus_store_rollback(r->st);
	r->in_tx = 0;
}

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

/* A 200's body read into articles by a worker, waiting to be stored. */
struct parsed {
	int rc; /* 0, or why the body is not a feed */
	struct chorus_err err;
	char *title;		  /* the feed's title */
	char *outlet;		  /* the name its articles go under */
	struct chorus_article *a; /* its entries, as articles */
	unsigned char *dated;	  /* did entry i give a date? */
	size_t n;
	struct chorus_poll_hints hints;
};

/* One 200 on its way through the workers. */
struct item {
	struct item *next;
	struct job *j;
	struct chorus_fetch_result res; /* its strings owned by the item */
	struct parsed p;
};

static void item_free(struct item *it)
{
	size_t i;

	if (!it)
		return;
	free((char *)it->res.final_url);
	free((char *)it->res.etag);
	free((char *)it->res.last_modified);
	free((char *)it->res.content_type);
	chorus_buf_release(&it->res.body);
	for (i = 0; i < it->p.n; i++)
		chorus_article_release(&it->p.a[i]);
	free(it->p.a);
	free(it->p.dated);
	free(it->p.title);
	free(it->p.outlet);
	free(it);
}

/*
 * On a worker thread: parse the body and turn its entries into articles
 * (the costly part of a poll, done on every core). Touches nothing but
 * the item and read-only configuration.
 */
static void parse_body(const struct chorus_site *site, int64_t now,
		       struct item *it)
{
	struct chorus_feed_options fo;
	struct chorus_feed *feed = NULL;
	struct parsed *p = &it->p;
	size_t i;
	int rc;

	memset(&fo, 0, sizeof(fo));
	fo.max_size = site->poll.max_feed_bytes;
	fo.base_url = it->res.final_url;
	fo.content_type = it->res.content_type;
	/*
	 * An article keeps the summary as HTML and the content only as text:
	 * so the parser leaves the HTML raw, the summary alone is sanitised
	 * below, and the content is never sanitised only to be flattened.
	 */
	fo.raw_html = 1;
	rc = chorus_feed_parse(chorus_buf_cstr(&it->res.body), it->res.body.len,
			       &fo, &feed, &p->err);
	if (!rc) {
		chorus_poll_hints_scan(it->res.body.data, it->res.body.len,
				       &p->hints);
		chorus_buf_release(&it->res.body);
		p->a =
		    calloc(feed->nentries ? feed->nentries : 1, sizeof(*p->a));
		p->dated = calloc(feed->nentries ? feed->nentries : 1, 1);
		p->outlet = chorus_strdup(outlet_name(it->j, feed));
		if (!p->a || !p->dated || !p->outlet ||
		    set_str(&p->title, feed->title))
			rc = CHORUS_ENOMEM;
	}
	for (i = 0; !rc && i < feed->nentries; i++) {
		const struct chorus_feed_entry *e = &feed->entries[i];
		struct chorus_article *a = &p->a[p->n];
		struct chorus_err eerr = {0};

		chorus_article_init(a);
		rc = chorus_feed_entry_to_article(feed, e, now, a, &eerr);
		if (rc == CHORUS_EEMPTY) {
			/* Neither id nor link: nothing to key it by. */
			chorus_article_release(a);
			rc = 0;
			continue;
		}
		if (!rc)
			rc = set_str(&a->source, p->outlet);
		if (!rc && a->summary) {
			char *clean =
			    chorus_feed_sanitize(a->summary, it->res.final_url);

			free(a->summary);
			a->summary = clean;
			if (!clean)
				rc = CHORUS_ENOMEM;
		}
		p->dated[p->n++] = e->has_published || e->has_updated;
		if (rc && rc != CHORUS_ENOMEM)
			chorus_err_set(&p->err, rc, "%s", eerr.msg);
	}
	if (rc == CHORUS_ENOMEM)
		chorus_err_set(&p->err, rc, "out of memory");
	p->rc = rc;
	chorus_feed_free(feed);
}

/*
 * Store a parsed body's articles. An entry stored before with the same
 * contents is left alone, one whose contents changed is updated (it keeps
 * its story), and the same entry twice in the document is one article. An
 * undated entry keeps the date it was first seen at.
 */
static int store_parsed(struct poll_run *r, struct job *j, struct parsed *p,
			long *n_new, long *n_changed, struct chorus_err *err)
{
	int64_t source_id = 0, seen;
	size_t i;
	int rc = set_str(&j->state.title, p->title);

	if (rc)
		return chorus_err_set(err, rc, "out of memory");
	rc = chorus_store_source_get(r->st, p->outlet, j->fc->url, &source_id,
				     err);
	for (i = 0; !rc && i < p->n; i++) {
		struct chorus_article *a = &p->a[i];
		enum chorus_put_result put;
		int found = 0;

		if (!p->dated[i]) {
			rc = chorus_store_article_published(r->st, a->key,
							    &seen, &found, err);
			if (rc)
				break;
			if (found)
				a->published = a->updated = seen;
		}
		rc = chorus_store_article_put(r->st, a, source_id, &put, err);
		if (!rc && put == CHORUS_PUT_NEW)
			(*n_new)++;
		else if (!rc && put == CHORUS_PUT_CHANGED)
			(*n_changed)++;
	}
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
		  const struct chorus_fetch_result *res, struct parsed *p)
{
	struct chorus_fetch_record rec;
	struct chorus_poll_hints hints;
	struct chorus_err perr = {0};
	struct chorus_feed_state *s = &j->state;
	char *sent_etag = NULL, *sent_lm = NULL, *moved = NULL;
	char wait[32], problem[640] = "";
	long n_new = 0, n_changed = 0;
	int64_t next, asked;
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
	rc = tx_begin(r);
	if (rc)
		goto out;
	/*
	 * Every wait counts from when this feed was asked, not from when the
	 * run began: in a long run (a slow host, a thousand feeds) a wait
	 * counted from the start would end early, by as long as the feed
	 * waited its turn.
	 */
	asked = res->started ? res->started + r->clock_shift : r->now;
	s->last_poll = asked;
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
		rc = p->rc;
		if (rc)
			perr = p->err;
		else
			rc = store_parsed(r, j, p, &n_new, &n_changed, &perr);
		if (rc == CHORUS_ENOMEM || rc == CHORUS_EDB) {
			chorus_err_set(r->err, rc, "%s", perr.msg);
			tx_rollback(r);
			goto out;
		}
		if (rc) {
			snprintf(problem, sizeof(problem), "not a feed (%s)",
				 perr.msg);
			rc = 0;
			/* Ask for the whole body again next time, rather
			 * than hear 304 about one that could not be read. */
			free(s->etag);
			free(s->last_modified);
			s->etag = s->last_modified = NULL;
		} else {
			ok = 1;
			hints = p->hints;
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
		s->last_ok = asked;
		free(s->last_error);
		s->last_error = NULL;
		next = chorus_poll_next(asked, base_interval(j), res->max_age,
					&hints, 0);
		next += jitter(j->fc->url, r->now, next - asked);
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

			next = asked + (after > 0 ? after : 1);
			span(next - asked, wait, sizeof(wait));
			snprintf(problem + strlen(problem),
				 sizeof(problem) - strlen(problem),
				 " (Retry-After: next poll in %s)", wait);
		} else {
			next = asked + chorus_poll_backoff(base_interval(j),
							   s->failures);
			span(next - asked, wait, sizeof(wait));
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
		tx_rollback(r);
		rc = chorus_err_set(r->err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	rec.url = j->fc->url;
	rec.final_url = res->final_url;
	rec.time = asked;
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
		rc = tx_commit(r, 0);
	else
		tx_rollback(r);
out:
	free(sent_etag);
	free(sent_lm);
	free(moved);
	return rc;
}

/*
 * The workers: bodies go in at `todo`, come out parsed at `done`, and a
 * byte on the pipe wakes the fetch loop, whose tick stores them on the
 * thread that owns the store. At most MAX_INFLIGHT bodies (or
 * MAX_INFLIGHT_BYTES) wait at once; transfers are held back meanwhile.
 */
#define MAX_WORKERS 4
#define MAX_INFLIGHT 64
#define MAX_INFLIGHT_BYTES ((size_t)64 << 20)

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item *todo, **todo_tail;
	struct item *done, **done_tail;
	size_t inflight; /* items handed in and not yet stored */
	size_t inflight_bytes;
	int stop;
	int wake[2];
	pthread_t th[MAX_WORKERS];
	int n_th;
	const struct chorus_site *site;
	int64_t now;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		struct item *it;

		pthread_mutex_lock(&pl->mu);
		while (!pl->stop && !pl->todo)
			pthread_cond_wait(&pl->cv, &pl->mu);
		it = pl->todo;
		if (!it) {
			pthread_mutex_unlock(&pl->mu);
			return NULL;
		}
		pl->todo = it->next;
		if (!pl->todo)
			pl->todo_tail = &pl->todo;
		pthread_mutex_unlock(&pl->mu);
		parse_body(pl->site, pl->now, it);
		it->next = NULL;
		pthread_mutex_lock(&pl->mu);
		*pl->done_tail = it;
		pl->done_tail = &it->next;
		pthread_mutex_unlock(&pl->mu);
		/* A full pipe already holds a wake-up: nothing lost. */
		if (write(pl->wake[1], "", 1) < 0)
			continue;
	}
}

static int pool_start(struct pool *pl, const struct chorus_site *site,
		      int64_t now)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	memset(pl, 0, sizeof(*pl));
	pl->site = site;
	pl->now = now;
	pl->todo_tail = &pl->todo;
	pl->done_tail = &pl->done;
	pl->wake[0] = pl->wake[1] = -1;
	if (pipe(pl->wake))
		return CHORUS_EIO;
	fcntl(pl->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(pl->wake[1], F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	/* libxml2 sets itself up once, before any thread uses it. */
	xmlInitParser();
	if (cpus < 1)
		cpus = 1;
	for (i = 0; i < cpus && i < MAX_WORKERS; i++) {
		if (pthread_create(&pl->th[i], NULL, worker, pl))
			break;
		pl->n_th++;
	}
	return pl->n_th ? 0 : CHORUS_ENOMEM;
}

static void pool_stop(struct pool *pl)
{
	struct item *it;
	int i;

	pthread_mutex_lock(&pl->mu);
	pl->stop = 1;
	pthread_cond_broadcast(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	for (i = 0; i < pl->n_th; i++)
		pthread_join(pl->th[i], NULL);
	while ((it = pl->todo)) {
		pl->todo = it->next;
		item_free(it);
	}
	while ((it = pl->done)) {
		pl->done = it->next;
		item_free(it);
	}
	if (pl->wake[0] >= 0) {
		close(pl->wake[0]);
		close(pl->wake[1]);
	}
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->cv);
}

struct run_ctx {
	struct poll_run *r;
	struct pool *pl;
};

/* Store what the workers finished. */
static int tick(void *ctx)
{
	struct run_ctx *c = ctx;
	struct pool *pl = c->pl;
	struct item *list, *it;
	char drain[256];
	int rc = 0;

	while (read(pl->wake[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&pl->mu);
	list = pl->done;
	pl->done = NULL;
	pl->done_tail = &pl->done;
	pthread_mutex_unlock(&pl->mu);
	while ((it = list)) {
		list = it->next;
		if (!rc)
			rc = settle(c->r, it->j, &it->res, &it->p);
		if (!rc) {
			c->r->done++;
			chorus_report_progress(c->r->report, "polling",
					       c->r->done, c->r->total);
		}
		pl->inflight--;
		pl->inflight_bytes -= (size_t)it->res.bytes;
		item_free(it);
	}
	return rc;
}

static int admit(void *ctx)
{
	struct run_ctx *c = ctx;

	return c->pl->inflight < MAX_INFLIGHT &&
	       c->pl->inflight_bytes < MAX_INFLIGHT_BYTES;
}

/* Hand a 200 to the workers, with its own copy of what settle needs. */
static int hand_over(struct run_ctx *c, struct job *j,
		     struct chorus_fetch_result *res)
{
	struct pool *pl = c->pl;
	struct item *it = calloc(1, sizeof(*it));

	if (!it)
		return chorus_err_set(c->r->err, CHORUS_ENOMEM,
				      "out of memory");
	it->j = j;
	it->res = *res;
	it->res.final_url = chorus_strdup(res->final_url);
	it->res.etag = chorus_strdup(res->etag);
	it->res.last_modified = chorus_strdup(res->last_modified);
	it->res.content_type = chorus_strdup(res->content_type);
	memset(&res->body, 0, sizeof(res->body)); /* the item has it now */
	if ((res->final_url && !it->res.final_url) ||
	    (res->etag && !it->res.etag) ||
	    (res->last_modified && !it->res.last_modified) ||
	    (res->content_type && !it->res.content_type)) {
		item_free(it);
		return chorus_err_set(c->r->err, CHORUS_ENOMEM,
				      "out of memory");
	}
	pthread_mutex_lock(&pl->mu);
	*pl->todo_tail = it;
	pl->todo_tail = &it->next;
	pl->inflight++;
	pl->inflight_bytes += (size_t)it->res.bytes;
	pthread_cond_signal(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	return 0;
}

static int on_done(void *ctx, const struct chorus_fetch_request *req,
		   struct chorus_fetch_result *res)
{
	struct run_ctx *c = ctx;
	struct poll_run *r = c->r;
	int rc;

	if (!res->error && res->status == 200)
		return hand_over(c, req->user, res);
	rc = settle(r, req->user, res, NULL);
	r->done++;
	chorus_report_progress(r->report, "polling", r->done, r->total);
	return rc;
}

/* After the last transfer: wait for the workers' last bodies. */
static int drain(struct run_ctx *c)
{
	int rc = 0;

	while (!rc && c->pl->inflight) {
		struct pollfd pfd = {c->pl->wake[0], POLLIN, 0};

		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return chorus_err_set(c->r->err, CHORUS_EIO, "poll: %s",
					      strerror(errno));
		rc = tick(c);
	}
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
	struct run_ctx c;
	struct pool pl;
	size_t i, n = 0;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	memset(&r, 0, sizeof(r));
	r.site = site;
	r.st = st;
	r.stats = stats;
	r.report = report;
	r.err = err;
	r.now = (int64_t)time(NULL);
	if (opt && opt->now) {
		r.clock_shift = opt->now - r.now;
		r.now = opt->now;
	}
	jobs = calloc(site->n_feeds ? site->n_feeds : 1, sizeof(*jobs));
	reqs = calloc(site->n_feeds ? site->n_feeds : 1, sizeof(*reqs));
	if (!jobs || !reqs) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	/* One transaction from here: a thousand reads take one lock. */
	rc = tx_begin(&r);
	if (rc)
		goto out;
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
	if (!n) {
		rc = tx_commit(&r, 1);
		goto out;
	}
	chorus_fetch_options_init(&fo);
	fo.per_host = site->poll.per_host;
	fo.parallel = site->poll.parallel;
	fo.connect_timeout = site->poll.connect_timeout;
	fo.timeout = site->poll.timeout;
	fo.max_bytes = site->poll.max_feed_bytes;
	fo.ca_file = site->poll.ca_file;
	rc = site->link ? chorus_buf_printf(&ua, "chorus/%s (+%s)",
					    CHORUS_VERSION, site->link)
			: chorus_buf_printf(&ua, "chorus/%s", CHORUS_VERSION);
	if (rc) {
		rc = chorus_err_set(err, rc, "out of memory");
		goto out;
	}
	fo.user_agent = ua.data;
	rc = pool_start(&pl, site, r.now);
	if (rc) {
		pool_stop(&pl);
		rc =
		    chorus_err_set(err, rc, "cannot start the parsing threads");
		goto out;
	}
	c.r = &r;
	c.pl = &pl;
	fo.wake_fd = pl.wake[0];
	fo.tick = tick;
	fo.admit = admit;
	rc = chorus_fetch_run(&fo, reqs, n, on_done, &c, err);
	if (!rc)
		rc = drain(&c);
	pool_stop(&pl);
	if (!rc)
		rc = tx_commit(&r, 1);
	else
		tx_rollback(&r);
out:
	if (rc)
		tx_rollback(&r);
	for (i = 0; jobs && i < n; i++)
		chorus_feed_state_release(&jobs[i].state);
	chorus_buf_release(&ua);
	free(jobs);
	free(reqs);
	return rc;
}
