/*
 * The SQLite store (see include/chorus/store.h).
 *
 * Schema (version 1):
 *   sources(id, name UNIQUE, slug UNIQUE, url)
 *   articles(id, key UNIQUE, source_id, title, subtitle, link, author,
 *            language, summary, text, published, updated, date_known,
 *            hash, story_id, score)
 *   stories(id, uuid UNIQUE, slug UNIQUE, founder_key, merged_into)
 *   files(path PRIMARY KEY, mtime, size)  -- what ingest has read
 * Version 2 adds the closed feed archives (see src/atom_archive.c):
 *   archive_pages(page PRIMARY KEY, closed, body)  -- the exact bytes
 *   archive_stories(story_id PRIMARY KEY, page)    -- who is in which
 * Version 3 adds article_features(article_id, hash, data) and
 * cluster_state(name, value) for the clusterer, and a partial index of the
 * unassigned articles in the order they are clustered.
 * Version 4 adds what `chorus poll` keeps:
 *   feeds(url PRIMARY KEY, title, etag, last_modified, next_poll,
 *         last_poll, last_ok, last_status, last_error, failures, retired,
 *         moved_to, moved_count, last_bytes, items, doc_interval,
 *         skip_hours, skip_days)
 *   fetches(id, url, final_url, time, ms, status, bytes, sent_etag,
 *           sent_last_modified, etag, last_modified, next_poll, error,
 *           items_new, items_changed)  -- the fetch log
 * Version 5 keeps articles_story (articles by story) for the assigned
 * articles only (WHERE story_id IS NOT NULL; every query of it names a
 * story): the unassigned ones are in articles_pending already. The
 * clustering otherwise took each article's NULL entry out of the front of
 * the index, and the pages it emptied were used again for other tables:
 * written to the WAL twice in one transaction, which makes SQLite read
 * the whole WAL back at the commit to checksum it again.
 * Version 6 keeps the articles' bodies in a table of their own:
 *   article_texts(article_id PRIMARY KEY, text)
 * and drops articles.text. A clustering run rewrites every new article's
 * row (its story and score, chorus_store_article_assign()); the row grows,
 * so SQLite takes the whole cell out of its page and puts it back, and
 * dirties the page: with the body inline, a row of ~1.6 KB and ten to a
 * page of 16 KB, every articles page went to the WAL and back through
 * the checkpoint. Without it the clustering benchmark's rows are ~150
 * bytes, a hundred to a page (150k articles: WAL frames written by the
 * clustering 25.6k -> 12.5k). The summary stays: every page render
 * reads it for every article (where the text is read only for some,
 * chorus_store_load_lazy()), and a feed gives a short one, or its text is
 * made of it.
 * migrations[v] takes a state from version v to v+1; a new version only
 * ever appends to that table, so any older state opens.
 */
#define _GNU_SOURCE /* sync_file_range() */
#include <dirent.h>
#include <fcntl.h> /* sync_file_range() */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>
#include <xxhash.h>

#include "chorus/buf.h"
#include "chorus/store.h"
#include "chorus/text.h"

/* Statements run once per article or story, prepared once per store. */
enum cached_stmt {
	STMT_ASSIGN,
	STMT_SLUG_SOURCES,
	STMT_SLUG_STORIES,
	STMT_STORY_NEW,
	STMT_FEATURES_PUT,
	STMT_ARTICLE_HASH,
	STMT_ARTICLE_INSERT,
	STMT_ARTICLE_UPDATE,
	STMT_TEXT_PUT,
	STMT_PUT_SAVEPOINT,
	STMT_PUT_RELEASE,
	STMT_ARTICLE_PUBLISHED,
	STMT_FEED_GET,
	STMT_FEED_PUT,
	STMT_FETCH_LOG,
	STMT_FETCH_PRUNE,
	N_CACHED,
};

struct chorus_store {
	sqlite3 *db;
	char *path;
	int secure_delete; /* before chorus_store_bulk_writes(); -1: not bulk */
	sqlite3_stmt *cached[N_CACHED];
	/* chorus_store_expect_articles() in the open transaction */
	int big;
};

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE sources("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  url TEXT);"
    "CREATE TABLE stories("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  founder_key TEXT NOT NULL,"
    "  merged_into INTEGER REFERENCES stories(id));"
    "CREATE TABLE articles("
    "  id INTEGER PRIMARY KEY,"
    "  key TEXT NOT NULL UNIQUE,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id),"
    "  title TEXT, subtitle TEXT, link TEXT, author TEXT,"
    "  language TEXT, summary TEXT, text TEXT NOT NULL,"
    "  published INTEGER NOT NULL, updated INTEGER NOT NULL,"
    "  date_known INTEGER NOT NULL DEFAULT 0,"
    "  hash INTEGER NOT NULL,"
    "  story_id INTEGER REFERENCES stories(id),"
    "  score REAL NOT NULL DEFAULT 0);"
    "CREATE INDEX articles_story ON articles(story_id);"
    "CREATE TABLE files("
    "  path TEXT PRIMARY KEY,"
    "  mtime INTEGER NOT NULL,"
    "  size INTEGER NOT NULL);",
    /* 1 -> 2: RFC 5005 archive pages that have closed (src/atom_archive.c) */
    "CREATE TABLE archive_pages("
    "  page INTEGER PRIMARY KEY,"
    "  closed INTEGER NOT NULL,"
    "  body BLOB NOT NULL);"
    "CREATE TABLE archive_stories("
    "  story_id INTEGER PRIMARY KEY REFERENCES stories(id),"
    "  page INTEGER NOT NULL REFERENCES archive_pages(page));",
    /* 2 -> 3: what the clusterer keeps between runs */
    "CREATE TABLE article_features("
    "  article_id INTEGER PRIMARY KEY REFERENCES articles(id),"
    "  hash INTEGER NOT NULL,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE cluster_state("
    "  name TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL);"
    "CREATE INDEX articles_pending ON articles(published, key)"
    "  WHERE story_id IS NULL;",
    /* 3 -> 4: polling */
    "CREATE TABLE feeds("
    "  url TEXT PRIMARY KEY,"
    "  title TEXT, etag TEXT, last_modified TEXT,"
    "  next_poll INTEGER NOT NULL DEFAULT 0,"
    "  last_poll INTEGER NOT NULL DEFAULT 0,"
    "  last_ok INTEGER NOT NULL DEFAULT 0,"
    "  last_status INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  retired INTEGER NOT NULL DEFAULT 0,"
    "  moved_to TEXT, moved_count INTEGER NOT NULL DEFAULT 0,"
    "  last_bytes INTEGER NOT NULL DEFAULT 0,"
    "  items INTEGER NOT NULL DEFAULT 0,"
    "  doc_interval INTEGER NOT NULL DEFAULT 0,"
    "  skip_hours INTEGER NOT NULL DEFAULT 0,"
    "  skip_days INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE fetches("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL, final_url TEXT,"
    "  time INTEGER NOT NULL, ms INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    "  sent_etag TEXT, sent_last_modified TEXT,"
    "  etag TEXT, last_modified TEXT,"
    "  next_poll INTEGER NOT NULL, error TEXT,"
    "  items_new INTEGER NOT NULL DEFAULT 0,"
    "  items_changed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX fetches_url ON fetches(url, id);",
    /* 4 -> 5: articles_story without the unassigned articles */
    "DROP INDEX articles_story;"
    "CREATE INDEX articles_story ON articles(story_id)"
    "  WHERE story_id IS NOT NULL;",
    /* 5 -> 6: the bodies out of the row the clustering rewrites. No
     * index, view or trigger names articles.text, so the column can be
     * dropped (SQLite rewrites the table without it). */
    "CREATE TABLE article_texts("
    "  article_id INTEGER PRIMARY KEY REFERENCES articles(id),"
    "  text TEXT NOT NULL);"
    "INSERT INTO article_texts(article_id, text)"
    "  SELECT id, text FROM articles ORDER BY id;"
    "ALTER TABLE articles DROP COLUMN text;",
};

static int db_fail(struct chorus_store *st, struct chorus_err *err,
		   const char *what)
{
	return chorus_err_set(err, CHORUS_EDB, "%s: %s: %s", st->path, what,
			      sqlite3_errmsg(st->db));
}

static int exec(struct chorus_store *st, const char *sql,
		struct chorus_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		chorus_err_set(err, CHORUS_EDB, "%s: %s", st->path,
			       msg ? msg : "SQL error");
		sqlite3_free(msg);
		return CHORUS_EDB;
	}
	return 0;
}

static int migrate(struct chorus_store *st, struct chorus_err *err)
{
	const int target = (int)(sizeof(migrations) / sizeof(migrations[0]));
	sqlite3_stmt *q = NULL;
	int version, rc, moved_texts = 0;
	char sql[64];

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL))
		return db_fail(st, err, "reading schema version");
	version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	if (version > target)
		return chorus_err_set(err, CHORUS_EDB,
				      "%s: schema version %d is newer than "
				      "this chorus knows (%d); upgrade chorus",
				      st->path, version, target);
	for (; version < target; version++) {
		rc = exec(st, "BEGIN IMMEDIATE", err);
		if (!rc)
			rc = exec(st, migrations[version], err);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 version + 1);
		if (!rc)
			rc = exec(st, sql, err);
		if (!rc)
			rc = exec(st, "COMMIT", err);
		if (rc) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		moved_texts |= version == 5;
	}
	/*
	 * 5 -> 6 leaves each articles row where it was, its text gone: the
	 * table's pages mostly empty, the long texts' overflow pages free.
	 * The file would keep that room (150k articles: 239 MB of data in a
	 * 447 MB file) until later writes used it up. VACUUM repacks the
	 * store, once, on the upgrade. It is atomic (a run killed during it
	 * leaves the migrated store as it was) and needs room for a copy of
	 * the store; when it cannot run (no room, another process reading),
	 * the store is migrated all the same and works as it is.
	 */
	if (moved_texts)
		sqlite3_exec(st->db, "VACUUM", NULL, NULL, NULL);
	return 0;
}

