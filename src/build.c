/*
 * The build pipeline (see include/chorus/build.h): seeds/ → store →
 * stories → public/.
 *
 * Ingest runs in one transaction and clustering in another, each committed
 * before anything is published, so a run killed while rendering leaves a
 * state that the next run simply renders again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chorus/build.h"
#include "chorus/cluster.h"
#include "chorus/feed.h"
#include "chorus/file.h"
#include "chorus/text.h"

/* Reads one source file's bytes into the store. */
typedef int (*ingest_fn)(const struct chorus_site *site,
			 struct chorus_store *st, const char *display,
			 const char *name, const char *data, size_t len,
			 int64_t mtime, struct chorus_build_stats *stats,
			 struct chorus_report *report, struct chorus_err *err);

static void count_put(struct chorus_build_stats *stats,
		      enum chorus_put_result r)
{
	if (r == CHORUS_PUT_NEW)
		stats->articles_new++;
	else if (r == CHORUS_PUT_CHANGED)
		stats->articles_changed++;
}

static int ingest_text(const struct chorus_site *site, struct chorus_store *st,
		       const char *display, const char *name, const char *data,
		       size_t len, int64_t mtime,
		       struct chorus_build_stats *stats,
		       struct chorus_report *report, struct chorus_err *err)
{
	struct chorus_article a;
	enum chorus_put_result put;
	int64_t fallback =
	    site->source_date_epoch >= 0 ? site->source_date_epoch : mtime;
	const char *dot = strrchr(name, '.');
	char *key =
	    chorus_strndup(name, dot ? (size_t)(dot - name) : strlen(name));
	unsigned repairs = 0;
	long line = 0;
	int64_t source_id;
	int rc;

	if (!key)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	chorus_article_init(&a);
	rc = chorus_article_from_text(&a, key, data, len, fallback, &repairs,
				      &line, err);
	if (rc)
		goto out;
	if (repairs & CHORUS_ARTICLE_REPAIRED_UTF8)
		chorus_report_say(report, CHORUS_REPORT_WARN,
				  "%s:%ld: invalid UTF-8 repaired (bad bytes "
				  "replaced with U+FFFD)",
				  display, line);
	if (repairs & CHORUS_ARTICLE_BAD_DATE)
		chorus_report_say(report, CHORUS_REPORT_WARN,
				  "%s: unreadable Date header; using %s",
				  display,
				  site->source_date_epoch >= 0
				      ? "SOURCE_DATE_EPOCH"
				      : "the file's modification time");
	rc = chorus_store_source_get(st, a.source, NULL, &source_id, err);
	if (!rc)
		rc = chorus_store_article_put(st, &a, source_id, &put, err);
	if (!rc)
		count_put(stats, put);
out:
	chorus_article_release(&a);
	free(key);
	return rc;
}

/* What a feed document's entries need while they are stored. */
struct feed_ingest {
	const struct chorus_site *site;
	struct chorus_store *st;
	const char *display;
	char *stem; /* the outlet's name when the feed gives none */
	int64_t fallback;
	struct chorus_build_stats *stats;
	struct chorus_report *report;
	struct chorus_err *err;
};

/* One entry of a feed document becomes one article of its outlet. */
static int store_entry(void *ctx, const struct chorus_feed *feed,
		       struct chorus_feed_entry *entry)
{
	struct feed_ingest *fi = ctx;
	struct chorus_article a;
	struct chorus_err eerr = {0};
	enum chorus_put_result put;
	int64_t source_id;
	int rc;

	chorus_article_init(&a);
	rc = chorus_feed_entry_to_article(feed, entry, fi->fallback, &a, &eerr);
	if (rc == CHORUS_EEMPTY) {
		chorus_report_say(fi->report, CHORUS_REPORT_WARN,
				  "%s: an entry with neither id nor link, "
				  "skipped",
				  fi->display);
		return 0;
	}
	if (!rc && !a.source && !(a.source = chorus_strdup(fi->stem)))
		rc = chorus_err_set(&eerr, CHORUS_ENOMEM, "out of memory");
	if (!rc)
		rc = chorus_store_source_get(fi->st, a.source, feed->link,
					     &source_id, &eerr);
	if (!rc)
		rc = chorus_store_article_put(fi->st, &a, source_id, &put,
					      &eerr);
	if (!rc)
		count_put(fi->stats, put);
	else
		chorus_err_set(fi->err, rc, "%s", eerr.msg);
	chorus_article_release(&a);
	return rc;
}

