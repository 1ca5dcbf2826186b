/*
 * A site's configuration: `chorus.ini` (read with inih) and the folders of
 * the site. Paths are resolved against the site's root, so a config works
 * wherever chorus is run from.
 *
 *   [site]
 *   title = …       link = https://…/   author = …   language = en
 *   public = public   seeds = seeds   templates = templates   state = .chorus
 *   max_source_bytes = 33554432
 *   [feed "https://example.org/feed.xml"]
 *   name = Example
 *   [story]
 *   merge = KEY KEY     split = KEY     (article keys; repeatable)
 */
#ifndef CHORUS_CONFIG_H
#define CHORUS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/error.h"

/* One subscription: a [feed "URL"] section. */
struct chorus_feed_config {
	char *url;
	char *name;     /* NULL: the feed's own title */
	long interval;  /* seconds; 0: the default */
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
	char *root;          /* the site folder */
	char *config_path;   /* the chorus.ini read, or NULL */
	char *title;
	char *subtitle;
	char *link;          /* absolute URL where public/ is served, or NULL */
	char *author;
	char *language;
	char *icon;
	char *public_dir;    /* absolute or root-relative, resolved */
	char *seeds_dir;
	char *templates_dir;
	char *state_dir;
	size_t max_source_bytes;
	size_t feed_page_size; /* stories in feed.atom */
	size_t index_page_size;
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

#endif
