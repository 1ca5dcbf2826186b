/*
 * What makes an incremental render cheap (see render_int.h): the render
 * cache in the state folder, and staged writes.
 *
 * The cache (`STATE/render.cache`, a private binary file rebuilt by every
 * render) remembers, for each story, a fingerprint of its articles and the
 * view computed from them (which articles it shows, headline, summary,
 * names, what each source adds, times), so a story whose articles did not
 * change is not summarised again: the view is replayed as it was computed,
 * whatever rules chorus_story_view_compute() follows;
 * and, for each page it wrote, a hash of everything the page was made from
 * with the file's size and modification time, so a page whose inputs did
 * not change and whose file is still as written is not rendered again. The
 * cache is only ever an optimisation: a missing, damaged or foreign file is
 * ignored and everything is computed afresh. Fingerprints include the
 * chorus version, so a new release recomputes every view.
 *
 * Staged writes: a changed file goes to a temporary file in
 * public/.chorus-staging/ without an fsync of its own; render_flush()
 * makes them all durable with one syncfs() and then renames them into
 * place in the order they were written. A new file (nothing there yet)
 * is written in place: nothing links to it before the flush. A run killed
 * before the flush leaves every old file in place, and the staging folder,
 * which the next run empties first; one fsync per file would cost more than the
 * rendering of a large site.
 */
#define _GNU_SOURCE /* syncfs() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chorus/file.h"
#include "render_int.h"
#include "story_int.h"

#define CACHE_MAGIC "chorus-render-cache-3\n"
#define CACHE_MAX ((size_t)1 << 30)
/* Flush after this many staged files, to bound the temporary files. */
#define MAX_PENDING 8192

struct cached_view {
	int64_t story_id;
	uint64_t fp;
	size_t offset; /* of the view's strings in the file */
	size_t end;    /* … and where they end */
};

struct cached_page {
	const char *rel; /* NUL-terminated inside the file */
	uint64_t hash;
	int64_t mtime_ns, size;
};

struct render_cache {
	struct chorus_buf file; /* data: the mapping, when map_len */
	size_t map_len;
	struct cached_view *views; /* by story_id */
	size_t n_views;
	struct cached_page *pages; /* by rel */
	size_t n_pages;
	/*
	 * The pages by a hash of rel, open addressing: slot holds the page's
	 * index + 1, 0 when empty (every page of a run is looked up once).
	 */
	uint32_t *slots;
	size_t mask;
	/* The views by story id, the same way (else sorted, for bsearch). */
	uint32_t *vslots;
	size_t vmask;
};

/*
 * The file this thread wrote last (render_write()), with the time and
 * size it has now, read from the file just written: render_page_done()
 * remembers them for the cache, which otherwise would stat every page a
 * first build writes, one by one at its end. A staged file keeps both
 * when it is renamed into place.
 */
static _Thread_local struct {
	char rel[256]; /* "" when none */
	int64_t mtime_ns, size;
} last_write;

/* Reading the file: bounds-checked, any overrun marks it bad. */
struct reader {
	const unsigned char *p, *start, *end;
	int bad;
};

static uint64_t rd_u64(struct reader *r)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < sizeof(v)) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

/* A string written as u64 length, bytes, NUL; returns it in place. */
static const char *rd_str(struct reader *r, size_t *len)
{
	uint64_t n = rd_u64(r);
	const char *s;

	if (r->bad || n >= (uint64_t)(r->end - r->p) || r->p[n] != '\0') {
		r->bad = 1;
		return NULL;
	}
	s = (const char *)r->p;
	r->p += n + 1;
	if (len)
		*len = (size_t)n;
	return s;
}

static int wr_u64(struct chorus_buf *b, uint64_t v)
{
	return chorus_buf_add(b, &v, sizeof(v));
}

static int wr_str(struct chorus_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (wr_u64(b, n) || chorus_buf_add(b, s ? s : "", n) ||
	    chorus_buf_addc(b, '\0'))
		return CHORUS_ENOMEM;
	return 0;
}

static int wr_list(struct chorus_buf *b, const struct chorus_strlist *l)
{
	size_t i;
	int rc = wr_u64(b, l->n);

	for (i = 0; !rc && i < l->n; i++)
		rc = wr_str(b, l->v[i]);
	return rc;
}

/* Skip a list; false when the file is bad. */
static int skip_list(struct reader *r)
{
	uint64_t n = rd_u64(r), i;

	for (i = 0; i < n && !r->bad; i++)
		rd_str(r, NULL);
	return !r->bad;
}

static int cmp_view(const void *a, const void *b)
{
	const struct cached_view *x = a, *y = b;

	return x->story_id < y->story_id ? -1 : x->story_id > y->story_id;
}

static int cmp_page(const void *a, const void *b)
{
	return strcmp(((const struct cached_page *)a)->rel,
		      ((const struct cached_page *)b)->rel);
}