/*
 * SQLite's own count of the memory it has allocated off: with it, each
 * of its mallocs and frees takes a process-wide mutex (Debian builds
 * SQLite without lookaside, so every record and cursor of every statement
 * goes to malloc). Nothing here asks SQLite for that count. It can only
 * be set before SQLite first initialises; after, the call fails and
 * changes nothing.
 */
static pthread_once_t memstatus_once = PTHREAD_ONCE_INIT;

static void memstatus_off(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int chorus_store_open(struct chorus_store **out, const char *path,
		      struct chorus_err *err)
{
	struct chorus_store *st;
	int rc;

	*out = NULL;
	pthread_once(&memstatus_once, memstatus_off);
	st = calloc(1, sizeof(*st));
	if (!st)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	st->secure_delete = -1;
	st->path = chorus_strdup(path);
	if (!st->path) {
		free(st);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				/* serialised: a chorus_store_reader may
				 * read on another thread */
				SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = st->db
			 ? db_fail(st, err, "open")
			 : chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
		chorus_store_close(st);
		return rc;
	}
	sqlite3_busy_timeout(st->db, 5000);
	rc = exec(st,
		  /* Pages of 16 KB in a new store (an existing one keeps its
		   * own): a clustering run rewrites every new article's page
		   * and writes its feature blob in one transaction, whose WAL
		   * the commit reads back once to checksum it again (a page
		   * the cache spilled twice was written over in place) and
		   * the checkpoint reads and writes once more, a system call
		   * per page each time; each page missing from the cache is
		   * looked up in the WAL's hash tables, one more table per
		   * 4096 pages. A quarter of the pages: 150k articles, commit
		   * 0.75 -> 0.45 s. Not larger: with 64 KB pages, a cell
		   * put into or taken out of a page moves more bytes (the
		   * writing thread: 43% more instructions on 5k articles). A
		   * statement that keeps a journal of the pages it changes
		   * (any that may fail halfway) keeps it in memory up to
		   * 64 KB, then in a temporary file: four pages of 16 KB is
		   * already more (see chorus_store_bulk_writes()). */
		  "PRAGMA page_size=16384;"
		  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		  "PRAGMA foreign_keys=ON;"
		  /* A clustering run writes every new article in one
		   * transaction: 64 MB of page cache (whatever the page
		   * size) holds the pages it changes again and again. */
		  "PRAGMA cache_size=-65536;",
		  err);
	if (!rc)
		rc = migrate(st, err);
	if (rc) {
		chorus_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void chorus_store_close(struct chorus_store *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < N_CACHED; i++)
		sqlite3_finalize(st->cached[i]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int chorus_store_begin(struct chorus_store *st, struct chorus_err *err)
{
	return exec(st, "BEGIN IMMEDIATE", err);
}

/*
 * Writeback hints for a large commit. With synchronous=NORMAL a commit
 * in WAL mode does not sync, but the checkpoint that follows a large one
 * does, twice: the WAL before it copies the transaction's pages into the
 * database, and the database after. The kernel starts writing dirty pages
 * of its own accord only when they are gigabytes or half a minute old, so
 * a clustering run's transaction (600 MB of WAL at 500k articles) went to
 * the disk in those two syncs, 0.4-0.5 s of waiting each, one core busy
 * copying and the other idle. Asked to start writing as the commit goes
 * (sync_file_range() without waiting: not a sync, durability is as
 * before), the disk writes while the commit writes and copies, the
 * idle core submitting it, and the syncs find little left.
 * Asking during the run as well, every 4,096 writes, took the commit
 * another 0.1 s down but spent the same submitting on the busy cores.
 */
#if defined(__linux__) && !defined(SYNC_FILE_RANGE_WRITE)
#error "Linux has sync_file_range(): <fcntl.h>, with _GNU_SOURCE first"
#endif

static void writeback_start(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	if (fd >= 0)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}

/*
 * SQLite's own descriptor of file, or -1: found by its inode among the
 * process's descriptors (Linux's /proc/self/fd), and only ever hinted,
 * never closed. A descriptor of our own would not do: closing any
 * descriptor of the database drops every POSIX lock the process holds on
 * it, SQLite's included (https://sqlite.org/howtocorrupt.html, 2.2). One
 * closed meanwhile, or its number taken by another file, only gets a
 * hint it did not need.
 */
static int sqlite_fd(const char *file)
{
	struct stat want, got;
	struct dirent *e;
	DIR *d;
	int fd = -1;

	if (!file || !*file || stat(file, &want) ||
	    !(d = opendir("/proc/self/fd")))
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (end != e->d_name && !*end && n != dirfd(d) &&
		    !fstat((int)n, &got) && got.st_dev == want.st_dev &&
		    got.st_ino == want.st_ino)
			fd = (int)n;
	}
	closedir(d);
	return fd;
}

/* A transaction writing this many articles makes a large commit. */
#define LARGE_COMMIT_ARTICLES 4096

void chorus_store_expect_articles(struct chorus_store *st, size_t n)
{
	if (n >= LARGE_COMMIT_ARTICLES)
		st->big = 1;
}

/* Hints the database and its WAL every FLUSH_NS during a large commit. */
#define FLUSH_NS 20000000L

struct flusher {
	int db_fd, wal_fd;
	int quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *flusher_main(void *arg)
{
	struct flusher *f = arg;
	struct timespec at;

	pthread_mutex_lock(&f->mu);
	while (!f->quit) {
		pthread_mutex_unlock(&f->mu);
		writeback_start(f->wal_fd);
		writeback_start(f->db_fd);
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_nsec += FLUSH_NS;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&f->mu);
		if (!f->quit)
			pthread_cond_timedwait(&f->cv, &f->mu, &at);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/*
 * A large transaction's commit (chorus_store_expect_articles()): a
 * thread asks for the WAL's pages and then the database's to be written
 * while the commit writes its last frames and the checkpoint copies them,
 * so that the checkpoint's two syncs wait less.
 */
static int commit_large(struct chorus_store *st, struct chorus_err *err)
{
	struct flusher f;
	const char *db = sqlite3_db_filename(st->db, "main");
	pthread_t thread;
	int started, rc;

	memset(&f, 0, sizeof(f));
	f.db_fd = sqlite_fd(db);
	f.wal_fd = sqlite_fd(db ? sqlite3_filename_wal(db) : NULL);
	started = !pthread_mutex_init(&f.mu, NULL);
	if (started && pthread_cond_init(&f.cv, NULL)) {
		pthread_mutex_destroy(&f.mu);
		started = 0;
	}
	if (started && pthread_create(&thread, NULL, flusher_main, &f)) {
		pthread_cond_destroy(&f.cv);
		pthread_mutex_destroy(&f.mu);
		started = 0;
	}
	rc = exec(st, "COMMIT", err);
	if (started) {
		pthread_mutex_lock(&f.mu);
		f.quit = 1;
		pthread_cond_signal(&f.cv);
		pthread_mutex_unlock(&f.mu);
		pthread_join(thread, NULL);
		pthread_cond_destroy(&f.cv);
		pthread_mutex_destroy(&f.mu);
	}
	return rc;
}

int chorus_store_commit(struct chorus_store *st, struct chorus_err *err)
{
	int big = st->big;

	st->big = 0;
	return big ? commit_large(st, err) : exec(st, "COMMIT", err);
}

void chorus_store_rollback(struct chorus_store *st)
{
	st->big = 0;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int chorus_store_spill(struct chorus_store *st, struct chorus_err *err)
{
	sqlite3_mutex *mu = sqlite3_db_mutex(st->db);
	int rc;

	sqlite3_mutex_enter(mu);
	rc = sqlite3_db_cacheflush(st->db);
	/* Busy: another connection reads (a rollback journal); the
	 * commit writes the pages instead. */
	rc = rc == SQLITE_OK || rc == SQLITE_BUSY
		 ? 0
		 : db_fail(st, err, "writing pages out");
	sqlite3_mutex_leave(mu);
	return rc;
}

/* secure_delete now (0 off, 1 on, 2 fast), or -1. */
static int secure_delete_get(struct chorus_store *st)
{
	sqlite3_stmt *q = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA main.secure_delete", -1, &q,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

static int secure_delete_set(struct chorus_store *st, int v,
			     struct chorus_err *err)
{
	char sql[48];

	snprintf(sql, sizeof(sql), "PRAGMA main.secure_delete=%d", v);
	if (exec(st, sql, err))
		return CHORUS_EDB;
	return secure_delete_get(st) == v
		   ? 0
		   : chorus_err_set(err, CHORUS_EDB,
				    "%s: secure_delete stays at %d, not %d",
				    st->path, secure_delete_get(st), v);
}

int chorus_store_bulk_writes(struct chorus_store *st, int bulk,
			     struct chorus_err *err)
{
	int fk = -1, rc = 0;

	if (bulk && st->secure_delete < 0) {
		int was = secure_delete_get(st);

		if (was < 0)
			return db_fail(st, err, "reading secure_delete");
		rc = secure_delete_set(st, 0, err);
		if (rc)
			return rc;
		st->secure_delete = was;
	} else if (!bulk && st->secure_delete >= 0) {
		rc = secure_delete_set(st, st->secure_delete, err);
		if (rc)
			return rc;
		st->secure_delete = -1;
	}
	/* The connection's flag: statements prepared before it changed are
	 * prepared again at their next step, so it holds from then on. */
	if (sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_FKEY, !bulk,
			      &fk) != SQLITE_OK ||
	    fk != !bulk)
		rc = chorus_err_set(err, CHORUS_EDB,
				    "%s: turning foreign key checks %s failed",
				    st->path, bulk ? "off" : "on");
	return rc;
}

static int prepare(struct chorus_store *st, const char *sql, sqlite3_stmt **q,
		   struct chorus_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return db_fail(st, err, "prepare");
	return 0;
}

/* A statement prepared on first use and kept; reset for the caller. */
static int cached(struct chorus_store *st, enum cached_stmt slot,
		  const char *sql, sqlite3_stmt **q, struct chorus_err *err)
{
	*q = NULL;
	if (!st->cached[slot] &&
	    sqlite3_prepare_v2(st->db, sql, -1, &st->cached[slot], NULL) !=
		SQLITE_OK)
		return db_fail(st, err, "prepare");
	*q = st->cached[slot];
	sqlite3_reset(*q);
	sqlite3_clear_bindings(*q);
	return 0;
}

/*
 * cached() for a statement the caller binds every parameter of at each
 * use and runs with finish_cached(), which leaves it reset: no reset or
 * clearing of bindings again (the clustering's writer runs two such
 * statements an article, and each call into SQLite takes its mutex).
 */
static int cached_bound(struct chorus_store *st, enum cached_stmt slot,
			const char *sql, sqlite3_stmt **q,
			struct chorus_err *err)
{
	*q = NULL;
	if (!st->cached[slot] &&
	    sqlite3_prepare_v2(st->db, sql, -1, &st->cached[slot], NULL) !=
		SQLITE_OK)
		return db_fail(st, err, "prepare");
	*q = st->cached[slot];
	return 0;
}

/* Run a cached statement that returns no rows. */
static int finish_cached(struct chorus_store *st, sqlite3_stmt *q,
			 struct chorus_err *err)
{
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(st, err, "write");

	sqlite3_reset(q);
	return rc;
}

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

/* Run a statement that returns no rows, then finalize it. */
static int finish(struct chorus_store *st, sqlite3_stmt *q,
		  struct chorus_err *err)
{
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(st, err, "write");

	sqlite3_finalize(q);
	return rc;
}

int chorus_store_file_unchanged(struct chorus_store *st, const char *path,
				int64_t mtime, int64_t size, int *unchanged,
				struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st,
			 "SELECT 1 FROM files WHERE path=? AND mtime=? AND "
			 "size=?",
			 &q, err);

	*unchanged = 0;
	if (rc)
		return rc;
	bind_text(q, 1, path);
	sqlite3_bind_int64(q, 2, mtime);
	sqlite3_bind_int64(q, 3, size);
	rc = sqlite3_step(q);
	*unchanged = rc == SQLITE_ROW;
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
						     : db_fail(st, err, "read");
}

int chorus_store_file_record(struct chorus_store *st, const char *path,
			     int64_t mtime, int64_t size,
			     struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st,
			 "INSERT INTO files(path, mtime, size) VALUES(?,?,?) "
			 "ON CONFLICT(path) DO UPDATE SET mtime=excluded.mtime,"
			 " size=excluded.size",
			 &q, err);

	if (rc)
		return rc;
	bind_text(q, 1, path);
	sqlite3_bind_int64(q, 2, mtime);
	sqlite3_bind_int64(q, 3, size);
	return finish(st, q, err);
}

/* Is slug free in table ("sources" or "stories")? */
static int slug_free(struct chorus_store *st, const char *table,
		     const char *slug, int *is_free, struct chorus_err *err)
{
	char sql[80];
	sqlite3_stmt *q = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE slug=?", table);
	rc = cached(st,
		    strcmp(table, "sources") ? STMT_SLUG_STORIES
					     : STMT_SLUG_SOURCES,
		    sql, &q, err);
	if (rc)
		return rc;
	bind_text(q, 1, slug);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, err, "read");
	*is_free = rc == SQLITE_DONE;
	return 0;
}

/* A slug of base not yet used in table: base, base-2, base-3… */
static int unique_slug(struct chorus_store *st, const char *table,
		       const char *base, struct chorus_buf *out,
		       struct chorus_err *err)
{
	struct chorus_buf stem = CHORUS_BUF_INIT;
	int rc, is_free = 0, n;

	rc = chorus_text_slug(base, 60, &stem);
	for (n = 1; !rc; n++) {
		chorus_buf_reset(out);
		rc = n == 1 ? chorus_buf_adds(out, chorus_buf_cstr(&stem))
			    : chorus_buf_printf(out, "%s-%d",
						chorus_buf_cstr(&stem), n);
		if (!rc)
			rc = slug_free(st, table, out->data, &is_free, err);
		if (!rc && is_free)
			break;
	}
	chorus_buf_release(&stem);
	if (rc == CHORUS_ENOMEM)
		chorus_err_set(err, rc, "out of memory");
	return rc;
}

int chorus_store_source_get(struct chorus_store *st, const char *name,
			    const char *url, int64_t *id,
			    struct chorus_err *err)
{
	struct chorus_buf slug = CHORUS_BUF_INIT;
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, "SELECT id FROM sources WHERE name=?", &q, err);

	if (rc)
		return rc;
	bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		return 0;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return db_fail(st, err, "read");
	rc = unique_slug(st, "sources", name, &slug, err);
	if (!rc)
		rc = prepare(st,
			     "INSERT INTO sources(name, slug, url) "
			     "VALUES(?,?,?)",
			     &q, err);
	if (!rc) {
		bind_text(q, 1, name);
		bind_text(q, 2, slug.data);
		bind_text(q, 3, url);
		rc = finish(st, q, err);
	}
	if (!rc)
		*id = sqlite3_last_insert_rowid(st->db);
	chorus_buf_release(&slug);
	return rc;
}

/*
 * The clustering writes from two threads of its own on one connection
 * (src/cluster.c): each of its writes holds the connection's (recursive)
 * mutex from its first call to its last, so that nothing of another
 * thread's comes between a statement and its error message, changes or
 * row id.
 */
static sqlite3_mutex *lock_db(struct chorus_store *st)
{
	sqlite3_mutex *mu = sqlite3_db_mutex(st->db);

	sqlite3_mutex_enter(mu);
	return mu;
}

/* A hash over everything a reader could see of the article. */
static int64_t article_hash(const struct chorus_article *a, int64_t source_id)
{
	const char *parts[] = {a->title,    a->subtitle, a->link, a->author,
			       a->language, a->summary,	 a->text};
	XXH64_state_t *h = XXH64_createState();
	uint64_t v;
	size_t i;

	if (!h)
		return 0;
	XXH64_reset(h, 0);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *s = parts[i] ? parts[i] : "";

		XXH64_update(h, s, strlen(s) + 1);
	}
	XXH64_update(h, &a->published, sizeof(a->published));
	XXH64_update(h, &a->updated, sizeof(a->updated));
	XXH64_update(h, &source_id, sizeof(source_id));
	v = XXH64_digest(h);
	XXH64_freeState(h);
	return (int64_t)(v >> 1);
}

/*
 * The article's two rows, its own and its text's (q the statement that
 * writes the first, bound but for the text): *id its row id.
 */
static int article_rows_put(struct chorus_store *st, sqlite3_stmt *q,
			    const struct chorus_article *a, int found,
			    int64_t *id, struct chorus_err *err)
{
	sqlite3_stmt *t = NULL;
	int rc = finish_cached(st, q, err);

	if (!rc && !found)
		*id = sqlite3_last_insert_rowid(st->db);
	if (!rc)
		rc = cached_bound(st, STMT_TEXT_PUT,
				  "INSERT INTO article_texts(article_id, text)"
				  " VALUES(?,?) ON CONFLICT(article_id)"
				  " DO UPDATE SET text=excluded.text",
				  &t, err);
	if (!rc) {
		sqlite3_bind_int64(t, 1, *id);
		/* a outlives the step and the reset: no copy. */
		sqlite3_bind_text(t, 2, a->text ? a->text : "", -1,
				  SQLITE_STATIC);
		rc = finish_cached(st, t, err);
	}
	return rc;
}

/*
 * How an article's two rows are written both or neither. Outside a
 * transaction: one of its own. In the caller's, a new article's row is
 * taken out again if its text's is refused (each statement is undone
 * whole by SQLite), and a changed article is written under a savepoint.
 * Not a savepoint each: it keeps a copy of every page first changed under
 * it, in memory up to 64 KB and then in a temporary file, and a new
 * article changes four pages of 16 KB or more (its row, its text, the
 * keys and the pending articles' index): a write to that file for each
 * article stored (50k articles: ingest 0.67 -> 1.00 s).
 */
enum put_guard {
	PUT_OWN_TRANSACTION,
	PUT_SAVEPOINT,
	PUT_UNDO_INSERT,
};

static int put_guard_begin(struct chorus_store *st, enum put_guard g,
			   struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = 0;

	if (g == PUT_OWN_TRANSACTION)
		rc = exec(st, "BEGIN IMMEDIATE", err);
	else if (g == PUT_SAVEPOINT &&
		 !(rc = cached_bound(st, STMT_PUT_SAVEPOINT,
				     "SAVEPOINT article_put", &q, err)))
		rc = finish_cached(st, q, err);
	return rc;
}

static int put_guard_end(struct chorus_store *st, enum put_guard g,
			 struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = 0;

	if (g == PUT_OWN_TRANSACTION)
		rc = exec(st, "COMMIT", err);
	else if (g == PUT_SAVEPOINT &&
		 !(rc = cached_bound(st, STMT_PUT_RELEASE,
				     "RELEASE article_put", &q, err)))
		rc = finish_cached(st, q, err);
	return rc;
}

/* Undo what was written since put_guard_begin() (id: a new article's). */
static void put_guard_undo(struct chorus_store *st, enum put_guard g,
			   int64_t id)
{
	sqlite3_stmt *q = NULL;

	if (g == PUT_OWN_TRANSACTION) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else if (g == PUT_SAVEPOINT) {
		sqlite3_exec(st->db,
			     "ROLLBACK TO article_put; RELEASE article_put",
			     NULL, NULL, NULL);
	} else if (id && sqlite3_prepare_v2(st->db,
					    "DELETE FROM articles WHERE id = ?",
					    -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		sqlite3_step(q);
		sqlite3_finalize(q);
	}
}

int chorus_store_article_put(struct chorus_store *st,
			     const struct chorus_article *a, int64_t source_id,
			     enum chorus_put_result *result,
			     struct chorus_err *err)
{
	int64_t hash = article_hash(a, source_id), id = 0;
	sqlite3_stmt *q = NULL;
	sqlite3_mutex *mu = lock_db(st);
	enum put_guard guard;
	int rc, found;

	/* A poll puts tens of thousands: the statements are kept. */
	rc = cached(st, STMT_ARTICLE_HASH,
		    "SELECT hash, id FROM articles WHERE key=?", &q, err);
	if (rc)
		goto out;
	bind_text(q, 1, a->key);
	rc = sqlite3_step(q);
	found = rc == SQLITE_ROW;
	if (found) {
		id = sqlite3_column_int64(q, 1);
		if (sqlite3_column_int64(q, 0) == hash) {
			sqlite3_reset(q);
			if (result)
				*result = CHORUS_PUT_SAME;
			rc = 0;
			goto out;
		}
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = db_fail(st, err, "read");
		goto out;
	}
	guard = sqlite3_get_autocommit(st->db) ? PUT_OWN_TRANSACTION
		: found			       ? PUT_SAVEPOINT
					       : PUT_UNDO_INSERT;
	rc = put_guard_begin(st, guard, err);
	if (rc)
		goto out;
	rc = cached(st, found ? STMT_ARTICLE_UPDATE : STMT_ARTICLE_INSERT,
		    found ? "UPDATE articles SET source_id=?2, title=?3,"
			    " subtitle=?4, link=?5, author=?6, language=?7,"
			    " summary=?8, published=?9, updated=?10,"
			    " date_known=?11, hash=?12 WHERE id=?1"
			  : "INSERT INTO articles(key, source_id, title,"
			    " subtitle, link, author, language, summary,"
			    " published, updated, date_known, hash)"
			    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
		    &q, err);
	if (!rc) {
		if (found)
			sqlite3_bind_int64(q, 1, id);
		else
			bind_text(q, 1, a->key);
		sqlite3_bind_int64(q, 2, source_id);
		bind_text(q, 3, a->title);
		bind_text(q, 4, a->subtitle);
		bind_text(q, 5, a->link);
		bind_text(q, 6, a->author);
		bind_text(q, 7, a->language);
		bind_text(q, 8, a->summary);
		sqlite3_bind_int64(q, 9, a->published);
		sqlite3_bind_int64(q, 10, a->updated);
		sqlite3_bind_int(q, 11, a->date_known);
		sqlite3_bind_int64(q, 12, hash);
		rc = article_rows_put(st, q, a, found, &id, err);
	}
	if (!rc)
		rc = put_guard_end(st, guard, err);
	if (rc) {
		/* A new article's id only once its row is in. */
		put_guard_undo(st, guard, found ? 0 : id);
		goto out;
	}
	if (result)
		*result = found ? CHORUS_PUT_CHANGED : CHORUS_PUT_NEW;
out:
	sqlite3_mutex_leave(mu);
	return rc;
}

int chorus_store_article_assign(struct chorus_store *st, int64_t article_id,
				int64_t story_id, double score,
				struct chorus_err *err)
{
	sqlite3_mutex *mu = lock_db(st);
	sqlite3_stmt *q = NULL;
	int rc = cached_bound(
	    st, STMT_ASSIGN,
	    "UPDATE articles SET story_id=?, score=? WHERE id=?", &q, err);

	if (!rc) {
		sqlite3_bind_int64(q, 1, story_id);
		sqlite3_bind_double(q, 2, score);
		sqlite3_bind_int64(q, 3, article_id);
		rc = finish_cached(st, q, err);
	}
	sqlite3_mutex_leave(mu);
	return rc;
}

/* Insert a story with row id *id (0: SQLite's next), *id its row id. */
static int story_insert(struct chorus_store *st, const char *uuid,
			const char *slug_base, const char *founder_key,
			int64_t *id, struct chorus_err *err)
{
	struct chorus_buf stem = CHORUS_BUF_INIT, slug = CHORUS_BUF_INIT;
	sqlite3_stmt *q = NULL;
	int rc = chorus_text_slug(slug_base, 60, &stem), n;
	sqlite3_mutex *mu = lock_db(st);

	if (rc == CHORUS_ENOMEM)
		chorus_err_set(err, rc, "out of memory");
	/* As unique_slug(): base, base-2, base-3…, each tried by inserting
	 * (a slug taken inserts nothing), not asked for first. */
	for (n = 1; !rc; n++) {
		chorus_buf_reset(&slug);
		rc = n == 1 ? chorus_buf_adds(&slug, chorus_buf_cstr(&stem))
			    : chorus_buf_printf(&slug, "%s-%d",
						chorus_buf_cstr(&stem), n);
		if (rc) {
			rc = chorus_err_set(err, rc, "out of memory");
			break;
		}
		rc = cached_bound(
		    st, STMT_STORY_NEW,
		    "INSERT INTO stories(id, uuid, slug, founder_key) "
		    "VALUES(?,?,?,?) ON CONFLICT(slug) DO NOTHING",
		    &q, err);
		if (rc)
			break;
		if (*id)
			sqlite3_bind_int64(q, 1, *id);
		else
			sqlite3_bind_null(q, 1);
		/* The strings outlive the statement's step and reset (and
		 * are bound anew before its next): SQLite need not copy
		 * them. */
		sqlite3_bind_text(q, 2, uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, slug.data, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, founder_key, -1, SQLITE_STATIC);
		rc = finish_cached(st, q, err);
		if (!rc && sqlite3_changes(st->db)) {
			*id = sqlite3_last_insert_rowid(st->db);
			break;
		}
	}
	sqlite3_mutex_leave(mu);
	chorus_buf_release(&stem);
	chorus_buf_release(&slug);
	return rc;
}

int chorus_store_story_new(struct chorus_store *st, const char *uuid,
			   const char *slug_base, const char *founder_key,
			   int64_t *id, struct chorus_err *err)
{
	*id = 0;
	return story_insert(st, uuid, slug_base, founder_key, id, err);
}

int chorus_store_story_put(struct chorus_store *st, int64_t id,
			   const char *uuid, const char *slug_base,
			   const char *founder_key, struct chorus_err *err)
{
	if (id <= 0)
		return chorus_err_set(err, CHORUS_EINVAL,
				      "story row id %lld is not one",
				      (long long)id);
	return story_insert(st, uuid, slug_base, founder_key, &id, err);
}

int chorus_store_story_next_id(struct chorus_store *st, int64_t *id,
			       struct chorus_err *err)
{
	sqlite3_mutex *mu = lock_db(st);
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, "SELECT coalesce(max(id), 0) + 1 FROM stories", &q,
			 err);

	*id = 0;
	if (!rc) {
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			*id = sqlite3_column_int64(q, 0);
		rc = rc == SQLITE_ROW ? 0 : db_fail(st, err, "read");
		sqlite3_finalize(q);
	}
	sqlite3_mutex_leave(mu);
	return rc;
}

static char *col_dup(sqlite3_stmt *q, int i, int *oom)
{
	const char *s = (const char *)sqlite3_column_text(q, i);
	char *copy;

	if (!s)
		return NULL;
	copy = chorus_strdup(s);
	if (!copy)
		*oom = 1;
	return copy;
}

/* Grow *v (of element size sz) to hold one more than *n. */
static int reserve(void **v, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	p = realloc(*v, c * sz);
	if (!p)
		return CHORUS_ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* Where rows of a chorus_store_load() go while they are read. */
struct load_ctx {
	struct chorus_corpus *c;
	size_t cap; /* of the array being filled */
};

/*
 * Run sql and call fill for each row. fill returns 0 or a negative
 * chorus error; SQLite's end of rows is success, anything else from SQLite
 * is a database error.
 */
static int load_rows(struct chorus_store *st, const char *sql,
		     int (*fill)(sqlite3_stmt *q, struct load_ctx *ctx),
		     struct load_ctx *ctx, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, sql, &q, err);

	ctx->cap = 0;
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW)
		rc = fill(q, ctx);
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == CHORUS_ENOMEM)
		return chorus_err_set(err, rc, "out of memory");
	return rc < 0 ? rc : db_fail(st, err, "read");
}

