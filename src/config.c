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
#include <xxhash.h>

#include "chorus/buf.h"
#include "chorus/config.h"
#include "chorus/file.h"

struct load_ctx {
	struct chorus_site *site;
	struct chorus_err *err;
	int failed;
	int line; /* counted by read_line: Debian's inih passes no line */
	FILE *file;
	/* Feeds by URL (open addressing, index + 1; 0 is empty), so that a
	 * config of thousands of subscriptions loads in linear time. */
	size_t *slots;
	size_t n_slots;
};

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

static size_t slot_of(const struct load_ctx *ctx, const char *url, size_t len)
{
	const struct chorus_site *site = ctx->site;
	size_t i = (size_t)XXH64(url, len, 0) & (ctx->n_slots - 1);

	for (;; i = (i + 1) & (ctx->n_slots - 1)) {
		size_t k = ctx->slots[i];

		if (!k || (strlen(site->feeds[k - 1].url) == len &&
			   !memcmp(site->feeds[k - 1].url, url, len)))
			return i;
	}
}

/* Keep the table at most half full. */
static int grow_slots(struct load_ctx *ctx)
{
	size_t *old = ctx->slots, n_old = ctx->n_slots, i;

	if (ctx->n_slots && (ctx->site->n_feeds + 1) * 2 < ctx->n_slots)
		return 0;
	ctx->n_slots = n_old ? n_old * 2 : 64;
	ctx->slots = calloc(ctx->n_slots, sizeof(*ctx->slots));
	if (!ctx->slots) {
		ctx->slots = old;
		ctx->n_slots = n_old;
		return CHORUS_ENOMEM;
	}
	for (i = 0; i < n_old; i++)
		if (old[i]) {
			const char *u = ctx->site->feeds[old[i] - 1].url;

			ctx->slots[slot_of(ctx, u, strlen(u))] = old[i];
		}
	free(old);
	return 0;
}

static struct chorus_feed_config *
feed_for(struct load_ctx *ctx, const char *url, size_t len, int line)
{
	struct chorus_site *site = ctx->site;
	struct chorus_feed_config *f;
	size_t slot;

	if (grow_slots(ctx))
		return NULL;
	slot = slot_of(ctx, url, len);
	if (ctx->slots[slot])
		return &site->feeds[ctx->slots[slot] - 1];
	f = realloc(site->feeds, (site->n_feeds + 1) * sizeof(*f));
	if (!f)
		return NULL;
	site->feeds = f;
	f = &site->feeds[site->n_feeds];
	memset(f, 0, sizeof(*f));
	f->url = chorus_strndup(url, len);
	if (!f->url)
		return NULL;
	f->line = line;
	site->n_feeds++;
	ctx->slots[slot] = site->n_feeds;
	return f;
}

/* Does s start with a URL scheme ("x:")? A feed without one is a path. */
static int has_scheme(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

	return n > 0 && s[n] == ':';
}

static void new_feed(struct load_ctx *ctx, const char *url, size_t len)
{
	struct chorus_feed_config *f;
	struct chorus_err why = {0};

	if (ctx->failed)
		return;
	f = feed_for(ctx, url, len, ctx->line);
	if (!f) {
		chorus_err_set(ctx->err, CHORUS_ENOMEM, "out of memory");
		ctx->failed = 1;
		return;
	}
	if (f->line == ctx->line && has_scheme(f->url) &&
	    chorus_config_url_check(f->url, &why)) {
		chorus_err_set(ctx->err, CHORUS_ECONFIG, "%s:%d: %s",
			       ctx->site->config_path, ctx->line, why.msg);
		ctx->failed = 1;
	}
}

