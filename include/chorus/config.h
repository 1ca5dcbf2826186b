/*
 * A site's configuration: `chorus.ini` (read with inih) and the folders of
 * the site. Paths are resolved against the site's root, so a config works
 * wherever chorus is run from.
 *
 *   [site]
 *   title = …       link = https://…/   author = …   language = en
 *   public = public   seeds = seeds   templates = templates   state = .chorus
 *   max_source_bytes = 33554432
 *   [poll]
 *   per_host = 2  parallel = 50  connect_timeout = 15  timeout = 60
 *   max_feed_bytes = 16777216   ca_file = certs/private-ca.pem
 *   [feed "https://example.org/feed.xml"]
 *   name = Example
 *   interval = 3600
 *   [story]
 *   merge = KEY KEY     split = KEY     (article keys; repeatable)
 *
 * `chorus add`, `remove` and a feed that moved for good rewrite chorus.ini
 * through chorus_config_feed_*(): only the lines of that one section
 * change, every other line (comments included) stays as it was, and the
 * file is replaced atomically.
 */
#ifndef CHORUS_CONFIG_H
#define CHORUS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/error.h"

/* One subscription: a [feed "URL"] section. */
struct chorus_feed_config {
	char *url;
	char *name;    /* NULL: the feed's own title */
	long interval; /* seconds; 0: the default */
	int line;      /* where its section starts in chorus.ini */
};

/* How `chorus poll` behaves: the [poll] section. */
struct chorus_poll_config {
	long per_host;	       /* transfers at once to one host (2) */
	long parallel;	       /* transfers at once in all (50) */
	long connect_timeout;  /* seconds to connect (15) */
	long timeout;	       /* seconds for a whole transfer (60) */
	size_t max_feed_bytes; /* a larger body is cut off, failed (16 MiB) */
	/*
	 * A PEM file of certificates to trust besides the system's, for
	 * feeds served with a private CA (curl --cacert); resolved against
	 * the site folder. NULL: the system's only.
	 */
	char *ca_file;
};

/* A [story] override: `merge = KEY KEY` or `split = KEY` (article keys). */
enum chorus_story_override_kind {
	CHORUS_STORY_MERGE, /* key and other tell one story */
	CHORUS_STORY_SPLIT, /* key is a story of its own */
};

struct chorus_story_override {
	enum chorus_story_override_kind kind;
	char *key;
	char *other; /* merge only */
};

struct chorus_site {
	char *root;	   /* the site folder */
	char *config_path; /* the chorus.ini read, or NULL */
	char *title;
	char *subtitle;
	char *link; /* absolute URL where public/ is served, or NULL */
	char *author;
	char *language;
	char *icon;
	char *public_dir; /* absolute or root-relative, resolved */
	char *seeds_dir;
	char *templates_dir;
	char *state_dir;
	size_t max_source_bytes;
	size_t feed_page_size; /* stories in feed.atom */
	size_t index_page_size;
	struct chorus_poll_config poll;
	struct chorus_feed_config *feeds;
	size_t n_feeds;
	struct chorus_story_override *story_overrides; /* [story] */
	size_t n_story_overrides;
	/*
	 * The time used for undated input when SOURCE_DATE_EPOCH is set (the
	 * CLI reads the environment); -1 when it is not.
	 */
	int64_t source_date_epoch;
};

/*
 * Load the site at root: config_path when given (it must exist), else
 * root/chorus.ini when present, else defaults. Errors read
 * "chorus.ini:LINE: what is wrong" and fail with CHORUS_ECONFIG.
 */
int chorus_site_load(struct chorus_site *site, const char *root,
		     const char *config_path, struct chorus_err *err);
void chorus_site_release(struct chorus_site *site);

/* The subscription with this URL, or NULL; borrowed from site. */
const struct chorus_feed_config *
chorus_site_feed(const struct chorus_site *site, const char *url);

/*
 * Can url be a subscription? Only http:// and https:// URLs with a host,
 * without white space, quotes or brackets (which chorus.ini's section
 * line could not hold). Returns 0 or CHORUS_EINVAL with the reason.
 */
int chorus_config_url_check(const char *url, struct chorus_err *err);

/*
 * Append a [feed "url"] section (with name = … when name is not NULL) to
 * the config at path, creating the file when missing. Fails with
 * CHORUS_EINVAL when the URL is already subscribed.
 */
int chorus_config_feed_add(const char *path, const char *url, const char *name,
			   struct chorus_err *err);

/*
 * The same for n feeds at once (url, name and interval of each are
 * written), in one rewrite of the file: `chorus import`.
 */
int chorus_config_feeds_add(const char *path,
			    const struct chorus_feed_config *feeds, size_t n,
			    struct chorus_err *err);

/*
 * Remove the [feed "url"] section from the config at path, with its keys
 * and the comments inside it. CHORUS_ENOTFOUND when there is none.
 */
int chorus_config_feed_remove(const char *path, const char *url,
			      struct chorus_err *err);

/*
 * Rename the section [feed "from"] to [feed "to"] (a feed that moved),
 * keeping its keys. CHORUS_ENOTFOUND when there is none.
 */
int chorus_config_feed_rename(const char *path, const char *from,
			      const char *to, struct chorus_err *err);

#endif