static int fill_source(sqlite3_stmt *q, struct load_ctx *ctx)
{
	struct chorus_corpus *c = ctx->c;
	struct chorus_source *s;
	int oom = 0;

	if (reserve((void **)&c->sources, &ctx->cap, c->n_sources, sizeof(*s)))
		return CHORUS_ENOMEM;
	s = &c->sources[c->n_sources++];
	s->id = sqlite3_column_int64(q, 0);
	s->name = col_dup(q, 1, &oom);
	s->slug = col_dup(q, 2, &oom);
	s->url = col_dup(q, 3, &oom);
	return oom ? CHORUS_ENOMEM : 0;
}

static int fill_story(sqlite3_stmt *q, struct load_ctx *ctx)
{
	struct chorus_corpus *c = ctx->c;
	struct chorus_story *s;
	int oom = 0;

	if (reserve((void **)&c->stories, &ctx->cap, c->n_stories, sizeof(*s)))
		return CHORUS_ENOMEM;
	s = &c->stories[c->n_stories++];
	s->id = sqlite3_column_int64(q, 0);
	s->uuid = col_dup(q, 1, &oom);
	s->slug = col_dup(q, 2, &oom);
	s->founder_key = col_dup(q, 3, &oom);
	s->merged_into = sqlite3_column_int64(q, 4);
	return oom ? CHORUS_ENOMEM : 0;
}