/*
 * inih's reader: one line per call, so counting calls counts lines. It
 * also notes every [feed "URL"] line here, because inih calls back only
 * for keys and a subscription may have none.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	char *s = fgets(str, num, ctx->file);
	const char *p, *close, *url;
	char section[1024];
	size_t len;

	if (!s)
		return s;
	ctx->line++;
	for (p = s; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '[' || !(close = strchr(p, ']')))
		return s;
	len = (size_t)(close - p - 1);
	if (len >= sizeof(section))
		return s;
	memcpy(section, p + 1, len);
	section[len] = '\0';
	if ((url = feed_url(section, &len)))
		new_feed(ctx, url, len);
	return s;
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
		    {"templates", offsetof(struct chorus_site, templates_dir)},
		    {"state", offsetof(struct chorus_site, state_dir)},
		};
		size_t i;

		for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			if (!strcmp(name, strs[i].key)) {
				rc = set_str(
				    (char **)((char *)s + strs[i].offset),
				    value);
				goto done;
			}
		if (!strcmp(name, "max_source_bytes") ||
		    !strcmp(name, "feed_size") || !strcmp(name, "page_size")) {
			size_t *slot =
			    !strcmp(name, "feed_size")	 ? &s->feed_page_size
			    : !strcmp(name, "page_size") ? &s->index_page_size
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
	} else if (!strcmp(section, "poll")) {
		static const struct {
			const char *key;
			size_t offset;
		} longs[] = {
		    {"per_host", offsetof(struct chorus_poll_config, per_host)},
		    {"parallel", offsetof(struct chorus_poll_config, parallel)},
		    {"connect_timeout",
		     offsetof(struct chorus_poll_config, connect_timeout)},
		    {"timeout", offsetof(struct chorus_poll_config, timeout)},
		};
		size_t i, v;

		for (i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
			if (strcmp(name, longs[i].key))
				continue;
			if (parse_size(value, &v) || v > 100000)
				goto bad_number;
			*(long *)((char *)&s->poll + longs[i].offset) = (long)v;
			return 1;
		}
		if (!strcmp(name, "ca_file")) {
			rc = set_str(&s->poll.ca_file, value);
			goto done;
		}
		if (!strcmp(name, "max_feed_bytes")) {
			if (parse_size(value, &s->poll.max_feed_bytes))
				goto bad_number;
			return 1;
		}
	} else if ((url = feed_url(section, &ulen))) {
		struct chorus_feed_config *f = feed_for(ctx, url, ulen, lineno);

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
			       "[poll], [feed \"URL\"] or [story])",
			       path, lineno, section);
		ctx->failed = 1;
		return 0;
	}
	chorus_err_set(ctx->err, CHORUS_ECONFIG,
		       "%s:%d: unknown key \"%s\" in [%s]", path, lineno, name,
		       section);
	ctx->failed = 1;
	return 0;
bad_number:
	chorus_err_set(ctx->err, CHORUS_ECONFIG,
		       "%s:%d: %s must be a positive number, not \"%s\"", path,
		       lineno, name, value);
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
	struct load_ctx ctx = {site, err, 0, 0, NULL, NULL, 0};
	FILE *f = NULL;
	int rc = 0;

	memset(site, 0, sizeof(*site));
	site->source_date_epoch = -1;
	site->max_source_bytes = 32u << 20;
	site->feed_page_size = 50;
	site->index_page_size = 30;
	site->poll.per_host = 2;
	site->poll.parallel = 50;
	site->poll.connect_timeout = 15;
	site->poll.timeout = 60;
	site->poll.max_feed_bytes = 16u << 20;
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
	    resolve(&site->state_dir, root, ".chorus") ||
	    (site->poll.ca_file && resolve(&site->poll.ca_file, root, NULL)))
		goto nomem;
	/* Named now, not as a TLS failure of every https feed at poll time. */
	if (site->poll.ca_file && access(site->poll.ca_file, R_OK)) {
		rc = chorus_err_set(
		    err, CHORUS_ECONFIG, "%s: [poll] ca_file %s: %s",
		    site->config_path, site->poll.ca_file, strerror(errno));
		goto out;
	}
	goto out;
nomem:
	rc = chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
out:
	if (f)
		fclose(f);
	free(ctx.slots);
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
	free(site->poll.ca_file);
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

const struct chorus_feed_config *
chorus_site_feed(const struct chorus_site *site, const char *url)
{
	size_t i;

	for (i = 0; i < site->n_feeds; i++)
		if (!strcmp(site->feeds[i].url, url))
			return &site->feeds[i];
	return NULL;
}