/* Is v (n elements of size) in cmp's order? */
static int sorted(const void *v, size_t n, size_t size,
		  int (*cmp)(const void *, const void *))
{
	const char *p = v;
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0)
			return 0;
	return 1;
}

static size_t rel_hash(const char *rel)
{
	return (size_t)XXH3_64bits(rel, strlen(rel));
}

/* The slots of c's pages (none when out of memory: then bsearch). */
static void index_pages(struct render_cache *c)
{
	size_t cap = 16, i, at;

	if (c->n_pages >= UINT32_MAX / 2)
		return;
	while (cap < c->n_pages * 2)
		cap *= 2;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots)
		return;
	c->mask = cap - 1;
	for (i = 0; i < c->n_pages; i++) {
		for (at = rel_hash(c->pages[i].rel) & c->mask; c->slots[at];
		     at = (at + 1) & c->mask)
			;
		c->slots[at] = (uint32_t)i + 1;
	}
}

static size_t id_hash(int64_t id)
{
	return (size_t)XXH3_64bits(&id, sizeof(id));
}

/* The slots of c's views; 0 when out of memory (then: bsearch). */
static int index_views(struct render_cache *c)
{
	size_t cap = 16, i, at;

	if (c->n_views >= UINT32_MAX / 2)
		return 0;
	while (cap < c->n_views * 2)
		cap *= 2;
	c->vslots = calloc(cap, sizeof(*c->vslots));
	if (!c->vslots)
		return 0;
	c->vmask = cap - 1;
	for (i = 0; i < c->n_views; i++) {
		for (at = id_hash(c->views[i].story_id) & c->vmask;
		     c->vslots[at]; at = (at + 1) & c->vmask)
			;
		c->vslots[at] = (uint32_t)i + 1;
	}
	return 1;
}

static const struct cached_view *find_view(const struct render_cache *c,
					   int64_t story_id)
{
	struct cached_view key = {story_id, 0, 0, 0};
	size_t at;

	if (!c->n_views)
		return NULL;
	if (!c->vslots)
		return bsearch(&key, c->views, c->n_views, sizeof(key),
			       cmp_view);
	for (at = id_hash(story_id) & c->vmask; c->vslots[at];
	     at = (at + 1) & c->vmask)
		if (c->views[c->vslots[at] - 1].story_id == story_id)
			return &c->views[c->vslots[at] - 1];
	return NULL;
}

static const struct cached_page *find_page(const struct render_cache *c,
					   const char *rel)
{
	struct cached_page key = {rel, 0, 0, 0};
	size_t at;

	if (!c || !c->n_pages)
		return NULL;
	if (!c->slots)
		return bsearch(&key, c->pages, c->n_pages, sizeof(key),
			       cmp_page);
	for (at = rel_hash(rel) & c->mask; c->slots[at];
	     at = (at + 1) & c->mask)
		if (!strcmp(c->pages[c->slots[at] - 1].rel, rel))
			return &c->pages[c->slots[at] - 1];
	return NULL;
}

/* Index the file; 0 when it is not a cache we can read. */
static int parse(struct render_cache *c)
{
	struct reader r;
	uint64_t n, i, k, m;
	size_t ml = strlen(CACHE_MAGIC);

	r.start = (const unsigned char *)c->file.data;
	r.p = r.start;
	r.end = r.start + c->file.len;
	r.bad = 0;
	if (c->file.len < ml || memcmp(r.p, CACHE_MAGIC, ml))
		return 0;
	r.p += ml;
	n = rd_u64(&r);
	if (r.bad || n > c->file.len)
		return 0;
	c->views = calloc(n + 1, sizeof(*c->views));
	if (!c->views)
		return 0;
	for (i = 0; i < n && !r.bad; i++) {
		struct cached_view *v = &c->views[i];

		v->story_id = (int64_t)rd_u64(&r);
		v->fp = rd_u64(&r);
		v->offset = (size_t)(r.p - r.start);
		m = rd_u64(&r);	  /* members */
		rd_u64(&r);	  /* first */
		rd_u64(&r);	  /* last */
		rd_u64(&r);	  /* sources */
		rd_str(&r, NULL); /* headline */
		skip_list(&r);	  /* summary */
		skip_list(&r);	  /* names */
		for (k = 0; k < m && !r.bad; k++) {
			rd_u64(&r); /* the member's article id */
			skip_list(&r);
		}
		v->end = (size_t)(r.p - r.start);
	}
	c->n_views = (size_t)n;
	n = rd_u64(&r);
	if (r.bad || n > c->file.len)
		return 0;
	c->pages = calloc(n + 1, sizeof(*c->pages));
	if (!c->pages)
		return 0;
	for (i = 0; i < n && !r.bad; i++) {
		struct cached_page *p = &c->pages[i];

		p->rel = rd_str(&r, NULL);
		p->hash = rd_u64(&r);
		p->mtime_ns = (int64_t)rd_u64(&r);
		p->size = (int64_t)rd_u64(&r);
	}
	c->n_pages = (size_t)n;
	if (r.bad)
		return 0;
	/*
	 * Views are saved newest story first: indexed by id, else sorted.
	 * Pages are saved in order already (render_cache_save).
	 */
	if (!index_views(c) &&
	    !sorted(c->views, c->n_views, sizeof(*c->views), cmp_view))
		qsort(c->views, c->n_views, sizeof(*c->views), cmp_view);
	if (!sorted(c->pages, c->n_pages, sizeof(*c->pages), cmp_page))
		qsort(c->pages, c->n_pages, sizeof(*c->pages), cmp_page);
	index_pages(c);
	return 1;
}