static int fill_article(sqlite3_stmt *q, struct load_ctx *ctx)
{
	struct chorus_corpus *c = ctx->c;
	struct chorus_stored_article *s;
	const struct chorus_source *src;
	int oom = 0;

	if (reserve((void **)&c->articles, &ctx->cap, c->n_articles,
		    sizeof(*s)))
		return CHORUS_ENOMEM;
	s = &c->articles[c->n_articles++];
	chorus_article_init(&s->a);
	s->id = sqlite3_column_int64(q, 0);
	s->source_id = sqlite3_column_int64(q, 1);
	s->story_id = sqlite3_column_int64(q, 2);
	s->score = sqlite3_column_double(q, 3);
	s->a.key = col_dup(q, 4, &oom);
	s->a.title = col_dup(q, 5, &oom);
	s->a.subtitle = col_dup(q, 6, &oom);
	s->a.link = col_dup(q, 7, &oom);
	s->a.author = col_dup(q, 8, &oom);
	s->a.language = col_dup(q, 9, &oom);
	s->a.summary = col_dup(q, 10, &oom);
	s->a.text = col_dup(q, 11, &oom);
	s->a.published = sqlite3_column_int64(q, 12);
	s->a.updated = sqlite3_column_int64(q, 13);
	s->a.date_known = sqlite3_column_int(q, 14);
	s->hash = sqlite3_column_int64(q, 15);
	/* The outlet's name from the sources loaded first (by id). */
	src = chorus_corpus_source(c, s->source_id);
	if (src && src->name && !(s->a.source = chorus_strdup(src->name)))
		oom = 1;
	return oom ? CHORUS_ENOMEM : 0;
}

