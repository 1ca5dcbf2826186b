/*
 * feed.atom and its RFC 5005 archives: the subscription document holds the
 * newest stories, and archive/N.atom pages (linked by prev-archive and
 * next-archive) hold every older one, so a reader that subscribes late can
 * still read the whole history.
 *
 * The rules a reader relies on, and how they are kept:
 *
 * - An entry id appears once across feed.atom and all its archives, and
 *   no story is ever lost. Every published story is either "closed" (in a
 *   closed page, recorded in the store) or "live". Live stories, newest
 *   first, fill feed.atom (feed_size of them); the older live ones fill
 *   "open" pages, oldest first, feed_size to a page.
 *
 * - A closed page never changes, byte for byte. A page closes when its
 *   feed_size stories are the oldest live ones and every one of them has
 *   settled: its last report is older than the build's time minus the
 *   settling period (the clusterer's window plus a week for late
 *   articles), so no new report can join it any more. At that moment the
 *   page's bytes and its stories are stored (archive_pages and
 *   archive_stories), and from then on the page is written from the
 *   stored bytes only. Its next-archive link names page N+1, which always
 *   exists from then on (an open page, empty if need be).
 *
 * - A story that changes while live (an outlet joins) moves to feed.atom
 *   with its same id, leaving the open page it was in: open pages are laid
 *   out anew on every build. A closed story stays where it is: should an
 *   article dated long ago still join it, its story page shows the new
 *   outlet but its feed entry stays in its closed archive, so the entry is
 *   never duplicated.
 *
 * The build's time is the date of the newest article, so that the result
 * depends on the data and not on when chorus runs: two builds of the same
 * input give the same files, and a page closes when news moves on.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chorus/file.h"
#include "render_int.h"

/* Extra settling time beyond the clusterer's window, for late articles. */
#define LATE_MARGIN (7 * 86400)

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static char *page_rel(int64_t page)
{
	struct chorus_buf b = CHORUS_BUF_INIT;

	if (chorus_buf_printf(&b, "archive/%lld.atom", (long long)page)) {
		chorus_buf_release(&b);
		return NULL;
	}
	return chorus_buf_detach(&b, NULL);
}

/*
 * Render archive page `page` holding stories (newest first); last says
 * whether it is the newest page (no next-archive).
 */
static int archive_doc(struct render_ctx *ctx, struct template_set *ts,
		       const char *feed_id, int64_t page,
		       const struct render_story *const *stories, size_t n,
		       int last, const struct atom_entry *entries,
		       struct chorus_buf *out, struct chorus_err *err)
{
	struct chorus_buf title = CHORUS_BUF_INIT;
	char *rel = page_rel(page),
	     *prev = page > 1 ? page_rel(page - 1) : NULL;
	char *next = last ? NULL : page_rel(page + 1);
	struct atom_doc d = {0};
	int rc = 0;

	if (!rel || (page > 1 && !prev) || (!last && !next) ||
	    chorus_buf_printf(&title, "%s (archive %lld)", ctx->site->title,
			      (long long)page)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	d.rel = rel;
	d.id = feed_id;
	d.title = title.data;
	d.subtitle = ctx->site->subtitle;
	d.stories = stories;
	d.n_stories = n;
	d.updated = ctx->now;
	d.alternate = "index.html";
	d.archive = 1;
	d.current = "feed.atom";
	d.prev_archive = prev;
	d.next_archive = next;
	d.entries = entries;
	d.ts = ts;
	rc = render_atom_doc(ctx, &d, out, err);
out:
	chorus_buf_release(&title);
	free(rel);
	free(prev);
	free(next);
	return rc;
}

/*
 * Close the page of stories (newest first), whose document is written
 * already (body, taken), and store it, inside the caller's transaction.
 */
static int close_page(struct render_ctx *ctx, int64_t page,
		      const struct render_story *const *stories, size_t n,
		      struct chorus_buf *body, struct chorus_archive_page *out,
		      struct chorus_err *err)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->page = page;
	out->closed = ctx->now;
	out->story_ids = calloc(n + 1, sizeof(*out->story_ids));
	out->len = body->len;
	out->body = chorus_buf_detach(body, NULL);
	if (!out->story_ids || !out->body)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		out->story_ids[i] = stories[i]->view.story->id;
	out->n_story_ids = n;
	qsort(out->story_ids, n, sizeof(*out->story_ids), cmp_i64);
	return chorus_store_archive_close(ctx->store, out, err);
}