/*
 * The cache file, mapped rather than read (tens of megabytes on a large
 * site, of which a render with little new reads the index and the views
 * of the stories it publishes). Privately: a view borrows its strings from
 * the mapping, and a later render_cache_save() renames a new file over
 * this one, which leaves the mapping as it was. 0 when mapped.
 */
static int map_file(struct render_cache *c, const char *path)
{
	struct stat sb;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > CACHE_MAX) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	c->file.data = p;
	c->file.len = c->map_len = (size_t)sb.st_size;
	return 0;
}

int render_cache_load(struct render_cache **out, const char *path,
		      struct chorus_err *err)
{
	struct render_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	chorus_buf_init(&c->file, CACHE_MAX);
	if (path && !map_file(c, path) && !parse(c)) {
		/* Not ours, or damaged: start from nothing. */
		free(c->views);
		free(c->pages);
		free(c->slots);
		free(c->vslots);
		c->views = NULL;
		c->pages = NULL;
		c->slots = NULL;
		c->vslots = NULL;
		c->n_views = c->n_pages = 0;
	}
	*out = c;
	return 0;
}

void render_cache_free(struct render_cache *c)
{
	if (!c)
		return;
	if (c->map_len)
		munmap(c->file.data, c->map_len);
	else
		chorus_buf_release(&c->file);
	free(c->views);
	free(c->pages);
	free(c->slots);
	free(c->vslots);
	free(c);
}

/*
 * A list whose strings are borrowed from the cache's buffer (they are
 * NUL-terminated there); its pointers go to *slots, which moves past them.
 */
static void read_list(struct reader *r, struct chorus_strlist *l, char ***slots)
{
	uint64_t n = rd_u64(r), i;

	if (r->bad || n > (uint64_t)(r->end - r->p))
		return;
	l->v = *slots;
	l->cap = (size_t)n + 1;
	*slots += n + 1;
	for (i = 0; i < n && !r->bad; i++) {
		char *s = (char *)rd_str(r, NULL);

		if (s)
			l->v[l->n++] = s;
	}
}

/* The strings of a list, skipped; how many there are (0 if bad). */
static uint64_t count_list(struct reader *r)
{
	uint64_t n = rd_u64(r), i;

	if (r->bad || n > (uint64_t)(r->end - r->p))
		return 0;
	for (i = 0; i < n && !r->bad; i++)
		rd_str(r, NULL);
	return r->bad ? 0 : n;
}

void render_view_release(struct render_story *rs)
{
	struct chorus_story_view *v = &rs->view;

	if (!rs->borrowed) {
		chorus_story_view_release(v);
		return;
	}
	free(v->members); /* and the lists' pointers after them */
	memset(v, 0, sizeof(*v));
	rs->borrowed = 0;
}

int render_cache_restore(const struct render_cache *c, int64_t story_id,
			 uint64_t fp, const struct chorus_corpus *sub,
			 const struct chorus_source *const *sources,
			 struct render_story *rs, int *hit)
{
	struct chorus_story_view *v = &rs->view;
	const struct cached_view *cv;
	struct reader r, scan;
	uint64_t n, n_slots;
	size_t i, j;
	char **slots;

