/*
 * Site rendering (see include/chorus/render.h): computes the view of every
 * story, orders them newest first, turns each page into JSON data and
 * renders it with its Mustache template. Story pages come first and the
 * index and feed last, so a run killed halfway never publishes an index
 * that links to pages not yet written.
 *
 * A large site is rendered incrementally (src/render_cache.c): a story
 * whose members did not change takes its view from the cache instead of
 * being summarised again, and a page whose inputs hash as last time (and
 * whose file is as it was written) is not rendered at all. So that one new
 * article changes few pages, the index is paginated from the oldest story:
 * index.html shows the latest stories, and page/N.html holds the Nth
 * oldest group of page_size stories by when they broke, which never moves
 * once full; page/1.html is the oldest.
 *
 * Feed HTML (an article's summary) reaches pages only through the
 * sanitiser, again at render time and with CHORUS_SANITIZE_NO_REMOTE_MEDIA:
 * pages make no request of their own, so remote images and media become
 * links (see include/chorus/sanitize.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "chorus/date.h"
#include "chorus/file.h"
#include "chorus/sanitize.h"
#include "chorus/text.h"
#include "render_int.h"
#include "story_int.h"

char *render_href(const char *from_dir, const char *rel)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	const char *p;
	int rc = 0;

	for (p = from_dir; *p && !rc; p++)
		if (*p == '/')
			rc = chorus_buf_adds(&b, "../");
	if (!rc)
		rc = chorus_buf_adds(&b, rel);
	if (rc) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

char *render_abs_url(const struct chorus_site *site, const char *rel)
{
	struct chorus_buf b = CHORUS_BUF_INIT;
	size_t n;

	if (!site->link || !*site->link)
		return chorus_strdup(rel);
	n = strlen(site->link);
	if (chorus_buf_adds(&b, site->link) ||
	    (site->link[n - 1] != '/' && chorus_buf_addc(&b, '/')) ||
	    chorus_buf_adds(&b, rel)) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

char *render_source_page(const struct chorus_source *s)
{
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (chorus_buf_adds(&b, "sources/") || chorus_buf_adds(&b, s->slug) ||
	    chorus_buf_adds(&b, ".html")) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

char *render_article_anchor(const char *key)
{
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (chorus_buf_adds(&b, "a-") || chorus_text_slug(key, 80, &b)) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

/*
 * Is url fit for an href on a page: http or https only. An article's link
 * comes from a feed or a text file's Link header, written by strangers;
 * anything else (javascript:, data:, …) is treated as no link at all.
 */
static int web_url(const char *url)
{
	while (url && (*url == ' ' || *url == '\t'))
		url++;
	return url && (!strncasecmp(url, "http://", 7) ||
		       !strncasecmp(url, "https://", 8));
}

/*
 * Memos (see render_int.h): a slot is filled once, by whichever thread
 * gets there first; one that loses the race frees what it made. They are
 * made on first use, so a run that renders few pages makes few.
 */

/* The index in ctx's corpus of a, an article of it or of ctx->grouped. */
static size_t article_index(const struct render_ctx *ctx,
			    const struct chorus_stored_article *a)
{
	const struct chorus_corpus *c = ctx->corpus;
	uintptr_t p = (uintptr_t)a, base = (uintptr_t)c->articles,
		  g = (uintptr_t)ctx->grouped, size = sizeof(*a);

	if (p >= base && p < base + c->n_articles * size)
		return (size_t)((p - base) / size);
	if (ctx->grouped_from && p >= g && p < g + c->n_articles * size)
		return ctx->grouped_from[(p - g) / size];
	return c->n_articles;
}

/* An article's anchor, borrowed from the memo; NULL when out of memory. */
static const char *memo_anchor(struct render_ctx *ctx,
			       const struct chorus_stored_article *a,
			       char **own)
{
	size_t i = article_index(ctx, a);
	char *made, *was = NULL;

	*own = NULL;
	if (!ctx->anchors || i >= ctx->corpus->n_articles)
		return *own = render_article_anchor(a->a.key);
	if ((was = atomic_load(&ctx->anchors[i])))
		return was;
	made = render_article_anchor(a->a.key);
	if (!made ||
	    atomic_compare_exchange_strong(&ctx->anchors[i], &was, made))
		return made;
	free(made);
	return was;
}

/* A JSON value from a memo slot: a new reference (NULL: out of memory). */
static json_t *memo_json(_Atomic(json_t *) *slot, json_t *made)
{
	json_t *was = NULL;

	if (!made)
		return NULL;
	if (atomic_compare_exchange_strong(slot, &was, json_incref(made)))
		return made; /* one reference in the slot, one returned */
	json_decref(made);
	json_decref(made);
	return json_incref(was);
}

/* "sources/SLUG.html" for a source of ctx's corpus, borrowed or *own. */
static const char *source_page_of(const struct render_ctx *ctx,
				  const struct chorus_source *src, char **own)
{
	uintptr_t p = (uintptr_t)src, base = (uintptr_t)ctx->corpus->sources;

	*own = NULL;
	if (ctx->source_pages && p >= base &&
	    p < base + ctx->corpus->n_sources * sizeof(*src))
		return ctx->source_pages[(p - base) / sizeof(*src)];
	return *own = render_source_page(src);
}

char *render_article_url(struct render_ctx *ctx,
			 const struct chorus_stored_article *a,
			 const struct chorus_source *src, const char *from_dir)
{
	const struct chorus_site *site = ctx->site;
	struct chorus_buf b = CHORUS_BUF_INIT;
	char *own_page, *own_anchor, *url = NULL;
	const char *page, *anchor;

	if (web_url(a->a.link))
		return chorus_strdup(a->a.link);
	page = source_page_of(ctx, src, &own_page);
	anchor = memo_anchor(ctx, a, &own_anchor);
	if (page && anchor && !chorus_buf_adds(&b, page) &&
	    !chorus_buf_addc(&b, '#') && !chorus_buf_adds(&b, anchor))
		url = site->link ? render_abs_url(site, b.data)
				 : render_href(from_dir, b.data);
	chorus_buf_release(&b);
	free(own_page);
	free(own_anchor);
	return url;
}

/*
 * Page data is built with jansson's _nocheck calls: the keys are this
 * code's own, and the strings come from the store and the views, UTF-8
 * already (checking each again, and reading a json_pack() format for
 * every object, was a good part of the pages' cost). A failure anywhere
 * is one ENOMEM at the end: set() takes its value whatever happens.
 */
static int set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new_nocheck(o, key, v) ? CHORUS_ENOMEM : 0;
}