/*
 * A feed document (RSS, Atom or JSON Feed; the format is read from the
 * content): each entry is an article, the feed its outlet. Entries are
 * stored as they are read; what was repaired is reported.
 */
static int ingest_feed(const struct chorus_site *site, struct chorus_store *st,
		       const char *display, const char *name, const char *data,
		       size_t len, int64_t mtime,
		       struct chorus_build_stats *stats,
		       struct chorus_report *report, struct chorus_err *err)
{
	struct chorus_feed_options opt = {0};
	struct chorus_feed_parser *p = NULL;
	struct chorus_feed *feed = NULL;
	const char *dot = strrchr(name, '.');
	struct feed_ingest fi = {
	    site,
	    st,
	    display,
	    NULL,
	    site->source_date_epoch >= 0 ? site->source_date_epoch : mtime,
	    stats,
	    report,
	    err};
	size_t i;
	int rc;

	fi.stem =
	    chorus_strndup(name, dot ? (size_t)(dot - name) : strlen(name));
	if (!fi.stem)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	opt.max_size = site->max_source_bytes ? site->max_source_bytes
					      : CHORUS_FEED_DEFAULT_MAX_SIZE;
	rc = chorus_feed_parser_new(&opt, store_entry, &fi, &p, err);
	/* In slices, so the parser's own buffers stay small. */
	for (i = 0; !rc && i < len; i += 65536)
		rc = chorus_feed_parser_push(
		    p, data + i, len - i < 65536 ? len - i : 65536, err);
	if (!rc)
		rc = chorus_feed_parser_finish(p, &feed, err);
	if (!rc)
		for (i = 0; i < feed->nerrors; i++)
			chorus_report_say(
			    report, CHORUS_REPORT_WARN, "%s:%ld: %s", display,
			    feed->errors[i].line, feed->errors[i].message);
	chorus_feed_free(feed);
	chorus_feed_parser_free(p);
	free(fi.stem);
	return rc;
}

/* Source files by extension; the format inside decides for feeds. */
static const struct {
	const char *ext;
	ingest_fn ingest;
} kinds[] = {
    {".atom", ingest_feed}, {".json", ingest_feed}, {".rss", ingest_feed},
    {".txt", ingest_text},  {".xml", ingest_feed},
};

static ingest_fn kind_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	if (!dot || name[0] == '.')
		return NULL;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(dot, kinds[i].ext))
			return kinds[i].ingest;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The source files of dir, sorted by name (bytewise, not by locale). */