	*hit = 0;
	memset(v, 0, sizeof(*v));
	cv = find_view(c, story_id);
	if (!cv || cv->fp != fp)
		return 0;
	r.start = (const unsigned char *)c->file.data;
	r.p = r.start + cv->offset;
	r.end = r.start + c->file.len;
	r.bad = 0;
	n = rd_u64(&r);
	if (r.bad || n == 0 || n > sub->n_articles)
		return 0;
	/*
	 * One allocation per view: the members, then the pointers of all its
	 * lists (counted first, a list and its end slot each), so a render
	 * of a large site does not make and free a few hundred thousand.
	 */
	scan = r;
	rd_u64(&scan);
	rd_u64(&scan);
	rd_u64(&scan);
	rd_str(&scan, NULL);
	n_slots = count_list(&scan) + count_list(&scan) + 2;
	for (i = 0; i < n && !scan.bad; i++) {
		rd_u64(&scan);
		n_slots += count_list(&scan) + 1;
	}
	if (scan.bad || n_slots > c->file.len)
		return 0;
	v->members = calloc(1, (size_t)n * sizeof(*v->members) +
				   (size_t)n_slots * sizeof(char *));
	if (!v->members)
		return CHORUS_ENOMEM;
	slots = (char **)(void *)(v->members + n);
	v->first = (int64_t)rd_u64(&r);
	v->last = (int64_t)rd_u64(&r);
	v->n_sources = (size_t)rd_u64(&r);
	v->headline = (char *)rd_str(&r, NULL);
	read_list(&r, &v->summary, &slots);
	read_list(&r, &v->names, &slots);
	/* The members as they were chosen, by article id. */
	for (i = 0; !r.bad && i < n; i++) {
		int64_t id = (int64_t)rd_u64(&r);
		struct chorus_story_member *m = &v->members[v->n_members++];

		for (j = 0; j < sub->n_articles && sub->articles[j].id != id;
		     j++)
			;
		if (j == sub->n_articles) {
			r.bad = 1;
			break;
		}
		m->article = &sub->articles[j];
		m->source = render_find_source(sources, sub->n_sources,
					       m->article->source_id);
		read_list(&r, &m->only, &slots);
	}
	if (!r.bad) {
		v->story = NULL; /* set by the caller */
		rs->borrowed = 1;
		rs->cached_from = cv->offset;
		rs->cached_to = cv->end;
		*hit = 1;
		return 0;
	}
	/* Undo what was filled in; the caller computes the view instead. */
	free(v->members);
	memset(v, 0, sizeof(*v));
	return 0;
}

/* Pages rendered on several threads share ctx's bookkeeping: one lock. */
static void lock(struct render_ctx *ctx)
{
	if (ctx->lock)
		pthread_mutex_lock(ctx->lock);
}

static void unlock(struct render_ctx *ctx)
{
	if (ctx->lock)
		pthread_mutex_unlock(ctx->lock);
}

/*
 * Files of public/ are looked up from its folder, opened once per run
 * (ctx->public_fd): a run with nothing new looks at every page's file,
 * and a lookup of two components costs less than one of the whole path.
 */
static int stat_page(struct render_ctx *ctx, const char *rel, int64_t *mtime,
		     int64_t *size)
{
	char *path = ctx->public_fd >= 0
			 ? NULL
			 : chorus_path_join(ctx->site->public_dir, rel);
	struct stat sb;
	int ok;

	if (ctx->public_fd < 0 && !path)
		return 0;
	ok = !fstatat(ctx->public_fd >= 0 ? ctx->public_fd : AT_FDCWD,
		      path ? path : rel, &sb, 0) &&
	     S_ISREG(sb.st_mode);
	free(path);
	if (ok) {
		*mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
			 sb.st_mtim.tv_nsec;
		*size = (int64_t)sb.st_size;
	}
	return ok;
}

/*
 * mtime_ns < 0: not known yet (the file is staged), stat it at the end.
 * A page kept as it was is remembered by the cache's own copy of its rel.
 */
static int remember_page(struct render_ctx *ctx, const char *rel,
			 const char *cached_rel, uint64_t hash,
			 int64_t mtime_ns, int64_t size)
{
	struct render_page_rec *p;

	if (ctx->n_pages == ctx->cap_pages) {
		size_t cap = ctx->cap_pages ? ctx->cap_pages * 2 : 256;

		p = realloc(ctx->pages, cap * sizeof(*p));
		if (!p)
			return CHORUS_ENOMEM;
		ctx->pages = p;
		ctx->cap_pages = cap;
	}
	p = &ctx->pages[ctx->n_pages];
	p->borrowed = cached_rel != NULL;
	p->rel = cached_rel ? (char *)cached_rel : chorus_strdup(rel);
	p->hash = hash;
	p->mtime_ns = mtime_ns;
	p->size = size;
	if (!p->rel)
		return CHORUS_ENOMEM;
	ctx->n_pages++;
	return 0;
}

int render_page_unchanged(struct render_ctx *ctx, const char *rel,
			  uint64_t hash, int *unchanged)
{
	const struct cached_page *p;
	int64_t mtime, size;
	int rc;

	*unchanged = 0;
	p = find_page(ctx->cache, rel);
	if (!p || p->hash != hash || !stat_page(ctx, rel, &mtime, &size) ||
	    mtime != p->mtime_ns || size != p->size)
		return 0;
	*unchanged = 1;
	lock(ctx);
	ctx->stats->unchanged++;
	rc = remember_page(ctx, rel, p->rel, hash, mtime, size);
	unlock(ctx);
	return rc;
}