static int load_sources(struct chorus_store *st, struct chorus_corpus *c,
			struct chorus_err *err)
{
	struct load_ctx ctx = {c, 0};

	return load_rows(st,
			 "SELECT id, name, slug, url FROM sources ORDER BY id",
			 fill_source, &ctx, err);
}

static int load_stories(struct chorus_store *st, struct chorus_corpus *c,
			struct chorus_err *err)
{
	struct load_ctx ctx = {c, 0};

	return load_rows(st,
			 "SELECT id, uuid, slug, founder_key, merged_into "
			 "FROM stories ORDER BY id",
			 fill_story, &ctx, err);
}

static int cmp_published_key(const void *a, const void *b)
{
	const struct chorus_stored_article *x = a, *y = b;

	if (x->a.published != y->a.published)
		return x->a.published < y->a.published ? -1 : 1;
	return strcmp(x->a.key, y->a.key);
}

/*
 * The articles, by (published, key): sorted here rather than by SQLite,
 * whose ORDER BY copies every row into a temporary tree first, and with
 * each outlet's name from the sources already loaded rather than a
 * subquery per row (keys are unique and dates never NULL, so the order is
 * the one ORDER BY published, key gave).
 *
 * Lazily, a text is read only where it stands for more than itself: the
 * article has no stored hash (its fingerprint is then hashed from the
 * text) or no title (its display title comes from the text). SQLite
 * runs the CASE's subquery only when the CASE asks for it. Whole, each
 * article's text row is the one after the last one read (both tables
 * hold their rows by article id), which SQLite finds without a search.
 */
static int load_articles(struct chorus_store *st, struct chorus_corpus *c,
			 int lazy, struct chorus_err *err)
{
	struct load_ctx ctx = {c, 0};
	size_t i;
	int rc = load_rows(
	    st,
	    lazy ? "SELECT id, source_id, story_id, score, key, title,"
		   " subtitle, link, author, language, summary,"
		   " CASE WHEN hash IS NULL OR hash = 0 OR title IS NULL"
		   " OR title = '' THEN (SELECT text FROM article_texts"
		   " WHERE article_id = a.id) END,"
		   " published, updated, date_known, hash FROM articles a"
		 : "SELECT a.id, a.source_id, a.story_id, a.score, a.key,"
		   " a.title, a.subtitle, a.link, a.author, a.language,"
		   " a.summary, t.text, a.published, a.updated,"
		   " a.date_known, a.hash"
		   " FROM articles a CROSS JOIN article_texts t"
		   " ON t.article_id = a.id",
	    fill_article, &ctx, err);

	/* Rows mostly come in the order they were stored, by date. */
	for (i = 1; !rc && i < c->n_articles; i++)
		if (cmp_published_key(&c->articles[i - 1], &c->articles[i]) >
		    0) {
			qsort(c->articles, c->n_articles, sizeof(*c->articles),
			      cmp_published_key);
			break;
		}
	return rc;
}

static int load(struct chorus_store *st, struct chorus_corpus *out, int lazy,
		struct chorus_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	/*
	 * The articles' rows are read whole, and their texts with them
	 * unless lazy: mapped, the pages are read in place rather than
	 * copied out of the page cache (a large site's store is hundreds of
	 * megabytes). Only a speed-up: a failure leaves reads as they were.
	 */
	sqlite3_exec(st->db, "PRAGMA mmap_size = 4294967296", NULL, NULL, NULL);
	rc = load_sources(st, out, err);
	if (!rc)
		rc = load_stories(st, out, err);
	if (!rc)
		rc = load_articles(st, out, lazy, err);
	if (rc)
		chorus_corpus_release(out);
	else
		out->texts_lazy = lazy;
	return rc;
}

int chorus_store_load(struct chorus_store *st, struct chorus_corpus *out,
		      struct chorus_err *err)
{
	return load(st, out, 0, err);
}

int chorus_store_load_lazy(struct chorus_store *st, struct chorus_corpus *out,
			   struct chorus_err *err)
{
	return load(st, out, 1, err);
}

static int cmp_stored_by_id(const void *a, const void *b)
{
	const struct chorus_stored_article *const *x = a, *const *y = b;

	return (*x)->id < (*y)->id ? -1 : (*x)->id > (*y)->id;
}

/*
 * Past this many texts one pass over the table beats a lookup each (a
 * first render of a large site reads every text).
 */
#define TEXTS_SCAN_FROM 2048

int chorus_store_load_texts(struct chorus_store *st,
			    struct chorus_stored_article *const *articles,
			    size_t n, struct chorus_err *err)
{
	return chorus_store_load_texts_each(st, articles, n, NULL, NULL, err);
}

int chorus_store_load_texts_each(
    struct chorus_store *st, struct chorus_stored_article *const *articles,
    size_t n, void (*each)(void *arg, struct chorus_stored_article *a),
    void *arg, struct chorus_err *err)
{
	struct chorus_stored_article **by_id = NULL;
	sqlite3_stmt *q = NULL;
	int rc = 0, oom = 0;
	size_t i;

	if (!n)
		return 0;
	if (n < TEXTS_SCAN_FROM) {
		rc = prepare(st,
			     "SELECT text FROM article_texts"
			     " WHERE article_id = ?",
			     &q, err);
		for (i = 0; !rc && i < n; i++) {
			if (articles[i]->a.text)
				continue;
			sqlite3_bind_int64(q, 1, articles[i]->id);
			rc = sqlite3_step(q);
			if (rc == SQLITE_ROW)
				articles[i]->a.text = col_dup(q, 0, &oom);
			if (rc == SQLITE_ROW || rc == SQLITE_DONE)
				rc = oom ? CHORUS_ENOMEM : 0;
			sqlite3_reset(q);
			if (!rc && each && articles[i]->a.text)
				each(arg, articles[i]);
		}
		goto out;
	}
	by_id = malloc(n * sizeof(*by_id));
	if (!by_id) {
		rc = CHORUS_ENOMEM;
		goto out;
	}
	memcpy(by_id, articles, n * sizeof(*by_id));
	qsort(by_id, n, sizeof(*by_id), cmp_stored_by_id);
	rc = prepare(st, "SELECT article_id, text FROM article_texts", &q, err);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct chorus_stored_article key, *kp = &key, **hit;

		rc = 0;
		key.id = sqlite3_column_int64(q, 0);
		hit = bsearch(&kp, by_id, n, sizeof(*by_id), cmp_stored_by_id);
		if (!hit || (*hit)->a.text)
			continue;
		(*hit)->a.text = col_dup(q, 1, &oom);
		if (oom)
			rc = CHORUS_ENOMEM;
		else if (each && (*hit)->a.text)
			each(arg, *hit);
	}
	if (rc == SQLITE_DONE)
		rc = 0;
out:
	sqlite3_finalize(q);
	free(by_id);
	if (rc == CHORUS_ENOMEM)
		return chorus_err_set(err, rc, "out of memory");
	return rc < 0 ? rc : rc ? db_fail(st, err, "read") : 0;
}

static int cmp_source_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	int64_t other = ((const struct chorus_source *)elem)->id;

	return id < other ? -1 : id > other;
}

const struct chorus_source *chorus_corpus_source(const struct chorus_corpus *c,
						 int64_t id)
{
	if (!c->n_sources)
		return NULL;
	return bsearch(&id, c->sources, c->n_sources, sizeof(*c->sources),
		       cmp_source_id);
}

void chorus_corpus_release(struct chorus_corpus *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_sources; i++) {
		free(c->sources[i].name);
		free(c->sources[i].slug);
		free(c->sources[i].url);
	}
	for (i = 0; i < c->n_stories; i++) {
		free(c->stories[i].uuid);
		free(c->stories[i].slug);
		free(c->stories[i].founder_key);
	}
	for (i = 0; i < c->n_articles; i++)
		chorus_article_release(&c->articles[i].a);
	free(c->sources);
	free(c->stories);
	free(c->articles);
	memset(c, 0, sizeof(*c));
}

/*
 * The closed pages, with their bodies or only their lengths. The stories
 * are read in one pass ordered by page: archive_stories is keyed by story,
 * so a query per page would scan it once per page.
 */