static int list_sources(const char *dir, struct chorus_strlist *out,
			struct chorus_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return chorus_err_set(
		    err, errno == ENOENT ? CHORUS_ENOTFOUND : CHORUS_EIO,
		    "%s: %s (create it and put articles "
		    "in it, or set [site] seeds in "
		    "chorus.ini)",
		    dir, strerror(errno));
	while (!rc && (e = readdir(d)))
		if (kind_of(e->d_name))
			rc = chorus_strlist_push(out, e->d_name,
						 strlen(e->d_name));
	closedir(d);
	if (rc)
		return chorus_err_set(err, rc, "out of memory");
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

/* Read and ingest one file; returns non-zero only for fatal errors. */
static int ingest_file(const struct chorus_site *site, struct chorus_store *st,
		       const char *name, struct chorus_build_stats *stats,
		       struct chorus_report *report, struct chorus_err *err)
{
	char *path = chorus_path_join(site->seeds_dir, name);
	struct chorus_buf data = CHORUS_BUF_INIT;
	struct chorus_err ferr = {0};
	struct stat sb;
	int rc = 0, unchanged = 0;

	if (!path)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	stats->files_seen++;
	if (stat(path, &sb) || !S_ISREG(sb.st_mode)) {
		chorus_report_say(report, CHORUS_REPORT_FAIL,
				  "%s: not a readable file, skipped", path);
		stats->files_failed++;
		goto out;
	}
	rc = chorus_store_file_unchanged(st, name, (int64_t)sb.st_mtime,
					 (int64_t)sb.st_size, &unchanged, err);
	if (rc || unchanged)
		goto out;
	stats->files_read++;
	rc = chorus_file_read(path, site->max_source_bytes, &data, &ferr);
	if (!rc)
		rc = kind_of(name)(site, st, path, name, chorus_buf_cstr(&data),
				   data.len, (int64_t)sb.st_mtime, stats,
				   report, &ferr);
	if (rc == CHORUS_ENOMEM || rc == CHORUS_EDB) {
		chorus_err_set(err, rc, "%s", ferr.msg);
		goto out;
	}
	if (rc) {
		const char *msg = ferr.msg;
		size_t plen = strlen(path);

		/* Messages from file.c already start with the path. */
		if (!strncmp(msg, path, plen) && msg[plen] == ':')
			msg += plen + 2;
		if (rc == CHORUS_ETOOBIG)
			chorus_report_say(report, CHORUS_REPORT_FAIL,
					  "%s: %s, skipped (raise [site] "
					  "max_source_bytes to read it)",
					  path, msg);
		else
			chorus_report_say(report, CHORUS_REPORT_FAIL,
					  "%s: %s, skipped", path, msg);
		stats->files_failed++;
		rc = 0;
		goto out;
	}
	rc = chorus_store_file_record(st, name, (int64_t)sb.st_mtime,
				      (int64_t)sb.st_size, err);
out:
	chorus_buf_release(&data);
	free(path);
	return rc;
}

int chorus_build_ingest(const struct chorus_site *site, struct chorus_store *st,
			struct chorus_build_stats *stats,
			struct chorus_report *report, struct chorus_err *err)
{
	struct chorus_strlist names;
	size_t i, stored = stats->articles_new + stats->articles_changed;
	int rc;

	chorus_strlist_init(&names);
	rc = list_sources(site->seeds_dir, &names, err);
	if (!rc)
		rc = chorus_store_begin(st, err);
	for (i = 0; !rc && i < names.n; i++) {
		rc = ingest_file(site, st, names.v[i], stats, report, err);
		chorus_report_progress(report, "reading", (long)i + 1,
				       (long)names.n);
	}
	if (!rc)
		chorus_store_expect_articles(
		    st, stats->articles_new + stats->articles_changed - stored);
	if (!rc)
		rc = chorus_store_commit(st, err);
	else if (rc != CHORUS_ENOTFOUND && rc != CHORUS_EIO)
		chorus_store_rollback(st);
	chorus_strlist_release(&names);
	return rc;
}

int chorus_build_publish(const struct chorus_site *site,
			 struct chorus_store *st,
			 struct chorus_build_stats *stats,
			 struct chorus_report *report, struct chorus_err *err)
{
	struct chorus_cluster_options opt;
	struct chorus_cluster_stats cs;
	struct chorus_corpus c;
	int rc;

	chorus_cluster_options_init(&opt);
	opt.overrides = site->story_overrides;
	opt.n_overrides = site->n_story_overrides;
	memset(&c, 0, sizeof(c));
	/*
	 * The clustering reads the store itself: the corpus is loaded once,
	 * after it, with its stories as they now are, and without the
	 * articles' texts, which the render reads only for the stories it
	 * summarises again.
	 */
	rc = chorus_store_begin(st, err);
	if (!rc)
		rc = chorus_cluster_run(st, &opt, &cs, report, err);
	if (!rc)
		rc = chorus_store_commit(st, err);
	else
		chorus_store_rollback(st);
	if (!rc)
		stats->stories_new = cs.stories_new;
	if (!rc)
		rc = chorus_store_load_lazy(st, &c, err);
	if (rc)
		return rc;
	stats->articles_total = c.n_articles;
	rc = chorus_file_mkdirs(site->public_dir, err);
	if (!rc)
		rc = chorus_render_site_archived(site, st, &c, &stats->render,
						 report, err);
	chorus_corpus_release(&c);
	return rc;
}

int chorus_build(const struct chorus_site *site, struct chorus_store *st,
		 struct chorus_build_stats *stats, struct chorus_report *report,
		 struct chorus_err *err)
{
	int rc;

	memset(stats, 0, sizeof(*stats));
	rc = chorus_build_ingest(site, st, stats, report, err);
	if (!rc)
		rc = chorus_build_publish(site, st, stats, report, err);
	return rc;
}