int render_page_done(struct render_ctx *ctx, const char *rel, uint64_t hash)
{
	int64_t mtime = -1, size = 0;
	int rc;

	/* Written just now by this thread: its time and size are known. */
	if (!strcmp(last_write.rel, rel)) {
		mtime = last_write.mtime_ns;
		size = last_write.size;
	}
	last_write.rel[0] = '\0';
	lock(ctx);
	rc = remember_page(ctx, rel, NULL, hash, mtime, size);
	ctx->pages_done++;
	unlock(ctx);
	return rc;
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct render_page_rec *)a)->rel,
		      ((const struct render_page_rec *)b)->rel);
}

/*
 * The cache is written as it is made, through a small buffer, to a
 * temporary file renamed over the old one: the views kept from the old
 * file (all of them but a few, after a build with a few new articles) go
 * from its mapping to the new file in runs, as they lay there, with no
 * copy of the whole in memory. What is written is compared with the old
 * file as it goes, so a cache that would not change is not replaced.
 */
#define SINK_BUF ((size_t)1 << 20)

struct sink {
	int fd;
	struct chorus_buf b;
	const struct render_cache *old;
	size_t off; /* bytes written so far */
	int same;   /* ... and all as the old file has them */
	int failed;
	/* A run of the old file waiting to be written: [from, to). */
	size_t from, to;
};