/* A string, or null for NULL (as json_pack's "s?"). */
static json_t *str(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

/* render_href() as a JSON string. */
static json_t *href_json(const char *from_dir, const char *rel)
{
	char buf[512], *p = buf;
	size_t n = strlen(rel), up = 0, i;
	json_t *v;

	for (i = 0; from_dir[i]; i++)
		up += from_dir[i] == '/';
	if (up * 3 + n >= sizeof(buf) && !(p = malloc(up * 3 + n + 1)))
		return NULL;
	for (i = 0; i < up; i++)
		memcpy(p + i * 3, "../", 3);
	memcpy(p + up * 3, rel, n);
	v = json_stringn_nocheck(p, up * 3 + n);
	if (p != buf)
		free(p);
	return v;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

json_t *render_date_json(int64_t t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char iso[CHORUS_DATE_RFC3339_LEN], human[40], *h = human;
	json_t *o;
	int mo, day;

	/*
	 * "YYYY-MM-DDTHH:MM:SSZ", read in place, and "19 Nov 2025, 14:05
	 * UTC" written by hand: it is called for every article of every page.
	 */
	chorus_date_format(t, iso);
	mo = two(iso + 5);
	day = two(iso + 8);
	if (mo < 1 || mo > 12 || day < 1 || day > 31)
		return NULL;
	if (day >= 10)
		*h++ = (char)('0' + day / 10);
	*h++ = (char)('0' + day % 10);
	*h++ = ' ';
	memcpy(h, months + (mo - 1) * 3, 3);
	h += 3;
	*h++ = ' ';
	memcpy(h, iso, 4); /* the year */
	h += 4;
	memcpy(h, ", ", 2);
	h += 2;
	memcpy(h, iso + 11, 5); /* HH:MM */
	h += 5;
	memcpy(h, " UTC", 4);
	h += 4;
	o = json_object();
	if (set(o, "iso", json_string_nocheck(iso)) |
	    set(o, "human", json_stringn_nocheck(human, (size_t)(h - human)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* An article's published date as JSON: a new reference to the memo's. */
static json_t *article_date_json(struct render_ctx *ctx,
				 const struct chorus_stored_article *a)
{
	size_t i = article_index(ctx, a);
	json_t *was;

	if (!ctx->dates || i >= ctx->corpus->n_articles)
		return render_date_json(a->a.published);
	if ((was = atomic_load(&ctx->dates[i])))
		return json_incref(was);
	return memo_json(&ctx->dates[i], render_date_json(a->a.published));
}

/* Append to an array, taking the reference; fails on NULL. */
static int push(json_t *arr, json_t *v)
{
	return v && !json_array_append_new(arr, v) ? 0 : CHORUS_ENOMEM;
}

/* [{key: s}, …] of a list's strings. */
static json_t *strings_json(const struct chorus_strlist *l, const char *key)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < l->n; i++) {
		json_t *o = json_object();

		if (set(o, key, json_string_nocheck(l->v[i])) || push(arr, o)) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/*
 * Mark each element of an array of objects with "is_last", true on the
 * last one only. Every element gets the key: Mustache looks a missing name
 * up in the enclosing contexts, so a key on some elements only would leak.
 */
static int mark_last(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	int rc = 0;

	for (i = 0; i < n; i++)
		rc |= set(json_array_get(arr, i), "is_last",
			  json_boolean(i + 1 == n));
	return rc;
}

/* The source's name as JSON: a new reference. */
static json_t *source_name_json(const struct render_ctx *ctx,
				const struct chorus_source *src)
{
	uintptr_t p = (uintptr_t)src, base = (uintptr_t)ctx->corpus->sources;

	if (ctx->source_names && p >= base &&
	    p < base + ctx->corpus->n_sources * sizeof(*src))
		return json_incref(
		    ctx->source_names[(p - base) / sizeof(*src)]);
	return json_string_nocheck(src->name);
}

static json_t *member_json(struct render_ctx *ctx,
			   const struct chorus_story_member *m,
			   const char *from_dir)
{
	const struct chorus_article *a = &m->article->a;
	char *own_page = NULL, *link = NULL;
	const char *page =
	    m->source ? source_page_of(ctx, m->source, &own_page) : NULL;
	json_t *o = NULL;
	int rc;

	if (page)
		link = render_article_url(ctx, m->article, m->source, from_dir);
	if (!link)
		goto out;
	o = json_object();
	rc = set(o, "source", source_name_json(ctx, m->source));
	rc |= set(o, "source_url", href_json(from_dir, page));
	/* The display title is the title itself when there is one. */
	if (a->title && *a->title) {
		rc |= set(o, "title", json_string_nocheck(a->title));
	} else {
		char *title = chorus_article_display_title(a);

		rc |=
		    set(o, "title", title ? json_string_nocheck(title) : NULL);
		free(title);
	}
	rc |= set(o, "link", json_string_nocheck(link));
	rc |= set(o, "author", str(a->author));
	rc |= set(o, "subtitle", str(a->subtitle));
	rc |= set(o, "date", article_date_json(ctx, m->article));
	rc |= set(o, "only", strings_json(&m->only, "text"));
	rc |= set(o, "has_only", json_boolean(m->only.n > 0));
	if (rc) {
		json_decref(o);
		o = NULL;
	}
out:
	free(own_page);
	free(link);
	return o;
}

/* The story's page as seen from a folder as deep as "stories/". */
static json_t *story_url_json(struct render_ctx *ctx,
			      const struct render_story *rs,
			      const char *from_dir)
{
	size_t i = (size_t)(rs - ctx->stories);
	json_t *was;

	size_t up = 0, k;

	for (k = 0; from_dir[k]; k++)
		up += from_dir[k] == '/';
	if (!ctx->story_urls || i >= ctx->n_stories || up != 1)
		return href_json(from_dir, rs->page);
	if ((was = atomic_load(&ctx->story_urls[i])))
		return json_incref(was);
	return memo_json(&ctx->story_urls[i], href_json(from_dir, rs->page));
}

json_t *render_story_json(struct render_ctx *ctx, const struct render_story *rs,
			  const char *from_dir)
{
	const struct chorus_story_view *v = &rs->view;
	json_t *o = json_object(), *members = json_array(),
	       *sources = json_array();
	size_t i, k;
	int rc = !o || !members || !sources ? CHORUS_ENOMEM : 0;

	for (i = 0; !rc && i < v->n_members; i++) {
		const struct chorus_story_member *m = &v->members[i];
		int seen = 0;

		rc = push(members, member_json(ctx, m, from_dir));
		for (k = 0; k < i && !seen; k++)
			seen = v->members[k].source == m->source;
		if (!rc && !seen && m->source) {
			char *own;
			const char *page = source_page_of(ctx, m->source, &own);
			json_t *so = page ? json_object() : NULL;

			rc = set(so, "name", source_name_json(ctx, m->source));
			rc |= set(so, "url",
				  page ? href_json(from_dir, page) : NULL);
			free(own);
			if (rc || push(sources, so)) {
				json_decref(so);
				rc = CHORUS_ENOMEM;
			}
		}
	}
	if (!rc)
		rc = mark_last(sources);
	rc |= set(o, "headline", json_string_nocheck(v->headline));
	rc |= set(o, "id", json_string_nocheck(v->story->uuid));
	rc |= set(o, "slug", json_string_nocheck(v->story->slug));
	rc |= set(o, "url", story_url_json(ctx, rs, from_dir));
	rc |= set(o, "summary", strings_json(&v->summary, "text"));
	rc |= set(o, "members", members);
	rc |= set(o, "sources", sources);
	json_t *names = strings_json(&v->names, "name");

	if (names && mark_last(names))
		rc = CHORUS_ENOMEM;
	rc |= set(o, "names", names);
	rc |= set(o, "first", render_date_json(v->first));
	rc |= set(o, "last", render_date_json(v->last));
	rc |= set(o, "n_sources", json_integer((json_int_t)v->n_sources));
	rc |= set(o, "n_articles", json_integer((json_int_t)v->n_members));
	rc |= set(o, "many_sources", json_boolean(v->n_sources > 1));
	rc |= set(o, "same_day", json_boolean(v->last - v->first < 86400));
	rc |= set(o, "same_time", json_boolean(v->last == v->first));
	rc |= set(o, "lead", str(v->summary.n ? v->summary.v[0] : NULL));
	rc |= set(o, "has_names", json_boolean(v->names.n > 0));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Data every page shares: the site, the way back to the top, the feed.
 * rel is the page itself (for its absolute URL when [site] link is set).
 */
static json_t *page_json(struct render_ctx *ctx, const char *rel,
			 const char *from_dir, const char *title,
			 const char *description)
{
	const struct chorus_site *s = ctx->site;
	char *abs = s->link && *s->link ? render_abs_url(s, rel) : NULL;
	json_t *o = json_object(), *site = json_object();
	int rc = 0;

	if (s->link && *s->link && !abs)
		rc = CHORUS_ENOMEM;
	rc |= set(site, "title", str(s->title));
	rc |= set(site, "subtitle", str(s->subtitle));
	rc |= set(site, "language", str(s->language));
	rc |= set(site, "link", str(s->link));
	rc |= set(o, "site", site);
	rc |= set(o, "root", href_json(from_dir, ""));
	rc |= set(o, "feed_url", href_json(from_dir, "feed.atom"));
	rc |= set(o, "style_url", href_json(from_dir, "style.css"));
	rc |= set(o, "index_url", href_json(from_dir, "index.html"));
	rc |= set(o, "about_url", href_json(from_dir, "about.html"));
	rc |= set(o, "page_title", str(title));
	rc |= set(o, "description", str(description));
	rc |= set(o, "page_abs_url", str(abs));
	rc |=
	    set(o, "generator", json_string_nocheck("chorus " CHORUS_VERSION));
	rc |= set(o, "nav_index", json_boolean(!strcmp(rel, "index.html")));
	rc |= set(o, "nav_about", json_boolean(!strcmp(rel, "about.html")));
	/* Feeds (issue 7): JSON Feed autodiscovery, the OPML list. */
	rc |= set(o, "json_feed_url", href_json(from_dir, "feed.json"));
	rc |= set(o, "opml_url", href_json(from_dir, "sources.opml"));
	free(abs);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Render template (from ts) into public/REL; takes data. */
static int render_page(struct render_ctx *ctx, struct template_set *ts,
		       const char *template, const char *rel, json_t *data,
		       struct chorus_err *err)
{
	struct chorus_buf *out = template_set_scratch(ts);
	int rc;

	if (!data)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = template_set_render(ts, template, data, out, err);
	if (!rc)
		rc =
		    render_write(ctx, rel, chorus_buf_cstr(out), out->len, err);
	json_decref(data);
	return rc;
}

/* Set key on data (taking value); on failure data is freed: NULL. */
static json_t *with(json_t *data, const char *key, json_t *value)
{
	if (!data || !value) {
		json_decref(data);
		json_decref(value);
		return NULL;
	}
	/* json_object_set_new() takes value even when it fails. */
	if (json_object_set_new(data, key, value)) {
		json_decref(data);
		return NULL;
	}
	return data;
}

/* The hash of a page's inputs: the site's settings, a kind, more to add. */
static int page_hasher(struct render_ctx *ctx, struct render_hasher *h,
		       const char *kind)
{
	if (render_hasher_init(h, ctx->config_hash))
		return CHORUS_ENOMEM;
	render_hasher_str(h, kind);
	return 0;
}

/*
 * Pages that do not depend on one another are rendered on every processor
 * (at most MAX_THREADS): fn(ctx, ts, arg, i, err) renders page i of n
 * with the template set ts of its thread. The pages' bookkeeping in ctx
 * is shared under ctx->lock; the files are the same whichever thread
 * wrote them.
 */
#define MAX_THREADS 8
typedef int (*page_fn)(struct render_ctx *ctx, struct template_set *ts,
		       void *arg, size_t i, struct chorus_err *err);

/*
 * A list of pages to render: fn(ctx, ts, arg, i, err) for i < n, taken a
 * few at a time from a shared counter; done() runs once they are all done.
 */
struct page_queue {
	page_fn fn;
	void *arg;
	size_t n;
	const char *what; /* progress, reported by the first thread only */
	void (*done)(struct render_ctx *ctx);
	atomic_size_t next; /* the next page no thread has taken */
	atomic_size_t n_done;
};

struct page_worker {
	struct render_ctx *ctx;
	struct template_set *ts;
	struct page_queue *q;
	size_t n_q;
	size_t first; /* the queue this thread starts with */
	int report;
	int rc;
	struct chorus_err err;
	pthread_t thread;
};

/*
 * Threads take pages a few at a time from a shared counter, so that one
 * the machine keeps waiting does not hold the others back.
 */
#define CHUNK 16

static void *pages_some(void *vw)
{
	struct page_worker *w = vw;
	size_t lo, i, k;

	for (k = 0; k < w->n_q && !w->rc; k++) {
		struct page_queue *q = &w->q[(w->first + k) % w->n_q];

		while (!w->rc &&
		       (lo = atomic_fetch_add(&q->next, CHUNK)) < q->n) {
			size_t hi = lo + CHUNK < q->n ? lo + CHUNK : q->n;

			for (i = lo; i < hi && !w->rc; i++) {
				w->rc =
				    q->fn(w->ctx, w->ts, q->arg, i, &w->err);
				if (w->report && q->what)
					chorus_report_progress(
					    w->ctx->report, q->what,
					    (long)i + 1, (long)q->n);
			}
			/* The one that finishes the last chunk says so. */
			if (!w->rc &&
			    atomic_fetch_add(&q->n_done, hi - lo) + (hi - lo) ==
				q->n &&
			    q->done)
				q->done(w->ctx);
		}
	}
	return NULL;
}

static size_t n_threads_for(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = cpus > 1 ? (size_t)cpus : 1;

	if (n < 64)
		return 1; /* not worth a thread */
	return t > MAX_THREADS ? MAX_THREADS : t;
}

/*
 * Render the pages of n_q queues on every processor (with threads set),
 * each thread starting with a different queue and helping with the others
 * once its own is empty: two lists of pages in two folders (the story
 * pages, the source pages) are written side by side, and a file system
 * that serialises the files made in one folder makes them in two at once.
 */
static int each_queue(struct render_ctx *ctx, struct template_set *ts,
		      int threads, struct page_queue *q, size_t n_q,
		      struct chorus_err *err)
{
	struct page_worker w[MAX_THREADS];
	pthread_mutex_t lock;
	size_t t, n_threads, started = 0, n = 0;
	int rc = 0;

	for (t = 0; t < n_q; t++)
		n += q[t].n;
	n_threads = threads ? n_threads_for(n) : 1;
	memset(w, 0, sizeof(w));
	for (t = 0; t < n_threads; t++) {
		w[t].ctx = ctx;
		w[t].ts = ts;
		w[t].q = q;
		w[t].n_q = n_q;
		w[t].first = t % n_q;
		w[t].report = t == 0;
	}
	if (n_threads > 1 && pthread_mutex_init(&lock, NULL))
		n_threads = 1;
	if (n_threads == 1) {
		pages_some(&w[0]);
		goto out;
	}
	ctx->lock = &lock;
	/* libxml2 (the sanitiser) is set up once, before any thread uses it. */
	xmlInitParser();
	/* A template set is not shared between threads: one each. */
	for (t = 1; t < n_threads; t++) {
		if (template_set_new(&w[t].ts, ctx->site->templates_dir,
				     &w[t].err) ||
		    pthread_create(&w[t].thread, NULL, pages_some, &w[t]))
			break;
		started = t;
	}
	/* Threads that could not start leave their pages to the others. */
	pages_some(&w[0]);
	for (t = 1; t <= started; t++)
		pthread_join(w[t].thread, NULL);
	ctx->lock = NULL;
	pthread_mutex_destroy(&lock);
	for (t = 1; t < n_threads; t++)
		template_set_free(w[t].ts);
out:
	for (t = 0; t <= started && !rc; t++)
		if (w[t].rc)
			rc = chorus_err_set(err, w[t].rc, "%s", w[t].err.msg);
	return rc;
}

static int each_page(struct render_ctx *ctx, struct template_set *ts,
		     int threads, size_t n, page_fn fn, void *arg,
		     const char *what, struct chorus_err *err)
{
	struct page_queue q;

	memset(&q, 0, sizeof(q));
	q.fn = fn;
	q.arg = arg;
	q.n = n;
	q.what = what;
	atomic_init(&q.next, 0);
	atomic_init(&q.n_done, 0);
	return each_queue(ctx, ts, threads, &q, 1, err);
}

static int story_page(struct render_ctx *ctx, struct template_set *ts,
		      void *arg, size_t i, struct chorus_err *err)
{
	const struct render_story *rs = &ctx->stories[i];
	struct render_hasher h;
	uint64_t hash;
	int same, rc;
	json_t *data, *story;

	(void)arg;
	if (page_hasher(ctx, &h, "story"))
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	render_hasher_i64(&h, (int64_t)rs->hash);
	hash = render_hasher_done(&h);
	rc = render_page_unchanged(ctx, rs->page, hash, &same);
	if (rc || same)
		goto out;
	/* A description for link previews even without a summary. */
	data = page_json(ctx, rs->page, "stories/", rs->view.headline,
			 rs->view.summary.n ? rs->view.summary.v[0]
					    : rs->view.headline);
	story = render_story_json(ctx, rs, "stories/");
	if (story && ctx->json_memo)
		ctx->json_memo[i] = json_incref(story);
	data = with(data, "story", story);
	rc = render_page(ctx, ts, "story.mustache", rs->page, data, err);
	if (!rc)
		rc = render_page_done(ctx, rs->page, hash);
out:
	if (rc == CHORUS_ENOMEM)
		rc = chorus_err_set(err, rc, "out of memory");
	return rc;
}

/*
 * The published stories by id, the id kept beside the pointer so that a
 * search reads one array (it runs for every article of every source page).
 */
struct story_ref {
	int64_t id;
	const struct render_story *rs;
};

static int cmp_story_ref(const void *a, const void *b)
{
	int64_t x = ((const struct story_ref *)a)->id;
	int64_t y = ((const struct story_ref *)b)->id;

	return x < y ? -1 : x > y;
}

/* The published story with id story_id, or NULL (by_id is sorted). */
static const struct render_story *story_of(const struct story_ref *by_id,
					   size_t n, int64_t story_id)
{
	struct story_ref key = {story_id, NULL};
	const struct story_ref *found =
	    n ? bsearch(&key, by_id, n, sizeof(*by_id), cmp_story_ref) : NULL;

	return found ? found->rs : NULL;
}

/* The article's feed summary, sanitised for a page; NULL when it has none. */
static char *summary_html(const struct chorus_article *a)
{
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (!a->summary || !*a->summary)
		return NULL;
	chorus_buf_init(&b, (size_t)1 << 22);
	if (chorus_sanitize_html_flags(a->summary, strlen(a->summary),
				       web_url(a->link) ? a->link : NULL,
				       CHORUS_SANITIZE_NO_REMOTE_MEDIA, &b,
				       NULL) ||
	    !b.len) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

/* The articles of one source (indices into the corpus, oldest first). */
struct source_group {
	size_t *idx;
	size_t n;
};

static json_t *source_articles_json(struct render_ctx *ctx,
				    const struct source_group *g,
				    const struct story_ref *by_id)
{
	json_t *arr = json_array();
	size_t i;

	/* Newest first, as on the index. */
	for (i = g->n; arr && i-- > 0;) {
		const struct chorus_stored_article *a =
		    &ctx->corpus->articles[g->idx[i]];
		const struct render_story *rs =
		    story_of(by_id, ctx->n_stories, a->story_id);
		char *own_anchor, *html = summary_html(&a->a);
		const char *anchor = memo_anchor(ctx, a, &own_anchor);
		json_t *o = json_object();
		int rc = 0;

		/* The display title is the title itself when there is one. */
		if (a->a.title && *a->a.title) {
			rc |= set(o, "title", json_string_nocheck(a->a.title));
		} else {
			char *title = chorus_article_display_title(&a->a);

			rc |= set(o, "title",
				  title ? json_string_nocheck(title) : NULL);
			free(title);
		}
		rc |= set(o, "anchor",
			  anchor ? json_string_nocheck(anchor) : NULL);
		rc |=
		    set(o, "link", str(web_url(a->a.link) ? a->a.link : NULL));
		rc |= set(o, "author", str(a->a.author));
		rc |= set(o, "date", article_date_json(ctx, a));
		rc |=
		    set(o, "story_url",
			rs ? story_url_json(ctx, rs, "sources/") : json_null());
		rc |= set(o, "story_headline",
			  str(rs ? rs->view.headline : NULL));
		rc |= set(o, "summary_html", str(html));
		free(own_anchor);
		free(html);
		if (rc || push(arr, o)) {
			if (rc)
				json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* What a source page shows, hashed. */
static int source_page_hash(struct render_ctx *ctx,
			    const struct chorus_source *src,
			    const struct source_group *g,
			    const struct story_ref *by_id, uint64_t *out)
{
	struct render_hasher h;
	size_t i;

	if (page_hasher(ctx, &h, "source"))
		return CHORUS_ENOMEM;
	render_hasher_str(&h, src->name);
	render_hasher_str(&h, src->slug);
	render_hasher_str(&h, src->url);
	for (i = 0; i < g->n; i++) {
		const struct chorus_stored_article *a =
		    &ctx->corpus->articles[g->idx[i]];
		const struct render_story *rs =
		    story_of(by_id, ctx->n_stories, a->story_id);

		/* All the article holds, hashed once with its story's view. */
		uint64_t ah =
		    ctx->article_hash ? ctx->article_hash[g->idx[i]] : 0;

		render_hasher_i64(&h,
				  (int64_t)(ah ? ah : render_hash_article(a)));
		render_hasher_str(&h, rs ? rs->page : NULL);
		render_hasher_str(&h, rs ? rs->view.headline : NULL);
	}
	*out = render_hasher_done(&h);
	return 0;
}

static int cmp_source_ptr(const void *a, const void *b)
{
	int64_t x = (*(const struct chorus_source *const *)a)->id;
	int64_t y = (*(const struct chorus_source *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* c's sources, by id for bsearch with cmp_source_ptr. Caller frees. */
static const struct chorus_source **sources_by_id(const struct chorus_corpus *c)
{
	const struct chorus_source **v = calloc(c->n_sources + 1, sizeof(*v));
	size_t i;

	for (i = 0; v && i < c->n_sources; i++)
		v[i] = &c->sources[i];
	if (v)
		qsort(v, c->n_sources, sizeof(*v), cmp_source_ptr);
	return v;
}

const struct chorus_source *
render_find_source(const struct chorus_source *const *by_id, size_t n,
		   int64_t id)
{
	struct chorus_source key = {0};
	const struct chorus_source *kp = &key, *const * found;

	key.id = id;
	found =
	    n ? bsearch(&kp, by_id, n, sizeof(*by_id), cmp_source_ptr) : NULL;
	return found ? *found : NULL;
}

/* Group the corpus's articles by source: groups[i] for c->sources[i]. */
static int group_by_source(const struct chorus_corpus *c,
			   const struct chorus_source *const *by_id,
			   struct source_group **out, size_t **store)
{
	struct source_group *g = calloc(c->n_sources + 1, sizeof(*g));
	size_t *idx = malloc((c->n_articles + 1) * sizeof(*idx));
	size_t *which = malloc((c->n_articles + 1) * sizeof(*which));
	size_t i, k, off = 0;

	*out = NULL;
	*store = NULL;
	if (!g || !idx || !which) {
		free(g);
		free(idx);
		free(which);
		return CHORUS_ENOMEM;
	}
	for (i = 0; i < c->n_articles; i++) {
		const struct chorus_source *src = render_find_source(
		    by_id, c->n_sources, c->articles[i].source_id);

		which[i] = src ? (size_t)(src - c->sources) : c->n_sources;
		if (src)
			g[which[i]].n++;
	}
	for (k = 0; k < c->n_sources; k++) {
		g[k].idx = idx + off;
		off += g[k].n;
		g[k].n = 0;
	}
	for (i = 0; i < c->n_articles; i++)
		if (which[i] < c->n_sources)
			g[which[i]].idx[g[which[i]].n++] = i;
	free(which);
	*out = g;
	*store = idx;
	return 0;
}

struct source_pages_arg {
	const struct story_ref *by_id;
	const struct source_group *groups;
};

static int source_page(struct render_ctx *ctx, struct template_set *ts,
		       void *varg, size_t i, struct chorus_err *err)
{
	const struct source_pages_arg *arg = varg;
	const struct chorus_source *src = &ctx->corpus->sources[i];
	char *own;
	const char *page = source_page_of(ctx, src, &own);
	struct chorus_buf desc = CHORUS_BUF_INIT;
	uint64_t hash = 0;
	int same = 0, rc = 0;
	json_t *data;

	if (!page ||
	    source_page_hash(ctx, src, &arg->groups[i], arg->by_id, &hash)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	rc = render_page_unchanged(ctx, page, hash, &same);
	if (rc || same)
		goto out;
	if (chorus_buf_printf(&desc,
			      "Every article from %s "
			      "and the story it joined.",
			      src->name)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	data = page_json(ctx, page, "sources/", src->name, desc.data);
	data = with(data, "source",
		    json_pack("{s:s, s:s?, s:s+, s:I, s:b}", "name", src->name,
			      "url", web_url(src->url) ? src->url : NULL,
			      "feed_url", src->slug, ".atom", "n_articles",
			      (json_int_t)arg->groups[i].n, "many",
			      arg->groups[i].n != 1));
	data = with(data, "articles",
		    source_articles_json(ctx, &arg->groups[i], arg->by_id));
	rc = render_page(ctx, ts, "source.mustache", page, data, err);
	if (!rc)
		rc = render_page_done(ctx, page, hash);
out:
	if (rc == CHORUS_ENOMEM)
		rc = chorus_err_set(err, rc, "out of memory");
	chorus_buf_release(&desc);
	free(own);
	return rc;
}

/* The story pages are all written: they go to disk while the rest render. */
static void story_pages_done(struct render_ctx *ctx)
{
	if (n_threads_for(ctx->n_stories) > 1)
		render_presync(ctx);
}

/*
 * The story pages and the source pages, side by side (each_queue()): one
 * thread starts with the stories, the other with the sources.
 */
static int story_and_source_pages(struct render_ctx *ctx,
				  const struct story_ref *by_id,
				  const struct source_group *groups,
				  struct chorus_err *err)
{
	struct source_pages_arg arg = {by_id, groups};
	struct page_queue q[2];

	memset(q, 0, sizeof(q));
	q[0].fn = story_page;
	q[0].n = ctx->n_stories;
	q[0].what = "rendering stories";
	q[0].done = story_pages_done;
	q[1].fn = source_page;
	q[1].arg = &arg;
	q[1].n = ctx->corpus->n_sources;
	atomic_init(&q[0].next, 0);
	atomic_init(&q[0].n_done, 0);
	atomic_init(&q[1].next, 0);
	atomic_init(&q[1].n_done, 0);
	return each_queue(ctx, ctx->templates, 1, q, 2, err);
}

/* Archive order: by when the story broke, oldest first. */
static int cmp_broke(const void *a, const void *b)
{
	const struct render_story *x = *(const struct render_story *const *)a;
	const struct render_story *y = *(const struct render_story *const *)b;

	if (x->view.first != y->view.first)
		return x->view.first < y->view.first ? -1 : 1;
	return x->view.story->id < y->view.story->id
		   ? -1
		   : x->view.story->id > y->view.story->id;
}

/* The number of folders in dir: links from dir start with as many "../". */
static size_t depth(const char *dir)
{
	size_t n = 0;

	for (; *dir; dir++)
		n += *dir == '/';
	return n;
}

json_t *render_story_json_memo(struct render_ctx *ctx,
			       const struct render_story *rs, const char *dir)
{
	size_t i = (size_t)(rs - ctx->stories);

	if (ctx->json_memo && i < ctx->n_stories && ctx->json_memo[i] &&
	    depth(dir) == depth("stories/"))
		return json_incref(ctx->json_memo[i]);
	return render_story_json(ctx, rs, dir);
}

/*
 * One index page: "index.html" (the latest) or "page/N.html"; stories
 * newest first; newer/older the pager's links relative to the page.
 */
static int index_page(struct render_ctx *ctx, struct template_set *ts,
		      const char *rel,
		      const struct render_story *const *stories, size_t n,
		      const char *newer, const char *older, int archive,
		      struct chorus_err *err)
{
	const char *dir = archive ? "page/" : "";
	struct render_hasher h;
	uint64_t hash;
	json_t *data, *arr = json_array();
	int64_t from = 0, to = 0;
	size_t i;
	int same, rc;

	if (!arr || page_hasher(ctx, &h, rel)) {
		json_decref(arr);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	render_hasher_str(&h, newer);
	render_hasher_str(&h, older);
	for (i = 0; i < n; i++) {
		render_hasher_i64(&h, (int64_t)stories[i]->hash);
		if (!i || stories[i]->view.first < from)
			from = stories[i]->view.first;
		if (!i || stories[i]->view.first > to)
			to = stories[i]->view.first;
	}
	hash = render_hasher_done(&h);
	rc = render_page_unchanged(ctx, rel, hash, &same);
	if (rc || same) {
		json_decref(arr);
		return rc ? chorus_err_set(err, rc, "out of memory") : 0;
	}
	for (i = 0; i < n; i++)
		if (push(arr, render_story_json_memo(ctx, stories[i], dir))) {
			json_decref(arr);
			return chorus_err_set(err, CHORUS_ENOMEM,
					      "out of memory");
		}
	data = page_json(ctx, rel, dir, archive ? "Earlier stories" : NULL,
			 ctx->site->subtitle
			     ? ctx->site->subtitle
			     : "The latest stories, told by every source "
			       "that reported them.");
	data = with(data, "stories", arr);
	if (archive)
		data =
		    with(data, "archive",
			 json_pack("{s:o, s:o}", "from", render_date_json(from),
				   "to", render_date_json(to)));
	if (newer || older)
		data = with(
		    data, "pager",
		    json_pack("{s:s?, s:s?}", "newer", newer, "older", older));
	rc = render_page(ctx, ts, "index.mustache", rel, data, err);
	if (!rc && render_page_done(ctx, rel, hash))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	return rc;
}

/*
 * index.html shows the page_size latest stories; when there are more,
 * page/1.html … page/P.html hold every story by when it broke, page_size
 * to a page from the oldest, so a full page never changes its stories.
 */
struct index_pages_arg {
	const struct render_story **order; /* by when they broke */
	size_t per, pages;
};

/* page/N.html for N = i + 1: the Nth group of per stories from the oldest. */
static int archive_index_page(struct render_ctx *ctx, struct template_set *ts,
			      void *varg, size_t i, struct chorus_err *err)
{
	const struct index_pages_arg *arg = varg;
	struct chorus_buf rel = CHORUS_BUF_INIT, newer = CHORUS_BUF_INIT,
			  older = CHORUS_BUF_INIT;
	size_t p = i + 1, k, lo = i * arg->per,
	       hi = p * arg->per < ctx->n_stories ? p * arg->per
						  : ctx->n_stories;
	const struct render_story **order = arg->order;
	int rc;

	/* Newest first on the page (each page its own part of order). */
	for (k = 0; k < (hi - lo) / 2; k++) {
		const struct render_story *t = order[lo + k];

		order[lo + k] = order[hi - 1 - k];
		order[hi - 1 - k] = t;
	}
	if (chorus_buf_printf(&rel, "page/%zu.html", p) ||
	    (p == arg->pages ? chorus_buf_adds(&newer, "../index.html")
			     : chorus_buf_printf(&newer, "%zu.html", p + 1)) ||
	    (p > 1 && chorus_buf_printf(&older, "%zu.html", p - 1)))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	else
		rc = index_page(ctx, ts, rel.data, order + lo, hi - lo,
				newer.data, older.data, 1, err);
	chorus_buf_release(&rel);
	chorus_buf_release(&newer);
	chorus_buf_release(&older);
	return rc;
}

/*
 * index.html shows the page_size latest stories; when there are more,
 * page/1.html … page/P.html hold every story by when it broke, page_size
 * to a page from the oldest, so a full page never changes its stories.
 */
static int index_pages(struct render_ctx *ctx, struct template_set *ts,
		       struct chorus_err *err)
{
	size_t per =
	    ctx->site->index_page_size ? ctx->site->index_page_size : 30;
	size_t n = ctx->n_stories, pages = n > per ? (n + per - 1) / per : 0;
	const struct render_story **order = NULL, **front = NULL;
	struct chorus_buf older = CHORUS_BUF_INIT;
	struct index_pages_arg arg;
	size_t i;
	int rc = 0;

	order = calloc(n + 1, sizeof(*order));
	front = calloc(n + 1, sizeof(*front));
	if (!order || !front) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		front[i] = order[i] = &ctx->stories[i];
	qsort(order, n, sizeof(*order), cmp_broke);
	arg.order = order;
	arg.per = per;
	arg.pages = pages;
	rc = each_page(ctx, ts, 0, pages, archive_index_page, &arg, NULL, err);
	if (!rc && pages && chorus_buf_printf(&older, "page/%zu.html", pages))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	/* ctx->stories is newest first already. */
	if (!rc)
		rc = index_page(ctx, ts, "index.html", front, n < per ? n : per,
				NULL, pages ? older.data : NULL, 0, err);
out:
	free(order);
	free(front);
	chorus_buf_release(&older);
	return rc;
}

/*
 * One subscription's health for the about page, from the poller's state:
 * when it was last fetched, how it answered, when it is next due.
 */
static json_t *feed_health_json(struct render_ctx *ctx,
				const struct chorus_feed_config *f)
{
	struct chorus_feed_state st;
	struct chorus_buf status = CHORUS_BUF_INIT;
	const char *class = "unknown";
	json_t *o = NULL;
	int found = 0, rc = 0;

	chorus_feed_state_init(&st);
	if (ctx->store &&
	    chorus_store_feed_get(ctx->store, f->url, &st, &found, NULL))
		found = 0;
	if (!found || !st.last_poll) {
		rc = chorus_buf_adds(&status, "not polled yet");
	} else if (st.retired) {
		class = "failing";
		rc = chorus_buf_adds(&status, "gone (410): no longer polled");
	} else if (st.last_error) {
		/* The poller's words already say the status and the retry. */
		class = "failing";
		rc = chorus_buf_adds(&status, st.last_error);
	} else {
		class = "ok";
		rc = chorus_buf_printf(&status, "%s (%d)",
				       st.last_status == 304 ? "not modified"
							     : "ok",
				       st.last_status);
	}
	if (!rc && found && st.moved_to)
		rc = chorus_buf_printf(&status, "; moving to %s", st.moved_to);
	if (!rc)
		o = json_pack(
		    "{s:s, s:s?, s:o?, s:s, s:s, s:o?}", "url", f->url, "name",
		    f->name, "last_fetch",
		    found && st.last_poll ? render_date_json(st.last_poll)
					  : NULL,
		    "status", chorus_buf_cstr(&status), "status_class", class,
		    "next_poll",
		    found && st.last_poll && !st.retired && st.next_poll > 0
			? render_date_json(st.next_poll)
			: NULL);
	chorus_buf_release(&status);
	chorus_feed_state_release(&st);
	return o;
}

/* about.html: what the site is, its subscriptions and its sources. */
static int about_page(struct render_ctx *ctx, const struct source_group *groups,
		      struct chorus_err *err)
{
	const struct chorus_site *s = ctx->site;
	const struct chorus_corpus *c = ctx->corpus;
	json_t *data, *feeds = json_array(), *sources = json_array();
	int64_t newest = 0;
	size_t i;

	for (i = 0; feeds && i < s->n_feeds; i++)
		if (push(feeds, feed_health_json(ctx, &s->feeds[i]))) {
			json_decref(feeds);
			feeds = NULL;
		}
	for (i = 0; sources && i < c->n_sources; i++) {
		char *page = render_source_page(&c->sources[i]);
		char *href = page ? render_href("", page) : NULL;

		if (!href ||
		    push(sources,
			 json_pack("{s:s, s:s, s:I, s:b}", "name",
				   c->sources[i].name, "url", href,
				   "n_articles", (json_int_t)groups[i].n,
				   "many", groups[i].n != 1))) {
			json_decref(sources);
			sources = NULL;
		}
		free(page);
		free(href);
	}
	for (i = 0; i < ctx->n_stories; i++)
		if (ctx->stories[i].view.last > newest)
			newest = ctx->stories[i].view.last;
	data = page_json(ctx, "about.html", "", "About",
			 "What this site is, the feeds it reads and the "
			 "sources it quotes.");
	data = with(data, "feeds", feeds);
	data = with(data, "sources", sources);
	data = with(data, "has_feeds", json_boolean(s->n_feeds > 0));
	data = with(data, "n_sources", json_integer((json_int_t)c->n_sources));
	data = with(data, "many_sources", json_boolean(c->n_sources != 1));
	data =
	    with(data, "n_stories", json_integer((json_int_t)ctx->n_stories));
	data = with(data, "many_stories", json_boolean(ctx->n_stories != 1));
	data =
	    with(data, "n_articles", json_integer((json_int_t)c->n_articles));
	data = with(data, "many_articles", json_boolean(c->n_articles != 1));
	if (ctx->n_stories)
		data = with(data, "newest", render_date_json(newest));
	return render_page(ctx, ctx->templates, "about.mustache", "about.html",
			   data, err);
}

static int static_files(struct render_ctx *ctx, struct chorus_err *err)
{
	const char *css;
	size_t len;

	css = template_set_source(ctx->templates, "style.css", &len, err);
	if (!css)
		return err && err->code ? err->code
					: chorus_err_set(err, CHORUS_ENOTFOUND,
							 "template style.css "
							 "not found");
	return render_write(ctx, "style.css", css, len, err);
}

static int cmp_story(const void *a, const void *b)
{
	const struct render_story *x = a, *y = b;

	if (x->view.last != y->view.last)
		return x->view.last > y->view.last ? -1 : 1;
	if (x->view.first != y->view.first)
		return x->view.first > y->view.first ? -1 : 1;
	return strcmp(x->view.story->slug, y->view.story->slug);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The hash of what every page depends on besides its own data: the
 * version, the site's settings and every template (the site's own files
 * and the built-ins).
 */
static int config_hash(struct render_ctx *ctx, struct chorus_err *err)
{
	const struct chorus_site *s = ctx->site;
	const struct chorus_builtin_template *b;
	struct chorus_strlist names;
	struct render_hasher h;
	DIR *d = s->templates_dir ? opendir(s->templates_dir) : NULL;
	struct dirent *e;
	size_t i;
	int rc = 0;

	chorus_strlist_init(&names);
	while (d && !rc && (e = readdir(d)))
		if (e->d_name[0] != '.')
			rc = chorus_strlist_push(&names, e->d_name,
						 strlen(e->d_name));
	if (d)
		closedir(d);
	if (rc || render_hasher_init(&h, 0)) {
		chorus_strlist_release(&names);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_name);
	render_hasher_str(&h, "chorus " CHORUS_VERSION);
	render_hasher_str(&h, s->title);
	render_hasher_str(&h, s->subtitle);
	render_hasher_str(&h, s->language);
	render_hasher_str(&h, s->link);
	render_hasher_str(&h, s->author);
	render_hasher_i64(&h, (int64_t)s->index_page_size);
	for (b = chorus_builtin_templates; b->name; b++) {
		render_hasher_str(&h, b->name);
		render_hasher_str(&h, b->data);
	}
	for (i = 0; i < names.n; i++) {
		char *path = chorus_path_join(s->templates_dir, names.v[i]);
		struct chorus_buf f = CHORUS_BUF_INIT;

		render_hasher_str(&h, names.v[i]);
		if (path && !chorus_file_read(path, 4u << 20, &f, NULL))
			render_hasher_str(&h, chorus_buf_cstr(&f));
		chorus_buf_release(&f);
		free(path);
	}
	ctx->config_hash = render_hasher_done(&h);
	chorus_strlist_release(&names);
	return 0;
}

/* What any page shows of a story, hashed: its view and its sources. */
static uint64_t story_hash(const struct render_story *rs)
{
	const struct chorus_story_view *v = &rs->view;
	struct render_hasher h;
	size_t i;

	if (render_hasher_init(&h, rs->fp))
		return 0;
	render_hasher_str(&h, v->story->uuid);
	render_hasher_str(&h, v->story->slug);
	for (i = 0; i < v->n_members; i++) {
		const struct chorus_source *src = v->members[i].source;

		render_hasher_str(&h, src ? src->name : NULL);
		render_hasher_str(&h, src ? src->slug : NULL);
	}
	return render_hasher_done(&h);
}

static int cmp_corpus_story(const void *key, const void *s)
{
	int64_t x = *(const int64_t *)key,
		y = ((const struct chorus_story *)s)->id;

	return x < y ? -1 : x > y;
}

/* A story to summarise: its members as a corpus of their own. */
struct view_job {
	const struct chorus_story *story;
	struct render_story *rs;
	struct chorus_corpus sub;
	const struct chorus_stored_article *const *members; /* of sub */
	uint64_t *hashes;	/* of the members, room for sub.n_articles */
	uint64_t *article_hash; /* ctx->article_hash */
	const struct chorus_stored_article *base; /* the corpus's articles */
	const struct render_cache *cache;
	const struct chorus_source *const *sources; /* by id */
	int hit; /* the view came from the cache */
	int rc;
	struct chorus_err err;
};

/*
 * Texts read while stories are summarised: a render that summarises many
 * stories (a first one: all of them) reads their texts in one pass over
 * the store, and a story goes to the threads as soon as the last of its
 * members' texts is read, so the reading and the summarising overlap.
 */
struct text_feed {
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct view_job **list; /* the stories to summarise */
	size_t *missing;	/* per story of list: texts not read yet */
	size_t *story_of;	/* per article of grouped: its story in list */
	const struct chorus_stored_article *grouped;
	struct view_job **ready; /* stories whose texts are all read */
	size_t n_ready, taken;
	int done; /* the reading is over */
};

/* chorus_store_load_texts_each(): article a's text was read. */
static void text_read(void *arg, struct chorus_stored_article *a)
{
	struct text_feed *f = arg;
	size_t s = f->story_of[a - f->grouped];

	pthread_mutex_lock(&f->lock);
	if (!--f->missing[s]) {
		f->ready[f->n_ready++] = f->list[s];
		pthread_cond_signal(&f->more);
	}
	pthread_mutex_unlock(&f->lock);
}

/* The next story whose texts are read; NULL when none is left. */
static struct view_job *next_fed(struct text_feed *f)
{
	struct view_job *j = NULL;

	pthread_mutex_lock(&f->lock);
	while (f->taken == f->n_ready && !f->done)
		pthread_cond_wait(&f->more, &f->lock);
	if (f->taken < f->n_ready)
		j = f->ready[f->taken++];
	pthread_mutex_unlock(&f->lock);
	return j;
}

struct view_worker {
	struct view_job *jobs;
	struct view_job **list; /* the second pass: the stories to summarise */
	struct text_feed *feed; /* ... or those the feed hands out */
	size_t n;
	atomic_size_t *next; /* the next job no thread has taken */
	pthread_t thread;
};

/* A story's fingerprint, and its view from the cache when it holds it. */
static void restore_one(struct view_job *j)
{
	size_t k;

	for (k = 0; k < j->sub.n_articles; k++) {
		uint64_t h = render_hash_article(j->members[k]);

		j->hashes[k] = h;
		if (j->article_hash)
			j->article_hash[j->members[k] - j->base] = h;
	}
	j->rs->fp = render_hash_story(j->hashes, j->sub.n_articles);
	j->rc = render_cache_restore(j->cache, j->story->id, j->rs->fp, &j->sub,
				     j->sources, j->rs, &j->hit);
	j->rs->view.story = j->story;
	if (j->rc)
		chorus_err_set(&j->err, j->rc, "out of memory");
}

/*
 * w's next job: from the feed, else from the shared counter, a chunk at a
 * time ([*at, *end) is the chunk being done); NULL when none is left.
 */
static struct view_job *next_job(struct view_worker *w, size_t *at, size_t *end)
{
	if (w->feed)
		return next_fed(w->feed);
	if (*at == *end) {
		*at = atomic_fetch_add(w->next, CHUNK);
		if (*at >= w->n) {
			*end = *at;
			return NULL;
		}
		*end = *at + CHUNK < w->n ? *at + CHUNK : w->n;
	}
	return w->list ? w->list[(*at)++] : &w->jobs[(*at)++];
}

/*
 * The first pass (no list, no feed) fingerprints every story and takes
 * the views the cache holds; the second summarises the others, with one
 * analyser per thread, whose word cache then serves all the thread's
 * stories.
 */
static void *summarise_some(void *arg)
{
	struct view_worker *w = arg;
	struct chorus_text_analyser *ta = NULL;
	struct view_job *j;
	size_t at = 0, end = 0;
	int failed = 0;

	while (!failed && (j = next_job(w, &at, &end))) {
		if (!w->list && !w->feed) {
			restore_one(j);
		} else if (!ta && chorus_text_analyser_new(&ta)) {
			j->rc = chorus_err_set(&j->err, CHORUS_ENOMEM,
					       "out of memory");
		} else {
			j->rc = story_view_compute(ta, &j->sub, j->story,
						   &j->rs->view, &j->err);
			j->rs->view.story = j->story;
		}
		failed = j->rc != 0;
	}
	chorus_text_analyser_free(ta);
	return NULL;
}

/* Run one pass of summarise_some() over n jobs on every processor. */
static void summarise_pass(struct view_job *jobs, struct view_job **list,
			   size_t n)
{
	struct view_worker w[MAX_THREADS];
	atomic_size_t next;
	size_t t, n_threads = n_threads_for(n), started = 0;

	atomic_init(&next, 0);
	for (t = 0; t < n_threads; t++) {
		w[t].jobs = jobs;
		w[t].list = list;
		w[t].feed = NULL;
		w[t].n = n;
		w[t].next = &next;
	}
	for (t = 1; t < n_threads; t++)
		if (!pthread_create(&w[t].thread, NULL, summarise_some, &w[t]))
			started = t;
		else
			break;
	/* Threads that could not start leave their stories to the others. */
	summarise_some(&w[0]);
	for (t = 1; t <= started; t++)
		pthread_join(w[t].thread, NULL);
}

/*
 * The texts of the members of the stories to summarise, from the store,
 * when the corpus was loaded without them; *texts receives the articles
 * (ctx's own copies) whose text was read, to free once summarised.
 */
static int load_texts(struct render_ctx *ctx, struct view_job **list, size_t n,
		      struct chorus_stored_article ***texts, size_t *n_texts,
		      struct chorus_err *err)
{
	struct chorus_stored_article **v;
	size_t i, k, total = 0;

	*texts = NULL;
	*n_texts = 0;
	if (!ctx->corpus->texts_lazy || !n)
		return 0;
	if (!ctx->store)
		return chorus_err_set(err, CHORUS_EINVAL,
				      "render: a corpus loaded without its "
				      "texts needs its store");
	for (i = 0; i < n; i++)
		total += list[i]->sub.n_articles;
	v = malloc((total + 1) * sizeof(*v));
	if (!v)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		for (k = 0; k < list[i]->sub.n_articles; k++)
			if (!list[i]->sub.articles[k].a.text)
				v[(*n_texts)++] = &list[i]->sub.articles[k];
	*texts = v;
	return chorus_store_load_texts(ctx->store, v, *n_texts, err);
}

/*
 * Summarise the n stories of list, reading their members' texts from the
 * store meanwhile (see struct text_feed); *texts receives the articles
 * whose text was read, to free once summarised.
 */
static int summarise_fed(struct render_ctx *ctx, struct view_job **list,
			 size_t n, struct chorus_stored_article ***texts,
			 size_t *n_texts, struct chorus_err *err)
{
	const struct chorus_corpus *c = ctx->corpus;
	struct view_worker w[MAX_THREADS];
	struct text_feed f;
	size_t i, k, t, total = 0, started = 0;
	size_t n_threads = n_threads_for(n);
	struct chorus_stored_article **v;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	*texts = NULL;
	*n_texts = 0;
	for (i = 0; i < n; i++)
		total += list[i]->sub.n_articles;
	v = malloc((total + 1) * sizeof(*v));
	f.missing = calloc(n + 1, sizeof(*f.missing));
	f.story_of = calloc(c->n_articles + 1, sizeof(*f.story_of));
	f.ready = calloc(n + 1, sizeof(*f.ready));
	if (!v || !f.missing || !f.story_of || !f.ready ||
	    pthread_mutex_init(&f.lock, NULL)) {
		free(v);
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	if (pthread_cond_init(&f.more, NULL)) {
		pthread_mutex_destroy(&f.lock);
		free(v);
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	*texts = v;
	f.list = list;
	f.grouped = ctx->grouped;
	for (i = 0; i < n; i++) {
		for (k = 0; k < list[i]->sub.n_articles; k++) {
			struct chorus_stored_article *a =
			    &list[i]->sub.articles[k];

			if (a->a.text)
				continue;
			v[(*n_texts)++] = a;
			f.story_of[a - ctx->grouped] = i;
			f.missing[i]++;
		}
		if (!f.missing[i])
			f.ready[f.n_ready++] = list[i];
	}
	memset(w, 0, sizeof(w));
	for (t = 0; t < n_threads; t++)
		w[t].feed = &f;
	for (t = 1; t < n_threads; t++)
		if (!pthread_create(&w[t].thread, NULL, summarise_some, &w[t]))
			started = t;
		else
			break;
	rc = chorus_store_load_texts_each(ctx->store, v, *n_texts, text_read,
					  &f, err);
	/* Stories whose texts were not all found go as they are. */
	pthread_mutex_lock(&f.lock);
	for (i = 0; i < n; i++)
		if (f.missing[i])
			f.ready[f.n_ready++] = list[i];
	f.done = 1;
	pthread_cond_broadcast(&f.more);
	pthread_mutex_unlock(&f.lock);
	summarise_some(&w[0]);
	for (t = 1; t <= started; t++)
		pthread_join(w[t].thread, NULL);
	pthread_cond_destroy(&f.more);
	pthread_mutex_destroy(&f.lock);
out:
	free(f.missing);
	free(f.story_of);
	free(f.ready);
	return rc;
}

/*
 * Summarise the stories of jobs. Each view depends on its own members
 * only, so the work is shared between threads (one per processor, at most
 * MAX_THREADS); the results do not depend on how it was shared. A story
 * whose view the cache holds is not summarised, and its members' texts
 * are not read.
 */
static int summarise(struct render_ctx *ctx, struct view_job *jobs, size_t n,
		     struct chorus_err *err)
{
	struct view_job **list = calloc(n + 1, sizeof(*list));
	struct chorus_stored_article **texts = NULL;
	size_t i, n_list = 0, n_texts = 0;
	int rc = 0;

	if (!list)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	summarise_pass(jobs, NULL, n);
	for (i = 0; i < n && !rc; i++)
		if (jobs[i].rc)
			rc = chorus_err_set(err, jobs[i].rc, "%s",
					    jobs[i].err.msg);
		else if (!jobs[i].hit)
			list[n_list++] = &jobs[i];
	if (!rc && n_list && ctx->corpus->texts_lazy && ctx->store &&
	    n_threads_for(n_list) > 1) {
		rc = summarise_fed(ctx, list, n_list, &texts, &n_texts, err);
	} else {
		if (!rc)
			rc = load_texts(ctx, list, n_list, &texts, &n_texts,
					err);
		if (!rc)
			summarise_pass(jobs, list, n_list);
	}
	for (i = 0; i < n_list && !rc; i++)
		if (list[i]->rc)
			rc = chorus_err_set(err, list[i]->rc, "%s",
					    list[i]->err.msg);
	/* The views hold copies of what they show: the texts can go. */
	for (i = 0; i < n_texts; i++) {
		free(texts[i]->a.text);
		texts[i]->a.text = NULL;
	}
	free(texts);
	free(list);
	for (i = 0; i < n && !rc; i++)
		chorus_report_progress(ctx->report, "summarising", (long)i + 1,
				       (long)n);
	return rc;
}

/*
 * The view of every published story into ctx->stories. A story's members
 * are gathered into a corpus of their own (shallow copies in *grouped,
 * which the views point into), so each view costs its members, not the
 * whole corpus; a view whose members' fingerprint is in the cache is
 * taken from there.
 */
static int compute_views(struct render_ctx *ctx,
			 const struct chorus_source *const *sources,
			 struct chorus_stored_article **grouped,
			 struct chorus_err *err)
{
	const struct chorus_corpus *c = ctx->corpus;
	const struct chorus_stored_article **ptrs = NULL;
	size_t *start = NULL, *fill = NULL, i, k;
	size_t *story_of_article = NULL;
	struct view_job *jobs = NULL;
	uint64_t *hashes = NULL;
	size_t n_jobs = 0;
	int rc = 0;

	*grouped = calloc(c->n_articles + 1, sizeof(**grouped));
	ptrs = calloc(c->n_articles + 1, sizeof(*ptrs));
	start = calloc(c->n_stories + 2, sizeof(*start));
	fill = calloc(c->n_stories + 1, sizeof(*fill));
	story_of_article = calloc(c->n_articles + 1, sizeof(*story_of_article));
	hashes = calloc(c->n_articles + 1, sizeof(*hashes));
	ctx->article_hash =
	    calloc(c->n_articles + 1, sizeof(*ctx->article_hash));
	ctx->grouped_from =
	    calloc(c->n_articles + 1, sizeof(*ctx->grouped_from));
	ctx->grouped = *grouped;
	if (!*grouped || !ptrs || !start || !fill || !story_of_article ||
	    !hashes || !ctx->article_hash || !ctx->grouped_from) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	/* Count each story's members (c->stories is sorted by id). */
	for (i = 0; i < c->n_articles; i++) {
		const struct chorus_story *s =
		    c->articles[i].story_id && c->n_stories
			? bsearch(&c->articles[i].story_id, c->stories,
				  c->n_stories, sizeof(*c->stories),
				  cmp_corpus_story)
			: NULL;

		story_of_article[i] =
		    s ? (size_t)(s - c->stories) : c->n_stories;
		if (s)
			start[story_of_article[i] + 1]++;
	}
	for (k = 0; k < c->n_stories; k++)
		start[k + 1] += start[k];
	for (i = 0; i < c->n_articles; i++) {
		size_t s = story_of_article[i], at;

		if (s == c->n_stories)
			continue;
		at = start[s] + fill[s]++;
		(*grouped)[at] = c->articles[i];
		ptrs[at] = &c->articles[i];
		ctx->grouped_from[at] = i;
	}
	jobs = calloc(c->n_stories + 1, sizeof(*jobs));
	if (!jobs) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	/* Each published story: its view, from the cache or summarised. */
	for (k = 0; k < c->n_stories && !rc; k++) {
		const struct chorus_story *s = &c->stories[k];
		struct render_story *rs = &ctx->stories[ctx->n_stories];
		size_t n = start[k + 1] - start[k];

		if (s->merged_into || !n)
			continue;
		jobs[n_jobs].story = s;
		jobs[n_jobs].rs = rs;
		jobs[n_jobs].sub = *c;
		jobs[n_jobs].sub.articles = *grouped + start[k];
		jobs[n_jobs].sub.n_articles = n;
		jobs[n_jobs].members = ptrs + start[k];
		jobs[n_jobs].hashes = hashes + start[k];
		jobs[n_jobs].article_hash = ctx->article_hash;
		jobs[n_jobs].base = c->articles;
		jobs[n_jobs].cache = ctx->cache;
		jobs[n_jobs].sources = sources;
		rs->view.story = s;
		n_jobs++;
		ctx->n_stories++;
	}
	if (!rc)
		rc = summarise(ctx, jobs, n_jobs, err);
	for (k = 0; k < ctx->n_stories && !rc; k++) {
		struct render_story *rs = &ctx->stories[k];
		struct chorus_buf page = CHORUS_BUF_INIT;

		if (chorus_buf_adds(&page, "stories/") ||
		    chorus_buf_adds(&page, rs->view.story->slug) ||
		    chorus_buf_adds(&page, ".html")) {
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
			break;
		}
		rs->page = chorus_buf_detach(&page, NULL);
		rs->hash = story_hash(rs);
		if (!rs->page || !rs->hash)
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
out:
	free(jobs);
	free(ptrs);
	free(start);
	free(fill);
	free(story_of_article);
	free(hashes);
	return rc;
}

/*
 * Jobs posted by the feeds' thread (render_jobs_run()): the entries of the
 * archive pages a first build closes are most of the feeds' work, and the
 * index pages' thread, done with its own pages first, helps with them.
 */
struct render_jobs {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	render_job_fn fn; /* NULL: nothing posted */
	void *arg;
	size_t n, next, done;
	int open; /* more may be posted: a helper waits */
	int rc;
	struct chorus_err err;
	/* Stories whose kept page data the helper frees (render_jobs_close) */
	const struct render_story **drop; /* owned */
	size_t n_drop;
};

/*
 * Take and run jobs while there are any (j->lock held, and held again on
 * return); a failure stops the others from being taken.
 */
static void jobs_work(struct render_ctx *ctx, struct render_jobs *j,
		      struct template_set *ts)
{
	while (j->fn && j->next < j->n) {
		render_job_fn fn = j->fn;
		void *arg = j->arg;
		size_t i = j->next++;
		struct chorus_err err = {0};
		int rc;

		pthread_mutex_unlock(&j->lock);
		rc = fn(ctx, ts, arg, i, &err);
		pthread_mutex_lock(&j->lock);
		if (rc && !j->rc) {
			j->rc = rc;
			j->err = err;
			/* The jobs not taken count as done: none will be. */
			j->done += j->n - j->next;
			j->next = j->n;
		}
		if (++j->done == j->n)
			pthread_cond_broadcast(&j->cond);
	}
}

void render_jobs_post(struct render_ctx *ctx, render_job_fn fn, void *arg,
		      size_t n)
{
	struct render_jobs *j = ctx->jobs;

	if (!j || !n)
		return;
	pthread_mutex_lock(&j->lock);
	j->fn = fn;
	j->arg = arg;
	j->n = n;
	j->next = j->done = 0;
	j->rc = 0;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

int render_jobs_run(struct render_ctx *ctx, render_job_fn fn, void *arg,
		    size_t n, struct chorus_err *err)
{
	render_jobs_post(ctx, fn, arg, n);
	return render_jobs_wait(ctx, fn, arg, n, err);
}

int render_jobs_wait(struct render_ctx *ctx, render_job_fn fn, void *arg,
		     size_t n, struct chorus_err *err)
{
	struct render_jobs *j = ctx->jobs;
	size_t i;
	int rc = 0;

	if (!j) {
		for (i = 0; i < n && !rc; i++)
			rc = fn(ctx, ctx->templates, arg, i, err);
		return rc;
	}
	if (!n)
		return 0;
	pthread_mutex_lock(&j->lock);
	jobs_work(ctx, j, ctx->templates);
	while (j->done < j->n)
		pthread_cond_wait(&j->cond, &j->lock);
	j->fn = NULL;
	if (j->rc)
		rc = chorus_err_set(err, j->rc, "%s", j->err.msg);
	pthread_mutex_unlock(&j->lock);
	return rc;
}

void render_jobs_close(struct render_ctx *ctx,
		       const struct render_story *const *drop, size_t n)
{
	struct render_jobs *j = ctx->jobs;
	/* A copy: the list may be gone before the helper is done with it. */
	const struct render_story **copy = n ? malloc(n * sizeof(*copy)) : NULL;

	if (!j) {
		free(copy);
		return;
	}
	if (copy)
		memcpy(copy, drop, n * sizeof(*copy));
	pthread_mutex_lock(&j->lock);
	if (j->open && copy) {
		j->drop = copy;
		j->n_drop = n;
		copy = NULL;
	}
	j->open = 0;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	free(copy);
}

/*
 * Help with what is posted until the poster says no more will come, then
 * free the page data it says is not needed any more: no thread reads those
 * stories' slots of ctx->json_memo from then on.
 */
static void jobs_help(struct render_ctx *ctx, struct render_jobs *j,
		      struct template_set *ts)
{
	const struct render_story **drop;
	size_t i, n;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		jobs_work(ctx, j, ts);
		if (!j->open)
			break;
		pthread_cond_wait(&j->cond, &j->lock);
	}
	drop = j->drop;
	n = j->n_drop;
	j->drop = NULL;
	j->n_drop = 0;
	pthread_mutex_unlock(&j->lock);
	for (i = 0; ctx->json_memo && i < n; i++) {
		size_t at = (size_t)(drop[i] - ctx->stories);

		json_decref(ctx->json_memo[at]);
		ctx->json_memo[at] = NULL;
	}
	free(drop);
}

struct index_job {
	struct render_ctx *ctx;
	struct template_set *ts;
	struct render_jobs *jobs;
	int rc;
	struct chorus_err err;
};

/*
 * The index pages, then the outlets' feeds (render_source_feeds()), then
 * help with the feeds' jobs (even after a failure: the poster waits for
 * every job to be done).
 */
static void *index_thread(void *vj)
{
	struct index_job *j = vj;

	j->rc = index_pages(j->ctx, j->ts, &j->err);
	if (!j->rc)
		j->rc = render_source_feeds(j->ctx, j->ts, &j->err);
	if (j->jobs)
		jobs_help(j->ctx, j->jobs, j->ts);
	return NULL;
}

/* No more jobs: the helper stops waiting. */
static void jobs_close(struct render_jobs *j)
{
	pthread_mutex_lock(&j->lock);
	j->open = 0;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

/*
 * The index pages and the feeds: both come after the pages they link to
 * and depend on nothing of each other, so the index pages and the
 * outlets' feeds render on a thread of their own (with their own
 * templates) while feed.atom, its archives and the rest render here; that
 * thread then helps with the archives' entries (struct render_jobs).
 */
static int index_and_feeds(struct render_ctx *ctx, struct chorus_err *err)
{
	struct index_job j = {ctx, NULL, NULL, 0, {0}};
	struct render_jobs jobs;
	pthread_mutex_t lock;
	pthread_t thread;
	int rc, jobs_ok = 0;

	render_feeds_prepare(ctx); /* src/atom_feeds.c */
	memset(&jobs, 0, sizeof(jobs));
	if (n_threads_for(ctx->n_stories) < 2 ||
	    template_set_new(&j.ts, ctx->site->templates_dir, NULL) ||
	    pthread_mutex_init(&lock, NULL)) {
		template_set_free(j.ts);
		rc = index_pages(ctx, ctx->templates, err);
		if (!rc)
			rc = render_source_feeds(ctx, ctx->templates, err);
		return rc ? rc : render_feeds(ctx, err);
	}
	ctx->lock = &lock;
	if (!pthread_mutex_init(&jobs.lock, NULL)) {
		if (!pthread_cond_init(&jobs.cond, NULL))
			jobs_ok = 1;
		else
			pthread_mutex_destroy(&jobs.lock);
	}
	jobs.open = 1;
	j.jobs = jobs_ok ? &jobs : NULL;
	if (pthread_create(&thread, NULL, index_thread, &j)) {
		j.jobs = NULL;
		index_thread(&j);
		rc = render_feeds(ctx, err);
	} else {
		ctx->jobs = j.jobs;
		rc = render_feeds(ctx, err);
		ctx->jobs = NULL;
		if (j.jobs)
			jobs_close(j.jobs);
		pthread_join(thread, NULL);
	}
	if (jobs_ok) {
		free(jobs.drop); /* when the helper did not take it */
		pthread_cond_destroy(&jobs.cond);
		pthread_mutex_destroy(&jobs.lock);
	}
	ctx->lock = NULL;
	pthread_mutex_destroy(&lock);
	template_set_free(j.ts);
	if (!rc && j.rc)
		rc = chorus_err_set(err, j.rc, "%s", j.err.msg);
	return rc;
}

/* Drop the story data kept for the index pages. */
static void json_memo_free(struct render_ctx *ctx)
{
	size_t i;

	for (i = 0; ctx->json_memo && i < ctx->n_stories; i++)
		json_decref(ctx->json_memo[i]);
	free(ctx->json_memo);
	ctx->json_memo = NULL;
}

/* The memos of render_int.h, for ctx's corpus and stories. */
static int memos_new(struct render_ctx *ctx)
{
	const struct chorus_corpus *c = ctx->corpus;
	size_t i;

	ctx->anchors = malloc((c->n_articles + 1) * sizeof(*ctx->anchors));
	ctx->dates = malloc((c->n_articles + 1) * sizeof(*ctx->dates));
	ctx->story_urls =
	    malloc((ctx->n_stories + 1) * sizeof(*ctx->story_urls));
	ctx->source_pages =
	    calloc(c->n_sources + 1, sizeof(*ctx->source_pages));
	ctx->source_names =
	    calloc(c->n_sources + 1, sizeof(*ctx->source_names));
	if (!ctx->anchors || !ctx->dates || !ctx->story_urls ||
	    !ctx->source_pages || !ctx->source_names)
		return CHORUS_ENOMEM;
	for (i = 0; i < c->n_articles; i++) {
		atomic_init(&ctx->anchors[i], NULL);
		atomic_init(&ctx->dates[i], NULL);
	}
	for (i = 0; i < ctx->n_stories; i++)
		atomic_init(&ctx->story_urls[i], NULL);
	for (i = 0; i < c->n_sources; i++)
		if (!(ctx->source_pages[i] =
			  render_source_page(&c->sources[i])) ||
		    !(ctx->source_names[i] =
			  json_string_nocheck(c->sources[i].name)))
			return CHORUS_ENOMEM;
	return 0;
}

static void memos_free(struct render_ctx *ctx)
{
	const struct chorus_corpus *c = ctx->corpus;
	size_t i;

	for (i = 0; ctx->anchors && i < c->n_articles; i++)
		free(atomic_load(&ctx->anchors[i]));
	for (i = 0; ctx->dates && i < c->n_articles; i++)
		json_decref(atomic_load(&ctx->dates[i]));
	for (i = 0; ctx->story_urls && i < ctx->n_stories; i++)
		json_decref(atomic_load(&ctx->story_urls[i]));
	for (i = 0; ctx->source_pages && i < c->n_sources; i++)
		free(ctx->source_pages[i]);
	for (i = 0; ctx->source_names && i < c->n_sources; i++)
		json_decref(ctx->source_names[i]);
	free(ctx->anchors);
	free(ctx->dates);
	free(ctx->story_urls);
	free(ctx->source_pages);
	free(ctx->source_names);
	ctx->anchors = NULL;
	ctx->dates = NULL;
	ctx->story_urls = NULL;
	ctx->source_pages = NULL;
	ctx->source_names = NULL;
}

/*
 * The story pages' data kept for the index pages and feeds, and the
 * memos, are freed on threads of their own while the files are flushed
 * and the cache saved (a large site's take over a second to free, most
 * of it the story data: two threads share that).
 */
struct later_part {
	json_t **v;
	size_t from, to;
	pthread_t thread;
	int started;
};

struct later {
	json_t **json_memo;
	struct render_ctx memos; /* only the memos and what they index */
	struct later_part part[2];
};

static void *free_part(void *arg)
{
	struct later_part *p = arg;
	size_t i;

	for (i = p->from; p->v && i < p->to; i++)
		json_decref(p->v[i]);
	return NULL;
}

/* The first part, then the memos. */
static void *free_first(void *arg)
{
	struct later *l = arg;

	free_part(&l->part[0]);
	memos_free(&l->memos);
	return NULL;
}

/* Hand ctx's memos to threads (or free them here when none starts). */
static void free_later_start(struct render_ctx *ctx, struct later *l)
{
	size_t n = ctx->n_stories;
	int threads = n_threads_for(n) > 1;

	memset(l, 0, sizeof(*l));
	l->json_memo = ctx->json_memo;
	l->memos.corpus = ctx->corpus;
	l->memos.n_stories = ctx->n_stories;
	l->memos.anchors = ctx->anchors;
	l->memos.dates = ctx->dates;
	l->memos.story_urls = ctx->story_urls;
	l->memos.source_pages = ctx->source_pages;
	l->memos.source_names = ctx->source_names;
	ctx->json_memo = NULL;
	ctx->anchors = NULL;
	ctx->dates = NULL;
	ctx->story_urls = NULL;
	ctx->source_pages = NULL;
	ctx->source_names = NULL;
	l->part[0].v = l->part[1].v = l->json_memo;
	l->part[0].to = l->part[1].from = n / 2;
	l->part[1].to = n;
	if (threads)
		l->part[1].started = !pthread_create(&l->part[1].thread, NULL,
						     free_part, &l->part[1]);
	if (!l->part[1].started)
		free_part(&l->part[1]);
	if (threads)
		l->part[0].started =
		    !pthread_create(&l->part[0].thread, NULL, free_first, l);
	if (!l->part[0].started)
		free_first(l);
}

static void free_later_join(struct later *l)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (l->part[i].started)
			pthread_join(l->part[i].thread, NULL);
	free(l->json_memo);
	memset(l, 0, sizeof(*l));
}

/*
 * The render cache is saved while the last flush waits for the disk: it
 * does not depend on the renames (a page's time and size are the staged
 * file's, which a rename keeps), and it is only an optimisation, which
 * checks each page's file before trusting it: should the flush fail after
 * it is saved, a page not renamed into place is not as recorded there and
 * is rendered again. When a page's time is not known (the cache save
 * reads it from public/), it waits for the flush.
 */
struct cache_job {
	struct render_ctx *ctx;
	const char *path;
	int rc;
	struct chorus_err err;
};

static void *cache_save_run(void *arg)
{
	struct cache_job *j = arg;

	j->rc = chorus_file_mkdirs(j->ctx->site->state_dir, &j->err);
	if (!j->rc)
		j->rc = render_cache_save(j->ctx, j->path, &j->err);
	return NULL;
}

static int flush_and_save(struct render_ctx *ctx, const char *cache_path,
			  struct chorus_err *err)
{
	struct cache_job j = {ctx, cache_path, 0, {0}};
	pthread_t thread;
	size_t i;
	int rc, known = 1;

	if (!cache_path)
		return render_flush(ctx, err);
	for (i = 0; i < ctx->n_pages && known; i++)
		known = ctx->pages[i].mtime_ns >= 0;
	if (!known || n_threads_for(ctx->n_stories) < 2 ||
	    pthread_create(&thread, NULL, cache_save_run, &j)) {
		rc = render_flush(ctx, err);
		if (!rc)
			cache_save_run(&j);
	} else {
		rc = render_flush(ctx, err);
		pthread_join(thread, NULL);
	}
	if (!rc && j.rc)
		rc = chorus_err_set(err, j.rc, "%s", j.err.msg);
	return rc;
}

int chorus_render_site(const struct chorus_site *site,
		       const struct chorus_corpus *c,
		       struct chorus_render_stats *stats,
		       struct chorus_report *report, struct chorus_err *err)
{
	return chorus_render_site_archived(site, NULL, c, stats, report, err);
}

int chorus_render_site_archived(const struct chorus_site *site,
				struct chorus_store *st,
				const struct chorus_corpus *c,
				struct chorus_render_stats *stats,
				struct chorus_report *report,
				struct chorus_err *err)
{
	struct render_ctx ctx;
	struct chorus_stored_article *grouped = NULL;
	struct story_ref *by_id = NULL;
	struct source_group *groups = NULL;
	const struct chorus_source **sources = NULL;
	size_t *group_store = NULL;
	char *cache_path = NULL;
	struct later later = {0};
	size_t i;
	int rc;

	memset(stats, 0, sizeof(*stats));
	memset(&ctx, 0, sizeof(ctx));
	ctx.site = site;
	ctx.corpus = c;
	ctx.stats = stats;
	ctx.report = report;
	ctx.store = st;
	ctx.public_fd =
	    open(site->public_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = template_set_new(&ctx.templates, site->templates_dir, err);
	if (rc)
		goto out;
	if (site->state_dir &&
	    !(cache_path = chorus_path_join(site->state_dir, "render.cache"))) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	render_staging_reset(&ctx); /* what a killed run left */
	rc = render_cache_load(&ctx.cache, cache_path, err);
	if (!rc)
		rc = config_hash(&ctx, err);
	if (rc)
		goto out;
	ctx.stories = calloc(c->n_stories + 1, sizeof(*ctx.stories));
	by_id = calloc(c->n_stories + 1, sizeof(*by_id));
	sources = sources_by_id(c);
	if (!ctx.stories || !by_id || !sources ||
	    group_by_source(c, sources, &groups, &group_store)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	rc = compute_views(&ctx, sources, &grouped, err);
	if (rc)
		goto out;
	qsort(ctx.stories, ctx.n_stories, sizeof(*ctx.stories), cmp_story);
	/* Allocated after the sort: the memo is indexed by final position. */
	ctx.html_memo = calloc(ctx.n_stories + 1, sizeof(*ctx.html_memo));
	ctx.json_memo = calloc(ctx.n_stories + 1, sizeof(*ctx.json_memo));
	if (memos_new(&ctx)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ctx.n_stories; i++)
		by_id[i] = (struct story_ref){ctx.stories[i].view.story->id,
					      &ctx.stories[i]};
	qsort(by_id, ctx.n_stories, sizeof(*by_id), cmp_story_ref);
	stats->stories = ctx.n_stories;
	rc = static_files(&ctx, err);
	if (!rc)
		rc = story_and_source_pages(&ctx, by_id, groups, err);
	if (!rc)
		rc = about_page(&ctx, groups, err);
	/* Every page the index links to is in place before the index. */
	if (!rc)
		rc = render_flush(&ctx, err);
	if (!rc)
		rc = index_and_feeds(&ctx, err);
	free_later_start(&ctx, &later);
	if (!rc)
		rc = flush_and_save(&ctx, cache_path, err);
out:
	free_later_join(&later);
	render_discard(&ctx);
	free(ctx.pending);
	for (i = 0; i < ctx.n_dirs; i++)
		free(ctx.dirs[i]);
	free(ctx.dirs);
	for (i = 0; i < ctx.n_pages; i++)
		if (!ctx.pages[i].borrowed)
			free(ctx.pages[i].rel);
	free(ctx.pages);
	for (i = 0; ctx.stories && i < ctx.n_stories; i++) {
		render_view_release(&ctx.stories[i]);
		free(ctx.stories[i].page);
		if (ctx.html_memo) {
			free(ctx.html_memo[i].dir);
			free(ctx.html_memo[i].html);
		}
	}
	free(ctx.html_memo);
	free(ctx.article_hash);
	free(ctx.grouped_from);
	json_memo_free(&ctx);
	memos_free(&ctx);
	free(ctx.stories);
	free(grouped);
	free(by_id);
	free(groups);
	free(group_store);
	free(sources);
	free(cache_path);
	render_cache_free(ctx.cache);
	template_set_free(ctx.templates);
	if (ctx.public_fd >= 0)
		close(ctx.public_fd);
	return rc;
}