int chorus_config_url_check(const char *url, struct chorus_err *err)
{
	const char *host, *p;

	if (!strncmp(url, "http://", 7))
		host = url + 7;
	else if (!strncmp(url, "https://", 8))
		host = url + 8;
	else
		return chorus_err_set(err, CHORUS_EINVAL,
				      "%s: only http:// and https:// feeds "
				      "can be polled",
				      url);
	if (!*host || *host == '/' || *host == '?' || *host == '#')
		return chorus_err_set(err, CHORUS_EINVAL,
				      "%s: the URL names no host", url);
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == ']' ||
		    *p == 0x7f)
			return chorus_err_set(err, CHORUS_EINVAL,
					      "%s: a URL cannot hold white "
					      "space, '\"' or ']' (escape them "
					      "with %%XX)",
					      url);
	return 0;
}

/*
 * Rewriting chorus.ini: the file is handled as lines, and a section runs
 * from its [header] line to the next header. Comment lines directly above
 * the next header (no blank line between) belong to that next section, as
 * a person reading the file would see them.
 */

/* The [feed "URL"] line at text[0..len) names url? */
static int line_is_feed(const char *text, size_t len, const char *url)
{
	const char *p = text, *end = text + len, *close, *u;
	char section[2048];
	size_t n, ulen;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p != '[')
		return 0;
	close = memchr(p, ']', (size_t)(end - p));
	if (!close)
		return 0;
	n = (size_t)(close - p - 1);
	if (n >= sizeof(section))
		return 0;
	memcpy(section, p + 1, n);
	section[n] = '\0';
	u = feed_url(section, &ulen);
	return u && ulen == strlen(url) && !memcmp(u, url, ulen);
}

static int line_is_header(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return i < len && text[i] == '[' && memchr(text + i, ']', len - i);
}

static int line_is_comment(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return i < len && (text[i] == ';' || text[i] == '#');
}

/* Where the section of url lies: [*start, *end), its header ending at *hdr. */
static int find_feed_section(const char *text, size_t len, const char *url,
			     size_t *start, size_t *hdr, size_t *end)
{
	size_t pos = 0, keep = 0;
	int in = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t next = nl ? (size_t)(nl - text) + 1 : len;
		size_t llen = next - pos;

		if (in && line_is_header(text + pos, llen)) {
			*end = keep ? keep : pos;
			return 0;
		}
		if (!in && line_is_feed(text + pos, llen, url)) {
			in = 1;
			*start = pos;
			*hdr = next;
		} else if (in) {
			/* Comments after the last blank line stay with what
			 * follows. */
			if (line_is_comment(text + pos, llen)) {
				if (!keep)
					keep = pos;
			} else {
				keep = 0;
			}
		}
		pos = next;
	}
	if (!in)
		return CHORUS_ENOTFOUND;
	*end = len;
	return 0;
}

static int read_config(const char *path, struct chorus_buf *out, int missing_ok,
		       struct chorus_err *err)
{
	if (missing_ok && access(path, F_OK) && errno == ENOENT)
		return 0;
	return chorus_file_read(path, 16u << 20, out, err);
}

static int name_check(const char *name, struct chorus_err *err)
{
	const char *p;

	for (p = name; p && *p; p++)
		if ((unsigned char)*p < ' ' ||
		    ((*p == ';' || *p == '#') && p > name &&
		     (p[-1] == ' ' || p[-1] == '\t')))
			return chorus_err_set(err, CHORUS_EINVAL,
					      "the name \"%s\" cannot hold "
					      "control characters or a ';' "
					      "after a space",
					      name);
	return 0;
}

int chorus_config_feeds_add(const char *path,
			    const struct chorus_feed_config *feeds, size_t n,
			    struct chorus_err *err)
{
	struct chorus_buf text = CHORUS_BUF_INIT;
	size_t start, hdr, end, i, k;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		rc = chorus_config_url_check(feeds[i].url, err);
		if (!rc)
			rc = name_check(feeds[i].name, err);
		for (k = 0; !rc && k < i; k++)
			if (!strcmp(feeds[k].url, feeds[i].url))
				rc = chorus_err_set(err, CHORUS_EINVAL,
						    "%s is listed twice",
						    feeds[i].url);
	}
	if (rc)
		return rc;
	rc = read_config(path, &text, 1, err);
	if (rc)
		goto out;
	for (i = 0; i < n; i++)
		if (!find_feed_section(text.data ? text.data : "", text.len,
				       feeds[i].url, &start, &hdr, &end)) {
			rc = chorus_err_set(err, CHORUS_EINVAL,
					    "%s: already subscribed to %s",
					    path, feeds[i].url);
			goto out;
		}
	if (text.len && text.data[text.len - 1] != '\n')
		rc = chorus_buf_addc(&text, '\n');
	for (i = 0; !rc && i < n; i++) {
		if (text.len)
			rc = chorus_buf_addc(&text, '\n');
		if (!rc)
			rc = chorus_buf_printf(&text, "[feed \"%s\"]\n",
					       feeds[i].url);
		if (!rc && feeds[i].name && *feeds[i].name)
			rc = chorus_buf_printf(&text, "name = %s\n",
					       feeds[i].name);
		if (!rc && feeds[i].interval > 0)
			rc = chorus_buf_printf(&text, "interval = %ld\n",
					       feeds[i].interval);
	}
	if (rc) {
		rc = chorus_err_set(err, rc, "out of memory");
		goto out;
	}
	rc = chorus_file_write_atomic(path, text.data ? text.data : "",
				      text.len, NULL, err);