static void sink_write(struct sink *k, const char *p, size_t n)
{
	const struct chorus_buf *old = &k->old->file;

	if (k->same &&
	    (k->off + n > old->len || (n && memcmp(old->data + k->off, p, n))))
		k->same = 0;
	k->off += n;
	while (n && !k->failed) {
		ssize_t w = write(k->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			k->failed = 1;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void sink_flush(struct sink *k)
{
	if (k->to > k->from) {
		const char *p = k->old->file.data + k->from;
		size_t n = k->to - k->from;

		k->from = k->to = 0;
		sink_flush(k);
		sink_write(k, p, n);
		return;
	}
	if (k->b.len)
		sink_write(k, k->b.data, k->b.len);
	chorus_buf_reset(&k->b);
}

/* Bytes made here go through the buffer, after any run waiting. */
static struct chorus_buf *sink_buf(struct sink *k)
{
	if (k->to > k->from || k->b.len >= SINK_BUF)
		sink_flush(k);
	return &k->b;
}

/* Bytes [from, to) of the old file, joined to the run waiting if next. */
static void sink_old(struct sink *k, size_t from, size_t to)
{
	if (k->to > k->from && k->to == from) {
		k->to = to;
		return;
	}
	sink_flush(k);
	k->from = from;
	k->to = to;
}

int render_cache_save(struct render_ctx *ctx, const char *path,
		      struct chorus_err *err)
{
	struct chorus_buf tmp = CHORUS_BUF_INIT;
	struct sink k;
	size_t i, j, kept = 0;
	int rc = 0;

	/*
	 * Nothing rendered, every view from the cache, as many of each as
	 * then: the cache would be written as it is.
	 */
	if (!ctx->pages_done && ctx->cache &&
	    ctx->n_pages == ctx->cache->n_pages &&
	    ctx->n_stories == ctx->cache->n_views) {
		for (i = 0; i < ctx->n_stories && ctx->stories[i].borrowed; i++)
			;
		if (i == ctx->n_stories)
			return 0;
	}
	/*
	 * Pages are remembered in the order threads finished them: sorted,
	 * the same run writes the same bytes (and an unchanged cache is not
	 * written again).
	 */
	if (ctx->n_pages)
		qsort(ctx->pages, ctx->n_pages, sizeof(*ctx->pages), cmp_rec);
	/* Pages whose file is there now, with its size and time. */
	for (i = 0; i < ctx->n_pages; i++) {
		int64_t mtime, size;

		if (ctx->pages[i].mtime_ns >= 0) {
			kept++;
			continue;
		}
		if (!stat_page(ctx, ctx->pages[i].rel, &mtime, &size)) {
			ctx->pages[i].hash = 0;
			continue;
		}
		ctx->pages[i].mtime_ns = mtime;
		ctx->pages[i].size = size;
		kept++;
	}
	memset(&k, 0, sizeof(k));
	chorus_buf_init(&k.b, CACHE_MAX);
	k.old = ctx->cache;
	k.same = 1;
	if (chorus_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid())) {
		rc = CHORUS_ENOMEM;
		goto out;
	}
	k.fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (k.fd < 0) {
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
		goto out;
	}
	rc = chorus_buf_adds(sink_buf(&k), CACHE_MAGIC);
	if (!rc)
		rc = wr_u64(sink_buf(&k), ctx->n_stories);
	for (i = 0; !rc && i < ctx->n_stories; i++) {
		const struct render_story *rs = &ctx->stories[i];
		const struct chorus_story_view *v = &rs->view;
		struct chorus_buf *b;

		/*
		 * A view from the cache is written as it was read, with the
		 * id and fingerprint before it, which are the same (the old
		 * file's 16 bytes before the view).
		 */
		if (rs->borrowed && rs->cached_to > rs->cached_from &&
		    rs->cached_from >= 16 &&
		    rs->cached_to <= ctx->cache->file.len) {
			sink_old(&k, rs->cached_from - 16, rs->cached_to);
			continue;
		}
		b = sink_buf(&k);
		rc = wr_u64(b, (uint64_t)v->story->id);
		if (!rc)
			rc = wr_u64(b, rs->fp);
		if (!rc)
			rc = wr_u64(b, v->n_members);
		if (!rc)
			rc = wr_u64(b, (uint64_t)v->first);
		if (!rc)
			rc = wr_u64(b, (uint64_t)v->last);
		if (!rc)
			rc = wr_u64(b, v->n_sources);
		if (!rc)
			rc = wr_str(b, v->headline);
		if (!rc)
			rc = wr_list(b, &v->summary);
		if (!rc)
			rc = wr_list(b, &v->names);
		for (j = 0; !rc && j < v->n_members; j++) {
			rc = wr_u64(b, (uint64_t)v->members[j].article->id);
			if (!rc)
				rc = wr_list(b, &v->members[j].only);
		}
	}
	if (!rc)
		rc = wr_u64(sink_buf(&k), kept);
	for (i = 0; !rc && i < ctx->n_pages; i++) {
		const struct render_page_rec *p = &ctx->pages[i];
		struct chorus_buf *b;

		if (!p->hash)
			continue;
		b = sink_buf(&k);
		rc = wr_str(b, p->rel);
		if (!rc)
			rc = wr_u64(b, p->hash);
		if (!rc)
			rc = wr_u64(b, (uint64_t)p->mtime_ns);
		if (!rc)
			rc = wr_u64(b, (uint64_t)p->size);
	}
	if (!rc)
		sink_flush(&k);
	if (!rc && k.failed)
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
	if (close(k.fd) && !rc)
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
	/*
	 * Replaced atomically, without an fsync: the cache is only an
	 * optimisation, and one lost in a crash (empty, or cut short) fails
	 * its checks and is ignored. The same bytes: the old one stays.
	 */
	if (!rc && !(k.same && k.off == ctx->cache->file.len) &&
	    rename(tmp.data, path))
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
				    strerror(errno));
	if (rc || (k.same && k.off == ctx->cache->file.len))
		unlink(tmp.data);
out:
	if (rc == CHORUS_ENOMEM)
		rc = chorus_err_set(err, rc, "render cache: %s",
				    chorus_strerror(rc));
	chorus_buf_release(&k.b);
	chorus_buf_release(&tmp);
	return rc;
}

/* Fingerprints. */

/*
 * s with its NUL; read once, a block at a time while it is in the cache
 * (an article's text is the bulk of what a render hashes).
 */
static void h_str(XXH64_state_t *h, const char *s)
{
	size_t n;

	if (!s) {
		XXH64_update(h, "\x01", 1); /* NULL differs from "" */
		return;
	}
	/* The common short string with its NUL in one update. */
	n = strnlen(s, 4096);
	if (n < 4096) {
		XXH64_update(h, s, n + 1);
		return;
	}
	do {
		n = strnlen(s, 4096);
		XXH64_update(h, s, n);
		s += n;
	} while (n == 4096);
	XXH64_update(h, "", 1);
}

static void h_i64(XXH64_state_t *h, int64_t v)
{
	XXH64_update(h, &v, sizeof(v));
}

uint64_t render_hash_article(const struct chorus_stored_article *m)
{
	const struct chorus_article *a = &m->a;
	XXH64_state_t state, *h = &state;
	uint64_t out;

	XXH64_reset(h, 0);
	h_str(h, "article " CHORUS_VERSION);
	h_i64(h, m->id);
	h_i64(h, m->source_id);
	h_i64(h, a->published);
	h_i64(h, a->updated);
	h_i64(h, a->date_known);
	h_str(h, a->key);
	h_str(h, a->source);
	if (m->hash) {
		/*
		 * The store's hash covers the rest (title to text), and is
		 * kept with the row: a render with nothing new reads none of
		 * the 140,000 texts of a large site. date_known and the
		 * outlet's name are not in it, and are hashed above.
		 */
		h_str(h, "stored");
		h_i64(h, m->hash);
	} else {
		h_str(h, a->title);
		h_str(h, a->subtitle);
		h_str(h, a->link);
		h_str(h, a->author);
		h_str(h, a->language);
		h_str(h, a->summary);
		h_str(h, a->text);
	}
	out = XXH64_digest(h);
	return out ? out : 1; /* 0 means "no fingerprint" */
}

uint64_t render_hash_story(const uint64_t *article_hashes, size_t n)
{
	XXH64_state_t state, *h = &state;
	uint64_t out;
	size_t i;

	XXH64_reset(h, 0);
	h_str(h, "view " CHORUS_VERSION " " STORY_VIEW_REVISION);
	for (i = 0; i < n; i++)
		h_i64(h, (int64_t)article_hashes[i]);
	out = XXH64_digest(h);
	return out ? out : 1; /* 0 means "no fingerprint" */
}

int render_hasher_init(struct render_hasher *rh, uint64_t seed)
{
	XXH64_reset(&rh->state, seed);
	return 0;
}

void render_hasher_str(struct render_hasher *rh, const char *s)
{
	h_str(&rh->state, s);
}

void render_hasher_i64(struct render_hasher *rh, int64_t v)
{
	h_i64(&rh->state, v);
}

uint64_t render_hasher_done(struct render_hasher *rh)
{
	uint64_t out = XXH64_digest(&rh->state);

	return out ? out : 1;
}

/* Staged writes. */

/*
 * Staged files wait in one folder of public/, so that what a killed run
 * leaves behind is in one place, which the next run empties first.
 */
#define STAGING ".chorus-staging"

/* Remove the staging folder and whatever a killed run left in it. */
static void staging_clear(struct render_ctx *ctx)
{
	char *dir = chorus_path_join(ctx->site->public_dir, STAGING);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *f;

		if (e->d_name[0] == '.')
			continue;
		f = chorus_path_join(dir, e->d_name);
		if (f)
			unlink(f);
		free(f);
	}
	if (d)
		closedir(d);
	if (dir)
		rmdir(dir);
	free(dir);
}