static int archive_read(struct chorus_store *st, int bodies,
			struct chorus_archive_page **out, size_t *n,
			struct chorus_err *err)
{
	struct chorus_archive_page *pages = NULL, *p;
	struct {
		size_t at; /* the page's index */
		int64_t story_id;
	} *rows = NULL;
	size_t cap = 0, scap = 0, count = 0, i = 0, n_rows = 0;
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = prepare(
	    st,
	    bodies ? "SELECT page, closed, body FROM archive_pages "
		     "ORDER BY page"
		   /*
		    * A blob's length is in its row's header: length() of
		    * the column reads no body (a CAST would read them all).
		    */
		   : "SELECT page, closed, CASE typeof(body) WHEN 'blob' "
		     "THEN length(body) ELSE length(CAST(body AS BLOB)) END "
		     "FROM archive_pages ORDER BY page",
	    &q, err);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = reserve((void **)&pages, &cap, count, sizeof(*p));
		if (rc)
			break;
		p = &pages[count++];
		memset(p, 0, sizeof(*p));
		p->page = sqlite3_column_int64(q, 0);
		p->closed = sqlite3_column_int64(q, 1);
		if (!bodies) {
			p->len = (size_t)sqlite3_column_int64(q, 2);
			continue;
		}
		p->len = (size_t)sqlite3_column_bytes(q, 2);
		p->body = malloc(p->len + 1);
		if (!p->body) {
			rc = CHORUS_ENOMEM;
			break;
		}
		if (p->len)
			memcpy(p->body, sqlite3_column_blob(q, 2), p->len);
		p->body[p->len] = '\0';
	}
	sqlite3_finalize(q);
	q = NULL;
	if (rc != SQLITE_DONE)
		goto fail;
	/*
	 * By story id, the table's own order (ORDER BY page would sort every
	 * row first): each row goes to its page, found by bisection, so each
	 * page's stories are in id order as before. Counted first, then
	 * placed.
	 */
	rc = prepare(st,
		     "SELECT page, story_id FROM archive_stories "
		     "ORDER BY story_id",
		     &q, err);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t page = sqlite3_column_int64(q, 0);
		size_t lo = 0, hi = count;

		rc = 0;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (pages[mid].page < page)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == count || pages[lo].page != page)
			continue; /* no such page: nothing to attach to */
		if (reserve((void **)&rows, &scap, n_rows, sizeof(*rows))) {
			rc = CHORUS_ENOMEM;
			break;
		}
		rows[n_rows].at = lo;
		rows[n_rows++].story_id = sqlite3_column_int64(q, 1);
		pages[lo].n_story_ids++;
	}
	sqlite3_finalize(q);
	rc = rc == SQLITE_DONE ? 0 : rc;
	for (i = 0; !rc && i < count; i++) {
		if (!pages[i].n_story_ids)
			continue;
		pages[i].story_ids =
		    malloc(pages[i].n_story_ids * sizeof(*pages[i].story_ids));
		if (!pages[i].story_ids)
			rc = CHORUS_ENOMEM;
		pages[i].n_story_ids = 0;
	}
	for (i = 0; !rc && i < n_rows; i++) {
		p = &pages[rows[i].at];
		p->story_ids[p->n_story_ids++] = rows[i].story_id;
	}
	free(rows);
	rows = NULL;
	if (rc)
		goto fail;
	*out = pages;
	*n = count;
	return 0;
fail:
	free(rows);
	chorus_archive_pages_free(pages, count);
	return rc == CHORUS_ENOMEM ? chorus_err_set(err, rc, "out of memory")
				   : (rc < 0 ? rc : db_fail(st, err, "read"));
}

int chorus_store_archive_load(struct chorus_store *st,
			      struct chorus_archive_page **out, size_t *n,
			      struct chorus_err *err)
{
	return archive_read(st, 1, out, n, err);
}

int chorus_store_archive_index(struct chorus_store *st,
			       struct chorus_archive_page **out, size_t *n,
			       struct chorus_err *err)
{
	return archive_read(st, 0, out, n, err);
}

int chorus_store_archive_body(struct chorus_store *st, int64_t page,
			      char **body, size_t *len, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*body = NULL;
	*len = 0;
	rc =
	    prepare(st, "SELECT body FROM archive_pages WHERE page=?", &q, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, page);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(q, 0);
		*body = malloc(*len + 1);
		if (*body) {
			if (*len)
				memcpy(*body, sqlite3_column_blob(q, 0), *len);
			(*body)[*len] = '\0';
			rc = 0;
		} else {
			rc = CHORUS_ENOMEM;
		}
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return chorus_err_set(err, CHORUS_ENOTFOUND,
				      "archive page %lld is not stored",
				      (long long)page);
	if (rc == CHORUS_ENOMEM)
		return chorus_err_set(err, rc, "out of memory");
	return rc ? db_fail(st, err, "read") : 0;
}

void chorus_archive_pages_free(struct chorus_archive_page *pages, size_t n)
{
	size_t i;

	for (i = 0; pages && i < n; i++) {
		free(pages[i].body);
		free(pages[i].story_ids);
	}
	free(pages);
}

int chorus_store_archive_close(struct chorus_store *st,
			       const struct chorus_archive_page *p,
			       struct chorus_err *err)
{
	sqlite3_stmt *q;
	size_t i;
	int rc = prepare(st,
			 "INSERT INTO archive_pages(page, closed, body) "
			 "VALUES(?,?,?)",
			 &q, err);

	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, p->page);
	sqlite3_bind_int64(q, 2, p->closed);
	sqlite3_bind_blob(q, 3, p->len ? p->body : "", (int)p->len,
			  SQLITE_TRANSIENT);
	rc = finish(st, q, err);
	q = NULL;
	if (!rc)
		rc = prepare(st,
			     "INSERT INTO archive_stories(story_id, page) "
			     "VALUES(?,?)",
			     &q, err);
	for (i = 0; !rc && i < p->n_story_ids; i++) {
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, p->story_ids[i]);
		sqlite3_bind_int64(q, 2, p->page);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = db_fail(st, err, "write");
	}
	sqlite3_finalize(q);
	return rc;
}

/* Fill row from columns: id, story_id, published, score, key, title,
 * subtitle, text, link, language, features, features_hash, hash. */
static void read_row(sqlite3_stmt *q, struct chorus_store_row *row)
{
	row->id = sqlite3_column_int64(q, 0);
	row->story_id = sqlite3_column_int64(q, 1);
	row->published = sqlite3_column_int64(q, 2);
	row->score = sqlite3_column_double(q, 3);
	row->key = (const char *)sqlite3_column_text(q, 4);
	row->title = (const char *)sqlite3_column_text(q, 5);
	row->subtitle = (const char *)sqlite3_column_text(q, 6);
	row->text = (const char *)sqlite3_column_text(q, 7);
	row->link = (const char *)sqlite3_column_text(q, 8);
	row->language = (const char *)sqlite3_column_text(q, 9);
	row->features = sqlite3_column_blob(q, 10);
	row->n_features = (size_t)sqlite3_column_bytes(q, 10);
	row->features_hash = sqlite3_column_int64(q, 11);
	row->hash = sqlite3_column_int64(q, 12);
}

int chorus_store_pending_ids(struct chorus_store *st, int64_t **out,
			     size_t *n_out, struct chorus_err *err)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n_out = 0;
	/* The partial index holds them in that order: without being told,
	 * the planner reads every row by story_id and sorts them. */
	rc = prepare(st,
		     "SELECT id FROM articles INDEXED BY articles_pending"
		     " WHERE story_id IS NULL ORDER BY published, key",
		     &q, err);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = reserve((void **)&ids, &cap, n, sizeof(*ids));
		if (!rc)
			ids[n++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (rc == CHORUS_ENOMEM) {
		free(ids);
		return chorus_err_set(err, rc, "out of memory");
	}
	if (rc != SQLITE_DONE) {
		free(ids);
		return rc < 0 ? rc : db_fail(st, err, "read");
	}
	*out = ids;
	*n_out = n;
	return 0;
}

/* What the clusterer reads of an unassigned article (no story, score or
 * features yet: they are stored with its assignment), its text from its
 * own table (every article has its text's row: chorus_store_article_put()
 * writes both or neither). */
static const char pending_row_sql[] =
    "SELECT a.published, a.key, a.title, a.subtitle, t.text, a.link,"
    " a.language, a.hash FROM articles a CROSS JOIN article_texts t"
    " ON t.article_id = a.id WHERE a.id = ?";
/*
 * The same of a run of consecutive ids, in one pass of the table (its
 * rows in id order): one statement run for the run, not one a row, and
 * each row the next on the cursor, not a search from the root. The
 * clustering's articles usually came in as they were published, so their
 * ids follow one another in the order they are read. The texts' table
 * holds its rows by the same ids: each text looked up is the row after
 * the one before, which SQLite's b-tree steps to rather than searching
 * (sqlite3BtreeTableMoveto() tries the next row first), so both tables
 * are walked once, in step.
 */
static const char pending_range_sql[] =
    "SELECT a.published, a.key, a.title, a.subtitle, t.text, a.link,"
    " a.language, a.hash, a.id FROM articles a CROSS JOIN article_texts t"
    " ON t.article_id = a.id WHERE a.id BETWEEN ? AND ? ORDER BY a.id";

struct chorus_store_reader {
	sqlite3_stmt *q, *range;
};

