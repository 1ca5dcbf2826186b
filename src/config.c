/*
 * chorus.ini and site defaults (see include/chorus/config.h). inih calls
 * back once per key; unknown keys and sections are errors, so a typo in a
 * config is named instead of silently ignored.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "chorus/buf.h"
#include "chorus/config.h"
#include "chorus/file.h"

struct load_ctx {
	struct chorus_site *site;
	struct chorus_err *err;
	int failed;
	int line; /* counted by read_line: Debian's inih passes no line */
	FILE *file;
};

/* inih's reader: one line per call, so counting calls counts lines. */
static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	char *s = fgets(str, num, ctx->file);

	if (s)
		ctx->line++;
	return s;
}

static int set_str(char **slot, const char *value)
{
	char *copy = chorus_strdup(value);

	if (!copy)
		return CHORUS_ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static int parse_size(const char *value, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value || *end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* `feed "URL"` → URL, or NULL when the section is not a feed. */
static const char *feed_url(const char *section, size_t *len)
{
	const char *q;

	if (strncmp(section, "feed ", 5))
		return NULL;
	section += 5;
	while (*section == ' ')
		section++;
	if (*section != '"')
		return NULL;
	q = strrchr(section + 1, '"');
	if (!q || q[1])
		return NULL;
	*len = (size_t)(q - section - 1);
	return section + 1;
}

static struct chorus_feed_config *feed_for(struct chorus_site *site,
					   const char *url, size_t len)
{
	struct chorus_feed_config *f;
	size_t i;

	for (i = 0; i < site->n_feeds; i++)
		if (strlen(site->feeds[i].url) == len &&
		    !strncmp(site->feeds[i].url, url, len))
			return &site->feeds[i];
	f = realloc(site->feeds, (site->n_feeds + 1) * sizeof(*f));
	if (!f)
		return NULL;
	site->feeds = f;
	f = &site->feeds[site->n_feeds];
	memset(f, 0, sizeof(*f));
	f->url = chorus_strndup(url, len);
	if (!f->url)
		return NULL;
	site->n_feeds++;
	return f;
}

/*
 * [story] merge = KEY KEY (two article keys, split by spaces) or
 * split = KEY: clustering overrides (see include/chorus/cluster.h).
 */
static int add_story_override(struct load_ctx *ctx, const char *name,
			      const char *value)
{
	struct chorus_site *s = ctx->site;
	struct chorus_story_override *o;
	const char *p = value, *k1, *k2 = NULL;
	size_t l1, l2 = 0;
	int merge = !strcmp(name, "merge");

	while (*p == ' ' || *p == '\t')
		p++;
	k1 = p;
	l1 = strcspn(p, " \t");
	p += l1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p) {
		k2 = p;
		l2 = strcspn(p, " \t");
		p += l2;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (!l1 || *p || (merge && !k2) || (!merge && k2)) {
		chorus_err_set(ctx->err, CHORUS_ECONFIG,
			       "%s:%d: %s takes %s article key%s, not \"%s\"",
			       s->config_path, ctx->line, name,
			       merge ? "two" : "one", merge ? "s" : "", value);
		ctx->failed = 1;
		return 0;
	}
	o = realloc(s->story_overrides,
		    (s->n_story_overrides + 1) * sizeof(*o));
	if (!o)
		goto nomem;
	s->story_overrides = o;
	o = &o[s->n_story_overrides];
	o->kind = merge ? CHORUS_STORY_MERGE : CHORUS_STORY_SPLIT;
	o->key = chorus_strndup(k1, l1);
	o->other = merge ? chorus_strndup(k2, l2) : NULL;
	if (!o->key || (merge && !o->other)) {
		free(o->key);
		free(o->other);
		goto nomem;
	}
	s->n_story_overrides++;
	return 1;
nomem:
	chorus_err_set(ctx->err, CHORUS_ENOMEM, "out of memory");
	ctx->failed = 1;
	return 0;
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct load_ctx *ctx = user;
	struct chorus_site *s = ctx->site;
	const char *path = s->config_path;
	int lineno = ctx->line;
	const char *url;
	size_t ulen;
	int rc = 0;

	if (!strcmp(section, "site")) {
		static const struct {
			const char *key;
			size_t offset;
		} strs[] = {
			{"title", offsetof(struct chorus_site, title)},
			{"subtitle", offsetof(struct chorus_site, subtitle)},
			{"link", offsetof(struct chorus_site, link)},
			{"author", offsetof(struct chorus_site, author)},
			{"language", offsetof(struct chorus_site, language)},
			{"icon", offsetof(struct chorus_site, icon)},
			{"public", offsetof(struct chorus_site, public_dir)},
			{"seeds", offsetof(struct chorus_site, seeds_dir)},
			{"templates",
			 offsetof(struct chorus_site, templates_dir)},
			{"state", offsetof(struct chorus_site, state_dir)},
		};
		size_t i;

		for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			if (!strcmp(name, strs[i].key)) {
				rc = set_str((char **)((char *)s +
						       strs[i].offset),
					     value);
				goto done;
			}
		if (!strcmp(name, "max_source_bytes") ||
		    !strcmp(name, "feed_size") || !strcmp(name, "page_size")) {
			size_t *slot = !strcmp(name, "feed_size")
					       ? &s->feed_page_size
				       : !strcmp(name, "page_size")
					       ? &s->index_page_size
					       : &s->max_source_bytes;

			if (parse_size(value, slot)) {
				chorus_err_set(ctx->err, CHORUS_ECONFIG,
					       "%s:%d: %s must be a positive "
					       "number, not \"%s\"",
					       path, lineno, name, value);
				ctx->failed = 1;
				return 0;
			}
			return 1;
		}
	} else if ((url = feed_url(section, &ulen))) {
		struct chorus_feed_config *f = feed_for(s, url, ulen);

		if (!f) {
			rc = CHORUS_ENOMEM;
			goto done;
		}
		if (!strcmp(name, "name")) {
			rc = set_str(&f->name, value);
			goto done;
		}
		if (!strcmp(name, "interval")) {
			char *end;
			long v = strtol(value, &end, 10);

			if (end == value || *end || v <= 0) {
				chorus_err_set(ctx->err, CHORUS_ECONFIG,
					       "%s:%d: interval must be a "
					       "positive number of seconds",
					       path, lineno);
				ctx->failed = 1;
				return 0;
			}
			f->interval = v;
			return 1;
		}
	} else if (!strcmp(section, "story") &&
		   (!strcmp(name, "merge") || !strcmp(name, "split"))) {
		return add_story_override(ctx, name, value);
	} else if (strcmp(section, "story")) {
		chorus_err_set(ctx->err, CHORUS_ECONFIG,
			       "%s:%d: unknown section [%s] (expected [site], "
			       "[feed \"URL\"] or [story])",
			       path, lineno, section);
		ctx->failed = 1;
		return 0;
	}
	chorus_err_set(ctx->err, CHORUS_ECONFIG,
		       "%s:%d: unknown key \"%s\" in [%s]", path, lineno, name,
		       section);
	ctx->failed = 1;
	return 0;
done:
	if (rc) {
		chorus_err_set(ctx->err, rc, "out of memory");
		ctx->failed = 1;
		return 0;
	}
	return 1;
}

/* Make *slot (a path, possibly relative to root) absolute-or-rooted. */
static int resolve(char **slot, const char *root, const char *dflt)
{
	char *joined = chorus_path_join(root, *slot ? *slot : dflt);

	if (!joined)
		return CHORUS_ENOMEM;
	free(*slot);
	*slot = joined;
	return 0;
}

int chorus_site_load(struct chorus_site *site, const char *root,
		     const char *config_path, struct chorus_err *err)
{
	struct load_ctx ctx = {site, err, 0, 0, NULL};
	FILE *f = NULL;
	int rc = 0;

	memset(site, 0, sizeof(*site));
	site->source_date_epoch = -1;
	site->max_source_bytes = 32u << 20;
	site->feed_page_size = 50;
	site->index_page_size = 30;
	site->root = chorus_strdup(root);
	if (!site->root)
		goto nomem;
	if (config_path)
		site->config_path = chorus_strdup(config_path);
	else if (!(site->config_path = chorus_path_join(root, "chorus.ini")))
		goto nomem;
	else if (access(site->config_path, F_OK)) {
		free(site->config_path);
		site->config_path = NULL;
	}
	if (config_path && !site->config_path)
		goto nomem;
	if (site->config_path) {
		int line;

		f = fopen(site->config_path, "r");
		if (!f) {
			rc = chorus_err_set(err, CHORUS_ECONFIG, "%s: %s",
					    site->config_path, strerror(errno));
			goto out;
		}
		ctx.file = f;
		line = ini_parse_stream(read_line, &ctx, on_key, &ctx);
		if (ctx.failed) {
			rc = err && err->code == CHORUS_ENOMEM ? CHORUS_ENOMEM
							       : CHORUS_ECONFIG;
			goto out;
		}
		if (line) {
			rc = chorus_err_set(err, CHORUS_ECONFIG,
					    "%s:%d: not a \"key = value\" line "
					    "or a [section]",
					    site->config_path, line);
			goto out;
		}
	}
	if (!site->title && !(site->title = chorus_strdup("chorus")))
		goto nomem;
	if (!site->language && !(site->language = chorus_strdup("en")))
		goto nomem;
	if (resolve(&site->public_dir, root, "public") ||
	    resolve(&site->seeds_dir, root, "seeds") ||
	    resolve(&site->templates_dir, root, "templates") ||
	    resolve(&site->state_dir, root, ".chorus"))
		goto nomem;
	goto out;
nomem:
	rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
out:
	if (f)
		fclose(f);
	if (rc)
		chorus_site_release(site);
	return rc;
}

void chorus_site_release(struct chorus_site *site)
{
	size_t i;

	if (!site)
		return;
	free(site->root);
	free(site->config_path);
	free(site->title);
	free(site->subtitle);
	free(site->link);
	free(site->author);
	free(site->language);
	free(site->icon);
	free(site->public_dir);
	free(site->seeds_dir);
	free(site->templates_dir);
	free(site->state_dir);
	for (i = 0; i < site->n_feeds; i++) {
		free(site->feeds[i].url);
		free(site->feeds[i].name);
	}
	free(site->feeds);
	for (i = 0; i < site->n_story_overrides; i++) {
		free(site->story_overrides[i].key);
		free(site->story_overrides[i].other);
	}
	free(site->story_overrides);
	memset(site, 0, sizeof(*site));
}