static int staging_open(struct render_ctx *ctx, struct chorus_err *err)
{
	char *dir = chorus_path_join(ctx->site->public_dir, STAGING);
	int rc;

	if (!dir)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = chorus_file_mkdirs(dir, err);
	free(dir);
	return rc;
}

void render_staging_reset(struct render_ctx *ctx)
{
	staging_clear(ctx);
	ctx->n_staged = 0;
}

/*
 * Does path (from dirfd) hold data (1), other bytes (0), or nothing at all
 * (-1)?
 */
static int same_bytes(int dirfd, const char *path, const char *data, size_t len)
{
	struct stat sb;
	char buf[65536];
	size_t off = 0;
	int fd, same;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : 0;
	same = !fstat(fd, &sb) && S_ISREG(sb.st_mode) &&
	       (uint64_t)sb.st_size == (uint64_t)len;
	while (same && off < len) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > len - off ||
		    memcmp(buf, data + off, (size_t)n))
			same = 0;
		else
			off += (size_t)n;
	}
	close(fd);
	return same;
}

/*
 * Write data to fd and close it; -1 (errno set) on failure. Records the
 * file's time and size as public/REL in last_write (rel may be NULL).
 */
static int write_fd(int fd, const char *data, size_t len, const char *rel)
{
	struct stat sb;
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	last_write.rel[0] = '\0';
	if (rel && strlen(rel) < sizeof(last_write.rel) && !fstat(fd, &sb)) {
		memcpy(last_write.rel, rel, strlen(rel) + 1);
		last_write.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
				      sb.st_mtim.tv_nsec;
		last_write.size = (int64_t)sb.st_size;
	}
	if (close(fd)) {
		last_write.rel[0] = '\0';
		return -1;
	}
	return 0;
}

static int write_tmp(int dirfd, const char *tmp, const char *data, size_t len,
		     const char *rel)
{
	int fd =
	    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	return fd < 0 ? -1 : write_fd(fd, data, len, rel);
}

/*
 * Make the folder dir (and its parents) once per run: a site's files are
 * in a handful of folders, and a mkdir per file and parent would cost
 * more than the write.
 */
static int make_dir(struct render_ctx *ctx, const char *dir,
		    struct chorus_err *err)
{
	size_t i;
	char **p, *copy;
	int known = 0, rc;

	lock(ctx);
	for (i = 0; i < ctx->n_dirs && !known; i++)
		known = !strcmp(ctx->dirs[i], dir);
	unlock(ctx);
	if (known)
		return 0;
	rc = chorus_file_mkdirs(dir, err);
	if (rc)
		return rc;
	copy = chorus_strdup(dir);
	lock(ctx);
	p = copy ? realloc(ctx->dirs, (ctx->n_dirs + 1) * sizeof(*p)) : NULL;
	if (p) {
		ctx->dirs = p;
		ctx->dirs[ctx->n_dirs++] = copy;
	} else {
		free(copy); /* only an optimisation */
	}
	unlock(ctx);
	return 0;
}

/*
 * The file goes to a staging name reserved under the lock and is written
 * outside it, so threads rendering pages write at once. While they run
 * (ctx->lock set) nothing is flushed: the caller flushes after them.
 */