int chorus_store_reader_new(struct chorus_store *st,
			    struct chorus_store_reader **out,
			    struct chorus_err *err)
{
	struct chorus_store_reader *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = prepare(st, pending_row_sql, &r->q, err);
	if (!rc)
		rc = prepare(st, pending_range_sql, &r->range, err);
	if (rc) {
		chorus_store_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* The row q stands on (columns as pending_row_sql's), id given. */
static void pending_row(sqlite3_stmt *q, int64_t id,
			struct chorus_store_row *row)
{
	memset(row, 0, sizeof(*row));
	row->id = id;
	row->published = sqlite3_column_int64(q, 0);
	row->key = (const char *)sqlite3_column_text(q, 1);
	row->title = (const char *)sqlite3_column_text(q, 2);
	row->subtitle = (const char *)sqlite3_column_text(q, 3);
	row->text = (const char *)sqlite3_column_text(q, 4);
	row->link = (const char *)sqlite3_column_text(q, 5);
	row->language = (const char *)sqlite3_column_text(q, 6);
	row->hash = sqlite3_column_int64(q, 7);
}

/*
 * ids[0..n), consecutive ids from ids[0], in one pass: fn for each row
 * there with its index (from base); *done the ids dealt with. The mutex
 * is held a row at a time, as chorus_store_reader_row() holds it, so the
 * other thread's writes come between rows; they re-seat the cursor (by
 * row id, which no write changes) and never touch a row not yet read
 * (unassigned articles are written only once read and assigned).
 */
static int reader_range(struct chorus_store_reader *r, const int64_t *ids,
			size_t base, size_t n,
			int (*fn)(void *ctx, size_t i,
				  const struct chorus_store_row *row),
			void *ctx, size_t *done)
{
	sqlite3_mutex *mu = sqlite3_db_mutex(sqlite3_db_handle(r->range));
	struct chorus_store_row row;
	int rc = 0, step;

	sqlite3_mutex_enter(mu);
	sqlite3_bind_int64(r->range, 1, ids[0]);
	sqlite3_bind_int64(r->range, 2, ids[n - 1]);
	for (;;) {
		int64_t id;

		if (rc)
			break;
		step = sqlite3_step(r->range);
		if (step != SQLITE_ROW) {
			if (step == SQLITE_DONE)
				*done = n;
			else
				rc = CHORUS_EDB;
			break;
		}
		id = sqlite3_column_int64(r->range, 8);
		/* Those missing before it are dealt with: not there. */
		*done = (size_t)(id - ids[0]);
		pending_row(r->range, id, &row);
		rc = fn(ctx, base + *done, &row);
		if (!rc)
			*done += 1;
		sqlite3_mutex_leave(mu);
		sqlite3_mutex_enter(mu);
	}
	sqlite3_reset(r->range);
	sqlite3_mutex_leave(mu);
	return rc;
}

/*
 * fn(ctx, i, row) for the unassigned article id: CHORUS_ENOTFOUND when
 * there is none. The connection's own (recursive) mutex is held for the
 * whole row: one hand-over with the clustering thread's writes a row, not
 * one for every call that takes it.
 */
static int reader_one(struct chorus_store_reader *r, int64_t id,
		      int (*fn)(void *ctx, size_t i,
				const struct chorus_store_row *row),
		      void *ctx, size_t i)
{
	sqlite3_mutex *mu = sqlite3_db_mutex(sqlite3_db_handle(r->q));
	struct chorus_store_row row;
	int rc;

	sqlite3_mutex_enter(mu);
	sqlite3_bind_int64(r->q, 1, id);
	rc = sqlite3_step(r->q);
	if (rc == SQLITE_ROW) {
		pending_row(r->q, id, &row);
		rc = fn(ctx, i, &row);
	} else {
		/* No sqlite3_errmsg() here: another thread may be using the
		 * connection, and its message with it. */
		rc = rc == SQLITE_DONE ? CHORUS_ENOTFOUND : CHORUS_EDB;
	}
	sqlite3_reset(r->q);
	sqlite3_mutex_leave(mu);
	return rc;
}

/* chorus_store_reader_row()'s callback, called as reader_one() calls. */
struct row_call {
	int (*fn)(void *ctx, const struct chorus_store_row *row);
	void *ctx;
};

static int row_call(void *ctx, size_t i, const struct chorus_store_row *row)
{
	const struct row_call *c = ctx;

	(void)i;
	return c->fn(c->ctx, row);
}

int chorus_store_reader_row(struct chorus_store_reader *r, int64_t id,
			    int (*fn)(void *ctx,
				      const struct chorus_store_row *row),
			    void *ctx)
{
	struct row_call c = {fn, ctx};

	return reader_one(r, id, row_call, &c, 0);
}

int chorus_store_reader_rows(struct chorus_store_reader *r, const int64_t *ids,
			     size_t n,
			     int (*fn)(void *ctx, size_t i,
				       const struct chorus_store_row *row),
			     void *ctx, size_t *done)
{
	size_t i = 0, run, k;
	int rc = 0;

	while (!rc && i < n) {
		for (run = 1; i + run < n && ids[i + run - 1] < INT64_MAX &&
			      ids[i + run] == ids[i + run - 1] + 1;
		     run++)
			;
		k = 0;
		if (run > 1) {
			rc = reader_range(r, ids + i, i, run, fn, ctx, &k);
		} else {
			/* An id not there is dealt with: nothing to do. */
			rc = reader_one(r, ids[i], fn, ctx, i);
			if (rc == CHORUS_ENOTFOUND)
				rc = 0;
			k = rc ? 0 : 1;
		}
		i += k;
	}
	*done = i;
	return rc;
}

int chorus_store_reader_shareable(const struct chorus_store_reader *r)
{
	(void)r;
	/* 0: an SQLite built without mutexes; the connection cannot be
	 * shared. Otherwise it was opened serialised (FULLMUTEX). */
	return sqlite3_threadsafe() != 0;
}

void chorus_store_reader_free(struct chorus_store_reader *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->q);
	sqlite3_finalize(r->range);
	free(r);
}

int chorus_store_scan_live(struct chorus_store *st, int64_t since,
			   int (*fn)(void *ctx,
				     const struct chorus_store_row *row),
			   void *ctx, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(
	    st,
	    "SELECT a.id, a.story_id, a.published, a.score, a.key, NULL,"
	    " NULL, NULL, a.link, a.language, f.data, f.hash, a.hash"
	    " FROM articles a JOIN article_features f"
	    " ON f.article_id = a.id WHERE a.story_id IN"
	    " (SELECT story_id FROM articles WHERE story_id IS NOT NULL"
	    "  GROUP BY story_id HAVING max(published) >= ?)"
	    " ORDER BY a.published, a.key",
	    &q, err);

	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, since);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct chorus_store_row row;

		read_row(q, &row);
		rc = fn(ctx, &row);
		if (rc)
			break;
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ROW || rc > 0 ? db_fail(st, err, "read") : rc;
}

int chorus_store_features_put(struct chorus_store *st, int64_t article_id,
			      int64_t hash, const void *data, size_t len,
			      struct chorus_err *err)
{
	sqlite3_mutex *mu = lock_db(st);
	sqlite3_stmt *q = NULL;
	int rc =
	    cached_bound(st, STMT_FEATURES_PUT,
			 "INSERT INTO article_features(article_id, hash, data)"
			 " VALUES(?,?,?) ON CONFLICT(article_id) DO UPDATE SET"
			 " hash=excluded.hash, data=excluded.data",
			 &q, err);

	if (!rc) {
		sqlite3_bind_int64(q, 1, article_id);
		sqlite3_bind_int64(q, 2, hash);
		sqlite3_bind_blob(q, 3, data, (int)len, SQLITE_STATIC);
		rc = finish_cached(st, q, err);
	}
	sqlite3_mutex_leave(mu);
	return rc;
}

int chorus_store_state_get(struct chorus_store *st, const char *name,
			   struct chorus_buf *out, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, "SELECT value FROM cluster_state WHERE name=?", &q,
			 err);

	chorus_buf_reset(out);
	if (rc)
		return rc;
	bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		rc = chorus_buf_add(out, sqlite3_column_blob(q, 0),
				    (size_t)sqlite3_column_bytes(q, 0));
		if (rc)
			rc = chorus_err_set(err, rc, "out of memory");
	} else {
		rc = rc == SQLITE_DONE ? 0 : db_fail(st, err, "read");
	}
	sqlite3_finalize(q);
	return rc;
}

int chorus_store_state_put(struct chorus_store *st, const char *name,
			   const void *data, size_t len, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st,
			 "INSERT OR REPLACE INTO cluster_state(name, value) "
			 "VALUES(?,?)",
			 &q, err);

	if (rc)
		return rc;
	bind_text(q, 1, name);
	sqlite3_bind_blob(q, 2, data, (int)len, SQLITE_STATIC);
	return finish(st, q, err);
}

int chorus_store_story_merge(struct chorus_store *st, int64_t from,
			     int64_t into, struct chorus_err *err)
{
	static const char *const sql[] = {
	    "UPDATE articles SET story_id=?2 WHERE story_id=?1",
	    "UPDATE stories SET merged_into=?2 WHERE merged_into=?1",
	    "UPDATE stories SET merged_into=?2 WHERE id=?1",
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && !rc; i++) {
		sqlite3_stmt *q;

		rc = prepare(st, sql[i], &q, err);
		if (rc)
			break;
		sqlite3_bind_int64(q, 1, from);
		sqlite3_bind_int64(q, 2, into);
		rc = finish(st, q, err);
	}
	return rc;
}

int chorus_store_article_find(struct chorus_store *st, const char *key,
			      int64_t *id, int64_t *story_id,
			      struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, "SELECT id, story_id FROM articles WHERE key=?",
			 &q, err);

	*id = 0;
	*story_id = 0;
	if (rc)
		return rc;
	bind_text(q, 1, key);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		*story_id = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
						     : db_fail(st, err, "read");
}

int chorus_store_story_size(struct chorus_store *st, int64_t story_id,
			    size_t *n, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, "SELECT count(*) FROM articles WHERE story_id=?",
			 &q, err);

	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, story_id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : db_fail(st, err, "read");
}

int chorus_store_pending_first(struct chorus_store *st, int64_t *first,
			       size_t *n, struct chorus_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = prepare(st,
			 "SELECT min(published), count(*) FROM articles"
			 " INDEXED BY articles_pending WHERE story_id IS NULL",
			 &q, err);

	*first = 0;
	*n = 0;
	if (rc)
		return rc;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*first = sqlite3_column_int64(q, 0);
		*n = (size_t)sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : db_fail(st, err, "read");
}

int chorus_store_story_find(struct chorus_store *st, const char *uuid,
			    int64_t *found, struct chorus_err *err)
{
	sqlite3_mutex *mu = lock_db(st);
	sqlite3_stmt *q = NULL;
	int rc = prepare(st, "SELECT 1 FROM stories WHERE uuid=?", &q, err);

	*found = 0;
	if (!rc) {
		bind_text(q, 1, uuid);
		rc = sqlite3_step(q);
		*found = rc == SQLITE_ROW;
		sqlite3_finalize(q);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE
			 ? 0
			 : db_fail(st, err, "read");
	}
	sqlite3_mutex_leave(mu);
	return rc;
}

static int cmp_article_id(const void *a, const void *b)
{
	const struct chorus_stored_article *const *x = a, *const *y = b;

	return (*x)->id < (*y)->id ? -1 : (*x)->id > (*y)->id;
}