/* Remove archive/N.atom for every N past the newest page. */
static int remove_stale(struct render_ctx *ctx, int64_t newest,
			struct chorus_err *err)
{
	char *dir = chorus_path_join(ctx->site->public_dir, "archive");
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (!dir)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	d = opendir(dir);
	while (d && !rc && (e = readdir(d))) {
		char *end, *path;
		long long n = strtoll(e->d_name, &end, 10);

		if (end == e->d_name || strcmp(end, ".atom") ||
		    e->d_name[0] == '0' || e->d_name[0] == '-' ||
		    e->d_name[0] == '+' || n <= newest)
			continue;
		path = chorus_path_join(dir, e->d_name);
		if (!path)
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		else if (unlink(path))
			rc = chorus_err_set(err, CHORUS_EIO,
					    "%s: cannot remove", path);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	return rc;
}

static int is_closed(const int64_t *ids, size_t n, int64_t id)
{
	return n && bsearch(&id, ids, n, sizeof(*ids), cmp_i64) != NULL;
}

/*
 * The entries of the pages a build closes (a first build of a large site:
 * nearly every story), written before the pages as jobs that two threads
 * share (render_jobs_run()); entry i is the story stories[i].
 */
struct closing {
	const struct render_story *const *stories;
	struct chorus_buf *entries;
	size_t n, per;		   /* stories, a page's */
	const char *feed_id;	   /* for the pages: */
	int64_t first_page;	   /* the number of the oldest one */
	struct chorus_buf *bodies; /* by page, the oldest first */
};

static int closing_entry(struct render_ctx *ctx, struct template_set *ts,
			 void *arg, size_t i, struct chorus_err *err)
{
	struct closing *c = arg;

	return render_atom_entry(ctx, ts, c->stories[i], "archive/", 0,
				 &c->entries[i], err);
}

/*
 * Page i of the closing ones (the oldest first) from its entries, which
 * go once it is written; the stories are newest first, so the oldest page
 * holds the last per of them.
 */
static int closing_doc(struct render_ctx *ctx, struct template_set *ts,
		       void *arg, size_t i, struct chorus_err *err)
{
	struct closing *c = arg;
	size_t at = c->n - (i + 1) * c->per, q;
	struct atom_entry *e = calloc(c->per + 1, sizeof(*e));
	int rc;

	if (!e)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	for (q = 0; q < c->per; q++) {
		e[q].data = chorus_buf_cstr(&c->entries[at + q]);
		e[q].len = c->entries[at + q].len;
	}
	rc = archive_doc(ctx, ts, c->feed_id, c->first_page + (int64_t)i,
			 c->stories + at, c->per, 0, e, &c->bodies[i], err);
	for (q = 0; q < c->per; q++)
		chorus_buf_release(&c->entries[at + q]);
	free(e);
	return rc;
}

/*
 * The pages still open, oldest first (one, maybe empty, once any has
 * closed), laid out anew on every build: page i + 1 after the k closed
 * ones holds the live stories [start, end) past feed.atom's n_cur.
 */
struct open_pages {
	const struct render_story *const *live;
	size_t n_cur, n_rest, per;
	int64_t k, m;
	const char *feed_id;
};

static int open_page(struct render_ctx *ctx, struct template_set *ts, void *arg,
		     size_t i, struct chorus_err *err)
{
	const struct open_pages *o = arg;
	int64_t j = (int64_t)i + 1;
	size_t end = o->n_rest - i * o->per; /* exclusive */
	size_t start = end > o->per && j < o->m ? end - o->per : 0, q;
	char *rel = page_rel(o->k + j);
	struct chorus_buf body = CHORUS_BUF_INIT;
	struct render_hasher h;
	uint64_t hash = 0;
	int same = 0, rc = 0;

	/* Unchanged inputs, unchanged file: not rendered again. */
	if (!rel || render_hasher_init(&h, ctx->config_hash))
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	if (!rc) {
		render_hasher_str(&h, rel);
		render_hasher_str(&h, o->feed_id);
		render_hasher_i64(&h, j == o->m);
		render_hasher_i64(&h, end - start ? 0 : ctx->now);
		for (q = start; q < end; q++)
			render_hasher_i64(&h,
					  (int64_t)o->live[o->n_cur + q]->hash);
		hash = render_hasher_done(&h);
		rc = render_page_unchanged(ctx, rel, hash, &same);
	}
	if (!rc && !same)
		rc = archive_doc(ctx, ts, o->feed_id, o->k + j,
				 o->live + o->n_cur + start, end - start,
				 j == o->m, NULL, &body, err);
	if (!rc && !same)
		rc = render_write(ctx, rel, chorus_buf_cstr(&body), body.len,
				  err);
	if (!rc && !same)
		rc = render_page_done(ctx, rel, hash);
	chorus_buf_release(&body);
	free(rel);
	return rc;
}

int render_atom_archived(struct render_ctx *ctx,
			 const struct render_story ***current,
			 size_t *n_current, struct chorus_err *err)
{
	const struct chorus_site *site = ctx->site;
	size_t per = site->feed_page_size ? site->feed_page_size : 50;
	struct chorus_archive_page *pages = NULL;
	const struct render_story **live = NULL;
	struct chorus_cluster_options opt;
	struct chorus_buf body = CHORUS_BUF_INIT;
	struct closing closing;
	struct open_pages open;
	int posted = 0;
	int64_t *closed_ids = NULL, settled, k, m = 0;
	size_t n_pages = 0, n_closed = 0, n_live = 0, n_cur, n_rest, i;
	size_t n_closing = 0, left;
	char *feed_id = render_feed_id(site, NULL), *prev = NULL;
	struct atom_doc d = {0};
	int rc = 0, in_tx = 0;

	*current = NULL;
	*n_current = 0;
	memset(&closing, 0, sizeof(closing));
	memset(&open, 0, sizeof(open));
	chorus_cluster_options_init(&opt);
	settled = ctx->now - opt.window - LATE_MARGIN;
	if (!feed_id) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	if (ctx->store)
		rc = chorus_store_archive_index(ctx->store, &pages, &n_pages,
						err);
	if (rc)
		goto out;
	for (i = 0; i < n_pages; i++)
		n_closed += pages[i].n_story_ids;
	closed_ids = calloc(n_closed + 1, sizeof(*closed_ids));
	live = calloc(ctx->n_stories + 1, sizeof(*live));
	if (!closed_ids || !live) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	for (n_closed = 0, i = 0; i < n_pages; i++) {
		memcpy(closed_ids + n_closed, pages[i].story_ids,
		       pages[i].n_story_ids * sizeof(*closed_ids));
		n_closed += pages[i].n_story_ids;
	}
	qsort(closed_ids, n_closed, sizeof(*closed_ids), cmp_i64);
	for (i = 0; i < ctx->n_stories; i++)
		if (!is_closed(closed_ids, n_closed,
			       ctx->stories[i].view.story->id))
			live[n_live++] = &ctx->stories[i];
	n_cur = n_live < per ? n_live : per;
	n_rest = n_live - n_cur;
	k = n_pages ? pages[n_pages - 1].page : 0;

	/*
	 * Close the oldest pages whose stories have all settled, all in one
	 * transaction (a first build of a large site closes hundreds): a run
	 * that fails stores none, and the next closes them, the same bytes.
	 * Their entries are written first, on two threads when there are.
	 */
	for (left = n_rest; ctx->store && left >= per &&
			    live[n_cur + left - per]->view.last <= settled;
	     left -= per)
		n_closing += per;
	if (n_closing) {
		closing.stories = (const struct render_story *const *)live +
				  n_cur + n_rest - n_closing;
		closing.n = n_closing;
		closing.per = per;
		closing.feed_id = feed_id;
		closing.first_page = k + 1;
		closing.entries =
		    calloc(n_closing + 1, sizeof(*closing.entries));
		closing.bodies =
		    calloc(n_closing / per + 1, sizeof(*closing.bodies));
		if (!closing.entries || !closing.bodies) {
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
			goto out;
		}
		/* The entries, then the pages from them, on two threads. */
		rc = render_jobs_run(ctx, closing_entry, &closing, n_closing,
				     err);
		if (!rc)
			rc = render_jobs_run(ctx, closing_doc, &closing,
					     n_closing / per, err);
		if (!rc)
			rc = chorus_store_begin(ctx->store, err);
		in_tx = !rc;
	}
	/*
	 * The feeds read the closing stories' page data no more (their
	 * entries are written): the other thread frees it, once its index
	 * pages are done, while the pages close.
	 */
	/*
	 * The open pages come after the closing ones: posted for the other
	 * thread while this one stores those.
	 */
	if (!rc) {
		open.live = (const struct render_story *const *)live;
		open.n_cur = n_cur;
		open.n_rest = n_rest - n_closing;
		open.per = per;
		open.k = k + (int64_t)(n_closing / per);
		open.m = (int64_t)((open.n_rest + per - 1) / per);
		if (!open.m && open.k)
			open.m = 1;
		open.feed_id = feed_id;
		m = open.m;
		render_jobs_post(ctx, open_page, &open, (size_t)m);
		posted = 1;
	}
	render_jobs_close(ctx, closing.stories, rc ? 0 : n_closing);
	while (in_tx && !rc && n_rest >= per &&
	       live[n_cur + n_rest - per]->view.last <= settled) {
		struct chorus_archive_page *grown, p;

		rc = close_page(
		    ctx, k + 1,
		    (const struct render_story *const *)live + n_cur + n_rest -
			per,
		    per, &closing.bodies[k + 1 - closing.first_page], &p, err);
		grown =
		    rc ? NULL : realloc(pages, (n_pages + 1) * sizeof(*pages));
		if (!grown) {
			free(p.body);
			free(p.story_ids);
			if (!rc)
				rc = chorus_err_set(err, CHORUS_ENOMEM,
						    "out of memory");
			break;
		}
		pages = grown;
		pages[n_pages++] = p;
		k++;
		n_rest -= per;
	}
	if (in_tx && !rc)
		rc = chorus_store_commit(ctx->store, err);
	else if (in_tx)
		chorus_store_rollback(ctx->store);
	if (rc)
		goto out;

	/* Closed pages, from their stored bytes. */
	for (i = 0; i < n_pages && !rc; i++) {
		char *rel = page_rel(pages[i].page);
		struct render_hasher h;
		uint64_t hash = 0;
		int same = 0;

		/*
		 * A closed page never changes: when the file is as it was
		 * last written, it is not compared again.
		 */
		if (!rel || render_hasher_init(&h, 0))
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		if (!rc) {
			render_hasher_str(&h, rel);
			render_hasher_i64(&h, pages[i].closed);
			render_hasher_i64(&h, (int64_t)pages[i].len);
			hash = render_hasher_done(&h);
			rc = render_page_unchanged(ctx, rel, hash, &same);
		}
		/* The bytes were not loaded: only now are they needed. */
		if (!rc && !same && !pages[i].body)
			rc = chorus_store_archive_body(
			    ctx->store, pages[i].page, &pages[i].body,
			    &pages[i].len, err);
		if (!rc && !same)
			rc = render_write(ctx, rel, pages[i].body, pages[i].len,
					  err);
		if (!rc && !same)
			rc = render_page_done(ctx, rel, hash);
		free(rel);
	}
	/* Open pages (posted above): the other thread may be on them. */
	rc = render_jobs_wait(ctx, open_page, &open, (size_t)m, err);
	posted = 0;
	if (rc)
		goto out;

	/* The subscription document. */
	if (k + m > 0 && !(prev = page_rel(k + m))) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	d.rel = "feed.atom";
	d.id = feed_id;
	d.title = site->title;
	d.subtitle = site->subtitle;
	d.stories = (const struct render_story *const *)live;
	d.n_stories = n_cur;
	d.updated = ctx->now;
	d.alternate = "index.html";
	d.prev_archive = prev;
	chorus_buf_reset(&body);
	rc = render_atom_doc(ctx, &d, &body, err);
	if (!rc)
		rc = render_write(ctx, "feed.atom", chorus_buf_cstr(&body),
				  body.len, err);
	if (!rc)
		rc = remove_stale(ctx, k + m, err);
	if (!rc) {
		*current = live;
		*n_current = n_cur;
		live = NULL;
	}
out:
	/* Posted pages may be on the other thread: they are waited for. */
	if (posted && ctx->jobs) {
		struct chorus_err ignored = {0};

		(void)render_jobs_wait(ctx, open_page, &open, (size_t)m,
				       &ignored);
	}
	for (i = 0; closing.entries && i < n_closing; i++)
		chorus_buf_release(&closing.entries[i]);
	for (i = 0; closing.bodies && i < n_closing / per; i++)
		chorus_buf_release(&closing.bodies[i]);
	free(closing.entries);
	free(closing.bodies);
	chorus_archive_pages_free(pages, n_pages);
	chorus_buf_release(&body);
	free(closed_ids);
	free(live);
	free(feed_id);
	free(prev);
	return rc;
}