int render_write(struct render_ctx *ctx, const char *rel, const char *data,
		 size_t len, struct chorus_err *err)
{
	char *path = chorus_path_join(ctx->site->public_dir, rel);
	struct chorus_buf tmp = CHORUS_BUF_INIT;
	struct render_pending *p;
	int dfd = ctx->public_fd >= 0 ? ctx->public_fd : AT_FDCWD, fd;
	const char *name = ctx->public_fd >= 0 ? rel : path;
	size_t staged;
	char *slash;
	int rc = 0;

	if (!path)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rc = make_dir(ctx, path, err);
		*slash = '/';
		if (rc)
			goto out;
	}
	/*
	 * A new file replaces nothing and nothing links to it yet: it is
	 * written in place, made durable by the next flush's syncfs, before
	 * the pages that link to it are published. Should the run stop
	 * half-way, the next one finds it unknown to the cache and writes it
	 * again. Created exclusively, it is told from an existing one by the
	 * same call that creates it (a first build creates every file).
	 */
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write_fd(fd, data, len, rel)) {
			rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
					    strerror(errno));
			unlink(path);
			goto out;
		}
		lock(ctx);
		ctx->stats->written++;
		ctx->n_direct++;
		unlock(ctx);
		goto out;
	}
	if (errno != EEXIST) {
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
				    strerror(errno));
		goto out;
	}
	last_write.rel[0] = '\0';
	if (same_bytes(dfd, name, data, len) > 0) {
		lock(ctx);
		ctx->stats->unchanged++;
		unlock(ctx);
		goto out;
	}
	lock(ctx);
	if (!ctx->n_pending && !ctx->n_staged)
		rc = staging_open(ctx, err);
	staged = ctx->n_staged++;
	unlock(ctx);
	if (rc)
		goto out;
	if (chorus_buf_printf(&tmp, "%s/%s/%zu.tmp", ctx->site->public_dir,
			      STAGING, staged)) {
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		goto out;
	}
	if (write_tmp(AT_FDCWD, tmp.data, data, len, rel)) {
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	lock(ctx);
	if (ctx->n_pending == ctx->cap_pending) {
		size_t cap = ctx->cap_pending ? ctx->cap_pending * 2 : 256;

		p = realloc(ctx->pending, cap * sizeof(*p));
		if (!p) {
			unlock(ctx);
			unlink(tmp.data);
			rc =
			    chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
			goto out;
		}
		ctx->pending = p;
		ctx->cap_pending = cap;
	}
	p = &ctx->pending[ctx->n_pending++];
	p->tmp = chorus_buf_detach(&tmp, NULL);
	p->path = path;
	path = NULL;
	ctx->stats->written++;
	unlock(ctx);
	if (!ctx->lock && ctx->n_pending >= MAX_PENDING)
		rc = render_flush(ctx, err);
out:
	chorus_buf_release(&tmp);
	free(path);
	return rc;
}

static void *presync_run(void *arg)
{
	struct render_ctx *ctx = arg;

	/* Errors are the flush's to find: it syncs again. */
	if (ctx->public_fd >= 0)
		(void)syncfs(ctx->public_fd);
	return NULL;
}

/*
 * Worth a head start: a build that wrote this many files since the last
 * flush (an incremental one writes a few, and one syncfs is enough).
 */
#define PRESYNC_MIN 1024

void render_presync(struct render_ctx *ctx)
{
	size_t written;

	lock(ctx);
	written = ctx->n_pending + ctx->n_direct;
	unlock(ctx);
	if (ctx->presync_started || ctx->public_fd < 0 || written < PRESYNC_MIN)
		return;
	ctx->presync_started =
	    !pthread_create(&ctx->presync, NULL, presync_run, ctx);
}

/* Wait for render_presync()'s thread. */
static void presync_join(struct render_ctx *ctx)
{
	if (ctx->presync_started)
		pthread_join(ctx->presync, NULL);
	ctx->presync_started = 0;
}

int render_flush(struct render_ctx *ctx, struct chorus_err *err)
{
	size_t i;
	int fd, rc = 0;

	presync_join(ctx);
	if (!ctx->n_pending && !ctx->n_direct)
		return 0;
	ctx->n_direct = 0;
	fd = open(ctx->site->public_dir, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd))
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s",
				    ctx->site->public_dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	for (i = 0; !rc && i < ctx->n_pending; i++)
		if (rename(ctx->pending[i].tmp, ctx->pending[i].path))
			rc = chorus_err_set(err, CHORUS_EIO, "%s: %s",
					    ctx->pending[i].path,
					    strerror(errno));
	if (rc) {
		render_discard(ctx);
		return rc;
	}
	for (i = 0; i < ctx->n_pending; i++) {
		free(ctx->pending[i].tmp);
		free(ctx->pending[i].path);
	}
	ctx->n_pending = 0;
	render_staging_reset(ctx);
	return 0;
}

void render_discard(struct render_ctx *ctx)
{
	size_t i;

	presync_join(ctx);
	for (i = 0; i < ctx->n_pending; i++) {
		unlink(ctx->pending[i].tmp); /* gone already if renamed */
		free(ctx->pending[i].tmp);
		free(ctx->pending[i].path);
	}
	ctx->n_pending = 0;
	if (ctx->n_staged)
		render_staging_reset(ctx);
}