int chorus_store_refresh(struct chorus_store *st, struct chorus_corpus *c,
			 struct chorus_err *err)
{
	struct chorus_stored_article **by_id =
	    malloc((c->n_articles + 1) * sizeof(*by_id));
	sqlite3_stmt *q = NULL;
	size_t i;
	int rc;

	if (!by_id)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	for (i = 0; i < c->n_articles; i++)
		by_id[i] = &c->articles[i];
	qsort(by_id, c->n_articles, sizeof(*by_id), cmp_article_id);
	rc = prepare(st, "SELECT id, story_id, score FROM articles", &q, err);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct chorus_stored_article key, *kp = &key, **hit;

		key.id = sqlite3_column_int64(q, 0);
		hit = bsearch(&kp, by_id, c->n_articles, sizeof(*by_id),
			      cmp_article_id);
		if (hit) {
			(*hit)->story_id = sqlite3_column_int64(q, 1);
			(*hit)->score = sqlite3_column_double(q, 2);
		}
		rc = 0;
	}
	sqlite3_finalize(q);
	free(by_id);
	if (rc != SQLITE_DONE)
		return rc < 0 ? rc : db_fail(st, err, "read");
	rc = prepare(st, "SELECT id, merged_into FROM stories", &q, err);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);

		/* c->stories is by id. */
		size_t lo = 0, hi = c->n_stories;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (c->stories[mid].id == id) {
				c->stories[mid].merged_into =
				    sqlite3_column_int64(q, 1);
				break;
			}
			if (c->stories[mid].id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : (rc < 0 ? rc : db_fail(st, err, "read"));
}

void chorus_feed_state_init(struct chorus_feed_state *f)
{
	memset(f, 0, sizeof(*f));
}

void chorus_feed_state_release(struct chorus_feed_state *f)
{
	if (!f)
		return;
	free(f->url);
	free(f->title);
	free(f->etag);
	free(f->last_modified);
	free(f->last_error);
	free(f->moved_to);
	memset(f, 0, sizeof(*f));
}

int chorus_store_feed_get(struct chorus_store *st, const char *url,
			  struct chorus_feed_state *out, int *found,
			  struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc, oom = 0;

	*found = 0;
	chorus_feed_state_release(out);
	out->url = chorus_strdup(url);
	if (!out->url)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	rc = cached(st, STMT_FEED_GET,
		    "SELECT title, etag, last_modified, next_poll, last_poll,"
		    " last_ok, last_status, last_error, failures, retired,"
		    " moved_to, moved_count, last_bytes, items,"
		    " doc_interval, skip_hours, skip_days"
		    " FROM feeds WHERE url=?",
		    &q, err);
	if (rc)
		return rc;
	bind_text(q, 1, url);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*found = 1;
		out->title = col_dup(q, 0, &oom);
		out->etag = col_dup(q, 1, &oom);
		out->last_modified = col_dup(q, 2, &oom);
		out->next_poll = sqlite3_column_int64(q, 3);
		out->last_poll = sqlite3_column_int64(q, 4);
		out->last_ok = sqlite3_column_int64(q, 5);
		out->last_status = sqlite3_column_int(q, 6);
		out->last_error = col_dup(q, 7, &oom);
		out->failures = (long)sqlite3_column_int64(q, 8);
		out->retired = sqlite3_column_int(q, 9);
		out->moved_to = col_dup(q, 10, &oom);
		out->moved_count = (long)sqlite3_column_int64(q, 11);
		out->last_bytes = sqlite3_column_int64(q, 12);
		out->items = sqlite3_column_int64(q, 13);
		out->doc_interval = sqlite3_column_int64(q, 14);
		out->skip_hours = (uint32_t)sqlite3_column_int64(q, 15);
		out->skip_days = (unsigned)sqlite3_column_int(q, 16);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = db_fail(st, err, "read");
	}
	sqlite3_reset(q);
	if (!rc && oom)
		rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	return rc;
}

int chorus_store_feed_put(struct chorus_store *st,
			  const struct chorus_feed_state *f,
			  struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc = cached(st, STMT_FEED_PUT,
			"INSERT OR REPLACE INTO feeds(url, title, etag,"
			" last_modified, next_poll, last_poll, last_ok,"
			" last_status, last_error, failures, retired,"
			" moved_to, moved_count, last_bytes, items,"
			" doc_interval, skip_hours, skip_days)"
			" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			&q, err);

	if (rc)
		return rc;
	bind_text(q, 1, f->url);
	bind_text(q, 2, f->title);
	bind_text(q, 3, f->etag);
	bind_text(q, 4, f->last_modified);
	sqlite3_bind_int64(q, 5, f->next_poll);
	sqlite3_bind_int64(q, 6, f->last_poll);
	sqlite3_bind_int64(q, 7, f->last_ok);
	sqlite3_bind_int(q, 8, f->last_status);
	bind_text(q, 9, f->last_error);
	sqlite3_bind_int64(q, 10, f->failures);
	sqlite3_bind_int(q, 11, f->retired);
	bind_text(q, 12, f->moved_to);
	sqlite3_bind_int64(q, 13, f->moved_count);
	sqlite3_bind_int64(q, 14, f->last_bytes);
	sqlite3_bind_int64(q, 15, f->items);
	sqlite3_bind_int64(q, 16, f->doc_interval);
	sqlite3_bind_int64(q, 17, f->skip_hours);
	sqlite3_bind_int(q, 18, (int)f->skip_days);
	return finish_cached(st, q, err);
}

/* Run sql with the two texts a and b bound (b may be unused). */
static int exec2(struct chorus_store *st, const char *sql, const char *a,
		 const char *b, struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc = prepare(st, sql, &q, err);

	if (rc)
		return rc;
	bind_text(q, 1, a);
	if (sqlite3_bind_parameter_count(q) > 1)
		bind_text(q, 2, b);
	return finish(st, q, err);
}

int chorus_store_feed_rename(struct chorus_store *st, const char *from,
			     const char *to, struct chorus_err *err)
{
	int rc = exec2(st, "DELETE FROM feeds WHERE url=?", to, NULL, err);

	if (!rc)
		rc = exec2(st,
			   "UPDATE feeds SET url=?2, moved_to=NULL,"
			   " moved_count=0 WHERE url=?1",
			   from, to, err);
	if (!rc)
		rc = exec2(st, "UPDATE fetches SET url=?2 WHERE url=?1", from,
			   to, err);
	if (!rc)
		rc = exec2(st, "UPDATE sources SET url=?2 WHERE url=?1", from,
			   to, err);
	return rc;
}

int chorus_store_feed_forget(struct chorus_store *st, const char *url,
			     struct chorus_err *err)
{
	int rc = exec2(st, "DELETE FROM feeds WHERE url=?", url, NULL, err);

	if (!rc)
		rc = exec2(st, "DELETE FROM fetches WHERE url=?", url, NULL,
			   err);
	return rc;
}

int chorus_store_fetch_log(struct chorus_store *st,
			   const struct chorus_fetch_record *rec,
			   struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc = cached(st, STMT_FETCH_LOG,
			"INSERT INTO fetches(url, final_url, time, ms, status,"
			" bytes, sent_etag, sent_last_modified, etag,"
			" last_modified, next_poll, error, items_new,"
			" items_changed)"
			" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			&q, err);

	if (rc)
		return rc;
	bind_text(q, 1, rec->url);
	bind_text(q, 2, rec->final_url);
	sqlite3_bind_int64(q, 3, rec->time);
	sqlite3_bind_int64(q, 4, rec->ms);
	sqlite3_bind_int(q, 5, rec->status);
	sqlite3_bind_int64(q, 6, rec->bytes);
	bind_text(q, 7, rec->sent_etag);
	bind_text(q, 8, rec->sent_last_modified);
	bind_text(q, 9, rec->etag);
	bind_text(q, 10, rec->last_modified);
	sqlite3_bind_int64(q, 11, rec->next_poll);
	bind_text(q, 12, rec->error);
	sqlite3_bind_int64(q, 13, rec->items_new);
	sqlite3_bind_int64(q, 14, rec->items_changed);
	rc = finish_cached(st, q, err);
	/* Keep the log bounded: the last 100 fetches of each feed. */
	if (!rc)
		rc = cached(st, STMT_FETCH_PRUNE,
			    "DELETE FROM fetches WHERE url=?1 AND id <="
			    " (SELECT id FROM fetches WHERE url=?1"
			    "  ORDER BY id DESC LIMIT 1 OFFSET 100)",
			    &q, err);
	if (!rc) {
		bind_text(q, 1, rec->url);
		rc = finish_cached(st, q, err);
	}
	return rc;
}

int chorus_store_fetch_count(struct chorus_store *st, const char *url,
			     int64_t *count, struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc =
	    prepare(st, "SELECT count(*) FROM fetches WHERE url=?", &q, err);

	*count = 0;
	if (rc)
		return rc;
	bind_text(q, 1, url);
	if (sqlite3_step(q) == SQLITE_ROW)
		*count = sqlite3_column_int64(q, 0);
	else
		rc = db_fail(st, err, "read");
	sqlite3_finalize(q);
	return rc;
}

int chorus_store_article_published(struct chorus_store *st, const char *key,
				   int64_t *published, int *found,
				   struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc = cached(st, STMT_ARTICLE_PUBLISHED,
			"SELECT published FROM articles WHERE key=?", &q, err);

	*found = 0;
	if (rc)
		return rc;
	bind_text(q, 1, key);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*found = 1;
		*published = sqlite3_column_int64(q, 0);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
						     : db_fail(st, err, "read");
}

int chorus_store_feed_urls(struct chorus_store *st, struct chorus_strlist *out,
			   struct chorus_err *err)
{
	sqlite3_stmt *q;
	int rc = prepare(st, "SELECT url FROM feeds ORDER BY url", &q, err);

	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(q, 0);

		rc = chorus_strlist_push(out, u, strlen(u));
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == CHORUS_ENOMEM ? chorus_err_set(err, rc, "out of memory")
				   : db_fail(st, err, "read");
}