out:
	chorus_buf_release(&text);
	return rc;
}

int chorus_config_feed_add(const char *path, const char *url, const char *name,
			   struct chorus_err *err)
{
	struct chorus_feed_config f;

	memset(&f, 0, sizeof(f));
	f.url = (char *)url;
	f.name = (char *)name;
	return chorus_config_feeds_add(path, &f, 1, err);
}

/* Replace text[start..end) with repl (repl_len bytes) and write it out. */
static int splice_write(const char *path, struct chorus_buf *text, size_t start,
			size_t end, const char *repl, size_t repl_len,
			struct chorus_err *err)
{
	struct chorus_buf out = CHORUS_BUF_INIT;
	int rc = chorus_buf_add(&out, text->data, start);

	if (!rc)
		rc = chorus_buf_add(&out, repl, repl_len);
	if (!rc)
		rc = chorus_buf_add(&out, text->data + end, text->len - end);
	if (rc)
		rc = chorus_err_set(err, rc, "out of memory");
	else
		rc = chorus_file_write_atomic(path, out.data ? out.data : "",
					      out.len, NULL, err);
	chorus_buf_release(&out);
	return rc;
}

int chorus_config_feed_remove(const char *path, const char *url,
			      struct chorus_err *err)
{
	struct chorus_buf text = CHORUS_BUF_INIT;
	size_t start, hdr, end;
	int rc = read_config(path, &text, 1, err);

	if (rc)
		goto out;
	if (find_feed_section(text.data ? text.data : "", text.len, url, &start,
			      &hdr, &end)) {
		rc = chorus_err_set(err, CHORUS_ENOTFOUND,
				    "not subscribed to %s", url);
		goto out;
	}
	/* Drop one blank line left before the section, so that removing
	 * what add appended gives the file back as it was. */
	if (start >= 2 && text.data[start - 1] == '\n' &&
	    text.data[start - 2] == '\n' && end == text.len)
		start--;
	rc = splice_write(path, &text, start, end, "", 0, err);
out:
	chorus_buf_release(&text);
	return rc;
}

int chorus_config_feed_rename(const char *path, const char *from,
			      const char *to, struct chorus_err *err)
{
	struct chorus_buf text = CHORUS_BUF_INIT;
	struct chorus_buf line = CHORUS_BUF_INIT;
	size_t start, hdr, end;
	int rc = chorus_config_url_check(to, err);

	if (!rc)
		rc = read_config(path, &text, 0, err);
	if (rc)
		goto out;
	if (find_feed_section(text.data ? text.data : "", text.len, from,
			      &start, &hdr, &end)) {
		rc = chorus_err_set(err, CHORUS_ENOTFOUND,
				    "%s: no [feed \"%s\"] section", path, from);
		goto out;
	}
	if (!find_feed_section(text.data, text.len, to, &start, &hdr, &end)) {
		/* Already subscribed at the new address: drop the old one. */
		rc = chorus_config_feed_remove(path, from, err);
		goto out;
	}
	find_feed_section(text.data, text.len, from, &start, &hdr, &end);
	rc = chorus_buf_printf(&line, "[feed \"%s\"]\n", to);
	if (rc) {
		rc = chorus_err_set(err, rc, "out of memory");
		goto out;
	}
	rc = splice_write(path, &text, start, hdr, line.data, line.len, err);
out:
	chorus_buf_release(&line);
	chorus_buf_release(&text);
	return rc;
}
